from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models

from common.models import TimeStampedModel
from providers import ofsted

ProvisionType = models.TextChoices(  # type: ignore[misc,call-overload]
    "ProvisionType", [(p.name, (p.value, p.label)) for p in ofsted.ProvisionType]
)
Judgement = models.TextChoices(  # type: ignore[misc,call-overload]
    "Judgement", [(j.name, (j.value, j.label)) for j in ofsted.Judgement]
)
SupportedAccommodationOutcome = models.TextChoices(  # type: ignore[misc,call-overload]
    "SupportedAccommodationOutcome",
    [(o.name, (o.value, o.label)) for o in ofsted.SupportedAccommodationOutcome],
)

# Higher is better: how a change of judgement is told apart as improved or declined.
JUDGEMENT_RANK = {
    ofsted.Judgement.INADEQUATE: 1,
    ofsted.Judgement.REQUIRES_IMPROVEMENT: 2,
    ofsted.Judgement.GOOD: 3,
    ofsted.Judgement.OUTSTANDING: 4,
}
OUTCOME_RANK = {
    ofsted.SupportedAccommodationOutcome.SERIOUS_WEAKNESSES: 1,
    ofsted.SupportedAccommodationOutcome.INCONSISTENT: 2,
    ofsted.SupportedAccommodationOutcome.CONSISTENTLY_STRONG: 3,
}

# Ofsted withholds these settings' addresses; so does this service (PRODUCT.md, privacy).
PRIVATE_LOCATION_TYPES = frozenset(
    {
        ofsted.ProvisionType.CHILDRENS_HOME,
        ofsted.ProvisionType.SECURE_CHILDRENS_HOME,
        ofsted.ProvisionType.RESIDENTIAL_SPECIAL_SCHOOL_CHILDRENS_HOME,
        ofsted.ProvisionType.SUPPORTED_ACCOMMODATION,
        ofsted.ProvisionType.RESIDENTIAL_FAMILY_CENTRE,
    }
)


