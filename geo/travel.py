"""Travel time by road: one interface, three engines chosen by `settings.TRAVEL_ENGINE`.

    matrix = travel_times(origins=[...], destinations=[...])   # GEOS Points, SRID 4326
    matrix.cell(0, 3).minutes, matrix.cell(0, 3).estimated

Engines:

- ``"osrm"``: OSRM in this process (`osrm-bindings` from PyPI, BSD-2), on a network built by
  ``manage.py build_road_network`` (contraction hierarchies). The engine is loaded once per
  process and per network path. The binding holds the GIL while it answers: threads do not
  help, processes do.
- ``"osrm_http"``: the same network served by ``osrm-routed`` (started with
  ``--max-table-size`` raised from its default of 100) at ``settings.TRAVEL_OSRM_URL``. If the
  server cannot be reached or answers with an error, that request gets the estimate, marked
  estimated, and the failure is logged.
- ``"estimate"``: straight-line (great-circle) distance × ``TRAVEL_DETOUR_FACTOR`` (default
  1.3) at ``TRAVEL_ESTIMATE_KMH`` (default 48 km/h, i.e. 30 mph), always marked estimated.
  Together these mean 36.9 km/h of straight-line progress. Measured on this machine against
  OSRM's car profile on 3,352 pairs of random points in Rutland at least 3 km apart, OSRM's
  straight-line progress had a median of 35.3 km/h (quartiles 29.0 and 42.8): the estimate is
  about 4 % quicker than OSRM at the median, and OSRM's free-flow speeds are themselves
  optimistic, so treat it as a rough guide, which is why it is always labelled "estimated".

Coverage: a point outside the extract's bounding box (which ``build_road_network`` writes beside
the network as ``<network>.extent.json``), grown by ``TRAVEL_SNAP_MAX_METRES``, is not sent to
OSRM at all and gets the estimate. Inside it, a point OSRM has to move more than
``TRAVEL_SNAP_MAX_METRES`` (default 1 km) to reach a road is outside the network (London on a
Rutland network snaps 120 km away), so every cell in its row or column gets the estimate, marked
estimated. When both points are on the
network but OSRM finds no route between them (``null``: e.g. an island without a ferry in the
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
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
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


def get_engine(name: str | None = None) -> TravelEngine:
    name = name or settings.TRAVEL_ENGINE
    if name == "estimate":
        return EstimateEngine()
    if name == "osrm":
        if not settings.TRAVEL_NETWORK:
            raise ImproperlyConfigured("TRAVEL_ENGINE is 'osrm' but TRAVEL_NETWORK is not set")
        return OsrmEngine(settings.TRAVEL_NETWORK)
    if name == "osrm_http":
        if not settings.TRAVEL_OSRM_URL:
            raise ImproperlyConfigured(
                "TRAVEL_ENGINE is 'osrm_http' but TRAVEL_OSRM_URL is not set"
            )
        return OsrmHttpEngine(settings.TRAVEL_OSRM_URL)
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


_ENGINES: dict[str, Any] = {}
_ENGINES_LOCK = threading.Lock()


def _osrm_instance(network: str) -> Any:
    """One loaded OSRM per process and network path (loading maps the files; queries are cheap)."""
    with _ENGINES_LOCK:
        if network not in _ENGINES:
            import osrm  # imported here so that the estimate engine never needs the binding

            if not Path(network + ".properties").exists() and not Path(network).exists():
                raise ImproperlyConfigured(f"No OSRM network at {network} (build_road_network)")
            _ENGINES[network] = osrm.OSRM(
                storage_config=network,
                algorithm="CH",
                use_shared_memory=False,
                use_mmap=True,
                max_locations_distance_table=settings.TRAVEL_MAX_TABLE_SIZE,
            )
        return _ENGINES[network]


class OsrmEngine:
    name = "osrm"

    def __init__(self, network: str) -> None:
        self.network = str(network)

    def _fetch(self, origins: Sequence[Point], destinations: Sequence[Point]) -> _OsrmAnswer:
        import osrm

        count = len(origins)
        params = osrm.TableParameters(
            coordinates=_coordinates([*origins, *destinations]),
            sources=list(range(count)),
            destinations=list(range(count, count + len(destinations))),
            generate_hints=False,  # hints are for follow-up requests; they cost ~10 % here
        )
        result = _osrm_instance(self.network).Table(params)
        return _OsrmAnswer(
            durations=[
                [None if s is None else float(s) for s in row] for row in result["durations"]
            ],
            source_snaps=[float(w["distance"]) for w in result["sources"]],
            destination_snaps=[float(w["distance"]) for w in result["destinations"]],
        )

    def table(self, origins: Sequence[Point], destinations: Sequence[Point]) -> TravelMatrix:
        # Points outside the network's extent (with the snapping margin) cannot reach its roads:
        # they get the estimate without being sent, which spares OSRM its slowest work, looking
        # far and wide for a road to snap them to (a national search on a regional network).
        extent = network_extent(self.network)
        inside_o = [i for i, p in enumerate(origins) if extent is None or extent.covers(p)]
        inside_d = [j for j, p in enumerate(destinations) if extent is None or extent.covers(p)]
        if not inside_o or not inside_d:
            return TravelMatrix(rows=_estimate_rows(origins, destinations), engine=self.name)
        sent_o = [origins[i] for i in inside_o]
        sent_d = [destinations[j] for j in inside_d]
        try:
            answer = _table_in_chunks(self._fetch, sent_o, sent_d)
        except RuntimeError:
            # The binding raises RuntimeError for OSRM's error codes (e.g. NoSegment).
            logger.exception("In-process OSRM table failed; answering with estimates")
            return TravelMatrix(rows=_estimate_rows(origins, destinations), engine="estimate")
        routed = _combine(answer, sent_o, sent_d, self.name).rows
        if len(inside_o) == len(origins) and len(inside_d) == len(destinations):
            return TravelMatrix(rows=routed, engine=self.name)
        column = {j: b for b, j in enumerate(inside_d)}
        row_of = {i: a for a, i in enumerate(inside_o)}
        rows = []
        for i, origin in enumerate(origins):
            a = row_of.get(i)
            rows.append(
                [
                    routed[a][column[j]]
                    if a is not None and j in column
                    else TravelTime(estimate_minutes(origin, destination), estimated=True)
                    for j, destination in enumerate(destinations)
                ]
            )
        return TravelMatrix(rows=rows, engine=self.name)


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


@functools.lru_cache(maxsize=8)
def _extent_cached(network: str, mtime: float) -> Extent | None:
    data = json.loads(extent_path(network).read_text())
    return Extent(**data).grown(settings.TRAVEL_SNAP_MAX_METRES)


def network_extent(network: str) -> Extent | None:
    """The extent `build_road_network` wrote beside the network, or None (then every point is
    sent to OSRM, which still says how far it had to move each one)."""
    path = extent_path(network)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    return _extent_cached(network, mtime)


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


class OsrmHttpEngine:
    name = "osrm_http"

    def __init__(self, base_url: str, timeout: float | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = settings.TRAVEL_OSRM_TIMEOUT if timeout is None else timeout

    def _fetch(self, origins: Sequence[Point], destinations: Sequence[Point]) -> _OsrmAnswer:
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
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"TRAVEL_OSRM_URL must be http(s): {self.base_url}")
        with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310 - http(s) only
            body = json.load(response)
        if body.get("code") != "Ok":
            raise ValueError(f"OSRM answered {body.get('code')}: {body.get('message')}")
        return _OsrmAnswer(
            durations=body["durations"],
            source_snaps=[float(w["distance"]) for w in body["sources"]],
            destination_snaps=[float(w["distance"]) for w in body["destinations"]],
        )

    def table(self, origins: Sequence[Point], destinations: Sequence[Point]) -> TravelMatrix:
        try:
            answer = _table_in_chunks(self._fetch, origins, destinations)
        except (OSError, ValueError, KeyError) as exc:
            # URLError and timeouts are OSErrors; an error page or odd JSON is a ValueError.
            logger.warning("OSRM at %s failed (%s); answering with estimates", self.base_url, exc)
            return TravelMatrix(rows=_estimate_rows(origins, destinations), engine="estimate")
        return _combine(answer, origins, destinations, self.name)


# --- Building a network ---------------------------------------------------------------------


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
    name = pbf.name
    for suffix in (".osm.pbf", ".pbf"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return pbf.stem


@dataclass
class NetworkBuildStep:
    name: str
    command: list[str]
    seconds: float = 0.0
    peak_rss_mb: float = 0.0


@dataclass
class NetworkBuildSummary:
    pbf: str
    input_bytes: int
    out: str
    network: str  # the base path: TRAVEL_NETWORK and osrm-routed take this
    committed: bool
    replaced_files: int
    steps: list[NetworkBuildStep] = field(default_factory=list)
    # The extract's declared bounding box, written beside the network: points outside it are
    # estimated without asking OSRM.
    extent: dict[str, float] | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def road_network_build(
    *, pbf: Path, out: Path | None, commit: bool, profile: str = "car"
) -> NetworkBuildSummary:
    """Build an OSRM car network (CH) from an OpenStreetMap extract: extract, then contract.
    `profile` "foot" builds a walking network instead (geo/transit/ uses one for walks).

    Without `commit`, says what it would do and writes nothing. Earlier `<name>.osrm*` files in
    the output folder are removed first: OSRM's MLD steps run over CH files leave them unusable,
    so each folder holds one pipeline's output only.
    """
    if not pbf.is_file():
        raise RoadNetworkError(f"No OpenStreetMap extract at {pbf}")
    name = network_name(pbf)
    out = out or Path(settings.BASE_DIR) / "var" / "osrm" / name
    base = out / f"{name}.osrm"
    existing = sorted(out.glob(f"{name}.osrm*")) if out.is_dir() else []
    threads = str(os.cpu_count() or 2)
    summary = NetworkBuildSummary(
        pbf=str(pbf),
        input_bytes=pbf.stat().st_size,
        out=str(out),
        network=str(base),
        committed=commit,
        replaced_files=len(existing),
        steps=[
            NetworkBuildStep(
                "extract",
                [
                    str(osrm_tool("osrm-extract")),
                    "-p",
                    str(car_profile() if profile == "car" else osrm_profile(profile)),
                    "-t",
                    threads,
                    "-o",
                    str(out / name),
                    str(pbf),
                ],
            ),  # fmt: skip
            NetworkBuildStep(
                "contract", [str(osrm_tool("osrm-contract")), "-t", threads, str(base)]
            ),
        ],
    )
    if not commit:
        return summary
    out.mkdir(parents=True, exist_ok=True)
    for path in existing:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    for step in summary.steps:
        step.seconds, step.peak_rss_mb = _run_measured(step.command)
    extent = pbf_extent(pbf)
    if extent is not None:
        extent_path(str(base)).write_text(json.dumps(asdict(extent)))
    summary.extent = asdict(extent) if extent is not None else None
    return summary


# A child's peak memory as the kernel reports it includes the memory of the process it was
# started from (here Django, ~120 MB): a small Python in between starts the OSRM program and
# reports that program's own peak as its last line.
_MEASURE = (
    "import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
    "print(f'peak_rss_kb={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}'); "
    "sys.exit(code)"
)


def _run_measured(command: list[str]) -> tuple[float, float]:
    """Run one OSRM program; return its wall time and its own peak memory (MB)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        process = subprocess.run(  # noqa: S603 - our own argument list, no shell
            [sys.executable, "-c", _MEASURE, *command],
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
        log.seek(0)
        output = log.read().decode(errors="replace")
    if process.returncode != 0:
        tail = output[-2000:]
        raise RoadNetworkError(f"{Path(command[0]).name} failed ({process.returncode}):\n{tail}")
    last = output.strip().rsplit("\n", 1)[-1]
    peak_kb = int(last.removeprefix("peak_rss_kb=")) if last.startswith("peak_rss_kb=") else 0
    return round(time.perf_counter() - started, 2), round(peak_kb / 1024, 1)
