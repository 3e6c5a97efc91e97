"""`make load`: locust, headless, against the app on gunicorn with its production settings on
127.0.0.1, bounded in users and time. Prints JSON lines: one per endpoint (requests, failures,
p50, p95, p99 and max in ms), then the total with the gunicorn settings used.

    python scripts/load/load.py [--users 50] [--seconds 60] [--spawn-rate 10]

The mix (scripts/load/locustfile.py): 20 officers searching with their children's travel
limits, 18 people browsing the directory, 6 providers' systems confirming vacancies by API key
and 6 provider admins answering referrals on the pages (fixed counts, scaled to --users).

Set-up (not timed): a scratch database placement_load made afresh from the demo data, with
real accounts for every simulated person (scripts/fuzz/roles.py) and open referrals for the
providers to answer; the road networks of ../shared/data/osm when they build (travel by road,
else estimates, as `make run`). API key budgets are raised for the run, since six simulated
systems share two keys; the per-officer search budget is the deployed one, each simulated
officer signing in as their own account. Exit status 1 on any failure.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fuzz"))

import scratch  # noqa: E402

ROOT = scratch.ROOT
OUT = ROOT / "var" / "load"
LOCUST = str(ROOT / ".venv" / "bin" / "locust")
MIX = {"Officer": 20, "Browser": 18, "ProviderSystem": 6, "ProviderAnswering": 6}


def road_networks() -> str:
    """TRAVEL_NETWORKS as `make run` sets it, or "" (estimates) when none builds."""
    done = subprocess.run(
        ["bash", "scripts/dev/road-network.sh"], cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode not in (0, 4):
        return ""
    return ",".join(line for line in done.stdout.splitlines() if line.strip())


def endpoint_lines(stats_csv: Path) -> list[dict[str, Any]]:
    """One line per endpoint from locust's `<prefix>_stats.csv`, then the total ("Aggregated")."""
    lines = []
    with stats_csv.open() as handle:
        for row in csv.DictReader(handle):
            total = row["Name"] == "Aggregated"
            lines.append(
                {
                    "load": "total" if total else "endpoint",
                    **({} if total else {"endpoint": row["Name"], "method": row["Type"]}),
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "p50_ms": float(row["50%"] or 0),
                    "p95_ms": float(row["95%"] or 0),
                    "p99_ms": float(row["99%"] or 0),
                    "max_ms": round(float(row["Max Response Time"] or 0)),
                    "rps": round(float(row["Requests/s"] or 0), 2),
                }
            )
    return lines


def sign_everyone_in(base: str, roles: dict[str, Any], *, answering: int) -> dict[str, Any]:
    """Each simulated officer, and each provider admin answering, signs in once through the
    sign-in page before the run, one after another (people sign in once a day, not all in the
    same five seconds); their cookies go into `roles` for the locustfile. Returns the sign-ins'
    figures as a line of their own: each is a deliberately slow password hash."""
    timings = []

    def sign_in(email: str) -> dict[str, str]:
        started = time.perf_counter()
        cookies = scratch.sign_in(base, email, roles["password"])
        timings.append((time.perf_counter() - started) * 1000)
        return cookies

    for officer in roles["officers"]:
        officer["cookies"] = sign_in(officer["email"])
    roles["answering_cookies"] = [sign_in(roles["providers"][0]["email"]) for _ in range(answering)]
    timings.sort()
    return {
        "load": "sign in, before the run",
        "requests": len(timings),
        "p50_ms": round(statistics.median(timings)),
        "p95_ms": round(timings[max(0, round(0.95 * len(timings)) - 1)]),
        "max_ms": round(timings[-1]),
        "one_at_a_time": True,
    }


def scaled_mix(users: int) -> dict[str, int]:
    """MIX scaled to `users` (each class at least one), summing to `users` exactly."""
    total = sum(MIX.values())
    counts = {name: max(1, round(n * users / total)) for name, n in MIX.items()}
    counts["Officer"] += users - sum(counts.values())
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--spawn-rate", type=float, default=10.0)
    parser.add_argument("--database", default="placement_load")
    parser.add_argument("--redis-db", type=int, default=15)
    parser.add_argument("--reuse", action="store_true", help="keep the last run's database")
    args = parser.parse_args()

    mix = scaled_mix(args.users)
    box = scratch.Scratch(args.database, args.redis_db)
    started = time.monotonic()
    roles = box.prepare(
        requests=40,
        providers=2,
        officers=mix["Officer"] + mix["Browser"],
        referrals=60,
        reuse=args.reuse,
    )
    networks = road_networks()
    prepared = time.monotonic() - started
    OUT.mkdir(parents=True, exist_ok=True)
    gunicorn = scratch.Gunicorn()
    extra = {
        "API_RATE_LIMIT": "100000/hour",
        "TRAVEL_NETWORKS": networks,
        **({} if networks else {"TRAVEL_ENGINE": "estimate"}),
    }
    with scratch.serve(box, gunicorn, log_name="load-gunicorn", **extra) as base:
        signing_in = sign_everyone_in(base, roles, answering=mix["ProviderAnswering"])
        (OUT / "roles.json").write_text(json.dumps(roles))
        env = {**os.environ, "LOAD_ROLES": str(OUT / "roles.json"), "LOAD_MIX": json.dumps(mix)}
        argv = [
            LOCUST,
            "-f",
            "scripts/load/locustfile.py",
            "--headless",
            "--host",
            base,
            "--users",
            str(args.users),
            "--spawn-rate",
            str(args.spawn_rate),
            "--run-time",
            f"{args.seconds}s",
            "--stop-timeout",
            "10",
            "--csv",
            str(OUT / "load"),
            "--only-summary",
            "--exit-code-on-error",
            "0",
        ]
        with (OUT / "locust.log").open("w") as log:
            done = subprocess.run(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        if done.returncode:
            raise SystemExit(f"locust failed ({done.returncode}): see {OUT / 'locust.log'}")
    lines = endpoint_lines(OUT / "load_stats.csv")
    total = lines[-1]
    total |= {
        "users": args.users,
        "mix": mix,
        "seconds": args.seconds,
        "spawn_rate": args.spawn_rate,
        "referrals_open": len(roles["referral_ids"]),
        "travel": (
            "by road: " + ", ".join(Path(n).stem for n in networks.split(","))
            if networks
            else "estimated (no road network built)"
        ),
        "budgets_raised": ["API_RATE_LIMIT"],
        "prepare_seconds": round(prepared, 1),
        "gunicorn": gunicorn.settings(box.env(production=True)),
        "cores": os.cpu_count(),
    }
    for line in [signing_in, *lines]:
        print(json.dumps(line))
    sys.exit(1 if total["failures"] else 0)


if __name__ == "__main__":
    main()
