"""Thousands of demo requests at once, for `make bench` (scripts/bench/insight.py): what a region
holds after years of use, written with bulk_create in seconds.

No service runs and nothing is searched: the rows are what the services would have written
(requests with close reasons, places that matter, searches with a plausible funnel and results,
referrals with their answers and timestamps, outcomes with the distance fields), made up to be
consistent with each other, so the dashboards' queries have realistic volumes to read. For a
demo that goes through the services, use `demo_requests_seed` (demo/requests.py).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import models, transaction

from accounts.models import Region, User
from brokerage.models import CommercialRoute, PlacementOutcome, Referral, ServiceIncluded
from brokerage.referrals import DEFAULT_ANSWER_HOURS
from commissioning.search import current_memberships
from common.demo import require_demo_allowed
from demo.requests import (
    ANSWER_WEIGHTS,
    DEFAULT_SEED,
    DEMO_REFERENCE_PREFIX,
    HARD_SHARE,
    HOME_PRICE_RANGE,
    NOT_ABLE_WEIGHTS,
    OTHER_CLOSE_WEIGHTS,
    OTHER_NOTES,
    PRICE_RANGE,
    SECURED_PRICE,
    child_profile,
    closing_delay,
    demo_requests_exist,
    education_share,
    la_officer,
    member_las,
    postcode_sample,
    request_moments,
    requests_per_la,
    school_label,
    simulation_horizon,
    weighted_pick,
)
from geo.models import Postcode, PostcodeDistrict
from geo.shapes import METRES_PER_MILE
from placements import criteria as profile_parts
from placements.matching import AreaKind
from placements.models import (
    CloseReason,
    PlacementRequest,
    PlacementSearch,
    PlaceThatMatters,
    Urgency,
)
from providers.models import Accommodation, Setting

BATCH = 1000
MONTHS = 12
OPEN_SHARE = 0.15
PLACED_SHARE = 0.5  # of the requests with referrals
MAX_REFERRALS = 6
# Straight-line miles to minutes by road: the estimate engine's own assumption (detour 1.3 at
# 30 mph), so the figures read like the estimate's.
MINUTES_PER_MILE = 1.3 * 60 / 30
# How many settings a search starts from, by the kinds of accommodation asked for.
REGISTERED = {
    Accommodation.FOSTER: 340,
    Accommodation.RESIDENTIAL: 3980,
    Accommodation.SUPPORTED: 890,
}


@dataclass
class BulkReport:
    requests: int = 0
    places: int = 0
    searches: int = 0
    referrals: int = 0
    outcomes: int = 0
    placed_here: int = 0
    closed_other: int = 0
    open: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@contextmanager
def _own_timestamps(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let bulk_create keep the simulated created_at/updated_at given: auto_now(_add) would stamp
    every row with the clock, and a year of history written in one second is no history. Only
    for the length of this block, in this process (the bench's, or a test's)."""
    fields = [
        field
        for model in model_classes
        for field in model._meta.concrete_fields
        if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add)
    ]
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]
    try:
        for field in fields:
            field.auto_now = field.auto_now_add = False  # type: ignore[attr-defined]
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add  # type: ignore[attr-defined]


@dataclass
class _Pool:
    """What the made-up rows point at: the region's settings on the service, their current
    framework lots, the areas of the region's authorities, and postcode districts' middles."""

    settings: list[Setting]
    lots: dict[int, Any]  # setting id: (lot, {need level: rate})
    region_areas: set[int]
    districts: dict[str, Any]


@dataclass
class _Row:
    """One request in the making, with everything that hangs off it."""

    request: PlacementRequest
    created: datetime
    hard: bool
    keep_open: bool
    places: list[PlaceThatMatters] = field(default_factory=list)
    searches: list[PlacementSearch] = field(default_factory=list)
    referral_count: int = 0
    referrals: list[Referral] = field(default_factory=list)
    outcome: PlacementOutcome | None = None


