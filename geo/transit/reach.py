"""Where a timetable reaches: whether any feed covers a place, and everywhere from which the
place can be reached by public transport within a journey time (the search area "within 30
minutes of school by bus").

    transit_covers(school)                                    # True: a stop within walking reach
    transit_reach(school, 30, depart_at=time(8), day_kind="weekday", today=today)  # MultiPolygon

The area is measured, not drawn round the stops: a grid of points (REACH_GRID_METRES apart)
inside the feed's extent and the disc no journey could leave, each sent as an origin to one
profile scan towards the place (engine.transit_times, many origins × one destination, leaving at
the place's time); the squares of the points whose journey arrives within the time are merged.
A point within walking distance of the place but of no stop counts when the walk does.
"""

from __future__ import annotations

import math
from datetime import date, time

from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from geo.shapes import as_multipolygon
from geo.transit import engine

# The grid's spacing: a cell is about a 6-minute walk across, finer than the 1 km walk to a stop
# that decides most of the edge. 750 m over a town's feed (30 km across) is about 1,600 points.
REACH_GRID_METRES = 750
# The fastest straight-line progress by bus and coach (as geo/modes.py's disc): beyond it no
# point can be within the time, so none is sent.
REACH_MAX_KMH = 113.0


def transit_covers(point: Point) -> bool:
    """Whether an active feed has a stop within walking distance of the point."""
    return engine.feed_covering(point) is not None


def transit_reach(
    point: Point, minutes: int, *, depart_at: time, day_kind: str, today: date
) -> MultiPolygon | None:
    """Everywhere a journey to `point` leaving at `depart_at` takes at most `minutes`; None
    when no feed covers the point (the caller says so rather than guess)."""
    extent = engine.feed_covering(point)
    if extent is None:
        return None
    grid = _grid(point, minutes, extent)
    if not grid:
        return None
    matrix = engine.transit_times(grid, point, depart_at=depart_at, day_kind=day_kind, today=today)
    half_lat = REACH_GRID_METRES / 2 / 111_320
    half_lon = half_lat / max(math.cos(math.radians(point.y)), 0.01)
    cells = [
        Polygon.from_bbox((p.x - half_lon, p.y - half_lat, p.x + half_lon, p.y + half_lat))
        for p, cell in zip(grid, matrix.cells, strict=True)
        if cell.minutes is not None and cell.minutes <= minutes
    ]
    if not cells:
        return None
    return as_multipolygon(MultiPolygon(cells, srid=4326).unary_union.simplify(half_lat / 4))


def _grid(point: Point, minutes: int, extent: tuple[float, float, float, float]) -> list[Point]:
    radius = minutes * REACH_MAX_KMH * 1000 / 60
    dlat = radius / 111_320
    dlon = dlat / max(math.cos(math.radians(point.y)), 0.01)
    west, south, east, north = extent
    west, east = max(west, point.x - dlon), min(east, point.x + dlon)
    south, north = max(south, point.y - dlat), min(north, point.y + dlat)
    step_lat = REACH_GRID_METRES / 111_320
    step_lon = step_lat / max(math.cos(math.radians(point.y)), 0.01)
    points = []
    y = south
    while y <= north:
        x = west
        while x <= east:
            points.append(Point(x, y, srid=4326))
            x += step_lon
        y += step_lat
    return points
