"""The placement request page: the child's profile, the places that matter and the areas to
avoid, posted together as one form.

"Add another place" and "Remove" are ordinary submit buttons (`action=add_place`,
`action=remove_place-2`…), so they work without JavaScript: the page comes back with one row
more or less and everything typed so far still there, and nothing is checked or saved until
the officer saves. The service checks every rule; these forms check only that what was typed
has the right shape, with the same messages, so most problems show on the first save.
"""

from __future__ import annotations

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
from django.forms import BaseFormSet, formset_factory
from django.http import QueryDict

from common.forms import GovukFormMixin, pounds_field
from geo.modes import DEFAULT_DEPARTS_AT, DayKind, TravelMode
from geo.postcodes import EXAMPLE as POSTCODE_EXAMPLE
from placements import criteria, services
from placements.models import (
    CLOSE_REASONS_CHOSEN,
    DISTRICT_EXAMPLE,
    CloseReason,
    PlacementRequest,
    PlaceThatMatters,
)
from providers.models import Accommodation

PLACES_PREFIX = "places"
AREAS_PREFIX = "areas"
NEW_REQUEST_PLACE_ROWS = 2
ADD_PLACE = "add_place"
ADD_AREA = "add_area"
REMOVE_PLACE = "remove_place-"
REMOVE_AREA = "remove_area-"

# Room for stray spaces; the service says what is wrong with the postcode itself.
POSTCODE_MAX_LENGTH = 20
NOT_A_POSTCODE = f"Enter a real postcode, like {POSTCODE_EXAMPLE}"
_number = criteria.number_field

# The profile's questions, declared part by part in placements/criteria.py.
_ProfileQuestions: type[forms.Form] = type(
    "_ProfileQuestions", (forms.Form,), criteria.form_fields()
)


