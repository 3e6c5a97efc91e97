"""The search by public transport on Chester's real bus timetable (../shared/data/gtfs): a home
at a stop on the 16, the school by Chester bus station, leaving 08:00 on a weekday. The 16 from
the home's own stop (08:02:49) arrives at 08:30:00; walking 14 minutes to St David's Retail Park
for the 11 (08:16:38) arrives at 08:29:53, earlier, so that is the journey. The expected times
are read from the feed's stop_times.txt in the test, for the trips named here.

The feed ended in April 2024, so every search reads its last Tuesday (23 April 2024) and says so,
whatever today's date is.
"""

from __future__ import annotations

import io
import re
from datetime import time

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from geo.modes import TravelMode, Trip, reach_area
from placements.matching import AreaKind, SearchCriteria, setting_match
from providers.models import LocationView
from tests.factories import UserFactory
from tests.geo.gtfs_files import CHESTER, read_table
from tests.placements.builders import child, home

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not CHESTER.is_file(), reason="no Chester GTFS in ../shared/data/gtfs"),
]

TRIP_16 = "VJe190a7a02764d9b2d05a9faafd55d13e2053d919"  # the 16, Boundary Lane 08:02:49
TRIP_11 = "VJ6bf2cf10f5a5e067c9674b39f4d220318b64607b"  # the 11, St David's Retail Park 08:16:38
BOUNDARY_LANE = "0610CH1096"
DELAMERE_STREET = "0610CH19048"  # Delamere Street (Stop 3), by the bus station
BUS = {"mode": TravelMode.PUBLIC_TRANSPORT, "departs_at": time(8, 0)}
FAR_FROM_ANY_STOP = Point(-2.60, 53.05, srid=4326)  # fields beyond the clipped feed


def stop_point(stop_id: str) -> Point:
    row = next(r for r in read_table(CHESTER, "stops.txt") if r["stop_id"] == stop_id)
    return Point(float(row["stop_lon"]), float(row["stop_lat"]), srid=4326)


def seconds(text: str) -> int:
    h, m, s = (int(x) for x in text.split(":"))
    return h * 3600 + m * 60 + s


def calls(trip_id: str) -> dict[str, dict[str, str]]:
    return {
        r["stop_id"]: r for r in read_table(CHESTER, "stop_times.txt") if r["trip_id"] == trip_id
    }


def ride_minutes() -> float:
    """From 08:00 to the 11's arrival at Delamere Street, by its own timetable; the 16 from the
    home's own stop arrives later."""
    by_16, by_11 = calls(TRIP_16), calls(TRIP_11)
    assert by_16[BOUNDARY_LANE]["departure_time"] == "08:02:49"
    arrive_16 = seconds(by_16[DELAMERE_STREET]["arrival_time"])
    arrive_11 = seconds(by_11[DELAMERE_STREET]["arrival_time"])
    assert arrive_11 < arrive_16
    return (arrive_11 - 8 * 3600) / 60


@pytest.fixture
def chester(settings, tmp_path):
    settings.TRANSIT_DIR = str(tmp_path)
    call_command("import_gtfs", str(CHESTER), "--name", "Chester", "--commit", stdout=io.StringIO())


@pytest.fixture
def scene(world_map, chester):
    at_stop = home(world_map, name="Boundary Lane House", location=stop_point(BOUNDARY_LANE))
    far = home(world_map, name="Far Farm", location=FAR_FROM_ANY_STOP)
    request = child(
        world_map,
        places=[
            ("school", stop_point(DELAMERE_STREET), 45, BUS),
            ("grandmother", stop_point(BOUNDARY_LANE), None),
        ],
    )
    return world_map, request, at_stop, far


def test_a_home_on_the_16_is_its_timetabled_ride_from_school(scene):
    _, request, at_stop, far = scene

    result = setting_match(request=request, criteria=SearchCriteria())

    (match,) = result.matches  # the home with no stop within reach has no journey: beyond 45 min
    assert match.setting == at_stop
    school, grandmother = match.travel
    expected = ride_minutes()
    assert expected == pytest.approx(29.88, abs=0.01)
    assert (school.mode, school.covered, school.estimated) == ("public_transport", True, True)
    assert school.minutes == pytest.approx(expected)
    assert school.words == "by bus, 30 min, leaving 08:00 (walking estimated)"
    assert "School: by bus, 30 min, leaving 08:00 (walking estimated) (limit 45 min)" in (
        match.reasons
    )
    assert grandmother.mode == "car" and grandmother.minutes < 1
    assert result.timetables[request.places.get(label="school").pk] == {
        "engine": "timetable",
        "feed": "Chester",
        "day": "2024-04-23",
        "ended": True,
    }
    assert far.pk not in {m.setting.pk for m in result.matches}


def test_a_home_a_short_walk_from_school_is_on_foot_not_by_bus(world_map, chester):
    school = stop_point(DELAMERE_STREET)
    near = home(world_map, location=Point(school.x + 0.003, school.y, srid=4326))  # 200 m east
    request = child(world_map, places=[("school", school, 45, BUS)])

    (match,) = setting_match(request=request, criteria=SearchCriteria()).matches

    assert match.setting == near
    (leg,) = match.travel
    # 200 m × 1.3 at 4.8 km/h: 3.3 minutes, estimated; no bus gets there sooner.
    assert leg.minutes == pytest.approx(3.3, abs=0.1)
    assert leg.words == "3 min on foot, quicker than any bus (estimated)"


