"""How far from home each placement is, as kept with its outcome (brokerage/distance.py): the
DfE's straight-line miles from the home postcode district, inside the LA and inside the region (its
member LAs, not an ONS region), and minutes by road to home and each place that matters."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.gis.geos import Point

from brokerage.distance import outcome_distances
from brokerage.models import CommercialRoute, PlacementOutcome
from brokerage.request_views import distance_text, outcome_rows
from geo.models import PostcodeDistrict
from tests.placements.builders import SCHOOL, child, home, make_world_map

HOME_POINT = Point(-0.7, 52.7, srid=4326)


@pytest.fixture
def world_map(db, settings):
    settings.TRAVEL_ENGINE = "estimate"
    world_map = make_world_map()
    # Its hub's members: Rutland, Leicestershire and Nottingham; not the City of London.
    PostcodeDistrict.objects.create(district="LE15", point=HOME_POINT, postcodes=1200)
    return world_map


def test_a_placement_near_home_inside_the_la(world_map):
    request = child(world_map, home_district="LE15", places=[("School", SCHOOL, 45)])
    setting = home(world_map, location=Point(-0.7, 52.65, srid=4326))

    fields = outcome_distances(request, setting)

    # 0.05° of latitude: 5,559.8 m, 3.45 miles; by the estimate 5,559.8 × 1.3 / 800 = 9.03 min.
    assert fields["home_miles"] == Decimal("3.5")
    assert fields["over_20_miles"] is False
    assert (fields["inside_la"], fields["inside_region"]) == (True, True)
    assert (fields["home_minutes"], fields["school_minutes"]) == (9, 9)
    assert fields["journeys"] == [
        {"label": "Home", "district": "LE15", "miles": 3.5, "minutes": 9, "estimated": True},
        {"label": "School", "district": "LE15", "miles": 3.5, "minutes": 9, "estimated": True},
    ]
    assert (fields["travel_engine"], fields["travel_estimated"]) == ("estimate", True)


def test_a_placement_in_another_member_la_is_inside_the_region_and_over_20_miles(world_map):
    request = child(world_map, home_district="LE15", places=[("Nan's house", SCHOOL, None)])
    setting = home(world_map, location=Point(-0.1, 52.7, srid=4326))  # Nottingham's square

    fields = outcome_distances(request, setting)

    # 0.6° of longitude at 52.7° N: 40,429.6 m, 25.12 miles; 40,429.6 × 1.3 / 800 = 65.7 min.
    assert fields["home_miles"] == Decimal("25.1") and fields["over_20_miles"] is True
    assert (fields["inside_la"], fields["inside_region"]) == (False, True)
    assert fields["home_minutes"] == 66
    assert fields["school_minutes"] is None  # "Nan's house" is not a school


def test_a_placement_in_an_la_outside_the_hub_is_outside_the_region(world_map):
    request = child(world_map, home_district="LE15")
    setting = home(world_map, location=Point(1.1, 52.7, srid=4326))  # the City of London's square

    fields = outcome_distances(request, setting)

    assert (fields["inside_la"], fields["inside_region"]) == (False, False)
    assert fields["home_miles"] == Decimal("75.4")  # 1.8° of longitude: 121,286.1 m


def test_without_a_home_district_only_the_places_are_measured(world_map):
    request = child(world_map, places=[("Oakham College", SCHOOL, 45)])
    setting = home(world_map, location=Point(-0.7, 52.65, srid=4326))

    fields = outcome_distances(request, setting)

    assert (fields["home_miles"], fields["home_minutes"], fields["over_20_miles"]) == (
        None,
        None,
        None,
    )
    assert [j["label"] for j in fields["journeys"]] == ["Oakham College"]
    assert fields["school_minutes"] == 9


def test_a_setting_without_a_location_has_no_distances(world_map):
    request = child(world_map, home_district="LE15")
    setting = home(world_map, location=None)

    fields = outcome_distances(request, setting)

    assert fields["inside_la"] is None and fields["home_miles"] is None
    assert fields["journeys"] == []


def test_an_estimated_outcome_reads_as_a_range_never_by_road(world_map):
    request = child(world_map, home_district="LE15", places=[("School", SCHOOL, 45)])
    setting = home(world_map, location=Point(-0.7, 52.65, srid=4326))
    fields = outcome_distances(request, setting)
    outcome = PlacementOutcome(
        setting=setting,
        urn=setting.urn,
        start_date=date(2026, 1, 5),
        weekly_cost=Decimal("4000"),
        services_included=[],
        commercial_route=CommercialRoute.SPOT,
        **fields,
    )

    # 9 estimated minutes (above): × 0.75 = 6.75 and × 1.30 = 11.7, so "about 7–12 min".
    assert distance_text(outcome) == (
        "3.5 miles in a straight line from LE15, about 7–12 min (estimated), inside your area, "
        "inside the region"
    )
    rows = dict(outcome_rows(outcome))
    assert rows["To the places that matter"] == "School about 7–12 min (estimated)"
    assert "By road to the places that matter" not in rows

    # The same journey by road reads as one number, by road.
    outcome.travel_estimated = False
    outcome.journeys = [{**j, "estimated": False} for j in outcome.journeys]
    assert "9 minutes by road" in distance_text(outcome)
    assert dict(outcome_rows(outcome))["By road to the places that matter"] == "School 9 minutes"
