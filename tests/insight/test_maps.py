"""The district map draws what its table says, and nothing finer than a district."""

from __future__ import annotations

import re

from django.contrib.gis.geos import Point

from insight.maps import MAX_RADIUS, MIN_RADIUS, MapArea, MapDistrict, district_map_svg
from tests.factories import square


def test_circles_grow_with_the_count_and_fewer_than_5_is_the_smallest():
    svg = district_map_svg(
        areas=[MapArea("Rutland", square(-0.8, 52.5, 0.4))],
        districts=[
            MapDistrict("LE15", Point(-0.7, 52.7, srid=4326), 16, "16"),
            MapDistrict("LE16", Point(-0.6, 52.6, srid=4326), 4, "4"),
            MapDistrict("PE9", Point(-0.5, 52.6, srid=4326), None, "fewer than 5"),
        ],
        title="Where unmet demand is",
        description="Three districts",
    )

    radii = {name: float(r) for r, name in re.findall(r' r="([\d.]+)"[^>]*><title>(\w+):', svg)}
    # Area in proportion: 4 of 16 is a quarter of the area, half the radius.
    assert radii["LE15"] == MAX_RADIUS
    assert radii["LE16"] == MAX_RADIUS / 2
    assert radii["PE9"] == MIN_RADIUS
    assert "PE9: fewer than 5" in svg and 'role="img"' in svg
    assert '<title id="unmet-map-title">Where unmet demand is</title>' in svg
    assert "<path" in svg and "Rutland" in svg


def test_names_are_escaped_and_no_area_means_no_map():
    svg = district_map_svg(
        areas=[MapArea("<b>A</b>", square(0, 52, 0.1))],
        districts=[],
        title="T & <i>",
        description="D",
    )
    assert "&lt;b&gt;A&lt;/b&gt;" in svg and "T &amp; &lt;i&gt;" in svg
    assert district_map_svg(areas=[], districts=[], title="T", description="D") == ""
