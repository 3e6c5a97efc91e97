"""Travel time by road: one interface, three engines chosen by `settings.TRAVEL_ENGINE`.

    matrix = travel_times(origins=[...], destinations=[...])   # GEOS Points, SRID 4326
    matrix.cell(0, 3).minutes, matrix.cell(0, 3).estimated

Engines:

- ``"osrm"``: OSRM in this process (`osrm-bindings` from PyPI, BSD-2), on the networks in
  ``TRAVEL_NETWORKS`` (``TRAVEL_NETWORK`` is a one-item list) built by ``manage.py
  build_road_network`` (contraction hierarchies; geo/road_networks.py). Each network is loaded
  once per process and per version: it is keyed by where its ``current`` symlink points, read
  again every ``TRAVEL_NETWORK_RECHECK_SECONDS``, so a rebuilt network is served without a
  restart. The binding holds the GIL while it answers: threads do not help, processes do.
- ``"osrm_http"``: the same networks served by ``osrm-routed`` (started with
  ``--max-table-size`` raised from its default of 100), one per region, at
  ``settings.TRAVEL_OSRM_URLS`` (``URL|EXTENT_FILE`` items; ``TRAVEL_OSRM_URL`` is one bare URL).
  If a server cannot be reached or answers with an error, its pairs get the estimate, marked
  estimated, and the failure is logged.
- ``"estimate"``: straight-line (great-circle) distance × ``TRAVEL_DETOUR_FACTOR`` (default
  1.3) at ``TRAVEL_ESTIMATE_KMH`` (default 48 km/h, i.e. 30 mph), always marked estimated.
  Together these mean 36.9 km/h of straight-line progress. Measured on this machine against
  OSRM's car profile on 3,352 pairs of random points in Rutland at least 3 km apart, OSRM's
  straight-line progress had a median of 35.3 km/h (quartiles 29.0 and 42.8): the estimate is
  about 4 % quicker than OSRM at the median, and OSRM's free-flow speeds are themselves
  optimistic, so treat it as a rough guide, which is why it is always labelled "estimated".

Coverage: each origin × destination pair goes to the first network whose extent (the bounding box
``build_road_network`` writes beside it as ``<network>.extent.json``, grown by
``TRAVEL_SNAP_MAX_METRES``) covers both points, with one table request per network; a pair no
network covers is not sent to OSRM at all and gets the estimate. Inside it, a point OSRM has to
move more than ``TRAVEL_SNAP_MAX_METRES`` (default 1 km) to reach a road is outside the network
(London on a Rutland network snaps 120 km away), so every cell of that network's pairs in its row
or column gets the estimate, marked estimated. When both points are on the network but OSRM
finds no route between them (``null``: e.g. an island without a ferry in the
profile), the cell is unreachable: ``minutes`` is None and it is not an estimate.

Cost grows with the number of destinations (about 50 µs each here, CH); extra origins are nearly
free, so ask for many origins × many destinations in one call.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol, cast

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

ENGINES = ("osrm", "osrm_http", "estimate")
EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius


@dataclass(frozen=True)
class TravelTime:
    """One origin × destination cell. `minutes` is None only when no road route exists."""

    minutes: float | None
    estimated: bool


@dataclass(frozen=True)
class TravelMatrix:
    """Travel times, `rows[origin][destination]`, and the engine that answered."""

    rows: list[list[TravelTime]]
    engine: str

    def cell(self, origin: int, destination: int) -> TravelTime:
        return self.rows[origin][destination]

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.rows), len(self.rows[0]) if self.rows else 0

    @property
    def any_estimated(self) -> bool:
        return any(cell.estimated for row in self.rows for cell in row)


class TravelEngine(Protocol):
    name: str

    def table(self, origins: Sequence[Point], destinations: Sequence[Point]) -> TravelMatrix: ...


def travel_times(
    origins: Sequence[Point], destinations: Sequence[Point], *, engine: str | None = None
) -> TravelMatrix:
    """Minutes by road from each origin to each destination, with the engine from settings."""
    for point in (*origins, *destinations):
        if point.srid not in (None, 4326):
            raise ValueError(f"Points must be in SRID 4326, not {point.srid}")
    if not origins or not destinations:
        return TravelMatrix(rows=[[] for _ in origins], engine=engine or settings.TRAVEL_ENGINE)
    # Plain floats from here on: reading a GEOS point's x or y crosses into C each time, which
    # for a 1 × 1,000 table cost more than a third of OSRM's own time.
    return get_engine(engine).table(_plain(origins), _plain(destinations))


class _XY(NamedTuple):
    """A point's longitude and latitude as plain floats; reads like a GEOS Point (.x, .y)."""

    x: float
    y: float


