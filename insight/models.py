"""What the dashboards compare the region with. Everything else they show is worked out from the
service's own records (requests, searches, referrals, outcomes, settings) when asked."""

from __future__ import annotations

from django.db import models

from providers.models import Accommodation


class DistanceBand(models.TextChoices):
    """The DfE's bands of distance between a looked-after child's home and placement postcodes
    (straight line), split by whether the placement is inside the placing LA's boundary."""

    WITHIN_20 = "within_20", "20 miles or less"
    WITHIN_20_INSIDE = "within_20_inside", "20 miles or less, inside the LA"
    WITHIN_20_OUTSIDE = "within_20_outside", "20 miles or less, outside the LA"
    OVER_20 = "over_20", "Over 20 miles"
    OVER_20_INSIDE = "over_20_inside", "Over 20 miles, inside the LA"
    OVER_20_OUTSIDE = "over_20_outside", "Over 20 miles, outside the LA"
    NOT_KNOWN = "not_known", "Distance not known or not recorded"
    TOTAL = "total", "All"


class NationalDistance(models.Model):
    """One figure of the DfE's "Children looked after in England", children looked after on
    31 March by distance from home and locality of placement (England). Loaded by
    `load_national_distance` from the DfE's CSV, never typed in."""

    year = models.PositiveSmallIntegerField(help_text="The reporting year: 2024 is 31 March 2024.")
    group = models.CharField(max_length=120, help_text="The DfE's placement group, as published.")
    accommodation = models.CharField(
        max_length=20,
        choices=Accommodation.choices,
        blank=True,
        help_text="The kind of placement this service calls the group; empty for all children "
        "and the groups it has no kind for (adoption, with parents, other).",
    )
    band = models.CharField(max_length=20, choices=DistanceBand.choices)
    number = models.PositiveIntegerField(null=True, help_text="Empty where the DfE suppressed it.")
    percentage = models.PositiveSmallIntegerField(null=True)
    source = models.CharField(max_length=500)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "group", "band"]
        constraints = [
            models.UniqueConstraint(fields=["year", "group", "band"], name="national_distance_once")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.group}: {self.get_band_display()} {self.percentage}%"
