"""The estimate's range (TRAVEL_ESTIMATE_RANGE_LOW/HIGH) against real road times in Rutland.

The shipped factors were measured by scripts/bench/estimate_error.py on one sample of Rutland's
postcodes; this checks them on another (a different order of the same postcode file), so it
fails if the factors are too narrow for Rutland's roads or wider than the measurement needs.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point

from geo.travel import estimate_minutes, straight_line_metres, travel_times

DATA = Path(settings.BASE_DIR).parent / "shared" / "data"
RUTLAND_CSV = DATA / "postcodes" / "subset_rutland.csv"


def postcode_locations(count: int) -> list[Point]:
    """`count` distinct Rutland postcode locations, ordered by MD5 of "check" + postcode."""
    if not RUTLAND_CSV.is_file():
        pytest.skip(f"No postcode subset at {RUTLAND_CSV}")
    first: dict[tuple[float, float], str] = {}
    with RUTLAND_CSV.open(newline="") as stream:
        for row in csv.DictReader(stream):
            first.setdefault((float(row["lon"]), float(row["lat"])), row["pcd"])
    chosen = sorted(first, key=lambda at: hashlib.md5(("check" + first[at]).encode()).hexdigest())  # noqa: S324
    return [Point(lon, lat, srid=4326) for lon, lat in chosen[:count]]


def test_shipped_range_holds_most_real_road_times_in_rutland(settings, network):
    settings.TRAVEL_ENGINE, settings.TRAVEL_NETWORK = "osrm", network
    points = postcode_locations(100)
    matrix = travel_times(points, points)
    low, high = settings.TRAVEL_ESTIMATE_RANGE_LOW, settings.TRAVEL_ESTIMATE_RANGE_HIGH
    below = inside = above = 0
    for i, origin in enumerate(points):
        for j, destination in enumerate(points):
            if i == j or straight_line_metres(origin, destination) < 2000:
                continue
            cell = matrix.cell(i, j)
            assert not cell.estimated and cell.minutes is not None  # all on Rutland's roads
            ratio = cell.minutes / estimate_minutes(origin, destination)
            if ratio < low:
                below += 1
            elif ratio > high:
                above += 1
            else:
                inside += 1
    pairs = below + inside + above
    assert pairs > 5000  # most of the 9,900 ordered pairs are 2 km apart or more
    # At least 80 % of road times fall in the range, and it is no wider than that needs: some
    # road times fall outside it on each side (p10 and p90 leave out about 10 % each).
    assert inside / pairs >= 0.80
    assert below / pairs >= 0.03
    assert above / pairs >= 0.03