def demo_requests_bulk(
    *,
    region: Region,
    today: date,
    requests: int = 5000,
    referrals: int = 20000,
    seed: int = DEFAULT_SEED,
) -> BulkReport:
    """`requests` demo requests over the 12 months before `today` across the region's member
    authorities and exactly `referrals` referrals among them (at most 6 a request, to settings
    on the service in the region), with searches, answers, outcomes for about half and close
    reasons for the rest, 15% open. Nothing when the region has demo requests already."""
    require_demo_allowed()
    started = time.perf_counter()
    report = BulkReport()
    las = member_las(region)
    if demo_requests_exist(region) or not las or requests < 1:
        return report
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    pool = _pool(region, today)
    if len(pool.settings) < MAX_REFERRALS:
        raise ValueError("The region needs settings on the service (run seed_demo) to refer to")
    horizon = simulation_horizon(today)
    with transaction.atomic(), _own_timestamps(*_MODELS):
        officers = {la.pk: la_officer(la)[0] for la in las}
        samples = {la.pk: postcode_sample(la.gss_code, seed) for la in las}
        rows = _rows(rng, las, officers, today=today, count=requests, horizon=horizon)
        _shares(rng, rows, referrals)
        for row in rows:
            sample = samples[row.request.organisation_id]
            _places(rng, row, sample)
            _searches(rng, row, pool)
            _referrals(rng, row, pool, horizon)
            _ending(rng, row, pool, horizon)
        # In the order of their foreign keys: each bulk_create sets the ids the next one needs.
        PlacementRequest.objects.bulk_create([r.request for r in rows], batch_size=BATCH)
        for model, name in _MODELS_AFTER:
            objects = [o for row in rows for o in _of(row, name)]
            model.objects.bulk_create(objects, batch_size=BATCH)  # type: ignore[attr-defined]
            setattr(report, name, len(objects))
    report.requests = len(rows)
    report.placed_here = report.outcomes
    report.open = sum(1 for r in rows if r.request.status == PlacementRequest.Status.OPEN)
    report.closed_other = report.requests - report.placed_here - report.open
    report.seconds = round(time.perf_counter() - started, 2)
    return report


_MODELS = (PlacementRequest, PlaceThatMatters, PlacementSearch, Referral, PlacementOutcome)
_MODELS_AFTER = (
    (PlaceThatMatters, "places"),
    (PlacementSearch, "searches"),
    (Referral, "referrals"),
    (PlacementOutcome, "outcomes"),
)


def _of(row: _Row, name: str) -> list[Any]:
    if name == "outcomes":
        return [row.outcome] if row.outcome else []
    return list(getattr(row, name))


def _pool(region: Region, today: date) -> _Pool:
    las = member_las(region)
    area_ids = {la.area_id for la in las if la.area_id is not None}
    settings_ = list(
        Setting.objects.filter(
            status=Setting.Status.ACTIVE,
            provider_organisation__isnull=False,
            local_authority_id__in=area_ids,
            location__isnull=False,
        )
        .only("pk", "urn", "provision_type", "provider_organisation_id", "local_authority_id",
              "location", "name", "owner_name")
        .order_by("urn")
    )  # fmt: skip
    lots: dict[int, Any] = {}
    memberships = current_memberships(region.pk, today=today).select_related("lot__framework")
    for membership in memberships.prefetch_related("rates"):
        rates = {rate.need_level: rate.weekly_rate for rate in membership.rates.all()}
        lots.setdefault(membership.setting_id, (membership.lot, rates))
    districts = dict(PostcodeDistrict.objects.values_list("district", "point"))
    return _Pool(settings=settings_, lots=lots, region_areas=area_ids, districts=districts)


def _rows(
    rng: random.Random,
    las: list[Any],
    officers: dict[int, User],
    *,
    today: date,
    count: int,
    horizon: datetime,
) -> list[_Row]:
    """The requests, oldest first, spread evenly over the year, the newest left open."""
    shares = requests_per_la(las, count, rng)
    makers = [la for la in las for _ in range(shares[la.pk])]
    rng.shuffle(makers)
    moments = request_moments(rng, today=today, count=count, months=MONTHS, horizon=horizon)
    newest = count - round(count * OPEN_SHARE)
    rows = []
    for index, (la, moment) in enumerate(zip(makers, moments, strict=True)):
        hard = rng.random() < HARD_SHARE
        profile = child_profile(rng, hard=hard)
        request = PlacementRequest(
            organisation=la,
            created_by=officers[la.pk],
            reference=f"{DEMO_REFERENCE_PREFIX}{index + 1:05d}",
            created_at=moment,
            updated_at=moment,
            **profile,
        )
        rows.append(_Row(request=request, created=moment, hard=hard, keep_open=index >= newest))
    return rows


