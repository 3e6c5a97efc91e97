"""`make bench`'s search figures, run by run.py in its own process against the bench database.

    python scripts/bench/search.py search NETWORK   # search_full, search_without_travel, …
    python scripts/bench/search.py table NETWORK    # travel_table_1x1000_inprocess

NETWORK is the Rutland road network that run.py built (…/rutland-latest-2021.osrm). The
database must hold England's postcodes, Ofsted's list and the demo locations and facts
(`seed_demo_settings --commit`). One JSON line per figure on stdout; docs/benchmarks.md says
what each measures.
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.gis.geos import Point, Polygon  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Value  # noqa: E402
from django.db.models.functions import MD5, Concat  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Organisation, Region, Role, User  # noqa: E402
from commissioning.models import Framework, Lot, Membership  # noqa: E402
from geo.models import Area, Postcode, TransitFeed  # noqa: E402
from geo.travel import travel_times  # noqa: E402
from placements.matching import (  # noqa: E402
    AreaKind,
    SearchCriteria,
    neighbouring_areas,
    setting_match,
)
from placements.models import PlacementRequest, PlaceThatMatters  # noqa: E402
from providers.models import Need, Risk, Setting  # noqa: E402

RUTLAND = "E06000017"
REQUESTS = 60  # half with their places in Rutland, half elsewhere in England
WARM_UP = 3
PAGE_SUBSET = 12  # searches also timed through the page
LARGEST_PAGE_RUNS = 10  # the largest results page, timed this many times after a warm-up
TABLE_DESTINATIONS = 1000
TABLE_RUNS = 25
# Rutland and the edges of its neighbours (longitude, latitude).
RUTLAND_AND_AROUND = (-0.95, 52.50, -0.40, 52.80)
OAKHAM = Point(-0.7286, 52.6707, srid=4326)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def emit(figure: dict[str, Any]) -> None:
    print(json.dumps(figure), flush=True)


def use_network(network: str) -> None:
    settings.TRAVEL_ENGINE = "osrm"
    settings.TRAVEL_NETWORK = network


def sample_postcodes(queryset: Any, count: int, salt: str) -> list[Postcode]:
    """`count` postcodes spread over `queryset`, the same in every run."""
    return list(
        queryset.annotate(order=MD5(Concat(Value(salt), "postcode"))).order_by("order")[:count]
    )


# --- The engine alone --------------------------------------------------------------------------


def table_benchmark(network: str) -> None:
    use_network(network)
    x0, y0, x1, y1 = RUTLAND_AND_AROUND
    box = Polygon.from_bbox((x0, y0, x1, y1))
    box.srid = 4326
    destinations = [
        p.point
        for p in sample_postcodes(
            Postcode.objects.filter(point__bboverlaps=box), TABLE_DESTINATIONS, "table"
        )
    ]
    if len(destinations) < TABLE_DESTINATIONS:
        raise SystemExit(f"Only {len(destinations)} postcodes around Rutland: load postcodes")
    matrix = travel_times([OAKHAM], destinations)  # warm-up: loads the network
    timings = []
    for _ in range(TABLE_RUNS):
        started = time.perf_counter()
        travel_times([OAKHAM], destinations)
        timings.append((time.perf_counter() - started) * 1000)
    estimated = sum(1 for cell in matrix.rows[0] if cell.estimated)
    emit(
        {
            "name": "travel_table_1x1000_inprocess",
            "ms": round(statistics.median(timings), 1),
            "min_ms": round(min(timings), 1),
            "runs": TABLE_RUNS,
            "estimated_cells": estimated,
            "engine": matrix.engine,
            "target_ms": 50,
        }
    )


# --- The search ---------------------------------------------------------------------------------


@dataclass
class Search:
    request: PlacementRequest
    criteria: SearchCriteria
    query: dict[str, str]  # the same search as the page's query string
    rutland: bool


def _organisation(gss_code: str) -> Organisation:
    """The local authority organisation for an upper-tier area, in a region for its ONS region
    (created the first time)."""
    area = Area.objects.select_related("parent").get(gss_code=gss_code)
    region_area = area.parent
    region, created = Region.objects.get_or_create(
        name=f"{region_area.name if region_area else 'England'} (bench)",
        defaults={"area": region_area},
    )
    if created and region_area is not None:
        # A region is its member LAs (ADR 0012): all of the ONS region's, so "in the region"
        # searches cover what they did when the region was the ONS polygon.
        for member in Area.objects.filter(kind=Area.Kind.UPPER_TIER_LA, parent=region_area):
            Organisation.objects.get_or_create(
                region=region,
                kind=Organisation.Kind.LOCAL_AUTHORITY,
                gss_code=member.gss_code,
                defaults={"name": member.name, "area": member},
            )
    organisation, _ = Organisation.objects.get_or_create(
        region=region,
        kind=Organisation.Kind.LOCAL_AUTHORITY,
        gss_code=gss_code,
        defaults={"name": area.name, "area": area},
    )
    User.objects.get_or_create(
        email=f"officer.{gss_code.lower()}@bench.example.org",
        defaults={
            "full_name": "Bench Officer",
            "organisation": organisation,
            "role": Role.PLACEMENT_OFFICER,
        },
    )
    return organisation


def _profile(rng: random.Random) -> dict[str, Any]:
    """A varied child: ages 8 to 17, both sexes, risks, needs, accommodation and urgency."""
    age = rng.randint(8, 17)
    accommodation = rng.choice(
        [["residential"], ["residential"], ["foster"], ["foster", "residential"]]
    )
    if age >= 16 and rng.random() < 0.6:
        accommodation = [*accommodation, "supported"]
    return {
        "age_years": age,
        "sex": rng.choice(["female", "male", "female", "male", "not_stated"]),
        "urgency": rng.choice(["today", "within_5_days", "over_5_days", "over_5_days"]),
        "placement_kind": rng.choice(["planned", "planned", "planned", "emergency"]),
        "accommodation": accommodation,
        "siblings_to_place_together": 1 if rng.random() < 0.1 else 0,
        "living_alongside": rng.choices(
            ["with_others", "solo_only", "only_younger", "only_older"], weights=[80, 10, 5, 5]
        )[0],
        "has_pet": rng.random() < 0.1,
        "deprivation_of_liberty": rng.random() < 0.05,
        "communication": ["makaton"] if rng.random() < 0.05 else [],
        "needs_adaptation": rng.random() < 0.05,
        "risks": rng.sample(Risk.values, rng.choice([0, 1, 1, 2, 2, 3])),
        "needs": rng.sample([n for n in Need.values if n != "parenting"], rng.choice([0, 0, 1, 2])),
    }


def build_searches() -> list[Search]:
    # Run again on the same database (while working on this script): start afresh.
    PlacementRequest.objects.filter(reference__startswith="BENCH-").delete()
    rutland = sample_postcodes(Postcode.objects.filter(utla_code=RUTLAND), 200, "rutland")
    elsewhere = sample_postcodes(Postcode.objects.exclude(utla_code=RUTLAND), 400, "england")
    areas = [AreaKind.ANYWHERE, AreaKind.OWN_LA, AreaKind.REGION, AreaKind.RADIUS, AreaKind.LAS]
    searches = []
    for number in range(REQUESTS):
        rng = random.Random(number)  # noqa: S311 - varied test data, not secrets
        in_rutland = number % 2 == 0
        if in_rutland:
            first, second = rng.sample(rutland, 2)
        else:
            first = elsewhere[number]
            # The second place in the same authority: a school near the family, say.
            second = sample_postcodes(
                Postcode.objects.filter(utla_code=first.utla_code), 1, f"second{number}"
            )[0]
        organisation = _organisation(first.utla_code)
        request = PlacementRequest.objects.create(
            organisation=organisation, reference=f"BENCH-{number:03d}", **_profile(rng)
        )
        places = []
        for position, (label, postcode, limit) in enumerate(
            (
                ("School", first, rng.choice([30, 45, 60])),
                ("Family", second, rng.choice([30, 45, 60, None])),
            )
        ):
            places.append(
                PlaceThatMatters.objects.create(
                    request=request,
                    label=label,
                    postcode=postcode.postcode,
                    point=postcode.point,
                    max_minutes=limit,
                    position=position,
                )
            )
        area = areas[number % len(areas)]
        query = {"area": area}
        for place in places:
            query[f"limit_{place.pk}"] = "" if place.max_minutes is None else str(place.max_minutes)
        criteria_values: dict[str, Any] = {
            "area": area,
            "limits": {place.pk: place.max_minutes for place in places},
        }
        if area == AreaKind.RADIUS:
            miles = rng.choice([10, 20, 30])
            criteria_values |= {
                "postcode": first.postcode,
                "postcode_point": first.point,
                "radius_miles": float(miles),
            }
            query |= {"postcode": first.postcode, "radius_miles": str(miles)}
        elif area == AreaKind.LAS:
            own = organisation.area
            assert own is not None
            neighbour = (
                Area.objects.filter(pk__in=neighbouring_areas(own)).order_by("gss_code").first()
            )
            codes = tuple(sorted({own.gss_code, *([neighbour.gss_code] if neighbour else [])}))
            criteria_values["las"] = codes
            query["las"] = ",".join(codes)
        if number % 6 == 5:
            criteria_values["include_unconfirmed"] = True
            query["include_unconfirmed"] = "on"
        searches.append(
            Search(request, SearchCriteria(**criteria_values), query, rutland=in_rutland)
        )
    return searches


def _time(calls: Sequence[Callable[[], Any]]) -> tuple[list[float], list[Any]]:
    timings, results = [], []
    for call in calls:
        started = time.perf_counter()
        results.append(call())
        timings.append((time.perf_counter() - started) * 1000)
    return timings, results


def _summary(name: str, timings: list[float], **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "p50_ms": round(percentile(timings, 0.5), 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
        "max_ms": round(max(timings), 1),
        "n": len(timings),
        **extra,
    }


def search_benchmark(network: str) -> None:
    use_network(network)
    searches = build_searches()
    # A long-running server has each authority's neighbours cached (placements.matching caches
    # them per process): fill the cache here so the figures are the steady state.
    for search in searches:
        if search.request.organisation.area is not None:
            neighbouring_areas(search.request.organisation.area)

    def match(search: Search, travel: bool) -> Callable[[], Any]:
        return lambda: setting_match(
            request=search.request, criteria=search.criteria, travel=travel
        )

    for search in searches[:WARM_UP]:
        match(search, True)()
    full, results = _time([match(s, True) for s in searches])
    for search in searches[:WARM_UP]:
        match(search, False)()
    bare, _ = _time([match(s, False) for s in searches])

    counts = [len(r.matches) for r in results]
    candidates = [r.funnel["where"] for r in results]
    confirmed = [sum(1 for m in r.matches if m.confirmed) for r in results]
    legs = [leg for r in results for m in r.matches for leg in m.travel]
    rutland_full = [t for t, s in zip(full, searches, strict=True) if s.rutland]
    emit(
        _summary(
            "search_full",
            full,
            target_p95_ms=150,
            mean_matches=round(statistics.mean(counts), 1),
            mean_confirmed=round(statistics.mean(confirmed), 1),
            mean_candidates=round(statistics.mean(candidates), 1),
            searches_without_matches=sum(1 for c in counts if c == 0),
            estimated_legs_share=round(sum(1 for leg in legs if leg.estimated) / len(legs), 2)
            if legs
            else None,
            rutland_p95_ms=round(percentile(rutland_full, 0.95), 1),
            engine=settings.TRAVEL_ENGINE,
        )
    )
    emit(_summary("search_without_travel", bare))
    framework_benchmark(searches)
    emit(
        {
            "name": "search_travel_ratio",
            "p50_ratio": round(percentile(full, 0.5) / percentile(bare, 0.5), 2),
            "p95_ratio": round(percentile(full, 0.95) / percentile(bare, 0.95), 2),
            "target": 3,
        }
    )
    page_benchmark(searches[:PAGE_SUBSET])
    largest_page_benchmark()


BENCH_FRAMEWORK = "Bench framework"
FRAMEWORK_SHARE = 3  # one setting in this many, across England, is a member


def framework_benchmark(searches: list[Search]) -> None:
    """The same searches narrowed to "On our frameworks", against themselves without the filter,
    once every searching region has a current framework whose one lot has a third of England's
    open settings as active members (so the score's framework part counts in both)."""
    today = timezone.localdate()
    regions = {s.request.organisation.own_region_id for s in searches}
    Framework.objects.filter(name=BENCH_FRAMEWORK).delete()
    setting_ids = list(
        Setting.objects.filter(status=Setting.Status.ACTIVE)
        .order_by("urn")
        .values_list("pk", flat=True)
    )[::FRAMEWORK_SHARE]
    for region_id in regions:
        framework = Framework.objects.create(
            region_id=region_id,
            name=BENCH_FRAMEWORK,
            kind=Framework.Kind.FRAMEWORK,
            starts_on=today - timedelta(days=365),
            ends_on=today + timedelta(days=365),
        )
        lot = Lot.objects.create(
            framework=framework,
            number=1,
            name="Every kind",
            accommodation="residential",
            starts_on=framework.starts_on,
            ends_on=framework.ends_on,
        )
        Membership.objects.bulk_create(
            Membership(lot=lot, setting_id=pk, joined_on=framework.starts_on) for pk in setting_ids
        )
    # Planner statistics for the rows just written, as run.py gathers for the rest: without them
    # PostgreSQL guesses the membership tables' sizes and plans the filter badly.
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE commissioning_framework, commissioning_lot, commissioning_membership,"
            " commissioning_rate"
        )
    try:

        def match(search: Search, *, filtered: bool) -> Callable[[], Any]:
            criteria = replace(search.criteria, on_frameworks=filtered)
            return lambda: setting_match(request=search.request, criteria=criteria)

        for search in searches[:WARM_UP]:
            match(search, filtered=False)()
            match(search, filtered=True)()
        plain, _ = _time([match(s, filtered=False) for s in searches])
        narrowed, results = _time([match(s, filtered=True) for s in searches])
        emit(
            _summary(
                "search_frameworks",
                narrowed,
                without_filter_p50_ms=round(percentile(plain, 0.5), 1),
                without_filter_p95_ms=round(percentile(plain, 0.95), 1),
                p95_ratio=round(percentile(narrowed, 0.95) / percentile(plain, 0.95), 2),
                target_p95_ratio=1.1,
                members=len(setting_ids),
                mean_matches=round(statistics.mean(len(r.matches) for r in results), 1),
            )
        )
    finally:
        Framework.objects.filter(name=BENCH_FRAMEWORK).delete()


