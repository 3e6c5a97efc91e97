"""The dashboards: each turns its selector's figures for a scope and a period (with the period
before it) into tables (insight/tables.py), which the page draws as charts with the table under
each, and the .xlsx export writes one sheet each. Suppression is decided here, cell by cell, by
whether the row is the viewer's own LA's."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString

from accounts.models import User
from accounts.selectors import region_boundary
from brokerage.models import Referral
from geo.models import PostcodeDistrict
from insight import distance, permissions, secured, sufficiency, supply, unmet
from insight.maps import MapArea, MapDistrict, district_map_svg
from insight.periods import Period
from insight.scope import Scope
from insight.tables import (
    COMPARISON_COLUMNS,
    Cell,
    Row,
    Table,
    change_cell,
    comparison_rows,
    count_cell,
    measure_cell,
    share_cell,
    text_cell,
)
from placements.models import PlacementRequest, PlacementSearch, Urgency
from providers.models import Accommodation

KIND_LABELS = {str(kind): str(kind.label) for kind in Accommodation}


@dataclass
class Board:
    """A dashboard as drawn: its tables, and for "where demand is" its map."""

    tables: list[Table]
    map_svg: SafeString = SafeString("")
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Dashboard:
    slug: str
    title: str
    summary: str
    permission: Callable[[User], bool]
    build: Callable[[Scope, Period], Board]
    uses_period: bool = True


def _ids(scope: Scope) -> Sequence[int]:
    return scope.organisation_ids


# Sufficiency ----------------------------------------------------------------------------------


def _category_table(
    key: str,
    title: str,
    heading: str,
    now: sufficiency.Sufficiency,
    before: sufficiency.Sufficiency,
    own: bool,
) -> Table:
    labels = [(k, label) for k, label, _ in sufficiency.CATEGORIES[key]]
    rows = comparison_rows(
        labels, now.categories.get(key, {}), before.categories.get(key, {}), own=own
    )
    return Table(key=key, title=title, label_heading=heading, columns=COMPARISON_COLUMNS, rows=rows)


def _compare(label: str, now: Cell, before: Cell) -> Row:
    return Row(label, [now, before, change_cell(now, before)])


def sufficiency_board(scope: Scope, period: Period) -> Board:
    previous = period.previous()
    own = scope.own
    now = sufficiency.sufficiency_get(
        organisation_ids=_ids(scope), start=period.start, end=period.end
    )
    before = sufficiency.sufficiency_get(
        organisation_ids=_ids(scope), start=previous.start, end=previous.end
    )
    tables = [
        _category_table(
            "placement_kind", "Requests by kind of placement", "Kind", now, before, own
        ),
        _category_table("age_band", "Requests by age at the request", "Age", now, before, own),
        _category_table("sex", "Requests by sex", "Sex", now, before, own),
        _category_table(
            "urgency", "Requests by urgency", "When the child must move", now, before, own
        ),
        _category_table(
            "needs", "Requests by need (a request counts once for each)", "Need", now, before, own
        ),
        _category_table(
            "risks", "Requests by risk (a request counts once for each)", "Risk", now, before, own
        ),
    ]
    funnel = [
        _compare(
            "Requests made", count_cell(now.requests, own=own), count_cell(before.requests, own=own)
        ),
        _compare(
            "Searched at least once",
            count_cell(now.searched, own=own),
            count_cell(before.searched, own=own),
        ),
        _compare(
            "Latest search found nothing",
            count_cell(now.no_match, own=own),
            count_cell(before.no_match, own=own),
        ),
    ]
    for step, label in sufficiency.FUNNEL_STEPS.items():
        funnel.append(
            _compare(
                f"Ran out at: {label.lower()}",
                count_cell(now.ran_out.get(step, 0), own=own),
                count_cell(before.ran_out.get(step, 0), own=own),
            )
        )
    tables.append(
        Table(
            key="no_match",
            title="Requests whose latest search found nothing, and where it ran out",
            label_heading="Requests",
            columns=COMPARISON_COLUMNS,
            rows=funnel,
            description="The step of the search at which no setting was left (docs/matching.md).",
        )
    )
    tables.append(_effort_table(now, before, own))
    tables.append(_provider_table(scope, period))
    if scope.la is None:
        tables.append(_requests_by_la(scope, period))
    return Board(tables)


def _effort_table(
    now: sufficiency.Sufficiency, before: sufficiency.Sufficiency, own: bool
) -> Table:
    def per_placement(figures: sufficiency.Sufficiency) -> float | None:
        return figures.referrals_of_placed / figures.placed if figures.placed else None

    rows = [
        _compare(
            "Placements recorded",
            count_cell(now.placed, own=own),
            count_cell(before.placed, own=own),
        ),
        _compare(
            "Median days from request to placement",
            measure_cell(now.days_to_placement, basis=now.placed, own=own, digits=1),
            measure_cell(before.days_to_placement, basis=before.placed, own=own, digits=1),
        ),
        _compare(
            "Referrals per placement",
            measure_cell(per_placement(now), basis=now.placed, own=own, digits=1),
            measure_cell(per_placement(before), basis=before.placed, own=own, digits=1),
        ),
        _compare(
            "Referrals sent",
            count_cell(now.referrals, own=own),
            count_cell(before.referrals, own=own),
        ),
        _compare(
            "Answered (share of referrals sent)",
            share_cell(now.answered, now.referrals, own=own),
            share_cell(before.answered, before.referrals, own=own),
        ),
        _compare(
            "Median hours to answer",
            measure_cell(now.hours_to_answer, basis=now.answered, own=own, digits=1),
            measure_cell(before.hours_to_answer, basis=before.answered, own=own, digits=1),
        ),
    ]
    return Table(
        key="effort",
        title="How hard placing was",
        label_heading="Measure",
        columns=COMPARISON_COLUMNS,
        rows=rows,
        chart=False,
        description="Days from the request being made to the placement being recorded; "
        "referrals and answers by the day the referral was sent.",
    )


def _provider_table(scope: Scope, period: Period) -> Table:
    own = scope.own
    rows = []
    for provider in sufficiency.answers_by_provider(
        organisation_ids=_ids(scope), start=period.start, end=period.end
    ):
        rows.append(
            Row(
                provider.provider,
                [
                    count_cell(provider.referrals, own=own),
                    share_cell(provider.answered, provider.referrals, own=own),
                    measure_cell(
                        provider.hours_to_answer, basis=provider.answered, own=own, digits=1
                    ),
                ],
            )
        )
    return Table(
        key="providers",
        title="Answers by provider (the 10 sent most referrals)",
        label_heading="Provider",
        columns=["Referrals sent", "Answered", "Median hours to answer"],
        rows=rows,
        chart=False,
    )


def _requests_by_la(scope: Scope, period: Period) -> Table:
    previous = period.previous()
    now = _count_by_la(scope, period)
    before = _count_by_la(scope, previous)
    rows = []
    for member in scope.members:
        own = scope.owns(member.pk)
        this = count_cell(now.get(member.pk, 0), own=own)
        last = count_cell(before.get(member.pk, 0), own=own)
        rows.append(Row(member.name, [this, last, change_cell(this, last)]))
    return Table(
        key="by_la",
        title="Requests by local authority",
        label_heading="Local authority",
        columns=COMPARISON_COLUMNS,
        rows=rows,
    )


def _count_by_la(scope: Scope, period: Period) -> dict[int, int]:
    from django.db.models import Count

    rows = (
        sufficiency.requests_made(scope.organisation_ids, period.start, period.end)
        .values("organisation_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["organisation_id"]: row["n"] for row in rows}


# Sought against secured -----------------------------------------------------------------------

SECURED_COLUMNS = [
    *KIND_LABELS,
    secured.IN_HOUSE,
    secured.NOT_PLACED,
    secured.STILL_OPEN,
]


def _secured_label(key: str) -> str:
    return KIND_LABELS.get(key) or secured.OUTCOME_LABELS.get(key, key)


def sought_secured_board(scope: Scope, period: Period) -> Board:
    own = scope.own
    previous = period.previous()
    now = secured.sought_secured(organisation_ids=_ids(scope), start=period.start, end=period.end)
    before = secured.sought_secured(
        organisation_ids=_ids(scope), start=previous.start, end=previous.end
    )
    cross: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in now:
        cross[row.sought][row.secured] += row.requests
    cross_rows = []
    for sought, label in KIND_LABELS.items():
        got = cross.get(sought, {})
        same = got.get(sought, 0)
        total = sum(got.values())
        cross_rows.append(
            Row(
                label,
                [count_cell(total, own=own), share_cell(same, total, own=own)]
                + [count_cell(got.get(column, 0), own=own) for column in SECURED_COLUMNS],
            )
        )
    got_now: dict[str, int] = defaultdict(int)
    got_before: dict[str, int] = defaultdict(int)
    for row in now:
        got_now[row.secured] += row.requests
    for row in before:
        got_before[row.secured] += row.requests
    outcome_rows = comparison_rows(
        [(key, _secured_label(key)) for key in SECURED_COLUMNS], got_now, got_before, own=own
    )
    routes = secured.secured_routes(
        organisation_ids=_ids(scope), start=period.start, end=period.end
    )
    by_route: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for route in routes:
        figures = by_route[route.route]
        figures[0] += route.placements
        figures[1] += route.inside_la
        figures[2] += route.outside_la
    route_rows = [
        Row(
            label,
            [
                count_cell(by_route[key][0], own=own),
                count_cell(by_route[key][1], own=own),
                count_cell(by_route[key][2], own=own),
            ],
        )
        for key, label in secured.ROUTE_LABELS.items()
    ]
    return Board(
        [
            Table(
                key="outcomes",
                title="What the children got",
                label_heading="Outcome of the request",
                columns=COMPARISON_COLUMNS,
                rows=outcome_rows,
                description="Requests made in the period, by what the child got.",
            ),
            Table(
                key="sought_secured",
                title="What was sought against what was secured",
                label_heading="First kind of placement sought",
                columns=[
                    "Requests",
                    "Secured the kind sought",
                    *(_secured_label(c) for c in SECURED_COLUMNS),
                ],
                rows=cross_rows,
                chart=False,
            ),
            Table(
                series=1,
                key="routes",
                title="How and where placements were secured",
                label_heading="How",
                columns=["Placements", "Inside the LA", "Outside the LA"],
                rows=route_rows,
                chart=True,
                description="An in-house placement's place is not known to the service.",
            ),
        ]
    )


# Distance from home ---------------------------------------------------------------------------


def _distance_cells(counts: distance.DistanceCounts | None, own: bool) -> dict[str, Cell]:
    c = counts or distance.DistanceCounts()
    return {
        "placements": count_cell(c.placements, own=own),
        "outside_la": share_cell(c.outside_la, c.placements, own=own),
        "outside_region": share_cell(c.outside_region, c.placements, own=own),
        "over_20_miles": share_cell(c.over_20_miles, c.placements, own=own),
        "not_known": share_cell(c.not_known, c.placements, own=own),
        "school": measure_cell(
            c.school_median_minutes, basis=c.school_measured, own=own, unit=" min"
        ),
    }


def _national(row: distance.NationalRow | None, name: str) -> Cell:
    value = getattr(row, name, None) if row else None
    return Cell(value, f"{value}%") if value is not None else text_cell("")


def _total(groups: dict[Any, distance.DistanceCounts]) -> distance.DistanceCounts | None:
    if not groups:
        return None
    medians = [g.school_median_minutes for g in groups.values() if g.school_median_minutes]
    return distance.DistanceCounts(
        placements=sum(g.placements for g in groups.values()),
        outside_la=sum(g.outside_la for g in groups.values()),
        outside_region=sum(g.outside_region for g in groups.values()),
        over_20_miles=sum(g.over_20_miles for g in groups.values()),
        not_known=sum(g.not_known for g in groups.values()),
        school_measured=sum(g.school_measured for g in groups.values()),
        school_median_minutes=medians[0] if len(medians) == 1 else None,
    )


def distance_board(scope: Scope, period: Period) -> Board:
    own = scope.own
    previous = period.previous()
    ids = _ids(scope)
    kinds_now = distance.distance_by_kind(organisation_ids=ids, start=period.start, end=period.end)
    kinds_before = distance.distance_by_kind(
        organisation_ids=ids, start=previous.start, end=previous.end
    )
    national = distance.national_distance()
    england = national.get("all")
    year = f"England {england.year} (DfE)" if england else "England (not loaded)"
    now = _distance_cells(_total(kinds_now), own)
    before = _distance_cells(_total(kinds_before), own)
    measures = [
        ("outside_la", "Placed outside the LA"),
        ("outside_region", "Placed outside the region"),
        ("over_20_miles", "Over 20 miles from home"),
        ("not_known", "Distance from home not known"),
    ]
    headline = [
        Row(label, [now[key], before[key], _national(england, key)]) for key, label in measures
    ]
    counts = [
        Row(
            "Placements starting in the period",
            [now["placements"], before["placements"]],
        ),
        Row("Median minutes by road to school", [now["school"], before["school"]]),
    ]
    kind_rows = []
    for kind, label in KIND_LABELS.items():
        cells = _distance_cells(kinds_now.get(kind), own)
        nation = national.get(kind)
        kind_rows.append(
            Row(
                label,
                [
                    cells["over_20_miles"],
                    _national(nation, "over_20_miles"),
                    cells["outside_la"],
                    _national(nation, "outside_la"),
                    cells["placements"],
                    cells["school"],
                ],
            )
        )
    tables = [
        Table(
            series=3,
            key="distance",
            title="How far from home children were placed",
            label_heading="Share of placements",
            columns=["This period", "Previous period", year],
            rows=headline,
            unit="%",
            description="Straight-line miles from the home postcode district; the LA's and the "
            "region's boundaries as they were when each placement was recorded.",
        ),
        Table(
            key="counts",
            title="Placements and travel to school",
            label_heading="Measure",
            columns=["This period", "Previous period"],
            rows=counts,
            chart=False,
        ),
        Table(
            key="by_kind",
            title="Distance by kind of placement, beside England",
            label_heading="Kind of placement",
            columns=[
                "Over 20 miles",
                "England: over 20 miles",
                "Outside the LA",
                "England: outside the LA",
                "Placements",
                "Median minutes to school",
            ],
            rows=kind_rows,
            unit="%",
        ),
    ]
    if scope.la is None:
        by_la = distance.distance_by_la(organisation_ids=ids, start=period.start, end=period.end)
        la_rows = []
        for member in scope.members:
            cells = _distance_cells(by_la.get(member.pk), scope.owns(member.pk))
            la_rows.append(
                Row(
                    member.name,
                    [
                        cells["outside_la"],
                        cells["over_20_miles"],
                        cells["outside_region"],
                        cells["placements"],
                        cells["school"],
                    ],
                )
            )
        tables.append(
            Table(
                key="by_la",
                title="Distance by placing local authority",
                label_heading="Local authority",
                columns=[
                    "Outside the LA",
                    "Over 20 miles",
                    "Outside the region",
                    "Placements",
                    "Median minutes to school",
                ],
                rows=la_rows,
                unit="%",
            )
        )
    notes = []
    if not national:
        notes.append(
            "England's figures are not loaded: a hub admin can load them with "
            "`manage.py load_national_distance` (see the README)."
        )
    return Board(tables, notes=notes)


# Supply ---------------------------------------------------------------------------------------


def _area_ids(scope: Scope) -> list[int]:
    members = [scope.la] if scope.la else scope.members
    return [m.area_id for m in members if m is not None and m.area_id]


def supply_board(scope: Scope, period: Period) -> Board:
    previous = period.previous()
    days = supply.month_ends(period.start, period.end)
    last, before_last = period.last_day, previous.last_day
    points = supply.supply_series(area_ids=_area_ids(scope), days=[*days, before_last])
    by_day_kind: dict[tuple[Any, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    by_day: dict[Any, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    by_area: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for p in points:
        for bucket in (by_day_kind[(p.day, p.kind)], by_day[p.day]):
            bucket[0] += p.settings
            bucket[1] += p.places
            bucket[2] += p.vacancies
            bucket[3] += p.vacant_places
        if p.day == last:
            area = by_area[p.area_id]
            area[0] += p.settings
            area[1] += p.places
            area[2] += p.vacancies
            area[3] += p.vacant_places

    def counts(values: Sequence[int]) -> list[Cell]:
        return [count_cell(v, own=True) for v in values]

    kind_rows = [
        Row(
            label,
            [
                count_cell(by_day_kind[(last, kind)][0], own=True),
                count_cell(by_day_kind[(before_last, kind)][0], own=True),
                *counts(by_day_kind[(last, kind)][1:]),
            ],
        )
        for kind, label in KIND_LABELS.items()
    ]
    month_rows = [
        Row(f"{day:%-d %b %Y}", [count_cell(by_day[day][3], own=True), *counts(by_day[day][:3])])
        for day in days
    ]
    tables = [
        Table(
            key="by_kind",
            title=f"Settings by kind of placement on {last:%-d %B %Y}",
            label_heading="Kind of placement",
            columns=[
                "Settings",
                f"Settings on {before_last:%-d %B %Y}",
                "Places",
                "With a confirmed vacancy",
                "Vacant places",
            ],
            rows=kind_rows,
            description="Registered with Ofsted and open on the day; places as Ofsted lists "
            "them now; vacancies as providers had confirmed them then.",
        ),
        Table(
            series=1,
            key="over_time",
            title="Confirmed vacant places at the end of each month",
            label_heading="Month end",
            columns=["Vacant places", "Settings", "Places", "With a confirmed vacancy"],
            rows=month_rows,
        ),
    ]
    if scope.la is None:
        names = {m.area_id: m.name for m in scope.members if m.area_id}
        tables.append(
            Table(
                series=1,
                key="by_la",
                title=f"Settings by local authority on {last:%-d %B %Y}",
                label_heading="Local authority",
                columns=["Settings", "Places", "With a confirmed vacancy", "Vacant places"],
                rows=[Row(names[a], counts(by_area.get(a, [0, 0, 0, 0]))) for a in names],
            )
        )
    tables.append(_households_table(scope))
    return Board(tables)


def _boundary(scope: Scope) -> Any:
    if scope.la is not None:
        return scope.la.area.boundary if scope.la.area else None
    return region_boundary(region=scope.region)


def _households_table(scope: Scope) -> Table:
    boundary = _boundary(scope)
    districts = (
        list(
            PostcodeDistrict.objects.filter(point__within=boundary).values_list(
                "district", flat=True
            )
        )
        if boundary is not None
        else []
    )
    rows = [
        Row(
            row.district,
            [count_cell(row.households, own=scope.own), count_cell(row.places_now, own=scope.own)],
        )
        for row in supply.households_by_district(districts=districts)
    ]
    return Table(
        series=1,
        key="households",
        title="Foster carer households by postcode district",
        label_heading="Postcode district",
        columns=["Households", "Places now"],
        rows=rows,
        description="Every open fostering agency's households whose district's middle is in "
        "the area; a district, never an address.",
    )


# Where demand is ------------------------------------------------------------------------------


def demand_board(scope: Scope, period: Period) -> Board:
    own = scope.own
    previous = period.previous()
    now: dict[str, int] = defaultdict(int)
    before: dict[str, int] = defaultdict(int)
    for row in unmet.unmet_by_district(
        organisation_ids=_ids(scope), start=period.start, end=period.end
    ):
        now[row.district] += row.requests
    for row in unmet.unmet_by_district(
        organisation_ids=_ids(scope), start=previous.start, end=previous.end
    ):
        before[row.district] += row.requests
    order = sorted(now, key=lambda d: (-now[d], d))
    order += sorted(d for d in before if d not in now)
    rows = comparison_rows([(d, d) for d in order], now, before, own=own)
    points = dict(
        PostcodeDistrict.objects.filter(district__in=list(now)).values_list("district", "point")
    )
    marks = []
    for district in order:
        if district in now and district in points:
            cell = count_cell(now[district], own=own)
            count = None if cell.value is None else int(cell.value)
            marks.append(MapDistrict(district, points[district], count, cell.text))
    members = [scope.la] if scope.la else scope.members
    areas = [MapArea(m.name, m.area.boundary) for m in members if m and m.area and m.area.boundary]
    svg = district_map_svg(
        areas=areas,
        districts=marks,
        title=f"Where unmet demand is: {scope.label}, {period.label}",
        description=f"{len(marks)} postcode districts with requests that found nothing, each a "
        "circle sized by its count. The table below has every figure.",
    )
    table = Table(
        key="districts",
        title="Requests that found nothing, by postcode district of a place that matters",
        label_heading="Postcode district",
        columns=COMPARISON_COLUMNS,
        rows=rows,
        chart=False,
        description="A request counts once in each district where it has a place that matters "
        "(school, family, contact), so the districts add up to more than the requests.",
    )
    return Board([table], map_svg=svg)


# Open work (placement officers and LA managers: their own LA, now) --------------------------

DAYS_OPEN = (("0 to 7 days", 0, 7), ("8 to 28 days", 8, 28), ("over 28 days", 29, 100000))


def open_work_board(scope: Scope, period: Period) -> Board:
    from django.db.models import Count, OuterRef, Q, Subquery

    now = timezone.now()
    ids = _ids(scope)
    open_requests = PlacementRequest.objects.filter(
        organisation_id__in=ids, status=PlacementRequest.Status.OPEN
    )
    aggregates: dict[str, Any] = {}
    for urgency in Urgency:
        for band, (_, low, high) in enumerate(DAYS_OPEN):
            newest = now - dt.timedelta(days=low)
            oldest = now - dt.timedelta(days=high + 1)
            aggregates[f"{urgency}_{band}"] = Count(
                "pk", filter=Q(urgency=urgency, created_at__lte=newest, created_at__gt=oldest)
            )
    latest = PlacementSearch.objects.filter(request=OuterRef("pk")).order_by("-created_at", "-pk")
    figures = open_requests.annotate(latest=Subquery(latest.values("match_count")[:1])).aggregate(
        **aggregates,
        not_searched=Count("pk", filter=Q(latest__isnull=True)),
        found_nothing=Count("pk", filter=Q(latest=0)),
    )
    urgency_rows = []
    for urgency in Urgency:
        counts = [figures[f"{urgency}_{band}"] for band in range(len(DAYS_OPEN))]
        cells = [count_cell(count, own=True) for count in counts]
        total = sum(counts)
        urgency_rows.append(Row(str(urgency.label), [count_cell(total, own=True), *cells]))
    referrals = Referral.objects.filter(request__in=open_requests.values("pk")).aggregate(
        waiting=Count("pk", filter=Q(status=Referral.Status.SENT)),
        past=Count("pk", filter=Q(status=Referral.Status.SENT, deadline__lt=now)),
        interested=Count("pk", filter=Q(status=Referral.Status.INTERESTED)),
    )
    work_rows = [
        Row("Referrals waiting for an answer", [count_cell(referrals["waiting"], own=True)]),
        Row("… of which past their deadline", [count_cell(referrals["past"], own=True)]),
        Row(
            "Providers interested, no placement recorded yet",
            [count_cell(referrals["interested"], own=True)],
        ),
        Row(
            "Open requests whose latest search found nothing",
            [count_cell(figures["found_nothing"], own=True)],
        ),
        Row("Open requests not searched yet", [count_cell(figures["not_searched"], own=True)]),
    ]
    return Board(
        [
            Table(
                series=1,
                key="open_requests",
                title="Open requests by urgency and how long they have been open",
                label_heading="When the child must move",
                columns=["Open requests", *(label for label, _, _ in DAYS_OPEN)],
                rows=urgency_rows,
            ),
            Table(
                chart=False,
                key="waiting",
                title="What is waiting",
                label_heading="Waiting",
                columns=["Now"],
                rows=work_rows,
            ),
        ]
    )


DASHBOARDS = [
    Dashboard(
        "sufficiency",
        "Sufficiency",
        "Who the requests were for, how many found nothing and where the search ran out, how "
        "long placing took and how providers answered.",
        permissions.can_see_regional_dashboards,
        sufficiency_board,
    ),
    Dashboard(
        "sought-secured",
        "Sought against secured",
        "What was asked for against what the children got, and how and where it was secured.",
        permissions.can_see_regional_dashboards,
        sought_secured_board,
    ),
    Dashboard(
        "distance",
        "Distance from home",
        "How many were placed outside the LA, outside the region and over 20 miles from home, "
        "and the travel time to school, beside England's figures.",
        permissions.can_see_regional_dashboards,
        distance_board,
    ),
    Dashboard(
        "supply",
        "Supply",
        "Settings, places and confirmed vacancies by kind and local authority over time, and "
        "foster carer households by district.",
        permissions.can_see_regional_dashboards,
        supply_board,
    ),
    Dashboard(
        "demand",
        "Where demand is",
        "The postcode districts of the places that matter of requests that found nothing, for "
        "siting new homes and recruiting carers.",
        permissions.can_see_regional_dashboards,
        demand_board,
    ),
    Dashboard(
        "open-work",
        "Open work",
        "Your local authority's open requests by urgency and age, and the referrals and "
        "searches waiting on someone.",
        permissions.can_see_open_work,
        open_work_board,
        uses_period=False,
    ),
]
DASHBOARDS_BY_SLUG = {dashboard.slug: dashboard for dashboard in DASHBOARDS}


def dashboards_for(user: User) -> list[Dashboard]:
    return [dashboard for dashboard in DASHBOARDS if dashboard.permission(user)]
