"""How a child gets to a place that matters: by car (road), by public transport (a timetable)
or on foot, and one call that measures every place by its own mode.

    table = journeys_measure(trips, destinations, today=today)
    table.cell(0, 3)        # Journey(minutes=34.0, estimated=False, mode="public_transport", …)
    leg_words(journey, departs_at=trip.departs_at)   # "by bus, 34 min, leaving 08:00"

- **Car**: `geo/travel.py` (OSRM on the road networks, estimated beyond them), from the place to
  each destination, as before.
- **Public transport**: `geo/transit/` over the imported GTFS feeds, from each destination
  (the setting) to the place, leaving at the place's time on its kind of day: the child's
  journey to school at 08:00 on a weekday. Walking at each end, estimated where the feed has no
  walking network. Where no feed covers the place, the journey is *not covered*: the service
  says there is no timetable rather than guess, and a limit by public transport cannot be
  checked there (the search says so beside the setting instead of dropping it).
- **Walking**: for short journeys (at most `WALK_MAX_MINUTES`), straight line ×
  `TRANSIT_WALK_DETOUR` at `TRANSIT_WALK_KMH`, always labelled estimated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import MultiPolygon, Point
from django.db import models

from geo.journeys import journey_minutes, whole_minutes
from geo.shapes import as_multipolygon, circle
from geo.transit.timetable import walk_seconds_estimated
from geo.travel import straight_line_metres, travel_times


class TravelMode(models.TextChoices):
    CAR = "car", "By car"
    PUBLIC_TRANSPORT = "public_transport", "By public transport"
    WALK = "walk", "Walking"


class DayKind(models.TextChoices):
    WEEKDAY = "weekday", "A weekday"
    SATURDAY = "saturday", "A Saturday"
    SUNDAY = "sunday", "A Sunday"


DEFAULT_DEPARTS_AT = time(8, 0)
WALK_MAX_MINUTES = 60
# No journey by public transport beats a straight line at this speed (an express coach on a
# motorway at 70 mph): the search's "could be within the limit" disc for a bus limit.
PUBLIC_TRANSPORT_MAX_KMH = 113.0
# Nobody walks a straight line faster than this (a brisk 4.3 mph).
WALK_MAX_KMH = 7.0
# What public transport is called in words. The feeds imported so far (Bus Open Data Service)
# are buses and coaches; a feed with trains or trams would name its own.
VEHICLE = "bus"
# A journey by public transport that is quicker on foot all the way: said so, not "by bus".
ON_FOOT = "foot"


@dataclass(frozen=True)
class Trip:
    """What to measure for one place that matters."""

    point: Point
    mode: str = TravelMode.CAR
    departs_at: time = DEFAULT_DEPARTS_AT
    day: str = DayKind.WEEKDAY


@dataclass(frozen=True)
class Journey:
    """One place × one destination. `minutes` None: no route (car), no journey within the
    timetable's horizon (public transport). `covered` False: no timetable covers the place."""

    minutes: float | None
    estimated: bool
    mode: str = TravelMode.CAR
    covered: bool = True
    # Public transport: what carries the child, in words ("bus"), from the feed's routes.
    vehicle: str = ""


@dataclass
class JourneyTable:
    rows: list[list[Journey]]
    # The engine that answered each mode ("osrm", "estimate", "timetable", …).
    engines: dict[str, str] = field(default_factory=dict)
    # Public transport: for each row, the timetable used and the day it was read for.
    timetables: dict[int, dict[str, Any]] = field(default_factory=dict)

    def cell(self, row: int, column: int) -> Journey:
        return self.rows[row][column]

    @property
    def engine(self) -> str:
        """The road engine when a place goes by car (the search's saved `engine`), else the
        first mode's."""
        if TravelMode.CAR in self.engines:
            return self.engines[TravelMode.CAR]
        return next(iter(self.engines.values()), "none")