class OfstedImport(TimeStampedModel):
    """One run of the Ofsted import, previewed or committed: what it read and what it changed."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Previewed (nothing written)"
        COMMITTED = "committed", "Imported"
        SKIPPED = "skipped", "Skipped (file unchanged)"
        FAILED = "failed", "Failed"

    class Origin(models.TextChoices):
        COMMAND = "command", "Command line"
        UPLOAD = "upload", "Upload"
        SCHEDULE = "schedule", "Scheduled refresh"

    source = models.CharField(max_length=500, help_text="Path, URL or uploaded file name.")
    origin = models.CharField(max_length=10, choices=Origin.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    strict = models.BooleanField(default=False)
    content_sha256 = models.CharField(max_length=64, db_index=True)
    upload = models.FileField(upload_to="ofsted-imports/", blank=True)
    as_at = models.DateField(null=True, blank=True, help_text="The date the list describes.")
    summary = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    committed_at = models.DateTimeField(null=True, blank=True)
    digest_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["previewed", "committed", "skipped", "failed"]),
                name="ofsted_import_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Ofsted import {self.pk} ({self.get_status_display()})"


class Setting(TimeStampedModel):
    """A registered social care setting (children's home, fostering agency…), keyed by Ofsted URN.

    Address fields hold what Ofsted publishes, or what an unredacted list or the provider said;
    a redacted value in a later list never overwrites them. Whether they may be shown depends on
    the provision type (`location_is_private`).
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        CLOSED = "closed", "Closed"

    urn = models.CharField("URN", max_length=8, unique=True)
    provision_type = models.CharField(max_length=50, choices=ProvisionType.choices, db_index=True)
    name = models.CharField(max_length=255, blank=True)
    owner_name = models.CharField("owning organisation", max_length=255, blank=True)
    sector = models.CharField(max_length=50, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    registration_date = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    places = models.PositiveIntegerField(null=True, blank=True)
    short_break_only = models.BooleanField(null=True, blank=True)
    multi_building = models.BooleanField(null=True, blank=True)
    supported_accommodation_premises = models.PositiveIntegerField(null=True, blank=True)
    linked_education_urn = models.CharField(max_length=8, blank=True)

    local_authority_name = models.CharField(max_length=120, blank=True)
    local_authority = models.ForeignKey(
        "geo.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="settings"
    )
    ofsted_region = models.CharField(max_length=80, blank=True)
    parliamentary_constituency = models.CharField(max_length=120, blank=True)

    address_line_1 = models.CharField(max_length=255, blank=True)
    address_line_2 = models.CharField(max_length=255, blank=True)
    address_line_3 = models.CharField(max_length=255, blank=True)
    town = models.CharField(max_length=120, blank=True)
    county = models.CharField(max_length=120, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    location = models.PointField(srid=4326, null=True, blank=True)

    latest_inspection_type = models.CharField(max_length=80, blank=True)
    latest_inspection_date = models.DateField(null=True, blank=True)
    latest_inspection_published = models.DateField(null=True, blank=True)
    overall_effectiveness = models.CharField(max_length=25, choices=Judgement.choices, blank=True)
    help_and_protection = models.CharField(max_length=25, choices=Judgement.choices, blank=True)
    leadership_and_management = models.CharField(
        max_length=25, choices=Judgement.choices, blank=True
    )
    outcomes_in_education = models.CharField(max_length=25, choices=Judgement.choices, blank=True)
    health_services = models.CharField(max_length=25, choices=Judgement.choices, blank=True)
    supported_accommodation_outcome = models.CharField(
        max_length=25, choices=SupportedAccommodationOutcome.choices, blank=True
    )

    last_import = models.ForeignKey(
        OfstedImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "urn"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(urn__regex=r"^(SC[0-9]{6}|[0-9]{7})$"), name="setting_urn_format"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["active", "suspended", "closed"]),
                name="setting_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="closed") | models.Q(closed_at__isnull=False),
                name="setting_closed_has_date",
            ),
        ]
        indexes = [models.Index(fields=["status", "provision_type"])]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.urn})"

    @property
    def display_name(self) -> str:
        return self.name or f"{self.get_provision_type_display()} {self.urn}"

    @property
    def location_is_private(self) -> bool:
        return self.provision_type in PRIVATE_LOCATION_TYPES

    @property
    def postcode_district(self) -> str:
        return self.postcode.split(" ")[0] if self.postcode else ""

    @property
    def ofsted_url(self) -> str:
        return f"https://reports.ofsted.gov.uk/provider/44/{self.urn}"


class SettingEvent(models.Model):
    """A change Ofsted's list showed for a setting. Written by imports; never edited."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", "Registered"
        CLOSED = "closed", "Closed"
        REOPENED = "reopened", "Back on the register"
        SUSPENDED = "suspended", "Suspended"
        REINSTATED = "reinstated", "Suspension lifted"
        JUDGEMENT_IMPROVED = "judgement_improved", "Judgement improved"
        JUDGEMENT_DECLINED = "judgement_declined", "Judgement declined"
        JUDGEMENT_FIRST = "judgement_first", "First judgement"
        PLACES_CHANGED = "places_changed", "Places changed"
        OWNER_CHANGED = "owner_changed", "Owner changed"

    setting = models.ForeignKey(Setting, on_delete=models.CASCADE, related_name="events")
    ofsted_import = models.ForeignKey(
        OfstedImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    field = models.CharField(max_length=50, blank=True, help_text="Which judgement, for example.")
    old_value = models.CharField(max_length=255, blank=True)
    new_value = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.setting.urn}: {self.get_kind_display()}"

    @property
    def description(self) -> str:
        label = self.get_kind_display()
        if self.field:
            label = f"{label}: {self.field.replace('_', ' ')}"
        if self.old_value or self.new_value:
            return f"{label} ({self.old_value or 'none'} → {self.new_value or 'none'})"
        return label