def test_the_bus_limit_is_the_timetable(scene):
    _, request, at_stop, _ = scene
    school = request.places.get(label="school")
    tight = setting_match(request=request, criteria=SearchCriteria(limits={school.pk: 29}))
    exact = setting_match(request=request, criteria=SearchCriteria(limits={school.pk: 30}))
    assert tight.matches == []
    assert [m.setting for m in exact.matches] == [at_stop]


def test_the_page_the_spreadsheet_and_the_api_say_the_same(scene, client):
    world_map, request, at_stop, _ = scene
    officer = UserFactory(organisation=world_map.la, role=Role.PLACEMENT_OFFICER)
    client.force_login(officer)
    url = reverse("placements:placement_search", args=[request.pk])

    html = client.get(url).content.decode()
    book = load_workbook(
        io.BytesIO(
            client.get(reverse("placements:placement_search_export", args=[request.pk])).content
        )
    )
    api = client.get(reverse("api:api_placement_matches", args=[request.pk])).json()

    words = "by bus, 30 min, leaving 08:00 (walking estimated)"
    assert f"School: {words} (limit 45 min)" in html
    assert "By public transport to school: Chester timetable, for Tuesday 23 April 2024" in html
    matches = list(book["Matches"].iter_rows(values_only=True))
    column = matches[0].index("school: journey")
    assert matches[1][column] == words and matches[1][column - 3] == 30
    about = dict(book["Search"].iter_rows(values_only=True))
    assert about["How to school"].startswith(
        "By public transport, leaving 08:00 on a weekday (Chester timetable, for Tuesday 23 April"
    )
    school_leg = api["matches"][0]["travel"][0]
    assert school_leg["text"] == words
    assert (school_leg["mode"], school_leg["departs_at"], school_leg["whole_minutes"]) == (
        "public_transport",
        "08:00",
        30,
    )


def test_the_journey_page_lists_the_ride_and_logs_the_address_view(scene, client):
    world_map, request, at_stop, _ = scene
    officer = UserFactory(organisation=world_map.la, role=Role.PLACEMENT_OFFICER)
    school = request.places.get(label="school")
    url = reverse("placements:placement_journey", args=[request.pk, at_stop.urn, school.pk])
    client.force_login(officer)

    html = client.get(url).content.decode()

    assert "by bus, 30 min, leaving 08:00 (walking estimated)" in html.lower()
    assert re.search(
        r"Walk 14 min from Boundary Lane House to St David.s Retail Park.*"
        r"Bus 11 towards Chester: board at St David.s Retail Park at 08:16, "
        r"get off at Delamere Street \(Stop 3\) at 08:29",
        html,
        re.S,
    )
    assert "Chester timetable, for Tuesday 23 April 2024" in html
    assert "journey-map-data" in html
    assert LocationView.objects.filter(setting=at_stop, user=officer).count() == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("officer of another LA", 404),
        ("hub admin", 403),
        ("provider", 403),
    ],
)
def test_only_the_requests_own_la_sees_its_journeys(scene, client, who, status):
    from tests.factories import OrganisationFactory

    world_map, request, at_stop, _ = scene
    school = request.places.get(label="school")
    organisation = {
        "officer of another LA": lambda: OrganisationFactory(
            region=world_map.la.region, local_authority=True
        ),
        "hub admin": lambda: OrganisationFactory(region=world_map.la.region, hub=True),
        "provider": lambda: OrganisationFactory(region=world_map.la.region),
    }[who]()
    role = {
        "officer of another LA": Role.PLACEMENT_OFFICER,
        "hub admin": Role.HUB_ADMIN,
        "provider": Role.PROVIDER_ADMIN,
    }[who]
    client.force_login(UserFactory(organisation=organisation, role=role))
    url = reverse("placements:placement_journey", args=[request.pk, at_stop.urn, school.pk])
    assert client.get(url).status_code == status
    assert not LocationView.objects.exists()


def test_everywhere_within_35_minutes_of_school_by_bus(scene):
    world_map, request, at_stop, far = scene
    school = request.places.get(label="school")

    area = reach_area(school.trip, 35, today=world_map_today())

    assert area.contains(at_stop.location)  # 30 minutes by the 11
    assert not area.contains(far.location)
    assert not reach_area(school.trip, 25, today=world_map_today()).contains(at_stop.location)
    result = setting_match(
        request=request,
        criteria=SearchCriteria(area=AreaKind.REACH, reach_place_id=school.pk, reach_minutes=35),
    )
    assert at_stop in [m.setting for m in result.matches]


def world_map_today():
    from django.utils import timezone

    return timezone.localdate()


def test_a_place_no_timetable_reaches_is_said_in_the_reach_area(world_map, chester):
    from geo.modes import ReachUnknownError

    rutland = Trip(Point(-0.7286, 52.6707, srid=4326), TravelMode.PUBLIC_TRANSPORT)
    with pytest.raises(ReachUnknownError, match="no bus or train timetable covers it"):
        reach_area(rutland, 30, today=world_map_today())
