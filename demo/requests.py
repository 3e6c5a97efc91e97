"""Demo placement requests: a year of a region's work, so that every insight dashboard has
figures to show (issue 13). Only for development, demonstrations and the benchmark; refused
unless settings.DEMO_DATA_ALLOWED is true.

- `demo_requests_seed`: a few hundred varied requests over the months before a day, made through
  the real services (create, search, refer, answer, decide or close), each service told the
  simulated moment through its `now=` where it has one. Deterministic for a seed.
- `demo_requests_bulk` (demo/requests_bulk.py): thousands of requests written with bulk_create, no
  services, for `make bench`.

Every request's reference is "DEMO-<number>" (a case reference must include a number, and a
child's name never does): that is how demo requests are marked, found and never made twice.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Value
from django.db.models.functions import MD5, Coalesce, Concat
from django.utils import timezone

from accounts.models import AuditEvent, Organisation, Region, Role, User
from brokerage.models import Notification, Referral, ServiceIncluded
from brokerage.referrals import (
    Answer,
    Shortlisted,
    default_deadline,
    placement_decide,
    referral_answer,
    referral_deadlines_check,
    referral_send,
)
from commissioning.search import current_memberships
from common.demo import require_demo_allowed
from geo.models import Postcode, PostcodeDistrict
from placements.matching import AreaKind, Match, SearchAreaError, SearchCriteria
from placements.models import (
    CLOSE_REASONS_CHOSEN,
    ChildSex,
    CloseReason,
    PlacementRequest,
    PlacementSearch,
    PlaceThatMatters,
    Urgency,
)
from placements.services import (
    placement_request_close,
    placement_request_create,
    placement_search_run,
)
from providers.models import (
    Accommodation,
    Communication,
    LivingAlongside,
    Need,
    PlacementKind,
    Risk,
)

DEMO_REFERENCE_PREFIX = "DEMO-"
DEMO_OFFICER_EMAIL = "placement.officer.{gss}@example.org"
DEMO_PROVIDER_EMAIL = "provider.referrals.{pk}@example.org"
DEMO_NOT_SENT = "Not sent: demo data"
DEFAULT_SEED = 13

# Every authority gets at least this many requests (fewer only when there are too few to go
# round); the rest go by size, the number of postcodes in the authority standing for it.
MIN_PER_LA = 3
POSTCODE_SAMPLE = 300
# The newest requests stay open, as live work would; so do a few older ones somebody forgot.
OPEN_SHARE = 0.13
STALE_OPEN_SHARE = 0.02
# Requests made hard to place on purpose (a journey limit no home meets, needs rarely met), so
# that the demand map and "ran out at step X" have something to show.
HARD_SHARE = 0.12
WIDEN_BELOW = 3
PLACED_HERE_SHARE = 0.8  # of the requests that could be placed here (an on-service match)
# Ages 0 to 17: most children needing a placement found this way are 13 to 16.
AGE_WEIGHTS = (3, 2, 2, 2, 2, 2, 2, 2, 3, 3, 4, 5, 7, 9, 10, 10, 9, 6)
OTHER_CLOSE_WEIGHTS = {
    CloseReason.PLACED_IN_HOUSE: 30,
    CloseReason.PLACED_OUTSIDE: 30,
    CloseReason.NO_LONGER_NEEDED: 15,
    CloseReason.NO_SUITABLE_PROVIDER: 15,
    CloseReason.OTHER: 10,
}
OTHER_NOTES = (
    "Demo data: returned home to family under a care plan",
    "Demo data: the court made a different order",
    "Demo data: moved to live with a connected person",
)
# How providers answer a referral ("": not by the deadline).
ANSWER_WEIGHTS = {Answer.INTERESTED: 45, Answer.NOT_ABLE: 35, "": 20}
NOT_ABLE_WEIGHTS = {
    Referral.NotAbleReason.NO_VACANCY: 35,
    Referral.NotAbleReason.CANNOT_MEET_NEEDS: 25,
    Referral.NotAbleReason.MATCHING: 25,
    Referral.NotAbleReason.LOCATION: 10,
    Referral.NotAbleReason.OTHER: 5,
}
# Weekly prices in pounds by kind of setting (low, high): a demo spread, not market data.
PRICE_RANGE = {
    "independent_fostering_agency": (850, 1500),
    "supported_accommodation": (1400, 3200),
}
HOME_PRICE_RANGE = (4200, 8500)
SECURED_PRICE = {
    Accommodation.FOSTER: (700, 1500),
    Accommodation.RESIDENTIAL: (4500, 9500),
    Accommodation.SUPPORTED: (1200, 3000),
}


@dataclass
class RequestsReport:
    """What `demo_requests_seed` made (all 0 when demo requests were already there)."""

    requests: int = 0
    months: int = 0
    placed_here: int = 0
    closed_other: int = 0
    open: int = 0
    close_reasons: dict[str, int] = field(default_factory=dict)
    searches: int = 0
    searches_without_match: int = 0
    referrals: int = 0
    answered: int = 0
    officers_created: int = 0
    provider_users_created: int = 0
    search_seconds: float = 0.0
    seconds: float = 0.0
    travel_engine: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def summary(self) -> str:
        if not self.requests:
            return "Demo requests are already there: nothing seeded"
        return (
            f"Seeded {self.requests} demo requests over {self.months} months: "
            f"{self.placed_here} placed here, {self.closed_other} closed for other reasons, "
            f"{self.open} open; {self.referrals} referrals ({self.answered} answered); "
            f"{self.searches} searches ({self.searches_without_match} found no match, "
            f"{self.search_seconds:.1f} s searching by {self.travel_engine}) "
            f"in {self.seconds:.1f} s"
        )


def demo_region() -> Region | None:
    """The region `seed_demo` made: on the demo ONS area, with a hub (the bench's own regions
    on the same area have none)."""
    from demo.seeding import DEMO_REGION_CODE

    return (
        Region.objects.filter(
            area__gss_code=DEMO_REGION_CODE, organisations__kind=Organisation.Kind.HUB
        )
        .order_by("pk")
        .first()
    )


def demo_requests_exist(region: Region) -> bool:
    return PlacementRequest.objects.filter(
        organisation__region=region, reference__startswith=DEMO_REFERENCE_PREFIX
    ).exists()


def member_las(region: Region) -> list[Organisation]:
    return list(
        Organisation.objects.filter(
            region=region,
            kind=Organisation.Kind.LOCAL_AUTHORITY,
            member_until__isnull=True,
            area__isnull=False,
        )
        .select_related("area")
        .order_by("gss_code")
    )


def requests_per_la(las: list[Organisation], count: int, rng: random.Random) -> dict[int, int]:
    """`count` requests shared among the authorities: a few each, the rest by size. The demo
    LA (Rutland, whose manager and officer are the demo logins) weighs as a mid-sized one, so
    their own dashboards have figures too: by postcodes it would get 1 in 40."""
    from demo.seeding import DEMO_LA_CODE

    sizes = dict(
        Postcode.objects.filter(utla_code__in=[la.gss_code for la in las])
        .values_list("utla_code")
        .annotate(n=Count("pk"))
        .values_list("utla_code", "n")
    )
    if DEMO_LA_CODE in sizes:
        sizes[DEMO_LA_CODE] = sum(sizes.values()) // len(las)
    floor = min(MIN_PER_LA, count // len(las))
    shares = {la.pk: floor for la in las}
    weights = [max(sizes.get(la.gss_code, 0), 1) for la in las]
    for la in rng.choices(las, weights=weights, k=count - floor * len(las)):
        shares[la.pk] += 1
    return shares


def postcode_sample(gss_code: str, seed: int) -> list[Postcode]:
    """Real postcodes in the authority whose district is known (a home district must be), the
    same ones for a seed."""
    known = PostcodeDistrict.objects.values("district")
    return list(
        Postcode.objects.filter(utla_code=gss_code, district__in=known)
        .annotate(order=MD5(Concat(Value(str(seed)), "postcode")))
        .order_by("order")[:POSTCODE_SAMPLE]
    )


def la_officer(la: Organisation) -> tuple[User, bool]:
    """The authority's placement officer: its first, or a demo one made for it."""
    officer = (
        User.objects.filter(organisation=la, role=Role.PLACEMENT_OFFICER, is_active=True)
        .order_by("pk")
        .first()
    )
    if officer is not None:
        return officer, False
    from demo.seeding import DEMO_PASSWORD

    officer = User.objects.create(
        email=DEMO_OFFICER_EMAIL.format(gss=la.gss_code.lower()),
        full_name=f"{la.name} placement officer (demo)",
        organisation=la,
        role=Role.PLACEMENT_OFFICER,
    )
    officer.set_password(DEMO_PASSWORD)
    officer.save(update_fields=["password"])
    return officer, True


