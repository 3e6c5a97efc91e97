"""The timetable engine against each feed's own timetable (geo/transit/).

Expected times are read from stop_times.txt in the test, for the trip named in the test.
"""

from __future__ import annotations

import io
import random
from datetime import date, datetime, time
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command

from geo.models import TransitFeed
from geo.transit.engine import BusLeg, service_day, transit_journey, transit_times
from tests.geo.gtfs_files import (
    CHESTER,
    NEWPORT,
    NEWPORT_PBF,
    TINY,
    needs_feeds,
    read_table,
    write_zip,
)

pytestmark = pytest.mark.django_db

JUNE_13 = date(2023, 6, 13)  # the Tuesday the Newport feed and its OSM extract were taken
TRIP_2A = "VJ28c3b6911fb943bf86cd0c48244274f2de13c444"  # Newport Bus 2A from Friars Walk 10:50
SEPT_1 = date(2023, 9, 1)  # inside both feeds: service_day gives Tuesday 5 September


@pytest.fixture(autouse=True)
def transit_dir(settings, tmp_path_factory: pytest.TempPathFactory) -> None:
    settings.TRANSIT_DIR = str(tmp_path_factory.getbasetemp() / "transit")


def load(path: Path, name: str) -> None:
    call_command("import_gtfs", str(path), "--name", name, "--commit", stdout=io.StringIO())


@pytest.fixture
def feeds() -> None:
    if not (CHESTER.is_file() and NEWPORT.is_file()):
        pytest.skip("no GTFS feeds in ../shared/data/gtfs")
    load(CHESTER, "Chester")
    load(NEWPORT, "Newport")


@pytest.fixture
def tiny(tmp_path: Path) -> None:
    load(write_zip(tmp_path / "tiny.zip", TINY), "Tiny")


def stop_point(zip_path: Path, stop_id: str) -> Point:
    row = next(r for r in read_table(zip_path, "stops.txt") if r["stop_id"] == stop_id)
    return Point(float(row["stop_lon"]), float(row["stop_lat"]), srid=4326)


def calls(zip_path: Path, trip_id: str) -> dict[str, tuple[str, str]]:
    """stop_id → (arrival, departure) of one trip's first call there, from stop_times.txt."""
    found: dict[str, tuple[str, str]] = {}
    for r in read_table(zip_path, "stop_times.txt"):
        if r["trip_id"] == trip_id:
            found.setdefault(r["stop_id"], (r["arrival_time"], r["departure_time"]))
    return found


def hms(text: str) -> time:
    h, m, s = (int(x) for x in text.split(":"))
    return time(h % 24, m, s)


def bus_legs(journey) -> list[BusLeg]:
    return [leg for leg in journey.legs if isinstance(leg, BusLeg)]


@needs_feeds
def test_newport_friars_walk_to_gaer_boards_the_2a_at_10_50(feeds) -> None:
    # The data README's check. The feed's stop for Gaer Baptist Church is "Gear Baptist
    # Church" (5310AWB30418); the 2A reaches it long before it loops round to Gaer Christian
    # Centre (5310AWB30402).
    trip = TRIP_2A
    times = calls(NEWPORT, trip)
    friars_walk = stop_point(NEWPORT, "5310AWB32206")  # Friars Walk 12
    church = stop_point(NEWPORT, "5310AWB30418")

    journey = transit_journey(friars_walk, church, depart_at=time(10, 45), today=JUNE_13)

    assert journey is not None and journey.service_day == JUNE_13
    (bus,) = bus_legs(journey)
    assert (bus.route, bus.trip_id, bus.board_stop) == ("2A", trip, "Friars Walk 11")
    assert bus.board_time == hms(times["5310AWB32207"][1]) == time(10, 50)
    assert bus.alight_stop == "Gear Baptist Church"
    assert bus.alight_time == hms(times["5310AWB30418"][0]) == time(11, 4)
    assert journey.arrive_at == time(11, 4)  # no walk: the destination is the stop itself
    assert journey.minutes == 19
    assert journey.walking_estimated is True and journey.timetable_ended is False


