"""Shapes measured in metres on the ground, for points stored in SRID 4326.

Distances are measured in the British National Grid (EPSG:27700), whose metres are true to
within 0.04 % across England; degrees are never used as a distance.
"""

from __future__ import annotations

import functools

from django.contrib.gis.gdal import CoordTransform, SpatialReference
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point, Polygon

BRITISH_NATIONAL_GRID = 27700
METRES_PER_MILE = 1609.344


@functools.cache
def _transform(source: int, target: int) -> CoordTransform:
    """Built once per process: making one from EPSG codes costs milliseconds, and a search
    draws a circle for every place with a travel limit."""
    return CoordTransform(SpatialReference(source), SpatialReference(target))


def to_metres(geometry: GEOSGeometry) -> GEOSGeometry:
    """A copy of a 4326 geometry in British National Grid metres."""
    return geometry.transform(_transform(4326, BRITISH_NATIONAL_GRID), clone=True)


def to_degrees(geometry: GEOSGeometry) -> GEOSGeometry:
    """A British National Grid geometry, in place, back into SRID 4326."""
    geometry.transform(_transform(BRITISH_NATIONAL_GRID, 4326))
    return geometry


def buffered(geometry: GEOSGeometry, metres: float, *, segments: int = 16) -> GEOSGeometry:
    """`geometry` (SRID 4326) grown by `metres` on the ground, in SRID 4326."""
    return to_degrees(to_metres(geometry).buffer(metres, quadsegs=segments))


def circle(centre: Point, metres: float, *, segments: int = 16) -> Polygon:
    """A circle of `metres` around `centre` (SRID 4326), as a 4326 polygon."""
    ring = buffered(centre, metres, segments=segments)
    assert isinstance(ring, Polygon)
    return ring


def as_multipolygon(geometry: GEOSGeometry | None) -> MultiPolygon | None:
    """A polygon or multipolygon (or a union's result) as a MultiPolygon in SRID 4326."""
    if geometry is None or geometry.empty:
        return None
    if isinstance(geometry, Polygon):
        result = MultiPolygon(geometry, srid=geometry.srid or 4326)
    elif isinstance(geometry, MultiPolygon):
        result = geometry
    else:
        polygons = [g for g in geometry if isinstance(g, Polygon)]  # type: ignore[attr-defined]
        result = MultiPolygon(*polygons, srid=geometry.srid or 4326)
    result.srid = 4326
    return result