def _plain(points: Sequence[Point]) -> Sequence[Point]:
    return cast("Sequence[Point]", [_XY(float(p.x), float(p.y)) for p in points])


def _setting_list(value: str | Sequence[str]) -> list[str]:
    items = value.split(",") if isinstance(value, str) else value
    return [item.strip() for item in items if item and item.strip()]


def configured_networks() -> list[str]:
    """`TRAVEL_NETWORKS`, else `TRAVEL_NETWORK` as a one-item list."""
    return _setting_list(settings.TRAVEL_NETWORKS) or _setting_list(settings.TRAVEL_NETWORK)


def configured_osrm_urls() -> list[str]:
    """`TRAVEL_OSRM_URLS`, else `TRAVEL_OSRM_URL` as a one-item list."""
    return _setting_list(settings.TRAVEL_OSRM_URLS) or _setting_list(settings.TRAVEL_OSRM_URL)


def get_engine(name: str | None = None) -> TravelEngine:
    name = name or settings.TRAVEL_ENGINE
    if name == "estimate":
        return EstimateEngine()
    if name == "osrm":
        networks = configured_networks()
        if not networks:
            raise ImproperlyConfigured(
                "TRAVEL_ENGINE is 'osrm' but neither TRAVEL_NETWORKS nor TRAVEL_NETWORK is set"
            )
        return OsrmEngine(networks)
    if name == "osrm_http":
        urls = configured_osrm_urls()
        if not urls:
            raise ImproperlyConfigured(
                "TRAVEL_ENGINE is 'osrm_http' but neither TRAVEL_OSRM_URLS nor TRAVEL_OSRM_URL "
                "is set"
            )
        return OsrmHttpEngine(urls)
    raise ImproperlyConfigured(f"TRAVEL_ENGINE must be one of {', '.join(ENGINES)}, not {name!r}")


# --- Estimate -----------------------------------------------------------------------------------


