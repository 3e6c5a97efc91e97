"""A GTFS zip compiled into the engine's timetable, and the timetable loaded once per process.

    timetable, report = timetable_compile(zip_path)   # reads the zip directly, no extraction
    timetable_write(timetable, path); timetable_load(path)

The compiled timetable is plain Python lists (no numpy: the scan reads one connection at a time,
where lists are as quick as arrays) pickled to one file, about 1.5 MB for Chester's 33k
connections. What it holds:

- stops (id, name, latitude, longitude), trips (route short name, headsign, service);
- each service's running days as a set of date ordinals, from calendar.txt and/or
  calendar_dates.txt (1 adds a day, 2 removes one);
- connections: every stop-to-next-stop leg of every trip, in seconds after the service day's
  midnight (GTFS times past 24:00:00 stay past 86,400: a trip belongs to the day it started),
  sorted by (departure, arrival, trip, sequence), with whether one may board and alight;
- transfers: for each stop, the other stops within TRANSIT_TRANSFER_MAX_METRES (straight line)
  and the estimated seconds to walk there.

Bad rows (a time that is not a time, a stop or trip that is not in the feed, an arrival before
the departure) are counted and reported per file and never stop the import. A trip with a bad
stop time is dropped whole, since a hole in it would invent a connection between non-adjacent
stops.
"""

from __future__ import annotations

import csv
import io
import math
import pickle
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings

from geo.travel import EARTH_RADIUS_M

FORMAT_VERSION = 1
REQUIRED_FILES = ("stops.txt", "stop_times.txt", "trips.txt")
OPTIONAL_FILES = ("routes.txt", "calendar.txt", "calendar_dates.txt", "agency.txt")
CAN_BOARD = 1
CAN_ALIGHT = 2
MAX_REPORTED_ERRORS = 20
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class GtfsError(Exception):
    """The zip cannot be a timetable at all; the message says why, for the person importing."""


@dataclass
class CompileReport:
    """What was read: bad rows per file and the first few of them, files the feed lacks."""

    rows: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, object]] = field(default_factory=list)
    missing_optional: list[str] = field(default_factory=list)

    def reject(self, file: str, line: int, message: str) -> None:
        self.rejected[file] = self.rejected.get(file, 0) + 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append({"file": file, "line": line, "message": message})

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())


@dataclass
class Timetable:
    """The compiled feed. Parallel lists indexed by stop, trip, service or connection."""

    stop_ids: list[str]
    stop_names: list[str]
    stop_lats: list[float]
    stop_lons: list[float]
    trip_ids: list[str]
    trip_routes: list[str]
    trip_headsigns: list[str]
    trip_services: list[int]
    service_ids: list[str]
    service_days: list[frozenset[int]]
    dep: list[int]
    arr: list[int]
    from_stop: list[int]
    to_stop: list[int]
    trip: list[int]
    flags: list[int]
    transfers: list[list[tuple[int, int]]]
    routes: int
    version: int = FORMAT_VERSION
    _grid: dict[tuple[int, int], list[int]] | None = field(default=None, repr=False)

    @property
    def valid_from(self) -> date:
        return date.fromordinal(min(min(days) for days in self.service_days if days))

    @property
    def valid_to(self) -> date:
        return date.fromordinal(max(max(days) for days in self.service_days if days))

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) of the stops."""
        return min(self.stop_lons), min(self.stop_lats), max(self.stop_lons), max(self.stop_lats)

    def runs_on(self, service: int, day: date) -> bool:
        return day.toordinal() in self.service_days[service]

    def stops_near(self, lon: float, lat: float, metres: float) -> list[tuple[int, float]]:
        """Stops within `metres` (straight line) of a point, with their distances."""
        grid = self._grid_index()
        cx, cy = _cell(lon, lat)
        reach = max(1, math.ceil(metres / GRID_METRES))
        found = []
        for gx in range(cx - reach, cx + reach + 1):
            for gy in range(cy - reach, cy + reach + 1):
                for stop in grid.get((gx, gy), ()):
                    d = metres_between(lon, lat, self.stop_lons[stop], self.stop_lats[stop])
                    if d <= metres:
                        found.append((stop, d))
        return found

    def _grid_index(self) -> dict[tuple[int, int], list[int]]:
        if self._grid is None:
            grid: dict[tuple[int, int], list[int]] = {}
            for stop, (lon, lat) in enumerate(zip(self.stop_lons, self.stop_lats, strict=True)):
                grid.setdefault(_cell(lon, lat), []).append(stop)
            self._grid = grid
        return self._grid


# Cells about 500 m across: a 1 km search reads 5 × 5 cells. Longitude cells are scaled at 53°N
# (England spans 50–56°N, so a cell is 460–560 m wide there; the search reaches one cell more
# than it needs, never less).
GRID_METRES = 500.0
_DEG_LAT = GRID_METRES / 111_320
_DEG_LON = GRID_METRES / (111_320 * math.cos(math.radians(56)))


def _cell(lon: float, lat: float) -> tuple[int, int]:
    return math.floor(lon / _DEG_LON), math.floor(lat / _DEG_LAT)


def metres_between(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine), as geo.travel.straight_line_metres, on plain floats."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def walk_seconds_estimated(metres: float) -> int:
    """Straight line × TRANSIT_WALK_DETOUR at TRANSIT_WALK_KMH, rounded up to the second."""
    speed = settings.TRANSIT_WALK_KMH * 1000 / 3600
    return math.ceil(metres * settings.TRANSIT_WALK_DETOUR / speed)


# --- Reading the zip ---------------------------------------------------------------------------


def _rows(archive: zipfile.ZipFile, name: str, report: CompileReport) -> Iterator[tuple[int, dict]]:
    """(line number, row) of one GTFS file, header names stripped; BOM and CRLF are handled."""
    member = _member(archive, name)
    if member is None:
        return
    with archive.open(member) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
        reader = csv.reader(text)
        header = [h.strip() for h in next(reader, [])]
        count = 0
        for line, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            count += 1
            yield line, {k: v.strip() for k, v in zip(header, values, strict=False)}
        report.rows[name] = count


def _member(archive: zipfile.ZipFile, name: str) -> str | None:
    """The member called `name`, at the top or in one folder (some feeds zip their folder)."""
    for member in archive.namelist():
        if member == name or member.endswith("/" + name) and member.count("/") == 1:
            return member
    return None


def parse_time(value: str) -> int:
    """GTFS H:MM:SS (hours may pass 24) as seconds after the service day's midnight."""
    hours, minutes, seconds = value.split(":")
    h, m, s = int(hours), int(minutes), int(seconds)
    if h < 0 or not 0 <= m < 60 or not 0 <= s < 60 or len(minutes) != 2 or len(seconds) != 2:
        raise ValueError(value)
    return h * 3600 + m * 60 + s