# --- One child ----------------------------------------------------------------------------------


def weighted_pick(rng: random.Random, weighted: Mapping[Any, float]) -> Any:
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


def _accommodation(age: int, rng: random.Random) -> list[str]:
    """Kinds that would suit, by age: fostering for the youngest, homes for most teenagers,
    supported accommodation only from 16 (most children placed through the hub are older)."""
    foster, home = Accommodation.FOSTER, Accommodation.RESIDENTIAL
    supported = Accommodation.SUPPORTED
    if age < 8:
        choices: dict[tuple[str, ...], float] = {(foster,): 80, (foster, home): 20}
    elif age < 13:
        choices = {(home,): 40, (foster,): 30, (foster, home): 30}
    elif age < 16:
        choices = {(home,): 55, (foster, home): 35, (foster,): 10}
    else:
        choices = {(supported,): 30, (home,): 30, (home, supported): 35, (foster,): 5}
    return list(weighted_pick(rng, choices))


def child_profile(rng: random.Random, *, hard: bool) -> dict[str, Any]:
    """A varied, plausible child: the request's profile fields (no reference, no places)."""
    age = rng.choices(range(18), weights=AGE_WEIGHTS)[0]
    sex = weighted_pick(rng, {ChildSex.FEMALE: 46, ChildSex.MALE: 50, ChildSex.NOT_STATED: 4})
    kind = weighted_pick(rng, {PlacementKind.PLANNED: 62, PlacementKind.EMERGENCY: 30})
    if age < 12 and rng.random() < 0.08:
        kind = PlacementKind.SHORT_BREAK
    if age >= 15 and sex == ChildSex.FEMALE and rng.random() < 0.1:
        kind = PlacementKind.PARENT_AND_CHILD
    if kind == PlacementKind.EMERGENCY:
        urgency = weighted_pick(rng, {Urgency.TODAY: 60, Urgency.WITHIN_5_DAYS: 40})
    else:
        urgency = weighted_pick(rng, {Urgency.OVER_5_DAYS: 80, Urgency.WITHIN_5_DAYS: 20})
    risk_count = rng.choices(
        (0, 1, 2, 3, 4), weights=(2, 3, 3, 2, 1) if age >= 11 else (6, 3, 1, 0, 0)
    )[0]
    risks = rng.sample(Risk.values, risk_count)
    needs_pool = [n for n in Need.values if n != Need.PARENTING]
    needs = rng.sample(needs_pool, rng.choices((0, 1, 2), weights=(5, 4, 1))[0])
    if kind == PlacementKind.PARENT_AND_CHILD:
        needs.append(Need.PARENTING)
    profile: dict[str, Any] = {
        "age_years": age,
        "sex": sex,
        "urgency": urgency,
        "placement_kind": kind,
        "accommodation": _accommodation(age, rng),
        "siblings_to_place_together": 1 if age < 12 and rng.random() < 0.12 else 0,
        "living_alongside": weighted_pick(
            rng,
            {
                LivingAlongside.WITH_OTHERS: 78,
                LivingAlongside.SOLO_ONLY: 10 if age >= 10 else 0,
                LivingAlongside.ONLY_YOUNGER: 6,
                LivingAlongside.ONLY_OLDER: 6,
            },
        ),
        "has_pet": rng.random() < 0.04,
        "deprivation_of_liberty": age >= 12 and rng.random() < 0.03,
        "communication": [Communication.ESOL] if rng.random() < 0.05 else [],
        "needs_adaptation": rng.random() < 0.03,
        "risks": risks,
        "needs": needs,
        "need_level": ("standard", "standard", "enhanced", "complex", "specialist")[risk_count],
    }
    if hard:
        # Needs few settings meet, on top of whatever journey limit makes it harder still.
        profile |= {
            "needs_adaptation": True,
            "deprivation_of_liberty": age >= 10,
            "communication": [Communication.BSL],
            "living_alongside": LivingAlongside.SOLO_ONLY if age >= 10 else "with_others",
        }
    return profile