def straight_line_metres(a: Point, b: Point) -> float:
    """Great-circle (haversine) distance in metres; within 0.5 % of the ellipsoid in England."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a.x, a.y, b.x, b.y))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def estimate_minutes(a: Point, b: Point) -> float:
    road_metres = straight_line_metres(a, b) * settings.TRAVEL_DETOUR_FACTOR
    metres_per_minute = settings.TRAVEL_ESTIMATE_KMH * 1000 / 60
    return road_metres / metres_per_minute


class EstimateEngine:
    name = "estimate"

    def table(self, origins: Sequence[Point], destinations: Sequence[Point]) -> TravelMatrix:
        return TravelMatrix(rows=_estimate_rows(origins, destinations), engine=self.name)


def _estimate_rows(
    origins: Sequence[Point], destinations: Sequence[Point]
) -> list[list[TravelTime]]:
    return [
        [TravelTime(estimate_minutes(o, d), estimated=True) for d in destinations] for o in origins
    ]


# --- OSRM (both ways of calling it share the answer's interpretation) ----------------------------


@dataclass
class _OsrmAnswer:
    durations: list[list[float | None]]  # seconds
    source_snaps: list[float]  # metres each origin was moved to reach a road
    destination_snaps: list[float]


def _combine(
    answer: _OsrmAnswer, origins: Sequence[Point], destinations: Sequence[Point], engine: str
) -> TravelMatrix:
    limit = settings.TRAVEL_SNAP_MAX_METRES
    rows: list[list[TravelTime]] = []
    for i, origin in enumerate(origins):
        row = []
        for j, destination in enumerate(destinations):
            seconds = answer.durations[i][j]
            if answer.source_snaps[i] > limit or answer.destination_snaps[j] > limit:
                row.append(TravelTime(estimate_minutes(origin, destination), estimated=True))
            elif seconds is None:
                row.append(TravelTime(None, estimated=False))
            else:
                row.append(TravelTime(float(seconds) / 60, estimated=False))
        rows.append(row)
    return TravelMatrix(rows=rows, engine=engine)


def _chunks(count_origins: int, count_destinations: int) -> list[range]:
    """Destination ranges small enough that origins + destinations fit in one table request."""
    size = settings.TRAVEL_MAX_TABLE_SIZE - count_origins
    if size < 1:
        raise ValueError(
            f"{count_origins} origins leave no room in TRAVEL_MAX_TABLE_SIZE "
            f"({settings.TRAVEL_MAX_TABLE_SIZE})"
        )
    return [
        range(start, min(start + size, count_destinations))
        for start in range(0, count_destinations, size)
    ]


def _table_in_chunks(
    fetch: Any, origins: Sequence[Point], destinations: Sequence[Point]
) -> _OsrmAnswer:
    answer = _OsrmAnswer(durations=[[] for _ in origins], source_snaps=[], destination_snaps=[])
    for chunk in _chunks(len(origins), len(destinations)):
        part: _OsrmAnswer = fetch(origins, [destinations[j] for j in chunk])
        for i, row in enumerate(part.durations):
            answer.durations[i].extend(row)
        answer.source_snaps = part.source_snaps
        answer.destination_snaps.extend(part.destination_snaps)
    return answer


def _coordinates(points: Sequence[Point]) -> list[tuple[float, float]]:
    return [(float(p.x), float(p.y)) for p in points]


_ENGINES: dict[str, tuple[str, Any]] = {}  # configured path -> (resolved path, loaded OSRM)
_ENGINES_LOCK = threading.Lock()
_RESOLVED: dict[str, tuple[float, str]] = {}  # configured path -> (checked at, resolved path)


def resolved_network(network: str) -> str:
    """The network's real base path, through the `current` symlink that `build_road_network`
    swaps: read again at most every `TRAVEL_NETWORK_RECHECK_SECONDS`, so that a rebuilt network
    is picked up without a restart at the cost of a few `lstat` calls now and then."""
    now = time.monotonic()
    seen = _RESOLVED.get(network)
    if seen is not None and now - seen[0] < settings.TRAVEL_NETWORK_RECHECK_SECONDS:
        return seen[1]
    resolved = os.path.realpath(network)
    _RESOLVED[network] = (now, resolved)
    return resolved


def _osrm_instance(network: str) -> Any:
    """One loaded OSRM per process and network, keyed by the network's resolved path: loading
    maps the files (queries are cheap); after a swap the next call loads the new version. Calls
    still under way on the old one hold their own reference to it."""
    resolved = resolved_network(network)
    with _ENGINES_LOCK:
        loaded = _ENGINES.get(network)
        if loaded is None or loaded[0] != resolved:
            import osrm  # imported here so that the estimate engine never needs the binding

            if not Path(resolved + ".properties").exists() and not Path(resolved).exists():
                raise ImproperlyConfigured(f"No OSRM network at {network} (build_road_network)")
            instance = osrm.OSRM(
                storage_config=resolved,
                algorithm="CH",
                use_shared_memory=False,
                use_mmap=True,
                max_locations_distance_table=settings.TRAVEL_MAX_TABLE_SIZE,
            )
            if loaded is not None:
                logger.info("Road network %s: now %s (was %s)", network, resolved, loaded[0])
            _ENGINES[network] = (resolved, instance)
        return _ENGINES[network][1]


class _Network(Protocol):
    """One road network an engine can ask: where it is, and how to ask it."""

    label: str

    def extent(self) -> Extent | None: ...

    def fetch(self, origins: Sequence[Point], destinations: Sequence[Point]) -> _OsrmAnswer: ...


class _LocalNetwork:
    def __init__(self, network: str) -> None:
        self.label = network

    def extent(self) -> Extent | None:
        # The extent of the version being served, not of one swapped in since the last check.
        return network_extent(resolved_network(self.label))

    def fetch(self, origins: Sequence[Point], destinations: Sequence[Point]) -> _OsrmAnswer:
        import osrm

        count = len(origins)
        params = osrm.TableParameters(
            coordinates=_coordinates([*origins, *destinations]),
            sources=list(range(count)),
            destinations=list(range(count, count + len(destinations))),
            generate_hints=False,  # hints are for follow-up requests; they cost ~10 % here
        )
        result = _osrm_instance(self.label).Table(params)
        return _OsrmAnswer(
            durations=[
                [None if s is None else float(s) for s in row] for row in result["durations"]
            ],
            source_snaps=[float(w["distance"]) for w in result["sources"]],
            destination_snaps=[float(w["distance"]) for w in result["destinations"]],
        )


def _table_by_network(
    networks: Sequence[_Network],
    origins: Sequence[Point],
    destinations: Sequence[Point],
    *,
    engine: str,
    failures: tuple[type[Exception], ...],
) -> TravelMatrix:
    """Each origin × destination pair on the first network whose extent covers both points, one
    table request (per chunk) per network; pairs no network covers get the estimate.

    Points outside a network's extent (with the snapping margin) cannot reach its roads and are
    not sent to it, which spares OSRM its slowest work, looking far and wide for a road to snap
    them to. A network whose extent is unknown covers every point. A network that fails answers
    its pairs with estimates (logged); if every network asked failed, the matrix's engine is
    "estimate", as it is when the only network fails.
    """
    claimed = [[False] * len(destinations) for _ in origins]
    answers: list[tuple[dict[int, int], list[int], list[list[TravelTime]]]] = []
    asked = failed = 0
    for network in networks:
        extent = network.extent()
        inside_o = [i for i, p in enumerate(origins) if extent is None or extent.covers(p)]
        inside_d = [j for j, p in enumerate(destinations) if extent is None or extent.covers(p)]
        # Only pairs an earlier network has not taken: with overlapping extents the first wins.
        inside_o = [i for i in inside_o if not all(claimed[i][j] for j in inside_d)]
        if not inside_o or not inside_d:
            continue
        sent_o = [origins[i] for i in inside_o]
        sent_d = [destinations[j] for j in inside_d]
        asked += 1
        try:
            answer = _table_in_chunks(network.fetch, sent_o, sent_d)
        except failures as exc:
            failed += 1
            logger.warning(
                "OSRM on %s failed (%s); answering with estimates for its pairs", network.label, exc
            )
            continue
        for i in inside_o:
            for j in inside_d:
                claimed[i][j] = True
        column = [-1] * len(destinations)
        for b, j in enumerate(inside_d):
            column[j] = b
        answers.append(
            (
                {i: a for a, i in enumerate(inside_o)},
                column,
                _combine(answer, sent_o, sent_d, engine).rows,
            )
        )
    name = "estimate" if asked and failed == asked else engine
    if len(answers) == 1 and len(answers[0][0]) == len(origins) and -1 not in answers[0][1]:
        return TravelMatrix(rows=answers[0][2], engine=name)  # one network took every pair
    rows = []
    for i, origin in enumerate(origins):
        row = []
        for j, destination in enumerate(destinations):
            for row_of, column, routed in answers:
                a = row_of.get(i)
                if a is not None and column[j] >= 0:
                    row.append(routed[a][column[j]])
                    break
            else:
                row.append(TravelTime(estimate_minutes(origin, destination), estimated=True))
        rows.append(row)
    return TravelMatrix(rows=rows, engine=name)


class OsrmEngine:
    """In-process OSRM on one or more networks (base paths, e.g. `…/current/<name>.osrm`)."""

    name = "osrm"

    def __init__(self, networks: str | Sequence[str]) -> None:
        paths = [networks] if isinstance(networks, str | Path) else list(networks)
        self.networks: list[_Network] = [_LocalNetwork(str(p)) for p in paths]

    @property
    def network(self) -> str:
        return self.networks[0].label

    def table(self, origins: Sequence[Point], destinations: Sequence[Point]) -> TravelMatrix:
        # The binding raises RuntimeError for OSRM's error codes (e.g. NoSegment).
        return _table_by_network(
            self.networks, origins, destinations, engine=self.name, failures=(RuntimeError,)
        )


# --- The network's extent ---------------------------------------------------------------------


@dataclass(frozen=True)
class Extent:
    """A network's bounding box in degrees, grown by the snapping margin."""

    west: float
    south: float
    east: float
    north: float

    def covers(self, point: Point) -> bool:
        return self.west <= point.x <= self.east and self.south <= point.y <= self.north

    def grown(self, metres: float) -> Extent:
        dlat = metres / 111_320
        dlon = metres / (
            111_320 * max(math.cos(math.radians(max(abs(self.south), abs(self.north)))), 0.01)
        )
        return Extent(self.west - dlon, self.south - dlat, self.east + dlon, self.north + dlat)