def journeys_measure(
    trips: Sequence[Trip], destinations: Sequence[Point], *, today: date
) -> JourneyTable:
    """Every trip (a row) to every destination (a column), each by its own mode."""
    rows: list[list[Journey]] = [[] for _ in trips]
    table = JourneyTable(rows=rows)
    if not trips or not destinations:
        return table
    by_car = [i for i, trip in enumerate(trips) if trip.mode == TravelMode.CAR]
    if by_car:
        matrix = travel_times([trips[i].point for i in by_car], destinations)
        table.engines[TravelMode.CAR] = matrix.engine
        for row, i in enumerate(by_car):
            rows[i] = [
                Journey(cell.minutes, cell.estimated, TravelMode.CAR) for cell in matrix.rows[row]
            ]
    for i, trip in enumerate(trips):
        if trip.mode == TravelMode.WALK:
            table.engines[TravelMode.WALK] = "estimate"
            rows[i] = [
                Journey(walking_minutes(trip.point, d), True, TravelMode.WALK) for d in destinations
            ]
        elif trip.mode == TravelMode.PUBLIC_TRANSPORT:
            rows[i], timetable = _by_public_transport(trip, destinations, today=today)
            table.engines[TravelMode.PUBLIC_TRANSPORT] = timetable.get("engine", "none")
            table.timetables[i] = timetable
    return table


def walking_minutes(a: Point, b: Point) -> float:
    """The walking estimate, the same one the timetable's walks to and from stops use."""
    return walk_seconds_estimated(straight_line_metres(a, b)) / 60


def _by_public_transport(
    trip: Trip, destinations: Sequence[Point], *, today: date
) -> tuple[list[Journey], dict[str, Any]]:
    """From each destination (a setting) to the trip's place, leaving at its time: one profile
    scan of the timetable that covers the place (geo/transit)."""
    from geo.transit import engine  # the timetable engine loads its files only when asked

    answer = engine.transit_times(
        destinations, trip.point, depart_at=trip.departs_at, day_kind=trip.day, today=today
    )
    if not answer.destination_covered:
        uncovered = Journey(None, False, TravelMode.PUBLIC_TRANSPORT, covered=False)
        return [uncovered for _ in destinations], {"engine": "none", "feed": ""}
    # A setting with no stop within walking distance has no journey: the limit applies to it
    # (covered), as it does to one whose buses do not arrive within the horizon.
    row = [
        Journey(
            cell.minutes,
            cell.walking_estimated,
            TravelMode.PUBLIC_TRANSPORT,
            True,
            ON_FOOT if cell.walk_only else VEHICLE,
        )
        for cell in answer.cells
    ]
    return row, {
        "engine": "timetable",
        "feed": answer.feed or "",
        "day": answer.service_day.isoformat() if answer.service_day else None,
        "ended": answer.timetable_ended,
    }


def public_transport_covers(point: Point) -> bool:
    """Whether an imported timetable reaches this place (a stop within walking distance)."""
    from geo.transit.reach import transit_covers

    return transit_covers(point)


def disc_kmh(mode: str) -> float:
    """The speed no journey by this mode beats in a straight line (the search's pre-filter)."""
    if mode == TravelMode.WALK:
        return WALK_MAX_KMH
    if mode == TravelMode.PUBLIC_TRANSPORT:
        return PUBLIC_TRANSPORT_MAX_KMH
    return float(settings.TRAVEL_MAX_KMH)


def clock(value: time | None) -> str:
    """08:00, the way a timetable writes it."""
    return value.strftime("%H:%M") if value else ""


