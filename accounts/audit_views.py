"""The hub's audit trail: what was done in the region (imports, role changes, claims, exports,
address views…), by whom and when, filtered, paged, and downloadable as .csv or .xlsx. A download
holds people's names, so it is itself written to the trail."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from accounts import selectors
from accounts.forms import AuditEventFilterForm
from accounts.mixins import PermissionRequiredMixin
from accounts.models import AuditEvent, Region
from accounts.permissions import can_manage_region
from accounts.services import export_audit
from common.pagination import pagination
from common.xlsx import XLSX_CONTENT_TYPE, XlsxWorkbook, neutralise

PAGE_SIZE = 50
HEADERS = ["When", "What was done", "Organisation", "Done by", "Their role", "About", "Details"]
WIDTHS = [17, 36, 36, 28, 18, 28, 80]


def detail_words(detail: dict[str, Any]) -> str:
    """An event's details in one line, as stored: "setting: SC000001; decision: approved"."""
    parts = []
    for key, value in detail.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items()) or "none"
        parts.append(f"{key.replace('_', ' ')}: {value}")
    return "; ".join(parts)


def event_row(event: AuditEvent) -> list[Any]:
    actor = event.actor
    return [
        timezone.localtime(event.created_at).replace(tzinfo=None),
        event.get_action_display(),
        event.organisation.name if event.organisation else "",
        (actor.full_name or actor.email) if actor else "The service",
        actor.get_role_display() if actor else "",
        event.target_user.full_name if event.target_user else "",
        detail_words(event.detail),
    ]


def _events(form: AuditEventFilterForm, region: Region) -> QuerySet[AuditEvent]:
    if form.is_bound and not form.is_valid():
        return AuditEvent.objects.none()  # the page shows why; nothing for an unreadable filter
    chosen = form.filters()
    return selectors.audit_event_list(
        region=region,
        action=chosen.get("action", ""),
        organisation=chosen.get("organisation"),
        actor=chosen.get("actor"),
        start=chosen.get("from"),
        end=chosen.get("to"),
    )


def _filters_for_audit(form: AuditEventFilterForm) -> dict[str, object]:
    return {
        key: value.isoformat() if hasattr(value, "isoformat") else value
        for key, value in form.filters().items()
        if key != "format"
    }


def _csv(rows: Iterable[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for row in rows:
        # A cell beginning "=" would run as a formula when the file is opened (common/xlsx.py).
        writer.writerow(
            [
                value.strftime("%d/%m/%Y %H:%M")
                if hasattr(value, "strftime")
                else neutralise(str(value))
                for value in row
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # a BOM, so Excel reads UTF-8


def _xlsx(rows: Iterable[list[Any]]) -> bytes:
    book = XlsxWorkbook()
    sheet = book.sheet("Audit trail", widths=WIDTHS, freeze="A2")
    sheet.header(HEADERS)
    for row in rows:
        sheet.row(row)
    return book.to_bytes()


class AuditTrailView(PermissionRequiredMixin, View):
    nav_section = "audit"
    permission = staticmethod(can_manage_region)

    def get(self, request: HttpRequest) -> HttpResponse:
        region = self.actor.region
        form = AuditEventFilterForm(request.GET or None, region=region)
        page = Paginator(_events(form, region), PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "accounts/audit_trail.html",
            {
                "region": region,
                "form": form,
                "page": page,
                "rows": [(event, detail_words(event.detail)) for event in page.object_list],
                "count": page.paginator.count,
                "pagination": pagination(page, request.path, request.GET),
                "query": query.urlencode(),
            },
        )


class AuditTrailExportView(PermissionRequiredMixin, View):
    """`as_format` (csv or xlsx) is set in the URL conf. Every row the filters choose, in one file;
    the download is written to the trail before the file is made."""

    nav_section = ""
    permission = staticmethod(can_manage_region)
    as_format = "csv"

    def get(self, request: HttpRequest) -> HttpResponse:
        region = self.actor.region
        form = AuditEventFilterForm(request.GET or None, region=region)
        events = list(_events(form, region))
        export_audit(
            actor=self.actor,
            export="audit_trail",
            rows=len(events),
            filters={**_filters_for_audit(form), "format": self.as_format},
        )
        rows = [event_row(event) for event in events]
        filename = f"audit-trail-{timezone.localdate():%Y-%m-%d}.{self.as_format}"
        if self.as_format == "xlsx":
            response = HttpResponse(_xlsx(rows), content_type=XLSX_CONTENT_TYPE)
        else:
            response = HttpResponse(_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