def _places(
    age: int, sample: list[Postcode], rng: random.Random, *, hard: bool
) -> list[tuple[str, str, int | None]]:
    school = school_label(age)
    first, second = rng.sample(sample, 2)
    places: list[tuple[str, str, int | None]] = [
        (school, first.postcode, 10 if hard else rng.choice((30, 45, 45, 60, None)))
    ]
    if rng.random() < 0.7:
        family = rng.choice(("Family", "Family", "Grandparents", "Contact centre"))
        places.append((family, second.postcode, rng.choice((None, 60, 90))))
    return places


def _criteria(
    region: Region,
    places: list[tuple[str, str, int | None]],
    sample: list[Postcode],
    rng: random.Random,
) -> SearchCriteria:
    area = weighted_pick(
        rng, {AreaKind.ANYWHERE: 45, AreaKind.REGION: 25, AreaKind.OWN_LA: 10, AreaKind.RADIUS: 20}
    )
    if area == AreaKind.REGION and region.area_id is None:
        area = AreaKind.ANYWHERE
    if area == AreaKind.RADIUS:
        anchor = next(p for p in sample if p.postcode == places[0][1])
        return SearchCriteria(
            area=area,
            postcode=anchor.postcode,
            postcode_point=anchor.point,
            radius_miles=float(rng.choice((20, 30, 40))),
        )
    return SearchCriteria(area=area)


