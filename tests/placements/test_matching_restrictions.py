"""Matching applies a vacancy's structured restrictions (sexes, ages, solo only, start from):
each as a table case excluding only the setting that fails it, the words officers see, and the
search's SQL agreeing with `criteria_exclusions` on a varied set of settings and children.

Follows tests/placements/test_matching.py; the synthetic map is in tests/placements/builders.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import product
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from placements.matching import SearchCriteria, criteria_exclusions, setting_match
from placements.models import PlacementRequest
from providers.models import Setting
from tests.factories import UserFactory, sign_in
from tests.placements.builders import child, home

NOW = timezone.make_aware(datetime(2027, 1, 4, 10, 0))
TODAY = NOW.date()


def found(request: PlacementRequest, **criteria: Any) -> set[str]:
    result = setting_match(request=request, criteria=SearchCriteria(**criteria), now=NOW)
    return {m.setting.urn for m in result.matches}


def confirmed_now(vacancy: dict[str, Any]) -> dict[str, Any]:
    return {"confirmed_at": NOW, **vacancy}


# --- Each restriction excludes the right setting and no other ----------------------------------

# (what the child is, the excluded setting's vacancy)
CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("a girl, a vacancy for boys only", {"sex": "female"}, {"sexes": ["male"]}),
    ("a boy, a vacancy for girls only", {"sex": "male"}, {"sexes": ["female"]}),
    ("sex not stated, a vacancy for girls only", {"sex": "not_stated"}, {"sexes": ["female"]}),
    ("younger than the vacancy", {"age_years": 12}, {"min_age": 13}),
    ("older than the vacancy", {"age_years": 17}, {"min_age": 13, "max_age": 16}),
    ("older than the vacancy's upper age", {"age_years": 14}, {"max_age": 13}),
    (
        "siblings, a place for a child alone",
        {"siblings_to_place_together": 1},
        {"places": 2, "solo_only": True},
    ),
    (
        "within 5 days, free on the sixth",
        {"urgency": "within_5_days"},
        {"available_from": TODAY + timedelta(days=5)},
    ),
]


@pytest.mark.parametrize(("case", "child_values", "vacancy"), CASES, ids=[c[0] for c in CASES])
def test_each_restriction_excludes_only_the_setting_that_fails_it(
    world_map, case, child_values, vacancy
):
    admits = home(world_map, vacancy=confirmed_now({"places": 2}))
    fails = home(world_map, vacancy=confirmed_now(vacancy))
    request = child(world_map, **child_values)

    urns = found(request)

    assert admits.urn in urns
    assert fails.urn not in urns
    # Not even when the officer includes settings without confirmed facts.
    assert fails.urn not in found(request, include_unconfirmed=True)


def test_a_restriction_holds_for_settings_shown_as_not_confirmed(world_map):
    expired = home(world_map, vacancy={"sexes": ["male"], "confirmed_at": NOW - timedelta(20)})
    no_criteria = home(world_map, vacancy=confirmed_now({"sexes": ["male"]}), no_eligibility=True)
    girl = child(world_map, sex="female")
    boy = child(world_map, sex="male", reference="LAC-0002")

    assert found(girl, include_unconfirmed=True) == set()
    assert found(boy, include_unconfirmed=True) == {expired.urn, no_criteria.urn}


def test_a_child_the_restrictions_admit_matches_with_them_said(world_map):
    home(
        world_map,
        vacancy=confirmed_now(
            {"sexes": ["female"], "min_age": 13, "max_age": 16, "solo_only": True}
        ),
    )
    (match,) = setting_match(
        request=child(world_map, sex="female", age_years=14), criteria=SearchCriteria(), now=NOW
    ).matches
    assert (
        "This place is restricted (for girls only; ages 13 to 16; the only child placed): "
        "the child fits" in match.reasons
    )
    assert match.components["vacancy"] == 1.0


def test_free_text_stays_worth_checking(world_map):
    home(world_map, vacancy=confirmed_now({"restriction": "An introductory visit first"}))
    (match,) = setting_match(request=child(world_map), criteria=SearchCriteria(), now=NOW).matches
    assert "Vacancy restriction: An introductory visit first" in match.concerns


# --- Start from: in time, or worth checking ----------------------------------------------------


@pytest.mark.parametrize(
    ("urgency", "free_in_days", "part", "reason", "concern"),
    [
        ("within_5_days", 4, 1.0, "The place is free from 8 January 2027, in time", None),
        ("over_5_days", 5, 1.0, "The place is free from 9 January 2027, in time", None),
        (
            "over_5_days",
            8,
            0.75,
            None,
            "The place is free from 12 January 2027: check that is soon enough",
        ),
        ("today", 0, 1.0, None, None),
    ],
    ids=["urgent, in time", "planned, within 5 days", "planned, later", "free now"],
)
def test_a_later_start_is_in_time_or_worth_checking(
    world_map, urgency, free_in_days, part, reason, concern
):
    free_from = TODAY + timedelta(days=free_in_days) if free_in_days else None
    home(world_map, vacancy=confirmed_now({"available_from": free_from}))
    (match,) = setting_match(
        request=child(world_map, urgency=urgency), criteria=SearchCriteria(), now=NOW
    ).matches
    assert match.components["vacancy"] == part
    starts = [t for t in [*match.reasons, *match.concerns] if t.startswith("The place is free")]
    if reason is None and concern is None:
        assert starts == []
    if reason is not None:
        assert any(r.startswith(reason) for r in match.reasons)
    if concern is not None:
        assert concern in match.concerns


def test_a_later_start_ranks_below_a_place_free_now(world_map):
    later = home(world_map, vacancy=confirmed_now({"available_from": TODAY + timedelta(days=30)}))
    now = home(world_map, vacancy=confirmed_now({}))
    result = setting_match(
        request=child(world_map, urgency="over_5_days"), criteria=SearchCriteria(), now=NOW
    )
    assert [m.setting.urn for m in result.matches] == [now.urn, later.urn]
    assert result.matches[0].score - result.matches[1].score == pytest.approx(5.0)


# --- The words and the SQL agree ---------------------------------------------------------------

# (eligibility differences, vacancy restrictions; None: no eligibility stated)
SETTINGS: list[tuple[dict[str, Any] | None, dict[str, Any]]] = [
    ({}, {}),
    ({}, {"sexes": ["male"]}),
    ({}, {"sexes": ["female"]}),
    ({}, {"sexes": ["female", "male"]}),
    ({}, {"min_age": 13, "max_age": 16}),
    ({}, {"min_age": 15}),
    ({}, {"max_age": 12}),
    ({}, {"solo_only": True}),
    ({"sexes": ["female"]}, {"min_age": 11, "max_age": 14}),
    ({"min_age": 12}, {"sexes": ["male"], "solo_only": True}),
    ({"max_age": 15}, {"sexes": ["female"], "max_age": 15}),
    (None, {"sexes": ["male"], "min_age": 14}),
    (None, {}),
]
CHILDREN = list(product(["female", "male", "not_stated"], [10, 14, 17], [0, 1]))


def test_the_explanation_in_words_and_the_sql_filter_agree(world_map):
    made = []
    for eligibility, vacancy in SETTINGS:
        made.append(
            home(
                world_map,
                eligibility=eligibility or {},
                no_eligibility=eligibility is None,
                vacancy=confirmed_now({"places": 2, **vacancy}),
            )
        )
    settings = list(
        Setting.objects.filter(pk__in=[s.pk for s in made]).select_related("eligibility", "vacancy")
    )
    stated = {s.urn for s in settings if hasattr(s, "eligibility")}
    checked = 0
    for number, (sex, age, siblings) in enumerate(CHILDREN, 1):
        request = child(
            world_map,
            reference=f"LAC-{number:04d}",
            sex=sex,
            age_years=age,
            siblings_to_place_together=siblings,
        )
        words = {s.urn: criteria_exclusions(request, s, today=TODAY) for s in settings}
        admitted = {urn for urn, reasons in words.items() if not reasons}
        assert found(request, include_unconfirmed=True) == admitted, (sex, age, siblings, words)
        assert found(request) == admitted & stated, (sex, age, siblings)
        checked += len(settings)
    assert checked == len(SETTINGS) * len(CHILDREN)


@pytest.mark.parametrize(
    ("child_values", "vacancy", "words"),
    [
        ({"sex": "female"}, {"sexes": ["male"]}, "Its vacancy is for boys only"),
        (
            {"sex": "not_stated"},
            {"sexes": ["female"]},
            "Its vacancy is for girls only",
        ),
        (
            {"age_years": 12},
            {"min_age": 13, "max_age": 16},
            "Its vacancy is for ages 13 to 16; the child is 12",
        ),
        (
            {"age_years": 12},
            {"min_age": 13},
            "Its vacancy is for ages 13 and over; the child is 12",
        ),
        (
            {"age_years": 14},
            {"max_age": 12},
            "Its vacancy is for ages 12 and under; the child is 14",
        ),
        (
            {"siblings_to_place_together": 1},
            {"solo_only": True},
            "Its vacancy is for a child placed alone; the child is to be placed with a brother "
            "or sister",
        ),
        (
            {"siblings_to_place_together": 2},
            {"places": 3, "solo_only": True},
            "Its vacancy is for a child placed alone; the child is to be placed with 2 brothers "
            "or sisters",
        ),
    ],
)
def test_each_restriction_is_explained_in_words(world_map, child_values, vacancy, words):
    setting = home(world_map, vacancy=confirmed_now({"places": 2, **vacancy}))
    setting = Setting.objects.select_related("eligibility", "vacancy").get(pk=setting.pk)
    assert criteria_exclusions(child(world_map, **child_values), setting, today=TODAY) == [words]


# --- Officers see them on the results page and in the API ----------------------------------------


def test_the_results_page_and_api_show_the_restrictions_in_words(world_map, client):
    home(
        world_map,
        name="Willow House",
        vacancy={
            "sexes": ["female"],
            "min_age": 13,
            "max_age": 16,
            "restriction": "An introductory visit first",
            "available_from": timezone.localdate() + timedelta(days=2),
        },
    )
    request = child(world_map, sex="female", age_years=14, urgency="over_5_days")
    officer = UserFactory(organisation=world_map.la, role=Role.PLACEMENT_OFFICER)
    sign_in(client, officer.email)

    html = client.get(reverse("placements:placement_search", args=[request.pk])).content.decode()
    assert "Willow House" in html
    assert "Restrictions: For girls only; Ages 13 to 16; An introductory visit first" in html

    body = client.get(f"/api/v1/placement-requests/{request.pk}/matches/").json()
    (match,) = body["matches"]
    assert match["vacancy"]["restrictions"] == [
        "For girls only",
        "Ages 13 to 16",
        "An introductory visit first",
    ]
