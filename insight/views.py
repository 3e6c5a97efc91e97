"""The insight pages: the list of dashboards the viewer may see, and each dashboard for a
period and a scope, as a page or an .xlsx. Thin: insight/dashboards.py builds the tables."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from accounts.mixins import PermissionRequiredMixin
from common.xlsx import XLSX_CONTENT_TYPE, XlsxWorkbook
from insight.dashboards import DASHBOARDS_BY_SLUG, Board, Dashboard, dashboards_for
from insight.periods import Period, period_choices, period_parse
from insight.permissions import can_see_dashboards
from insight.scope import Scope, scope_choices, scope_get
from insight.tables import NOTE, chart_of


class InsightIndexView(PermissionRequiredMixin, View):
    nav_section = "insight"
    permission = staticmethod(can_see_dashboards)

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "insight/index.html", {"dashboards": dashboards_for(self.actor)})


def board_xlsx(dashboard: Dashboard, board: Board, scope: Scope, period: Period) -> HttpResponse:
    book = XlsxWorkbook()
    when = f"{period.label}; previous period {period.previous().label}"
    for table in board.tables:
        sheet = book.sheet(table.key[:31], widths=[40] + [18] * len(table.columns))
        sheet.row([f"{dashboard.title}: {table.title}"])
        sheet.row([f"{scope.label}. {when if dashboard.uses_period else 'As it is now.'}"])
        sheet.row([NOTE])
        sheet.header(table.headers)
        for row in table.rows:
            sheet.row([row.label, *(cell.for_xlsx() for cell in row.cells)])
    response = HttpResponse(book.to_bytes(), content_type=XLSX_CONTENT_TYPE)
    filename = f"{dashboard.slug}-{scope.key}-{period.start:%Y%m%d}-{period.last_day:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class DashboardView(PermissionRequiredMixin, View):
    nav_section = "insight"
    permission = staticmethod(can_see_dashboards)

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        dashboard = DASHBOARDS_BY_SLUG.get(slug)
        if dashboard is None:
            raise Http404("No such dashboard")
        if not dashboard.permission(self.actor):
            raise PermissionDenied
        scope = scope_get(self.actor, request.GET.get("la"))
        if scope is None:
            raise PermissionDenied
        today = timezone.localdate()
        choice = period_parse(request.GET, today=today)
        board = dashboard.build(scope, choice.period)
        if request.GET.get("format") == "xlsx":
            return board_xlsx(dashboard, board, scope, choice.period)
        query = request.GET.copy()
        query["format"] = "xlsx"
        return render(
            request,
            "insight/dashboard.html",
            {
                "dashboard": dashboard,
                "dashboards": dashboards_for(self.actor),
                "board": board,
                "sections": [
                    (t, chart_of(t) if t.chart and t.has_figures else None) for t in board.tables
                ],
                "scope": scope,
                "scopes": scope_choices(self.actor, scope.members),
                "choice": choice,
                "period": choice.period,
                "previous": choice.period.previous(),
                "periods": period_choices(today=today),
                "xlsx_query": query.urlencode(),
                "note": NOTE,
                "date_fields": [("from", "Start date"), ("to", "End date")],
                "date_parts": [("day", "Day", 2), ("month", "Month", 2), ("year", "Year", 4)],
            },
        )