def _parse_date(value: str) -> date:
    return date(int(value[:4]), int(value[4:6]), int(value[6:8]))


def timetable_compile(path: Path) -> tuple[Timetable, CompileReport]:
    """Read a GTFS zip into a Timetable. Raises GtfsError when it cannot be one."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise GtfsError(f"{path} is not a zip file ({exc})") from exc
    with archive:
        missing = [name for name in REQUIRED_FILES if _member(archive, name) is None]
        if missing:
            raise GtfsError(f"{path} is not a GTFS feed: it has no {', '.join(missing)}")
        report = CompileReport(
            missing_optional=[name for name in OPTIONAL_FILES if _member(archive, name) is None]
        )
        if "calendar.txt" in report.missing_optional and (
            "calendar_dates.txt" in report.missing_optional
        ):
            raise GtfsError(f"{path} has neither calendar.txt nor calendar_dates.txt")
        return _compile(archive, report), report


Stops = tuple[dict[str, int], list[str], list[float], list[float]]
Trips = tuple[dict[str, int], list[str], list[str], list[int]]
Call = tuple[int, int | None, int | None, int, bool, bool]  # seq, arr, dep, stop, pick-up, drop-off


def _compile(archive: zipfile.ZipFile, report: CompileReport) -> Timetable:
    stop_index, names, lats, lons = _read_stops(archive, report)
    service_days = _service_days(archive, report)
    service_ids = sorted(service_days)
    if not any(service_days[sid] for sid in service_ids):
        raise GtfsError("The calendar files give no day on which any service runs")
    trip_index, trip_routes, trip_headsigns, trip_services = _read_trips(
        archive, report, {sid: i for i, sid in enumerate(service_ids)}
    )
    calls = _read_calls(archive, report, stop_index, trip_index)
    trip_ids = list(trip_index)
    legs = _legs(calls, trip_ids, report)
    if not legs:
        raise GtfsError("stop_times.txt gives no trip with two usable stops")
    return Timetable(
        stop_ids=list(stop_index),
        stop_names=names,
        stop_lats=lats,
        stop_lons=lons,
        trip_ids=trip_ids,
        trip_routes=trip_routes,
        trip_headsigns=trip_headsigns,
        trip_services=trip_services,
        service_ids=service_ids,
        service_days=[frozenset(service_days[sid]) for sid in service_ids],
        dep=[leg[0] for leg in legs],
        arr=[leg[1] for leg in legs],
        trip=[leg[2] for leg in legs],
        from_stop=[leg[4] for leg in legs],
        to_stop=[leg[5] for leg in legs],
        flags=[leg[6] for leg in legs],
        transfers=_transfers(lons, lats),
        routes=len({trip_routes[leg[2]] for leg in legs}),
    )


def _read_stops(archive: zipfile.ZipFile, report: CompileReport) -> Stops:
    stop_index: dict[str, int] = {}
    names: list[str] = []
    lats: list[float] = []
    lons: list[float] = []
    for line, row in _rows(archive, "stops.txt", report):
        if row.get("location_type", "") not in ("", "0"):
            continue  # stations and entrances: vehicles call at their platforms, not at them
        try:
            lat, lon = float(row["stop_lat"]), float(row["stop_lon"])
            if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
                raise ValueError(f"{lat}, {lon}")
            stop_id = row["stop_id"]
            if not stop_id or stop_id in stop_index:
                raise ValueError(f"stop_id {stop_id!r} is empty or repeated")
        except (KeyError, ValueError) as exc:
            report.reject("stops.txt", line, f"bad stop ({exc})")
            continue
        stop_index[stop_id] = len(names)
        names.append(row.get("stop_name") or stop_id)
        lats.append(lat)
        lons.append(lon)
    if not names:
        raise GtfsError("stops.txt has no usable stops")
    return stop_index, names, lats, lons


def _read_trips(
    archive: zipfile.ZipFile, report: CompileReport, service_index: dict[str, int]
) -> Trips:
    route_names = {
        row.get("route_id", ""): row.get("route_short_name") or row.get("route_long_name") or ""
        for _, row in _rows(archive, "routes.txt", report)
    }
    trip_index: dict[str, int] = {}
    trip_routes: list[str] = []
    trip_headsigns: list[str] = []
    trip_services: list[int] = []
    for line, row in _rows(archive, "trips.txt", report):
        trip_id, service = row.get("trip_id", ""), row.get("service_id", "")
        if not trip_id or trip_id in trip_index or service not in service_index:
            report.reject("trips.txt", line, f"trip {trip_id!r}: unknown service or repeated")
            continue
        trip_index[trip_id] = len(trip_routes)
        trip_routes.append(route_names.get(row.get("route_id", ""), row.get("route_id", "")))
        trip_headsigns.append(row.get("trip_headsign", ""))
        trip_services.append(service_index[service])
    return trip_index, trip_routes, trip_headsigns, trip_services


def _read_calls(
    archive: zipfile.ZipFile,
    report: CompileReport,
    stop_index: dict[str, int],
    trip_index: dict[str, int],
) -> dict[int, list[Call]]:
    """Each trip's calls; a trip with a bad row is left out whole."""
    calls: dict[int, list[Call]] = {}
    broken: set[int] = set()
    for line, row in _rows(archive, "stop_times.txt", report):
        trip = trip_index.get(row.get("trip_id", ""))
        stop = stop_index.get(row.get("stop_id", ""))
        try:
            if trip is None or stop is None:
                raise ValueError("unknown trip or stop")
            sequence = int(row["stop_sequence"])
            arrival = parse_time(row["arrival_time"]) if row.get("arrival_time") else None
            departure = parse_time(row["departure_time"]) if row.get("departure_time") else None
        except (KeyError, ValueError) as exc:
            report.reject("stop_times.txt", line, f"bad stop time ({exc})")
            if trip is not None:
                broken.add(trip)
            continue
        calls.setdefault(trip, []).append(
            (
                sequence,
                arrival if arrival is not None else departure,
                departure if departure is not None else arrival,
                stop,
                row.get("pickup_type", "") != "1",
                row.get("drop_off_type", "") != "1",
            )
        )
    for trip in broken:
        calls.pop(trip, None)
    return calls


