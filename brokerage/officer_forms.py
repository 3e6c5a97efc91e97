"""The officer's referral forms: send to a shortlist, record the placement, choose a period.

The services (`brokerage.referrals`) check every rule; these forms check only that what was typed
has the right shape, and put the services' errors on the fields they are about.

Labels and hints reach the page unescaped through crispy-forms-gds (`{{ field.label|safe }}`), so
anything from a provider or Ofsted's list (a setting's name) is escaped here before it goes in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from crispy_forms_gds.layout import (
    ConditionalQuestion,
    ConditionalRadios,
    Field,
    Fieldset,
    Fixed,
    Layout,
    Size,
)
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html

from brokerage.models import MAX_WEEKLY_PRICE, CommercialRoute, Referral, ServiceIncluded
from brokerage.records import LotOffer
from commissioning.models import Lot, NeedLevel
from common.formats import pounds
from common.forms import GovukFormMixin, pounds_field
from placements.models import PlaceThatMatters

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d %m %Y", "%d-%m-%Y"]
TIME_FORMATS = ["%H:%M", "%H.%M", "%H%M", "%I:%M%p", "%I.%M%p", "%I%p", "%I:%M %p", "%I %p"]
DATE_EXAMPLE = "27/3/2026"
NOTE_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 1000
OTHER_SETTING = "other"
SPOT = "spot"


def _date(label: str, *, required: str, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=help_text or f"For example, {DATE_EXAMPLE}",
        input_formats=DATE_FORMATS,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
        error_messages={
            "required": required,
            "invalid": f"Enter a real date, like {DATE_EXAMPLE}",
        },
    )


def _pounds(label: str, *, required: bool, help_text: str = "") -> forms.DecimalField:
    return pounds_field(
        label,
        example="4250",
        required=required,
        help_text=help_text,
        min_value=Decimal(0),
        max_value=MAX_WEEKLY_PRICE,
    )


def override_field_name(urn: str) -> str:
    return f"override-{urn}"


class ReferralSendForm(GovukFormMixin, forms.Form):
    """The deadline and the note for every referral sent at once, and a reason for each setting
    whose stated criteria exclude the child. The shortlist itself travels as hidden `urn` inputs
    (and the search it came from as `search`), drawn by the page."""

    deadline_date = _date("Date", required="Enter the date providers should answer by")
    deadline_time = forms.TimeField(
        label="Time",
        help_text="24-hour clock, for example 17:30",
        input_formats=TIME_FORMATS,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
        error_messages={
            "required": "Enter the time providers should answer by",
            "invalid": "Enter a real time, like 17:30",
        },
    )
    note = forms.CharField(
        label="What is needed (optional, no names)",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        help_text="Anything providers should know to answer, such as when the child could move. "
        "Never a name.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "max_length": f"The note must be {NOTE_MAX_LENGTH:,} characters or fewer",
        },
    )

    def __init__(self, *args: Any, excluded: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        """`excluded`: (URN, name) of each sendable setting whose criteria exclude the child."""
        super().__init__(*args, **kwargs)
        self.override_names: dict[str, str] = {}
        for urn, name in excluded:
            field_name = override_field_name(urn)
            self.override_names[urn] = field_name
            self.fields[field_name] = forms.CharField(
                label="Why send it anyway?",
                help_text=format_html(
                    "Providers and your managers can see this reason. For {}.", name
                ),
                max_length=REASON_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
                error_messages={
                    "required": f"Say why you are sending a referral to {name} although its "
                    "stated criteria exclude this child, or remove it from the shortlist",
                    "max_length": f"The reason must be {REASON_MAX_LENGTH:,} characters or fewer",
                },
            )
        # Errors about one shortlisted setting that no field holds (already sent, closed…), by URN.
        self.setting_errors: dict[str, list[str]] = {}
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.inputs = []
        self.helper.layout = Layout(
            Fieldset(
                Field.text("deadline_date", field_width=Fixed.TEN),
                Field.text("deadline_time", field_width=Fixed.FIVE),
                legend="When should providers answer by?",
                legend_size=Size.MEDIUM,
            ),
            Field.textarea("note", label_size=Size.MEDIUM, rows=4),
        )

    @staticmethod
    def initial_for(deadline: dt.datetime) -> dict[str, str]:
        local = timezone.localtime(deadline)
        return {
            "deadline_date": f"{local.day}/{local.month}/{local.year}",
            "deadline_time": local.strftime("%H:%M"),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        day, time = cleaned.get("deadline_date"), cleaned.get("deadline_time")
        if day is not None and time is not None:
            cleaned["deadline"] = timezone.make_aware(dt.datetime.combine(day, time))
        return cleaned

    def override_reason(self, urn: str) -> str:
        name = self.override_names.get(urn)
        return str(self.cleaned_data.get(name, "")) if name else ""

    def add_service_error(self, error: ValidationError) -> None:
        """`deadline` goes on the date, `setting-<URN>` on that setting's reason box when it has
        one (else beside the setting), anything else on top."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, messages in error.error_dict.items():
            texts = [message for item in messages for message in item.messages]
            if key == "deadline":
                self.add_error("deadline_date", texts)
            elif key.startswith("setting-"):
                urn = key.removeprefix("setting-")
                if urn in self.override_names and self.override_names[urn] not in self.errors:
                    self.add_error(self.override_names[urn], texts)
                else:
                    self.setting_errors.setdefault(urn, []).extend(texts)
                    self.add_error(None, texts)
            else:
                self.add_error(None, texts)

    def summary(self) -> list[tuple[str, str]]:
        """(link, message) for the page's error summary: each error links to where it is."""
        by_message = {
            message: f"#setting-{urn}"
            for urn, messages in self.setting_errors.items()
            for message in messages
        }
        first = f"#{self['deadline_date'].auto_id}"
        links = [
            (by_message.get(str(message), first), str(message))
            for message in self.non_field_errors()
        ]
        for field in self:
            for message in field.errors:
                links.append((f"#{field.auto_id}", str(message)))
        return links