class PlacementRequestForm(GovukFormMixin, _ProfileQuestions):  # type: ignore[misc,valid-type]
    """The child's profile. Field names are the service's, so its errors land on them."""

    field_order = services.PROFILE_FIELDS

    reference = forms.CharField(
        label="Case reference",
        max_length=services.REFERENCE_MAX_LENGTH,
        help_text="Your case reference, not the child's name. For example, "
        f"{services.REFERENCE_EXAMPLE}.",
        error_messages={
            "required": f"Enter your case reference, for example {services.REFERENCE_EXAMPLE}",
            "max_length": "The case reference must be "
            f"{services.REFERENCE_MAX_LENGTH} characters or fewer",
        },
    )

    home_district = forms.CharField(
        label="Home postcode district (optional)",
        required=False,
        max_length=POSTCODE_MAX_LENGTH,
        help_text="The first part of the postcode of the child's home, like "
        f"{DISTRICT_EXAMPLE}: never the whole postcode. It measures how far from home the "
        "child is placed.",
        error_messages={"max_length": f"Enter a postcode district, like {DISTRICT_EXAMPLE}"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper.form_tag = False  # the page's one <form> also holds the places and areas
        self.helper.disable_csrf = True
        self.helper.inputs = []
        reference = Field.text(
            "reference", field_width=Fixed.TEN, autocomplete="off", spellcheck="false"
        )
        sections = {name: criteria.section_layout(name) for name in criteria.SECTIONS}
        home = Field.text("home_district", field_width=Fixed.FIVE, autocomplete="off")
        sections[criteria.ABOUT_THE_CHILD][0:0] = [reference, home]
        self.helper.layout = Layout(
            *(
                Fieldset(*items, legend=name, legend_size=Size.MEDIUM)
                for name, items in sections.items()
            )
        )

    @staticmethod
    def initial_for(placement_request: PlacementRequest | None) -> dict[str, Any]:
        if placement_request is None:
            return {"siblings_to_place_together": 0}
        return {
            "reference": placement_request.reference,
            "home_district": placement_request.home_district,
            **criteria.form_initial(placement_request),
        }

    def clean_home_district(self) -> str:
        return services.home_district_of(self.cleaned_data["home_district"])

    def clean_reference(self) -> str:
        reference = " ".join(self.cleaned_data["reference"].split())
        problem = services.reference_problem(reference)
        if problem:
            raise forms.ValidationError(problem)
        return reference

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        age_fields = ("age_years", "birth_month", "birth_year")
        if not any(name in self.errors for name in age_fields):
            problems = services.age_errors(**{name: cleaned.get(name) for name in age_fields})
            for name, messages in problems.items():
                self.add_error(name, messages)
        return cleaned


class _RowForm(GovukFormMixin, forms.Form):
    """One row of a formset, drawn inside the page's form. An empty row is simply left out."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.inputs = []

    # The fields a person fills in: a row whose other fields hold only their defaults (a mode
    # chosen by default, a time already written in) is still blank.
    filled_fields: tuple[str, ...] = ()

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        names = self.filled_fields or tuple(self.fields)
        return not any(data.get(name) not in (None, "") for name in names)

    def _require(self, cleaned: dict[str, Any], name: str, message: str) -> None:
        if name not in self.errors and cleaned.get(name) in (None, ""):
            self.add_error(name, message)


class PlaceForm(_RowForm):
    filled_fields = ("label", "postcode", "max_minutes")

    label = forms.CharField(
        label="What is this place?",
        max_length=services.LABEL_MAX_LENGTH,
        required=False,
        help_text="For example: school, grandmother, contact centre. Not a person's name.",
        error_messages={
            "max_length": f"The description must be {services.LABEL_MAX_LENGTH} characters or fewer"
        },
    )
    postcode = forms.CharField(
        label="Postcode",
        max_length=POSTCODE_MAX_LENGTH,
        required=False,
        error_messages={"max_length": NOT_A_POSTCODE},
    )
    mode = forms.ChoiceField(
        label="How would the child get there?",
        choices=TravelMode.choices,
        initial=TravelMode.CAR,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose how the child would get there"},
    )
    departs_at = forms.TimeField(
        label="Leaving at",
        help_text="From the home, on the 24-hour clock, like 08:00 for school.",
        required=False,
        input_formats=["%H:%M", "%H.%M", "%H%M"],
        widget=forms.TimeInput(format="%H:%M"),
        error_messages={"invalid": "Enter the time the journey leaves, like 08:00"},
    )
    day = forms.ChoiceField(
        label="On",
        choices=DayKind.choices,
        initial=DayKind.WEEKDAY,
        required=False,
        error_messages={"invalid_choice": "Choose a weekday, Saturday or Sunday"},
    )
    max_minutes = _number(
        "Longest journey, in minutes (optional)",
        invalid="Enter the longest journey in minutes, like 45",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["departs_at"].initial = DEFAULT_DEPARTS_AT
        # Conditional radios are numbered from 0 (the error summary links to the first).
        self.fields["mode"].first_choice_id = f"id_{self.prefix}-mode_0"  # type: ignore[attr-defined]
        self.fields["departs_at"].widget.attrs.update({"inputmode": "numeric"})
        self.helper.layout = Layout(
            Field.text("label", autocomplete="off"),
            Field.text("postcode", field_width=Fixed.TEN, autocomplete="off", spellcheck="false"),
            ConditionalRadios(
                "mode",
                str(TravelMode.CAR.label),
                ConditionalQuestion(
                    str(TravelMode.PUBLIC_TRANSPORT.label),
                    Field.text("departs_at", field_width=Fixed.FIVE),
                    Field.select("day"),
                ),
                str(TravelMode.WALK.label),
            ),
            Field.text("max_minutes", field_width=Fixed.THREE),
        )

    def clean_max_minutes(self) -> int | None:
        minutes: int | None = self.cleaned_data.get("max_minutes")
        if minutes is not None and not 1 <= minutes <= PlaceThatMatters.MAX_MINUTES_LIMIT:
            raise forms.ValidationError(services.max_minutes_message(minutes))
        return minutes

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.is_blank():
            self._require(cleaned, "label", "Enter what this place is, for example school")
            self._require(cleaned, "postcode", "Enter the postcode of this place")
        return cleaned

    def service_value(self) -> services.PlaceInput:
        data = self.cleaned_data
        return services.PlaceInput(
            data["label"],
            data["postcode"],
            data.get("max_minutes"),
            data.get("mode") or TravelMode.CAR,
            data.get("departs_at"),
            data.get("day") or DayKind.WEEKDAY,
        )


class AreaToAvoidForm(_RowForm):
    label = forms.CharField(
        label="What is this area?",
        max_length=services.LABEL_MAX_LENGTH,
        required=False,
        help_text="For example: town centre, where the child was exploited.",
        error_messages={
            "max_length": f"The description must be {services.LABEL_MAX_LENGTH} characters or fewer"
        },
    )
    postcode = forms.CharField(
        label="Postcode at its middle",
        max_length=POSTCODE_MAX_LENGTH,
        required=False,
        error_messages={"max_length": NOT_A_POSTCODE},
    )
    radius_miles = forms.DecimalField(
        label="Radius in miles",
        required=False,
        help_text=f"From {services.MIN_RADIUS_MILES} to {services.MAX_RADIUS_MILES}.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
        error_messages={"invalid": "Enter the radius in miles, like 5 or 0.5"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Field.text("label", autocomplete="off"),
            Field.text("postcode", field_width=Fixed.TEN, autocomplete="off", spellcheck="false"),
            Field.text("radius_miles", field_width=Fixed.FOUR),
        )

    def clean_radius_miles(self) -> Decimal | None:
        miles: Decimal | None = self.cleaned_data.get("radius_miles")
        if miles is not None and not services.MIN_RADIUS_MILES <= miles <= (
            services.MAX_RADIUS_MILES
        ):
            raise forms.ValidationError(services.radius_message(miles))
        return miles

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.is_blank():
            self._require(cleaned, "label", "Enter what this area is, for example town centre")
            self._require(cleaned, "postcode", "Enter the postcode at the middle of the area")
            self._require(cleaned, "radius_miles", "Enter the radius in miles, like 5 or 0.5")
        return cleaned

    def service_value(self) -> services.AreaToAvoidInput:
        data = self.cleaned_data
        return services.AreaToAvoidInput(data["label"], data["postcode"], data["radius_miles"])


PlaceFormSet = formset_factory(
    PlaceForm, extra=0, max_num=services.MAX_PLACES, absolute_max=services.MAX_PLACES
)
AreaToAvoidFormSet = formset_factory(
    AreaToAvoidForm,
    extra=0,
    max_num=services.MAX_AREAS_TO_AVOID,
    absolute_max=services.MAX_AREAS_TO_AVOID,
)


def _rows_posted(
    data: QueryDict, prefix: str, form_class: type[forms.Form], most: int
) -> list[dict[str, Any]]:
    """What was typed in each row, unchecked (for re-showing the page after Add or Remove)."""
    try:
        count = int(data.get(f"{prefix}-TOTAL_FORMS", "0"))
    except ValueError:
        count = 0
    count = max(0, min(count, most))
    return [
        {name: data.get(f"{prefix}-{index}-{name}", "") for name in form_class.base_fields}
        for index in range(count)
    ]


class PlacementRequestPage:
    """The profile form and the two formsets, shown and posted as one form.

    Passed to templates as `form`, so that the base template's "Error:" title and the error
    summary see the errors of all three.
    """

    def __init__(
        self, profile: PlacementRequestForm, places: BaseFormSet, areas: BaseFormSet
    ) -> None:
        self.profile = profile
        self.places = places
        self.areas = areas
        # The forms of the non-empty rows, in the order given to the service.
        self._place_rows: list[Any] = []
        self._area_rows: list[Any] = []

    # Building ------------------------------------------------------------------------------

    @classmethod
    def blank(cls) -> PlacementRequestPage:
        return cls.unbound(
            PlacementRequestForm.initial_for(None), [{}] * NEW_REQUEST_PLACE_ROWS, []
        )

    @classmethod
    def of(cls, placement_request: PlacementRequest) -> PlacementRequestPage:
        places = [
            {
                "label": p.label,
                "postcode": p.postcode,
                "max_minutes": p.max_minutes,
                "mode": p.mode,
                "departs_at": p.departs_at,
                "day": p.day,
            }
            for p in placement_request.places.all()
        ] or [{}]
        areas = [
            {
                "label": a.label,
                "postcode": a.postcode,
                "radius_miles": services.radius_miles(a.radius_metres),
            }
            for a in placement_request.areas_to_avoid.all()
        ]
        return cls.unbound(PlacementRequestForm.initial_for(placement_request), places, areas)

    @classmethod
    def unbound(
        cls, initial: dict[str, Any], places: list[dict[str, Any]], areas: list[dict[str, Any]]
    ) -> PlacementRequestPage:
        return cls(
            PlacementRequestForm(initial=initial),
            PlaceFormSet(prefix=PLACES_PREFIX, initial=places),
            AreaToAvoidFormSet(prefix=AREAS_PREFIX, initial=areas),
        )

    @classmethod
    def posted(cls, data: QueryDict) -> PlacementRequestPage:
        return cls(
            PlacementRequestForm(data),
            PlaceFormSet(data, prefix=PLACES_PREFIX),
            AreaToAvoidFormSet(data, prefix=AREAS_PREFIX),
        )

    @classmethod
    def rearranged(cls, data: QueryDict) -> PlacementRequestPage | None:
        """The page again with a row added or removed, keeping what was typed and checking
        nothing; None when the officer pressed Save (or Enter) instead."""
        action = data.get("action", "")
        places = _rows_posted(data, PLACES_PREFIX, PlaceForm, services.MAX_PLACES)
        areas = _rows_posted(data, AREAS_PREFIX, AreaToAvoidForm, services.MAX_AREAS_TO_AVOID)
        if action == ADD_PLACE:
            places = (places + [{}])[: services.MAX_PLACES]
        elif action == ADD_AREA:
            areas = (areas + [{}])[: services.MAX_AREAS_TO_AVOID]
        elif action.startswith(REMOVE_PLACE):
            places = _without(places, action.removeprefix(REMOVE_PLACE))
        elif action.startswith(REMOVE_AREA):
            areas = _without(areas, action.removeprefix(REMOVE_AREA))
        else:
            return None
        profile = PlacementRequestForm()
        typed = {
            name: field.widget.value_from_datadict(data, {}, profile.add_prefix(name))
            for name, field in profile.fields.items()
        }
        return cls.unbound(typed, places, areas)

    # Checking and saving --------------------------------------------------------------------

    def is_valid(self) -> bool:
        # Every part is checked, so that all the problems show at once.
        results = [self.profile.is_valid(), self.places.is_valid(), self.areas.is_valid()]
        return all(results)

    @property
    def errors(self) -> bool:
        return bool(self.profile.errors or self._row_errors() or self._formset_errors())

    def _row_errors(self) -> bool:
        return any(form.errors for form in [*self.places.forms, *self.areas.forms])

    def _formset_errors(self) -> bool:
        return bool(self.places.non_form_errors() or self.areas.non_form_errors())

    def service_arguments(self) -> dict[str, Any]:
        """The service's keyword arguments (after is_valid), without the empty rows."""
        self._place_rows = [f for f in self.places.forms if not f.is_blank()]
        self._area_rows = [f for f in self.areas.forms if not f.is_blank()]
        return {
            **self.profile.cleaned_data,
            "places": [form.service_value() for form in self._place_rows],
            "areas_to_avoid": [form.service_value() for form in self._area_rows],
        }

    def add_service_error(self, error: ValidationError) -> None:
        """Show the service's errors where they belong: on a profile field, on a field of the
        row it came from (`places-1-postcode` is the second non-empty place), or on top."""
        if not hasattr(error, "error_dict"):
            self.profile.add_error(None, error)
            return
        for key, messages in error.error_dict.items():
            row_form, name = self._row_field(key)
            if row_form is not None:
                row_form.add_error(name, messages)
            else:
                self.profile.add_error(key if key in self.profile.fields else None, messages)

    def _row_field(self, key: str) -> tuple[forms.Form | None, str]:
        prefix, _, rest = key.partition("-")
        index, _, name = rest.partition("-")
        rows = {PLACES_PREFIX: self._place_rows, AREAS_PREFIX: self._area_rows}.get(prefix)
        if rows is None or not index.isdigit() or int(index) >= len(rows):
            return None, key
        form = rows[int(index)]
        return form, name if name in form.fields else ""

    def error_list(self) -> list[tuple[str, str]]:
        """(element id, message) for the error summary, in the order the page shows them."""
        items: list[tuple[str, str]] = []
        first = f"id_{self.profile.add_prefix('reference')}"
        items += [(first, str(message)) for message in self.profile.non_field_errors()]
        items += _field_errors(self.profile)
        for formset in (self.places, self.areas):
            items += [(f"{formset.prefix}", str(m)) for m in formset.non_form_errors()]
            for form in formset.forms:
                items += [(f"{formset.prefix}", str(m)) for m in form.non_field_errors()]
                items += _field_errors(form)
        return items


def _field_errors(form: forms.Form) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for field in form:
        # crispy-forms-gds numbers radios and checkboxes from 1: link to the first.
        widget = field.field.widget
        multiple = isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple)
        target = f"id_{field.html_name}_1" if multiple else field.auto_id
        items += [(str(target), str(message)) for message in field.errors]
    return items


def _without(rows: list[dict[str, Any]], index: str) -> list[dict[str, Any]]:
    if index.isdigit() and int(index) < len(rows):
        return rows[: int(index)] + rows[int(index) + 1 :]
    return rows


YES_NO = [("yes", "Yes"), ("no", "No")]


class CloseRequestForm(GovukFormMixin, forms.Form):
    """Why the request is being closed (without a placement recorded here) and, for a child
    placed outside the service, what was secured. The service checks the rules between fields
    (placements/services.py `close_terms`) with the same messages."""

    reason = forms.ChoiceField(
        label="Why are you closing this request?",
        choices=[(reason.value, reason.label) for reason in CLOSE_REASONS_CHOSEN],
        widget=forms.RadioSelect,
        error_messages={
            "required": services.CLOSE_REASON_MESSAGE,
            "invalid_choice": services.CLOSE_REASON_MESSAGE,
        },
    )
    secured_accommodation = forms.ChoiceField(
        label="Kind of placement secured",
        choices=[("", "Select the kind"), *Accommodation.choices],
        required=False,
        error_messages={"invalid_choice": "Select the kind of placement secured"},
    )
    secured_weekly_cost = pounds_field(
        "Weekly cost",
        example="4500",
        help_text="In pounds, what the local authority pays each week.",
        min_value=Decimal("0.01"),
        max_value=services.MAX_SECURED_WEEKLY_COST,
    )
    secured_in_area = forms.ChoiceField(
        label="Is it inside your local authority's area?",
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select whether it is inside your area"},
    )
    note = forms.CharField(
        label="Anything to add (optional)",
        help_text="Needed for another reason. Never the child's name.",
        required=False,
        max_length=services.CLOSE_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": f"Enter {services.CLOSE_NOTE_MAX_LENGTH:,} characters or fewer"
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Conditional radios are numbered from 0 (the error summary links to the first).
        self.fields["reason"].first_choice_id = "id_reason_0"  # type: ignore[attr-defined]
        self.helper.form_tag = False  # the page draws the <form> and its button
        self.helper.disable_csrf = True
        self.helper.inputs = []
        self.helper.legend_size = Size.MEDIUM
        labels = [str(reason.label) for reason in CLOSE_REASONS_CHOSEN]
        outside = str(CloseReason.PLACED_OUTSIDE.label)
        self.helper.layout = Layout(
            ConditionalRadios(
                "reason",
                *(
                    ConditionalQuestion(
                        label,
                        Field.select("secured_accommodation"),
                        Field.text("secured_weekly_cost", field_width=Fixed.TEN),
                        Field.radios("secured_in_area", inline=True, legend_size=Size.SMALL),
                    )
                    if label == outside
                    else label
                    for label in labels
                ),
            ),
            Field.textarea("note"),
        )

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        in_area = data.get("secured_in_area")
        return {
            "reason": data["reason"],
            "note": data.get("note", ""),
            "secured_accommodation": data.get("secured_accommodation", ""),
            "secured_weekly_cost": data.get("secured_weekly_cost"),
            "secured_in_area": None if not in_area else in_area == "yes",
        }
