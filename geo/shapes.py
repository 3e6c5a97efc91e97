"""Shapes measured in metres on the ground, for points stored in SRID 4326.

Distances are measured in the British National Grid (EPSG:27700), whose metres are true to
within 0.04 % across England; degrees are never used as a distance.
"""

from __future__ import annotations

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point, Polygon

BRITISH_NATIONAL_GRID = 27700
METRES_PER_MILE = 1609.344


def circle(centre: Point, metres: float, *, segments: int = 16) -> Polygon:
    """A circle of `metres` around `centre` (SRID 4326), as a 4326 polygon."""
    projected = centre.transform(BRITISH_NATIONAL_GRID, clone=True)
    ring = projected.buffer(metres, quadsegs=segments)
    ring.transform(4326)
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
