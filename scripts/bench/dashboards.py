"""`make bench`'s dashboard figures (issue 13), run by run.py in its own process against the bench
database:

    python scripts/bench/dashboards.py            # DASHBOARD_URLS
    python scripts/bench/dashboards.py URL…       # these pages instead

The database must hold England's boundaries, postcodes, Ofsted's list and the demo locations
and facts (run.py has loaded them). This makes the demo region, its people and its providers on
the service (`seed_demo`'s steps that need no download), then a region's years of use in bulk
(`demo_requests_bulk`: 5,000 requests, 20,000 referrals), and renders each dashboard in
DASHBOARD_URLS through Django's test client, RUNS times for each role after a warm-up. One JSON
line per dashboard and role on stdout; a dashboard that is not there (404) or that the role may
not see gets a line saying it was skipped. docs/benchmarks.md says what each measures.

Named for what it times rather than insight.py, which would shadow the insight app for mypy.
"""

from __future__ import annotations

import os
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
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from search import emit, percentile  # noqa: E402 - scripts/bench/search.py, beside this one

from accounts.models import Role, User  # noqa: E402
from demo.requests import demo_region  # noqa: E402
from demo.requests_bulk import demo_requests_bulk  # noqa: E402
from demo.seeding import (  # noqa: E402
    demo_frameworks_seed,
    demo_people_seed,
    demo_providers_seed,
)

# Every dashboard (insight/dashboards.py), each role's default scope (the hub: the whole region,
# LA by LA; the LA manager: Rutland), then the LA manager's view of the whole region. A page the
# role may not see is skipped with a line saying so.
DASHBOARD_URLS = (
    "/insight/",
    "/insight/sufficiency/",
    "/insight/sought-secured/",
    "/insight/distance/",
    "/insight/supply/",
    "/insight/demand/",
    "/insight/open-work/",
    "/insight/sufficiency/?la=region",
    "/insight/distance/?la=region",
    "/insight/sufficiency/?period=12m",
)
ROLES = {
    Role.HUB_ADMIN: "hub.admin@example.org",  # the whole region, by authority
    Role.LA_MANAGER: "la.manager@example.org",  # their own authority (Rutland)
}
REQUESTS = 5000
REFERRALS = 20000
RUNS = 30
TARGET_MS = 300
SEED = 13


def seed() -> dict[str, Any]:
    """The demo region with its people, providers and framework, and its years of requests."""
    demo_people_seed()
    demo_providers_seed()
    demo_frameworks_seed()
    region = demo_region()
    if region is None:
        raise SystemExit("No demo region: load England's boundaries first (run.py does)")
    report = demo_requests_bulk(
        region=region,
        today=timezone.localdate(),
        requests=REQUESTS,
        referrals=REFERRALS,
        seed=SEED,
    )
    # Planner statistics for the rows just written, as autovacuum would have gathered them.
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE placements_placementrequest, placements_placethatmatters,"
            " placements_placementsearch, brokerage_referral, brokerage_placementoutcome"
        )
    return report.as_dict()


def slug(url: str) -> str:
    """/insight/ is the overview; /insight/sufficiency/ is sufficiency."""
    path, _, query = url.removeprefix("/insight/").partition("?")
    name = path.strip("/").replace("/", "_").replace("-", "_") or "overview"
    return name + "".join(f"_{part.split('=')[-1]}" for part in query.split("&") if part)


def dashboard_benchmark(url: str, role: str, client: Client) -> None:
    name = f"dashboard_{slug(url)}_{role}"
    warm = client.get(url, follow=True)  # also finds where the page sends this role
    if warm.status_code != 200:
        emit({"name": name, "skipped": f"{url} answered {warm.status_code}", "url": url})
        return
    final = warm.redirect_chain[-1][0] if warm.redirect_chain else url
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(final)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{final} answered {response.status_code} for {role}")
    emit(
        {
            "name": name,
            "p50_ms": round(percentile(timings, 0.5), 1),
            "p95_ms": round(percentile(timings, 0.95), 1),
            "max_ms": round(max(timings), 1),
            "n": RUNS,
            "target_ms": TARGET_MS,
            "requests": REQUESTS,
            "referrals": REFERRALS,
            **({"url": final} if final != url else {}),
        }
    )


def main() -> None:
    settings.DEBUG = False
    started = time.perf_counter()
    made = seed()
    emit(
        {
            "name": "insight_bulk_seed",
            "seconds": round(time.perf_counter() - started, 2),
            **{k: made[k] for k in ("requests", "referrals", "searches", "outcomes", "open")},
            "bulk_seconds": made["seconds"],
            "target_seconds": 60,
        }
    )
    for role, email in ROLES.items():
        client = Client(SERVER_NAME="localhost")
        client.force_login(User.objects.get(email=email))
        for url in sys.argv[1:] or DASHBOARD_URLS:
            dashboard_benchmark(url, role.value, client)


if __name__ == "__main__":
    main()
