"""A provider user's choice of which settings they get emails about, and how often."""

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
from providers.facts import settings_run_by
from providers.permissions import is_provider


class NotificationPreferencesView(PermissionRequiredMixin, FormView):
    nav_section = "account"
    permission = staticmethod(is_provider)
    template_name = "brokerage/notification_preferences.html"
    form_class = NotificationPreferenceForm

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        organisation = self.actor.organisation
        assert organisation is not None  # is_provider made sure
        kwargs["settings_run"] = settings_run_by(organisation)
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
        }

    def form_valid(self, form: NotificationPreferenceForm) -> HttpResponse:
        try:
            notification_preference_save(
                actor=self.actor,
                all_settings=form.cleaned_data["scope"] == NotificationPreferenceForm.ALL,
                settings=form.cleaned_data["settings"],
                daily_digest=form.cleaned_data["daily_digest"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Your email choices have been saved.")
        return HttpResponseRedirect(reverse("accounts:account"))