def largest_page_benchmark() -> None:
    """The largest results page there is: a child almost every setting in England could take
    (any sex, any kind of accommodation, no risks or needs), anywhere, settings without a
    confirmed vacancy included, no journey limit. Its size and time through the page."""
    settings.DEBUG = False
    rutland = sample_postcodes(Postcode.objects.filter(utla_code=RUTLAND), 1, "largest")[0]
    elsewhere = sample_postcodes(Postcode.objects.exclude(utla_code=RUTLAND), 1, "largest")[0]
    organisation = _organisation(rutland.utla_code)
    request = PlacementRequest.objects.create(
        organisation=organisation,
        reference="BENCH-LARGEST",
        age_years=16,
        sex="not_stated",
        urgency="over_5_days",
        placement_kind="planned",
        accommodation=["residential", "foster", "supported"],
        living_alongside="with_others",
    )
    query = {"area": AreaKind.ANYWHERE, "include_unconfirmed": "on"}
    for position, (label, postcode) in enumerate((("School", rutland), ("Family", elsewhere))):
        place = PlaceThatMatters.objects.create(
            request=request,
            label=label,
            postcode=postcode.postcode,
            point=postcode.point,
            max_minutes=None,
            position=position,
        )
        query[f"limit_{place.pk}"] = ""
    client = Client(SERVER_NAME="localhost")
    client.force_login(User.objects.get(organisation=organisation))
    url = reverse("placements:placement_search", args=[request.pk])
    timings: list[float] = []
    size = 0
    for run in range(LARGEST_PAGE_RUNS + 1):
        started = time.perf_counter()
        response = client.get(url, query)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200 or b"How the search narrowed" not in response.content:
            raise SystemExit(f"The largest search page failed: {response.status_code}")
        size = len(response.content)
        if run:  # the first is the warm-up
            timings.append(elapsed)
    search = request.searches.order_by("-created_at").first()
    emit(
        _summary(
            "search_page_largest",
            timings,
            bytes=size,
            matches=len(search.results) if search else None,
            target_bytes=500_000,
            target_p95_ms=300,
        )
    )


