"""Making, changing and closing a child's placement request.

A request never holds the child's name. The case reference must contain a digit, which a name
never does, so that a name typed into it is refused; the places that matter hold a label and a
postcode, and the areas to avoid a label, a postcode and a radius.

Every rule is checked here, whoever calls (the pages, a test, a future API): each field's own
rules by the model's validation (its choices, validators and messages, placements/models.py),
and here only the rules no single field can say. All the problems are raised together as one
ValidationError keyed by field: profile fields by their own name, places as
`places-<index>-<field>` and areas as `areas-<index>-<field>`, the index being the position in
the list given (the same keys a Django formset with those prefixes uses).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, NamedTuple

from django.conf import settings as django_settings
from django.contrib.gis.geos import Point, Polygon
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.services import audit_record
from common.permissions import require
from geo import shapes
from geo.models import OutsideEnglandPostcode, PostcodeDistrict
from geo.modes import DEFAULT_DEPARTS_AT, WALK_MAX_MINUTES, DayKind, TravelMode
from geo.postcodes import (
    PostcodeMalformedError,
    PostcodeNotFoundError,
    PostcodeOutsideEnglandError,
    postcode_lookup,
)
from geo.shapes import circle
from placements import criteria
from placements.matching import MatchResult, SearchCriteria, setting_match
from placements.models import (
    CLOSE_REASONS_CHOSEN,
    MAX_AGE,
    AreaToAvoid,
    CloseReason,
    PlacementRequest,
    PlacementSearch,
    PlaceThatMatters,
)
from placements.permissions import can_make_placement_requests, can_see_request
from providers.models import Accommodation

if TYPE_CHECKING:
    from accounts.models import User

METRES_PER_MILE = Decimal(str(shapes.METRES_PER_MILE))  # exact, for miles typed as decimals
ONE_PENNY = Decimal("0.01")
CLOSE_NOTE_MAX_LENGTH = 2000

REFERENCE_MAX_LENGTH = 30
REFERENCE_ALLOWED = re.compile(r"[A-Za-z0-9 /-]+")
REFERENCE_EXAMPLE = "CIC/2026/0142"
LABEL_MAX_LENGTH = 60
MAX_PLACES = 20
MAX_AREAS_TO_AVOID = 20
MIN_RADIUS_MILES = Decimal("0.1")
MAX_RADIUS_MILES = Decimal("60")

_WHERE = {
    OutsideEnglandPostcode.Country.WALES: "in Wales",
    OutsideEnglandPostcode.Country.SCOTLAND: "in Scotland",
    OutsideEnglandPostcode.Country.NORTHERN_IRELAND: "in Northern Ireland",
    OutsideEnglandPostcode.Country.CHANNEL_ISLANDS: "in the Channel Islands",
    OutsideEnglandPostcode.Country.ISLE_OF_MAN: "on the Isle of Man",
}


class PlaceInput(NamedTuple):
    """A place that matters to the child, as given: a plain (label, postcode, minutes) tuple
    is accepted too (by car). `mode` is geo.modes.TravelMode's value; `departs_at` and `day`
    say when a journey by public transport leaves (08:00 on a weekday unless given)."""

    label: str
    postcode: str
    max_minutes: int | None = None
    mode: str = TravelMode.CAR
    departs_at: dt.time | None = None
    day: str = DayKind.WEEKDAY


class AreaToAvoidInput(NamedTuple):
    """An area the child must not be placed in: a circle of `radius_miles` round a postcode."""

    label: str
    postcode: str
    radius_miles: float | Decimal


# The child's profile: the PlacementRequest fields a caller sets, the case reference and then
# each part declared in placements/criteria.py.
PROFILE_FIELDS: tuple[str, ...] = ("reference", "home_district", *criteria.PROFILE_FIELDS)
ProfileFields = dict[str, Any]


def _new_request_defaults() -> dict[str, Any]:
    """A new request starts from the model's defaults; the fields without one must be given."""
    fields = [field for field in PlacementRequest._meta.fields if field.name in PROFILE_FIELDS]
    return {field.name: field.get_default() for field in fields}


