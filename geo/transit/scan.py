"""Connection Scan over a compiled timetable: pure functions, no database, no settings.

Both scans read the same *window*: the connections of the trips running on the service day
(and those of the day before still running past midnight, and of the day after when the window
crosses midnight), departing at or after the start and arriving by the end, in one order
(departure, arrival, trip, sequence). Both follow the same rules, so they give the same answer
to the second (tests/geo/test_transit_engine.py checks this on random origins):

- a journey starts with a walk from its origin to one stop (no further walk before boarding);
- after alighting, it may change at that stop or walk to a stop within the transfer distance,
  and must be there by the next departure (no minimum change time: the timetable's own
  minutes are the margin);
- it ends with a walk from the stop where it alights to the destination;
- one may not board where the timetable says no pick-up, nor alight where it says no drop-off.

**Profile scan** (`profile_arrivals`, many origins → one destination). Connections are read
once, latest first. Each trip keeps the earliest arrival at the destination from staying on
it; each stop keeps its Pareto set of (departure, arrival) pairs: leave the stop at or after
this time, reach the destination at this time. A connection's best arrival is the least of
staying seated, alighting and walking to the destination, and alighting and leaving the stop
(or a stop within the transfer distance) later, read from that stop's set. Stops keep two sets:
`board` (journeys that board at the stop itself, which is what an origin's first walk reaches)
and `any` (also those that walk on to a nearby stop first, which is what a change reaches).
Then each origin is answered from the sets of the stops it can walk to, with a binary search.
Cost: one pass over the window (O(C log P) for C connections and P pairs per stop, plus the
transfers of each boarding stop) and O(S log P) per origin with S stops in walking distance:
1,000 origins cost one scan, not 1,000.

**Forward scan** (`forward_journey`, one origin → one destination). Connections are read
once, earliest first, keeping the earliest time one can be at each stop ready to board, and
for each trip where it was boarded; it stops as soon as the next departure is later than the
best arrival so far. The pointers give the journey's legs. Cost: O(C) at most.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from geo.transit.timetable import CAN_ALIGHT, CAN_BOARD, Timetable

INF = 1 << 40
DAY = 86_400


def window(tt: Timetable, day: date, start: int, end: int) -> list[tuple[int, ...]]:
    """The connections that may be used leaving at `start` on `day` and arriving by `end`:
    (departure, arrival, from stop, to stop, trip key, flags, connection index), times in
    seconds after `day`'s midnight; the trip key tells a trip's runs on two days apart."""
    out: list[tuple[int, ...]] = []
    shifts = 0
    for offset in (-1, 0, 1):
        shift = offset * DAY
        lo = bisect.bisect_left(tt.dep, start - shift)
        hi = bisect.bisect_right(tt.dep, end - shift)
        if lo >= hi:
            continue
        ordinal = (day + timedelta(days=offset)).toordinal()
        running = [ordinal in days for days in tt.service_days]
        dep, arr, trip, services = tt.dep, tt.arr, tt.trip, tt.trip_services
        before = len(out)
        for i in range(lo, hi):
            t = trip[i]
            if arr[i] + shift > end or not running[services[t]]:
                continue
            out.append(
                (
                    dep[i] + shift,
                    arr[i] + shift,
                    tt.from_stop[i],
                    tt.to_stop[i],
                    t * 3 + offset + 1,
                    tt.flags[i],
                    i,
                )
            )
        shifts += len(out) > before
    if shifts > 1:
        out.sort()
    return out


class _Profile:
    """A stop's Pareto set: departures falling and arrivals falling, as two parallel lists
    (departures negated, so that bisect finds "departing at or after t")."""

    __slots__ = ("arrs", "negdeps")

    def __init__(self) -> None:
        self.negdeps: list[int] = []
        self.arrs: list[int] = []

    def earliest(self, at: int) -> int:
        """The earliest arrival leaving at or after `at`."""
        k = bisect.bisect_right(self.negdeps, -at)
        return self.arrs[k - 1] if k else INF

    def add(self, dep: int, arrival: int) -> None:
        negdeps, arrs = self.negdeps, self.arrs
        k = bisect.bisect_right(negdeps, -dep)
        if k and arrs[k - 1] <= arrival:
            return  # a departure as late or later arrives as early
        j = k
        while j < len(arrs) and arrs[j] >= arrival:
            j += 1  # earlier departures arriving no earlier: dominated
        negdeps[k:j] = [-dep]
        arrs[k:j] = [arrival]


def profile_arrivals(
    tt: Timetable,
    connections: Sequence[tuple[int, ...]],
    to_destination: Mapping[int, int],
) -> dict[int, _Profile]:
    """Each stop's `board` Pareto set towards the destination (see the module docstring).

    `to_destination`: seconds to walk from each stop within reach to the destination."""
    board: dict[int, _Profile] = {}
    anywhere: dict[int, _Profile] = {}
    by_trip: dict[int, int] = {}
    transfers = tt.transfers
    for dep, arr, u, v, key, flags, _ in reversed(connections):
        best = by_trip.get(key, INF)
        if flags & CAN_ALIGHT:
            walk = to_destination.get(v)
            if walk is not None and arr + walk < best:
                best = arr + walk
            onward = anywhere.get(v)
            if onward is not None:
                later = onward.earliest(arr)
                if later < best:
                    best = later
        if best >= INF:
            continue
        by_trip[key] = best
        if flags & CAN_BOARD:
            profile = board.get(u)
            if profile is None:
                profile = board[u] = _Profile()
            profile.add(dep, best)
            profile = anywhere.get(u)
            if profile is None:
                profile = anywhere[u] = _Profile()
            profile.add(dep, best)
            for w, seconds in transfers[u]:
                profile = anywhere.get(w)
                if profile is None:
                    profile = anywhere[w] = _Profile()
                profile.add(dep - seconds, best)
    return board


def origin_arrival(board: Mapping[int, _Profile], start: int, to_stops: Mapping[int, int]) -> int:
    """The earliest arrival from an origin that walks `to_stops[stop]` seconds to each stop."""
    best = INF
    for stop, walk in to_stops.items():
        profile = board.get(stop)
        if profile is not None:
            arrival = profile.earliest(start + walk)
            if arrival < best:
                best = arrival
    return best


@dataclass(frozen=True)
class Ride:
    """One bus ride of a journey: connection indices (into the timetable) boarded and left."""

    board: int
    alight: int
    board_time: int  # seconds after the query day's midnight
    alight_time: int


@dataclass(frozen=True)
class Path:
    """A journey found by `forward_journey`: stops walked between, in order, and the rides.

    `stops[0]` is the stop walked to from the origin and `stops[-1]` the stop walked from to
    the destination; ride k goes from `boarded[k]` to `alighted[k]`, and between ride k and
    k + 1 one walks from `alighted[k]` to `boarded[k + 1]` (the same stop: no walk)."""

    arrival: int
    rides: list[Ride]
    boarded: list[int]
    alighted: list[int]


def forward_journey(
    tt: Timetable,
    connections: Sequence[tuple[int, ...]],
    start: int,
    to_stops: Mapping[int, int],
    to_destination: Mapping[int, int],
) -> Path | None:
    """The earliest arrival by bus from an origin leaving at `start`, with its legs."""
    ready: dict[int, int] = {stop: start + walk for stop, walk in to_stops.items()}
    came_by: dict[int, tuple[int, int, int] | None] = dict.fromkeys(ready)
    boarded_at: dict[int, int] = {}
    best, best_end = INF, None
    transfers = tt.transfers
    for n, (dep, arr, u, v, key, flags, _) in enumerate(connections):
        if dep >= best:
            break
        if key not in boarded_at:
            if not flags & CAN_BOARD or ready.get(u, INF) > dep:
                continue
            boarded_at[key] = n
        if not flags & CAN_ALIGHT:
            continue
        walk = to_destination.get(v)
        if walk is not None and arr + walk < best:
            best, best_end = arr + walk, n
        first = boarded_at[key]
        if arr < ready.get(v, INF):
            ready[v], came_by[v] = arr, (first, n, v)
        for w, seconds in transfers[v]:
            if arr + seconds < ready.get(w, INF):
                ready[w], came_by[w] = arr + seconds, (first, n, v)
    if best_end is None:
        return None
    rides: list[Ride] = []
    boarded: list[int] = []
    alighted: list[int] = []
    n_end: int | None = best_end
    while n_end is not None:
        key = connections[n_end][4]
        n_start = boarded_at[key]
        board_c, alight_c = connections[n_start], connections[n_end]
        rides.append(Ride(board_c[6], alight_c[6], board_c[0], alight_c[1]))
        boarded.append(board_c[2])
        alighted.append(alight_c[3])
        previous = came_by[board_c[2]]
        n_end = None if previous is None else previous[1]
    rides.reverse()
    boarded.reverse()
    alighted.reverse()
    return Path(arrival=best, rides=rides, boarded=boarded, alighted=alighted)


def trip_stops(tt: Timetable, ride: Ride) -> list[int]:
    """The stops a ride calls at, from where it boards to where it alights."""
    trip = tt.trip[ride.board]
    stops = [tt.from_stop[ride.board]]
    # A trip's connections are in time order in the timetable; walk them from the boarding one.
    i = ride.board
    while True:
        stops.append(tt.to_stop[i])
        if i == ride.alight:
            return stops
        i = _next_of_trip(tt, trip, i)


def _next_of_trip(tt: Timetable, trip: int, i: int) -> int:
    stop, dep = tt.to_stop[i], tt.arr[i]
    j = bisect.bisect_left(tt.dep, dep)
    while tt.trip[j] != trip or tt.from_stop[j] != stop:
        j += 1
    return j