def _legs(
    calls: dict[int, list[Call]], trip_ids: list[str], report: CompileReport
) -> list[tuple[int, int, int, int, int, int, int]]:
    """(departure, arrival, trip, sequence, from stop, to stop, flags), sorted."""
    legs: list[tuple[int, int, int, int, int, int, int]] = []
    for trip, stops in calls.items():
        stops.sort()
        times = _interpolated(stops)
        if times is None:
            report.reject("stop_times.txt", 0, f"trip {trip_ids[trip]}: times go backwards")
            continue
        for k in range(len(stops) - 1):
            dep, arr = times[k][1], times[k + 1][0]
            flags = (CAN_BOARD if stops[k][4] else 0) | (CAN_ALIGHT if stops[k + 1][5] else 0)
            legs.append((dep, arr, trip, stops[k][0], stops[k][3], stops[k + 1][3], flags))
    legs.sort()
    return legs


def _interpolated(stops: list[Call]) -> list[tuple[int, int]] | None:
    """(arrival, departure) of each call, blank times spread evenly between the timed calls
    either side (GTFS leaves non-timepoints blank). None if the times go backwards or the first
    or last call has no time."""
    known = [i for i, call in enumerate(stops) if call[1] is not None]
    if not known or known[0] != 0 or known[-1] != len(stops) - 1:
        return None
    times: list[tuple[int, int]] = []
    for a, b in zip(known, known[1:], strict=False):
        start, end = stops[a][2], stops[b][1]
        assert start is not None and end is not None
        arr_a = stops[a][1]
        assert arr_a is not None
        times.append((arr_a, start))
        for k in range(a + 1, b):
            t = start + round((end - start) * (k - a) / (b - a))
            times.append((t, t))
    last_arr, last_dep = stops[-1][1], stops[-1][2]
    assert last_arr is not None and last_dep is not None
    times.append((last_arr, last_dep))
    for k, (arrival, departure) in enumerate(times):
        if departure < arrival or (k and arrival < times[k - 1][1]):
            return None
    return times


