"""The search form: where to look, which travel limits, whether to include unconfirmed settings.

It is a GET form, so a search is a URL an officer can share or come back to. Its fields become a
`SearchCriteria` for `placements.matching.setting_match`; every problem is a field message.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, cast

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import (
    ConditionalQuestion,
    ConditionalRadios,
    Field,
    Fieldset,
    Layout,
    Size,
)
from django import forms
from django.contrib.gis.geos import LinearRing, Polygon
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.html import format_html

from accounts.selectors import region_boundary
from commissioning.search import current_frameworks
from geo.models import Area
from geo.names import local_authority_name
from geo.postcodes import PostcodeError, postcode_lookup
from placements.matching import AreaKind, SearchCriteria
from placements.models import PlacementRequest, PlaceThatMatters

# England with a margin: a corner outside this is a typing mistake, not an area.
ENGLAND_BOUNDS = (-6.5, 49.8, 2.0, 55.9)  # min longitude, min latitude, max longitude, max latitude
MAX_POLYGON_CORNERS = 200
MAX_RADIUS_MILES = 100
LIMIT_FIELD = "limit_{}"
# "Everywhere within N minutes of school": at most 2 hours (a bigger reach is a region).
REACH_MAX_MINUTES = 120
# The framework select's first two choices; the rest are the region's current frameworks' ids.
ANY_SETTING = ""
OUR_FRAMEWORKS = "ours"
_NUMBER = r"-?\d{1,3}(?:\.\d+)?"
_CORNER = re.compile(rf"^\s*({_NUMBER})\s+({_NUMBER})\s*$")


def parse_polygon(text: str) -> Polygon:
    """'lng lat;lng lat;…' (as the map writes it) to a valid polygon, or a ValidationError that
    says what is wrong in words."""
    parts = [part for part in text.strip().strip(";").split(";") if part.strip()]
    corners: list[tuple[float, float]] = []
    for part in parts:
        found = _CORNER.match(part)
        if found is None:
            raise ValidationError(
                "Enter the area's corners as longitude and latitude pairs separated by "
                "semicolons, like -0.72 52.67; -0.70 52.66; -0.71 52.64, or draw it on the map"
            )
        lng, lat = float(found.group(1)), float(found.group(2))
        if not (
            ENGLAND_BOUNDS[0] <= lng <= ENGLAND_BOUNDS[2]
            and ENGLAND_BOUNDS[1] <= lat <= ENGLAND_BOUNDS[3]
        ):
            raise ValidationError("The area you drew goes outside England: draw it again")
        corners.append((lng, lat))
    if corners and corners[0] == corners[-1]:
        corners.pop()
    if len(set(corners)) < 3:
        raise ValidationError("An area needs at least 3 corners: draw it again")
    if len(corners) > MAX_POLYGON_CORNERS:
        raise ValidationError(f"Draw the area with fewer than {MAX_POLYGON_CORNERS} corners")
    polygon = Polygon(LinearRing([*corners, corners[0]]), srid=4326)
    if not polygon.valid:
        raise ValidationError(
            "The area you drew crosses over itself: draw it again without crossing lines"
        )
    if polygon.area == 0:
        raise ValidationError("The area you drew has no inside: draw it again")
    return polygon


def polygon_text(polygon: Polygon) -> str:
    """The inverse of `parse_polygon`, for the form and the map."""
    ring = list(polygon.exterior_ring.coords)[:-1]
    return ";".join(f"{x:.5f} {y:.5f}" for x, y in ring)


class SearchForm(forms.Form):
    area = forms.ChoiceField(
        label="Where to look",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose where to look",
            "invalid_choice": "Choose where to look",
        },
    )
    las = forms.MultipleChoiceField(
        label="Local authorities",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose local authorities from the list"},
    )
    postcode = forms.CharField(label="Postcode", required=False, max_length=10)
    radius_miles = forms.DecimalField(
        label="Distance in miles",
        required=False,
        min_value=Decimal("0.5"),
        max_value=MAX_RADIUS_MILES,
        decimal_places=1,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
        error_messages={
            "invalid": "Enter a distance in miles, like 10",
            "min_value": "Enter a distance of at least half a mile",
            "max_value": f"Enter a distance of {MAX_RADIUS_MILES} miles or less",
            "max_decimal_places": "Enter a distance to one decimal place, like 12.5",
        },
    )
    polygon = forms.CharField(
        label="Corners of the area",
        help_text=(
            "Draw the area on the map, or type its corners as longitude and latitude pairs "
            "separated by semicolons."
        ),
        required=False,
        max_length=8000,
    )
    reach_place = forms.ChoiceField(
        label="From",
        required=False,
        error_messages={"invalid_choice": "Choose one of the child's places"},
    )
    reach_minutes = forms.IntegerField(
        label="Journey time, in minutes",
        required=False,
        min_value=5,
        max_value=REACH_MAX_MINUTES,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages={
            "invalid": "Enter the journey time as a whole number of minutes, like 30",
            "min_value": "Enter a journey time of at least 5 minutes",
            "max_value": f"Enter a journey time of {REACH_MAX_MINUTES} minutes or less",
        },
    )
    include_unconfirmed = forms.BooleanField(
        label="Also show settings without a confirmed vacancy or stated criteria (they are marked)",
        required=False,
    )
    on_service_only = forms.BooleanField(
        label="Only settings whose provider is on the service (can be sent a referral)",
        required=False,
    )
    framework = forms.ChoiceField(
        label="Frameworks",
        help_text="Settings on no framework are shown unless you choose one here.",
        required=False,
        error_messages={"invalid_choice": "Choose a framework from the list"},
    )

    def __init__(self, *args: Any, request: PlacementRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.placement_request = request
        organisation = request.organisation
        region = organisation.own_region
        own = local_authority_name(organisation.area, default="your local authority")
        areas = [
            (AreaKind.ANYWHERE, "Anywhere in England"),
            (AreaKind.OWN_LA, f"In {own}"),
            (AreaKind.REGION, f"In the region ({region.name})"),
            (AreaKind.LAS, "In local authorities I choose"),
            (AreaKind.RADIUS, "Within a distance of a postcode"),
            (AreaKind.DRAWN, "In an area I draw on the map"),
        ]
        self.places: list[PlaceThatMatters] = list(request.places.all())
        if self.places:
            areas.append((AreaKind.REACH, "Within a journey time of one of the child's places"))
            cast(forms.ChoiceField, self.fields["reach_place"]).choices = [
                (str(place.pk), f"{place.label} ({place.postcode}), {place.mode_words.lower()}")
                for place in self.places
            ]
        cast(forms.ChoiceField, self.fields["area"]).choices = areas
        # Conditional radios are numbered from 0 (the error summary links to the first).
        self.fields["area"].first_choice_id = "id_area_0"  # type: ignore[attr-defined]
        cast(forms.ChoiceField, self.fields["las"]).choices = la_choices(request)
        frameworks = framework_choices(request)
        cast(forms.ChoiceField, self.fields["framework"]).choices = frameworks
        # A region with no current framework has nothing to narrow to.
        has_frameworks = len(frameworks) > 2
        limit_names = []
        for place in self.places:
            name = LIMIT_FIELD.format(place.pk)
            limit_names.append(name)
            self.fields[name] = forms.IntegerField(
                # crispy-forms-gds renders labels unescaped: the officer's words are escaped here.
                label=format_html(
                    "Longest journey from {} ({}), in minutes: {}",
                    place.label,
                    place.postcode,
                    place.mode_words.lower(),
                ),
                help_text="Leave empty for no limit.",
                required=False,
                min_value=1,
                max_value=PlaceThatMatters.MAX_MINUTES_LIMIT,
                widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
                error_messages={
                    "invalid": "Enter the journey time as a whole number of minutes, like 30",
                    "min_value": (
                        "Enter a journey time of at least 1 minute, or leave it empty for no limit"
                    ),
                    "max_value": (
                        f"Enter a journey time of {PlaceThatMatters.MAX_MINUTES_LIMIT} minutes "
                        "(4 hours) or less"
                    ),
                },
            )
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.label_size = Size.SMALL
        self.helper.layout = Layout(
            ConditionalRadios(
                "area",
                areas[0][1],
                areas[1][1],
                areas[2][1],
                ConditionalQuestion(areas[3][1], Field.checkboxes("las", small=True)),
                ConditionalQuestion(
                    areas[4][1],
                    Field.text("postcode", field_width=10),
                    Field.text("radius_miles", field_width=5),
                ),
                ConditionalQuestion(areas[5][1], Field.text("polygon")),
                *(
                    [
                        ConditionalQuestion(
                            areas[6][1],
                            Field.select("reach_place"),
                            Field.text("reach_minutes", field_width=3),
                        )
                    ]
                    if self.places
                    else []
                ),
            ),
            *(
                [
                    Fieldset(
                        *[Field.text(name, field_width=3) for name in limit_names],
                        legend="Travel limits",
                    )
                ]
                if limit_names
                else []
            ),
            Field.checkbox("include_unconfirmed"),
            Field.checkbox("on_service_only"),
            *([Field.select("framework")] if has_frameworks else []),
        )

    @classmethod
    def for_query(cls, query: QueryDict, *, request: PlacementRequest) -> SearchForm:
        """Bound to the query string; a first visit (no `area` in it) starts from the request's
        own limits and searches anywhere."""
        if "area" in query:
            return cls(query, request=request)
        data = QueryDict(mutable=True)
        data["area"] = AreaKind.ANYWHERE
        for place in request.places.all():
            data[LIMIT_FIELD.format(place.pk)] = (
                "" if place.max_minutes is None else str(place.max_minutes)
            )
        return cls(data, request=request)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        area = cleaned.get("area")
        if area == AreaKind.LAS and not cleaned.get("las"):
            self.add_error("las", "Choose at least one local authority")
        if area == AreaKind.RADIUS:
            postcode = (cleaned.get("postcode") or "").strip()
            if not postcode:
                self.add_error("postcode", "Enter a postcode to search around")
            else:
                try:
                    found = postcode_lookup(postcode)
                except PostcodeError as exc:
                    self.add_error("postcode", str(exc))
                else:
                    cleaned["postcode"] = found.postcode
                    cleaned["postcode_point"] = found.point
            if cleaned.get("radius_miles") is None and "radius_miles" not in self.errors:
                self.add_error("radius_miles", "Enter a distance in miles, like 10")
        if area == AreaKind.REACH:
            self._clean_reach(cleaned)
        if area == AreaKind.DRAWN:
            text = (cleaned.get("polygon") or "").strip()
            if not text:
                self.add_error(
                    "polygon", "Draw an area on the map, or choose another place to look"
                )
            else:
                try:
                    cleaned["polygon_shape"] = parse_polygon(text)
                except ValidationError as exc:
                    self.add_error("polygon", exc)
        return cleaned

    def _clean_reach(self, cleaned: dict[str, Any]) -> None:
        if not cleaned.get("reach_place") and "reach_place" not in self.errors:
            self.add_error("reach_place", "Choose one of the child's places")
        if cleaned.get("reach_minutes") is None and "reach_minutes" not in self.errors:
            self.add_error("reach_minutes", "Enter a journey time in minutes, like 30")

    def criteria(self) -> SearchCriteria:
        """The valid form's criteria (call after is_valid())."""
        data = self.cleaned_data
        area = data["area"]
        radius = data.get("radius_miles")
        framework = data.get("framework") or ANY_SETTING
        return SearchCriteria(
            area=area,
            las=tuple(data.get("las") or ()) if area == AreaKind.LAS else (),
            postcode=data.get("postcode", "") if area == AreaKind.RADIUS else "",
            postcode_point=data.get("postcode_point") if area == AreaKind.RADIUS else None,
            radius_miles=float(radius) if area == AreaKind.RADIUS and radius is not None else None,
            polygon=data.get("polygon_shape") if area == AreaKind.DRAWN else None,
            include_unconfirmed=bool(data.get("include_unconfirmed")),
            on_service_only=bool(data.get("on_service_only")),
            limits={place.pk: data.get(LIMIT_FIELD.format(place.pk)) for place in self.places},
            on_frameworks=framework == OUR_FRAMEWORKS,
            framework_id=int(framework) if framework.isdigit() else None,
            reach_place_id=int(data["reach_place"]) if area == AreaKind.REACH else None,
            reach_minutes=data.get("reach_minutes") if area == AreaKind.REACH else None,
        )

    @property
    def place_fields(self) -> list[forms.BoundField]:
        return [self[LIMIT_FIELD.format(place.pk)] for place in self.places]


def framework_choices(request: PlacementRequest) -> list[tuple[str, str]]:
    """Any setting, those on the region's current frameworks, or those on one of them."""
    frameworks = current_frameworks(
        request.organisation.own_region_id, today=timezone.localdate()
    ).values_list("pk", "name")
    return [
        (ANY_SETTING, "Any setting, on a framework or not"),
        (OUR_FRAMEWORKS, "On our frameworks"),
        *((str(pk), f"On this framework: {name}") for pk, name in frameworks),
    ]


def la_choices(request: PlacementRequest) -> list[tuple[str, str]]:
    """The region's local authorities and those bordering the region, by name."""
    boundary = region_boundary(region=request.organisation.own_region)
    areas = Area.objects.filter(kind=Area.Kind.UPPER_TIER_LA)
    if boundary is not None:
        areas = areas.filter(boundary__intersects=boundary)
    elif request.organisation.area is not None:
        areas = areas.filter(pk=request.organisation.area.pk)
    return list(areas.order_by("name").values_list("gss_code", "name"))
