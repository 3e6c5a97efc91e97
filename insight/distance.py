"""Distance from home for placements that started in a period: how many were outside the placing
local authority, outside the region (its member LAs), over 20 miles from home in a straight line
(the DfE's measure), with no distance known, and the median minutes by road to school. Read from
what each outcome recorded on the day it was decided (brokerage/distance.py).

Two queries: one grouped by placing LA, one by kind of placement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Case, CharField, Count, F, Q, Value, When

from brokerage.benchmarks import PercentileCont
from brokerage.models import PlacementOutcome
from insight.models import DistanceBand, NationalDistance
from providers.models import ACCOMMODATION_PROVISION_TYPES


def accommodation_of_setting(prefix: str = "setting__") -> Case:
    """The kind of placement (providers.Accommodation) of a setting's Ofsted provision type."""
    return Case(
        *(
            When(**{f"{prefix}provision_type__in": types}, then=Value(str(kind)))
            for kind, types in ACCOMMODATION_PROVISION_TYPES.items()
        ),
        default=Value("other"),
        output_field=CharField(),
    )


@dataclass(frozen=True)
class DistanceCounts:
    placements: int = 0
    outside_la: int = 0
    outside_region: int = 0
    over_20_miles: int = 0
    not_known: int = 0
    school_measured: int = 0
    school_median_minutes: float | None = None


COUNTS = {
    "placements": Count("pk"),
    "outside_la": Count("pk", filter=Q(inside_la=False)),
    "outside_region": Count("pk", filter=Q(inside_region=False)),
    "over_20_miles": Count("pk", filter=Q(over_20_miles=True)),
    "not_known": Count("pk", filter=Q(home_miles__isnull=True)),
    "school_measured": Count("school_minutes"),
    "school_median_minutes": PercentileCont("school_minutes", 0.5),
}


def _placements(organisation_ids: Sequence[int], start: dt.date, end: dt.date):  # type: ignore[no-untyped-def]
    return PlacementOutcome.objects.filter(
        request__organisation_id__in=list(organisation_ids),
        start_date__gte=start,
        start_date__lt=end,
    )


def distance_by_la(
    *, organisation_ids: Sequence[int], start: dt.date, end: dt.date
) -> dict[int, DistanceCounts]:
    """Placements starting in [start, end), by the placing LA (its organisation id)."""
    rows = (
        _placements(organisation_ids, start, end)
        .values(la=F("request__organisation_id"))
        .annotate(**COUNTS)
        .order_by()
    )
    return {row.pop("la"): DistanceCounts(**row) for row in rows}


def distance_by_kind(
    *, organisation_ids: Sequence[int], start: dt.date, end: dt.date
) -> dict[str, DistanceCounts]:
    """Placements starting in [start, end), by the kind of placement secured."""
    rows = (
        _placements(organisation_ids, start, end)
        .annotate(kind=accommodation_of_setting())
        .values("kind")
        .annotate(**COUNTS)
        .order_by()
    )
    return {row.pop("kind"): DistanceCounts(**row) for row in rows}


@dataclass(frozen=True)
class NationalRow:
    """England's published percentages for one group (all children, or one kind)."""

    year: int
    group: str
    outside_la: int | None
    over_20_miles: int | None
    not_known: int | None


def national_distance(*, year: int | None = None) -> dict[str, NationalRow]:
    """The DfE's figures (the latest year loaded, unless given), keyed "all" or by kind."""
    figures = NationalDistance.objects.all()
    if year is None:
        year = figures.order_by("-year").values_list("year", flat=True).first()
    if year is None:
        return {}
    by_group: dict[str, dict[str, int | None]] = {}
    kinds: dict[str, str] = {}
    for figure in figures.filter(year=year):
        by_group.setdefault(figure.group, {})[figure.band] = figure.percentage
        kinds[figure.group] = figure.accommodation or (
            "all" if figure.group == "All children" else ""
        )
    rows: dict[str, NationalRow] = {}
    for group, bands in by_group.items():
        key = kinds[group]
        if not key:
            continue
        within = bands.get(DistanceBand.WITHIN_20_OUTSIDE)
        over = bands.get(DistanceBand.OVER_20_OUTSIDE)
        rows[key] = NationalRow(
            year=year,
            group=group,
            outside_la=None if within is None or over is None else within + over,
            over_20_miles=bands.get(DistanceBand.OVER_20),
            not_known=bands.get(DistanceBand.NOT_KNOWN),
        )
    return rows
