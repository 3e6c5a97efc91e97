"""Price benchmarks: what the region's local authorities agreed to pay a week, like for like.

Agreed weekly prices (PlacementOutcome.weekly_cost) are grouped per kind of placement (from the
setting's provision type: ACCOMMODATION_PROVISION_TYPES) into cells of need level (the request's
`need_level`) × route (spot, or framework / DPS / block: "contracted") × services included, and
each cell shows its count, lower quartile, median and upper quartile, computed by PostgreSQL
(`percentile_cont`, linear interpolation). The period is taken from the placement's start date.

Services included, in three buckets (the first that applies):
- "with education": the price includes education;
- "with therapy, transport or other": no education, but therapy, transport or something else;
- "core care only": core care alone (or nothing ticked).

Disclosure control (no single placement's price identifiable outside its LA):
- a cell with fewer than MIN_PRICES (5) prices shows "fewer than 5": no count, no figures;
- no totals, subtotals, sums, means, minimums or maximums are shown anywhere (on the page, the
  chart or the export), only cells, so no figure combines a suppressed cell with a shown one and
  nothing can be subtracted to reveal a price. Quartiles cannot be subtracted;
- the chart draws only the quartiles of shown cells (no whiskers: a whisker's end is one
  placement's price);
- the hub sees a local authority's figures under its name only if its LA manager opted in
  (Organisation.shares_prices_by_name); otherwise as "LA 1", "LA 2"... (numbered in the order
  the LAs joined, never alphabetically, so the number does not hint at the name);
- an LA manager sees their own LA's cells beside the whole region's, never another LA's; a
  region cell shows figures to them only if at least 5 of its prices are other LAs' (they know
  their own prices, so with fewer they could read another LA's price off the quartiles:
  "fewer than 5 from other LAs").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Aggregate, Case, CharField, Count, FloatField, QuerySet, Value, When

from accounts.models import AuditEvent, Organisation, Region, User
from accounts.services import audit_record
from brokerage.models import CommercialRoute, PlacementOutcome, ServiceIncluded
from commissioning.models import NeedLevel
from common.formats import pounds
from providers.models import ACCOMMODATION_PROVISION_TYPES, Accommodation

MIN_PRICES = 5
SUPPRESSED = "fewer than 5"
WITHHELD = "fewer than 5 from other LAs"

ROUTES = (("spot", "Spot"), ("contracted", "Framework, DPS or block"))
SERVICES = (
    ("core", "Core care only"),
    ("education", "With education"),
    ("extras", "With therapy, transport or other"),
)
NOT_ASSESSED = "Not assessed"
NEED_LEVELS = (*NeedLevel.choices, ("", NOT_ASSESSED))


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile of the grouped values (linear interpolation)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=float(fraction), **extra)


# Periods ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    start: dt.date
    end: dt.date  # inclusive


def periods(today: dt.date) -> list[Period]:
    """The last 12 months (to `today`), then the current and three past financial years."""
    choices = [
        Period(
            "12m",
            "Last 12 months",
            today.replace(year=today.year - 1) + dt.timedelta(days=1)
            if not (today.month == 2 and today.day == 29)
            else dt.date(today.year - 1, 3, 1),
            today,
        )
    ]
    first = today.year if today.month >= 4 else today.year - 1
    for year in range(first, first - 4, -1):
        choices.append(
            Period(
                f"fy{year}",
                f"Financial year {year} to {year + 1}",
                dt.date(year, 4, 1),
                dt.date(year + 1, 3, 31),
            )
        )
    return choices


def period_get(key: str | None, today: dt.date) -> Period:
    choices = periods(today)
    return next((p for p in choices if p.key == key), choices[0])


# Local authorities and their labels ------------------------------------------------------------


@dataclass(frozen=True)
class LaChoice:
    pk: int
    label: str


def la_choices(region: Region) -> list[LaChoice]:
    """The region's member LAs as the hub sees them: by name if they opted in, else numbered."""
    las = Organisation.objects.filter(
        region=region, kind=Organisation.Kind.LOCAL_AUTHORITY, member_until__isnull=True
    ).order_by("created_at", "pk")
    choices = [
        LaChoice(la.pk, la.name if la.shares_prices_by_name else f"LA {number}")
        for number, la in enumerate(las, start=1)
    ]
    return sorted(choices, key=lambda c: (not c.label.startswith("LA "), c.label))


