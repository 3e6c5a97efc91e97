"""A child's placement request (pseudonymous), the places that matter to them, and every search
made for them: the demand record of what was sought and what was available.

Field names and value lists follow the Placements Data Standard v2 where it has them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.utils import timezone

from commissioning.models import NeedLevel
from common.models import TimeStampedModel
from geo.modes import DEFAULT_DEPARTS_AT, WALK_MAX_MINUTES, DayKind, TravelMode, Trip, mode_words
from providers.models import (
    Accommodation,
    Communication,
    LivingAlongside,
    Need,
    PlacementKind,
    Risk,
)

# The oldest a child in a request may be (care leavers' support runs to 25), and the most brothers
# and sisters one request may place together with the child.
MAX_AGE = 25
MAX_SIBLINGS = 9


class ChildSex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    NOT_STATED = "not_stated", "Not stated"


class Urgency(models.TextChoices):
    """When the child must move (the standard's urgency)."""

    TODAY = "today", "Today"
    WITHIN_5_DAYS = "within_5_days", "In the next 5 days"
    OVER_5_DAYS = "over_5_days", "More than 5 days from now"


# The longest notice a setting may ask for and still be able to take the child in time. None: no
# limit (the move is planned further ahead than any notice period we hold).
URGENCY_NOTICE_DAYS: dict[str, int | None] = {
    Urgency.TODAY: 0,
    Urgency.WITHIN_5_DAYS: 4,
    Urgency.OVER_5_DAYS: None,
}


class CloseReason(models.TextChoices):
    """Why a request was closed. Without it, placements made outside the service and needs never
    met would vanish from the region's figures (issue 13)."""

    PLACED_HERE = "placed_here", "Placed through this service"
    PLACED_IN_HOUSE = "placed_in_house", "Placed in-house, with our own carers or homes"
    PLACED_OUTSIDE = "placed_outside", "Placed outside this service"
    NO_LONGER_NEEDED = "no_longer_needed", "No longer needs a placement"
    NO_SUITABLE_PROVIDER = "no_suitable_provider", "No suitable provider found"
    OTHER = "other", "Another reason"
    # Requests closed before the service asked why.
    NOT_RECORDED = "not_recorded", "Not recorded"


# The reasons an officer may choose when closing by hand ("placed here" is set by recording a
# placement; "not recorded" only by the migration that introduced reasons).
CLOSE_REASONS_CHOSEN = (
    CloseReason.PLACED_IN_HOUSE,
    CloseReason.PLACED_OUTSIDE,
    CloseReason.NO_LONGER_NEEDED,
    CloseReason.NO_SUITABLE_PROVIDER,
    CloseReason.OTHER,
)
# The outward code of a postcode: LE15, B1, SW1A. Never the full postcode.
DISTRICT_PATTERN = r"^[A-Z]{1,2}[0-9][0-9A-Z]?$"
DISTRICT_EXAMPLE = "LE15"

CHOOSE_LISTED = "Select from the list"
YES_OR_NO = "Select yes or no"


def _messages(message: str, **others: str) -> dict[str, str]:
    """One message for every way a field's value can be wrong (`others` by error code), so that
    model validation says what the service always said."""
    codes = ("invalid", "invalid_choice", "null", "blank", "min_value", "max_value")
    return dict.fromkeys(codes, message) | others


class ChoicesArrayField(ArrayField):  # type: ignore[type-arg]
    """A list of choices. A wrong one is reported in its base field's own words (ArrayField would
    add "Item 1 in the array did not validate:")."""

    def validate(self, value: Any, model_instance: Any) -> None:
        models.Field.validate(self, value, model_instance)
        for part in value or []:
            self.base_field.validate(part, model_instance)


class PlacementRequest(TimeStampedModel):
    """One child's need for a placement, made by a local authority. Never the child's name."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="placement_requests",
        help_text="The local authority the request belongs to.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reference = models.CharField(
        max_length=30, help_text="The local authority's own case reference. Never a name."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(
        max_length=20, choices=CloseReason.choices, blank=True, default=""
    )
    close_note = models.TextField(blank=True, help_text="The officer's words, when closed.")
    # For a child placed outside the service: what was secured (never the provider's name: the
    # service may not know them, and the figures need only the kind, price and whether local).
    secured_accommodation = models.CharField(
        max_length=12, choices=Accommodation.choices, blank=True, default=""
    )
    secured_weekly_cost = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    secured_in_area = models.BooleanField(
        null=True, blank=True, help_text="Inside the local authority's own area."
    )
    # Where the child lives, to the district only: the DfE's distance-from-home measure.
    home_district = models.CharField(
        "home postcode district",
        max_length=4,
        blank=True,
        default="",
        validators=[
            RegexValidator(
                DISTRICT_PATTERN,
                message="Enter the first part of the child's home postcode, like "
                f"{DISTRICT_EXAMPLE}",
            )
        ],
        help_text="The first part of the child's home postcode (LE15): never the whole postcode.",
    )

    # Age: either in years, or from the month and year of birth (the more exact, when given).
    # Which of them must be given, and that a birth is in the past, are the service's rules.
    age_years = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_AGE)],
        error_messages=_messages(
            f"The age must be from 0 to {MAX_AGE}",
            invalid=f"Enter the age as a whole number, from 0 to {MAX_AGE}",
        ),
    )
    birth_month = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        error_messages=_messages(
            "The month of birth must be a number from 1 to 12",
            invalid="Enter the month of birth as a number from 1 to 12",
        ),
    )
    birth_year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        error_messages=_messages("Enter the year of birth as 4 digits, for example 2012"),
    )
    sex = models.CharField(
        max_length=10, choices=ChildSex.choices, error_messages=_messages("Select the child's sex")
    )

    urgency = models.CharField(
        max_length=15,
        choices=Urgency.choices,
        error_messages=_messages("Select when the child needs to move"),
    )
    placement_kind = models.CharField(
        max_length=20,
        choices=PlacementKind.choices,
        default=PlacementKind.PLANNED,
        error_messages=_messages("Select the kind of placement"),
    )
    accommodation = ChoicesArrayField(
        models.CharField(
            max_length=12, choices=Accommodation.choices, error_messages=_messages(CHOOSE_LISTED)
        ),
        help_text="Kinds of placement that would suit the child (at least one).",
        error_messages=_messages("Select at least one kind of placement that would suit"),
    )
    siblings_to_place_together = models.PositiveSmallIntegerField(
        default=0,
        help_text="Brothers and sisters to be placed with this child (0 if none).",
        validators=[MaxValueValidator(MAX_SIBLINGS)],
        error_messages=_messages(f"Enter how many brothers and sisters, from 0 to {MAX_SIBLINGS}"),
    )
    living_alongside = models.CharField(
        max_length=20,
        choices=LivingAlongside.choices,
        default=LivingAlongside.WITH_OTHERS,
        error_messages=_messages("Select who the child can live alongside"),
    )
    has_pet = models.BooleanField(default=False, error_messages=_messages(YES_OR_NO))
    deprivation_of_liberty = models.BooleanField(default=False, error_messages=_messages(YES_OR_NO))
    communication = ChoicesArrayField(
        models.CharField(
            max_length=10, choices=Communication.choices, error_messages=_messages(CHOOSE_LISTED)
        ),
        default=list,
        blank=True,
    )
    needs_adaptation = models.BooleanField(
        default=False,
        help_text="Needs a home adapted for physical disability.",
        error_messages=_messages(YES_OR_NO),
    )
    risks = ChoicesArrayField(
        models.CharField(
            max_length=40, choices=Risk.choices, error_messages=_messages(CHOOSE_LISTED)
        ),
        default=list,
        blank=True,
    )
    needs = ChoicesArrayField(
        models.CharField(
            max_length=30, choices=Need.choices, error_messages=_messages(CHOOSE_LISTED)
        ),
        default=list,
        blank=True,
    )
    # The officer's judgement of the band the child's needs are priced at: not a criterion (it
    # excludes no setting), it picks which of a framework member's tendered rates applies.
    need_level = models.CharField(
        max_length=12,
        choices=NeedLevel.choices,
        blank=True,
        default="",
        help_text="The band the child's needs are priced at; empty: not assessed.",
        error_messages=_messages(CHOOSE_LISTED),
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "reference"],
                condition=models.Q(status="open"),
                name="placement_request_open_reference_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(age_years__isnull=False)
                | models.Q(birth_month__isnull=False, birth_year__isnull=False),
                name="placement_request_has_age",
            ),
            models.CheckConstraint(
                condition=models.Q(age_years__isnull=True) | models.Q(age_years__lte=25),
                name="placement_request_age_range",
            ),
            models.CheckConstraint(
                condition=models.Q(birth_month__isnull=True)
                | models.Q(birth_month__gte=1, birth_month__lte=12),
                name="placement_request_birth_month_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "closed"]),
                name="placement_request_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="closed") | models.Q(closed_at__isnull=False),
                name="placement_request_closed_has_date",
            ),
            models.CheckConstraint(
                condition=models.Q(accommodation__len__gte=1),
                name="placement_request_accommodation_given",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", close_reason="")
                | models.Q(
                    status="closed",
                    close_reason__in=[reason.value for reason in CloseReason],
                ),
                name="placement_request_closed_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(close_reason="placed_outside")
                | models.Q(
                    secured_accommodation="",
                    secured_weekly_cost__isnull=True,
                    secured_in_area__isnull=True,
                ),
                name="placement_request_secured_only_outside",
            ),
            models.CheckConstraint(
                condition=models.Q(secured_weekly_cost__isnull=True)
                | models.Q(secured_weekly_cost__gt=0),
                name="placement_request_secured_cost_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"Placement request {self.reference}"

    def age_on(self, day: date) -> int:
        """Whole years on `day`: from the birth month and year when given (counting the child as
        born on the 1st, so never older than they are), else the age in years as entered."""
        if self.birth_year and self.birth_month:
            years = day.year - self.birth_year
            if day.month < self.birth_month:
                years -= 1
            return max(years, 0)
        return int(self.age_years or 0)

    @property
    def age_now(self) -> int:
        return self.age_on(timezone.localdate())

    @property
    def group_size(self) -> int:
        """Places needed: the child and the brothers and sisters placed with them."""
        return 1 + self.siblings_to_place_together


class PlaceThatMatters(TimeStampedModel):
    """A labelled postcode that matters to the child (school, family, contact venue…), with an
    optional longest acceptable journey by road."""

    MAX_MINUTES_LIMIT = 240

    request = models.ForeignKey(PlacementRequest, on_delete=models.CASCADE, related_name="places")
    label = models.CharField(max_length=60, help_text="For example: school, grandmother, contact.")
    postcode = models.CharField(max_length=8)
    point = models.PointField(srid=4326)
    max_minutes = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Longest acceptable journey, in minutes, by the place's mode.",
        validators=[MinValueValidator(1), MaxValueValidator(MAX_MINUTES_LIMIT)],
        error_messages={
            "invalid": "Enter the longest journey in minutes, like 45",
            "min_value": "The longest journey must be at least 1 minute. "
            "Leave it empty for no limit",
            "max_value": f"The longest journey must be {MAX_MINUTES_LIMIT} minutes (4 hours) "
            "or less",
        },
    )
    # How the child gets there (geo/modes.py): by car (road), by public transport leaving at
    # `departs_at` on `day` (from the setting to the place), or walking (short journeys).
    mode = models.CharField(max_length=16, choices=TravelMode.choices, default=TravelMode.CAR)
    departs_at = models.TimeField(default=DEFAULT_DEPARTS_AT)
    day = models.CharField(max_length=8, choices=DayKind.choices, default=DayKind.WEEKDAY)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_minutes__isnull=True)
                | models.Q(max_minutes__gte=1, max_minutes__lte=240),
                name="place_that_matters_minutes_range",
            ),
            models.CheckConstraint(
                condition=models.Q(mode__in=TravelMode.values), name="place_that_matters_mode"
            ),
            models.CheckConstraint(
                condition=~models.Q(mode=TravelMode.WALK)
                | models.Q(max_minutes__isnull=True)
                | models.Q(max_minutes__lte=WALK_MAX_MINUTES),
                name="place_that_matters_walk_short",
            ),
        ]

    @property
    def trip(self) -> Trip:
        return Trip(point=self.point, mode=self.mode, departs_at=self.departs_at, day=self.day)

    @property
    def mode_words(self) -> str:
        return mode_words(self.mode, departs_at=self.departs_at, day=self.day)

    def __str__(self) -> str:
        return f"{self.label} ({self.postcode})"


class AreaToAvoid(TimeStampedModel):
    """Somewhere the child must not be placed: a circle around a postcode (for example, away
    from people who exploit them). Stored as the polygon the search excludes."""

    request = models.ForeignKey(
        PlacementRequest, on_delete=models.CASCADE, related_name="areas_to_avoid"
    )
    label = models.CharField(max_length=60)
    postcode = models.CharField(max_length=8)
    radius_metres = models.PositiveIntegerField()
    area = models.PolygonField(srid=4326)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(radius_metres__gte=100, radius_metres__lte=100_000),
                name="area_to_avoid_radius_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Avoid {self.label} ({self.postcode})"


RESULTS_SHAPE = 2


class PlacementSearch(TimeStampedModel):
    """One search run for a request: its criteria and a snapshot of what it found. Never edited;
    the demand record later analysis reads ("what was sought, what was available")."""

    request = models.ForeignKey(PlacementRequest, on_delete=models.CASCADE, related_name="searches")
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    criteria = models.JSONField(help_text="The search's own criteria, as the form gives them.")
    profile = models.JSONField(help_text="The child's profile as it was when searched.")
    area = models.MultiPolygonField(srid=4326, null=True, blank=True)
    engine = models.CharField(max_length=12, help_text="Which travel engine answered.")
    funnel = models.JSONField(
        default=dict, help_text="How many settings were left after each hard filter."
    )
    results = models.JSONField(default=list, help_text="The ranked matches, as shown.")
    # The shape of `results`: 1 before journeys had modes (every leg by car, no "mode" key),
    # 2 with each leg's mode, departure time, coverage and words. Readers accept both
    # (geo/modes.py `record_words`); searches saved before the change keep 1.
    results_shape = models.PositiveSmallIntegerField(default=RESULTS_SHAPE)
    match_count = models.PositiveIntegerField(default=0)
    milliseconds = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Search {self.pk} for {self.request.reference}: {self.match_count} matches"