def _service_days(archive: zipfile.ZipFile, report: CompileReport) -> dict[str, set[int]]:
    days: dict[str, set[int]] = {}
    for line, row in _rows(archive, "calendar.txt", report):
        try:
            sid = row["service_id"]
            start, end = _parse_date(row["start_date"]), _parse_date(row["end_date"])
            runs = [row[name] == "1" for name in WEEKDAYS]
        except (KeyError, ValueError) as exc:
            report.reject("calendar.txt", line, f"bad calendar row ({exc})")
            continue
        running = days.setdefault(sid, set())
        day = start
        while day <= end:
            if runs[day.weekday()]:
                running.add(day.toordinal())
            day += timedelta(days=1)
    for line, row in _rows(archive, "calendar_dates.txt", report):
        try:
            sid, day, kind = row["service_id"], _parse_date(row["date"]), row["exception_type"]
            if kind not in ("1", "2"):
                raise ValueError(f"exception_type {kind!r}")
        except (KeyError, ValueError, IndexError) as exc:
            report.reject("calendar_dates.txt", line, f"bad calendar date ({exc})")
            continue
        if kind == "1":
            days.setdefault(sid, set()).add(day.toordinal())
        else:
            days.setdefault(sid, set()).discard(day.toordinal())
    return days


def _transfers(lons: list[float], lats: list[float]) -> list[list[tuple[int, int]]]:
    limit = settings.TRANSIT_TRANSFER_MAX_METRES
    grid: dict[tuple[int, int], list[int]] = {}
    for stop, (lon, lat) in enumerate(zip(lons, lats, strict=True)):
        grid.setdefault(_cell(lon, lat), []).append(stop)
    reach = max(1, math.ceil(limit / GRID_METRES))
    transfers: list[list[tuple[int, int]]] = []
    for stop, (lon, lat) in enumerate(zip(lons, lats, strict=True)):
        cx, cy = _cell(lon, lat)
        near = []
        for gx in range(cx - reach, cx + reach + 1):
            for gy in range(cy - reach, cy + reach + 1):
                for other in grid.get((gx, gy), ()):
                    if other == stop:
                        continue
                    d = metres_between(lon, lat, lons[other], lats[other])
                    if d <= limit:
                        near.append((other, walk_seconds_estimated(d)))
        transfers.append(sorted(near))
    return transfers


# --- The compiled file -------------------------------------------------------------------------


def timetable_write(timetable: Timetable, path: Path) -> None:
    """Write beside the final name, then rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".partial")
    with partial.open("wb") as handle:
        pickle.dump(timetable, handle, protocol=pickle.HIGHEST_PROTOCOL)
    partial.replace(path)


MAX_LOADED = 8  # feeds held per process; each is a few MB (a BODS region: see the ADR)
_LOADED: dict[str, Timetable] = {}
_LOADED_LOCK = threading.Lock()


def timetable_load(path: str) -> Timetable:
    """The compiled timetable at `path`, read once per process (each version has its own path).

    The file is our own output, written by `import_gtfs` into TRANSIT_DIR: it is trusted as
    code is (pickle runs what it loads), never a user's upload."""
    with _LOADED_LOCK:
        if path not in _LOADED:
            with open(path, "rb") as handle:
                timetable = pickle.load(handle)  # noqa: S301 - our own file, see docstring
            if getattr(timetable, "version", None) != FORMAT_VERSION:
                raise GtfsError(f"{path} was compiled by another version: re-run import_gtfs")
            if len(_LOADED) >= MAX_LOADED:
                # The oldest loaded: most likely a version a re-import has since replaced.
                del _LOADED[next(iter(_LOADED))]
            _LOADED[path] = timetable
        return _LOADED[path]