def page_benchmark(searches: list[Search]) -> None:
    """The search page through Django's test client: the selector, saving the search, and the
    template (list and map data). DEBUG is off, as in production."""
    settings.DEBUG = False
    client = Client(SERVER_NAME="localhost")
    timings: list[float] = []
    for warm_up, search in [(True, s) for s in searches[:WARM_UP]] + [(False, s) for s in searches]:
        user = User.objects.get(organisation=search.request.organisation)
        client.force_login(user)
        query = dict(search.query)
        url = reverse("placements:placement_search", args=[search.request.pk])
        data: dict[str, Any] = {k: v for k, v in query.items() if k != "las"}
        if "las" in query:
            data["las"] = query["las"].split(",")
        started = time.perf_counter()
        response = client.get(url, data)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"The search page answered {response.status_code} for {url}")
        if b"How the search narrowed" not in response.content:  # the form refused the query
            raise SystemExit(f"The search page ran no search for {url}?{data}")
        if not warm_up:
            timings.append(elapsed)
    emit(_summary("search_page", timings))


# --- One bus limit and one car limit --------------------------------------------------------

CHESTER = "E06000050"  # Cheshire West and Chester: the shared data's bus timetable is Chester's
CHESTER_GTFS = ROOT.parent / "shared" / "data" / "gtfs" / "chester-20230816-small_gtfs.zip"
BUS_SEARCHES = 24


