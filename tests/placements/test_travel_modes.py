"""How the child gets to each place that matters: by car, by public transport leaving at a time,
or walking. The request keeps the mode, the search measures each place by its own mode and says
which, and searches saved before modes existed still read (every leg by car).

Public transport against real timetables is in tests/placements/test_search_by_bus.py.
"""

from __future__ import annotations

from datetime import time

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from brokerage.referral_views import place_rows
from geo.modes import Journey, TravelMode, leg_words, record_words, walking_minutes
from placements import services
from placements.matching import AreaKind, SearchCriteria, setting_match
from placements.models import PlacementSearch
from placements.services import PlaceInput
from tests.factories import UserFactory
from tests.placements import test_requests
from tests.placements.builders import SCHOOL, child, home
from tests.placements.test_requests import form_data, profile

pytestmark = pytest.mark.django_db

# The request pages' own fixtures: two English postcodes, an officer signed in.
postcodes = test_requests.postcodes
officer = test_requests.officer
signed_in = test_requests.signed_in

BUS = {"mode": TravelMode.PUBLIC_TRANSPORT, "departs_at": time(8, 0)}
WALK = {"mode": TravelMode.WALK}


# --- Words --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("journey", "departs_at", "words"),
    [
        (Journey(49.7, False), None, "50 min by road"),
        (
            Journey(34.2, False, TravelMode.PUBLIC_TRANSPORT, vehicle="bus"),
            time(8),
            "by bus, 34 min, leaving 08:00",
        ),
        (
            Journey(34.2, True, TravelMode.PUBLIC_TRANSPORT, vehicle="bus"),
            time(8, 15),
            "by bus, 34 min, leaving 08:15 (walking estimated)",
        ),
        (
            Journey(None, False, TravelMode.PUBLIC_TRANSPORT, vehicle="bus"),
            time(23, 30),
            "No journey by bus within 4 hours, leaving 23:30",
        ),
        (
            Journey(None, False, TravelMode.PUBLIC_TRANSPORT, covered=False),
            time(8),
            "No bus or train timetable here",
        ),
        (Journey(11.6, True, TravelMode.WALK), None, "about 12 min walking (estimated)"),
        (
            Journey(3.2, True, TravelMode.PUBLIC_TRANSPORT, vehicle="foot"),
            time(8),
            "3 min on foot, quicker than any bus (estimated)",
        ),
    ],
)
def test_each_mode_in_words(journey, departs_at, words):
    assert leg_words(journey, departs_at=departs_at) == words


def test_a_journey_saved_before_modes_reads_as_by_car():
    """Shape 1 (no "mode", "covered" or "departs_at") and shape 2 read through one function."""
    assert record_words({"minutes": 49.7, "estimated": False}) == "50 min by road"
    assert (
        record_words(
            {"minutes": 34.2, "estimated": False, "mode": "public_transport",
             "departs_at": "08:00", "covered": True, "vehicle": "bus"}
        )
        == "by bus, 34 min, leaving 08:00"
    )  # fmt: skip
    old_referral_place = {"label": "School", "district": "LE15", "minutes": 12.4,
                          "estimated": False, "max_minutes": 30}  # fmt: skip
    assert place_rows([old_referral_place])[0]["journey"] == "12 min by road"


# --- The request keeps the mode ----------------------------------------------------------------


def test_the_service_keeps_each_places_mode_time_and_day(officer):
    request = services.placement_request_create(
        actor=officer,
        places=[
            PlaceInput("School", "LE15 6AB", 45, TravelMode.PUBLIC_TRANSPORT, time(7, 40)),
            PlaceInput("Grandmother", "LE1 5WW", None),
            ("Park", "LE15 6AB", 20, TravelMode.WALK),
        ],
        areas_to_avoid=[],
        **profile(),
    )
    school, grandmother, park = request.places.all()
    assert (school.mode, school.departs_at, school.day) == (
        "public_transport",
        time(7, 40),
        "weekday",
    )
    assert school.mode_words == "By public transport, leaving 07:40 on a weekday"
    # Defaults: by car; a journey by public transport would leave at 08:00 on a weekday.
    assert (grandmother.mode, grandmother.departs_at) == ("car", time(8, 0))
    assert park.mode == "walk"


