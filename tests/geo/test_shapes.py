"""Shapes in metres (geo/shapes.py): the cached transformation survives a bad coordinate."""

from __future__ import annotations

import pytest
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import Point

from geo.shapes import circle, to_degrees, to_metres

OAKHAM = Point(-0.7276, 52.6700, srid=4326)


def test_a_point_goes_to_metres_and_back():
    metres = to_metres(OAKHAM)
    assert metres.srid == 27700
    assert 485_000 < metres.x < 487_000 and 308_000 < metres.y < 310_000
    back = to_degrees(metres.clone())
    assert back.srid == 4326
    assert back.distance(OAKHAM) < 1e-6


def test_one_impossible_latitude_fails_alone_and_later_ones_still_transform():
    # The transformation is built once per process (functools.cache); a failure must not leave
    # it unusable for every search after.
    before = to_metres(OAKHAM)
    with pytest.raises(GDALException):
        to_metres(Point(-0.7276, 95.0, srid=4326))
    assert to_metres(OAKHAM).equals_exact(before, tolerance=1e-6)
    # A mile's circle is still a mile's circle: π × (1,609 m)², less 0.2 % for its 64 sides.
    assert to_metres(circle(OAKHAM, 1609.344)).area == pytest.approx(8.137e6 * 0.998, rel=0.002)
