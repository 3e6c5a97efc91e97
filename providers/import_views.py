"""The hub admin's door to the Ofsted import: upload, preview, confirm."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.files.base import ContentFile
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.mixins import PermissionRequiredMixin
from accounts.models import Region, User
from accounts.permissions import (
    can_manage_national_data,
    can_manage_region,
    can_read_national_imports,
)
from geo.successions import Basis
from providers import ofsted
from providers.forms import OfstedUploadForm
from providers.models import OfstedImport, SettingEvent
from providers.selectors import SettingToAssign, settings_to_assign
from providers.services import (
    OFSTED_PREVIEW_KEEP,
    AssignRefused,
    ImportFailed,
    Source,
    ofsted_import,
    ofsted_upload_discard,
    setting_authority_assign,
)

PREVIEW_ERRORS_SHOWN = 100


class ImportListView(PermissionRequiredMixin, TemplateView):
    nav_section = "imports"
    permission = staticmethod(can_read_national_imports)
    template_name = "providers/import_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["imports"] = OfstedImport.objects.select_related("started_by")[:50]
        context["can_import"] = can_manage_national_data(self.actor)
        return context


class ImportUploadView(PermissionRequiredMixin, FormView):
    nav_section = "imports"
    permission = staticmethod(can_manage_national_data)
    template_name = "providers/import_upload.html"
    form_class = OfstedUploadForm

    def form_valid(self, form: OfstedUploadForm) -> HttpResponse:
        upload = form.cleaned_data["file"]
        data = upload.read()
        record = OfstedImport(
            source=upload.name,
            origin=OfstedImport.Origin.UPLOAD,
            started_by=self.actor,
        )
        record.upload.save(upload.name, ContentFile(data), save=False)
        try:
            record, _ = ofsted_import(
                source=Source(name=upload.name, data=data),
                commit=False,
                origin=OfstedImport.Origin.UPLOAD,
                strict=form.cleaned_data["strict"],
                complete=not form.cleaned_data["partial"],
                started_by=self.actor,
                record=record,
            )
        except ImportFailed as exc:
            # A file that cannot be imported is not kept: only what was found about it is.
            ofsted_upload_discard(record=record)
            if exc.summary is None:
                form.add_error("file", str(exc))
                return self.form_invalid(form)
            messages.error(self.request, str(exc))
        except BaseException:
            ofsted_upload_discard(record=record)
            raise
        return HttpResponseRedirect(reverse("providers:ofsted_import_detail", args=[record.pk]))


class ImportDetailView(PermissionRequiredMixin, View):
    nav_section = "imports"
    permission = staticmethod(can_read_national_imports)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = get_object_or_404(OfstedImport, pk=pk)
        errors = record.summary.get("errors", [])
        notes = record.summary.get("notes", [])
        return render(
            request,
            "providers/import_detail.html",
            {
                "record": record,
                "summary": record.summary,
                "errors": errors[:PREVIEW_ERRORS_SHOWN],
                "errors_hidden": max(0, len(errors) - PREVIEW_ERRORS_SHOWN),
                "notes": notes[:PREVIEW_ERRORS_SHOWN],
                "notes_hidden": max(0, len(notes) - PREVIEW_ERRORS_SHOWN),
                # How each row's authority was told: by its name, or through a successor.
                "authorities": [
                    (Basis(basis).label, count)
                    for basis, count in record.summary.get("local_authorities", {}).items()
                    if basis != Basis.NAME
                ],
                "to_assign_label": Basis.TO_ASSIGN.label,
                "can_confirm": record.status == OfstedImport.Status.PREVIEWED
                and bool(record.upload)
                and can_manage_national_data(self.actor),
                "can_import": can_manage_national_data(self.actor),
                "keep_hours": int(OFSTED_PREVIEW_KEEP.total_seconds() // 3600),
                "events": [
                    (SettingEvent.Kind(kind).label, count)
                    for kind, count in sorted(record.summary.get("events", {}).items())
                ],
                "by_type": [
                    (ofsted.ProvisionType(code).label, count)
                    for code, count in sorted(
                        record.summary.get("by_provision_type", {}).items(), key=lambda kv: -kv[1]
                    )
                ],
            },
        )


class ImportConfirmView(PermissionRequiredMixin, View):
    permission = staticmethod(can_manage_national_data)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = get_object_or_404(OfstedImport, pk=pk)
        if record.status != OfstedImport.Status.PREVIEWED or not record.upload:
            messages.error(request, "This preview has already been used. Upload the file again.")
            return HttpResponseRedirect(reverse("providers:ofsted_import_detail", args=[record.pk]))
        with record.upload.open("rb") as handle:
            source = Source(name=record.source, data=handle.read())
        try:
            ofsted_import(
                source=source,
                commit=True,
                origin=OfstedImport.Origin.UPLOAD,
                strict=record.strict,
                complete=record.summary.get("complete", True),
                started_by=self.actor,
                record=record,
            )
        except ImportFailed as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "The list has been imported.")
        finally:
            # Imported or failed, the copy has served its purpose.
            ofsted_upload_discard(record=record)
        return HttpResponseRedirect(reverse("providers:ofsted_import_detail", args=[record.pk]))


class ImportCancelView(PermissionRequiredMixin, View):
    """Abandon a preview: the uploaded copy is deleted and nothing is imported."""

    permission = staticmethod(can_manage_national_data)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = get_object_or_404(OfstedImport, pk=pk)
        if record.status == OfstedImport.Status.PREVIEWED and ofsted_upload_discard(record=record):
            messages.success(request, "The import was cancelled. Nothing was imported.")
        return HttpResponseRedirect(reverse("providers:ofsted_import_list"))


def _region(request: HttpRequest) -> Region:
    organisation = cast(User, request.user).organisation
    if organisation is None:  # a hub admin always has one (can_manage_region); be sure
        raise Http404("Your account has no organisation.")
    return organisation.own_region


class AuthorityAssignView(PermissionRequiredMixin, View):
    """Settings whose list named an authority since split, and could not say which successor
    they are in: the hub whose region holds a successor says which."""

    nav_section = "imports"
    permission = staticmethod(can_manage_region)
    template_name = "providers/authority_assign.html"

    def _render(
        self, request: HttpRequest, waiting: list[SettingToAssign], **extra: Any
    ) -> HttpResponse:
        return render(request, self.template_name, {"waiting": waiting, **extra})

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, settings_to_assign(region=_region(request)))

    def post(self, request: HttpRequest) -> HttpResponse:
        waiting = settings_to_assign(region=_region(request))
        item = next((i for i in waiting if i.setting.urn == request.POST.get("urn", "")), None)
        if item is None:
            raise Http404("No setting of your region is waiting to be assigned with that URN.")
        chosen = next((a for a in item.candidates if a.gss_code == request.POST.get("area")), None)
        if chosen is None:
            return self._render(
                request,
                waiting,
                error_urn=item.setting.urn,
                error=f"Choose which authority {item.setting.display_name} is in",
            )
        try:
            setting_authority_assign(
                actor=cast(User, request.user),
                setting=item.setting,
                area=chosen,
                candidates=item.candidates,
            )
        except AssignRefused as exc:
            return self._render(request, waiting, error_urn=item.setting.urn, error=str(exc))
        messages.success(request, f"{item.setting.display_name} is now in {chosen.name}.")
        return HttpResponseRedirect(reverse("providers:authority_assign"))
