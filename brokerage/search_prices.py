"""Recent prices on the search's result cards, added through placements.search_extras.

For each result: the region's range of agreed weekly prices (lower quartile to upper quartile,
and the median) for that setting's kind of placement and the child's need level, over the last
12 months, and the officer's own LA's last 3 agreed prices with the setting itself.

The rules are brokerage/benchmarks.py's: a range comes from at least MIN_PRICES (5) prices, and,
since an officer knows their own LA's prices, at least 5 of them from other LAs (otherwise
"fewer than 5 from other LAs"); another LA's single price is never shown; the officer's own
LA's prices are its own. Two queries for the whole page, whatever its number of results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber

from accounts.models import Organisation
from brokerage.benchmarks import (
    MIN_PRICES,
    ROUTES,
    SUPPRESSED,
    WITHHELD,
    PercentileCont,
    _kind_expression,
    _money,
    _route_expression,
    outcomes_in,
    periods,
)
from brokerage.models import CommercialRoute, PlacementOutcome
from commissioning.models import NeedLevel
from common.formats import pounds
from placements.search_extras import Extra
from providers.models import ACCOMMODATION_PROVISION_TYPES, Accommodation

LABEL = "Recent prices"
OWN_LAST = 3  # the officer's LA's last prices shown per setting

KIND_OF_TYPE = {
    provision_type: str(kind)
    for kind, types in ACCOMMODATION_PROVISION_TYPES.items()
    for provision_type in types
}


def _day(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def _region_lines(
    cells: dict[str, dict[str, Any]], kind: str, need_level: str, viewer: Organisation | None
) -> str:
    need = str(NeedLevel(need_level).label).lower() if need_level else "not assessed"
    what = f"{Accommodation(kind).label} places, need level {need}"
    cell = cells.get(kind)
    if cell is None or cell["n"] < MIN_PRICES:
        return f"Region, last 12 months, {what}: {SUPPRESSED} placements to compare"
    if viewer is not None and cell["n"] - cell["own"] < MIN_PRICES:
        return f"Region, last 12 months, {what}: {WITHHELD} to compare"
    return (
        f"Region, last 12 months, {what}: {pounds(_money(cell['lq']))} to "
        f"{pounds(_money(cell['uq']))} a week (median {pounds(_money(cell['med']))}, "
        f"{cell['n']} placements)"
    )


def recent_prices(
    actor: Any, placement_request: Any, matches: Sequence[Any], today: dt.date
) -> dict[int, list[Extra]]:
    """The "Recent prices" line of each of `matches` (one page of results)."""
    viewer = getattr(actor, "organisation", None)
    region = placement_request.organisation.own_region
    need_level = placement_request.need_level
    settings = [match.setting for match in matches]
    kinds = {KIND_OF_TYPE.get(s.provision_type) for s in settings} - {None}
    last_12_months = periods(today)[0]

    # 1. The region's cells for the page's kinds and the child's need level: one query.
    cells: dict[str, dict[str, Any]] = {}
    if kinds:
        grouped = _cells(region, last_12_months, need_level, kinds, viewer, by_route=False)
        cells = {g["bench_kind"]: g for g in grouped}

    # 2. The officer's own LA's last prices with each setting on the page: one query.
    own: dict[int, list[tuple[dt.date, Decimal]]] = {}
    if viewer is not None and viewer.kind == Organisation.Kind.LOCAL_AUTHORITY:
        latest = (
            PlacementOutcome.objects.filter(
                request__organisation=viewer, setting__in=[s.pk for s in settings]
            )
            .annotate(
                position=Window(
                    RowNumber(),
                    partition_by=[F("setting_id")],
                    order_by=[F("start_date").desc(), F("pk").desc()],
                )
            )
            .filter(position__lte=OWN_LAST)
            .order_by("setting_id", "position")
            .values_list("setting_id", "start_date", "weekly_cost")
        )
        for setting_id, start, cost in latest:
            own.setdefault(setting_id, []).append((start, cost))

    found: dict[int, list[Extra]] = {}
    for setting in settings:
        lines = []
        kind = KIND_OF_TYPE.get(setting.provision_type)
        if kind is not None:
            lines.append(_region_lines(cells, kind, need_level, viewer))
        for start, cost in own.get(setting.pk, []):
            lines.append(f"Your LA agreed {pounds(cost)} a week here from {_day(start)}")
        if lines:
            found[setting.pk] = [Extra("recent-prices", LABEL, lines)]
    return found


# The outcome's like-for-like benchmark ---------------------------------------------------------


def like_for_like(
    region: Any,
    need_level: str,
    kinds: set[str],
    viewer: Organisation | None,
    today: dt.date,
) -> dict[tuple[str, str], dict[str, Any]]:
    """(kind, route) -> the region's count, own count and quartiles over the last 12 months for
    `need_level`, in one query. Route as benchmarks.ROUTES: "spot" or "contracted"."""
    if not kinds:
        return {}
    grouped = _cells(region, periods(today)[0], need_level, kinds, viewer, by_route=True)
    return {(g["bench_kind"], g["bench_route"]): g for g in grouped}


def _cells(
    region: Any,
    period: Any,
    need_level: str,
    kinds: set[Any],
    viewer: Organisation | None,
    *,
    by_route: bool,
) -> list[dict[str, Any]]:
    """The region's prices in `period` for `need_level`, grouped by kind (and route): count,
    the viewer's own LA's count, and quartiles, in one query."""
    prices = (
        outcomes_in(region, period)
        .filter(request__need_level=need_level)
        .annotate(bench_kind=_kind_expression(), bench_route=_route_expression())
        .filter(bench_kind__in=kinds)
    )
    own = Q(request__organisation=viewer) if viewer is not None else Q(pk__in=[])
    return list(
        prices.values(*(("bench_kind", "bench_route") if by_route else ("bench_kind",)))
        .annotate(
            n=Count("pk"),
            own=Count("pk", filter=own),
            lq=PercentileCont("weekly_cost", 0.25),
            med=PercentileCont("weekly_cost", 0.5),
            uq=PercentileCont("weekly_cost", 0.75),
        )
        .order_by()
    )


def _shown(cell: dict[str, Any] | None, viewer: Organisation | None) -> str | None:
    """None when the cell may show figures; else what it says instead (benchmarks' rules)."""
    if cell is None or cell["n"] < MIN_PRICES:
        return f"{SUPPRESSED} placements to compare"
    if viewer is not None and cell["n"] - cell["own"] < MIN_PRICES:
        return f"{WITHHELD} to compare"
    return None


def benchmark_lines(
    placement_request: Any, settings: Sequence[Any], viewer: Organisation | None, today: dt.date
) -> list[str]:
    """For the outcome form: the region's quartiles for each kind among `settings` (the
    referred settings, and the kinds of placement the request allows) × the child's need level
    × each route."""
    kinds = {KIND_OF_TYPE[s.provision_type] for s in settings if s.provision_type in KIND_OF_TYPE}
    # A setting recorded by URN may not have been referred: the kinds the child may go to too.
    kinds |= {str(kind) for kind in placement_request.accommodation or []}
    need_level = placement_request.need_level
    cells = like_for_like(
        placement_request.organisation.own_region, need_level, kinds, viewer, today
    )
    lines = []
    for kind, kind_label in Accommodation.choices:
        if kind not in kinds:
            continue
        for route, route_label in ROUTES:
            cell = cells.get((str(kind), route))
            what = f"{kind_label}, {route_label.lower()}"
            instead = _shown(cell, viewer)
            if instead is not None or cell is None:
                lines.append(f"{what}: {instead}")
            else:
                lines.append(
                    f"{what}: {pounds(_money(cell['lq']))} to {pounds(_money(cell['uq']))} a "
                    f"week (median {pounds(_money(cell['med']))}, {cell['n']} placements)"
                )
    return lines


def outcome_median_row(
    outcome: PlacementOutcome, viewer: Organisation | None, today: dt.date
) -> tuple[str, str] | None:
    """For the request page: the region's median for placements like this one (its kind, need
    level and route, last 12 months), when it may be shown."""
    kind = KIND_OF_TYPE.get(outcome.setting.provision_type)
    if kind is None:
        return None
    route = "spot" if outcome.commercial_route == CommercialRoute.SPOT else "contracted"
    request = outcome.request
    cell = like_for_like(
        request.organisation.own_region, request.need_level, {kind}, viewer, today
    ).get((kind, route))
    if cell is None or _shown(cell, viewer) is not None:
        return None
    return (
        "Region's median for like-for-like placements",
        f"{pounds(_money(cell['med']))} ({cell['n']} placements)",
    )
