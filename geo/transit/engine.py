"""Public transport travel times and journeys, over the active feeds `import_gtfs` compiled.

    matrix = transit_times(settings_points, school, depart_at=time(8), today=date.today())
    matrix.cell(0).minutes, matrix.cell(0).walking_estimated, matrix.cell(0).covered
    journey = transit_journey(home, school, depart_at=time(8), today=date.today())

The algorithms are in geo/transit/scan.py (a profile Connection Scan for many origins to one
destination, a forward one with journey pointers for the map); this module chooses the feed,
the service day and the walks at each end.

- **Feed.** Per destination: among the active feeds whose stops' bounding box, grown by
  TRANSIT_WALK_MAX_METRES, covers it, the one with a stop nearest to it. A point farther than
  TRANSIT_WALK_MAX_METRES (straight line) from every stop of every active feed has *no
  timetable here* (`covered` False), which is not the same as *no journey* (`minutes` None).
- **Service day** (`service_day`): the next Tuesday (or Saturday, or Sunday) on or after today
  inside the feed's calendar, otherwise the latest one inside it, and then the answer says the
  timetable has ended. Bank holidays are not avoided.
- **Walking.** To and from stops within TRANSIT_WALK_MAX_METRES; changes between stops within
  TRANSIT_TRANSFER_MAX_METRES (fixed at import); a walk all the way when quicker and within
  TRANSIT_DIRECT_WALK_MAX_METRES. Estimated: straight line × TRANSIT_WALK_DETOUR at
  TRANSIT_WALK_KMH, always flagged `walking_estimated`. A feed imported with
  `--walking-extract` routes the walks at each end on its OSRM foot network instead (changes
  stay estimated); a point the network cannot place gets the estimate, flagged.
- **Horizon.** Journeys leave at `depart_at` and must arrive within TRANSIT_HORIZON_MINUTES;
  the scans read only connections in that window.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.contrib.gis.geos import Point

from geo.transit import scan
from geo.transit.timetable import Timetable, metres_between, timetable_load, walk_seconds_estimated

logger = logging.getLogger(__name__)

DAY_KINDS = ("weekday", "saturday", "sunday")


# --- Service day -------------------------------------------------------------------------------


class _HasValidity(Protocol):
    valid_from: date
    valid_to: date


@dataclass(frozen=True)
class ServiceDay:
    day: date
    ended: bool  # the feed's calendar ends before today: an old timetable is being used


def service_day(feed: _HasValidity, weekday_kind: str, today: date) -> ServiceDay:
    """The day whose timetable answers "a weekday", "saturday" or "sunday" (see the module)."""
    if weekday_kind == "weekday":
        preferred, fallback = {1}, {0, 1, 2, 3, 4}  # Tuesday: no Monday or Friday peculiarities
    elif weekday_kind == "saturday":
        preferred = fallback = {5}
    elif weekday_kind == "sunday":
        preferred = fallback = {6}
    else:
        raise ValueError(f"day_kind must be one of {', '.join(DAY_KINDS)}, not {weekday_kind!r}")
    for weekdays in (preferred, fallback):
        day = max(today, feed.valid_from)
        while day <= feed.valid_to:
            if day.weekday() in weekdays:
                return ServiceDay(day, ended=False)
            day += timedelta(days=1)
    for weekdays in (preferred, fallback):
        day = feed.valid_to
        while day >= feed.valid_from:
            if day.weekday() in weekdays:
                return ServiceDay(day, ended=True)
            day -= timedelta(days=1)
    raise ValueError(f"The feed's calendar ({feed.valid_from}–{feed.valid_to}) has no such day")


# --- Answers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransitTime:
    """One origin's journey. `minutes` None: no journey within the horizon (or no timetable)."""

    minutes: float | None
    walking_estimated: bool
    covered: bool  # False: no stop of any active feed within walking distance of the origin
    walk_only: bool = False  # walking all the way is quicker than any bus


@dataclass(frozen=True)
class TransitMatrix:
    """Minutes from each origin to one destination, and the timetable that answered."""

    cells: list[TransitTime]
    feed: str | None  # the feed's name; None when no feed covers the destination
    service_day: date | None
    timetable_ended: bool
    destination_covered: bool

    def cell(self, origin: int) -> TransitTime:
        return self.cells[origin]


@dataclass(frozen=True)
class WalkLeg:
    from_name: str
    to_name: str
    minutes: float
    estimated: bool
    line: list[tuple[float, float]]  # (longitude, latitude)
    kind: str = "walk"


