"""The provider's answer to a referral, and a message on its thread.

The forms only parse what was typed; whether an answer is complete and allowed (a price above
zero, a start date from today, a reason, the deadline) is the service's to say
(`brokerage.referrals.referral_answer`), and its errors are shown on these fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import (
    ConditionalQuestion,
    ConditionalRadios,
    Field,
    Layout,
    Size,
    Submit,
)
from django import forms
from django.core.exceptions import ValidationError

from brokerage.models import Referral, ServiceIncluded
from brokerage.referrals import Answer

ANSWER_CHOICES = [(Answer.INTERESTED, "Interested"), (Answer.NOT_ABLE, "Not able")]
# Shown only with the answer they belong to: a hidden field's leftovers are ignored.
INTERESTED_FIELDS = ("weekly_price", "start_date", "price_includes", "price_details")
NOT_ABLE_FIELDS = ("not_able_reason", "answer_note")


class PoundsField(forms.DecimalField):
    """An amount in pounds, as people type it: "4250", "£4,250.00"."""

    def to_python(self, value: Any) -> Any:  # a Decimal or None
        if isinstance(value, str):
            value = re.sub(r"[£,\s]", "", value)
        return super().to_python(value)


class StartDateField(DateInputField):
    """A GOV.UK date input (day, month, year). Empty is None: the service says it is needed."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, require_all_fields=False, **kwargs)

    def clean(self, value: Any) -> date | None:
        parts = [str(part or "").strip() for part in (value or [])][:3]
        parts += [""] * (3 - len(parts))
        for field in self.fields:
            field.widget.errors = []  # type: ignore[attr-defined]
        day, month, year = parts
        if not (day or month or year):
            return None
        if not (day and month and year):
            raise ValidationError("The start date must include a day, month and year")
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            raise ValidationError("Enter the start date in numbers, like 27 11 2026")
        if len(year) != 4:
            raise ValidationError("Enter the year of the start date with 4 digits, like 2026")
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError("The start date must be a real date, like 27 11 2026") from None


class ReferralAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label="Can you offer a placement?",
        choices=ANSWER_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose interested or not able",
            "invalid_choice": "Choose interested or not able",
        },
    )
    weekly_price = PoundsField(
        label="Weekly price",
        help_text="In pounds, for the whole placement, for example 4250.",
        required=False,
        max_digits=9,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
        error_messages={
            "invalid": "Enter the weekly price as a number, like 4250",
            "max_digits": "Enter a weekly price of £100,000 or less",
            "max_whole_digits": "Enter a weekly price of £100,000 or less",
            "max_decimal_places": "Enter the weekly price in pounds and pence, like 4250.50",
        },
    )
    start_date = StartDateField(
        label="Date the placement could start", help_text="For example, 27 11 2026."
    )
    price_includes = forms.MultipleChoiceField(
        label="What the price includes",
        help_text="Select all that apply.",
        choices=ServiceIncluded.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Choose what the price includes from the list"},
    )
    price_details = forms.CharField(
        label="Details of the price (optional)",
        help_text="For example, what therapy is included, or what costs extra.",
        required=False,
        max_length=500,
        widget=forms.Textarea,
        error_messages={"max_length": "Details of the price must be 500 characters or fewer"},
    )
    not_able_reason = forms.ChoiceField(
        label="Why are you not able to offer a placement?",
        choices=Referral.NotAbleReason.choices,
        widget=forms.RadioSelect,
        required=False,
        error_messages={
            "invalid_choice": "Choose why you are not able to offer a placement",
        },
    )
    answer_note = forms.CharField(
        label="Anything else the local authority should know",
        help_text="Needed if the reason is Other.",
        required=False,
        max_length=2000,
        widget=forms.Textarea,
        error_messages={"max_length": "Your note must be 2,000 characters or fewer"},
    )

    def __init__(self, *args: Any, submit_label: str = "Send answer", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Conditional radios are numbered from 0, and a date input's first box is its day: the
        # error summary links there.
        self.fields["answer"].first_choice_id = "id_answer_0"  # type: ignore[attr-defined]
        self.fields["start_date"].first_choice_id = "id_start_date_0"  # type: ignore[attr-defined]
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's <form> has it
        self.helper.label_size = Size.SMALL
        self.helper.legend_size = Size.SMALL
        self.helper.layout = Layout(
            ConditionalRadios(
                "answer",
                ConditionalQuestion(
                    "Interested",
                    Field(
                        "weekly_price",
                        template="brokerage/referrals/_pounds_field.html",
                        css_class="govuk-input--width-10",
                    ),
                    Field("start_date"),
                    Field.checkboxes("price_includes", small=True),
                    Field.textarea("price_details", rows=3),
                ),
                ConditionalQuestion(
                    "Not able",
                    Field.radios("not_able_reason", small=True),
                    Field.textarea("answer_note", rows=3),
                ),
            ),
            Submit("send_answer", submit_label),
        )

    @classmethod
    def initial_for(cls, referral: Referral) -> dict[str, Any]:
        """The answer already given, to change it."""
        if referral.status == Referral.Status.INTERESTED:
            return {
                "answer": Answer.INTERESTED,
                "weekly_price": referral.weekly_price,
                "start_date": referral.start_date,
                "price_includes": list(referral.price_includes),
                "price_details": referral.price_details,
            }
        if referral.status == Referral.Status.NOT_ABLE:
            return {
                "answer": Answer.NOT_ABLE,
                "not_able_reason": referral.not_able_reason,
                "answer_note": referral.answer_note,
            }
        return {}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        answer = cleaned.get("answer")
        ignored = (
            NOT_ABLE_FIELDS
            if answer == Answer.INTERESTED
            else INTERESTED_FIELDS
            if answer == Answer.NOT_ABLE
            else ()
        )
        for name in ignored:
            self.errors.pop(name, None)
            cleaned.pop(name, None)
        return cleaned

    def service_arguments(self) -> dict[str, Any]:
        """The valid form as keyword arguments of `referral_answer`."""
        return answer_arguments(self.cleaned_data)


def answer_arguments(data: Mapping[str, Any]) -> dict[str, Any]:
    """A parsed answer (this form's or the API's, brokerage/api.py) as keyword arguments of
    `referral_answer`: only the fields of the kind of answer given."""
    if data["answer"] == Answer.INTERESTED:
        return {
            "answer": Answer.INTERESTED,
            "weekly_price": data.get("weekly_price"),
            "start_date": data.get("start_date"),
            "price_includes": data.get("price_includes") or [],
            "price_details": data.get("price_details") or "",
        }
    return {
        "answer": Answer.NOT_ABLE,
        "not_able_reason": data.get("not_able_reason") or "",
        "note": data.get("answer_note") or "",
    }


class ReferralMessageForm(forms.Form):
    body = forms.CharField(
        label="Your message",
        # The service says what is wrong (empty, too long); the character count shows the limit
        # as people type, without a maxlength that would cut a pasted message short.
        required=False,
        widget=forms.Textarea,
    )

    def __init__(self, *args: Any, from_provider: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        body = self.fields["body"]
        body.label = (
            "Ask the local authority a question" if from_provider else "Reply to the provider"
        )
        # Also needed by crispy-forms-gds's character count, which fails without a hint.
        body.help_text = (
            "The local authority gets an email saying there is a message."
            if from_provider
            else "The provider gets an email saying there is a message."
        )
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's <form> has it
        self.helper.label_size = Size.SMALL
        self.helper.layout = Layout(
            Field.textarea("body", rows=4, max_characters=2000),
            Submit("send_message", "Send question" if from_provider else "Send reply"),
        )
