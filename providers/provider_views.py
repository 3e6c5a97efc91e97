"""Pages where providers keep their own facts true, and where hub admins approve claims."""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from accounts.forms import apply_validation_error
from accounts.mixins import PermissionRequiredMixin
from accounts.models import User
from providers import facts
from providers.forms import (
    ClaimForm,
    ClaimTransferForm,
    EligibilityForm,
    LocationForm,
    VacancyForm,
)
from providers.models import Eligibility, Setting, SettingClaim, Vacancy
from providers.permissions import (
    can_claim_settings,
    can_decide_claims,
    can_edit_setting,
    can_manage_api_tokens,
    can_see_address_views,
    can_see_exact_location,
    is_provider,
)
from providers.selectors import claims_decidable


def setting_for_provider(*, actor: User, urn: str) -> Setting:
    """A setting the actor's organisation runs; anything else is not found (no leak)."""
    setting = Setting.objects.filter(urn=urn).select_related("local_authority").first()
    if setting is None or not can_edit_setting(actor, setting):
        raise Http404
    return setting


def _history(setting: Setting) -> list[dict[str, Any]]:
    """Changes to eligibility and vacancy, newest first, with who made them."""
    rows: list[dict[str, Any]] = []
    for model, label in ((Eligibility, "Who you can care for"), (Vacancy, "Vacancy")):
        records = model.history.filter(setting_id=setting.pk).select_related("history_user")
        if setting.provider_since is not None:
            # What was recorded before this organisation took the setting over is not its to
            # see: no record from before, nor the deletions a transfer made of what existed.
            since = setting.provider_since
            existed = model.history.filter(setting_id=setting.pk, history_date__lt=since)
            records = records.filter(history_date__gte=since).exclude(
                history_type="-", id__in=existed.values("id")
            )
        for record in records.order_by("-history_date")[:20]:
            if label == "Vacancy":
                what = f"{record.places} place{'s' if record.places != 1 else ''}"
                if record.instance.restrictions:
                    what += f" ({record.instance.restrictions_display})"
                previous = record.prev_record
                if (
                    previous is not None
                    and not record.diff_against(
                        previous,
                        excluded_fields=[
                            "confirmed_at",
                            "confirmed_by",
                            "reminder_sent_at",
                            "updated_at",
                        ],
                    ).changed_fields
                ):
                    what = f"confirmed unchanged, {what}"
            else:
                what = "Updated"
                previous = record.prev_record
                if previous is not None:
                    changed = record.diff_against(previous).changed_fields
                    what = "Changed: " + ", ".join(f.replace("_", " ") for f in changed)
            rows.append(
                {
                    "when": record.history_date,
                    "what": label,
                    "detail": what,
                    "who": record.history_user.full_name if record.history_user else "Email link",
                }
            )
    return sorted(rows, key=lambda row: row["when"], reverse=True)[:30]


class ProviderSettingsView(PermissionRequiredMixin, View):
    nav_section = "yours"
    permission = staticmethod(is_provider)

    def get(self, request: HttpRequest, form: ClaimForm | None = None) -> HttpResponse:
        organisation = self.actor.organisation
        assert organisation is not None
        settings = list(
            facts.settings_run_by(organisation).select_related("vacancy", "local_authority")
        )
        for setting in settings:
            setting.vacancy_view = facts.vacancy_view(getattr(setting, "vacancy", None))
        return render(
            request,
            "providers/provider_settings.html",
            {
                "organisation": organisation,
                "settings": settings,
                "claims": SettingClaim.objects.filter(organisation=organisation)
                .select_related("setting")
                .order_by("-created_at")[:50],
                "form": form or ClaimForm(),
                "can_claim": can_claim_settings(self.actor),
                "can_manage_api_tokens": can_manage_api_tokens(self.actor),
                "can_see_address_views": can_see_address_views(self.actor),
            },
        )


class ClaimCreateView(PermissionRequiredMixin, View):
    permission = staticmethod(can_claim_settings)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ClaimForm(request.POST)
        if form.is_valid():
            setting = Setting.objects.filter(urn=form.cleaned_data["urn"]).first()
            if setting is None:
                form.add_error("urn", "There is no setting with this URN on Ofsted's register")
            else:
                try:
                    facts.setting_claim_request(actor=self.actor, setting=setting)
                except ValidationError as error:
                    form.add_error("urn", error)
                else:
                    messages.success(
                        request,
                        f"You have claimed {setting.display_name} ({setting.urn}). "
                        "A hub admin will check and approve it.",
                    )
                    return HttpResponseRedirect(reverse("providers:provider_settings"))
        view = ProviderSettingsView()
        view.request = request
        return view.get(request, form=form)


