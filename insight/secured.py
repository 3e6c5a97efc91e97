"""Sought against secured, for the requests made in a period: the kind of placement asked for
(each request's first choice) against what the child got (the kind placed through the service or
outside it, in-house, or nothing yet), and for those placed, how (framework, spot, block, outside
the service, in-house) and whether inside the placing LA.

Two queries, grouped in PostgreSQL by placing LA."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When

from insight.distance import accommodation_of_setting
from insight.sufficiency import requests_made
from placements.models import CloseReason, PlacementRequest

IN_HOUSE = "in_house"
NOT_PLACED = "not_placed"
STILL_OPEN = "open"
OUTSIDE_SERVICE = "outside_service"
# What a request's child got, besides a kind of placement (providers.Accommodation).
OUTCOME_LABELS = {
    IN_HOUSE: "Placed in-house",
    NOT_PLACED: "Closed without a placement",
    STILL_OPEN: "Still open",
}
ROUTE_LABELS = {
    "framework": "Framework",
    "dps": "Dynamic purchasing system",
    "spot": "Spot purchase",
    "block": "Block contract",
    OUTSIDE_SERVICE: "Outside this service",
    IN_HOUSE: "In-house",
}


def _made(
    organisation_ids: Sequence[int], start: dt.date, end: dt.date
) -> QuerySet[PlacementRequest]:
    return requests_made(organisation_ids, start, end)


def _secured() -> Case:
    """What the request's child got: a kind of placement, in-house, nothing, or still open."""
    return Case(
        When(outcome__isnull=False, then=accommodation_of_setting("outcome__setting__")),
        When(close_reason=CloseReason.PLACED_OUTSIDE, then=F("secured_accommodation")),
        When(close_reason=CloseReason.PLACED_IN_HOUSE, then=Value(IN_HOUSE)),
        When(status=PlacementRequest.Status.OPEN, then=Value(STILL_OPEN)),
        default=Value(NOT_PLACED),
        output_field=CharField(),
    )


def _route() -> Case:
    return Case(
        When(outcome__isnull=False, then=F("outcome__commercial_route")),
        When(close_reason=CloseReason.PLACED_OUTSIDE, then=Value(OUTSIDE_SERVICE)),
        When(close_reason=CloseReason.PLACED_IN_HOUSE, then=Value(IN_HOUSE)),
        default=Value(""),
        output_field=CharField(),
    )


@dataclass(frozen=True)
class SoughtSecured:
    organisation_id: int
    sought: str  # the first kind of placement asked for
    secured: str  # a kind of placement, or IN_HOUSE, NOT_PLACED, STILL_OPEN
    requests: int


def sought_secured(
    *, organisation_ids: Sequence[int], start: dt.date, end: dt.date
) -> list[SoughtSecured]:
    rows = (
        _made(organisation_ids, start, end)
        .annotate(sought=F("accommodation__0"), secured=_secured())
        .values("organisation_id", "sought", "secured")
        .annotate(requests=Count("pk"))
        .order_by()
    )
    return [SoughtSecured(**row) for row in rows]


@dataclass(frozen=True)
class SecuredRoute:
    organisation_id: int
    route: str
    placements: int
    inside_la: int
    outside_la: int


def secured_routes(
    *, organisation_ids: Sequence[int], start: dt.date, end: dt.date
) -> list[SecuredRoute]:
    """How the placements of requests made in the period were secured, and where: inside the LA
    from the outcome's measure, or for a placement outside the service, the officer's answer;
    the service does not know where an in-house placement is, so it counts as neither."""
    rows = (
        _made(organisation_ids, start, end)
        .annotate(route=_route())
        .exclude(route="")
        .values("organisation_id", "route")
        .annotate(
            placements=Count("pk"),
            inside_la=Count("pk", filter=Q(outcome__inside_la=True) | Q(secured_in_area=True)),
            outside_la=Count("pk", filter=Q(outcome__inside_la=False) | Q(secured_in_area=False)),
        )
        .order_by()
    )
    return [SecuredRoute(**row) for row in rows]
