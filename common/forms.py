from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Submit


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