def _claim_for_hub_admin(*, actor: User, pk: int) -> SettingClaim:
    """A claim for a setting in the actor's region (any, for the operator); anything else is
    not found."""
    return get_object_or_404(
        claims_decidable(actor=actor).select_related(
            "setting", "setting__provider_organisation", "organisation", "requested_by"
        ),
        pk=pk,
    )


class ClaimListView(PermissionRequiredMixin, View):
    nav_section = "claims"
    permission = staticmethod(can_decide_claims)

    def get(self, request: HttpRequest) -> HttpResponse:
        claims = claims_decidable(actor=self.actor).select_related(
            "setting",
            "setting__provider_organisation",
            "organisation",
            "requested_by",
            "decided_by",
            "transferred_from",
        )
        return render(
            request,
            "providers/claim_list.html",
            {
                "pending": claims.filter(status=SettingClaim.Status.PENDING),
                "decided": claims.exclude(status=SettingClaim.Status.PENDING).order_by(
                    "-decided_at"
                )[:30],
            },
        )


class ClaimDecideView(PermissionRequiredMixin, View):
    permission = staticmethod(can_decide_claims)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        claim = _claim_for_hub_admin(actor=self.actor, pk=pk)
        approve = request.POST.get("decision") == "approve"
        try:
            facts.setting_claim_decide(actor=self.actor, claim=claim, approve=approve)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            verb = "approved" if approve else "rejected"
            messages.success(
                request,
                f"{claim.organisation.name}'s claim to {claim.setting.urn} has been {verb}.",
            )
        return HttpResponseRedirect(reverse("providers:claim_list"))


class ClaimTransferView(PermissionRequiredMixin, View):
    """Approving a claim to a setting another provider runs here: a separate confirmation, with
    a reason."""

    nav_section = ""

    permission = staticmethod(can_decide_claims)
    template_name = "providers/claim_transfer.html"

    def _render(self, request: HttpRequest, claim: SettingClaim, form: Any) -> HttpResponse:
        return render(request, self.template_name, {"claim": claim, "form": form})

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        claim = _claim_for_hub_admin(actor=self.actor, pk=pk)
        if (
            claim.status != SettingClaim.Status.PENDING
            or claim.setting.provider_organisation is None
        ):
            return HttpResponseRedirect(reverse("providers:claim_list"))
        return self._render(request, claim, ClaimTransferForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        claim = _claim_for_hub_admin(actor=self.actor, pk=pk)
        form = ClaimTransferForm(request.POST)
        if form.is_valid():
            previous = claim.setting.provider_organisation
            try:
                facts.setting_claim_transfer(
                    actor=self.actor, claim=claim, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request,
                    f"{claim.setting.display_name} ({claim.setting.urn}) has moved from "
                    f"{previous.name if previous else 'nobody'} to {claim.organisation.name}. "
                    "Both have been told by email.",
                )
                return HttpResponseRedirect(reverse("providers:claim_list"))
        return self._render(request, claim, form)


class SettingManageView(PermissionRequiredMixin, View):
    nav_section = "yours"
    permission = staticmethod(is_provider)

    def get(self, request: HttpRequest, urn: str) -> HttpResponse:
        setting = setting_for_provider(actor=self.actor, urn=urn)
        eligibility = Eligibility.objects.filter(setting=setting).first()
        vacancy = Vacancy.objects.filter(setting=setting).select_related("confirmed_by").first()
        return render(
            request,
            "providers/setting_manage.html",
            {
                "setting": setting,
                "eligibility": eligibility,
                "vacancy": vacancy,
                "vacancy_view": facts.vacancy_view(vacancy),
                "history": _history(setting),
                "is_ifa": setting.provision_type == "independent_fostering_agency",
            },
        )


class EligibilityEditView(PermissionRequiredMixin, View):
    nav_section = "yours"
    permission = staticmethod(is_provider)
    template_name = "providers/setting_eligibility_form.html"

    def get(self, request: HttpRequest, urn: str) -> HttpResponse:
        setting = setting_for_provider(actor=self.actor, urn=urn)
        eligibility = Eligibility.objects.filter(setting=setting).first()
        form = EligibilityForm(initial=EligibilityForm.initial_for(eligibility))
        return render(request, self.template_name, {"setting": setting, "form": form})

    def post(self, request: HttpRequest, urn: str) -> HttpResponse:
        setting = setting_for_provider(actor=self.actor, urn=urn)
        form = EligibilityForm(request.POST)
        if form.is_valid():
            try:
                facts.eligibility_update(actor=self.actor, setting=setting, **form.service_values())
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "Who you can care for has been saved.")
                return HttpResponseRedirect(reverse("providers:setting_manage", args=[setting.urn]))
        return render(request, self.template_name, {"setting": setting, "form": form})