# --- A year of requests ---------------------------------------------------------------------------


@dataclass
class _Plan:
    number: int
    la: Organisation
    created: datetime
    hard: bool
    keep_open: bool


@dataclass
class _Run:
    """What one seeding run shares: its random generator, the people acting, the postcodes."""

    region: Region
    rng: random.Random
    horizon: datetime  # nothing is simulated after this moment (the real clock, or `today`)
    officers: dict[int, User]
    samples: dict[int, list[Postcode]]
    report: RequestsReport
    answerers: dict[int, User] = field(default_factory=dict)
    reasons_owed: list[str] = field(default_factory=lambda: list(CLOSE_REASONS_CHOSEN))


def demo_requests_seed(
    *,
    today: date,
    count: int = 240,
    months: int = 12,
    seed: int = DEFAULT_SEED,
    region: Region | None = None,
) -> RequestsReport:
    """`count` demo requests made over the `months` months before `today` by the placement
    officers of every member authority of the demo region (or `region`), searched, referred,
    answered and placed or closed through the services, about 15% left open. Does nothing when
    the region has demo requests already (run again: a report of 0)."""
    require_demo_allowed()
    started = time.perf_counter()
    report = RequestsReport(travel_engine=settings.TRAVEL_ENGINE)
    region = region or demo_region()
    if region is None or demo_requests_exist(region) or count < 1:
        return report
    las = member_las(region)
    if not las:
        return report
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    with transaction.atomic():
        officers = {}
        for la in las:
            officers[la.pk], made = la_officer(la)
            report.officers_created += made
        run = _Run(
            region=region,
            rng=rng,
            horizon=simulation_horizon(today),
            officers=officers,
            samples={la.pk: postcode_sample(la.gss_code, seed) for la in las},
            report=report,
        )
        plans = _plans(run, las, today=today, count=count, months=months)
        for plan in plans:
            if len(run.samples[plan.la.pk]) >= 2:
                _request_live(run, plan)
        _notifications_settle(region)
    report.months = months
    report.close_reasons = dict(sorted(report.close_reasons.items()))
    report.search_seconds = round(report.search_seconds, 2)
    report.seconds = round(time.perf_counter() - started, 2)
    return report


def simulation_horizon(today: date) -> datetime:
    """Nothing is simulated after this: the real clock, or the end of `today` if earlier."""
    now = timezone.now()
    end_of_today = timezone.make_aware(
        datetime.combine(today + timedelta(days=1), datetime.min.time())
    )
    return min(now, end_of_today)


def request_moments(
    rng: random.Random, *, today: date, count: int, months: int, horizon: datetime
) -> list[datetime]:
    """When each request is made, oldest first: spread evenly over the `months` months before
    `today` (each month gets its share), in working hours, none later than the horizon."""
    span_days = months * 365 / 12
    moments = []
    for index in range(count):
        days_back = span_days * (index % months + rng.random()) / months
        day = today - timedelta(days=max(1, int(days_back) + 1))
        moment = datetime.combine(day, datetime.min.time()) + timedelta(
            hours=rng.randint(8, 16), minutes=rng.randint(0, 59)
        )
        moments.append(min(timezone.make_aware(moment), horizon - timedelta(hours=2)))
    return sorted(moments)


