"""The officer's form for an enquiry outside the service (`brokerage.enquiries`): which setting,
when, how and what they said. The service checks every rule; this checks the shape."""

from __future__ import annotations

from typing import Any

from crispy_forms_gds.layout import Field, Fixed, Layout, Size
from django import forms
from django.core.exceptions import ValidationError

from brokerage.models import OffServiceEnquiry
from brokerage.officer_forms import _date
from common.forms import GovukFormMixin
from providers.models import Setting


class OffServiceEnquiryForm(GovukFormMixin, forms.Form):
    submit_label = "Record the enquiry"

    urn = forms.CharField(
        label="Ofsted URN of the setting",
        max_length=12,
        help_text="Like SC123456 (a children's home) or 1234567 (an agency)",
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
        error_messages={"required": "Enter the Ofsted URN of the setting you contacted"},
    )
    contacted_on = _date("When did you contact them?", required="Enter the day you contacted them")
    method = forms.ChoiceField(
        label="How did you contact them?",
        choices=OffServiceEnquiry.Method.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how you contacted them",
            "invalid_choice": "Choose how you contacted them",
        },
    )
    result = forms.ChoiceField(
        label="What did they say?",
        choices=OffServiceEnquiry.Result.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what they said",
            "invalid_choice": "Choose what they said",
        },
    )
    note = forms.CharField(
        label="Note (optional, no names)",
        required=False,
        max_length=OffServiceEnquiry.NOTE_MAX_LENGTH,
        help_text="For example, who you spoke to at the provider and when they will call back. "
        "Never the child's name.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": f"The note must be {OffServiceEnquiry.NOTE_MAX_LENGTH:,} characters "
            "or fewer"
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setting: Setting | None = None
        self.helper.form_tag = False  # the page draws the <form> and its button
        self.helper.disable_csrf = True
        self.helper.inputs = []
        self.helper.layout = Layout(
            Field.text("urn", field_width=Fixed.TEN),
            Field.text("contacted_on", field_width=Fixed.TEN),
            Field.radios("method", legend_size=Size.SMALL, inline=True),
            Field.radios("result", legend_size=Size.SMALL),
            Field.textarea("note", rows=3),
        )

    def clean_urn(self) -> str:
        urn = "".join(str(self.cleaned_data.get("urn", "")).split()).upper()
        self.setting = (
            Setting.objects.select_related("local_authority").filter(urn=urn).first()
            if urn
            else None
        )
        if self.setting is None:
            raise ValidationError(f"We cannot find a setting with the URN {urn}")
        return urn

    def add_service_error(self, error: ValidationError) -> None:
        """The service's errors on the fields they are about (`setting` on the URN)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, messages in error.error_dict.items():
            texts = [message for item in messages for message in item.messages]
            self.add_error(
                "urn" if key == "setting" else key if key in self.fields else None, texts
            )