@needs_feeds
def test_chester_golden_trip_and_one_change_at_the_bus_station(feeds) -> None:
    # Ewloe to Mold Industrial Estate: X4 to Chester Bus Station stand 4, then the 27.
    x4, route_27 = (
        "VJ714415efdb4b5ccc2c874ca6f193f71d77889424",
        "VJ0973d390fdc54c5bb9adf34c99f6329c2b395c34",
    )
    origin = stop_point(CHESTER, "5120AWF80966")
    destination = stop_point(CHESTER, "5120WDB22247")

    journey = transit_journey(origin, destination, depart_at=time(9), today=SEPT_1)

    assert journey is not None and journey.changes == 1
    first, second = bus_legs(journey)
    assert (first.route, first.trip_id, second.route, second.trip_id) == ("X4", x4, "27", route_27)
    assert first.alight_stop == second.board_stop == "Bus Station 4"
    x4_calls, calls_27 = calls(CHESTER, x4), calls(CHESTER, route_27)
    assert second.board_time == min(hms(dep) for _, dep in calls_27.values())
    assert second.alight_time == hms(calls_27["5120WDB22247"][0])
    assert first.alight_time in {hms(arr) for arr, _ in x4_calls.values()}
    assert journey.arrive_at == second.alight_time  # the stop itself: no final walk

    matrix = transit_times([origin], destination, depart_at=time(9), today=SEPT_1)
    assert matrix.feed == "Chester" and matrix.service_day == date(2023, 9, 5)
    assert matrix.cell(0).minutes == journey.minutes


@needs_feeds
def test_times_and_journeys_agree_to_the_second_on_random_stops(feeds) -> None:
    """The profile scan (many origins at once) against the forward scan (one at a time)."""
    rng = random.Random(14)
    compared = journeys = 0
    for zip_path in (CHESTER, NEWPORT):
        stops = [r for r in read_table(zip_path, "stops.txt") if r["location_type"] in ("", "0")]
        for _ in range(6):
            destination, *origins = (
                Point(float(s["stop_lon"]), float(s["stop_lat"]), srid=4326)
                for s in rng.sample(stops, 13)
            )
            at = time(rng.randrange(6, 21), rng.randrange(60))
            matrix = transit_times(origins, destination, depart_at=at, today=SEPT_1)
            for origin, cell in zip(origins, matrix.cells, strict=True):
                journey = transit_journey(origin, destination, depart_at=at, today=SEPT_1)
                assert cell.minutes == (journey.minutes if journey else None), (origin, at)
                compared += 1
                journeys += journey is not None
    assert compared == 144
    assert journeys > 20  # not a comparison of nothing with nothing


@needs_feeds
def test_far_from_any_stop_is_no_timetable_here(feeds) -> None:
    london = Point(-0.1276, 51.5072, srid=4326)
    friars_walk = stop_point(NEWPORT, "5310AWB32206")
    church = stop_point(NEWPORT, "5310AWB30418")

    matrix = transit_times([london, friars_walk], church, depart_at=time(10, 45), today=JUNE_13)
    assert matrix.cell(0).covered is False and matrix.cell(0).minutes is None
    assert matrix.cell(1).covered is True and matrix.cell(1).minutes == 19

    nowhere = transit_times([friars_walk], london, depart_at=time(10), today=JUNE_13)
    assert nowhere.destination_covered is False and nowhere.feed is None
    assert nowhere.cell(0).covered is True and nowhere.cell(0).minutes is None


def test_no_journey_after_the_last_bus(tiny) -> None:
    alpha, charlie = Point(-0.7300, 52.6700, srid=4326), Point(-0.6856, 52.6700, srid=4326)
    # Saturday 17 June: the last trip leaves Alpha at 23:40; after it, none within the horizon
    # (the first on Sunday 18th is at 06:00, more than four hours later).
    saturday = date(2023, 6, 17)
    late = transit_times(
        [alpha], charlie, depart_at=time(23, 41), day_kind="saturday", today=saturday
    )
    assert late.cell(0).minutes is None and late.cell(0).covered is True
    assert (
        transit_journey(alpha, charlie, depart_at=time(23, 41), day_kind="saturday", today=saturday)
        is None
    )
    last = transit_journey(
        alpha, charlie, depart_at=time(23, 40), day_kind="saturday", today=saturday
    )
    assert last is not None and last.minutes == 35 and last.arrive_at == time(0, 15)


