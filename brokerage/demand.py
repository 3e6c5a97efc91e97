"""The region's demand in aggregate, for hub admins: counts per member local authority, never a
child's request, a referral or one placement's price.

A median weekly cost is shown only where at least MIN_PRICES_FOR_MEDIAN placements were recorded,
so that no single placement's price can be read off (prices an LA paid are that LA's; the region
sees aggregates).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q

from accounts.models import Organisation, Region
from brokerage.models import OffServiceEnquiry, PlacementOutcome, Referral
from placements.models import PlacementRequest, PlacementSearch

MIN_PRICES_FOR_MEDIAN = 3

# A referral nobody answered before the request closed (the place was filled, here or elsewhere,
# or the officer closed the request): closed, not a provider's silence.
CLOSED_BEFORE_AN_ANSWER = Q(answered_at__isnull=True) & (
    Q(status__in=[Referral.Status.FILLED, Referral.Status.PLACED])
    | Q(status=Referral.Status.SENT, request__status=PlacementRequest.Status.CLOSED)
)


@dataclass(frozen=True)
class DemandRow:
    name: str
    requests: int
    open_requests: int
    searches: int
    referrals: int
    interested: int
    not_able: int
    unanswered: int
    closed_unanswered: int
    placements: int
    median_weekly_cost: Decimal | None
    # Settings whose provider is not on the service, asked by phone or email (and how many of
    # those enquiries found them interested).
    off_service_enquiries: int = 0
    off_service_interested: int = 0


def _median(costs: list[Decimal]) -> Decimal | None:
    if len(costs) < MIN_PRICES_FOR_MEDIAN:
        return None
    return Decimal(statistics.median(costs)).quantize(Decimal("1"))


def region_demand(region: Region) -> tuple[list[DemandRow], DemandRow]:
    """One row per member LA of `region` (by name), and the region's total."""
    las = list(
        Organisation.objects.filter(
            region=region, kind=Organisation.Kind.LOCAL_AUTHORITY, member_until__isnull=True
        ).order_by("name")
    )
    ids = [la.pk for la in las]
    requests = {
        row["organisation"]: row
        for row in PlacementRequest.objects.filter(organisation__in=ids)
        .values("organisation")
        .annotate(total=Count("pk"), open=Count("pk", filter=Q(status="open")))
    }
    searches = dict(
        PlacementSearch.objects.filter(request__organisation__in=ids)
        .values_list("request__organisation")
        .annotate(n=Count("pk"))
    )
    referrals = {
        row["request__organisation"]: row
        for row in Referral.objects.filter(request__organisation__in=ids)
        .values("request__organisation")
        .annotate(
            total=Count("pk"),
            interested=Count("pk", filter=Q(answered_at__isnull=False, weekly_price__isnull=False)),
            not_able=Count("pk", filter=~Q(not_able_reason="")),
            unanswered=Count("pk", filter=Q(answered_at__isnull=True) & ~CLOSED_BEFORE_AN_ANSWER),
            closed_unanswered=Count("pk", filter=CLOSED_BEFORE_AN_ANSWER),
        )
    }
    enquiries = {
        row["request__organisation"]: row
        for row in OffServiceEnquiry.objects.filter(request__organisation__in=ids)
        .values("request__organisation")
        .annotate(
            total=Count("pk"),
            interested=Count("pk", filter=Q(result=OffServiceEnquiry.Result.INTERESTED)),
        )
    }
    costs: dict[int, list[Decimal]] = {}
    for organisation_id, cost in PlacementOutcome.objects.filter(
        request__organisation__in=ids
    ).values_list("request__organisation", "weekly_cost"):
        costs.setdefault(organisation_id, []).append(cost)

    rows = []
    for la in las:
        asked: dict[str, Any] = dict(referrals.get(la.pk, {}))
        made: dict[str, Any] = dict(requests.get(la.pk, {}))
        enquired: dict[str, Any] = dict(enquiries.get(la.pk, {}))
        rows.append(
            DemandRow(
                name=la.name,
                requests=made.get("total", 0),
                open_requests=made.get("open", 0),
                searches=searches.get(la.pk, 0),
                referrals=asked.get("total", 0),
                interested=asked.get("interested", 0),
                not_able=asked.get("not_able", 0),
                unanswered=asked.get("unanswered", 0),
                closed_unanswered=asked.get("closed_unanswered", 0),
                placements=len(costs.get(la.pk, [])),
                median_weekly_cost=_median(costs.get(la.pk, [])),
                off_service_enquiries=enquired.get("total", 0),
                off_service_interested=enquired.get("interested", 0),
            )
        )
    total = DemandRow(
        name="The region",
        requests=sum(r.requests for r in rows),
        open_requests=sum(r.open_requests for r in rows),
        searches=sum(r.searches for r in rows),
        referrals=sum(r.referrals for r in rows),
        interested=sum(r.interested for r in rows),
        not_able=sum(r.not_able for r in rows),
        unanswered=sum(r.unanswered for r in rows),
        closed_unanswered=sum(r.closed_unanswered for r in rows),
        placements=sum(r.placements for r in rows),
        median_weekly_cost=_median([c for values in costs.values() for c in values]),
        off_service_enquiries=sum(r.off_service_enquiries for r in rows),
        off_service_interested=sum(r.off_service_interested for r in rows),
    )
    return rows, total
