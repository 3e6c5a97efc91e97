"""Each eligibility criterion is declared once (placements/criteria.py), and its two forms agree:
for every criterion, every child and every setting of a varied set, the setting is in
`Setting.objects.filter(criterion.q(child))` exactly when `criterion.excludes(child, eligibility)`
says nothing. The settings and children cover each criterion's edge cases: ages at the bounds,
each capability for a risk and a need (and none stated), each sex, kind of placement, notice,
arrangement, flag and way of communicating.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from commissioning.models import NeedLevel
from placements import criteria, services
from placements.criteria import CRITERIA, ChildOn
from placements.forms import PlacementRequestForm
from placements.models import PlacementRequest
from providers.models import (
    Capability,
    Communication,
    Eligibility,
    LivingAlongside,
    Need,
    PlacementKind,
    Risk,
    Setting,
)
from tests.placements.builders import home

ALL_RISKS = dict.fromkeys(Risk.values, Capability.CAN_MEET.value)
ALL_NEEDS = dict.fromkeys(Need.values, Capability.CAN_MEET.value)


def _risk(capability: str | None) -> dict[str, Any]:
    risks = dict(ALL_RISKS)
    risks.pop(Risk.SELF_HARM)
    return {"risks": risks if capability is None else risks | {Risk.SELF_HARM: capability}}


def _need(capability: str | None) -> dict[str, Any]:
    needs = dict(ALL_NEEDS)
    needs.pop(Need.AUTISM)
    return {"needs": needs if capability is None else needs | {Need.AUTISM: capability}}


# How each setting's statements differ from a home that takes every child.
SETTINGS: list[dict[str, Any]] = [
    {},
    {"min_age": 12, "max_age": 17},
    {"min_age": 0, "max_age": 15},
    {"min_age": 14, "max_age": 14},
    {"min_age": 16, "max_age": 25},
    {"sexes": ["female"]},
    {"sexes": ["male"]},
    *({"placement_kinds": [kind]} for kind in PlacementKind.values),
    {"placement_kinds": [PlacementKind.EMERGENCY, PlacementKind.PLANNED]},
    *({"minimum_notice_days": days} for days in (1, 4, 5, 30)),
    *({"living_alongside": arrangement} for arrangement in LivingAlongside.values),
    {"accepts_pets": False},
    {"can_meet_deprivation_of_liberty": False},
    {"adapted_for_physical_disability": False},
    {"communication": []},
    {"communication": [Communication.ESOL]},
    {"communication": [Communication.BSL, Communication.MAKATON]},
    *(_risk(capability) for capability in [*Capability.values, None]),
    *(_need(capability) for capability in [*Capability.values, None]),
    # Several at once.
    {
        "min_age": 13,
        "max_age": 16,
        "sexes": ["male"],
        "living_alongside": LivingAlongside.ONLY_OLDER,
        "accepts_pets": False,
        **_risk(Capability.CANNOT_MEET),
        **_need(Capability.WILL_CONSIDER),
    },
    {
        "placement_kinds": [PlacementKind.SHORT_BREAK],
        "minimum_notice_days": 7,
        "communication": [Communication.ESOL],
        "adapted_for_physical_disability": False,
        "can_meet_deprivation_of_liberty": False,
        **_need(Capability.CANNOT_MEET),
    },
]

# How each child differs from a 14-year-old girl, planned, within 5 days, with others.
CHILDREN: list[dict[str, Any]] = [
    {},
    *({"age_years": age} for age in (0, 11, 12, 13, 15, 16, 17, 25)),
    {"sex": "male"},
    {"sex": "not_stated"},
    *({"placement_kind": kind} for kind in PlacementKind.values),
    {"urgency": "today"},
    {"urgency": "over_5_days"},
    *({"living_alongside": arrangement} for arrangement in LivingAlongside.values),
    {"has_pet": True},
    {"deprivation_of_liberty": True},
    {"needs_adaptation": True},
    *({"communication": [code]} for code in Communication.values),
    {"communication": [Communication.ESOL, Communication.MAKATON]},
    {"risks": [Risk.SELF_HARM]},
    {"risks": [Risk.GOING_MISSING, Risk.SELF_HARM]},
    {"needs": [Need.AUTISM]},
    {"needs": [Need.PARENTING]},
    {"risks": [Risk.SELF_HARM], "needs": [Need.AUTISM]},
    # Several at once.
    {
        "age_years": 16,
        "sex": "not_stated",
        "urgency": "today",
        "placement_kind": PlacementKind.EMERGENCY,
        "living_alongside": LivingAlongside.SOLO_ONLY,
        "has_pet": True,
        "deprivation_of_liberty": True,
        "needs_adaptation": True,
        "communication": [Communication.BSL],
        "risks": [Risk.SELF_HARM],
        "needs": [Need.AUTISM],
    },
    {"age_years": 13, "sex": "male", "living_alongside": LivingAlongside.ONLY_YOUNGER},
]


def _child(values: dict[str, Any]) -> ChildOn:
    request = PlacementRequest(
        **{
            "age_years": 14,
            "sex": "female",
            "urgency": "within_5_days",
            "placement_kind": PlacementKind.PLANNED,
            "living_alongside": LivingAlongside.WITH_OTHERS,
            "accommodation": ["residential"],
            **values,
        }
    )
    return ChildOn(request, request.age_years or 0)


@pytest.fixture
def settings_made(world_map) -> list[Setting]:
    made = [home(world_map, eligibility=values, no_vacancy=True) for values in SETTINGS]
    return list(Setting.objects.filter(pk__in=[s.pk for s in made]).select_related("eligibility"))


def _name(criterion: criteria.Criterion) -> str:
    return type(criterion).__name__


@pytest.mark.parametrize("criterion", CRITERIA, ids=_name)
def test_the_sql_filter_and_the_sentence_agree(settings_made, criterion):
    ids = [s.pk for s in settings_made]
    admitted = excluded = 0
    for values in CHILDREN:
        child = _child(values)
        in_sql = set(
            Setting.objects.filter(pk__in=ids)
            .filter(criterion.q(child))
            .values_list("pk", flat=True)
        )
        for setting in settings_made:
            sentence = criterion.excludes(child, setting.eligibility)
            assert (setting.pk in in_sql) == (sentence is None), (
                _name(criterion),
                values,
                {f: getattr(setting.eligibility, f) for f in _eligibility_fields()},
                sentence,
            )
            if sentence is None:
                admitted += 1
            else:
                excluded += 1
    # The fixtures exercise the criterion both ways: a new criterion needs its own cases here.
    assert admitted and excluded, (_name(criterion), admitted, excluded)


def _eligibility_fields() -> list[str]:
    return [f.name for f in Eligibility._meta.concrete_fields if f.name not in ("id", "setting")]


def test_the_whole_filter_and_the_sentences_agree(settings_made):
    ids = [s.pk for s in settings_made]
    for values in CHILDREN:
        child = _child(values)
        in_sql = set(
            Setting.objects.filter(pk__in=ids)
            .filter(criteria.criteria_q(child))
            .values_list("pk", flat=True)
        )
        in_words = {s.pk for s in settings_made if not criteria.exclusions(child, s.eligibility)}
        assert in_sql == in_words, values


def test_a_setting_that_states_no_criteria_is_not_admitted(world_map):
    home(world_map, no_eligibility=True, no_vacancy=True)
    assert not Setting.objects.filter(criteria.criteria_q(_child({}))).exists()


def test_every_part_of_the_profile_is_a_request_field_asked_on_the_form():
    request_fields = {f.name for f in PlacementRequest._meta.fields}
    assert set(criteria.PROFILE_FIELDS) <= request_fields
    assert list(PlacementRequestForm().fields) == list(services.PROFILE_FIELDS)
    assert len(set(services.PROFILE_FIELDS)) == len(services.PROFILE_FIELDS)


def test_each_part_of_the_profile_has_its_rows_on_both_pages():
    profile = criteria.profile_record(
        PlacementRequest(
            age_years=9,
            sex="male",
            urgency="today",
            placement_kind=PlacementKind.EMERGENCY,
            accommodation=["foster"],
            siblings_to_place_together=2,
            living_alongside=LivingAlongside.SOLO_ONLY,
            has_pet=True,
            communication=[Communication.BSL],
            need_level=NeedLevel.ENHANCED,
        ),
        today=date(2027, 1, 4),
    )
    assert criteria.profile_rows(profile) == [
        ("Age", "9"),
        ("Sex", "Male"),
        ("When the child needs to move", "Today"),
        ("Kind of placement", "Emergency"),
        ("Placements that would suit", "Foster care"),
        ("Brothers and sisters placed with them", "2"),
        ("Can live alongside", "Solo placements only"),
        ("Has a pet that comes with them", "Yes"),
        ("Deprivation of liberty order", "No"),
        ("Needs a home adapted for physical disability", "No"),
        ("Communication", "British Sign Language"),
        ("Risks", "None"),
        ("Needs", "None"),
        ("Need level (for framework rates)", "Enhanced"),
    ]
    assert criteria.profile_rows(profile, unstated="None stated")[-3:-1] == [
        ("Risks", "None stated"),
        ("Needs", "None stated"),
    ]


def test_a_part_the_standard_does_not_hold_is_exported_in_its_own_words():
    class PetNotInTheStandard(criteria.Pet):
        in_standard = False

    part = PetNotInTheStandard()
    request = PlacementRequest(has_pet=True)
    assert part.record_columns() == [("has_pet", "Has a pet that comes with them", 14)]
    assert part.record(request, today=date(2027, 1, 4)) == {"has_pet": "Yes"}
    assert criteria.Pet().record(request, today=date(2027, 1, 4)) == {}


def test_the_export_says_age_sex_kind_and_needs_of_its_own():
    request = PlacementRequest(
        age_years=15, sex="male", placement_kind=PlacementKind.SHORT_BREAK, needs=[Need.AUTISM]
    )
    assert criteria.record_of(request, today=date(2027, 1, 4)) == {
        "age": 15,
        "sex": "Male",
        "placement_kind": "Short break",
        "needs": ["Autism"],
        "need_level": "Not assessed",
    }
    assert [header for _, header, _ in criteria.record_columns()] == [
        "Age",
        "Sex",
        "Kind of placement",
        "Needs",
        "Need level (for framework rates)",
    ]
