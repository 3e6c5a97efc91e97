"""Matching one child to settings: every hard filter as a table of cases, the ranking, foster
households, and road travel times on the Rutland network.

The synthetic map is in tests/placements/builders.py.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from geo.models import PostcodeDistrict
from geo.shapes import circle
from placements.matching import (
    WEIGHTS,
    AreaKind,
    SearchAreaError,
    SearchCriteria,
    setting_match,
)
from placements.models import AreaToAvoid, PlacementRequest
from providers.models import (
    Judgement,
    Setting,
)
from tests.placements.builders import (
    SCHOOL,
    agency,
    box,
    child,
    days_ago,
    home,
)
from tests.providers.factories import SettingFactory


def urns(
    request: PlacementRequest, criteria: SearchCriteria | None = None, **kwargs: Any
) -> set[str]:
    result = setting_match(request=request, criteria=criteria or SearchCriteria(), **kwargs)
    return {m.setting.urn for m in result.matches}


# --- Each hard filter excludes the right setting and no other ----------------------------------

# (what the child is, how the excluded setting differs from one that admits every child)
CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("closed", {}, {"status": "closed", "closed_at": timezone.now()}),
    ("suspended", {}, {"status": "suspended"}),
    ("wrong provision type", {}, {"provision_type": "supported_accommodation"}),
    ("secure homes are not searched", {}, {"provision_type": "secure_childrens_home"}),
    ("too young for it", {"age_years": 14}, {"eligibility": {"min_age": 15}}),
    ("too old for it", {"age_years": 14}, {"eligibility": {"max_age": 13}}),
    (
        "age from birth month",
        {"age_years": None, "birth_month": 1, "birth_year": date.today().year - 16},
        {"eligibility": {"max_age": 15}},
    ),
    ("boys only", {"sex": "female"}, {"eligibility": {"sexes": ["male"]}}),
    ("sex not stated needs both", {"sex": "not_stated"}, {"eligibility": {"sexes": ["female"]}}),
    (
        "no emergencies",
        {"placement_kind": "emergency"},
        {"eligibility": {"placement_kinds": ["planned"]}},
    ),
    (
        "notice too long for today",
        {"urgency": "today"},
        {"eligibility": {"minimum_notice_days": 1}},
    ),
    (
        "notice too long for 5 days",
        {"urgency": "within_5_days"},
        {"eligibility": {"minimum_notice_days": 5}},
    ),
    (
        "solo child, group home",
        {"living_alongside": "solo_only"},
        {"eligibility": {"living_alongside": "with_others"}},
    ),
    (
        "only with older, younger group",
        {"living_alongside": "only_older"},
        {"eligibility": {"living_alongside": "only_younger"}},
    ),
    ("pet not accepted", {"has_pet": True}, {"eligibility": {"accepts_pets": False}}),
    (
        "deprivation of liberty",
        {"deprivation_of_liberty": True},
        {"eligibility": {"can_meet_deprivation_of_liberty": False}},
    ),
    ("communication", {"communication": ["bsl"]}, {"eligibility": {"communication": ["makaton"]}}),
    (
        "adaptation",
        {"needs_adaptation": True},
        {"eligibility": {"adapted_for_physical_disability": False}},
    ),
    (
        "risk it cannot meet",
        {"risks": ["fire_setting", "going_missing"]},
        {"eligibility": {"risks": {"fire_setting": "cannot_meet", "going_missing": "can_meet"}}},
    ),
    (
        "need it cannot meet",
        {"needs": ["autism"]},
        {"eligibility": {"needs": {"autism": "cannot_meet"}}},
    ),
    ("no criteria stated", {}, {"no_eligibility": True}),
    ("no vacancy stated", {}, {"no_vacancy": True}),
    ("vacancy expired", {}, {"vacancy": {"confirmed_at": days_ago(14)}}),
    ("no places free", {}, {"vacancy": {"places": 0}}),
    (
        "not enough places for siblings",
        {"siblings_to_place_together": 1},
        {"vacancy": {"places": 1}},
    ),
    (
        "free too late",
        {"urgency": "today"},
        {"vacancy": {"available_from": date.today() + timedelta(days=2)}},
    ),
    ("beyond the travel limit", {}, {"location": Point(-0.7, 53.0, srid=4326)}),
    ("no location, limit set", {}, {"location": None}),
]


@pytest.mark.parametrize(("case", "child_values", "difference"), CASES, ids=[c[0] for c in CASES])
def test_each_hard_filter_excludes_only_the_setting_that_fails_it(
    world_map, case, child_values, difference
):
    admits = home(world_map)
    fails = home(world_map, **difference)
    request = child(world_map, **child_values)

    found = urns(request)

    assert admits.urn in found
    assert fails.urn not in found


def test_a_setting_that_will_consider_a_risk_is_a_match_with_the_concern_shown(world_map):
    considers = home(world_map, eligibility={"risks": {"sexual_exploitation": "will_consider"}})
    request = child(world_map, risks=["sexual_exploitation", "self_harm"])

    (match,) = setting_match(request=request, criteria=SearchCriteria()).matches

    assert match.setting == considers
    assert "Will consider (not a firm yes): Child sexual exploitation" in match.concerns
    assert "Has not said whether it can meet: Self-harm" in match.concerns


def test_a_stale_vacancy_is_a_match_with_its_age_said(world_map):
    home(world_map, vacancy={"confirmed_at": days_ago(9)})
    (match,) = setting_match(request=child(world_map), criteria=SearchCriteria()).matches
    assert (
        "Vacancy confirmed 9 days ago by the provider (2 places free): it may have changed"
        in match.concerns
    )
    assert match.components["vacancy"] == 0.5


# --- Search areas and areas to avoid -----------------------------------------------------------

IN_OWN = Point(-0.75, 52.65, srid=4326)
IN_NEIGHBOUR = Point(-0.55, 52.7, srid=4326)
IN_REGION = Point(-0.1, 52.7, srid=4326)
OUTSIDE_REGION = Point(1.1, 52.7, srid=4326)


@pytest.fixture
def spread(world_map) -> dict[str, Setting]:
    return {
        "own": home(world_map, location=IN_OWN),
        "neighbour": home(world_map, location=IN_NEIGHBOUR, local_authority=world_map.neighbour),
        "region": home(world_map, location=IN_REGION, local_authority=world_map.same_region),
        "elsewhere": home(world_map, location=OUTSIDE_REGION, local_authority=world_map.elsewhere),
    }


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (SearchCriteria(), {"own", "neighbour", "region", "elsewhere"}),
        (SearchCriteria(area=AreaKind.OWN_LA), {"own"}),
        (SearchCriteria(area=AreaKind.REGION), {"own", "neighbour", "region"}),
        (
            SearchCriteria(area=AreaKind.LAS, las=("E10000018", "E09000001")),
            {"neighbour", "elsewhere"},
        ),
        (
            SearchCriteria(area=AreaKind.RADIUS, postcode_point=SCHOOL, radius_miles=15),
            {"own", "neighbour"},
        ),
        (
            SearchCriteria(area=AreaKind.DRAWN, polygon=box(-0.2, 52.5, 1.5, 52.9)),
            {"region", "elsewhere"},
        ),
    ],
    ids=["anywhere", "own LA", "region", "named LAs", "radius", "drawn"],
)
def test_the_search_area_keeps_only_settings_inside_it(world_map, spread, criteria, expected):
    request = child(world_map, places=[("School", SCHOOL, None)])
    assert urns(request, criteria) == {spread[key].urn for key in expected}


def test_an_unknown_la_code_is_an_error_not_an_empty_result(world_map):
    with pytest.raises(SearchAreaError, match="E06999999"):
        setting_match(
            request=child(world_map), criteria=SearchCriteria(area=AreaKind.LAS, las=("E06999999",))
        )


def test_areas_to_avoid_exclude_settings_inside_them(world_map, spread):
    request = child(world_map, places=[("School", SCHOOL, None)])
    AreaToAvoid.objects.create(
        request=request,
        label="Old address",
        postcode="LE15 6AB",
        radius_metres=3000,
        area=circle(IN_NEIGHBOUR, 3000),
    )
    assert spread["neighbour"].urn not in urns(request)
    assert spread["own"].urn in urns(request)


# --- Travel limits -----------------------------------------------------------------------------


def test_every_limit_must_be_met_and_limits_can_be_changed_for_one_search(world_map):
    grandmother = Point(-0.62, 52.7, srid=4326)
    between = home(world_map, location=Point(-0.66, 52.70, srid=4326))  # ~2.7 km from each
    by_school = home(world_map, location=Point(-0.70, 52.69, srid=4326))  # ~1 km / ~5.6 km
    request = child(world_map, places=[("School", SCHOOL, 6), ("Grandmother", grandmother, 6)])

    assert urns(request) == {between.urn}
    school = request.places.get(label="School")
    grandmother_place = request.places.get(label="Grandmother")
    assert urns(request, SearchCriteria(limits={grandmother_place.pk: None})) == {
        between.urn,
        by_school.urn,
    }
    assert urns(request, SearchCriteria(limits={school.pk: 3, grandmother_place.pk: None})) == {
        by_school.urn
    }


def test_estimated_travel_times_are_marked_estimated(world_map):
    home(world_map)
    (match,) = setting_match(request=child(world_map), criteria=SearchCriteria()).matches
    (leg,) = match.travel
    assert leg.estimated is True
    # 0.68 km in a straight line × 1.3 at 48 km/h: 1.1 minutes.
    assert leg.minutes == pytest.approx(1.1, abs=0.1)
    # An estimate never reads "by road" (issue 10): whole minutes, "about", "(estimated)".
    assert "School: about 1 min (estimated) (limit 45 min)" in match.reasons
    assert not any("by road" in reason for reason in match.reasons)
    assert (
        "Travel times estimated (straight line, not by road): check the journey" in match.concerns
    )


# --- Unconfirmed settings, when the officer asks for them --------------------------------------


def test_unconfirmed_settings_are_shown_only_when_asked_and_marked(world_map):
    confirmed = home(world_map)
    no_vacancy = home(world_map, no_vacancy=True)
    expired = home(world_map, vacancy={"confirmed_at": days_ago(20)})
    no_criteria = home(world_map, no_eligibility=True)
    zero_places = home(world_map, vacancy={"places": 0})
    excluded_by_criteria = home(world_map, eligibility={"sexes": ["male"]})
    request = child(world_map)

    result = setting_match(request=request, criteria=SearchCriteria(include_unconfirmed=True))

    shown = {m.setting.urn: m for m in result.matches}
    assert set(shown) == {confirmed.urn, no_vacancy.urn, expired.urn, no_criteria.urn}
    assert shown[confirmed.urn].confirmed
    assert not any(shown[s.urn].confirmed for s in (no_vacancy, expired, no_criteria))
    assert result.matches[0].setting == confirmed  # confirmed ones first
    assert zero_places.urn not in shown and excluded_by_criteria.urn not in shown
    assert "No vacancy stated: ask the provider before referring" in shown[no_vacancy.urn].concerns


# --- The funnel -------------------------------------------------------------------------------


def test_the_funnel_counts_what_each_filter_left(world_map):
    home(world_map)
    home(world_map, location=Point(-0.7, 52.95, srid=4326))  # 45.2 minutes: just too far
    home(world_map, location=Point(-0.7, 53.6, srid=4326))  # 100 km: outside the reach disc
    home(world_map, vacancy={"places": 0})
    home(world_map, eligibility={"max_age": 10})
    home(world_map, status="suspended")
    SettingFactory(provision_type="boarding_school")
    request = child(world_map)

    result = setting_match(request=request, criteria=SearchCriteria())

    assert result.funnel == {
        "registered": 5,
        "criteria": 4,
        "available": 3,
        "where": 2,
        "travel": 1,
        "on_service": 0,  # none of these providers uses the service
    }


def test_a_limit_is_applied_by_road_time_not_only_by_the_straight_line_disc(world_map, settings):
    # 25 km away: inside the 45-minute disc at 113 km/h (85 km), but 40.6 minutes estimated.
    settings.TRAVEL_DETOUR_FACTOR = 2.0  # 62.5 minutes estimated: beyond the limit
    far = home(world_map, location=Point(-0.7, 52.925, srid=4326))
    result = setting_match(request=child(world_map), criteria=SearchCriteria())
    assert result.funnel["where"] == 1
    assert far.urn not in {m.setting.urn for m in result.matches}


# --- Ranking ----------------------------------------------------------------------------------


def test_ranking_prefers_fit_freshness_nearness_judgement_and_the_childs_own_la(world_map):
    best = home(world_map, overall_effectiveness=Judgement.OUTSTANDING)
    considers = home(world_map, eligibility={"risks": {"going_missing": "will_consider"}})
    stale = home(world_map, vacancy={"confirmed_at": days_ago(8)})
    farther = home(world_map, location=Point(-0.7, 52.78, srid=4326))
    improve = home(world_map, overall_effectiveness=Judgement.REQUIRES_IMPROVEMENT)
    neighbour = home(world_map, local_authority=world_map.neighbour)
    request = child(world_map, risks=["going_missing"])

    result = setting_match(request=request, criteria=SearchCriteria())
    order = [m.setting for m in result.matches]
    scores = {m.setting.urn: m for m in result.matches}

    assert order[0] == best
    for worse in (considers, stale, farther, improve, neighbour):
        assert scores[worse.urn].score < scores[best.urn].score, worse
    assert scores[considers.urn].components["fit"] == 0.5
    assert scores[stale.urn].components["vacancy"] == 0.5
    assert scores[improve.urn].components["ofsted"] == 0.35
    assert scores[neighbour.urn].components["local"] == 0.6
    assert "In Leicestershire, next to Rutland" in scores[neighbour.urn].reasons
    assert "Ofsted: Requires improvement to be good" in scores[improve.urn].concerns
    for match in result.matches:
        assert match.score == pytest.approx(
            sum(WEIGHTS[k] * v for k, v in match.components.items())
        )
        assert 0 <= match.score <= 100


def test_a_private_home_is_drawn_at_its_postcode_district_never_at_its_address(world_map):
    PostcodeDistrict.objects.create(
        district="LE15", point=Point(-0.71, 52.66, srid=4326), postcodes=900
    )
    secret = home(world_map, postcode="LE15 6XX")
    (match,) = setting_match(request=child(world_map), criteria=SearchCriteria()).matches
    assert match.setting == secret
    assert match.map_point == Point(-0.71, 52.66, srid=4326)
    assert match.map_point_approximate is True
    assert match.map_point != secret.location


# --- Fostering agencies: ranked by households, never exposing one ------------------------------


@pytest.fixture
def districts(db) -> None:
    for district, x in (("LE15", -0.69), ("LE16", -0.66), ("PE9", -0.5), ("NG1", -0.2)):
        PostcodeDistrict.objects.create(
            district=district, point=Point(x, 52.7, srid=4326), postcodes=100
        )


def test_agencies_are_ranked_by_households_that_could_take_the_child_within_the_limits(
    world_map, districts
):
    many = agency(
        world_map,
        [
            {"postcode_district": "LE15"},
            {"postcode_district": "LE16"},
            {"postcode_district": "LE15", "places_now": 2},
        ],
    )
    one = agency(
        world_map,
        [
            {"postcode_district": "LE15"},
            {"postcode_district": "NG1"},  # 35 km: 57 minutes estimated, beyond 45
            {"postcode_district": "LE16", "max_age": 10},  # too young a range for 14
            {"postcode_district": "LE16", "needs": []},
        ],
    )
    far_only = agency(world_map, [{"postcode_district": "NG1"}])
    full = agency(world_map, [{"postcode_district": "LE15", "places_now": 0}])
    request = child(world_map, accommodation=["foster"], needs=[])

    result = setting_match(request=request, criteria=SearchCriteria())
    shown = {m.setting.urn: m for m in result.matches}

    assert set(shown) == {many.urn, one.urn}
    assert shown[many.urn].households == 3 and shown[many.urn].household_places == 4
    assert shown[one.urn].households == 2
    assert [m.setting for m in result.matches] == [many, one]
    assert (
        "3 carer households could take this child within your travel limits"
        in shown[many.urn].reasons
    )
    assert far_only.urn not in shown and full.urn not in shown


def test_household_needs_must_cover_the_childs(world_map, districts):
    autism = agency(world_map, [{"postcode_district": "LE15", "needs": ["autism"]}])
    none = agency(world_map, [{"postcode_district": "LE15", "needs": []}])
    request = child(world_map, accommodation=["foster"], needs=["autism"])
    assert urns(request) == {autism.urn}
    assert none.urn not in urns(request)


def test_what_a_search_shows_of_an_agency_identifies_no_household(world_map, districts):
    agency(world_map, [{"postcode_district": "LE15", "languages": ["Polish"]}])
    (match,) = setting_match(
        request=child(world_map, accommodation=["foster"]), criteria=SearchCriteria()
    ).matches
    record = str(match.as_record())
    assert "H-001" not in record and "Polish" not in record and "LE15" not in record


# --- Road travel times on the Rutland network ---------------------------------------------------

OAKHAM = Point(-0.7286, 52.6707, srid=4326)
UPPINGHAM = Point(-0.7241, 52.5897, srid=4326)
COTTESMORE = Point(-0.7563, 52.7224, srid=4326)


def test_travel_times_by_road_on_the_rutland_network(world_map, settings, network):
    settings.TRAVEL_ENGINE = "osrm"
    settings.TRAVEL_NETWORK = network
    uppingham = home(world_map, location=UPPINGHAM)
    cottesmore = home(world_map, location=COTTESMORE)
    request = child(world_map, places=[("School", OAKHAM, 12), ("Grandmother", COTTESMORE, None)])

    result = setting_match(request=request, criteria=SearchCriteria())

    assert result.engine == "osrm"
    shown = {m.setting.urn: m for m in result.matches}
    assert set(shown) == {uppingham.urn, cottesmore.urn}
    school, grandmother = shown[uppingham.urn].travel
    # Oakham to Uppingham by road is about 10 minutes (A6003); estimated it would be 14.6.
    assert 8 < school.minutes < 12 and school.estimated is False
    assert grandmother.max_minutes is None and 12 < grandmother.minutes < 25
    assert shown[cottesmore.urn].travel[1].minutes < 1
    assert not shown[uppingham.urn].any_estimated
    # The limit is by road: 10 minutes passes where the estimate (14.6) would not.
    settings.TRAVEL_ENGINE = "estimate"
    assert uppingham.urn not in urns(request)


def test_a_notice_exclusion_says_day_or_days(world_map):
    from placements.matching import criteria_exclusions

    today = date(2026, 11, 24)
    urgent = child(world_map, urgency="today")
    one_day = home(world_map, eligibility={"minimum_notice_days": 1})
    three_days = home(world_map, eligibility={"minimum_notice_days": 3})
    assert criteria_exclusions(urgent, one_day, today=today) == ["It needs 1 day's notice"]
    assert criteria_exclusions(urgent, three_days, today=today) == ["It needs 3 days' notice"]
