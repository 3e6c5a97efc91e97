"""`make bench`'s public transport figures, run by run.py in its own process (bench database).

    python scripts/bench/transit.py

Imports the Chester and Newport GTFS feeds from ../shared/data/gtfs into a temporary
TRANSIT_DIR (estimated walking), then times `transit_times` for 1 destination × 1,000 origins
(stops of the feed, cycled and moved up to ~50 m so that each origin is its own point) leaving
at 08:00 on a weekday, 20 runs after a warm-up, and the profile scan alone per 10,000
connections. One JSON line per figure; docs/public-transport.md says what they mean.
"""

from __future__ import annotations

import io
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.gis.geos import Point  # noqa: E402
from django.core.management import call_command  # noqa: E402

from geo.models import TransitFeed  # noqa: E402
from geo.transit import scan  # noqa: E402
from geo.transit.engine import service_day, transit_times  # noqa: E402
from geo.transit.timetable import timetable_load  # noqa: E402

GTFS = ROOT.parent / "shared" / "data" / "gtfs"
FEEDS = {
    # name: (zip, destination stop: Chester Bus Interchange stand F, Friars Walk 12)
    "Chester": ("chester-20230816-small_gtfs.zip", "0610CH1053"),
    "Newport": ("newport-20230613_gtfs.zip", "5310AWB32206"),
}
RUNS = 20
ORIGINS = 1000
TODAY = date(2023, 9, 1)  # inside both feeds' calendars


def emit(**figures: object) -> None:
    print(json.dumps(figures), flush=True)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings.TRANSIT_DIR = folder
        for name, (zip_name, destination_id) in FEEDS.items():
            path = GTFS / zip_name
            if not path.is_file():
                emit(name=f"transit_{name.lower()}", skipped=f"no {path}")
                continue
            TransitFeed.objects.filter(slug=name.lower()).delete()
            started = time.perf_counter()
            out = io.StringIO()
            call_command("import_gtfs", str(path), "--name", name, "--commit", "--json", stdout=out)
            summary = json.loads(out.getvalue())
            emit(
                name=f"transit_import_{name.lower()}",
                seconds=round(time.perf_counter() - started, 2),
                stops=summary["stops"],
                connections=summary["connections"],
            )
            _time_queries(name, destination_id)


def _time_queries(name: str, destination_id: str) -> None:
    feed = TransitFeed.objects.get(slug=name.lower(), active=True)
    tt = timetable_load(feed.timetable_path)
    rng = random.Random(1)  # noqa: S311 - a repeatable sample, not a secret
    stops = list(range(len(tt.stop_ids)))
    rng.shuffle(stops)
    origins = [
        Point(
            tt.stop_lons[s] + rng.uniform(-5e-4, 5e-4),
            tt.stop_lats[s] + rng.uniform(-3e-4, 3e-4),
            srid=4326,
        )
        for s in (stops[i % len(stops)] for i in range(ORIGINS))
    ]
    d = tt.stop_ids.index(destination_id)
    destination = Point(tt.stop_lons[d], tt.stop_lats[d], srid=4326)
    at = clock(8)
    matrix = transit_times(origins, destination, depart_at=at, today=TODAY)  # warm-up
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        transit_times(origins, destination, depart_at=at, today=TODAY)
        samples.append((time.perf_counter() - started) * 1000)
    quantiles = statistics.quantiles(samples, n=20)
    emit(
        name=f"transit_1x{ORIGINS}_{name.lower()}",
        p50_ms=round(statistics.median(samples), 1),
        p95_ms=round(quantiles[18], 1),
        runs=RUNS,
        with_journey=sum(cell.minutes is not None for cell in matrix.cells),
        service_day=str(matrix.service_day),
    )
    # The scan alone, over the whole service day, per 10,000 connections read: what grows
    # with a bigger feed (the ADR extrapolates it to a BODS region).
    day = service_day(feed, "weekday", TODAY).day
    connections = scan.window(tt, day, 0, 2 * scan.DAY)
    near = tt.stops_near(tt.stop_lons[d], tt.stop_lats[d], settings.TRANSIT_WALK_MAX_METRES)
    to_destination = {s: 60 for s, _ in near}
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        scan.profile_arrivals(tt, connections, to_destination)
        samples.append((time.perf_counter() - started) * 1000)
    emit(
        name=f"transit_scan_per_10k_connections_{name.lower()}",
        ms=round(statistics.median(samples) * 10_000 / len(connections), 1),
        connections=len(connections),
    )


if __name__ == "__main__":
    main()