# The tables --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    count: int
    lower_quartile: Decimal | None
    median: Decimal | None
    upper_quartile: Decimal | None
    # The region's cell as an LA manager would see it, with fewer than MIN_PRICES prices from
    # other LAs in it: knowing their own, they could read the others' off the quartiles.
    withheld: bool = False

    @property
    def suppressed(self) -> bool:
        return self.count < MIN_PRICES or self.withheld

    @property
    def note(self) -> str:
        """What a suppressed cell says instead of its figures."""
        return WITHHELD if self.withheld and self.count >= MIN_PRICES else SUPPRESSED

    def shown(self) -> list[str | int]:
        """Count, lower quartile, median and upper quartile as the page and export show them."""
        if self.suppressed:
            return [self.note, "", "", ""]
        return [
            self.count,
            pounds(self.lower_quartile),
            pounds(self.median),
            pounds(self.upper_quartile),
        ]


EMPTY = Cell(0, None, None, None)


@dataclass(frozen=True)
class Row:
    need_level: str
    route: str
    services: str
    cells: list[Cell]  # one per scope (hub: one; LA manager: own LA, then the region)

    @property
    def labels(self) -> list[str]:
        return [self.need_level, self.route, self.services]


@dataclass
class Table:
    accommodation: str
    label: str
    scopes: list[str]
    rows: list[Row] = field(default_factory=list)

    @property
    def headers(self) -> list[str]:
        columns = ["Need level", "Route", "Services included"]
        for scope in self.scopes:
            prefix = f"{scope}: " if len(self.scopes) > 1 else ""
            columns += [
                f"{prefix}Placements",
                f"{prefix}Lower quartile",
                f"{prefix}Median",
                f"{prefix}Upper quartile",
            ]
        return columns


def _kind_expression() -> Case:
    return Case(
        *(
            When(setting__provision_type__in=types, then=Value(str(kind)))
            for kind, types in ACCOMMODATION_PROVISION_TYPES.items()
        ),
        default=Value("other"),
        output_field=CharField(),
    )


def _route_expression() -> Case:
    return Case(
        When(commercial_route=CommercialRoute.SPOT, then=Value("spot")),
        default=Value("contracted"),
        output_field=CharField(),
    )


def _services_expression() -> Case:
    return Case(
        When(services_included__contains=[ServiceIncluded.EDUCATION], then=Value("education")),
        When(
            services_included__overlap=[
                ServiceIncluded.THERAPY,
                ServiceIncluded.TRANSPORT,
                ServiceIncluded.OTHER,
            ],
            then=Value("extras"),
        ),
        default=Value("core"),
        output_field=CharField(),
    )