def closing_delay(rng: random.Random, urgency: str) -> timedelta:
    """How long after the request it is placed or closed: hours for today, days for within 5
    days, weeks for a planned move."""
    if urgency == Urgency.TODAY:
        return timedelta(hours=rng.uniform(4, 48))
    if urgency == Urgency.WITHIN_5_DAYS:
        return timedelta(days=rng.uniform(1, 6))
    return timedelta(days=rng.uniform(5, 35))


def education_share(cost: Decimal, includes: list[str]) -> Decimal:
    """The part of an agreed weekly cost education pays, when the price includes it (a tenth)."""
    if ServiceIncluded.EDUCATION not in includes:
        return Decimal(0)
    return (cost * Decimal("0.1")).quantize(Decimal(1))


def school_label(age: int) -> str:
    return "Nursery" if age < 5 else "College" if age >= 16 else "School"


def _plans(
    run: _Run, las: list[Organisation], *, today: date, count: int, months: int
) -> list[_Plan]:
    """Who makes each request and when, oldest first: spread evenly over the months (each month
    gets its share), on working hours, the newest left open."""
    rng = run.rng
    shares = requests_per_la(las, count, rng)
    makers = [la for la in las for _ in range(shares[la.pk])]
    rng.shuffle(makers)
    moments = request_moments(rng, today=today, count=count, months=months, horizon=run.horizon)
    newest = count - round(count * OPEN_SHARE)
    plans = []
    for index, (la, moment) in enumerate(zip(makers, moments, strict=True)):
        plans.append(
            _Plan(
                number=index + 1,
                la=la,
                created=moment,
                hard=rng.random() < HARD_SHARE,
                keep_open=index >= newest or rng.random() < STALE_OPEN_SHARE,
            )
        )
    return plans


def _request_live(run: _Run, plan: _Plan) -> None:
    """One request's life: made, searched, referred, answered, then placed, closed or left open."""
    rng, report = run.rng, run.report
    officer = run.officers[plan.la.pk]
    sample = run.samples[plan.la.pk]
    audited_after = _last_audit_event()
    profile = child_profile(rng, hard=plan.hard)
    places = _places(profile["age_years"], sample, rng, hard=plan.hard)
    home = places[1][1] if len(places) > 1 and rng.random() < 0.8 else rng.choice(sample).postcode
    request = placement_request_create(
        actor=officer,
        places=places,
        areas_to_avoid=(),
        reference=f"{DEMO_REFERENCE_PREFIX}{plan.number:04d}",
        home_district=home.split(" ")[0],
        **profile,
    )
    report.requests += 1
    # The services stamp created_at with the real clock and take no `now`: moved to the day.
    PlacementRequest.objects.filter(pk=request.pk).update(
        created_at=plan.created, updated_at=plan.created
    )
    PlaceThatMatters.objects.filter(request=request).update(
        created_at=plan.created, updated_at=plan.created
    )
    searched_at = plan.created + timedelta(minutes=rng.randint(5, 40))
    search, on_service = _search(run, request, officer, places, searched_at, hard=plan.hard)
    referrals = _refer(run, request, officer, search, on_service, searched_at, plan=plan)
    outcome_at = _outcome_moment(run, request, plan, referrals)
    if referrals:
        last_deadline = max(r.deadline for r in referrals)
        sweep_at = last_deadline + timedelta(minutes=1)
        if sweep_at <= run.horizon and (outcome_at is None or sweep_at < outcome_at):
            referral_deadlines_check(now=sweep_at)
    if plan.keep_open or outcome_at is None:
        report.open += 1
        _stamp(request, audited_after=audited_after)
        return
    chosen = (
        Referral.objects.filter(request=request, status=Referral.Status.INTERESTED)
        .select_related("setting")
        .order_by("answered_at")
        .first()
    )
    # Each reason for closing otherwise is used once first, so every one is in the figures.
    placed_here = (
        not run.reasons_owed
        and bool(on_service)
        and chosen is not None
        and rng.random() < PLACED_HERE_SHARE
    )
    if placed_here and chosen is not None:
        _decide(run, request, officer, chosen, outcome_at)
        report.placed_here += 1
        _count(report, CloseReason.PLACED_HERE)
    else:
        reason = _close(run, request, officer, outcome_at, matched=bool(on_service))
        report.closed_other += 1
        _count(report, reason)
    _stamp(request, audited_after=audited_after)


