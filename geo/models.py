from django.contrib.gis.db import models

from common.models import TimeStampedModel


class Area(TimeStampedModel):
    """An ONS statistical or administrative area, keyed by its GSS code (never by name)."""

    class Kind(models.TextChoices):
        REGION = "region", "Region"
        UPPER_TIER_LA = "utla", "Upper-tier local authority"
        LOWER_TIER_LA = "ltla", "Lower-tier local authority"

    gss_code = models.CharField("GSS code", max_length=9, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    boundary = models.MultiPolygonField(srid=4326)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(gss_code__regex=r"^[EWSN][0-9]{8}$"), name="area_gss_code_format"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["region", "utla", "ltla"]), name="area_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.gss_code})"