def _money(value: float | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"))


def outcomes_in(
    region: Region, period: Period, organisation: Organisation | None = None
) -> QuerySet[PlacementOutcome]:
    """The placements counted: started in `period`, for `region`'s LAs (or `organisation`)."""
    outcomes = PlacementOutcome.objects.filter(
        request__organisation__region=region,
        request__organisation__kind=Organisation.Kind.LOCAL_AUTHORITY,
        start_date__gte=period.start,
        start_date__lte=period.end,
    )
    if organisation is not None:
        outcomes = outcomes.filter(request__organisation=organisation)
    return outcomes


def price_cells(outcomes: QuerySet[PlacementOutcome]) -> dict[tuple[str, str, str, str], Cell]:
    """(kind, need level, route, services) -> its cell, every figure computed in one query."""
    grouped = (
        outcomes.annotate(
            bench_kind=_kind_expression(),
            bench_route=_route_expression(),
            bench_services=_services_expression(),
        )
        .values("bench_kind", "request__need_level", "bench_route", "bench_services")
        .annotate(
            n=Count("pk"),
            lq=PercentileCont("weekly_cost", 0.25),
            med=PercentileCont("weekly_cost", 0.5),
            uq=PercentileCont("weekly_cost", 0.75),
        )
        .order_by()
    )
    return {
        (g["bench_kind"], g["request__need_level"], g["bench_route"], g["bench_services"]): Cell(
            g["n"], _money(g["lq"]), _money(g["med"]), _money(g["uq"])
        )
        for g in grouped
    }


def price_tables(
    region: Region,
    period: Period,
    *,
    scopes: list[tuple[str, Organisation | None]],
    viewer: Organisation | None = None,
) -> list[Table]:
    """One table per kind of placement; each row's cells are one per scope (a label and the LA
    it counts, or None for the whole region). Rows nobody placed in any scope are left out.

    `viewer`: the LA whose manager is looking. The region's cells then show figures only where
    at least MIN_PRICES of the prices come from other LAs."""
    by_scope = [price_cells(outcomes_in(region, period, la)) for _, la in scopes]
    if viewer is not None:
        own = price_cells(outcomes_in(region, period, viewer))
        for (_, la), found in zip(scopes, by_scope, strict=True):
            if la is None:
                for key, whole in found.items():
                    others = whole.count - own.get(key, EMPTY).count
                    if others < MIN_PRICES:
                        found[key] = replace(whole, withheld=True)
    tables = []
    for kind, kind_label in Accommodation.choices:
        table = Table(str(kind), str(kind_label), [label for label, _ in scopes])
        for need, need_label in NEED_LEVELS:
            for route, route_label in ROUTES:
                for services, services_label in SERVICES:
                    key = (str(kind), str(need), route, services)
                    cells = [found.get(key, EMPTY) for found in by_scope]
                    if any(cell.count for cell in cells):
                        table.rows.append(Row(str(need_label), route_label, services_label, cells))
        tables.append(table)
    return tables


# The chart ---------------------------------------------------------------------------------------

CHART_WIDTH = 640
CHART_LEFT = 250  # room for the row's label
CHART_ROW = 28


@dataclass(frozen=True)
class Box:
    label: str
    y: int
    x_lower: float
    x_median: float
    x_upper: float

    @property
    def width(self) -> float:
        return round(max(self.x_upper - self.x_lower, 1.0), 1)


@dataclass(frozen=True)
class Chart:
    title: str
    description: str
    height: int
    boxes: list[Box]
    ticks: list[tuple[float, str]]

    @property
    def axis_y(self) -> int:
        return self.height - 30


def box_plot(table: Table, scope: int = 0) -> Chart | None:
    """A horizontal box plot of the shown cells of one scope: quartiles only, no whiskers."""
    shown = [(row, row.cells[scope]) for row in table.rows if not row.cells[scope].suppressed]
    if not shown:
        return None
    top = max(cell.upper_quartile or Decimal(0) for _, cell in shown)
    step = Decimal(1000) if top <= 10000 else Decimal(5000)
    scale_max = ((top // step) + 1) * step
    span = CHART_WIDTH - CHART_LEFT - 20

    def x(value: Decimal | None) -> float:
        return round(CHART_LEFT + float((value or Decimal(0)) / scale_max) * span, 1)

    boxes = [
        Box(
            f"{row.need_level}, {row.route.lower()}, {row.services.lower()}",
            10 + index * CHART_ROW,
            x(cell.lower_quartile),
            x(cell.median),
            x(cell.upper_quartile),
        )
        for index, (row, cell) in enumerate(shown)
    ]
    count = int(scale_max / step)
    ticks = [(x(step * n), pounds(step * n)) for n in range(count + 1)]
    return Chart(
        title=f"{table.label}: weekly prices ({table.scopes[scope]})",
        description=(
            "Box plot of the lower quartile, median and upper quartile of agreed weekly prices "
            "for each row of the table shown with at least 5 placements. The table has the "
            "same figures."
        ),
        height=10 + len(boxes) * CHART_ROW + 30,
        boxes=boxes,
        ticks=ticks,
    )


# Opting in ---------------------------------------------------------------------------------------


def price_sharing_set(*, actor: User, organisation: Organisation, shares: bool) -> bool:
    """The LA manager lets the hub see the LA's prices by name (or stops). True if it changed."""
    with transaction.atomic():
        locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if locked.shares_prices_by_name == shares:
            return False
        locked.shares_prices_by_name = shares
        locked.save(update_fields=["shares_prices_by_name", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.PRICE_SHARING_CHANGED,
            organisation=locked,
            shares_prices_by_name=shares,
        )
    organisation.shares_prices_by_name = shares
    return True
