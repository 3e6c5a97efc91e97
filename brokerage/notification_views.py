"""A user's email choices: which settings a provider user hears about and how often, and which
Ofsted alerts anyone told about them gets. Each user sees and changes only their own."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import FormView

from accounts.forms import apply_validation_error
from accounts.mixins import PermissionRequiredMixin
from brokerage.notification_forms import NotificationPreferenceForm
from brokerage.notifications import notification_preference_for, notification_preference_save
from brokerage.permissions import can_choose_emails
from providers.facts import settings_run_by
from providers.permissions import is_provider


class NotificationPreferencesView(PermissionRequiredMixin, FormView):
    nav_section = "account"
    permission = staticmethod(can_choose_emails)
    template_name = "brokerage/notification_preferences.html"
    form_class = NotificationPreferenceForm

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        organisation = self.actor.organisation
        assert organisation is not None  # can_choose_emails made sure
        kwargs["settings_run"] = settings_run_by(organisation) if is_provider(self.actor) else None
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        preference = notification_preference_for(self.actor)
        return {
            "scope": (
                NotificationPreferenceForm.ALL
                if preference.all_settings
                else NotificationPreferenceForm.CHOSEN
            ),
            "settings": list(preference.settings.all()) if preference.pk else [],
            "daily_digest": preference.daily_digest,
            "alerts": preference.alerts,
        }

    def form_valid(self, form: NotificationPreferenceForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            notification_preference_save(
                actor=self.actor,
                all_settings=data.get("scope", NotificationPreferenceForm.ALL)
                == NotificationPreferenceForm.ALL,
                settings=data.get("settings", ()),
                daily_digest=data.get("daily_digest", False),
                alerts=data["alerts"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Your email choices have been saved.")
        return HttpResponseRedirect(reverse("accounts:account"))