def _count(report: RequestsReport, reason: str) -> None:
    report.close_reasons[reason] = report.close_reasons.get(reason, 0) + 1


def _stamp(request: PlacementRequest, *, audited_after: int) -> None:
    """The services stamp rows with the real clock: move this request's to its simulated times
    (referrals were sent with `now=`, so their own times are right already), and the audit
    events its life wrote (those after `audited_after`) to the moments they record."""
    Referral.objects.filter(request=request).update(
        created_at=F("sent_at"),
        updated_at=Coalesce(F("closed_at"), F("answered_at"), F("sent_at")),
    )
    PlacementRequest.objects.filter(pk=request.pk).update(
        updated_at=Coalesce(F("closed_at"), F("created_at"))
    )
    request.refresh_from_db(fields=["created_at", "closed_at"])
    referrals = {r.pk: r for r in Referral.objects.filter(request=request)}
    events = list(AuditEvent.objects.filter(pk__gt=audited_after))
    for event in events:
        referral = referrals.get(event.detail.get("referral"))
        if referral is not None:
            answered = event.action == AuditEvent.Action.REFERRAL_ANSWERED
            event.created_at = (referral.answered_at if answered else None) or referral.sent_at
        elif event.action in AUDITED_AT_CLOSING and request.closed_at:
            event.created_at = request.closed_at
        elif event.detail.get("placement_request") == request.pk:
            event.created_at = request.created_at
    AuditEvent.objects.bulk_update(events, ["created_at"])


AUDITED_AT_CLOSING = (
    AuditEvent.Action.PLACEMENT_REQUEST_CLOSED,
    AuditEvent.Action.PLACEMENT_DECIDED,
)


def _last_audit_event() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _search(
    run: _Run,
    request: PlacementRequest,
    officer: User,
    places: list[tuple[str, str, int | None]],
    searched_at: datetime,
    *,
    hard: bool,
) -> tuple[PlacementSearch | None, list[Match]]:
    """The officer's search, kept as the demand record, and the on-service matches to refer to.
    When it finds fewer than WIDEN_BELOW on the service, the officer searches again wider (no
    journey limits, anywhere, unconfirmed vacancies too), as officers do; not for a child whose
    needs are the hard part."""
    if searched_at > run.horizon:
        return None, []
    criteria = _criteria(run.region, places, run.samples[request.organisation_id], run.rng)
    search, matches = _search_once(run, request, officer, criteria, searched_at)
    found = {m.setting.pk: m for m in matches if m.confirmed and _on_service(m)}
    wider_at = searched_at + timedelta(minutes=run.rng.randint(10, 30))
    if len(found) < WIDEN_BELOW and not hard and wider_at <= run.horizon:
        limits = dict.fromkeys(request.places.values_list("pk", flat=True))
        wider = SearchCriteria(include_unconfirmed=True, limits=limits)
        search, matches = _search_once(run, request, officer, wider, wider_at)
        found |= {m.setting.pk: m for m in matches if _on_service(m) and m.setting.pk not in found}
    return search, list(found.values())


def _on_service(match: Match) -> bool:
    return match.setting.provider_organisation_id is not None


def _search_once(
    run: _Run,
    request: PlacementRequest,
    officer: User,
    criteria: SearchCriteria,
    searched_at: datetime,
) -> tuple[PlacementSearch, list[Match]]:
    started = time.perf_counter()
    try:
        search, result = placement_search_run(actor=officer, request=request, criteria=criteria)
    except SearchAreaError:
        search, result = placement_search_run(
            actor=officer, request=request, criteria=SearchCriteria()
        )
    run.report.search_seconds += time.perf_counter() - started
    run.report.searches += 1
    run.report.searches_without_match += search.match_count == 0
    # placement_search_run takes no `now` (it searches today's vacancies): dated afterwards.
    PlacementSearch.objects.filter(pk=search.pk).update(
        created_at=searched_at, updated_at=searched_at
    )
    return search, result.matches


