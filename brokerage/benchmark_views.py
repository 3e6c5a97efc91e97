"""Price benchmarks (brokerage/benchmarks.py): the hub's region-wide page and an LA manager's own
LA beside the region, each with an .xlsx export of the same tables (same suppression)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from accounts.mixins import PermissionRequiredMixin
from accounts.models import Organisation, Role, User
from accounts.permissions import can_manage_region
from accounts.services import export_audit
from brokerage import benchmarks
from common.xlsx import XLSX_CONTENT_TYPE, XlsxWorkbook


def can_see_own_prices(user: User) -> bool:
    return user.is_active and user.role == Role.LA_MANAGER and user.organisation_id is not None


def _xlsx(
    actor: User,
    tables: list[benchmarks.Table],
    period: benchmarks.Period,
    filename: str,
    *,
    export: str,
    filters: dict[str, object],
) -> HttpResponse:
    export_audit(
        actor=actor,
        export=export,
        rows=sum(len(table.rows) for table in tables),
        filters={"period": period.key, **filters},
    )
    book = XlsxWorkbook()
    for table in tables:
        sheet = book.sheet(table.label[:31], widths=[22, 24, 32] + [14] * 4 * len(table.scopes))
        sheet.row([f"{table.label}: agreed weekly prices, {period.label.lower()}"])
        sheet.row([f"Cells with fewer than {benchmarks.MIN_PRICES} placements show no figures."])
        sheet.header(table.headers)
        for row in table.rows:
            sheet.row(row.labels + [value for cell in row.cells for value in cell.shown()])
    response = HttpResponse(book.to_bytes(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class RegionPricesView(PermissionRequiredMixin, View):
    """Hub admins: the region's agreed prices, one LA's at a time by its opted-in name or number."""

    nav_section = "demand"
    permission = staticmethod(can_manage_region)
    as_format = "html"

    def get(self, request: HttpRequest) -> HttpResponse:
        region = self.actor.region
        today = timezone.localdate()
        period = benchmarks.period_get(request.GET.get("period"), today)
        choices = benchmarks.la_choices(region)
        chosen = next((c for c in choices if str(c.pk) == request.GET.get("la")), None)
        la = Organisation.objects.get(pk=chosen.pk) if chosen else None
        label = chosen.label if chosen else "The region"
        tables = benchmarks.price_tables(region, period, scopes=[(label, la)])
        if self.as_format == "xlsx":
            return _xlsx(
                self.actor,
                tables,
                period,
                f"prices-{period.key}.xlsx",
                export="region_prices",
                filters={"la": chosen.pk if chosen else None},
            )
        return render(
            request,
            "brokerage/benchmark_region.html",
            {
                "region": region,
                "period": period,
                "periods": benchmarks.periods(today),
                "choices": choices,
                "chosen": chosen,
                "sections": [(t, benchmarks.box_plot(t)) for t in tables],
                "min_prices": benchmarks.MIN_PRICES,
                "query": request.GET.urlencode(),
            },
        )


class LaPricesView(PermissionRequiredMixin, View):
    """An LA manager: their own LA's agreed prices beside the region's, and the opt-in."""

    nav_section = "placements"
    permission = staticmethod(can_see_own_prices)
    as_format = "html"

    def get(self, request: HttpRequest) -> HttpResponse:
        organisation = self.actor.organisation
        assert organisation is not None  # can_see_own_prices
        region = organisation.own_region
        today = timezone.localdate()
        period = benchmarks.period_get(request.GET.get("period"), today)
        tables = benchmarks.price_tables(
            region,
            period,
            scopes=[(organisation.name, organisation), ("The region", None)],
            viewer=organisation,
        )
        if self.as_format == "xlsx":
            return _xlsx(
                self.actor,
                tables,
                period,
                f"prices-{period.key}.xlsx",
                export="la_prices",
                filters={},
            )
        return render(
            request,
            "brokerage/benchmark_la.html",
            {
                "organisation": organisation,
                "region": region,
                "period": period,
                "periods": benchmarks.periods(today),
                "sections": [
                    (t, benchmarks.box_plot(t, 0), benchmarks.box_plot(t, 1)) for t in tables
                ],
                "min_prices": benchmarks.MIN_PRICES,
                "query": request.GET.urlencode(),
            },
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        organisation = self.actor.organisation
        assert organisation is not None  # can_see_own_prices
        shares = request.POST.get("shares_prices_by_name") == "yes"
        if benchmarks.price_sharing_set(actor=self.actor, organisation=organisation, shares=shares):
            messages.success(
                request,
                "The hub now sees your prices under your name"
                if shares
                else "The hub now sees your prices without your name",
            )
        return redirect(reverse("brokerage:la_prices"))
