"""A hub admin invites a setting's provider onto the service from the setting's page
(`providers.invites`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from accounts.forms import apply_validation_error
from accounts.mixins import PermissionRequiredMixin
from accounts.permissions import can_manage_region
from common.forms import GovukFormMixin
from providers import selectors
from providers.invites import setting_provider_invite, setting_provider_invite_blocker
from providers.models import Setting


class SettingProviderInviteForm(GovukFormMixin, forms.Form):
    submit_label = "Add the provider and send the invitation"

    organisation_name = forms.CharField(
        label="Organisation name",
        max_length=200,
        help_text="As Ofsted's list names the owner. If the region already has a provider "
        "organisation of this name, the setting is linked to it.",
        error_messages={"required": "Enter the organisation's name"},
    )
    full_name = forms.CharField(
        label="Full name of the person to invite",
        max_length=200,
        required=False,
        help_text="They become the organisation's provider admin. Leave both empty only to link "
        "the setting to an organisation already on the service.",
    )
    email = forms.EmailField(
        label="Their email address",
        required=False,
        widget=forms.EmailInput(attrs={"spellcheck": "false"}),
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.org"
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.inputs = []


class SettingProviderInviteView(PermissionRequiredMixin, View):
    nav_section = ""
    permission = staticmethod(can_manage_region)
    template_name = "providers/setting_invite_provider.html"

    def _setting(self, urn: str) -> Setting:
        """A setting in the hub's region: only its hub links it to a provider."""
        setting = selectors.setting_get(urn=urn)
        region = self.actor.region
        if not selectors.setting_is_hubs(setting=setting, region=region):
            raise Http404(f"{urn} is not in {region}.")
        return setting

    def get(self, request: HttpRequest, urn: str) -> HttpResponse:
        setting = self._setting(urn)
        form = SettingProviderInviteForm(initial={"organisation_name": setting.owner_name})
        return self._render(setting, form)

    def post(self, request: HttpRequest, urn: str) -> HttpResponse:
        setting = self._setting(urn)
        form = SettingProviderInviteForm(request.POST)
        if form.is_valid():
            try:
                organisation, invitation = setting_provider_invite(
                    actor=self.actor, setting=setting, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                text = f"{setting.display_name} is now run on the service by {organisation.name}."
                if invitation is not None:
                    text += f" Invitation sent to {invitation.email}."
                messages.success(request, text)
                return HttpResponseRedirect(reverse("providers:setting_detail", args=[setting.urn]))
        return self._render(setting, form)

    def _render(self, setting: Setting, form: SettingProviderInviteForm) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                "setting": setting,
                "form": form,
                "blocker": setting_provider_invite_blocker(setting),
            },
        )
