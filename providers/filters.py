"""The provider directory's filters: what a GET query string may narrow the settings by.

The same filter set drives the list, its map and the .xlsx export, so a shared or bookmarked
URL always means the same settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import django_filters
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fieldset, Fluid, Layout, Size
from django import forms
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from geo.models import Area
from providers.models import Judgement, ProvisionType, Setting

# Closed settings are history: hidden unless someone asks for them.
DEFAULT_STATUSES = (Setting.Status.ACTIVE, Setting.Status.SUSPENDED)
NOT_JUDGED = "none"
# A point on Ofsted's scale matches it on every scale (ofsted.Judgement): the third point's
# checkbox says which older words it also finds.
JUDGEMENT_CHOICES = [
    (
        value,
        f"{label} (or, on older scales, Requires improvement, Adequate or Satisfactory)"
        if value == Judgement.REQUIRES_IMPROVEMENT
        else label,
    )
    for value, label in Judgement.choices
] + [(NOT_JUDGED, "No judgement yet")]
JUDGEMENT_FILTERS = {
    "overall_effectiveness": "Overall effectiveness",
    "help_and_protection": "Help and protection",
    "leadership_and_management": "Leadership and management",
}


def on_frameworks_q(region_id: int, today: date) -> Q:
    """Settings that are active members of a current lot of one of the region's current
    frameworks. commissioning/ is above providers/, so this goes through the reverse relation
    by name (the same rule as commissioning.search.current_memberships); use it in one
    filter() call, so that every condition is about the same membership."""
    return Q(
        Q(memberships__status="active", memberships__lot__framework__region_id=region_id),
        Q(memberships__lot__starts_on__lte=today),
        Q(memberships__lot__ends_on__isnull=True) | Q(memberships__lot__ends_on__gte=today),
        Q(memberships__lot__framework__starts_on__lte=today),
        Q(memberships__lot__framework__ends_on__isnull=True)
        | Q(memberships__lot__framework__ends_on__gte=today),
    )


def _distinct_values(field: str) -> list[tuple[str, str]]:
    values = (
        Setting.objects.exclude(**{field: ""})
        .order_by(field)
        .values_list(field, flat=True)
        .distinct()
    )
    return [(value, value) for value in values]


def ofsted_region_choices() -> list[tuple[str, str]]:
    return _distinct_values("ofsted_region")


def sector_choices() -> list[tuple[str, str]]:
    return _distinct_values("sector")


def local_authorities_with_settings(request: Any = None) -> QuerySet[Area]:
    return Area.objects.filter(settings__isnull=False).distinct().order_by("name")


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return obj.name


class AreaFilter(django_filters.ModelChoiceFilter):
    field_class = AreaChoiceField


class PlacesFilter(django_filters.NumberFilter):
    """A whole number of places, typed into a GOV.UK text input rather than a spinner."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("field_name", "places")
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric"}))
        kwargs.setdefault(
            "error_messages",
            {
                "invalid": "Places must be a whole number, like 4",
                "min_value": "Places must be 0 or more",
            },
        )
        super().__init__(*args, **kwargs)


def _judgement_filter(field: str) -> django_filters.MultipleChoiceFilter:
    """One judgement's checkboxes; every judgement filters the same way (filter_judgement)."""
    return django_filters.MultipleChoiceFilter(
        label=JUDGEMENT_FILTERS[field],
        choices=JUDGEMENT_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
        method="filter_judgement",
    )


