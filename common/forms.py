from decimal import Decimal
from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Submit
from django import forms


class GovukFormMixin:
    """Renders a form with the GOV.UK Design System through crispy-forms-gds.

    Pages show errors in an error summary above the heading (templates/includes/error_summary.html),
    so the form itself does not repeat non-field errors.
    """

    submit_label = "Continue"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.label_size = "s"
        self.helper.add_input(Submit("submit", self.submit_label))


def pounds_field(
    label: str,
    *,
    example: str,
    required: bool = False,
    help_text: str = "",
    min_value: Decimal | None = None,
    max_value: Decimal | None = None,
) -> forms.DecimalField:
    """A weekly amount in pounds and pence (up to £100,000), typed as digits, with GOV.UK
    messages that show `example` ("4250"). Bounds, when given, are checked with their own
    messages; the models check theirs too."""
    return forms.DecimalField(
        label=label,
        required=required,
        help_text=help_text,
        min_value=min_value,
        max_value=max_value,
        max_digits=9,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
        error_messages={
            "required": f"Enter an amount in pounds, like {example}",
            "invalid": f"Enter an amount in pounds, like {example} or {example}.50",
            "min_value": f"Enter an amount of £{min_value or 0:,.0f} or more",
            "max_value": f"Enter an amount of £{max_value or 0:,.0f} or less",
            "max_decimal_places": f"Enter an amount in pounds and pence, like {example}.50",
            "max_digits": "Enter an amount of £100,000 or less",
            "max_whole_digits": "Enter an amount of £100,000 or less",
        },
    )


FILTER_DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d %m %Y", "%d-%m-%Y"]
FILTER_DATE_EXAMPLE = "27/3/2026"


class PeriodFilterForm(GovukFormMixin, forms.Form):
    """A list page's GET filter with an optional `from`/`to` day (both inclusive). The page draws
    the <form> and its buttons; subclasses add their own fields before the dates."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # `from` is a Python keyword, so the dates are added here rather than declared.
        for name, label in (("from", "From"), ("to", "To")):
            self.fields[name] = forms.DateField(
                label=label,
                required=False,
                help_text=f"For example, {FILTER_DATE_EXAMPLE}",
                input_formats=FILTER_DATE_FORMATS,
                widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
                error_messages={"invalid": f"Enter a real date, like {FILTER_DATE_EXAMPLE}"},
            )
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.inputs = []

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and start > end:
            self.add_error("to", "The end date must be the same as or after the start date")
        return cleaned

    def filters(self) -> dict[str, Any]:
        """The valid values, blanks left out (for the selector and the audit of an export)."""
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value not in ("", None)}