def _shares(rng: random.Random, rows: list[_Row], referrals: int) -> None:
    """Exactly `referrals` referrals shared among the requests that found something on the
    service (not the hard ones), at most MAX_REFERRALS each: one each first, the rest at random."""
    found = [row for row in rows if not row.hard] or rows
    if referrals > len(found) * MAX_REFERRALS:
        found = rows
    if referrals > len(found) * MAX_REFERRALS:
        raise ValueError(f"At most {len(rows) * MAX_REFERRALS} referrals for {len(rows)} requests")
    for row in found[:referrals]:
        row.referral_count = 1
    room = [row for row in found if row.referral_count and row.referral_count < MAX_REFERRALS]
    left = referrals - sum(row.referral_count for row in found)
    while left:
        index = rng.randrange(len(room))
        row = room[index]
        row.referral_count += 1
        left -= 1
        if row.referral_count == MAX_REFERRALS:
            room[index] = room[-1]
            room.pop()


def _places(rng: random.Random, row: _Row, sample: list[Postcode]) -> None:
    request = row.request
    age = int(request.age_years or 0)
    school = school_label(age)
    first, second = rng.sample(sample, 2)
    chosen = [(school, first, 10 if row.hard else rng.choice((30, 45, 60, None)))]
    if rng.random() < 0.7:
        chosen.append((rng.choice(("Family", "Grandparents", "Contact centre")), second, None))
    for position, (label, postcode, minutes) in enumerate(chosen):
        row.places.append(
            PlaceThatMatters(
                request=request,
                label=label,
                postcode=postcode.postcode,
                point=postcode.point,
                max_minutes=minutes,
                position=position,
                created_at=row.created,
                updated_at=row.created,
            )
        )
    request.home_district = (second if len(chosen) > 1 else first).district


def _funnel(rng: random.Random, row: _Row) -> dict[str, int]:
    """Each step keeps a share of the one before; a hard request runs out at one of them, a
    request that will be referred keeps enough on the service for its referrals."""
    accommodation = row.request.accommodation
    funnel = {"registered": sum(REGISTERED[Accommodation(kind)] for kind in accommodation)}
    keep = {
        "criteria": (0.01, 0.06),
        "available": (0.3, 0.8),
        "where": (0.2, 1.0),
        "travel": (0.1, 1.0),
    }
    before = funnel["registered"]
    ran_out = rng.choice(list(keep)) if row.hard else None
    for step, (low, high) in keep.items():
        before = 0 if step == ran_out else round(before * rng.uniform(low, high))
        funnel[step] = before
    funnel["on_service"] = round(before * rng.uniform(0.1, 0.5))
    if row.referral_count:
        funnel["on_service"] = max(funnel["on_service"], row.referral_count)
        for step in ("travel", "where", "available", "criteria"):
            funnel[step] = max(funnel[step], funnel["on_service"])
    return funnel


def _searches(rng: random.Random, row: _Row, pool: _Pool) -> None:
    """One search, or two when the first found too little on the service (the second wider)."""
    request = row.request
    profile = profile_parts.profile_record(request, today=row.created.date())
    profile |= {
        "reference": request.reference,
        "places": [
            {"label": p.label, "district": p.postcode.split(" ")[0], "max_minutes": p.max_minutes}
            for p in row.places
        ],
        "areas_to_avoid": 0,
    }
    runs = 2 if not row.hard and rng.random() < 0.4 else 1
    for run in range(runs):
        wider = run == 1
        funnel = (
            _funnel(rng, row)
            if wider or runs == 1
            else _funnel(rng, _Row(request, row.created, True, False))
        )
        area = (
            AreaKind.ANYWHERE
            if wider
            else weighted_pick(
                rng,
                {
                    AreaKind.ANYWHERE: 45,
                    AreaKind.REGION: 25,
                    AreaKind.OWN_LA: 10,
                    AreaKind.RADIUS: 20,
                },
            )
        )
        at = row.created + timedelta(minutes=rng.randint(5, 40) + run * 20)
        matches = rng.sample(pool.settings, min(funnel["on_service"], 5, len(pool.settings)))
        row.searches.append(
            PlacementSearch(
                request=request,
                run_by=request.created_by,
                criteria={
                    "area": area, "las": [], "postcode": "", "radius_miles": None, "polygon": "",
                    "include_unconfirmed": wider, "on_service_only": False, "limits": {},
                    "on_frameworks": False, "framework_id": None,
                },
                profile=profile,
                engine="estimate",
                funnel=funnel,
                results=[_result(rng, setting) for setting in matches],
                match_count=funnel["travel"],
                milliseconds=rng.randint(30, 400),
                created_at=at,
                updated_at=at,
            )
        )  # fmt: skip


