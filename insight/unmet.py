"""Where unmet demand is: the postcode districts of the places that matter (school, family,
contact) of the requests made in a period that found nothing, for siting new homes and recruiting
carers. A request found nothing when its latest search matched no setting, or it was closed
because no suitable provider was found. Never finer than the district (the postcode's first
part): the places themselves stay with their requests.

One query, grouped in PostgreSQL by placing LA and district."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import CharField, Count, Func, OuterRef, Q, QuerySet, Subquery, Value

from insight.sufficiency import requests_made
from placements.models import CloseReason, PlacementRequest, PlacementSearch, PlaceThatMatters


class OutwardCode(Func):
    """A postcode's district: the part before its space (postcodes are stored "LE15 6AB")."""

    function = "split_part"
    output_field = CharField()

    def __init__(self, expression: str) -> None:
        super().__init__(expression, Value(" "), Value(1))


def unmet_requests(
    *, organisation_ids: Sequence[int], start: dt.date, end: dt.date
) -> QuerySet[PlacementRequest]:
    latest_matches = Subquery(
        PlacementSearch.objects.filter(request=OuterRef("pk"))
        .order_by("-created_at", "-pk")
        .values("match_count")[:1]
    )
    return (
        requests_made(organisation_ids, start, end)
        .annotate(latest_matches=latest_matches)
        .filter(Q(latest_matches=0) | Q(close_reason=CloseReason.NO_SUITABLE_PROVIDER))
    )


@dataclass(frozen=True)
class UnmetDistrict:
    organisation_id: int
    district: str
    requests: int  # requests with a place that matters in the district


def unmet_by_district(
    *, organisation_ids: Sequence[int], start: dt.date, end: dt.date
) -> list[UnmetDistrict]:
    unmet = unmet_requests(organisation_ids=organisation_ids, start=start, end=end)
    rows = (
        PlaceThatMatters.objects.filter(request__in=unmet.values("pk"))
        .annotate(district=OutwardCode("postcode"))
        .values("request__organisation_id", "district")
        .annotate(requests=Count("request", distinct=True))
        .order_by()
    )
    return [
        UnmetDistrict(row["request__organisation_id"], row["district"], row["requests"])
        for row in rows
    ]