def leg_words(journey: Journey, *, departs_at: time | None = None) -> str:
    """One journey in words, by its mode: "50 min by road", "about 40–60 min (estimated)",
    "by bus, 34 min, leaving 08:00", "about 12 min walking (estimated)"."""
    if journey.mode == TravelMode.PUBLIC_TRANSPORT:
        vehicle = journey.vehicle or "public transport"
        if not journey.covered:
            return "No bus or train timetable here"
        leaving = f"leaving {clock(departs_at)}" if departs_at else ""
        whole = whole_minutes(journey.minutes)
        if journey.vehicle == ON_FOOT and whole is not None:
            words = f"{whole} min on foot, quicker than any bus"
            return words + (" (estimated)" if journey.estimated else "")
        if whole is None:
            return f"No journey by {vehicle} within 4 hours, {leaving}".rstrip(", ")
        words = f"by {vehicle}, {whole} min" + (f", {leaving}" if leaving else "")
        return words + (" (walking estimated)" if journey.estimated else "")
    if journey.mode == TravelMode.WALK:
        whole = whole_minutes(journey.minutes)
        return f"about {whole} min walking (estimated)"
    return journey_minutes(journey.minutes, estimated=journey.estimated)


def timetable_words(timetable: dict[str, Any]) -> str:
    """Which timetable a place's public transport times come from, and for which day:
    "Chester buses, for Tuesday 5 September 2023 (that timetable has ended)"."""
    if not timetable.get("feed"):
        return "no timetable covers this place"
    words = f"{timetable['feed']} timetable"
    if timetable.get("day"):
        day = date.fromisoformat(timetable["day"])
        words += f", for {day:%A} {day.day} {day:%B %Y}"
    if timetable.get("ended"):
        words += " (that timetable has ended: ask the operator for the current one)"
    return words


def record_words(record: dict[str, Any]) -> str:
    """A journey saved in a search's results or a referral (any shape version: one saved before
    modes existed is by car), in the same words as the page showed."""
    departs = record.get("departs_at") or None
    journey = Journey(
        record.get("minutes"),
        bool(record.get("estimated")),
        record.get("mode") or TravelMode.CAR,
        bool(record.get("covered", True)),
        record.get("vehicle") or "",
    )
    return leg_words(journey, departs_at=time.fromisoformat(departs) if departs else None)


def mode_words(mode: str, *, departs_at: time | None = None, day: str = "") -> str:
    """How the place is reached, for a form summary or an export: "By car", "By public
    transport, leaving 08:00 on a weekday"."""
    words = TravelMode(mode).label if mode in TravelMode.values else mode
    if mode == TravelMode.PUBLIC_TRANSPORT and departs_at:
        kind = DayKind(day).label.lower() if day in DayKind.values else "a weekday"
        words += f", leaving {clock(departs_at)} on {kind}"
    return words


# --- A journey drawn, and the area within a journey time -------------------------------------


@dataclass(frozen=True)
class Step:
    """One part of a journey, as listed and drawn: a drive, a walk or a ride."""

    kind: str  # "drive", "walk", "bus" (or the feed's own word for its vehicle)
    words: str
    line: list[tuple[float, float]]  # (longitude, latitude)
    estimated: bool = False


@dataclass(frozen=True)
class Route:
    steps: list[Step]
    minutes: float | None
    summary: str  # the journey in the search's own words
    note: str = ""


def journey_route(
    trip: Trip,
    setting_point: Point,
    *,
    today: date,
    setting_name: str = "the home",
    place_name: str = "the place",
) -> Route:
    """The journey between one setting and one place, by the place's mode, step by step: the
    route by road (from the place, as measured), the walk (a straight line, estimated), or each
    walk and ride by public transport leaving the setting at the place's time."""
    if trip.mode == TravelMode.WALK:
        minutes = walking_minutes(trip.point, setting_point)
        journey = Journey(minutes, True, TravelMode.WALK)
        words = leg_words(journey)
        line = [(setting_point.x, setting_point.y), (trip.point.x, trip.point.y)]
        return Route([Step("walk", words, line, True)], minutes, words)
    if trip.mode == TravelMode.PUBLIC_TRANSPORT:
        return _public_transport_route(
            trip, setting_point, today=today, names=(setting_name, place_name)
        )
    from geo.routes import road_route

    road = road_route(trip.point, setting_point)
    journey = Journey(road.minutes, road.estimated, TravelMode.CAR)
    words = leg_words(journey)
    note = (
        "No road network covers this journey: the line is straight, not the road"
        if road.estimated
        else ""
    )
    return Route([Step("drive", words, list(road.line), road.estimated)], road.minutes, words, note)