def _result(rng: random.Random, setting: Setting) -> dict[str, Any]:
    return {
        "urn": setting.urn,
        "name": setting.display_name,
        "provision_type": setting.provision_type,
        "owner_name": setting.owner_name,
        "on_service": True,
        "score": round(rng.uniform(45, 90), 1),
        "confirmed": True,
        "vacancy_state": "fresh",
        "vacancy_places": 1,
        "households": None,
        "travel": [],
        "reasons": [],
        "concerns": [],
    }


def _price(rng: random.Random, setting: Setting) -> Decimal:
    low, high = PRICE_RANGE.get(setting.provision_type, HOME_PRICE_RANGE)
    return Decimal(rng.randrange(low, high, 25))


def _referrals(rng: random.Random, row: _Row, pool: _Pool, horizon: datetime) -> None:
    """Sent from the last search, each answered (interested, not able) or not by its deadline."""
    if not row.referral_count:
        return
    request, search = row.request, row.searches[-1]
    sent_at = search.created_at + timedelta(minutes=rng.randint(5, 45))
    deadline = sent_at + timedelta(hours=DEFAULT_ANSWER_HOURS[Urgency(request.urgency)])
    for index, setting in enumerate(rng.sample(pool.settings, row.referral_count)):
        referral = Referral(
            request=request,
            setting=setting,
            provider_id=setting.provider_organisation_id,  # type: ignore[misc] # on the service
            search=search,
            sent_by=request.created_by,
            sent_at=sent_at,
            deadline=deadline,
            profile=search.profile,
            places=[
                {"label": p.label, "district": p.postcode.split(" ")[0], "minutes": None,
                 "estimated": True, "max_minutes": p.max_minutes}
                for p in row.places
            ],
            created_at=sent_at,
            updated_at=sent_at,
        )  # fmt: skip
        keen = index == 0 and not row.keep_open
        answer = "interested" if keen else weighted_pick(rng, ANSWER_WEIGHTS)
        answered_at = sent_at + (deadline - sent_at) * rng.uniform(0.1, 0.9)
        if answer and answered_at <= horizon:
            referral.answered_at = referral.updated_at = answered_at
            if answer == "interested":
                referral.status = Referral.Status.INTERESTED
                referral.weekly_price = _price(rng, setting)
                referral.start_date = answered_at.date() + timedelta(days=rng.randint(0, 14))
                referral.price_includes = [
                    ServiceIncluded.CORE,
                    *rng.sample(
                        [ServiceIncluded.EDUCATION, ServiceIncluded.THERAPY], rng.randint(0, 2)
                    ),
                ]
            else:
                referral.status = Referral.Status.NOT_ABLE
                referral.not_able_reason = weighted_pick(rng, NOT_ABLE_WEIGHTS)
                if referral.not_able_reason == Referral.NotAbleReason.OTHER:
                    referral.answer_note = "Demo data: no room for another child this month"
        elif deadline <= horizon:
            referral.status = Referral.Status.EXPIRED
            referral.closed_at = referral.updated_at = deadline
        row.referrals.append(referral)


