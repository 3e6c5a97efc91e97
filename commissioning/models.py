"""How a region buys placements: frameworks and dynamic purchasing systems, their lots, the
settings that are members of each lot, and the weekly rates they tendered by need level.

Between providers/ (the settings) and placements/ (search shows memberships and rates):
commissioning imports providers/ and accounts/, never placements/ or brokerage/.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from common.models import TimeStampedModel
from providers.models import Accommodation

# A weekly rate outside this range is a typing slip, not a price (£0, or £1,000,000).
MIN_WEEKLY_RATE = Decimal("1")
MAX_WEEKLY_RATE = Decimal("100000")


class NeedLevel(models.TextChoices):
    """The band a framework prices a child's needs at. Frameworks name their bands differently
    ("Band 1", "Enhanced"); the hub maps each lot's bands onto these four, so prices compare."""

    STANDARD = "standard", "Standard"
    ENHANCED = "enhanced", "Enhanced"
    COMPLEX = "complex", "Complex"
    SPECIALIST = "specialist", "Specialist (including solo)"


class RateIncludes(models.TextChoices):
    """What a tendered weekly rate covers."""

    CORE = "core", "Core care"
    EDUCATION = "education", "Education"
    THERAPY = "therapy", "Therapy"
    TRANSPORT = "transport", "Transport"


class Framework(TimeStampedModel):
    """A framework, dynamic purchasing system or block contract a region (or one member LA) buys
    placements through."""

    class Kind(models.TextChoices):
        FRAMEWORK = "framework", "Framework"
        DPS = "dps", "Dynamic purchasing system"
        BLOCK = "block", "Block contract"
        OTHER = "other", "Other"

    region = models.ForeignKey(
        "accounts.Region", on_delete=models.PROTECT, related_name="frameworks"
    )
    owner = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="frameworks_owned",
        help_text="The member local authority that let it; empty when the region let it.",
    )
    name = models.CharField(max_length=200)
    reference = models.CharField(
        max_length=60, blank=True, help_text="The contract or tender reference, if it has one."
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="framework_name_unique"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="framework_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["framework", "dps", "block", "other"]),
                name="framework_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_current(self, on: date) -> bool:
        return self.starts_on <= on and (self.ends_on is None or on <= self.ends_on)


class Lot(TimeStampedModel):
    """One part of a framework: a kind of placement for an age range, from one date to another."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveSmallIntegerField(help_text="The lot's number in the framework.")
    name = models.CharField(max_length=200)
    accommodation = models.CharField(
        "kind of placement", max_length=12, choices=Accommodation.choices
    )
    min_age = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(25)])
    max_age = models.PositiveSmallIntegerField(default=17, validators=[MaxValueValidator(25)])
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["framework", "number"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "number"], name="lot_number_unique"),
            models.CheckConstraint(condition=Q(max_age__gte=F("min_age")), name="lot_ages_order"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="lot_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"Lot {self.number}: {self.name}"


class Membership(TimeStampedModel):
    """A setting on a lot: since when, and whether it is still on it."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        LEFT = "left", "Left"

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="memberships")
    setting = models.ForeignKey(
        "providers.Setting", on_delete=models.PROTECT, related_name="memberships"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    joined_on = models.DateField()
    status_changed_on = models.DateField(
        null=True, blank=True, help_text="When it was suspended or left."
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["lot", "setting__name"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "setting"], name="membership_once_per_lot"),
            models.CheckConstraint(
                condition=Q(status__in=["active", "suspended", "left"]),
                name="membership_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="active") | Q(status_changed_on__isnull=False),
                name="membership_change_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.setting_id} on {self.lot}"


class Rate(TimeStampedModel):
    """The weekly price a member tendered for one need level on its lot, and what it includes."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="rates")
    need_level = models.CharField(max_length=12, choices=NeedLevel.choices)
    weekly_rate = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(MIN_WEEKLY_RATE), MaxValueValidator(MAX_WEEKLY_RATE)],
    )
    includes = ArrayField(
        models.CharField(max_length=12, choices=RateIncludes.choices), default=list, blank=True
    )
    solo_premium = models.DecimalField(
        "solo premium (a week)",
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_WEEKLY_RATE)],
        help_text="Added to the weekly rate when the child must live alone.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["membership", "need_level"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "need_level"], name="rate_once_per_need_level"
            ),
            models.CheckConstraint(
                condition=Q(weekly_rate__gte=MIN_WEEKLY_RATE, weekly_rate__lte=MAX_WEEKLY_RATE),
                name="rate_weekly_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_need_level_display()} at {self.weekly_rate}"


class FrameworkImport(TimeStampedModel):
    """One upload of a framework's members and rates: the rows as read and checked, kept until the
    hub admin confirms (then saved in one transaction) or cancels (then the rows are dropped)."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Previewed (nothing saved)"
        COMMITTED = "committed", "Imported"
        CANCELLED = "cancelled", "Cancelled (nothing saved)"

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="imports")
    source = models.CharField(max_length=255, help_text="The uploaded file's name.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    rows = models.JSONField(
        default=list, blank=True, help_text="Each row's values as read, problems and what it does."
    )
    summary = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["previewed", "committed", "cancelled"]),
                name="framework_import_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Import {self.pk} into {self.framework_id} ({self.get_status_display()})"
