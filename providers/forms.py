from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any, cast

from crispy_forms_gds.layout import Fieldset, Layout, Submit
from django import forms
from django.core.files.uploadedfile import UploadedFile

from common.forms import GovukFormMixin, PeriodFilterForm
from common.uploads import upload_too_large
from providers import ofsted
from providers.facts import ELIGIBILITY_FIELDS
from providers.models import (
    Capability,
    Communication,
    Eligibility,
    LivingAlongside,
    Need,
    PlacementKind,
    Risk,
    Setting,
    Sex,
)

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class OfstedUploadForm(GovukFormMixin, forms.Form):
    submit_label = "Upload and preview"
    file = forms.FileField(
        label="Ofsted provider list",
        help_text="The provider-level table as .csv, .xlsx or .ods, as published or as sent to "
        "local authorities. Nothing is changed until you confirm.",
        error_messages={"required": "Choose a file to upload"},
    )
    strict = forms.BooleanField(
        label="Strict: import nothing if any row has a problem",
        required=False,
    )
    partial = forms.BooleanField(
        label="This file is not the whole register: do not close settings missing from it",
        required=False,
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() not in ofsted.SUPPORTED_EXTENSIONS:
            raise forms.ValidationError("The file must be a .csv, .xlsx or .ods spreadsheet")
        if upload_too_large(upload, MAX_UPLOAD_BYTES):
            raise forms.ValidationError("The file must be smaller than 50 MB")
        if not upload.size:
            raise forms.ValidationError("The file is empty")
        return upload


# Provider facts -------------------------------------------------------------------------------


class ClaimTransferForm(GovukFormMixin, forms.Form):
    """The hub admin's reason for moving a setting from one provider to another."""

    submit_label = "Move the setting"

    reason = forms.CharField(
        label="Why is the setting moving?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example: Ofsted's register names the new owner since 1 March. Kept in the "
        "audit log; not sent to either provider.",
        error_messages={"required": "Enter why the setting is moving to another provider"},
    )


class ClaimForm(GovukFormMixin, forms.Form):
    submit_label = "Claim this setting"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.helper.form_tag = False  # the page posts it to the claim URL

    urn = forms.CharField(
        label="Ofsted URN",
        max_length=8,
        help_text="For example SC123456 or 2590934. A hub admin checks and approves each claim.",
        error_messages={"required": "Enter the setting's Ofsted URN"},
    )

    def clean_urn(self) -> str:
        urn = self.cleaned_data["urn"].strip().upper()
        if not (
            (urn.startswith("SC") and len(urn) == 8 and urn[2:].isdigit())
            or (len(urn) == 7 and urn.isdigit())
        ):
            raise forms.ValidationError("Enter a URN like SC123456 or 2590934")
        return urn


def _capability_field(label: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=Capability.choices,
        widget=forms.RadioSelect,
        required=True,
        error_messages={"required": f"Say whether you can meet {label.lower()}"},
    )


# The statements a provider makes as fields of their own (risks and needs: one radio group each).
_STATEMENTS = [name for name in ELIGIBILITY_FIELDS if name not in ("risks", "needs")]


class EligibilityForm(GovukFormMixin, forms.Form):
    """Who a setting can care for. Risks and needs are one radio group each."""

    submit_label = "Save"
    min_age = forms.IntegerField(label="Youngest age", min_value=0, max_value=25)
    max_age = forms.IntegerField(label="Oldest age", min_value=0, max_value=25)
    sexes = forms.MultipleChoiceField(
        label="Who you can care for",
        choices=Sex.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one"},
    )
    placement_kinds = forms.MultipleChoiceField(
        label="Placements you take",
        choices=PlacementKind.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one kind of placement"},
    )
    minimum_notice_days = forms.IntegerField(
        label="Notice you need, in days", min_value=0, max_value=365, help_text="0 for same day"
    )
    living_alongside = forms.ChoiceField(
        label="Who a child can live alongside",
        choices=LivingAlongside.choices,
        widget=forms.RadioSelect,
    )
    accepts_pets = forms.BooleanField(label="A child can bring a pet", required=False)
    can_meet_deprivation_of_liberty = forms.BooleanField(
        label="You can care for a child under a deprivation of liberty order", required=False
    )
    adapted_for_physical_disability = forms.BooleanField(
        label="The home is adapted for physical disability", required=False
    )
    communication = forms.MultipleChoiceField(
        label="Communication you support",
        choices=Communication.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    what_we_offer = forms.CharField(
        label="What you offer", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    therapeutic_support = forms.CharField(
        label="Therapeutic support", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for risk in Risk:
            self.fields[f"risk_{risk.value}"] = _capability_field(risk.label)
        for need in Need:
            self.fields[f"need_{need.value}"] = _capability_field(need.label)
        # A statement added to Eligibility without a question of its own here is asked as the
        # model says (its verbose name is the label), with the legal and access questions.
        added = [name for name in _STATEMENTS if name not in self.fields]
        self.fields.update(forms.fields_for_model(Eligibility, fields=added))
        self.helper.inputs = []
        self.helper.layout = Layout(
            Fieldset("min_age", "max_age", "sexes", legend="Age and sex", legend_size="m"),
            Fieldset(
                "placement_kinds",
                "minimum_notice_days",
                "living_alongside",
                "accepts_pets",
                legend="Placements",
                legend_size="m",
            ),
            Fieldset(
                "can_meet_deprivation_of_liberty",
                "adapted_for_physical_disability",
                "communication",
                *added,
                legend="Legal and access",
                legend_size="m",
            ),
            Fieldset(*[f"risk_{r.value}" for r in Risk], legend="Risks", legend_size="m"),
            Fieldset(*[f"need_{n.value}" for n in Need], legend="Needs", legend_size="m"),
            Fieldset(
                "what_we_offer", "therapeutic_support", legend="In your words", legend_size="m"
            ),
            Submit("submit", self.submit_label),
        )
        for name in [f"risk_{r.value}" for r in Risk] + [f"need_{n.value}" for n in Need]:
            self.fields[name].widget.attrs["data-inline"] = "true"

    @classmethod
    def initial_for(cls, eligibility: Eligibility | None) -> dict[str, object]:
        if eligibility is None:
            return {"min_age": 0, "max_age": 17, "minimum_notice_days": 0}
        initial: dict[str, object] = {
            name: getattr(eligibility, name)
            for name in ELIGIBILITY_FIELDS
            if name not in ("risks", "needs")
        }
        initial |= {f"risk_{k}": v for k, v in eligibility.risks.items()}
        initial |= {f"need_{k}": v for k, v in eligibility.needs.items()}
        return initial

    def service_values(self) -> dict[str, object]:
        data = dict(self.cleaned_data)
        risks = {r.value: data.pop(f"risk_{r.value}") for r in Risk}
        needs = {n.value: data.pop(f"need_{n.value}") for n in Need}
        return {**data, "risks": risks, "needs": needs}


class VacancyForm(GovukFormMixin, forms.Form):
    submit_label = "Confirm vacancy"
    places = forms.IntegerField(
        label="Places free now or soon",
        min_value=0,
        max_value=99,
        help_text="0 if you have no vacancy.",
        error_messages={"required": "Enter how many places are free (0 for none)"},
    )
    available_from = forms.DateField(
        label="Available from",
        required=False,
        help_text="For example, 27/3/2026. Leave empty if available now.",
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={"invalid": "Enter a date like 27/3/2026"},
    )
    sexes = forms.MultipleChoiceField(
        label="Only for",
        choices=Sex.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Leave both unticked if the place is for anyone your criteria admit.",
    )
    min_age = forms.IntegerField(
        label="Youngest age for this place",
        min_value=0,
        max_value=25,
        required=False,
        help_text="Leave empty for the youngest your criteria admit.",
        error_messages={"invalid": "Enter an age in whole years, like 13"},
    )
    max_age = forms.IntegerField(
        label="Oldest age for this place",
        min_value=0,
        max_value=25,
        required=False,
        help_text="Leave empty for the oldest your criteria admit.",
        error_messages={"invalid": "Enter an age in whole years, like 16"},
    )
    solo_only = forms.BooleanField(
        label="Only for a child placed alone (no brothers or sisters placed with them)",
        required=False,
    )
    restriction = forms.CharField(
        label="Anything else about this place",
        max_length=255,
        required=False,
        help_text="Shown to placement officers as you write it, for example: not a child who "
        "sets fires, because of the children living here now.",
    )

    def clean_available_from(self) -> date | None:
        value = self.cleaned_data.get("available_from")
        if value and value < date.today():
            raise forms.ValidationError(
                "The date must be today or in the future; leave it empty if the place is free now"
            )
        return value


class LocationForm(GovukFormMixin, forms.Form):
    submit_label = "Save address"
    address_line_1 = forms.CharField(label="Address line 1", max_length=255)
    address_line_2 = forms.CharField(label="Address line 2", max_length=255, required=False)
    town = forms.CharField(label="Town or city", max_length=120, required=False)
    postcode = forms.CharField(
        label="Postcode", max_length=10, error_messages={"required": "Enter the postcode"}
    )


class LocationViewFilterForm(PeriodFilterForm):
    """Filter a provider's address views by one of its settings and by day."""

    setting = forms.ChoiceField(label="Setting", required=False)

    def __init__(self, *args: Any, settings: Iterable[Setting], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["setting"]).choices = [
            ("", "All your settings"),
            *((setting.urn, f"{setting.display_name} ({setting.urn})") for setting in settings),
        ]