def test_times_past_midnight_belong_to_the_day_the_trip_started(tiny) -> None:
    bravo, charlie = Point(-0.7078, 52.6700, srid=4326), Point(-0.6856, 52.6700, srid=4326)
    # Tuesday 13th has no service (calendar_dates), but Monday 12th's LATE trip leaves Bravo at
    # 24:06:00, i.e. 00:06 on the Tuesday.
    journey = transit_journey(bravo, charlie, depart_at=time(0), today=JUNE_13)
    assert journey is not None and journey.service_day == JUNE_13
    (bus,) = bus_legs(journey)
    assert (bus.trip_id, bus.board_time, bus.alight_time) == ("LATE", time(0, 6), time(0, 15))
    assert journey.minutes == 15
    # Blank times between timepoints are spread evenly: T07 is at Bravo at 07:05.
    morning = transit_journey(bravo, charlie, depart_at=time(7), today=date(2023, 6, 14))
    assert morning is not None and bus_legs(morning)[0].board_time == time(7, 5)


def test_calendar_dates_remove_and_add_days(tiny) -> None:
    alpha, charlie = Point(-0.7300, 52.6700, srid=4326), Point(-0.6856, 52.6700, srid=4326)
    removed = transit_times([alpha], charlie, depart_at=time(8), today=JUNE_13)
    assert removed.service_day == JUNE_13 and removed.cell(0).minutes is None
    wednesday = transit_times([alpha], charlie, depart_at=time(8), today=date(2023, 6, 14))
    assert wednesday.service_day == date(2023, 6, 20) and wednesday.cell(0).minutes == 10
    added = transit_times(
        [alpha], charlie, depart_at=time(8), day_kind="sunday", today=date(2023, 6, 18)
    )
    assert added.cell(0).minutes == 10
    later = transit_times(
        [alpha], charlie, depart_at=time(8), day_kind="sunday", today=date(2023, 6, 19)
    )
    assert later.service_day == date(2023, 6, 25) and later.cell(0).minutes is None


def test_service_day_prefers_tuesday_and_says_when_the_timetable_has_ended(tiny) -> None:
    feed = TransitFeed.objects.get(active=True)  # 1–30 June 2023
    assert service_day(feed, "weekday", date(2023, 5, 1)).day == date(2023, 6, 6)
    # No Tuesday left: the next weekday (Wednesday 28th itself).
    assert service_day(feed, "weekday", date(2023, 6, 28)).day == date(2023, 6, 28)
    ended = service_day(feed, "weekday", date(2025, 1, 1))
    assert ended.day == date(2023, 6, 27) and ended.ended is True
    assert service_day(feed, "saturday", date(2025, 1, 1)).day == date(2023, 6, 24)
    old = transit_times(
        [Point(-0.7300, 52.6700, srid=4326)], Point(-0.6856, 52.6700, srid=4326),
        depart_at=time(8), today=date(2025, 1, 1),
    )  # fmt: skip
    assert old.timetable_ended is True and old.cell(0).minutes == 10


@needs_feeds
def test_walks_routed_on_the_foot_network_from_the_matching_extract(tmp_path: Path) -> None:
    if not NEWPORT_PBF.is_file():
        pytest.skip("no Newport OpenStreetMap extract")
    call_command(
        "import_gtfs", str(NEWPORT), "--name", "Newport", "--walking-extract", str(NEWPORT_PBF),
        "--commit", stdout=io.StringIO(),
    )  # fmt: skip
    feed = TransitFeed.objects.get(active=True)
    assert feed.walking == "network" and Path(feed.walking_network + ".hsgr").is_file()
    friars_walk = stop_point(NEWPORT, "5310AWB32206")
    christian_centre = stop_point(NEWPORT, "5310AWB30402")

    journey = transit_journey(friars_walk, christian_centre, depart_at=time(10, 45), today=JUNE_13)

    assert journey is not None and journey.walking_estimated is False
    first_walk, bus, last_walk = journey.legs
    assert isinstance(bus, BusLeg) and (bus.route, bus.board_time) == ("2A", time(10, 50))
    assert not first_walk.estimated and not last_walk.estimated
    # Off the bus before it loops round to the Christian Centre (11:08:41 in the timetable),
    # then walked on the footpaths.
    arrival = datetime.combine(JUNE_13, journey.arrive_at)
    assert arrival < datetime.combine(JUNE_13, hms(calls(NEWPORT, TRIP_2A)["5310AWB30402"][0]))
    walked = arrival - datetime.combine(JUNE_13, bus.alight_time)
    assert abs(walked.total_seconds() - last_walk.minutes * 60) < 1
    matrix = transit_times([friars_walk], christian_centre, depart_at=time(10, 45), today=JUNE_13)
    assert matrix.cell(0).minutes == journey.minutes and not matrix.cell(0).walking_estimated
