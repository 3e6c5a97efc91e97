"""The form behind a user's email choices (the rules are in brokerage.notifications): provider
people choose which settings they hear about, how often, and which Ofsted alerts they get; an
LA's placement officers and managers choose only the alerts."""

from __future__ import annotations

from typing import Any

from crispy_forms_gds.layout import (
    ConditionalQuestion,
    ConditionalRadios,
    Field,
    Fieldset,
    Layout,
    Size,
)
from django import forms
from django.db.models import QuerySet

from brokerage.models import SettingAlert
from common.forms import GovukFormMixin
from providers.models import Setting


class SettingChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Setting) -> str:  # type: ignore[override]
        # A setting Ofsted names only by its type already carries its URN in its display name.
        return f"{obj.name} ({obj.urn})" if obj.name else obj.display_name


class NotificationPreferenceForm(GovukFormMixin, forms.Form):
    ALL = "all"
    CHOSEN = "chosen"
    SCOPES = [(ALL, "All of our settings"), (CHOSEN, "Only the settings I choose")]

    submit_label = "Save"
    scope = forms.ChoiceField(
        label="Which settings do you want emails about?",
        help_text="New referrals, reminders, questions and outcomes.",
        choices=SCOPES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose all of your settings or only the settings you choose",
            "invalid_choice": "Choose all of your settings or only the settings you choose",
        },
    )
    settings = SettingChoiceField(
        label="Settings",
        queryset=Setting.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Choose only your organisation's settings",
            "invalid_pk_value": "Choose only your organisation's settings",
        },
    )
    daily_digest = forms.BooleanField(
        label="Send me one email a day instead of one for each referral",
        help_text=(
            "New referrals are listed in one email each morning. Reminders, questions and "
            "outcomes still come straight away."
        ),
        required=False,
    )
    alerts = forms.MultipleChoiceField(
        label="Ofsted alerts",
        help_text=(
            "An email as soon as Ofsted's list shows one of these changes at a setting your "
            "organisation runs, or where it has an open referral or a child placed. "
            "Select all that apply."
        ),
        choices=SettingAlert.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose only alerts from the list"},
    )

    def __init__(self, *args: Any, settings_run: QuerySet[Setting] | None, **kwargs: Any) -> None:
        """`settings_run`: the settings a provider user's organisation runs; None for someone
        with no referral choices to make (a placement officer or LA manager)."""
        super().__init__(*args, **kwargs)
        self.helper.label_size = Size.SMALL
        self.helper.legend_size = Size.MEDIUM
        alerts = Field.checkboxes("alerts", legend_size=Size.MEDIUM, small=True)
        if settings_run is None:
            for name in ("scope", "settings", "daily_digest"):
                del self.fields[name]
            self.helper.layout = Layout(alerts)
            return
        field = self.fields["settings"]
        assert isinstance(field, SettingChoiceField)
        field.queryset = settings_run
        # Conditional radios are numbered from 0 (the error summary links to the first).
        self.fields["scope"].first_choice_id = "id_scope_0"  # type: ignore[attr-defined]
        chosen = (
            ConditionalQuestion(
                self.SCOPES[1][1], Field.checkboxes("settings", legend_size=Size.SMALL, small=True)
            )
            if settings_run.exists()
            else self.SCOPES[1][1]
        )
        self.helper.layout = Layout(
            ConditionalRadios("scope", self.SCOPES[0][1], chosen),
            Fieldset(Field.checkbox("daily_digest"), legend="How often", legend_size=Size.MEDIUM),
            alerts,
        )
