"""Route lines and isochrones by road, on the same network and engine as geo/travel.py.

    route = road_route(school, home)     # RouteLine: line [(lon, lat)…], minutes, estimated
    area = road_isochrone(school, 30)    # MultiPolygon (SRID 4326) or None

`road_route` asks OSRM for the route with its full geometry: in process
(`osrm.RouteParameters(overview="full", geometries="geojson")`) or from `osrm-routed`'s
`/route/v1/driving`, as `settings.TRAVEL_ENGINE` says. Its minutes are the table's minutes for the
same pair (the same weights; checked to a second in tests/geo/test_routes.py). Where the network
does not cover an end (outside its extent, or further than `TRAVEL_SNAP_MAX_METRES` from a road),
where the engine is the estimate, or where the engine fails, the line is straight, the minutes
are the straight-line estimate and `estimated` is True, as in a travel-time table. When both ends
are on the network but no road joins them, `minutes` is None, the line is empty and it is not an
estimate.

`road_isochrone` is "everywhere within N minutes of this point by road": a square grid of cells
(`ISOCHRONE_SPACING_METRES`, 1 km, on the British National Grid) covering the disc no road
journey of N minutes can leave (radius N × `TRAVEL_MAX_KMH`), sent as one travel-time table from
the point (geo/travel.py chunks it). A cell is inside when OSRM's time from the point to its
centre (snapped to the nearest road within `TRAVEL_SNAP_MAX_METRES`) is at most N minutes; the
reachable cells are merged (a GEOS union of squares) and simplified. A cell whose time is an
estimate is never inside: an estimate must not be drawn as if it were routed. So the answer is
None when the point itself is off the network or no network is configured, and the area stops at
the network's edge (for Rutland's extract, Rutland's boundary and a little beyond). Its edge is
as coarse as a cell: a place near it may be a minute or two either side. On a grid of more than
`ISOCHRONE_MAX_CELLS` cells the spacing grows to keep to that many.
"""

from __future__ import annotations

import json
import logging
import math
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, LineString, MultiPolygon, Point, Polygon

from geo import travel

logger = logging.getLogger(__name__)

ISOCHRONE_SPACING_METRES = 1000
ISOCHRONE_MAX_CELLS = 20_000  # about a 1 × 20,000 table: roughly 1 s in process here
BRITISH_NATIONAL_GRID = 27700


@dataclass(frozen=True)
class RouteLine:
    """A route by road: its line as (longitude, latitude) pairs, its minutes (None: no road
    route), whether it is a straight-line estimate, and the engine that answered."""

    line: list[tuple[float, float]]
    minutes: float | None
    estimated: bool
    engine: str
    metres: float | None = None

    def linestring(self) -> LineString | None:
        """The line as a GEOS LineString in SRID 4326 (None with fewer than two points)."""
        if len(self.line) < 2:
            return None
        return LineString(self.line, srid=4326)


def road_route(origin: Point, destination: Point, *, engine: str | None = None) -> RouteLine:
    """The route by road from `origin` to `destination` (SRID 4326), or a straight line marked
    estimated where the network does not reach."""
    for point in (origin, destination):
        if point.srid not in (None, 4326):
            raise ValueError(f"Points must be in SRID 4326, not {point.srid}")
    name = engine or settings.TRAVEL_ENGINE
    ends = [(float(origin.x), float(origin.y)), (float(destination.x), float(destination.y))]
    if name == "osrm":
        extent = travel.network_extent(settings.TRAVEL_NETWORK)
        if extent is not None and not all(extent.covers(Point(*end)) for end in ends):
            return _straight(ends)
        try:
            answer = _osrm_route(settings.TRAVEL_NETWORK, ends)
        except RuntimeError as exc:
            # The binding raises RuntimeError for OSRM's error codes.
            if "NoRoute" in str(exc):
                return RouteLine(line=[], minutes=None, estimated=False, engine=name)
            logger.exception("In-process OSRM route failed; answering with a straight line")
            return _straight(ends)
        return _route_line(answer, ends, name)
    if name == "osrm_http":
        try:
            body = _http_route(settings.TRAVEL_OSRM_URL, ends)
        except (OSError, ValueError, KeyError) as exc:
            logger.warning("OSRM route failed (%s); answering with a straight line", exc)
            return _straight(ends)
        if body.get("code") == "NoRoute":
            return RouteLine(line=[], minutes=None, estimated=False, engine=name)
        if body.get("code") != "Ok":
            logger.warning("OSRM answered %s to a route; a straight line", body.get("code"))
            return _straight(ends)
        return _route_line(body, ends, name)
    travel.get_engine(name)  # an unknown engine is a configuration error, as for tables
    return _straight(ends)