NEW_REQUEST_DEFAULTS: dict[str, Any] = _new_request_defaults()

Errors = dict[str, list[str]]


# Messages shared with the form, so that the page and the service say the same thing.
def max_minutes_message(value: int) -> str:
    """The model's own words for a journey limit out of range."""
    messages = PlaceThatMatters._meta.get_field("max_minutes").error_messages  # type: ignore[union-attr]
    return str(messages["min_value" if value < 1 else "max_value"])


def radius_message(value: Decimal) -> str:
    if value < MIN_RADIUS_MILES:
        return f"The radius must be at least {MIN_RADIUS_MILES} miles"
    return f"The radius must be {MAX_RADIUS_MILES} miles or less"


FULL_POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][0-9A-Z]?)[0-9][A-Z]{2}")


def home_district_of(value: Any) -> str:
    """The postcode district as typed, tidied: capitals, no spaces, and of a whole postcode only
    its first part, so that the child's full home postcode is never kept."""
    text = "".join(str(value or "").split()).upper()
    whole = FULL_POSTCODE.fullmatch(text)
    return whole.group(1) if whole else text


def _check_home_district(candidate: PlacementRequest, errors: Errors) -> None:
    district = candidate.home_district
    if (
        district
        and "home_district" not in errors
        and not PostcodeDistrict.objects.filter(district=district).exists()
    ):
        _add(
            errors,
            "home_district",
            f"We do not know the postcode district {district}: check it, or leave it empty",
        )


def reference_problem(reference: str) -> str | None:
    """What is wrong with a case reference (already stripped), or None."""
    if not reference:
        return f"Enter your case reference, for example {REFERENCE_EXAMPLE}"
    if len(reference) > REFERENCE_MAX_LENGTH:
        return f"The case reference must be {REFERENCE_MAX_LENGTH} characters or fewer"
    if not REFERENCE_ALLOWED.fullmatch(reference):
        return "The case reference can only include letters, numbers, spaces, hyphens and slashes"
    if not any(c.isdigit() for c in reference):
        return (
            "The case reference must include a number: use your case reference, "
            "not the child's name"
        )
    return None


# Services ---------------------------------------------------------------------------------


@transaction.atomic
def placement_request_create(
    *,
    actor: User,
    places: Sequence[tuple[Any, ...]],
    areas_to_avoid: Sequence[tuple[str, str, float | Decimal]],
    **fields: Any,
) -> PlacementRequest:
    """A new open request for the actor's local authority, made by the actor."""
    require(can_make_placement_requests(actor))
    organisation_id = actor.organisation_id
    assert organisation_id is not None  # a member LA's user always has one
    _refuse_unknown(fields)
    errors: Errors = {}
    profile = _clean_profile({**NEW_REQUEST_DEFAULTS, **fields}, errors)
    cleaned_places = _clean_places(places, errors)
    cleaned_areas = _clean_areas(areas_to_avoid, errors)
    _check_reference_free(
        organisation_id=organisation_id, reference=profile["reference"], errors=errors
    )
    if errors:
        raise ValidationError(errors)
    placement_request = PlacementRequest(
        organisation_id=organisation_id, created_by=actor, **profile
    )
    _save(placement_request)
    _sync_places(placement_request, cleaned_places)
    _sync_areas(placement_request, cleaned_areas)
    _audit(actor, AuditEvent.Action.PLACEMENT_REQUEST_CREATED, placement_request)
    return placement_request


