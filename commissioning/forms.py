"""The hub admin's forms for frameworks, lots, members and their rates, and a member's status.
Rules across fields (dates inside the framework's, a URN that exists) are the services'."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from crispy_forms_gds.layout import Field, Fieldset, Fixed, Layout, Size
from django import forms

from accounts.models import Organisation, Region
from commissioning.models import (
    MAX_WEEKLY_RATE,
    Framework,
    Lot,
    Membership,
    NeedLevel,
    RateIncludes,
)
from commissioning.services import RateInput
from common.forms import GovukFormMixin, pounds_field
from providers.models import Accommodation

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d %m %Y", "%d-%m-%Y"]
DATE_EXAMPLE = "1/4/2025"
REGION = "region"


def _date(label: str, *, required: str | None) -> forms.DateField:
    return forms.DateField(
        label=label if required else f"{label} (optional)",
        required=required is not None,
        help_text=f"For example, {DATE_EXAMPLE}",
        input_formats=DATE_FORMATS,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
        error_messages={
            "required": required or "",
            "invalid": f"Enter a real date, like {DATE_EXAMPLE}",
        },
    )


def _whole(label: str, *, max_value: int, required: str) -> forms.IntegerField:
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


def _pounds(label: str, *, help_text: str = "") -> forms.DecimalField:
    return pounds_field(label, example="5200", help_text=help_text)


class FrameworkForm(GovukFormMixin, forms.Form):
    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter the framework's name"}
    )
    kind = forms.ChoiceField(
        label="Kind",
        choices=Framework.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of arrangement it is"},
    )
    owner = forms.ChoiceField(
        label="Who let it",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the region or the member local authority that let it",
            "invalid_choice": "Choose the region or one of its member local authorities",
        },
    )
    reference = forms.CharField(
        label="Reference (optional)",
        max_length=60,
        required=False,
        help_text="The contract or tender reference, if it has one.",
    )
    starts_on = _date("Start date", required="Enter the date the framework starts")
    ends_on = _date("End date", required=None)

    def __init__(self, *args: Any, region: Region, submit_label: str, **kwargs: Any) -> None:
        self.submit_label = submit_label
        super().__init__(*args, **kwargs)
        self.local_authorities = {
            str(la.pk): la
            for la in Organisation.objects.filter(
                region=region, kind=Organisation.Kind.LOCAL_AUTHORITY, member_until__isnull=True
            ).order_by("name")
        }
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ChoiceField)
        owner.choices = [(REGION, f"The region ({region.name})")] + [
            (pk, la.name) for pk, la in self.local_authorities.items()
        ]
        self.helper.layout = Layout(
            Field.text("name"),
            Field.radios("kind", legend_size=Size.SMALL, small=True),
            Field.radios("owner", legend_size=Size.SMALL, small=True),
            Field.text("reference", field_width=Fixed.TWENTY),
            Field.text("starts_on", field_width=Fixed.TEN),
            Field.text("ends_on", field_width=Fixed.TEN),
        )

    @staticmethod
    def initial_for(framework: Framework | None) -> dict[str, Any]:
        if framework is None:
            return {"owner": REGION}
        return {
            "name": framework.name,
            "kind": framework.kind,
            "owner": str(framework.owner_id) if framework.owner_id else REGION,
            "reference": framework.reference,
            "starts_on": framework.starts_on,
            "ends_on": framework.ends_on,
        }

    def clean_owner(self) -> Organisation | None:
        value = self.cleaned_data["owner"]
        return None if value == REGION else self.local_authorities[value]


class LotForm(GovukFormMixin, forms.Form):
    number = _whole("Lot number", max_value=999, required="Enter the lot's number, like 1")
    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter the lot's name"}
    )
    accommodation = forms.ChoiceField(
        label="Kind of placement",
        choices=Accommodation.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of placement the lot buys"},
    )
    min_age = _whole("Youngest age", max_value=25, required="Enter the youngest age, like 8")
    max_age = _whole("Oldest age", max_value=25, required="Enter the oldest age, like 17")
    starts_on = _date("Start date", required="Enter the date the lot starts")
    ends_on = _date("End date", required=None)

    def __init__(self, *args: Any, submit_label: str, **kwargs: Any) -> None:
        self.submit_label = submit_label
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Field.text("number", field_width=Fixed.THREE),
            Field.text("name"),
            Field.radios("accommodation", legend_size=Size.SMALL, small=True),
            Field.text("min_age", field_width=Fixed.TWO),
            Field.text("max_age", field_width=Fixed.TWO),
            Field.text("starts_on", field_width=Fixed.TEN),
            Field.text("ends_on", field_width=Fixed.TEN),
        )

    @staticmethod
    def initial_for(lot: Lot | None, framework: Framework) -> dict[str, Any]:
        if lot is None:
            return {
                "min_age": 0,
                "max_age": 17,
                "starts_on": framework.starts_on,
                "ends_on": framework.ends_on,
            }
        names = ("number", "name", "accommodation", "min_age", "max_age", "starts_on", "ends_on")
        return {name: getattr(lot, name) for name in names}


class RatesForm(GovukFormMixin, forms.Form):
    """A weekly rate, what it includes and a solo premium for each need level; a level left
    empty has no rate."""

    def __init__(self, *args: Any, submit_label: str, **kwargs: Any) -> None:
        self.submit_label = submit_label
        super().__init__(*args, **kwargs)
        fieldsets = []
        for level, label in NeedLevel.choices:
            self.fields[f"rate_{level}"] = _pounds(
                "Weekly rate (optional)", help_text="In pounds, like 5200. Leave empty if none."
            )
            self.fields[f"includes_{level}"] = forms.MultipleChoiceField(
                label="What it includes",
                choices=RateIncludes.choices,
                widget=forms.CheckboxSelectMultiple,
                required=False,
            )
            self.fields[f"solo_{level}"] = _pounds("Solo premium a week (optional)")
            fieldsets.append(
                Fieldset(
                    Field.text(f"rate_{level}", field_width=Fixed.TEN),
                    Field.checkboxes(f"includes_{level}", legend_size=Size.SMALL, small=True),
                    Field.text(f"solo_{level}", field_width=Fixed.TEN),
                    legend=str(label),
                    legend_size=Size.MEDIUM,
                )
            )
        self.rate_fieldsets = fieldsets
        self.helper.layout = Layout(*self.lead_fields(), *fieldsets)

    def lead_fields(self) -> list[Any]:
        return []

    @staticmethod
    def initial_for(membership: Membership | None) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        if membership is None:
            for level in NeedLevel.values:
                initial[f"includes_{level}"] = [RateIncludes.CORE]
            return initial
        for rate in membership.rates.all():
            initial[f"rate_{rate.need_level}"] = rate.weekly_rate
            initial[f"includes_{rate.need_level}"] = rate.includes
            initial[f"solo_{rate.need_level}"] = rate.solo_premium
        return initial

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for level in NeedLevel.values:
            rate = cleaned.get(f"rate_{level}")
            if rate is not None and not Decimal(1) <= rate <= MAX_WEEKLY_RATE:
                self.add_error(f"rate_{level}", "Enter a weekly rate between £1 and £100,000")
            solo = cleaned.get(f"solo_{level}")
            if solo is not None and not Decimal(0) <= solo <= MAX_WEEKLY_RATE:
                self.add_error(f"solo_{level}", "Enter a solo premium between £0 and £100,000")
            elif solo is not None and rate is None and f"rate_{level}" not in self.errors:
                self.add_error(f"rate_{level}", "Enter the weekly rate the solo premium adds to")
        return cleaned

    def rates(self) -> list[RateInput]:
        return [
            RateInput(
                need_level=level,
                weekly_rate=self.cleaned_data[f"rate_{level}"],
                includes=list(self.cleaned_data[f"includes_{level}"]),
                solo_premium=self.cleaned_data[f"solo_{level}"],
            )
            for level in NeedLevel.values
            if self.cleaned_data.get(f"rate_{level}") is not None
        ]


class MemberAddForm(RatesForm):
    urn = forms.CharField(
        label="Ofsted URN",
        max_length=12,
        help_text="The setting's unique reference number, like SC123456.",
        error_messages={"required": "Enter the setting's Ofsted URN, like SC123456"},
    )
    joined_on = _date("Date it joined the lot", required="Enter the date it joined the lot")

    def lead_fields(self) -> list[Any]:
        return [
            Field.text("urn", field_width=Fixed.TEN, autocomplete="off", spellcheck="false"),
            Field.text("joined_on", field_width=Fixed.TEN),
        ]


STATUS_VERBS = {
    Membership.Status.ACTIVE: "Reinstate it (active again)",
    Membership.Status.SUSPENDED: "Suspend it",
    Membership.Status.LEFT: "It has left the lot",
}


class MembershipStatusForm(GovukFormMixin, forms.Form):
    status = forms.ChoiceField(
        label="What has happened",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what has happened"},
    )
    on = _date("From which date", required="Enter the date it took effect")

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        self.submit_label = "Continue"
        super().__init__(*args, **kwargs)
        status_field = self.fields["status"]
        assert isinstance(status_field, forms.ChoiceField)
        status_field.choices = [
            (status, label) for status, label in STATUS_VERBS.items() if status != membership.status
        ]
        self.helper.layout = Layout(
            Field.radios("status", legend_size=Size.SMALL, small=True),
            Field.text("on", field_width=Fixed.TEN),
        )


def status_confirm_initial(status: str, on: date) -> dict[str, str]:
    return {"status": status, "on": on.isoformat()}


class FrameworkWeightForm(GovukFormMixin, forms.Form):
    """The region's weight of framework membership in the search's score (the service checks the
    range too)."""

    weight = forms.IntegerField(
        label="Points for being on one of your frameworks",
        help_text="A whole number from 0 to 50, beside the other parts' 100. 0 turns it off.",
        min_value=0,
        max_value=50,
        error_messages={
            "required": "Enter a whole number from 0 to 50",
            "invalid": "Enter a whole number from 0 to 50",
            "min_value": "Enter a whole number from 0 to 50",
            "max_value": "Enter a whole number from 0 to 50",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.submit_label = "Save weight"
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(Field.text("weight", field_width=Fixed.TWO))