@pytest.mark.parametrize(
    ("place", "field", "message"),
    [
        (
            ("Park", "LE15 6AB", 90, TravelMode.WALK),
            "places-0-max_minutes",
            "A walk must be 60 minutes or less: choose car or public transport for a longer "
            "journey",
        ),
        (
            ("School", "LE15 6AB", 30, "hovercraft"),
            "places-0-mode",
            "Choose how the child would get there",
        ),
        (
            ("School", "LE15 6AB", 30, TravelMode.PUBLIC_TRANSPORT, "25:00"),
            "places-0-departs_at",
            "Enter the time the journey leaves, like 08:00",
        ),
        (
            ("School", "LE15 6AB", 30, TravelMode.PUBLIC_TRANSPORT, "08:00", "holiday"),
            "places-0-day",
            "Choose a weekday, Saturday or Sunday",
        ),
    ],
)
def test_the_service_refuses_a_mode_it_cannot_measure(officer, place, field, message):
    with pytest.raises(ValidationError) as raised:
        services.placement_request_create(
            actor=officer, places=[place], areas_to_avoid=[], **profile()
        )
    assert raised.value.message_dict[field] == [message]


def test_the_page_saves_a_school_by_bus_and_shows_it(signed_in):
    response = signed_in.post(
        reverse("placements:placement_request_create"),
        form_data(
            **{
                "places-0-mode": "public_transport",
                "places-0-departs_at": "08:10",
                "places-0-day": "saturday",
                "places-1-mode": "car",
                "places-1-departs_at": "08:00",
                "places-1-day": "weekday",
            }
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    school, grandmother = services.PlacementRequest.objects.get().places.all()
    assert (school.mode, school.departs_at, school.day) == (
        "public_transport",
        time(8, 10),
        "saturday",
    )
    assert grandmother.mode == "car"
    html = signed_in.get(response["Location"]).content.decode()
    assert "By public transport, leaving 08:10 on a saturday, at most 45 minutes" in html
    assert "LE1 5WW. By car, no journey limit" in html


def test_an_empty_row_with_the_default_mode_and_time_is_still_empty(signed_in):
    data = form_data(
        **{
            **{f"places-1-{name}": "" for name in ("label", "postcode", "max_minutes")},
            "places-1-mode": "car",
            "places-1-departs_at": "08:00",
            "places-1-day": "weekday",
        }
    )
    response = signed_in.post(reverse("placements:placement_request_create"), data)
    assert response.status_code == 302
    assert [p.label for p in services.PlacementRequest.objects.get().places.all()] == ["School"]


def test_a_bad_time_is_an_error_on_its_field(signed_in):
    data = form_data(**{"places-0-mode": "public_transport", "places-0-departs_at": "8 o'clock"})
    response = signed_in.post(reverse("placements:placement_request_create"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter the time the journey leaves, like 08:00" in html
    assert 'href="#id_places-0-departs_at"' in html


# --- The search measures each place by its mode -----------------------------------------------


def test_walking_is_estimated_and_its_disc_is_walking_pace(world_map):
    """A setting 0.7 km away is a walk of about 11 minutes (0.7 km × 1.3 at 4.8 km/h); one 3 km
    away is beyond a 20-minute walk even in a straight line at 7 km/h, so it is never routed."""
    near = home(world_map)  # 0.7 km east of the school
    far = home(world_map, location=Point(-0.656, 52.70, srid=4326))  # 3.0 km east
    request = child(world_map, places=[("park", SCHOOL, 20, WALK)])

    result = setting_match(request=request, criteria=SearchCriteria())

    assert result.funnel["where"] == 1  # the walking disc left out the far one before routing
    (match,) = result.matches
    assert match.setting == near
    (leg,) = match.travel
    expected = walking_minutes(SCHOOL, near.location)
    assert leg.mode == "walk" and leg.estimated and leg.minutes == pytest.approx(expected)
    assert 10 < expected < 12
    assert leg.words == f"about {round(expected)} min walking (estimated)"
    assert "Park: about 11 min walking (estimated) (limit 20 min)" in match.reasons
    assert far.pk not in {m.setting.pk for m in result.matches}


def test_a_bus_limit_where_no_timetable_reaches_is_said_and_not_applied(
    world_map, settings, tmp_path
):
    """No feed is imported: the search says so beside each setting instead of dropping them
    all, and the disc does not apply."""
    settings.TRANSIT_DIR = str(tmp_path)
    near = home(world_map)
    far = home(
        world_map, location=Point(-0.2, 52.70, srid=4326)
    )  # 34 km: a 10-min disc at 113 km/h is 19 km
    request = child(world_map, places=[("school", SCHOOL, 10, BUS)])

    result = setting_match(request=request, criteria=SearchCriteria())

    assert {m.setting for m in result.matches} == {near, far}
    leg = result.matches[0].travel[0]
    assert (leg.mode, leg.covered, leg.minutes, leg.within_limit) == (
        "public_transport",
        False,
        None,
        True,
    )
    assert leg.words == "No bus or train timetable here"
    assert (
        "No bus or train timetable for school: its limit by public transport is not checked"
        in result.matches[0].concerns
    )


def test_the_saved_search_keeps_each_legs_mode_in_shape_2(world_map):
    request = child(world_map, places=[("School", SCHOOL, 45), ("park", SCHOOL, 20, WALK)])
    home(world_map)
    actor = UserFactory(organisation=world_map.la, role=Role.PLACEMENT_OFFICER)
    search, _ = services.placement_search_run(
        actor=actor, request=request, criteria=SearchCriteria()
    )
    saved = PlacementSearch.objects.get(pk=search.pk)
    assert saved.results_shape == 2
    car, walk = saved.results[0]["travel"]
    assert car["mode"] == "car" and car["words"].endswith("(estimated)")
    assert walk["mode"] == "walk" and walk["words"].startswith("about 11 min walking")


# --- Within a journey time of a place --------------------------------------------------------


def test_within_a_walk_of_the_park_is_the_walking_circle(world_map):
    """15 minutes' walk is 0.92 km in a straight line (4.8 km/h, detour 1.3): the home 0.7 km
    away is inside, one 3 km away is not."""
    near = home(world_map)
    home(world_map, location=Point(-0.656, 52.70, srid=4326))
    request = child(world_map, places=[("park", SCHOOL, None, WALK)])
    park = request.places.get()

    result = setting_match(
        request=request,
        criteria=SearchCriteria(area=AreaKind.REACH, reach_place_id=park.pk, reach_minutes=15),
    )

    assert [m.setting for m in result.matches] == [near]


def test_within_a_drive_with_no_road_network_is_a_form_error_not_a_guess(world_map, client):
    """The synthetic map has no road network (estimates only): the area within 30 minutes by
    road cannot be known, and the form says so on the search page."""
    home(world_map)
    request = child(world_map, places=[("school", SCHOOL, None)])
    school = request.places.get()
    client.force_login(UserFactory(organisation=world_map.la, role=Role.PLACEMENT_OFFICER))
    url = reverse("placements:placement_search", args=[request.pk])

    page = client.get(url, {"area": "reach", "reach_place": school.pk, "reach_minutes": "30"})

    html = page.content.decode()
    assert page.status_code == 200
    assert "School: no road network covers it, so the area within a journey time is not known" in (
        html
    )
    assert "Within a journey time of one of the child&#x27;s places" in html
    missing = client.get(url, {"area": "reach", "reach_place": school.pk, "reach_minutes": ""})
    assert "Enter a journey time in minutes, like 30" in missing.content.decode()