@transaction.atomic
def placement_request_update(
    *,
    actor: User,
    request: PlacementRequest,
    places: Sequence[tuple[Any, ...]],
    areas_to_avoid: Sequence[tuple[str, str, float | Decimal]],
    **fields: Any,
) -> PlacementRequest:
    """Change an open request. Profile fields not given keep their values; the places and areas
    given replace the request's own (a place or area given again keeps its id)."""
    require(can_see_request(actor, request))
    _refuse_unknown(fields)
    locked = PlacementRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != PlacementRequest.Status.OPEN:
        raise ValidationError("This request is closed, so it can no longer be changed")
    errors: Errors = {}
    current = {name: getattr(locked, name) for name in PROFILE_FIELDS}
    profile = _clean_profile({**current, **fields}, errors)
    cleaned_places = _clean_places(places, errors)
    cleaned_areas = _clean_areas(areas_to_avoid, errors)
    _check_reference_free(
        organisation_id=locked.organisation_id,
        reference=profile["reference"],
        errors=errors,
        exclude_pk=locked.pk,
    )
    if errors:
        raise ValidationError(errors)
    for name, value in profile.items():
        setattr(request, name, value)
    _save(request, update_fields=[*PROFILE_FIELDS, "updated_at"])
    _sync_places(request, cleaned_places)
    _sync_areas(request, cleaned_areas)
    _audit(actor, AuditEvent.Action.PLACEMENT_REQUEST_CHANGED, request)
    return request


# The dearest a week's placement can be, as the outcome form says (brokerage/models.py).
MAX_SECURED_WEEKLY_COST = Decimal("100000")
CLOSE_REASON_MESSAGE = "Select why you are closing the request"


@transaction.atomic
def placement_request_close(
    *,
    actor: User,
    request: PlacementRequest,
    reason: str,
    note: str = "",
    secured_accommodation: str = "",
    secured_weekly_cost: Decimal | None = None,
    secured_in_area: bool | None = None,
    now: datetime | None = None,
) -> PlacementRequest:
    """Close a request without a placement recorded here, saying why: so that a child placed
    in-house or outside the service, and a need no provider could meet, still count. For
    "placed outside the service", what was secured: its kind, weekly cost and whether it is
    inside the LA's area (never the provider's name). Recording a placement closes a request
    itself (brokerage's `placement_decide`, reason "placed here").
    Closing a closed request changes nothing, so a second click, or a second tab, is harmless."""
    require(can_see_request(actor, request))
    locked = PlacementRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != PlacementRequest.Status.CLOSED:
        terms = close_terms(
            reason=reason,
            note=note,
            secured_accommodation=secured_accommodation,
            secured_weekly_cost=secured_weekly_cost,
            secured_in_area=secured_in_area,
        )
        locked.status = PlacementRequest.Status.CLOSED
        locked.closed_at = now or timezone.now()
        for name, value in terms.items():
            setattr(locked, name, value)
        locked.save(update_fields=["status", "closed_at", *terms, "updated_at"])
        _audit(actor, AuditEvent.Action.PLACEMENT_REQUEST_CLOSED, locked, reason=reason)
    for name in ("status", "closed_at", "updated_at", *CLOSE_FIELDS):
        setattr(request, name, getattr(locked, name))
    return request


CLOSE_FIELDS = (
    "close_reason",
    "close_note",
    "secured_accommodation",
    "secured_weekly_cost",
    "secured_in_area",
)


def close_terms(
    *,
    reason: str,
    note: str = "",
    secured_accommodation: str = "",
    secured_weekly_cost: Decimal | None = None,
    secured_in_area: bool | None = None,
) -> dict[str, Any]:
    """The close fields as they will be saved, or a ValidationError keyed by field saying every
    problem at once. What was secured is kept only for "placed outside the service"."""
    errors: Errors = {}
    note = (note or "").strip()
    if reason not in CLOSE_REASONS_CHOSEN:
        _add(errors, "reason", CLOSE_REASON_MESSAGE)
    if reason == CloseReason.OTHER and not note:
        _add(errors, "note", "Say why you are closing the request")
    if len(note) > CLOSE_NOTE_MAX_LENGTH:
        _add(errors, "note", f"Enter {CLOSE_NOTE_MAX_LENGTH:,} characters or fewer")
    outside = reason == CloseReason.PLACED_OUTSIDE
    if outside:
        if secured_accommodation not in Accommodation.values:
            _add(errors, "secured_accommodation", "Select the kind of placement secured")
        if secured_weekly_cost is None:
            _add(errors, "secured_weekly_cost", "Enter the weekly cost, like 4500")
        elif not ONE_PENNY <= secured_weekly_cost <= MAX_SECURED_WEEKLY_COST:
            _add(
                errors,
                "secured_weekly_cost",
                "Enter a weekly cost above £0 and no more than £100,000",
            )
        if secured_in_area is None:
            _add(errors, "secured_in_area", "Select whether it is inside your area")
    if errors:
        raise ValidationError(errors)
    return {
        "close_reason": reason,
        "close_note": note,
        "secured_accommodation": secured_accommodation if outside else "",
        "secured_weekly_cost": secured_weekly_cost if outside else None,
        "secured_in_area": secured_in_area if outside else None,
    }


