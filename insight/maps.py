"""A server-drawn SVG map of postcode districts over the region's member LAs: a circle at each
district's middle, its area in proportion to the count, and its label, so that the picture says
what the table under it says. No tiles, no script, nothing finer than a district.

The projection is plain equirectangular, with longitude shrunk by the cosine of the region's
middle latitude: faithful enough across one English region."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point, Polygon
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 640
PADDING = 24
SIMPLIFY_DEGREES = 0.003  # about 200-300 m: the outline's shape, not its every bend
MAX_RADIUS = 22.0
MIN_RADIUS = 4.0


@dataclass(frozen=True)
class MapArea:
    name: str
    boundary: GEOSGeometry


@dataclass(frozen=True)
class MapDistrict:
    district: str
    point: Point
    count: int | None  # None: fewer than 5, not shown as a number
    label: str  # the count as the table shows it ("12", "fewer than 5")


class _Projection:
    def __init__(self, extent: tuple[float, float, float, float]) -> None:
        xmin, ymin, xmax, ymax = extent
        self.xmin, self.ymax = xmin, ymax
        self.shrink = math.cos(math.radians((ymin + ymax) / 2))
        width = max((xmax - xmin) * self.shrink, 1e-6)
        height = max(ymax - ymin, 1e-6)
        self.scale = (WIDTH - 2 * PADDING) / width
        self.height = round(height * self.scale + 2 * PADDING)

    def xy(self, x: float, y: float) -> tuple[float, float]:
        return (
            round(PADDING + (x - self.xmin) * self.shrink * self.scale, 1),
            round(PADDING + (self.ymax - y) * self.scale, 1),
        )


def _polygons(geometry: GEOSGeometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry]
    if isinstance(geometry, MultiPolygon):
        return [cast(Polygon, polygon) for polygon in geometry]
    return []


def _path(geometry: GEOSGeometry, projection: _Projection) -> str:
    parts = []
    for polygon in _polygons(geometry.simplify(SIMPLIFY_DEGREES, preserve_topology=True)):
        for ring in polygon:
            points = [projection.xy(x, y) for x, y in ring.coords]
            parts.append("M" + "L".join(f"{px},{py}" for px, py in points) + "Z")
    return "".join(parts)


def district_map_svg(
    *,
    areas: Sequence[MapArea],
    districts: Sequence[MapDistrict],
    title: str,
    description: str,
    map_id: str = "unmet-map",
) -> SafeString:
    """The map, or an empty string when there is nothing to draw it on."""
    shapes = [area.boundary for area in areas if area.boundary is not None]
    if not shapes:
        return SafeString("")
    xmin = min(shape.extent[0] for shape in shapes)
    ymin = min(shape.extent[1] for shape in shapes)
    xmax = max(shape.extent[2] for shape in shapes)
    ymax = max(shape.extent[3] for shape in shapes)
    projection = _Projection((xmin, ymin, xmax, ymax))
    largest = max((d.count or 0 for d in districts), default=0) or 1
    outlines = format_html_join(
        "",
        '<path d="{}" fill="#f3f2f1" stroke="#505a5f" stroke-width="1"><title>{}</title></path>',
        ((_path(area.boundary, projection), area.name) for area in areas if area.boundary),
    )
    marks = []
    for district in sorted(districts, key=lambda d: -(d.count or 0)):
        cx, cy = projection.xy(district.point.x, district.point.y)
        # Fewer than 5 is drawn at the smallest size, the same for 1 as for 4.
        share = (district.count or 0) / largest
        radius = round(max(MIN_RADIUS, MAX_RADIUS * math.sqrt(share)), 1)
        marks.append(
            format_html(
                '<g><circle cx="{}" cy="{}" r="{}" fill="#1d70b8" fill-opacity="0.55" '
                'stroke="#003078" stroke-width="1"><title>{}: {}</title></circle>'
                '<text x="{}" y="{}" font-size="11" fill="#0b0c0c">{}</text></g>',
                cx,
                cy,
                radius,
                district.district,
                district.label,
                round(cx + radius + 2, 1),
                round(cy + 4, 1),
                district.district,
            )  # fmt: skip
        )
    return format_html(
        '<svg class="app-insight-map" viewBox="0 0 {} {}" role="img" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>{}{}</svg>',
        WIDTH, projection.height, title, description, outlines, SafeString("".join(marks)),
        id=map_id,
    )  # fmt: skip