def _straight(ends: list[tuple[float, float]]) -> RouteLine:
    a, b = (Point(*end, srid=4326) for end in ends)
    return RouteLine(
        line=list(ends),
        minutes=travel.estimate_minutes(a, b),
        estimated=True,
        engine="estimate",
        metres=travel.straight_line_metres(a, b),
    )


def _route_line(answer: Any, ends: list[tuple[float, float]], engine: str) -> RouteLine:
    """A route from OSRM's answer (the binding's or osrm-routed's JSON: the same shape)."""
    limit = settings.TRAVEL_SNAP_MAX_METRES
    if any(float(waypoint["distance"]) > limit for waypoint in answer["waypoints"]):
        return _straight(ends)
    route = answer["routes"][0]
    return RouteLine(
        line=[(float(x), float(y)) for x, y in route["geometry"]["coordinates"]],
        minutes=float(route["duration"]) / 60,
        estimated=False,
        engine=engine,
        metres=float(route["distance"]),
    )


def _osrm_route(network: str, ends: list[tuple[float, float]]) -> Any:
    import osrm

    params = osrm.RouteParameters(
        coordinates=ends, overview="full", geometries="geojson", generate_hints=False
    )
    return travel._osrm_instance(network).Route(params)


def _http_route(base_url: str, ends: list[tuple[float, float]]) -> dict[str, Any]:
    base = base_url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ValueError(f"TRAVEL_OSRM_URL must be http(s): {base_url}")
    coordinates = ";".join(f"{x:.6f},{y:.6f}" for x, y in ends)
    url = (
        f"{base}/route/v1/driving/{coordinates}"
        "?overview=full&geometries=geojson&generate_hints=false"
    )
    try:
        with urllib.request.urlopen(url, timeout=settings.TRAVEL_OSRM_TIMEOUT) as response:  # noqa: S310 - http(s) only
            body: dict[str, Any] = json.load(response)
    except urllib.error.HTTPError as exc:
        # osrm-routed answers NoRoute (and other codes) with a 400 and the JSON body.
        body = json.load(exc)
    return body


# --- Isochrones ---------------------------------------------------------------------------------


def road_isochrone(
    point: Point, minutes: int, *, spacing_metres: float = ISOCHRONE_SPACING_METRES
) -> MultiPolygon | None:
    """Everywhere within `minutes` of `point` by road, as a MultiPolygon in SRID 4326; None
    where there is no road network at `point` (never an estimate drawn as if routed)."""
    origin = Point(float(point.x), float(point.y), srid=4326)

    def by_road(centres: Sequence[Point]) -> list[float | None] | None:
        row = travel.travel_times([origin], centres).rows[0]
        if all(cell.estimated for cell in row):
            return None  # the point is off the network (or there is none): nothing was routed
        return [None if cell.estimated else cell.minutes for cell in row]

    return reachable_area(
        point, minutes, max_kmh=settings.TRAVEL_MAX_KMH, spacing_metres=spacing_metres,
        minutes_to=by_road,
    )  # fmt: skip