def _audit(
    actor: User, action: AuditEvent.Action, placement_request: PlacementRequest, **details: Any
) -> None:
    audit_record(
        actor=actor,
        action=action,
        organisation=placement_request.organisation,
        placement_request=placement_request.pk,
        reference=placement_request.reference,
        **details,
    )


# Checking ---------------------------------------------------------------------------------


def _refuse_unknown(fields: dict[str, Any] | ProfileFields) -> None:
    unknown = sorted(set(fields) - set(PROFILE_FIELDS))
    if unknown:
        raise TypeError(f"Not a placement request field: {', '.join(unknown)}")


def _add(errors: Errors, key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def _field_valid(instance: Any, name: str, key: str, errors: Errors) -> bool:
    """The model's validation of one field of `instance` (cleaning it in place); its first
    complaint added to `errors` under `key`."""
    others = [f.name for f in type(instance)._meta.fields if f.name != name]
    try:
        instance.clean_fields(exclude=others)
    except ValidationError as error:
        _add(errors, key, error.message_dict[name][0])
        return False
    return True


AGE_FIELDS = ("age_years", "birth_month", "birth_year")
# Checked by the service's own rules, not the model's field validation.
_NOT_MODEL_VALIDATED = ("reference",)


def _clean_profile(values: dict[str, Any], errors: Errors) -> dict[str, Any]:
    """The profile as it will be saved. Each field is checked by the model's own validation
    (its choices, validators and messages: placements/models.py); the service adds only the
    rules no single field can say: no name in the reference, an age or a birth, in the past."""
    profile = {name: _given(name, values.get(name)) for name in PROFILE_FIELDS}
    profile["reference"] = " ".join(str(values.get("reference") or "").split())
    profile["home_district"] = home_district_of(values.get("home_district"))
    problem = reference_problem(profile["reference"])
    if problem:
        _add(errors, "reference", problem)
    candidate = PlacementRequest(**profile)
    _validate_fields(candidate, errors, PROFILE_FIELDS)
    _check_age(candidate, errors)
    _check_home_district(candidate, errors)
    return {name: getattr(candidate, name) for name in PROFILE_FIELDS}


def _given(name: str, value: Any) -> Any:
    """A value as the model takes it: lists in the list's own order, once each; no brothers or
    sisters given is none."""
    field = PlacementRequest._meta.get_field(name)
    if isinstance(field, ArrayField):
        given = [] if value is None else value
        if isinstance(given, str) or not isinstance(given, Iterable):
            given = [given]
        chosen = list(given)
        listed = [code for code, _ in field.base_field.choices or []]
        if not set(chosen) <= set(listed):
            return chosen  # model validation says what is wrong
        return [code for code in listed if code in chosen]
    if name == "siblings_to_place_together" and value in (None, ""):
        return 0
    return value


def _validate_fields(candidate: PlacementRequest, errors: Errors, names: Iterable[str]) -> None:
    """The model's validation of these fields, its messages added to `errors` (each once)."""
    checked = set(names) - set(_NOT_MODEL_VALIDATED)
    exclude = [f.name for f in PlacementRequest._meta.fields if f.name not in checked]
    try:
        candidate.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            for message in dict.fromkeys(messages):
                _add(errors, name, message)


def age_errors(*, age_years: int | None, birth_month: int | None, birth_year: int | None) -> Errors:
    """The age rules' complaints, by field (empty when the age is fine): for the form, so that
    they show with its own on the first save."""
    errors: Errors = {}
    candidate = PlacementRequest(
        age_years=age_years, birth_month=birth_month, birth_year=birth_year
    )
    _validate_fields(candidate, errors, AGE_FIELDS)
    _check_age(candidate, errors)
    return errors


def _check_age(request: PlacementRequest, errors: Errors) -> None:
    """Either the age in years, or the month and year of birth; not both."""
    if any(name in errors for name in AGE_FIELDS if name != "birth_month"):
        return
    given = {name: getattr(request, name) not in (None, "") for name in AGE_FIELDS}
    if given["age_years"]:
        if given["birth_month"] or given["birth_year"]:
            _add(
                errors, "age_years", "Enter either the age or the month and year of birth, not both"
            )
        return
    if not (given["birth_month"] or given["birth_year"]):
        _add(errors, "age_years", "Enter the child's age, or the month and year of birth")
        return
    if not given["birth_month"]:
        _add(errors, "birth_month", "Enter the month of birth as a number from 1 to 12")
    if not given["birth_year"]:
        _add(errors, "birth_year", "Enter the year of birth, for example 2012")
    if "birth_month" not in errors and "birth_year" not in errors:
        _check_birth(request, errors)


def _check_birth(request: PlacementRequest, errors: Errors) -> None:
    """A month and year of birth in the past, of a child under MAX_AGE + 1."""
    month, year = int(request.birth_month or 0), int(request.birth_year or 0)
    today = timezone.localdate()
    if (year, month) > (today.year, today.month):
        _add(errors, "birth_year", "The month and year of birth must be in the past")
    elif _age_on(today, month=month, year=year) > MAX_AGE:
        _add(errors, "birth_year", f"The child must be under {MAX_AGE + 1}: check the year")


def _age_on(day: date, *, month: int, year: int) -> int:
    # The same rule as PlacementRequest.age_on: born on the 1st of the month.
    return day.year - year - (1 if day.month < month else 0)


def _check_reference_free(
    *, organisation_id: int, reference: str, errors: Errors, exclude_pk: int | None = None
) -> None:
    """One open request per case reference in an authority (ignoring case, unlike the
    database's constraint, because CIC/1 and cic/1 are the same case to a person)."""
    if "reference" in errors:
        return
    open_requests = PlacementRequest.objects.filter(
        organisation_id=organisation_id,
        reference__iexact=reference,
        status=PlacementRequest.Status.OPEN,
    )
    if exclude_pk is not None:
        open_requests = open_requests.exclude(pk=exclude_pk)
    if open_requests.exists():
        _add(errors, "reference", _reference_taken(reference))


def _reference_taken(reference: str) -> str:
    return f"You already have an open request with the reference {reference}"


def _save(placement_request: PlacementRequest, update_fields: list[str] | None = None) -> None:
    """Save, turning a race to the same open reference into the same message as the check."""
    try:
        with transaction.atomic():
            placement_request.save(update_fields=update_fields)
    except IntegrityError as error:
        if "placement_request_open_reference_unique" not in str(error):
            raise
        raise ValidationError(
            {"reference": [_reference_taken(placement_request.reference)]}
        ) from error


@dataclass(frozen=True)
class _Place:
    label: str
    postcode: str
    point: Point
    max_minutes: int | None
    mode: str = TravelMode.CAR
    departs_at: dt.time = DEFAULT_DEPARTS_AT
    day: str = DayKind.WEEKDAY


@dataclass(frozen=True)
class _Area:
    label: str
    postcode: str
    radius_metres: int
    area: Polygon


def _clean_label(label: object, key: str, errors: Errors, *, noun: str, example: str) -> str:
    text = " ".join(str(label or "").split())
    if not text:
        _add(errors, key, f"Enter what this {noun} is, for example {example}")
    elif len(text) > LABEL_MAX_LENGTH:
        _add(errors, key, f"The description must be {LABEL_MAX_LENGTH} characters or fewer")
    return text


def _locate(postcode: object, key: str, errors: Errors) -> tuple[str, Point] | None:
    """The normalised postcode and its point, or None with the reason in `errors`."""
    try:
        found = postcode_lookup(str(postcode or ""))
    except PostcodeMalformedError as error:
        _add(errors, key, error.message)
    except PostcodeNotFoundError as error:
        _add(errors, key, f"We cannot find {error.postcode}. Check the postcode and try again")
    except PostcodeOutsideEnglandError as error:
        where = _WHERE.get(OutsideEnglandPostcode.Country(error.country), "outside England")
        _add(errors, key, f"{error.postcode} is {where}: enter a postcode in England")
    else:
        return found.postcode, found.point
    return None


def _clean_places(places: Sequence[tuple[Any, ...]], errors: Errors) -> list[_Place]:
    if len(places) > MAX_PLACES:
        _add(errors, "places", f"Enter {MAX_PLACES} places or fewer")
        return []
    cleaned: list[_Place] = []
    for index, given in enumerate(places):
        label, postcode, max_minutes, mode, departs_at, day = PlaceInput(*given)
        prefix = f"places-{index}-"
        text = _clean_label(label, prefix + "label", errors, noun="place", example="school")
        located = _locate(postcode, prefix + "postcode", errors)
        place = PlaceThatMatters(max_minutes=None if max_minutes == "" else max_minutes)
        if not _field_valid(place, "max_minutes", prefix + "max_minutes", errors):
            continue
        minutes = place.max_minutes
        how = _clean_mode(mode, departs_at, day, minutes, prefix, errors)
        if located is not None and how is not None:
            cleaned.append(_Place(text, located[0], located[1], minutes, *how))
    return cleaned


def _clean_mode(
    mode: object, departs_at: object, day: object, minutes: int | None, prefix: str, errors: Errors
) -> tuple[str, dt.time, str] | None:
    """How the child gets to a place, checked: a known mode, a time, a kind of day, and a
    walking limit short enough to walk."""
    mode = mode or TravelMode.CAR
    if mode not in TravelMode.values:
        _add(errors, prefix + "mode", "Choose how the child would get there")
        return None
    if departs_at in (None, ""):
        departs_at = DEFAULT_DEPARTS_AT
    if isinstance(departs_at, str):
        try:
            departs_at = dt.time.fromisoformat(departs_at.strip())
        except ValueError:
            _add(errors, prefix + "departs_at", "Enter the time the journey leaves, like 08:00")
            return None
    if not isinstance(departs_at, dt.time):
        _add(errors, prefix + "departs_at", "Enter the time the journey leaves, like 08:00")
        return None
    day = day or DayKind.WEEKDAY
    if day not in DayKind.values:
        _add(errors, prefix + "day", "Choose a weekday, Saturday or Sunday")
        return None
    if mode == TravelMode.WALK and minutes is not None and minutes > WALK_MAX_MINUTES:
        _add(
            errors,
            prefix + "max_minutes",
            f"A walk must be {WALK_MAX_MINUTES} minutes or less: choose car or public transport "
            "for a longer journey",
        )
        return None
    return str(mode), departs_at.replace(second=0, microsecond=0, tzinfo=None), str(day)


def _radius_miles(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        miles = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return miles if miles.is_finite() else None


def _clean_areas(areas: Sequence[tuple[str, str, float | Decimal]], errors: Errors) -> list[_Area]:
    if len(areas) > MAX_AREAS_TO_AVOID:
        _add(errors, "areas", f"Enter {MAX_AREAS_TO_AVOID} areas or fewer")
        return []
    cleaned: list[_Area] = []
    for index, (label, postcode, radius) in enumerate(areas):
        prefix = f"areas-{index}-"
        text = _clean_label(label, prefix + "label", errors, noun="area", example="town centre")
        located = _locate(postcode, prefix + "postcode", errors)
        miles = _radius_miles(radius)
        if miles is None:
            _add(errors, prefix + "radius_miles", "Enter the radius in miles, like 5 or 0.5")
            continue
        if not MIN_RADIUS_MILES <= miles <= MAX_RADIUS_MILES:
            _add(errors, prefix + "radius_miles", radius_message(miles))
            continue
        if located is not None:
            metres = int((miles * METRES_PER_MILE).to_integral_value())
            cleaned.append(_Area(text, located[0], metres, circle(located[1], metres)))
    return cleaned


# Writing ------------------------------------------------------------------------------------


def _sync_places(placement_request: PlacementRequest, places: list[_Place]) -> None:
    """Make the request's places these, in this order. A place given again (same label and
    postcode) keeps its row and id, which saved searches' criteria refer to."""
    existing = list(PlaceThatMatters.objects.filter(request=placement_request))
    for position, place in enumerate(places):
        row = next(
            (p for p in existing if (p.label, p.postcode) == (place.label, place.postcode)), None
        )
        if row is None:
            row = PlaceThatMatters(request=placement_request)
        else:
            existing.remove(row)
        row.label, row.postcode, row.point = place.label, place.postcode, place.point
        row.max_minutes, row.position = place.max_minutes, position
        row.mode, row.departs_at, row.day = place.mode, place.departs_at, place.day
        row.save()
    PlaceThatMatters.objects.filter(pk__in=[p.pk for p in existing]).delete()


def _sync_areas(placement_request: PlacementRequest, areas: list[_Area]) -> None:
    existing = list(AreaToAvoid.objects.filter(request=placement_request))
    for area in areas:
        row = next(
            (a for a in existing if (a.label, a.postcode) == (area.label, area.postcode)), None
        )
        if row is None:
            row = AreaToAvoid(request=placement_request)
        else:
            existing.remove(row)
        row.label, row.postcode = area.label, area.postcode
        row.radius_metres, row.area = area.radius_metres, area.area
        row.save()
    AreaToAvoid.objects.filter(pk__in=[a.pk for a in existing]).delete()


def radius_miles(radius_metres: int) -> str:
    """A radius in miles as the officer gave it ("5", "0.5", "0.25"), from the stored metres."""
    miles = (Decimal(radius_metres) / METRES_PER_MILE).quantize(Decimal("0.01"))
    return f"{miles.normalize():f}"


# Searching: every search is kept as the demand record ------------------------------------------


def placement_profile(request: PlacementRequest) -> dict[str, Any]:
    """The child's profile as it is now, for the search record (no name: there is none)."""
    today = timezone.localdate()
    return {
        "reference": request.reference,
        **criteria.profile_record(request, today=today),
        "places": [
            {"label": p.label, "district": p.postcode.split(" ")[0], "max_minutes": p.max_minutes}
            for p in request.places.all()
        ],
        "areas_to_avoid": request.areas_to_avoid.count(),
    }


@transaction.atomic
def placement_search_run(
    *, actor: User, request: PlacementRequest, criteria: SearchCriteria
) -> tuple[PlacementSearch, MatchResult]:
    """Run a search for `request` and keep it: criteria, the child's profile as it was, the
    filter funnel and a snapshot of the ranked results.

    The same search repeated by the same person within SEARCH_REPEAT_MINUTES (a page reloaded,
    an export of what is on screen) updates the record it made rather than adding another, so
    the demand record counts searches, not page views.
    """
    require(can_see_request(actor, request) and request.status == PlacementRequest.Status.OPEN)
    result = setting_match(request=request, criteria=criteria)
    record = criteria.as_record()
    profile = placement_profile(request)
    since = timezone.now() - timedelta(minutes=django_settings.SEARCH_REPEAT_MINUTES)
    search = (
        PlacementSearch.objects.select_for_update()
        .filter(request=request, run_by=actor, created_at__gte=since)
        .order_by("-created_at")
        .first()
    )
    if search is None or search.criteria != record or search.profile != profile:
        search = PlacementSearch(request=request, run_by=actor, criteria=record, profile=profile)
    search.area = result.area
    search.engine = result.engine
    search.funnel = result.funnel
    search.results = [match.as_record() for match in result.matches]
    search.match_count = sum(1 for match in result.matches if match.confirmed)
    search.milliseconds = result.milliseconds
    search.save()
    return search, result
