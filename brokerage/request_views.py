"""A placement request's own page, which shows what its referrals led to, and the region's demand.

They live here, above placements/, because they show referrals and placements agreed.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.views import View

from accounts.mixins import PermissionRequiredMixin
from accounts.models import Organisation
from accounts.permissions import can_manage_region
from brokerage import records
from brokerage.demand import MIN_PRICES_FOR_MEDIAN, region_demand
from brokerage.distance import HOME
from brokerage.models import PlacementOutcome, ServiceIncluded
from brokerage.search_prices import outcome_median_row
from common.formats import labels, pounds
from geo.journeys import journey_minutes
from placements import selectors, services
from placements.models import CloseReason, PlacementRequest
from placements.permissions import can_make_placement_requests
from placements.views import profile_rows, search_url


def close_rows(placement_request: PlacementRequest) -> list[tuple[str, str]]:
    """Why a request closed and, when placed outside the service, what was secured."""
    if placement_request.status != PlacementRequest.Status.CLOSED:
        return []
    rows = [("Reason", placement_request.get_close_reason_display())]
    if placement_request.close_reason == CloseReason.PLACED_OUTSIDE:
        kind = placement_request.get_secured_accommodation_display() or "Not recorded"
        cost = placement_request.secured_weekly_cost
        in_area = placement_request.secured_in_area
        rows += [
            ("Kind of placement secured", kind),
            ("Weekly cost", "Not recorded" if cost is None else f"{pounds(cost)} a week"),
            (
                "Inside your area",
                "Not recorded" if in_area is None else ("Yes" if in_area else "No"),
            ),
        ]
    if placement_request.close_note:
        rows.append(("Note", placement_request.close_note))
    return rows


def distance_text(outcome: PlacementOutcome) -> str:
    """How far from home, in words: from the home district (the DfE's straight-line measure) and
    by road, inside or outside the LA and the region; else from the place the officer chose."""
    parts = []
    if outcome.home_miles is not None:
        parts.append(f"{outcome.home_miles} miles in a straight line from {outcome.home_district}")
        if outcome.home_minutes is not None and outcome.travel_estimated:
            # An estimate reads as a range and never "by road" (geo/journeys.py).
            parts.append(journey_minutes(outcome.home_minutes, estimated=True))
        elif outcome.home_minutes is not None:
            parts.append(f"{outcome.home_minutes} minutes by road")
    elif outcome.distance_from_home_miles is not None:
        text = f"{outcome.distance_from_home_miles} miles in a straight line"
        parts.append(text + (f" from {outcome.distance_from}" if outcome.distance_from else ""))
    for inside, name in ((outcome.inside_la, "your area"), (outcome.inside_region, "the region")):
        if inside is not None:
            parts.append(f"{'inside' if inside else 'outside'} {name}")
    return ", ".join(parts) if parts else "Not measured"


def outcome_rows(
    outcome: PlacementOutcome, viewer: Organisation | None = None, today: dt.date | None = None
) -> list[tuple[str, str]]:
    """What was secured, as (key, value) rows for a GOV.UK summary list; with `today`, the
    region's median for like-for-like placements as `viewer`'s LA may see it."""
    shares = [
        (label, amount)
        for label, amount in (
            ("social care", outcome.social_care_weekly),
            ("education", outcome.education_weekly),
            ("health", outcome.health_weekly),
        )
        if amount
    ]
    distance = distance_text(outcome)
    rows = [
        ("Setting", f"{outcome.setting.display_name} (URN {outcome.urn})"),
        ("Start date", date_format(outcome.start_date, "j F Y")),
        ("Weekly cost", f"{pounds(outcome.weekly_cost)} a week"),
        ("What the cost includes", labels(outcome.services_included, ServiceIncluded)),
        ("Who pays each week", ", ".join(f"{pounds(a)} {label}" for label, a in shares)),
        ("How it was bought", outcome.get_commercial_route_display()),
        ("Distance from home", distance),
    ]
    by_road = [
        f"{j['label']}: no route"
        if j["minutes"] is None
        else f"{j['label']} {journey_minutes(j['minutes'], estimated=True)}"
        if j.get("estimated", outcome.travel_estimated)
        else f"{j['label']} {j['minutes']} minutes"
        for j in outcome.journeys
        if j["label"] != HOME
    ]
    if by_road:
        where = "To" if outcome.travel_estimated else "By road to"
        rows.append((f"{where} the places that matter", ", ".join(by_road)))
    if outcome.lot is not None:
        rows.append(("Framework", f"{outcome.lot.framework.name}, lot {outcome.lot.number}"))
    if outcome.tendered_rate is not None:
        band = outcome.get_need_level_display()
        rows.append(("Tendered rate", f"{pounds(outcome.tendered_rate)} a week ({band})"))
    above = outcome.above_rate_by
    if above is not None:
        rows.append((f"Above the rate by {pounds(above)}", outcome.above_rate_reason))
    if today is not None:
        median = outcome_median_row(outcome, viewer, today)
        if median is not None:
            rows.append(median)
    return rows


class PlacementRequestDetailView(PermissionRequiredMixin, View):
    nav_section = "placements"
    permission = staticmethod(can_make_placement_requests)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        placement_request = selectors.placement_request_get(self.actor, pk)
        areas = [
            (area, services.radius_miles(area.radius_metres))
            for area in placement_request.areas_to_avoid.all()
        ]
        outcome = records.request_outcome(placement_request)
        return render(
            request,
            "brokerage/request_detail.html",
            {
                "placement_request": placement_request,
                "profile_rows": profile_rows(placement_request),
                "places": placement_request.places.all(),
                "areas": areas,
                "searches": selectors.placement_request_searches(placement_request)[:50],
                "search_url": search_url(placement_request),
                "is_open": placement_request.status == PlacementRequest.Status.OPEN,
                "referral_count": records.request_referrals(placement_request).count(),
                "outcome": outcome,
                "close_rows": close_rows(placement_request),
                "outcome_rows": (
                    outcome_rows(outcome, self.actor.organisation, timezone.localdate())
                    if outcome
                    else []
                ),
            },
        )


class RegionDemandView(PermissionRequiredMixin, View):
    """Hub admins: the region's requests, referrals and placements, in aggregate only."""

    nav_section = "demand"

    permission = staticmethod(can_manage_region)

    def get(self, request: HttpRequest) -> HttpResponse:
        region = self.actor.region
        rows, total = region_demand(region)
        return render(
            request,
            "brokerage/region_demand.html",
            {"region": region, "rows": rows, "total": total, "min_prices": MIN_PRICES_FOR_MEDIAN},
        )