def _answerer(run: _Run, organisation_id: int) -> User:
    """Someone at the provider to answer referrals (and be told of them): its first user, or a
    demo one made for it, who cannot sign in."""
    if organisation_id not in run.answerers:
        user = (
            User.objects.filter(
                organisation_id=organisation_id,
                is_active=True,
                role__in=(Role.PROVIDER_ADMIN, Role.PROVIDER_USER),
            )
            .order_by("pk")
            .first()
        )
        if user is None:
            organisation = Organisation.objects.get(pk=organisation_id)
            user = User(
                email=DEMO_PROVIDER_EMAIL.format(pk=organisation_id),
                full_name=f"{organisation.name} referrals team (demo)"[:200],
                organisation=organisation,
                role=Role.PROVIDER_USER,
            )
            user.set_unusable_password()
            user.save()
            run.report.provider_users_created += 1
        run.answerers[organisation_id] = user
    return run.answerers[organisation_id]


def _refer(
    run: _Run,
    request: PlacementRequest,
    officer: User,
    search: PlacementSearch | None,
    on_service: list[Match],
    searched_at: datetime,
    *,
    plan: _Plan,
) -> list[Referral]:
    """Referrals to 1 to 6 of the best on-service matches, and each provider's answer (or none)."""
    rng = run.rng
    sent_at = searched_at + timedelta(minutes=rng.randint(5, 45))
    if search is None or not on_service or sent_at > run.horizon:
        return []
    chosen = rng.sample(on_service[:8], rng.randint(1, min(6, len(on_service))))
    for match in chosen:
        assert match.setting.provider_organisation_id is not None
        _answerer(run, match.setting.provider_organisation_id)
    referrals = referral_send(
        actor=officer,
        request=request,
        shortlist=[
            Shortlisted(
                setting=m.setting, override_reason="Demo data: sent on the officer's judgement"
            )
            for m in chosen
        ],
        deadline=default_deadline(request, now=sent_at),
        search=search,
        now=sent_at,
    )
    run.report.referrals += len(referrals)
    for index, referral in enumerate(referrals):
        # The first is always keen when the request is to be placed here, so one can be.
        keen = index == 0 and not plan.keep_open
        run.report.answered += _answer(run, referral, keen=keen)
    return referrals


def _answer(run: _Run, referral: Referral, *, keen: bool) -> bool:
    rng = run.rng
    answer = Answer.INTERESTED if keen else weighted_pick(rng, ANSWER_WEIGHTS)
    window = referral.deadline - referral.sent_at
    answered_at = referral.sent_at + window * rng.uniform(0.1, 0.9)
    if not answer or answered_at > run.horizon:
        return False
    actor = run.answerers[referral.provider_id]
    if answer == Answer.NOT_ABLE:
        reason = weighted_pick(rng, NOT_ABLE_WEIGHTS)
        referral_answer(
            actor=actor,
            referral=referral,
            answer=answer,
            not_able_reason=reason,
            note="Demo data: no room for another child this month"
            if reason == Referral.NotAbleReason.OTHER
            else "",
            now=answered_at,
        )
        return True
    low, high = PRICE_RANGE.get(referral.setting.provision_type, HOME_PRICE_RANGE)
    includes = [ServiceIncluded.CORE]
    includes += rng.sample(
        [ServiceIncluded.EDUCATION, ServiceIncluded.THERAPY, ServiceIncluded.TRANSPORT],
        rng.randint(0, 2),
    )
    urgent = referral.request.urgency != Urgency.OVER_5_DAYS
    referral_answer(
        actor=actor,
        referral=referral,
        answer=answer,
        weekly_price=Decimal(rng.randrange(low, high, 25)),
        start_date=timezone.localdate(answered_at)
        + timedelta(days=rng.randint(0, 2 if urgent else 14)),
        price_includes=includes,
        now=answered_at,
    )
    return True


def _outcome_moment(
    run: _Run, request: PlacementRequest, plan: _Plan, referrals: list[Referral]
) -> datetime | None:
    """When the request is placed or closed: soon for an emergency, weeks for a planned move,
    always after its referrals' deadlines; None if that is still to come."""
    rng = run.rng
    moment = plan.created + closing_delay(rng, request.urgency)
    if referrals:
        moment = max(
            moment, max(r.deadline for r in referrals) + timedelta(hours=rng.uniform(1, 20))
        )
    return moment if moment <= run.horizon else None