@dataclass(frozen=True)
class BusLeg:
    route: str
    headsign: str
    trip_id: str
    board_stop: str
    board_time: time
    alight_stop: str
    alight_time: time
    line: list[tuple[float, float]]  # the stops it calls at, boarding to alighting
    kind: str = "bus"


@dataclass(frozen=True)
class Journey:
    legs: list[WalkLeg | BusLeg]
    depart_at: time
    arrive_at: time
    minutes: float
    walking_estimated: bool
    feed: str
    service_day: date
    timetable_ended: bool
    changes: int = field(default=0)


# --- Feeds and walking -------------------------------------------------------------------------


@dataclass
class _Feed:
    name: str
    valid_from: date
    valid_to: date
    timetable: Timetable
    extent: tuple[float, float, float, float]
    walking_network: str


def _active_feeds() -> list[_Feed]:
    from geo.transit.selectors import transit_feeds_active

    feeds = []
    for row in transit_feeds_active():
        try:
            timetable = timetable_load(row.timetable_path)
        except FileNotFoundError:
            # Swapped out by an import between reading the row and loading its file: the next
            # request reads the new row.
            logger.warning("Timetable %s is gone (re-imported?); feed skipped", row.timetable_path)
            continue
        west, south, east, north = row.extent.extent
        feeds.append(
            _Feed(
                row.name,
                row.valid_from,
                row.valid_to,
                timetable,
                (west, south, east, north),
                row.walking_network,
            )
        )
    return feeds


def _grown_covers(extent: tuple[float, float, float, float], lon: float, lat: float) -> bool:
    metres = settings.TRANSIT_WALK_MAX_METRES
    dlat = metres / 111_320
    dlon = metres / (111_320 * max(math.cos(math.radians(abs(lat))), 0.01))
    west, south, east, north = extent
    return west - dlon <= lon <= east + dlon and south - dlat <= lat <= north + dlat


def _nearest_stop_metres(feed: _Feed, lon: float, lat: float) -> float | None:
    if not _grown_covers(feed.extent, lon, lat):
        return None
    near = feed.timetable.stops_near(lon, lat, settings.TRANSIT_WALK_MAX_METRES)
    return min((d for _, d in near), default=None)


def _feed_for(feeds: list[_Feed], lon: float, lat: float) -> _Feed | None:
    best: tuple[float, _Feed] | None = None
    for feed in feeds:
        nearest = _nearest_stop_metres(feed, lon, lat)
        if nearest is not None and (best is None or nearest < best[0]):
            best = (nearest, feed)
    return best[1] if best else None


def feed_covering(point: Point) -> tuple[float, float, float, float] | None:
    """The extent (west, south, east, north) of the active feed with a stop nearest the point
    within walking distance, or None when no feed covers it."""
    feed = _feed_for(_active_feeds(), *_xy(point))
    if feed is None:
        return None
    walk = settings.TRANSIT_WALK_MAX_METRES / 111_320
    west, south, east, north = feed.extent
    return (west - 2 * walk, south - walk, east + 2 * walk, north + walk)


class _Walks:
    """Seconds walked between points and a feed's stops: estimated, or on its foot network."""

    def __init__(self, feed: _Feed) -> None:
        self.feed = feed
        self.network = feed.walking_network
        self.limit = settings.TRANSIT_WALK_MAX_METRES

    def to_stops(self, lon: float, lat: float) -> tuple[dict[int, int], bool]:
        """Seconds to each stop within reach, and whether they are estimated."""
        near = self.feed.timetable.stops_near(lon, lat, self.limit)
        if self.network and near:
            routed = self._routed(lon, lat, near)
            if routed is not None:
                return routed, False
        return {stop: walk_seconds_estimated(d) for stop, d in near}, True

    def direct(self, a: tuple[float, float], b: tuple[float, float]) -> tuple[int | None, bool]:
        metres = metres_between(a[0], a[1], b[0], b[1])
        if metres > settings.TRANSIT_DIRECT_WALK_MAX_METRES:
            return None, True
        if self.network:
            seconds = _foot_table(self.network, [a], [b])
            if seconds is not None and seconds[0][0] is not None:
                return math.ceil(seconds[0][0]), False
        return walk_seconds_estimated(metres), True

    def _routed(
        self, lon: float, lat: float, near: list[tuple[int, float]]
    ) -> dict[int, int] | None:
        tt = self.feed.timetable
        stops = [(tt.stop_lons[s], tt.stop_lats[s]) for s, _ in near]
        table = _foot_table(self.network, [(lon, lat)], stops)
        if table is None:
            return None
        # Walking is symmetric enough on a foot profile (no one-way streets) to use one table
        # for both ends; a stop the network cannot reach is not walked to.
        return {
            stop: math.ceil(seconds)
            for (stop, _), seconds in zip(near, table[0], strict=True)
            if seconds is not None
        }


