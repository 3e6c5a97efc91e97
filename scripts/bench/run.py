"""`make bench`: one JSON line per figure, measured in this run on this machine.

Each measured step is a management command in its own process, in a fresh database
(`<name>_bench`, dropped afterwards), so wall time and peak memory are the command's own.
Compare figures from the same run only: these machines are noisy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import environ
import psycopg

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"


def _bench_env() -> tuple[dict[str, str], str, str]:
    env = environ.Env()
    environ.Env.read_env(ROOT / ".env", overwrite=False)
    url = urlparse(env("DATABASE_URL"))
    bench_name = url.path.lstrip("/") + "_bench"
    admin = urlunparse(url._replace(scheme="postgresql", path="/postgres"))
    bench_url = urlunparse(url._replace(path=f"/{bench_name}"))
    return (
        {
            **os.environ,
            "DATABASE_URL": bench_url,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            # A throwaway database: the search figures need demo locations and facts in it.
            "DEMO_DATA_ALLOWED": "1",
            # As in production: DEBUG adds per-query bookkeeping and template debugging.
            "DJANGO_DEBUG": "0",
        },
        admin,
        bench_name,
    )


def measure(env: dict[str, str], name: str, *args: str, **extra: object) -> dict[str, object]:
    started = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
        )
        stdout = process.stdout.read() if process.stdout else b""
        # wait4 gives this child's own resource usage (ru_maxrss in KiB on Linux).
        _, status, usage = os.wait4(process.pid, 0)
        err.seek(0)
        stderr = err.read()
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{stderr.decode()[-3000:]}")
    result: dict[str, object] = {
        "name": name,
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        **extra,
    }
    try:
        summary = json.loads(stdout.decode().strip().splitlines()[-1])
        for key in ("rows", "created", "updated", "unchanged", "closed", "rejected"):
            if key in summary:
                result[key] = summary[key]
        # seed_demo_settings: the time of each of its two steps.
        for part in ("locations", "facts"):
            if isinstance(summary.get(part), dict) and "seconds" in summary[part]:
                result[f"{part}_seconds"] = summary[part]["seconds"]
    except (ValueError, IndexError):
        pass
    print(json.dumps(result), flush=True)
    return result


# A 1×500 in-process OSRM table on the Rutland network: the best of 20 runs, after one warm-up.
TRAVEL_TABLE_TIMING = """
import json, random, sys, time
import django
django.setup()
from django.conf import settings
from django.contrib.gis.geos import Point
from geo.travel import travel_times
settings.TRAVEL_ENGINE, settings.TRAVEL_NETWORK = "osrm", sys.argv[1]
rng = random.Random(1)
points = [
    Point(rng.uniform(-0.78, -0.48), rng.uniform(52.55, 52.75), srid=4326) for _ in range(500)
]
origin = [Point(-0.7286, 52.6707, srid=4326)]
travel_times(origin, points)
best = float("inf")
for _ in range(20):
    started = time.perf_counter()
    travel_times(origin, points)
    best = min(best, time.perf_counter() - started)
print(json.dumps({"name": "travel_table_1x500_inprocess", "ms": round(best * 1000, 1)}))
"""


def main() -> None:
    env, admin_url, bench_name = _bench_env()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{bench_name}"')
        conn.execute(f'CREATE DATABASE "{bench_name}"')
    try:
        with psycopg.connect(
            env["DATABASE_URL"].replace("postgis://", "postgresql://"), autocommit=True
        ) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
        )
        subprocess.run(
            [sys.executable, "manage.py", "load_boundaries", "--commit",
             str(DATA / "boundaries" / "england_rgn_2025_bsc.geojson"),
             str(DATA / "boundaries" / "england_utla_2025_bsc.geojson")],
            cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        ofsted_2025 = str(DATA / "ofsted" / "provider_at_march_2025.csv")
        measure(env, "load_postcodes_england", "load_postcodes", "--commit", "--json")
        measure(
            env,
            "ofsted_import_first",
            "import_ofsted",
            ofsted_2025,
            "--commit",
            "--json",
            target_seconds=5,
        )
        measure(
            env,
            "ofsted_import_unchanged",
            "import_ofsted",
            ofsted_2025,
            "--commit",
            "--json",
            target_seconds=3,
        )
        ods_2025 = str(DATA / "ofsted" / "provider_at_march_2025.ods")
        measure(env, "ofsted_import_ods_unchanged", "import_ofsted", ods_2025, "--commit", "--json")
        # Demo locations for every private setting and demo facts for every home, supported
        # accommodation and agency in England: what the search figures below search.
        measure(env, "seed_demo_settings_england", "seed_demo_settings", "--commit", "--json")
        # Planner statistics, as autovacuum would have gathered them on a database in use: the
        # tables were just bulk-loaded, and without statistics the search's query plans are
        # several times slower than they are on a settled database.
        with psycopg.connect(
            env["DATABASE_URL"].replace("postgis://", "postgresql://"), autocommit=True
        ) as conn:
            conn.execute("ANALYZE")
        # The insight dashboards on a region's years of use: scripts/bench/dashboards.py. Before
        # the search figures: the demo seeders find the demo region by its ONS area, which the
        # "(bench)" regions search.py makes share.
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "bench" / "dashboards.py")],
            cwd=ROOT,
            env=env,
            check=True,
        )
        # Building road networks from every extract in ../shared/data/osm, and a line through
        # their figures to size a region and England: scripts/bench/road_build.py.
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "bench" / "road_build.py")],
            cwd=ROOT,
            env=env,
            check=True,
        )
        # Public transport: importing the GTFS feeds and 1 destination × 1,000 origins on each
        # (scripts/bench/transit.py, docs/public-transport.md).
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "bench" / "transit.py")],
            cwd=ROOT,
            env=env,
            check=True,
        )
        with tempfile.TemporaryDirectory() as osrm_out:
            rutland = str(DATA / "osm" / "rutland-latest-2021.osm.pbf")
            measure(
                env, "build_road_network_rutland", "build_road_network", rutland,
                "--commit", "--json", "--out", osrm_out,
            )  # fmt: skip
            network = str(Path(osrm_out) / "current" / "rutland-latest-2021.osrm")
            subprocess.run(
                [sys.executable, "-c", TRAVEL_TABLE_TIMING, network], cwd=ROOT, env=env, check=True
            )
            # How far road times fall from the straight-line estimate (the range an estimate
            # reads as), and isochrones: scripts/bench/estimate_error.py.
            subprocess.run(
                [sys.executable, str(ROOT / "scripts" / "bench" / "estimate_error.py"), network],
                cwd=ROOT,
                env=env,
                check=True,
            )
            # The engine alone on 1,000 real postcodes, then the whole search (each in its own
            # process): scripts/bench/search.py, docs/benchmarks.md.
            # And a search with one bus limit and one car limit, on Chester's timetable.
            for mode in ("table", "search", "bus"):
                subprocess.run(
                    [sys.executable, str(ROOT / "scripts" / "bench" / "search.py"), mode, network],
                    cwd=ROOT,
                    env=env,
                    check=True,
                )
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