class PlacementOutcomeForm(GovukFormMixin, forms.Form):
    """What was secured. Field names are `placement_decide`'s, so its errors land on them."""

    submit_label = "Record the placement"

    setting = forms.ChoiceField(
        label="Where is the child being placed?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose where the child is being placed",
            "invalid_choice": "Choose where the child is being placed",
        },
    )
    other_urn = forms.CharField(
        label="Ofsted URN of the setting",
        required=False,
        max_length=12,
        help_text="Like SC123456 (a children's home) or 1234567 (an agency)",
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    start_date = _date("Start date", required="Enter the start date")
    weekly_cost = _pounds("Weekly cost (£)", required=True, help_text="For example, 4250")
    services_included = forms.MultipleChoiceField(
        label="What the cost includes",
        choices=ServiceIncluded.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={
            "required": "Say what the weekly cost includes",
            "invalid_choice": "Choose what the cost includes from the list",
        },
    )
    social_care_weekly = _pounds(
        "Social care (£ a week)",
        required=False,
        help_text="Social care, education and health together make the weekly cost. Leave a box "
        "empty for £0.",
    )
    education_weekly = _pounds("Education (£ a week)", required=False)
    health_weekly = _pounds("Health (£ a week)", required=False)
    commercial_route = forms.ChoiceField(
        label="How was the placement bought?",
        choices=CommercialRoute.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the placement was bought"},
    )
    need_level = forms.ChoiceField(
        label="What band are the child's needs priced at?",
        choices=[*NeedLevel.choices, ("", "Not assessed")],
        required=False,
        widget=forms.RadioSelect,
        help_text="It picks which of the framework's tendered rates applies.",
        error_messages={"invalid_choice": "Choose the band the child's needs are priced at"},
    )
    lot = forms.ChoiceField(
        label="Was it bought through one of your region's frameworks?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the framework lot, or spot",
            "invalid_choice": "Choose the framework lot, or spot",
        },
    )
    above_rate_reason = forms.CharField(
        label="Why is the agreed price above the framework rate?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed only when the weekly cost is above the tendered rate. Do not include "
        "the child's name.",
        error_messages={"max_length": "Enter a reason of 2,000 characters or less"},
    )
    distance_from = forms.TypedChoiceField(
        label="Distance measured from",
        coerce=int,
        widget=forms.RadioSelect,
        help_text="The distance to the setting is measured in a straight line from this place.",
        error_messages={
            "required": "Choose the place the distance is measured from",
            "invalid_choice": "Choose one of this request's places",
        },
    )

    def __init__(
        self,
        *args: Any,
        referrals: Sequence[Referral],
        places: Sequence[PlaceThatMatters],
        lot_offers: Sequence[LotOffer] = (),
        need_level: str = "",
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {"need_level": need_level, **kwargs["initial"]}
        super().__init__(*args, **kwargs)
        ordered = sorted(referrals, key=lambda r: (r.weekly_price is None, r.sent_at, r.pk))
        choices = [(r.setting.urn, self.offer_label(r)) for r in ordered]
        labels = [label for _, label in choices]
        other_label = "Another setting"
        self.fields["setting"].choices = [*choices, (OTHER_SETTING, other_label)]  # type: ignore[attr-defined]
        # Conditional radios are numbered from 0 (the error summary links to the first).
        self.fields["setting"].first_choice_id = "id_setting_0"  # type: ignore[attr-defined]
        self.places = {place.pk: place for place in places}
        self.helper.form_tag = False  # the page draws the <form> and its button
        self.helper.disable_csrf = True
        self.helper.inputs = []
        layout: list[Any] = [
            ConditionalRadios(
                "setting",
                *labels,
                ConditionalQuestion(other_label, Field.text("other_urn", field_width=Fixed.TEN)),
            ),
            Field.text("start_date", field_width=Fixed.TEN),
            Field.text("weekly_cost", field_width=Fixed.TEN),
            Field.checkboxes("services_included", legend_size=Size.SMALL, small=True),
            Fieldset(
                Field.text("social_care_weekly", field_width=Fixed.TEN),
                Field.text("education_weekly", field_width=Fixed.TEN),
                Field.text("health_weekly", field_width=Fixed.TEN),
                legend="Who pays each week",
                legend_size=Size.SMALL,
            ),
        ]
        # With a framework lot to choose, the lot says how it was bought (spot otherwise), so
        # the commercial route is not asked as well.
        self.lots = {f"{o.lot.pk}-{o.setting.pk}": o.lot for o in lot_offers}
        if lot_offers:
            several = len({o.setting.pk for o in lot_offers}) > 1
            self.fields["lot"].choices = [  # type: ignore[attr-defined]
                *(
                    (f"{o.lot.pk}-{o.setting.pk}", o.label(need_level, with_setting=several))
                    for o in lot_offers
                ),
                (SPOT, "Not through a framework (spot)"),
            ]
            self.fields["lot"].initial = SPOT
            del self.fields["commercial_route"]
            layout += [
                Field.radios("need_level", legend_size=Size.SMALL, small=True),
                Field.radios("lot", legend_size=Size.SMALL),
                Field.textarea("above_rate_reason"),
            ]
        else:
            del self.fields["lot"]
            del self.fields["above_rate_reason"]
            layout += [
                Field.radios("need_level", legend_size=Size.SMALL, small=True),
                Field.radios("commercial_route", legend_size=Size.SMALL),
            ]
        if self.places:
            self.fields["distance_from"].choices = [  # type: ignore[attr-defined]
                (place.pk, f"{place.label} ({place.postcode})") for place in places
            ]
            layout.append(Field.radios("distance_from", legend_size=Size.SMALL))
        else:
            del self.fields["distance_from"]
        self.helper.layout = Layout(*layout)

    @staticmethod
    def offer_label(referral: Referral) -> str:
        label = f"{referral.setting.display_name} (URN {referral.setting.urn})"
        if referral.weekly_price is not None:
            return f"{label}, {pounds(referral.weekly_price)} a week"
        return label

    @staticmethod
    def initial_for(referral: Referral | None) -> dict[str, Any]:
        """Prefilled from the offer the officer chose on the comparison page, when there is one."""
        if referral is None:
            return {}
        initial: dict[str, Any] = {"setting": referral.setting.urn}
        if referral.weekly_price is not None:
            initial["weekly_cost"] = referral.weekly_price
            initial["social_care_weekly"] = referral.weekly_price
        if referral.start_date is not None:
            day = referral.start_date
            initial["start_date"] = f"{day.day}/{day.month}/{day.year}"
        if referral.price_includes:
            initial["services_included"] = list(referral.price_includes)
        return initial

    def clean_other_urn(self) -> str:
        return "".join(str(self.cleaned_data.get("other_urn") or "").split()).upper()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("setting") == OTHER_SETTING and not cleaned.get("other_urn"):
            self.add_error("other_urn", "Enter the Ofsted URN of the setting")
        for name in ("social_care_weekly", "education_weekly", "health_weekly"):
            if cleaned.get(name) is None and name not in self.errors:
                cleaned[name] = Decimal(0)
        return cleaned

    def chosen_lot(self) -> Lot | None:
        return self.lots.get(str(self.cleaned_data.get("lot") or ""))

    def chosen_route(self) -> str:
        """The commercial route answered, or spot when the lot question stood in for it (a lot
        chosen sets the route from its framework's kind in `placement_decide`)."""
        return str(self.cleaned_data.get("commercial_route") or CommercialRoute.SPOT)

    @property
    def chosen_urn(self) -> str:
        data = self.cleaned_data
        return str(data["other_urn"] if data["setting"] == OTHER_SETTING else data["setting"])

    def place(self) -> PlaceThatMatters | None:
        return self.places.get(self.cleaned_data.get("distance_from") or 0)

    def add_service_error(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, messages in error.error_dict.items():
            field = key if key in self.fields else None
            if key == "setting" and self.cleaned_data.get("setting") == OTHER_SETTING:
                field = "other_urn"
            self.add_error(field, messages)


class RecordsPeriodForm(GovukFormMixin, forms.Form):
    """The period export's GET form: `from`, `to` (YYYY-MM-DD, or as typed) and `format`."""

    MAX_DAYS = 366
    FORMATS = [
        ("xlsx", "Spreadsheet (.xlsx)"),
        ("json", "JSON, in the shape of the Placements Data Standard v2"),
    ]

    submit_label = "Download records"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # `from` is a Python keyword, so the fields are added here rather than declared.
        self.fields["from"] = _date(
            "From",
            required="Enter the first day of the period",
            help_text="Requests started on or after this day. For example, 1/4/2025",
        )
        self.fields["to"] = _date(
            "To",
            required="Enter the last day of the period",
            help_text="Requests started on or before this day. For example, 31/3/2026",
        )
        self.fields["format"] = forms.ChoiceField(
            label="Format",
            choices=self.FORMATS,
            widget=forms.RadioSelect,
            error_messages={
                "required": "Choose a format",
                "invalid_choice": "Choose a spreadsheet or JSON",
            },
        )
        self.helper.form_tag = False  # the page draws the GET <form> and its button
        self.helper.disable_csrf = True
        self.helper.inputs = []
        self.helper.layout = Layout(
            Field.text("from", field_width=Fixed.TEN),
            Field.text("to", field_width=Fixed.TEN),
            Field.radios("format", legend_size=Size.SMALL),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end:
            if start > end:
                self.add_error("to", "The last day must be the same as or after the first day")
            elif (end - start).days + 1 > self.MAX_DAYS:
                self.add_error("to", f"Choose a period of {self.MAX_DAYS} days or less")
        return cleaned