def _foot_table(
    network: str, sources: list[tuple[float, float]], destinations: list[tuple[float, float]]
) -> list[list[float | None]] | None:
    """OSRM's walking seconds, or None (logged) if the network cannot answer or place a point."""
    import osrm

    from geo.travel import _osrm_instance

    params = osrm.TableParameters(
        coordinates=[*sources, *destinations],
        sources=list(range(len(sources))),
        destinations=list(range(len(sources), len(sources) + len(destinations))),
        generate_hints=False,
    )
    try:
        result: Any = _osrm_instance(network).Table(params)
    except RuntimeError:
        logger.exception("Foot network %s failed; walking estimated", network)
        return None
    limit = settings.TRANSIT_WALK_MAX_METRES
    if any(float(w["distance"]) > limit for w in result["sources"]):
        return None
    return [
        [
            None if s is None or float(w["distance"]) > limit else float(s)
            for s, w in zip(row, result["destinations"], strict=True)
        ]
        for row in result["durations"]
    ]


def _seconds(at: time) -> int:
    return at.hour * 3600 + at.minute * 60 + at.second


def _time_of(seconds: int) -> time:
    seconds %= scan.DAY
    return time(seconds // 3600, seconds // 60 % 60, seconds % 60)


def _xy(point: Point) -> tuple[float, float]:
    if point.srid not in (None, 4326):
        raise ValueError(f"Points must be in SRID 4326, not {point.srid}")
    return float(point.x), float(point.y)


# --- The two questions -------------------------------------------------------------------------


def transit_times(
    origins: Sequence[Point],
    destination: Point,
    *,
    depart_at: time,
    day_kind: str = "weekday",
    today: date,
) -> TransitMatrix:
    """Minutes by public transport from each origin to the destination, leaving at `depart_at`
    on the service day of `day_kind` (see the module docstring): one profile scan for all."""
    feeds = _active_feeds()
    points = [_xy(p) for p in origins]
    target = _xy(destination)
    feed = _feed_for(feeds, *target)

    def uncovered(lon: float, lat: float) -> bool:
        return all(_nearest_stop_metres(f, lon, lat) is None for f in feeds)

    if feed is None:
        cells = [TransitTime(None, True, covered=not uncovered(*p)) for p in points]
        return TransitMatrix(cells, None, None, False, destination_covered=False)

    served = service_day(feed, day_kind, today)
    start = _seconds(depart_at)
    end = start + settings.TRANSIT_HORIZON_MINUTES * 60
    walks = _Walks(feed)
    to_destination, destination_estimated = walks.to_stops(*target)
    board = _profile(feed, target, served.day, start, end, to_destination)
    cells = []
    for point in points:
        to_stops, estimated = walks.to_stops(*point)
        arrival = scan.origin_arrival(board, start, to_stops)
        walked, walk_estimated = walks.direct(point, target)
        walk_only = walked is not None and start + walked < arrival
        if walked is not None and walk_only:
            arrival, estimated = start + walked, walk_estimated
        else:
            estimated = estimated or destination_estimated
        if arrival > end:
            covered = bool(to_stops) or not uncovered(*point)
            cells.append(TransitTime(None, estimated, covered=covered))
        else:
            cells.append(
                TransitTime((arrival - start) / 60, estimated, covered=True, walk_only=walk_only)
            )
    return TransitMatrix(cells, feed.name, served.day, served.ended, destination_covered=True)


# Each destination's profile, for its timetable version, day and window, per process: it does not
# depend on the origins, so a search's next page, its export, its map and the next search for the
# same child reuse one scan. A few hundred KB each on a town's feed; the oldest go first.
PROFILE_CACHE_SIZE = 64
_PROFILES: OrderedDict[tuple[Any, ...], tuple[Timetable, dict[int, Any]]] = OrderedDict()
_PROFILES_LOCK = threading.Lock()


def profile_cache_clear() -> None:
    """Forget every kept profile scan (the bench times searches for new children with it)."""
    with _PROFILES_LOCK:
        _PROFILES.clear()


def _profile(
    feed: _Feed,
    target: tuple[float, float],
    day: date,
    start: int,
    end: int,
    to_destination: dict[int, int],
) -> dict[int, Any]:
    key = (id(feed.timetable), target, day, start, end, tuple(sorted(to_destination.items())))
    with _PROFILES_LOCK:
        cached = _PROFILES.get(key)
        # The timetable itself is kept with its profile: an id is only unique while it lives.
        if cached is not None and cached[0] is feed.timetable:
            _PROFILES.move_to_end(key)
            return cached[1]
    connections = scan.window(feed.timetable, day, start, end)
    board = scan.profile_arrivals(feed.timetable, connections, to_destination)
    with _PROFILES_LOCK:
        _PROFILES[key] = (feed.timetable, board)
        while len(_PROFILES) > PROFILE_CACHE_SIZE:
            _PROFILES.popitem(last=False)
    return board


def transit_journey(
    origin: Point,
    destination: Point,
    *,
    depart_at: time,
    day_kind: str = "weekday",
    today: date,
) -> Journey | None:
    """The earliest-arriving journey, leg by leg (for the map); None when there is none within
    the horizon or no feed covers the destination."""
    feeds = _active_feeds()
    a, b = _xy(origin), _xy(destination)
    feed = _feed_for(feeds, *b)
    if feed is None:
        return None
    tt = feed.timetable
    served = service_day(feed, day_kind, today)
    start = _seconds(depart_at)
    end = start + settings.TRANSIT_HORIZON_MINUTES * 60
    walks = _Walks(feed)
    to_destination, destination_estimated = walks.to_stops(*b)
    to_stops, origin_estimated = walks.to_stops(*a)
    connections = scan.window(tt, served.day, start, end)
    path = scan.forward_journey(tt, connections, start, to_stops, to_destination)
    walked, walk_estimated = walks.direct(a, b)
    if walked is not None and (path is None or start + walked < path.arrival):
        if walked > end - start:
            return None
        leg = WalkLeg("Start", "Destination", walked / 60, walk_estimated, [a, b])
        return Journey(
            [leg], depart_at, _time_of(start + walked), walked / 60, walk_estimated,
            feed.name, served.day, served.ended,
        )  # fmt: skip
    if path is None or path.arrival > end:
        return None

    def stop_xy(stop: int) -> tuple[float, float]:
        return tt.stop_lons[stop], tt.stop_lats[stop]

    legs: list[WalkLeg | BusLeg] = []
    first = path.boarded[0]
    legs.append(
        WalkLeg(
            "Start", tt.stop_names[first], to_stops[first] / 60, origin_estimated,
            [a, stop_xy(first)],
        )
    )  # fmt: skip
    for k, ride in enumerate(path.rides):
        if k:
            came_from, goes_to = path.alighted[k - 1], path.boarded[k]
            if came_from != goes_to:
                seconds = dict(tt.transfers[came_from])[goes_to]
                legs.append(
                    WalkLeg(
                        tt.stop_names[came_from], tt.stop_names[goes_to], seconds / 60, True,
                        [stop_xy(came_from), stop_xy(goes_to)],
                    )
                )  # fmt: skip
        trip = tt.trip[ride.board]
        legs.append(
            BusLeg(
                route=tt.trip_routes[trip],
                headsign=tt.trip_headsigns[trip],
                trip_id=tt.trip_ids[trip],
                board_stop=tt.stop_names[path.boarded[k]],
                board_time=_time_of(ride.board_time),
                alight_stop=tt.stop_names[path.alighted[k]],
                alight_time=_time_of(ride.alight_time),
                line=[stop_xy(s) for s in scan.trip_stops(tt, ride)],
            )
        )
    last = path.alighted[-1]
    legs.append(
        WalkLeg(
            tt.stop_names[last], "Destination", to_destination[last] / 60,
            destination_estimated, [stop_xy(last), b],
        )
    )  # fmt: skip
    minutes = (path.arrival - start) / 60
    # As in transit_times: the walks at each end (a change's walk is always estimated, and says so).
    estimated = origin_estimated or destination_estimated
    return Journey(
        legs, depart_at, _time_of(path.arrival), minutes, estimated,
        feed.name, served.day, served.ended, changes=len(path.rides) - 1,
    )  # fmt: skip