def _decide(
    run: _Run, request: PlacementRequest, officer: User, chosen: Referral, decided_at: datetime
) -> None:
    """Placed at the keen provider, at its price, bought through a lot when it is a member."""
    cost = chosen.weekly_price
    assert cost is not None and chosen.start_date is not None
    education = education_share(cost, chosen.price_includes)
    membership = (
        current_memberships(run.region.pk, today=timezone.localdate(decided_at))
        .filter(setting=chosen.setting)
        .select_related("lot__framework")
        .first()
    )
    placement_decide(
        actor=officer,
        request=request,
        setting=chosen.setting,
        start_date=max(chosen.start_date, timezone.localdate(decided_at)),
        weekly_cost=cost,
        services_included=chosen.price_includes,
        social_care_weekly=cost - education,
        education_weekly=education,
        distance_from=request.places.order_by("position", "pk").first(),
        lot=membership.lot if membership else None,
        above_rate_reason="Demo data: agreed for the child's additional needs",
        now=decided_at,
    )
    # placement_decide dates the request and referrals by `now`, the outcome row by the clock.
    from brokerage.models import PlacementOutcome

    PlacementOutcome.objects.filter(request=request).update(
        created_at=decided_at, updated_at=decided_at
    )


def _close(
    run: _Run, request: PlacementRequest, officer: User, closed_at: datetime, *, matched: bool
) -> str:
    """Closed without a placement here: each reason once first, then a realistic mix (a request
    with nothing on the service found mostly ends as "no suitable provider" or outside)."""
    rng = run.rng
    if run.reasons_owed:
        reason = run.reasons_owed.pop(0)
    elif matched:
        reason = weighted_pick(rng, OTHER_CLOSE_WEIGHTS)
    else:
        reason = weighted_pick(
            rng,
            {
                CloseReason.NO_SUITABLE_PROVIDER: 45,
                CloseReason.PLACED_OUTSIDE: 30,
                CloseReason.PLACED_IN_HOUSE: 20,
                CloseReason.OTHER: 5,
            },
        )
    terms: dict[str, Any] = {}
    if reason == CloseReason.PLACED_OUTSIDE:
        kind = rng.choice(request.accommodation)
        low, high = SECURED_PRICE[Accommodation(kind)]
        terms = {
            "secured_accommodation": kind,
            "secured_weekly_cost": Decimal(rng.randrange(low, high, 50)),
            "secured_in_area": rng.random() < 0.35,
        }
    elif reason == CloseReason.OTHER:
        terms = {"note": rng.choice(OTHER_NOTES)}
    placement_request_close(actor=officer, request=request, reason=reason, now=closed_at, **terms)
    return reason


# Which of a referral's moments each notification was about.
NOTIFICATION_MOMENT: dict[str, str] = {
    Notification.Kind.REFERRAL_RECEIVED: "sent_at",
    Notification.Kind.REMINDER: "reminder_sent_at",
    Notification.Kind.ANSWERED: "answered_at",
    Notification.Kind.EXPIRED: "closed_at",
    Notification.Kind.FILLED: "closed_at",
    Notification.Kind.PLACED: "closed_at",
}


def _notifications_settle(region: Region) -> None:
    """The emails the simulated year queued are dated when they happened and marked as not
    sent (demo data): no one is emailed about a year that did not happen."""
    referrals = Referral.objects.filter(
        request__organisation__region=region,
        request__reference__startswith=DEMO_REFERENCE_PREFIX,
    ).values("pk", *set(NOTIFICATION_MOMENT.values()))
    moments = {row["pk"]: row for row in referrals}
    notifications = list(
        Notification.objects.filter(referral_id__in=list(moments), sent_at__isnull=True).only(
            "pk", "kind", "referral_id", "created_at"
        )
    )
    for notification in notifications:
        moment = moments[notification.referral_id][NOTIFICATION_MOMENT[notification.kind]]
        notification.created_at = notification.updated_at = moment or notification.created_at
        notification.sent_at = notification.created_at
        notification.last_error = DEMO_NOT_SENT
    Notification.objects.bulk_update(
        notifications, ["created_at", "updated_at", "sent_at", "last_error"], batch_size=500
    )