def _public_transport_route(
    trip: Trip, setting_point: Point, *, today: date, names: tuple[str, str]
) -> Route:
    from geo.transit import engine

    found = engine.transit_journey(
        setting_point, trip.point, depart_at=trip.departs_at, day_kind=trip.day, today=today
    )
    covered = found is not None or public_transport_covers(trip.point)
    if found is None:
        journey = Journey(None, False, TravelMode.PUBLIC_TRANSPORT, covered, VEHICLE)
        return Route([], None, leg_words(journey, departs_at=trip.departs_at))
    # A walk of no distance (the setting or the place is at the stop) is not a step.
    steps = [
        _step(leg, names)
        for leg in found.legs
        if not (leg.kind == "walk" and getattr(leg, "minutes", 0) < 0.5)
    ]
    rides = any(leg.kind != "walk" for leg in found.legs)
    journey = Journey(
        found.minutes,
        found.walking_estimated,
        TravelMode.PUBLIC_TRANSPORT,
        True,
        VEHICLE if rides else ON_FOOT,
    )
    note = timetable_words(
        {
            "feed": found.feed,
            "day": found.service_day.isoformat(),
            "ended": found.timetable_ended,
        }
    )
    return Route(steps, found.minutes, leg_words(journey, departs_at=trip.departs_at), note)


def _step(leg: Any, names: tuple[str, str]) -> Step:
    """One leg of a timetable journey in words: a walk, or a ride on a named route. Whether a
    walk is estimated is the step's flag (the page shows it as a tag), not part of its words."""
    if leg.kind == "walk":
        whole = whole_minutes(leg.minutes)
        where = {"Start": names[0], "Destination": names[1]}
        words = (
            f"Walk {whole} min from {where.get(leg.from_name, leg.from_name)} "
            f"to {where.get(leg.to_name, leg.to_name)}"
        )
        return Step("walk", words, leg.line, leg.estimated)
    towards = f" towards {leg.headsign}" if leg.headsign else ""
    words = (
        f"{VEHICLE.capitalize()} {leg.route}{towards}: board at {leg.board_stop} at "
        f"{clock(leg.board_time)}, get off at {leg.alight_stop} at {clock(leg.alight_time)}"
    )
    return Step("bus", words, leg.line, False)


class ReachUnknownError(Exception):
    """The area within a journey time cannot be known for this place (no network reaches it)."""


def reach_area(trip: Trip, minutes: int, *, today: date) -> MultiPolygon:
    """Everywhere within `minutes` of the place by its mode: by road on the road networks, by
    public transport on the timetable (leaving at the place's time), walking within the walking
    estimate's circle."""
    if trip.mode == TravelMode.WALK:
        metres = minutes * settings.TRANSIT_WALK_KMH * 1000 / 60 / settings.TRANSIT_WALK_DETOUR
        return _multi(circle(trip.point, metres))
    if trip.mode == TravelMode.PUBLIC_TRANSPORT:
        from geo.transit.reach import transit_reach

        shape = transit_reach(
            trip.point, minutes, depart_at=trip.departs_at, day_kind=trip.day, today=today
        )
        if shape is None:
            raise ReachUnknownError("no bus or train timetable covers it: choose another area")
        return _multi(shape)
    from geo.routes import road_isochrone

    shape = road_isochrone(trip.point, minutes)
    if shape is None:
        raise ReachUnknownError(
            "no road network covers it, so the area within a journey time is not known: "
            "choose a distance of a postcode instead"
        )
    return _multi(shape)


def _multi(shape: Any) -> MultiPolygon:
    multi = as_multipolygon(shape)
    if multi is None:
        raise ReachUnknownError("the area within that journey time is empty: try a longer time")
    return multi