class VacancyEditView(PermissionRequiredMixin, View):
    nav_section = "yours"
    permission = staticmethod(is_provider)
    template_name = "providers/setting_vacancy_form.html"

    def get(self, request: HttpRequest, urn: str) -> HttpResponse:
        setting = setting_for_provider(actor=self.actor, urn=urn)
        vacancy = Vacancy.objects.filter(setting=setting).first()
        initial = facts.vacancy_statement(vacancy) if vacancy else {}
        return render(
            request,
            self.template_name,
            {
                "setting": setting,
                "form": VacancyForm(initial=initial),
                "vacancy_view": facts.vacancy_view(vacancy),
                "stale_days": django_settings.VACANCY_STALE_DAYS,
            },
        )

    def post(self, request: HttpRequest, urn: str) -> HttpResponse:
        setting = setting_for_provider(actor=self.actor, urn=urn)
        form = VacancyForm(request.POST)
        if form.is_valid():
            try:
                facts.vacancy_confirm(actor=self.actor, setting=setting, **form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "The vacancy has been confirmed as of today.")
                return HttpResponseRedirect(reverse("providers:setting_manage", args=[setting.urn]))
        vacancy = Vacancy.objects.filter(setting=setting).first()
        return render(
            request,
            self.template_name,
            {"setting": setting, "form": form, "vacancy_view": facts.vacancy_view(vacancy)},
        )


class VacancyStillAccurateView(PermissionRequiredMixin, View):
    """One button: the statement is unchanged and true today."""

    permission = staticmethod(is_provider)

    def post(self, request: HttpRequest, urn: str) -> HttpResponse:
        setting = setting_for_provider(actor=self.actor, urn=urn)
        vacancy = Vacancy.objects.filter(setting=setting).first()
        if vacancy is None:
            messages.error(request, "There is no vacancy statement to confirm yet.")
        else:
            try:
                facts.vacancy_confirm(
                    actor=self.actor, setting=setting, **facts.vacancy_statement(vacancy)
                )
            except ValidationError as error:
                # The criteria changed since and the restriction no longer fits them.
                messages.error(request, f"{' '.join(error.messages)}. Update the vacancy.")
                return HttpResponseRedirect(
                    reverse("providers:setting_vacancy_edit", args=[setting.urn])
                )
            messages.success(request, "The vacancy has been confirmed as of today.")
        # Back where the button was (the home page's work queue), if that is this site.
        back = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return HttpResponseRedirect(back)
        return HttpResponseRedirect(reverse("providers:setting_manage", args=[setting.urn]))


class LocationEditView(PermissionRequiredMixin, View):
    nav_section = "yours"
    permission = staticmethod(is_provider)
    template_name = "providers/setting_location_form.html"

    def get(self, request: HttpRequest, urn: str) -> HttpResponse:
        setting = setting_for_provider(actor=self.actor, urn=urn)
        form = LocationForm(
            initial={
                "address_line_1": setting.address_line_1,
                "address_line_2": setting.address_line_2,
                "town": setting.town,
                "postcode": setting.postcode,
            }
        )
        return render(request, self.template_name, {"setting": setting, "form": form})

    def post(self, request: HttpRequest, urn: str) -> HttpResponse:
        setting = setting_for_provider(actor=self.actor, urn=urn)
        form = LocationForm(request.POST)
        if form.is_valid():
            try:
                facts.setting_location_update(
                    actor=self.actor, setting=setting, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, "The address has been saved.")
                return HttpResponseRedirect(reverse("providers:setting_manage", args=[setting.urn]))
        return render(request, self.template_name, {"setting": setting, "form": form})


class SettingLocationView(PermissionRequiredMixin, View):
    """The exact address of a setting, for those entitled; LA views of private ones are logged."""

    nav_section = ""

    permission = staticmethod(lambda user: user.is_active)

    def get(self, request: HttpRequest, urn: str) -> HttpResponse:
        setting = get_object_or_404(Setting, urn=urn)
        if not can_see_exact_location(self.actor, setting):
            raise Http404
        location = facts.setting_exact_location(viewer=self.actor, setting=setting)
        return render(
            request,
            "providers/setting_location.html",
            {"setting": setting, "location": location},
        )