class SettingFilterForm(forms.Form):
    """Laid out for the GOV.UK Design System; the template supplies the <form> and its button."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.label_size = Size.SMALL
        self.helper.layout = Layout(
            Field.text("q", label_size=Size.SMALL),
            Field.checkboxes("provision_type", legend_size=Size.SMALL, small=True),
            Field.checkboxes("status", legend_size=Size.SMALL, small=True),
            Field.select("ofsted_region"),
            Field.select("local_authority"),
            Field.select("sector"),
            Fieldset(
                Field.text("places_min", field_width=Fluid.ONE_HALF),
                Field.text("places_max", field_width=Fluid.ONE_HALF),
                legend="Places",
                legend_size=Size.SMALL,
            ),
            *(
                Field.checkboxes(name, legend_size=Size.SMALL, small=True)
                for name in JUDGEMENT_FILTERS
            ),
            # Only for LA and hub users: a region's frameworks are not a provider's business.
            *([Field.checkbox("on_frameworks")] if "on_frameworks" in self.fields else []),
        )


class SettingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Name, URN or owner",
        method="filter_text",
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )
    provision_type = django_filters.MultipleChoiceFilter(
        label="Provision type",
        choices=ProvisionType.choices,
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )
    status = django_filters.MultipleChoiceFilter(
        label="Status",
        choices=Setting.Status.choices,
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
        help_text="With none ticked: active and suspended.",
    )
    ofsted_region = django_filters.ChoiceFilter(
        label="Ofsted region", choices=ofsted_region_choices, empty_label="Any region"
    )
    local_authority = AreaFilter(
        label="Local authority",
        queryset=local_authorities_with_settings,
        to_field_name="gss_code",
        empty_label="Any local authority",
    )
    sector = django_filters.ChoiceFilter(
        label="Sector", choices=sector_choices, empty_label="Any sector"
    )
    places_min = PlacesFilter(label="At least", lookup_expr="gte")
    places_max = PlacesFilter(label="At most", lookup_expr="lte")
    overall_effectiveness = _judgement_filter("overall_effectiveness")
    help_and_protection = _judgement_filter("help_and_protection")
    leadership_and_management = _judgement_filter("leadership_and_management")
    on_frameworks = django_filters.BooleanFilter(
        label="On our frameworks (active members of a current lot)",
        widget=forms.CheckboxInput,
        method="filter_on_frameworks",
    )

    class Meta:
        model = Setting
        fields: list[str] = []
        form = SettingFilterForm

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        queryset: QuerySet[Setting] | None = None,
        *,
        framework_region_id: int | None = None,
        **kwargs: Any,
    ) -> None:
        # Always bound, so that an empty query string still applies the default statuses.
        bound = _as_query_dict(data)
        if not bound.getlist("status"):
            bound.setlist("status", list(DEFAULT_STATUSES))
        # The region whose frameworks "on our frameworks" means; None: the filter is not offered.
        self.framework_region_id = framework_region_id
        super().__init__(bound, queryset=queryset, **kwargs)
        if framework_region_id is None:
            del self.filters["on_frameworks"]  # before the form is made from the filters

    def filter_on_frameworks(
        self, queryset: QuerySet[Setting], name: str, value: bool | None
    ) -> QuerySet[Setting]:
        if not value or self.framework_region_id is None:
            return queryset
        members = Setting.objects.filter(
            on_frameworks_q(self.framework_region_id, timezone.localdate())
        )
        return queryset.filter(pk__in=members.values("pk"))

    def filter_text(self, queryset: QuerySet[Setting], name: str, value: str) -> QuerySet[Setting]:
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(
            Q(urn__icontains=text) | Q(name__icontains=text) | Q(owner_name__icontains=text)
        )

    def filter_judgement(
        self, queryset: QuerySet[Setting], name: str, value: list[str]
    ) -> QuerySet[Setting]:
        if not value:
            return queryset
        wanted = [v for v in value if v != NOT_JUDGED]
        condition = Q(**{f"{name}__in": wanted})
        if NOT_JUDGED in value:
            condition |= Q(**{name: ""})
        return queryset.filter(condition)


def _as_query_dict(data: Mapping[str, Any] | None) -> QueryDict:
    """A mutable QueryDict from a request's GET or a plain dict (lists become repeated keys)."""
    if isinstance(data, QueryDict):
        return data.copy()
    result = QueryDict(mutable=True)
    for key, value in (data or {}).items():
        if isinstance(value, list | tuple):
            result.setlist(key, [str(v) for v in value])
        elif value is not None:
            result[key] = str(value)
    return result
