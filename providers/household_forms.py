"""The form an independent fostering agency uses to describe one anonymous carer household.

What it can and cannot do about privacy: it only has fields for the agency's own reference, a
postcode district (LE15, never a full postcode), ages, needs, languages and places. A reference is
short (20 characters) and may hold only letters, digits, hyphens and spaces, so an email address
or a full address cannot be typed, and a long run of digits (a phone number) is refused. Nothing
can stop someone typing a carer's name, such as "Smith"; the label and hint ask for the agency's
own reference instead, and the list page explains why.
"""

from __future__ import annotations

import re
from typing import Any

from crispy_forms_gds.layout import Field, Fixed, Layout, Size
from django import forms

from common.forms import GovukFormMixin
from providers.models import CarerHousehold, Need

REFERENCE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]*")
PHONE_LIKE = re.compile(r"[0-9 ]{10,}")
DISTRICT_PATTERN = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?")
FULL_POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}")
LANGUAGE_PUNCTUATION = frozenset(" -'()")
MAX_LANGUAGES = 10
LANGUAGE_MAX_LENGTH = 40

FIELDS = (
    "reference",
    "postcode_district",
    "min_age",
    "max_age",
    "needs",
    "languages",
    "places_now",
)


def _number(label: str, *, max_value: int, required: str) -> forms.IntegerField:
    # GOV.UK asks for a text input with a numeric keyboard rather than type="number".
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=max_value,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages={
            "required": required,
            "invalid": f"{label} must be a whole number, like 3",
            "min_value": f"{label} must be 0 or more",
            "max_value": f"{label} must be {max_value} or less",
        },
    )


class HouseholdForm(GovukFormMixin, forms.Form):
    reference = forms.CharField(
        label="Your reference for this household",
        max_length=20,
        help_text="Your agency's own reference, for example H-014. Never use a carer's name, "
        "address or phone number: this service must not identify anyone.",
        error_messages={
            "required": "Enter your reference for this household, for example H-014",
            "max_length": "The reference must be 20 characters or fewer",
        },
    )
    postcode_district = forms.CharField(
        label="Postcode district",
        max_length=8,
        help_text="Only the first part of the household's postcode, for example LE15.",
        error_messages={"required": "Enter the postcode district, for example LE15"},
    )
    min_age = _number(
        "Youngest age", max_value=25, required="Enter the youngest age they can care for"
    )
    max_age = _number("Oldest age", max_value=25, required="Enter the oldest age they can care for")
    needs = forms.MultipleChoiceField(
        label="Needs they can meet",
        choices=Need.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Select all that apply.",
    )
    languages = forms.CharField(
        label="Languages spoken (optional)",
        required=False,
        max_length=300,
        help_text="Separate languages with commas, for example Polish, British Sign Language.",
    )
    places_now = _number(
        "Places free now", max_value=9, required="Enter how many places are free now (0 for none)"
    )

    def __init__(self, *args: Any, submit_label: str = "Save", **kwargs: Any) -> None:
        self.submit_label = submit_label
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Field.text("reference", field_width=Fixed.TEN, autocomplete="off", spellcheck="false"),
            Field.text(
                "postcode_district", field_width=Fixed.FIVE, autocomplete="off", spellcheck="false"
            ),
            Field.text("min_age", field_width=Fixed.TWO),
            Field.text("max_age", field_width=Fixed.TWO),
            Field.checkboxes("needs", legend_size=Size.SMALL, small=True),
            Field.text("languages", autocomplete="off"),
            Field.text("places_now", field_width=Fixed.TWO),
        )

    @staticmethod
    def initial_for(household: CarerHousehold | None) -> dict[str, Any]:
        if household is None:
            return {"min_age": 0, "max_age": 17, "places_now": 0}
        initial = {name: getattr(household, name) for name in FIELDS}
        initial["languages"] = ", ".join(household.languages)
        return initial

    def clean_reference(self) -> str:
        reference = " ".join(self.cleaned_data["reference"].split())
        if not REFERENCE_PATTERN.fullmatch(reference):
            raise forms.ValidationError(
                "The reference can only include letters, numbers, hyphens and spaces"
            )
        if PHONE_LIKE.fullmatch(reference):
            raise forms.ValidationError(
                "The reference looks like a phone number. Use your agency's own reference, "
                "for example H-014"
            )
        return reference

    def clean_postcode_district(self) -> str:
        district = self.cleaned_data["postcode_district"].strip().upper()
        # A full postcode narrows a household down to a few addresses: refuse it, say why.
        if FULL_POSTCODE.fullmatch(district):
            raise forms.ValidationError(
                "Enter only the first part of the postcode, for example LE15, not the full postcode"
            )
        if not DISTRICT_PATTERN.fullmatch(district):
            raise forms.ValidationError("Enter a postcode district, for example LE15")
        return district

    def clean_languages(self) -> list[str]:
        languages: list[str] = []
        seen: set[str] = set()
        for part in self.cleaned_data["languages"].split(","):
            language = " ".join(part.split())
            if not language or language.casefold() in seen:
                continue
            if len(language) > LANGUAGE_MAX_LENGTH:
                raise forms.ValidationError(
                    f"Each language must be {LANGUAGE_MAX_LENGTH} characters or fewer"
                )
            if not all(c.isalpha() or c in LANGUAGE_PUNCTUATION for c in language):
                raise forms.ValidationError(
                    "Languages can only include letters, spaces, hyphens and apostrophes; "
                    "separate them with commas"
                )
            seen.add(language.casefold())
            languages.append(language)
        if len(languages) > MAX_LANGUAGES:
            raise forms.ValidationError(f"Enter {MAX_LANGUAGES} languages or fewer")
        return languages
