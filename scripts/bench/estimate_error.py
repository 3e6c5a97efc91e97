"""How wrong the straight-line estimate is, measured against OSRM on the Rutland network.

    python scripts/bench/estimate_error.py NETWORK   # run.py runs it after build_road_network

NETWORK is the Rutland road network (…/rutland-latest-2021.osrm). The database is not used.

The points: Rutland's postcodes in the ONS Postcode Directory subset
(`../shared/data/postcodes/subset_rutland.csv`, 1,619 postcodes), one per distinct location (a
postcode's latitude and longitude; several postcodes often share one), ordered by the MD5 of
`"estimate-error"` + the first postcode at that location, the first POINTS of them. The pairs:
every ordered pair of those points (A to B and B to A: road times are not symmetric), leaving
out pairs less than MIN_METRES apart in a straight line (short trips are dominated by getting
onto the road network, and people read them as "a few minutes" anyway) and pairs with an end
OSRM marks as off its roads. For each pair: OSRM's minutes ÷ the estimate's minutes
(geo/travel.py), whose p10 and p90 are `TRAVEL_ESTIMATE_RANGE_LOW`/`_HIGH` (config/settings).

Also `road_isochrone` (geo/routes.py) from Oakham for 15 and 30 minutes: the median of RUNS calls
after a warm-up.

One JSON line per figure on stdout; docs/benchmarks.md says what each measures.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.gis.geos import Point  # noqa: E402

from geo.routes import road_isochrone  # noqa: E402
from geo.travel import estimate_minutes, straight_line_metres, travel_times  # noqa: E402

RUTLAND_POSTCODES = ROOT.parent / "shared" / "data" / "postcodes" / "subset_rutland.csv"
SALT = "estimate-error"
POINTS = 100  # 100 × 99 = 9,900 ordered pairs before the short ones are left out
MIN_METRES = 2000
QUANTILES = (0.10, 0.25, 0.50, 0.75, 0.90)
OAKHAM = Point(-0.7286, 52.6707, srid=4326)
RUNS = 10


def percentile(values: list[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def sample_points(path: Path, count: int, salt: str) -> list[Point]:
    """`count` distinct postcode locations from an ONSPD subset, the same in every run."""
    first_postcode: dict[tuple[float, float], str] = {}
    with path.open(newline="") as stream:
        for row in csv.DictReader(stream):
            location = (float(row["lon"]), float(row["lat"]))
            first_postcode.setdefault(location, row["pcd"])

    def order(location: tuple[float, float]) -> str:
        return hashlib.md5((salt + first_postcode[location]).encode()).hexdigest()  # noqa: S324 - an order, not a secret

    chosen = sorted(first_postcode, key=order)[:count]
    return [Point(lon, lat, srid=4326) for lon, lat in chosen]


def ratios(points: list[Point], min_metres: float) -> tuple[list[float], int]:
    """Routed ÷ estimated minutes for every ordered pair at least `min_metres` apart and on the
    network; and how many pairs were left out because an end is off the network."""
    matrix = travel_times(points, points)
    found, off_network = [], 0
    for i, origin in enumerate(points):
        for j, destination in enumerate(points):
            if i == j or straight_line_metres(origin, destination) < min_metres:
                continue
            cell = matrix.cell(i, j)
            if cell.estimated or cell.minutes is None:
                off_network += 1
                continue
            found.append(cell.minutes / estimate_minutes(origin, destination))
    return found, off_network


def emit(figure: dict[str, Any]) -> None:
    print(json.dumps(figure), flush=True)


def estimate_error() -> None:
    points = sample_points(RUTLAND_POSTCODES, POINTS, SALT)
    found, off_network = ratios(points, MIN_METRES)
    low, high = settings.TRAVEL_ESTIMATE_RANGE_LOW, settings.TRAVEL_ESTIMATE_RANGE_HIGH
    inside = sum(1 for r in found if low <= r <= high)
    emit(
        {
            "name": "travel_estimate_error_rutland",
            "points": len(points),
            "pairs": len(found),
            "off_network_pairs": off_network,
            **{f"ratio_p{round(q * 100)}": round(percentile(found, q), 3) for q in QUANTILES},
            "range_low": low,
            "range_high": high,
            "inside_range_share": round(inside / len(found), 3),
        }
    )


def isochrones() -> None:
    for minutes in (15, 30):
        road_isochrone(OAKHAM, minutes)  # warm-up (and, the first time, loading the network)
        timings = []
        for _ in range(RUNS):
            started = time.perf_counter()
            area = road_isochrone(OAKHAM, minutes)
            timings.append((time.perf_counter() - started) * 1000)
        emit(
            {
                "name": f"road_isochrone_{minutes}min_inprocess",
                "ms": round(statistics.median(timings), 1),
                "min_ms": round(min(timings), 1),
                "runs": RUNS,
                "polygons": 0 if area is None else len(area),
                "vertices": 0 if area is None else area.num_coords,
                # The area in km² (British National Grid), to see it is not empty or everywhere.
                "km2": 0 if area is None else round(area.transform(27700, clone=True).area / 1e6),
            }
        )


def main() -> None:
    settings.TRAVEL_ENGINE = "osrm"
    settings.TRAVEL_NETWORK = sys.argv[1]
    estimate_error()
    isochrones()


if __name__ == "__main__":
    main()