def reachable_area(
    point: Point,
    minutes: int,
    *,
    max_kmh: float,
    spacing_metres: float,
    minutes_to: Callable[[Sequence[Point]], list[float | None] | None],
    within: tuple[float, float, float, float] | None = None,
) -> MultiPolygon | None:
    """The squares of a grid (`spacing_metres` apart, on the British National Grid) whose
    centres `minutes_to` puts within `minutes`, merged: the grid covers the disc no journey at
    `max_kmh` could leave, and only the part inside `within` (west, south, east, north in
    degrees) when given. `minutes_to` answers each centre (None: not reached) or None when it
    could measure none of them. None when nothing is reached. Used by road and timetable alike.
    """
    if point.srid not in (None, 4326):
        raise ValueError(f"Points must be in SRID 4326, not {point.srid}")
    if minutes <= 0:
        raise ValueError("An isochrone needs a positive number of minutes")
    centre = Point(float(point.x), float(point.y), srid=4326).transform(
        BRITISH_NATIONAL_GRID, clone=True
    )
    assert isinstance(centre, Point)  # noqa: S101 - for mypy: a transformed Point is a Point
    cx, cy = float(centre.x), float(centre.y)
    radius = minutes * max_kmh * 1000 / 60
    # Keep to ISOCHRONE_MAX_CELLS: the disc holds about π r² / spacing² cells.
    spacing = max(float(spacing_metres), radius * math.sqrt(math.pi / ISOCHRONE_MAX_CELLS))
    steps = math.ceil(radius / spacing)
    centres = [
        (cx + i * spacing, cy + j * spacing)
        for i in range(-steps, steps + 1)
        for j in range(-steps, steps + 1)
        if math.hypot(i * spacing, j * spacing) <= radius + spacing / 2
    ]
    points = _in_4326(centres)
    if within is not None:
        west, south, east, north = within
        kept = [
            (c, p)
            for c, p in zip(centres, points, strict=True)
            if west <= p.x <= east and south <= p.y <= north
        ]
        if not kept:
            return None
        centres, points = [c for c, _ in kept], [p for _, p in kept]
    answered = minutes_to(points)
    if answered is None:
        return None
    half = spacing / 2
    # One WKT for all the squares: a GEOS object per square costs more than the union.
    squares = [
        f"(({x - half} {y - half},{x + half} {y - half},{x + half} {y + half},"
        f"{x - half} {y + half},{x - half} {y - half}))"
        for (x, y), reached in zip(centres, answered, strict=True)
        if reached is not None and reached <= minutes
    ]
    if not squares:
        return None
    cells = GEOSGeometry(f"MULTIPOLYGON({','.join(squares)})", srid=BRITISH_NATIONAL_GRID)
    merged = cells.unary_union
    # The union of squares is a staircase; simplifying within a tenth of a cell drops the
    # vertices along its straight runs without moving the edge by more than that.
    area = merged.simplify(spacing / 10, preserve_topology=True)
    area.transform(4326)
    if not area.valid:
        # Squares meeting only at a corner can cross once moved into degrees: mend them.
        area = area.buffer(0)
    if isinstance(area, Polygon):
        area = MultiPolygon([area], srid=4326)
    return area if isinstance(area, MultiPolygon) else None


class _Centre(NamedTuple):
    """A grid cell's centre in SRID 4326; reads like a GEOS Point (.x, .y, .srid) for
    `travel_times`, without a GEOS object for each of thousands of cells."""

    x: float
    y: float
    srid: int = 4326


def _in_4326(centres: list[tuple[float, float]]) -> Sequence[Point]:
    """British National Grid coordinates in SRID 4326, transformed in one GDAL call."""
    count = len(centres)
    line = LineString(centres if count > 1 else centres * 2, srid=BRITISH_NATIONAL_GRID)
    line.transform(4326)
    coordinates = json.loads(line.json)["coordinates"][:count]
    return cast("Sequence[Point]", [_Centre(float(x), float(y)) for x, y in coordinates])