def bus_benchmark(network: str) -> None:
    """Searches with one place by bus (school, leaving 08:00, at most 45 minutes) and one by
    car (grandmother, at most 30), for children at school in Chester, anywhere in England: the
    whole search, and the timetable engine's own time for the bus place (the same origins,
    measured alone). The Chester feed is imported here, with walking estimated."""
    use_network(network)
    with tempfile.TemporaryDirectory() as folder:
        settings.TRANSIT_DIR = folder
        # Only Chester's: the transit figures' feeds were imported into a folder now gone.
        TransitFeed.objects.all().delete()
        call_command("import_gtfs", str(CHESTER_GTFS), "--name", "Chester", "--commit",
                     stdout=io.StringIO())  # fmt: skip
        _bus_searches()


def _bus_searches() -> None:
    from geo.modes import TravelMode, Trip, journeys_measure  # noqa: PLC0415
    from geo.transit import engine as transit_engine  # noqa: PLC0415

    PlacementRequest.objects.filter(reference__startswith="BENCH-BUS-").delete()
    chester = sample_postcodes(
        Postcode.objects.filter(utla_code=CHESTER, postcode__regex=r"^CH[1-4] "), 2 * BUS_SEARCHES,
        "bus",
    )  # fmt: skip
    if len(chester) < 2 * BUS_SEARCHES:
        raise SystemExit("bus bench: Chester's postcodes are not loaded")
    searches: list[PlacementRequest] = []
    for number in range(BUS_SEARCHES):
        rng = random.Random(1000 + number)  # noqa: S311 - varied test data, not secrets
        school, family = chester[2 * number], chester[2 * number + 1]
        request = PlacementRequest.objects.create(
            organisation=_organisation(CHESTER),
            reference=f"BENCH-BUS-{number:03d}",
            **_profile(rng),
        )
        PlaceThatMatters.objects.create(
            request=request, label="School", postcode=school.postcode, point=school.point,
            max_minutes=45, position=0, mode=TravelMode.PUBLIC_TRANSPORT,
        )  # fmt: skip
        PlaceThatMatters.objects.create(
            request=request, label="Grandmother", postcode=family.postcode, point=family.point,
            max_minutes=30, position=1, mode=TravelMode.CAR,
        )  # fmt: skip
        searches.append(request)

    def criteria(request: PlacementRequest) -> SearchCriteria:
        return SearchCriteria(limits={p.pk: p.max_minutes for p in request.places.all()})

    for request in searches[:WARM_UP]:
        setting_match(request=request, criteria=criteria(request))

    def run(request: PlacementRequest, *, cold: bool) -> Callable[[], Any]:
        def call() -> Any:
            if cold:  # each school's timetable scan afresh, as for a new child
                transit_engine.profile_cache_clear()
            return setting_match(request=request, criteria=criteria(request))

        return call

    timings, results = _time([run(r, cold=True) for r in searches])
    # The same searches again: each school's profile scan is kept per process (geo/transit), so
    # a search's next page, its export and the next search for the child cost this.
    warm, _ = _time([run(r, cold=False) for r in searches])
    # The engine alone: the bus place to every setting the search sent it (its candidates).
    engine_ms: list[float] = []
    origins_sent: list[int] = []
    for request in searches:
        place = request.places.get(label="School")
        points = _candidate_points(place.point)
        origins_sent.append(len(points))
        transit_engine.profile_cache_clear()
        started = time.perf_counter()
        journeys_measure([Trip(place.point, TravelMode.PUBLIC_TRANSPORT)], points,
                         today=timezone.localdate())  # fmt: skip
        engine_ms.append((time.perf_counter() - started) * 1000)
    legs = [leg for r in results for m in r.matches for leg in m.travel if leg.mode != "car"]
    emit(
        _summary(
            "search_bus_and_car",
            timings,
            target_p95_ms=250,
            mean_matches=round(statistics.mean(len(r.matches) for r in results), 1),
            mean_candidates=round(statistics.mean(r.funnel["where"] for r in results), 1),
            bus_legs_timed=sum(1 for leg in legs if leg.minutes is not None),
            engine_p50_ms=round(percentile(engine_ms, 0.5), 1),
            engine_p95_ms=round(percentile(engine_ms, 0.95), 1),
            engine_mean_origins=round(statistics.mean(origins_sent), 1),
            warm_p50_ms=round(percentile(warm, 0.5), 1),
            warm_p95_ms=round(percentile(warm, 0.95), 1),
        )
    )


def _candidate_points(point: Point) -> list[Point]:
    """The located settings within the 45-minute disc (113 km/h) of a place: what the search
    sends the timetable engine before its other filters narrow them."""
    from geo.shapes import circle  # noqa: PLC0415

    disc = circle(point, 45 * 113 * 1000 / 60, segments=8)
    located = Setting.objects.filter(location__intersects=disc, status=Setting.Status.ACTIVE)
    return [point for point in located.values_list("location", flat=True) if point is not None]


if __name__ == "__main__":
    mode, network = sys.argv[1], sys.argv[2]
    {"search": search_benchmark, "table": table_benchmark, "bus": bus_benchmark}[mode](network)
