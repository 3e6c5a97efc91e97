"""The form behind a provider user's email choices (the rules are in brokerage.notifications)."""

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

    def __init__(self, *args: Any, settings_run: QuerySet[Setting], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["settings"]
        assert isinstance(field, SettingChoiceField)
        field.queryset = settings_run
        # Conditional radios are numbered from 0 (the error summary links to the first).
        self.fields["scope"].first_choice_id = "id_scope_0"  # type: ignore[attr-defined]
        self.helper.label_size = Size.SMALL
        self.helper.legend_size = Size.MEDIUM
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
        )
