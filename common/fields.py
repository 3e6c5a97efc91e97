"""Model fields shared by the apps."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError


class ChoiceArrayField(ArrayField):  # type: ignore[type-arg]
    """A list of values from one set of choices (the base field's).

    A value outside the choices fails model validation with the field's own
    `error_messages["invalid_choice"]` (the words a user reads next to the field), not Django's
    "Item 2 in the array did not validate: Value 'x' is not a valid choice."
    """

    def validate(self, value: Any, model_instance: Any) -> None:
        allowed = {str(choice) for choice, _label in self.base_field.flatchoices}
        wrong = [part for part in value or [] if str(part) not in allowed]
        if wrong:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": wrong[0]},
            )
        super().validate(value, model_instance)