def _ending(rng: random.Random, row: _Row, pool: _Pool, horizon: datetime) -> None:
    """Placed here (at the first keen provider), closed for another reason, or left open."""
    request = row.request
    at = row.created + closing_delay(rng, request.urgency)
    if row.referrals:
        at = max(at, row.referrals[0].deadline + timedelta(hours=rng.uniform(1, 20)))
    if row.keep_open or at > horizon:
        return
    request.status = PlacementRequest.Status.CLOSED
    request.closed_at = request.updated_at = at
    keen = [r for r in row.referrals if r.status == Referral.Status.INTERESTED]
    if keen and rng.random() < PLACED_SHARE / 0.85:
        _place(rng, row, keen[0], pool, at)
        return
    reason = weighted_pick(rng, OTHER_CLOSE_WEIGHTS)
    request.close_reason = reason
    if reason == CloseReason.PLACED_OUTSIDE:
        kind = rng.choice(request.accommodation)
        low, high = SECURED_PRICE[Accommodation(kind)]
        request.secured_accommodation = kind
        request.secured_weekly_cost = Decimal(rng.randrange(low, high, 50))
        request.secured_in_area = rng.random() < 0.35
    elif reason == CloseReason.OTHER:
        request.close_note = rng.choice(OTHER_NOTES)


_CLOSED_BY_PLACING = (Referral.Status.SENT, Referral.Status.INTERESTED)


def _place(rng: random.Random, row: _Row, chosen: Referral, pool: _Pool, at: datetime) -> None:
    """What placement_decide would write: the outcome with its distances (straight-line miles,
    minutes as the estimate engine gives them), the chosen referral placed, the others filled."""
    request, setting = row.request, chosen.setting
    request.close_reason = CloseReason.PLACED_HERE
    for referral in row.referrals:
        if referral is chosen:
            referral.status = Referral.Status.PLACED
        elif referral.status in _CLOSED_BY_PLACING:
            referral.status = Referral.Status.FILLED
        elif referral.status != Referral.Status.NOT_ABLE:
            continue
        referral.closed_at = referral.updated_at = at
    cost = chosen.weekly_price
    assert cost is not None and chosen.start_date is not None
    education = education_share(cost, chosen.price_includes)
    lot, rates = pool.lots.get(setting.pk, (None, {}))
    tendered = rates.get(request.need_level) if lot else None
    row.outcome = PlacementOutcome(
        request=request,
        referral=chosen,
        setting=setting,
        urn=setting.urn,
        start_date=max(chosen.start_date, at.date()),
        weekly_cost=cost,
        services_included=chosen.price_includes,
        social_care_weekly=cost - education,
        education_weekly=education,
        commercial_route=CommercialRoute.FRAMEWORK if lot else CommercialRoute.SPOT,
        lot=lot,
        need_level=request.need_level,
        tendered_rate=tendered,
        above_rate_reason="Demo data: agreed for the child's additional needs"
        if tendered is not None and cost > tendered
        else "",
        decided_by=request.created_by,
        created_at=at,
        updated_at=at,
        **_distances(row, setting, pool),
    )


def _miles(a: Any, b: Any) -> float:
    """Great-circle miles between two points (SRID 4326): near enough for the bench."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a.x, a.y, b.x, b.y))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(h)) / METRES_PER_MILE


def _distances(row: _Row, setting: Setting, pool: _Pool) -> dict[str, Any]:
    request = row.request
    location = setting.location
    home = pool.districts.get(request.home_district)
    ends = [("Home", request.home_district, home)] if home is not None else []
    ends += [(p.label, p.postcode.split(" ")[0], p.point) for p in row.places]
    journeys = []
    for label, district, point in ends:
        miles = round(_miles(location, point), 1)
        minutes = round(miles * MINUTES_PER_MILE)
        journeys.append(
            {"label": label, "district": district, "miles": miles, "minutes": minutes,
             "estimated": True}
        )  # fmt: skip
    home_miles = Decimal(str(journeys[0]["miles"])) if home is not None else None
    school = next((j for j in journeys if j["label"] in ("School", "College", "Nursery")), None)
    first = row.places[0]
    return {
        "distance_from": first.label,
        "distance_from_home_miles": Decimal(str(round(_miles(first.point, location), 1))),
        "home_district": request.home_district,
        "home_miles": home_miles,
        "home_minutes": journeys[0]["minutes"] if home is not None else None,
        "school_minutes": school["minutes"] if school else None,
        "inside_la": setting.local_authority_id == request.organisation.area_id,
        "inside_region": setting.local_authority_id in pool.region_areas,
        "over_20_miles": None if home_miles is None else home_miles > 20,
        "travel_engine": "estimate",
        "travel_estimated": True,
        "journeys": journeys,
    }
