"""The hub admin's import of a framework's members and rates (upload, preview, confirm or
cancel), and the export that doubles as the import's template."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View
from django.views.generic import FormView

from accounts.mixins import PermissionRequiredMixin
from accounts.services import export_audit
from commissioning.exports import export_filename, framework_export
from commissioning.import_forms import FrameworkImportForm
from commissioning.imports import (
    COLUMNS,
    ImportFileError,
    ImportRefused,
    framework_import_cancel,
    framework_import_confirm,
    framework_import_preview,
    summary_sentence,
)
from commissioning.models import Framework, FrameworkImport, Membership
from commissioning.permissions import can_export_framework_members, can_import_framework_members
from common.xlsx import XLSX_CONTENT_TYPE


class _FrameworkMixin(PermissionRequiredMixin):
    """The framework in the address, if it is the user's region's (another region's is not
    found)."""

    nav_section = "frameworks"

    def framework(self) -> Framework:
        assert self.actor.organisation is not None
        return get_object_or_404(
            Framework,
            pk=self.kwargs["framework_pk"],  # type: ignore[attr-defined]
            region_id=self.actor.organisation.region_id,
        )

    def record(self, pk: int) -> FrameworkImport:
        return get_object_or_404(FrameworkImport, pk=pk, framework=self.framework())


class ImportUploadView(_FrameworkMixin, FormView):
    permission = staticmethod(can_import_framework_members)
    template_name = "commissioning/import_upload.html"
    form_class = FrameworkImportForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["framework"] = self.framework()
        context["columns"] = COLUMNS
        return context

    def form_valid(self, form: FrameworkImportForm) -> HttpResponse:
        framework = self.framework()
        upload = form.cleaned_data["file"]
        try:
            record = framework_import_preview(
                framework=framework, source=upload.name, data=upload.read(), actor=self.actor
            )
        except ImportFileError as exc:
            form.add_error("file", str(exc))
            return self.form_invalid(form)
        return HttpResponseRedirect(
            reverse("commissioning:framework_import_detail", args=[framework.pk, record.pk])
        )


class ImportDetailView(_FrameworkMixin, View):
    permission = staticmethod(can_import_framework_members)

    def get(self, request: HttpRequest, framework_pk: int, pk: int) -> HttpResponse:
        record = self.record(pk)
        problems = [{"row": row["row"], **error} for row in record.rows for error in row["errors"]]
        return render(
            request,
            "commissioning/import_detail.html",
            {
                "framework": record.framework,
                "record": record,
                "summary": record.summary,
                "sentence": summary_sentence(record.summary) if record.summary else "",
                "problems": problems,
                "can_confirm": record.status == FrameworkImport.Status.PREVIEWED and not problems,
            },
        )


class ImportConfirmView(_FrameworkMixin, View):
    permission = staticmethod(can_import_framework_members)

    def post(self, request: HttpRequest, framework_pk: int, pk: int) -> HttpResponse:
        record = self.record(pk)
        try:
            framework_import_confirm(record=record, actor=self.actor)
        except ImportRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "The members and rates have been saved.")
        return HttpResponseRedirect(
            reverse("commissioning:framework_import_detail", args=[framework_pk, record.pk])
        )


class ImportCancelView(_FrameworkMixin, View):
    """Abandon a preview: its rows are dropped and nothing is saved."""

    permission = staticmethod(can_import_framework_members)

    def post(self, request: HttpRequest, framework_pk: int, pk: int) -> HttpResponse:
        record = self.record(pk)
        if framework_import_cancel(record=record):
            messages.success(request, "The import was cancelled. Nothing was saved.")
        return HttpResponseRedirect(
            reverse("commissioning:framework_import_upload", args=[framework_pk])
        )


class ExportView(_FrameworkMixin, View):
    permission = staticmethod(can_export_framework_members)

    def get(self, request: HttpRequest, framework_pk: int) -> HttpResponse:
        framework = self.framework()
        export_audit(
            actor=self.actor,
            export="framework_members_and_rates",
            rows=Membership.objects.filter(lot__framework=framework).count(),
            filters={"framework": framework.pk},
        )
        response = HttpResponse(
            framework_export(framework=framework), content_type=XLSX_CONTENT_TYPE
        )
        response["Content-Disposition"] = f'attachment; filename="{export_filename(framework)}"'
        return response