def extent_path(network: str) -> Path:
    return Path(f"{network}.extent.json")


@functools.lru_cache(maxsize=32)
def _extent_cached(path: str, mtime_ns: int, inode: int) -> Extent | None:
    data = json.loads(Path(path).read_text())
    return Extent(**data).grown(settings.TRAVEL_SNAP_MAX_METRES)


def extent_file(path: Path) -> Extent | None:
    """The extent in a `.extent.json` file, grown by the snapping margin; None if there is none.
    Read again only when the file changes (a rebuilt network writes a new one)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return _extent_cached(str(path), stat.st_mtime_ns, stat.st_ino)


def network_extent(network: str) -> Extent | None:
    """The extent `build_road_network` wrote beside the network, or None (then every point is
    sent to OSRM, which still says how far it had to move each one)."""
    return extent_file(extent_path(network))


def graph_extent(network: str) -> Extent | None:
    """The bounding box of the road graph's nodes, read from OSRM's `.nbg_nodes` (a tar holding
    the coordinates as pairs of little-endian int32 microdegrees): for extracts whose header
    declares no box (Newport's). None when the file cannot be read."""
    import array
    import tarfile

    try:
        with tarfile.open(f"{network}.nbg_nodes") as archive:
            member = archive.extractfile("/common/nbn_data/coordinates")
            data = member.read() if member is not None else b""
    except (OSError, KeyError, tarfile.TarError):
        return None
    values = array.array("i")
    values.frombytes(data[: len(data) // 8 * 8])
    if sys.byteorder != "little":
        values.byteswap()
    if not values:
        return None
    lons, lats = values[0::2], values[1::2]
    return Extent(min(lons) / 1e6, min(lats) / 1e6, max(lons) / 1e6, max(lats) / 1e6)


def _varint(buffer: bytes, at: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        byte = buffer[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, at
        shift += 7


def _protobuf_fields(buffer: bytes) -> dict[int, Any]:
    """The top-level fields of a protobuf message (last value wins), enough to read a header."""
    fields: dict[int, Any] = {}
    at = 0
    while at < len(buffer):
        key, at = _varint(buffer, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            fields[number], at = _varint(buffer, at)
        elif wire == 2:
            length, at = _varint(buffer, at)
            fields[number] = buffer[at : at + length]
            at += length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            fields[number] = buffer[at : at + size]
            at += size
        else:
            raise ValueError(f"Unsupported protobuf wire type {wire}")
    return fields


def pbf_extent(pbf: Path) -> Extent | None:
    """The bounding box an OpenStreetMap extract declares in its header (Geofabrik's and
    osmium's extracts do), or None when it declares none or cannot be read."""
    import struct
    import zlib

    def zigzag(value: int) -> int:
        return (value >> 1) ^ -(value & 1)

    try:
        with pbf.open("rb") as stream:
            (size,) = struct.unpack(">I", stream.read(4))
            header = _protobuf_fields(stream.read(size))
            if header.get(1) != b"OSMHeader":
                return None
            blob = _protobuf_fields(stream.read(header[3]))
        data = zlib.decompress(blob[3]) if 3 in blob else blob[1]
        box = _protobuf_fields(_protobuf_fields(data)[1])
        west, east, north, south = (zigzag(box[k]) / 1e9 for k in (1, 2, 3, 4))
    except (OSError, KeyError, ValueError, IndexError, struct.error, zlib.error):
        return None
    return Extent(west=west, south=south, east=east, north=north)


class _HttpNetwork:
    """One `osrm-routed`, given as `URL` or `URL|EXTENT_FILE` (its `.extent.json`)."""

    def __init__(self, spec: str, timeout: float) -> None:
        url, _, extent = spec.partition("|")
        self.base_url = url.strip().rstrip("/")
        self.label = self.base_url
        self.extent_file = Path(extent.strip()) if extent.strip() else None
        self.timeout = timeout
        if not self.base_url.startswith(("http://", "https://")):
            raise ImproperlyConfigured(f"An OSRM URL must be http(s): {self.base_url}")

    def extent(self) -> Extent | None:
        if self.extent_file is None:
            return None
        extent = extent_file(self.extent_file)
        if extent is None:
            # Configured but unreadable: ask it anyway (it still says how far each point moved).
            logger.warning("No extent at %s for %s", self.extent_file, self.base_url)
        return extent

    def fetch(self, origins: Sequence[Point], destinations: Sequence[Point]) -> _OsrmAnswer:
        count = len(origins)
        coordinates = ";".join(
            f"{x:.6f},{y:.6f}" for x, y in _coordinates([*origins, *destinations])
        )
        sources = ";".join(str(i) for i in range(count))
        targets = ";".join(str(i) for i in range(count, count + len(destinations)))
        url = (
            f"{self.base_url}/table/v1/driving/{coordinates}"
            f"?sources={sources}&destinations={targets}&generate_hints=false"
        )
        with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310 - http(s) only
            body = json.load(response)
        if body.get("code") != "Ok":
            raise ValueError(f"OSRM answered {body.get('code')}: {body.get('message')}")
        return _OsrmAnswer(
            durations=body["durations"],
            source_snaps=[float(w["distance"]) for w in body["sources"]],
            destination_snaps=[float(w["distance"]) for w in body["destinations"]],
        )


class OsrmHttpEngine:
    """`osrm-routed` servers, one per region: `TRAVEL_OSRM_URLS` items are `URL|EXTENT_FILE`
    (or a bare `URL`, which covers every point, as a single server always has)."""

    name = "osrm_http"

    def __init__(self, base_urls: str | Sequence[str], timeout: float | None = None) -> None:
        timeout = settings.TRAVEL_OSRM_TIMEOUT if timeout is None else timeout
        specs = [base_urls] if isinstance(base_urls, str) else list(base_urls)
        self.networks: list[_Network] = [_HttpNetwork(spec, timeout) for spec in specs]

    def table(self, origins: Sequence[Point], destinations: Sequence[Point]) -> TravelMatrix:
        # URLError and timeouts are OSErrors; an error page or odd JSON is a ValueError.
        return _table_by_network(
            self.networks,
            origins,
            destinations,
            engine=self.name,
            failures=(OSError, ValueError, KeyError),
        )


# --- The OSRM programs and profile (geo/road_networks.py builds networks with them) -----------


class RoadNetworkError(Exception):
    """The network cannot be built; the message says why, for the person running the command."""


def osrm_package_dir() -> Path:
    """The installed osrm-bindings package, which ships the OSRM programs and profiles."""
    import importlib.util

    spec = importlib.util.find_spec("osrm")
    if spec is None or spec.origin is None:
        raise RoadNetworkError("osrm-bindings is not installed (uv sync)")
    return Path(spec.origin).parent


def osrm_tool(name: str) -> Path:
    path = osrm_package_dir() / "bin" / name
    if not path.is_file():
        raise RoadNetworkError(f"{name} is not in the osrm-bindings package at {path.parent}")
    return path


def car_profile() -> Path:
    return osrm_profile("car")


def osrm_profile(name: str) -> Path:
    """One of the profiles osrm-bindings ships: "car" (roads), "foot" (walking), "bicycle"."""
    path = osrm_package_dir() / "share" / "profiles" / f"{name}.lua"
    if not path.is_file():
        raise RoadNetworkError(f"No OSRM profile {name!r} at {path.parent}")
    return path


def network_name(pbf: Path) -> str:
    """An extract's name: its file name without `.osm.pbf` (a URL's last path segment)."""
    name = pbf.name
    for suffix in (".osm.pbf", ".pbf"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return pbf.stem
