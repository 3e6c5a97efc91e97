from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.utils import timezone
from simple_history.models import HistoricalRecords

from common.models import TimeStampedModel
from geo.names import local_authority_name
from geo.successions import Basis
from providers import ofsted

ProvisionType = models.TextChoices(  # type: ignore[misc,call-overload]
    "ProvisionType", [(p.name, (p.value, p.label)) for p in ofsted.ProvisionType]
)
Judgement = models.TextChoices(  # type: ignore[misc,call-overload]
    "Judgement", [(j.name, (j.value, j.label)) for j in ofsted.Judgement]
)
JudgementScale = models.TextChoices(  # type: ignore[misc,call-overload]
    "JudgementScale", [(j.name, (j.value, j.label)) for j in ofsted.JudgementScale]
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


class Accommodation(models.TextChoices):
    """The Placements Data Standard's kinds of placement (foster / residential / supported
    accommodation), the Ofsted provision types each is found in below. Matching, frameworks' lots
    and benchmarks all group settings by it."""

    FOSTER = "foster", "Foster care"
    RESIDENTIAL = "residential", "Children's home"
    SUPPORTED = "supported", "Supported accommodation (16 and 17)"


# Which Ofsted provision types each kind of accommodation is found in. Secure children's homes
# are left out on purpose: a secure placement is made under a secure order through the national
# Secure Welfare Coordination Unit, not by open search.
ACCOMMODATION_PROVISION_TYPES: dict[str, tuple[str, ...]] = {
    Accommodation.FOSTER: ("independent_fostering_agency",),
    Accommodation.RESIDENTIAL: ("childrens_home", "residential_special_school_childrens_home"),
    Accommodation.SUPPORTED: ("supported_accommodation",),
}

FOSTERING_PROVISION_TYPES = ACCOMMODATION_PROVISION_TYPES[Accommodation.FOSTER]


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


PROVISION_TYPE_LABELS: dict[str, str] = dict(ProvisionType.choices)


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
    # Which scale the judgements above are on (one inspection, one scale): see ofsted.Judgement.
    judgement_scale = models.CharField(max_length=25, choices=JudgementScale.choices, blank=True)
    # How local_authority was told from the list's name (geo/successions.py): by the name, or
    # through a predecessor's successor; "to_assign" leaves it for the hub to say.
    local_authority_basis = models.CharField(
        max_length=16, choices=Basis.choices, default=Basis.NAME
    )
    local_authority_note = models.CharField(max_length=255, blank=True)

    last_import = models.ForeignKey(
        OfstedImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The organisation in this service that runs it, once a hub admin approved its claim.
    provider_organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="settings",
    )
    # Since when it has run it here (approval or transfer): what the setting's facts recorded
    # before, under another organisation, is not shown to this one. None for an older approval.
    provider_since = models.DateTimeField(null=True, blank=True)
    location_from_provider = models.BooleanField(
        default=False, help_text="The provider set the address; Ofsted's list no longer does."
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
        # A dict, not get_provision_type_display(): that hashes the whole choices list on every
        # call, a sixth of a national search's time when thousands of settings are named.
        return self.name or f"{PROVISION_TYPE_LABELS.get(self.provision_type, '')} {self.urn}"

    def judgement_words(self, field_name: str) -> str:
        """A judgement as Ofsted worded it on its scale, saying when the scale is an older one:
        "Adequate (older scale)". "" when there is none."""
        value = getattr(self, field_name)
        return ofsted.Judgement(value).shown(self.judgement_scale or None) if value else ""

    # Django's generated get_FOO_display would give the current scale's words for every scale.
    def get_overall_effectiveness_display(self) -> str:  # type: ignore[no-redef]
        return self.judgement_words("overall_effectiveness")

    def get_help_and_protection_display(self) -> str:  # type: ignore[no-redef]
        return self.judgement_words("help_and_protection")

    def get_leadership_and_management_display(self) -> str:  # type: ignore[no-redef]
        return self.judgement_words("leadership_and_management")

    def get_outcomes_in_education_display(self) -> str:  # type: ignore[no-redef]
        return self.judgement_words("outcomes_in_education")

    def get_health_services_display(self) -> str:  # type: ignore[no-redef]
        return self.judgement_words("health_services")

    @property
    def judgement_scale_note(self) -> str:
        """ "Judged on an older Ofsted scale (before April 2017)", or "" on the current one."""
        if not self.judgement_scale or ofsted.JudgementScale(self.judgement_scale).is_current:
            return ""
        return f"Judged on {ofsted.JudgementScale(self.judgement_scale).label}"

    @property
    def local_authority_label(self) -> str:
        """The local authority it is in, as shown everywhere ("" when not known)."""
        return local_authority_name(self.local_authority, self.local_authority_name)

    @property
    def location_is_private(self) -> bool:
        return self.provision_type in PRIVATE_LOCATION_TYPES

    @property
    def postcode_district(self) -> str:
        return self.postcode.split(" ")[0] if self.postcode else ""

    @property
    def ofsted_url(self) -> str:
        return f"https://reports.ofsted.gov.uk/provider/44/{self.urn}"


# What each judgement is about, as a setting's History says it. The overall judgement has been
# "overall experiences and progress of children and young people" since the 2017 framework.
JUDGEMENT_AREA_LABELS = {
    "overall_effectiveness": "overall experiences and progress",
    "help_and_protection": "help and protection",
    "leadership_and_management": "leadership and management",
    "outcomes_in_education": "outcomes in education",
    "health_services": "health services",
    "supported_accommodation_outcome": "supported accommodation outcome",
}


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
    # When it happened in Ofsted's terms, not when it was imported: the list's "as at" date, the
    # new inspection's date for a judgement, the registration date for a registration. Null for
    # events from a list whose date could not be told (then created_at stands in).
    occurred_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.setting.urn}: {self.get_kind_display()}"

    @property
    def happened_on(self) -> dt.date:
        """When it happened in Ofsted's terms, or failing that the day it was imported."""
        return self.occurred_on or timezone.localdate(self.created_at)

    @property
    def timeline_text(self) -> str:
        """What happened, in a line of the setting's History ("Judged Good → Inadequate (help and
        protection)"). Only what the setting page shows anyway: never an address."""
        area = JUDGEMENT_AREA_LABELS.get(self.field, self.field.replace("_", " "))
        match self.kind:
            case self.Kind.JUDGEMENT_IMPROVED | self.Kind.JUDGEMENT_DECLINED:
                return f"Judged {self.old_value} → {self.new_value} ({area})"
            case self.Kind.JUDGEMENT_FIRST:
                return f"First judged {self.new_value} ({area})"
            case self.Kind.PLACES_CHANGED:
                return f"Places {self.old_value or 'not stated'} → {self.new_value or 'not stated'}"
            case self.Kind.OWNER_CHANGED:
                return f"Owner {self.old_value} → {self.new_value}"
            case self.Kind.REOPENED:
                return "Back on Ofsted's register"
        return str(self.get_kind_display())


# What providers say about their own settings (issue: providers keep their own facts true) ----


class Capability(models.TextChoices):
    """How a setting stands towards one risk or need (Placements Data Standard v2)."""

    CAN_MEET = "can_meet", "Can meet"
    WILL_CONSIDER = "will_consider", "Will consider"
    CANNOT_MEET = "cannot_meet", "Cannot meet"


class Risk(models.TextChoices):
    """The standard's risk flags."""

    SELF_HARM = "self_harm", "Self-harm"
    SEXUAL_EXPLOITATION = "sexual_exploitation", "Child sexual exploitation"
    CRIMINAL_EXPLOITATION = "criminal_exploitation", "Child criminal exploitation"
    DRUGS_AND_ALCOHOL = "drugs_and_alcohol", "Drugs and alcohol"
    EATING_DISORDER = "eating_disorder", "Eating disorder"
    GOING_MISSING = "going_missing", "Going missing"
    PHYSICAL_HARM_TO_OTHERS = "physical_harm_to_others", "Physical harm to others"
    SEXUAL_HARM_TO_OTHERS = "sexual_harm_to_others", "Sexual harm to others"
    FIRE_SETTING = "fire_setting", "Fire-setting"
    HARM_TO_ANIMALS = "harm_to_animals", "Harm to animals"
    CRIMINAL_EXPLOITATION_OF_OTHERS = (
        "criminal_exploitation_of_others",
        ("Criminal exploitation of others"),
    )


class Need(models.TextChoices):
    AUTISM = "autism", "Autism"
    LEARNING_DISABILITY = "learning_disability", "Learning disability"
    MENTAL_HEALTH = "mental_health", "Mental health"
    PHYSICAL_DISABILITY = "physical_disability", "Physical disability"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse"
    PARENTING = "parenting", "Parenting"


class Sex(models.TextChoices):
    FEMALE = "female", "Girls"
    MALE = "male", "Boys"


class PlacementKind(models.TextChoices):
    EMERGENCY = "emergency", "Emergency"
    PLANNED = "planned", "Planned"
    SHORT_BREAK = "short_break", "Short break"
    PARENT_AND_CHILD = "parent_and_child", "Parent and child"


class LivingAlongside(models.TextChoices):
    """Who a child can live alongside (the standard's 'can live with other children')."""

    SOLO_ONLY = "solo_only", "Solo placements only"
    WITH_OTHERS = "with_others", "With other children"
    ONLY_OLDER = "only_older", "Only with older children"
    ONLY_YOUNGER = "only_younger", "Only with younger children"


class Communication(models.TextChoices):
    BSL = "bsl", "British Sign Language"
    MAKATON = "makaton", "Makaton"
    ESOL = "esol", "English as a second language"


class SettingClaim(TimeStampedModel):
    """A provider organisation saying "we run this setting"; a hub admin approves or rejects it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        # It was approved; then a hub admin moved the setting to another organisation.
        ENDED = "ended", "Moved to another provider"

    setting = models.ForeignKey(Setting, on_delete=models.CASCADE, related_name="claims")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="setting_claims"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    # An approval that took the setting from another organisation on the service: whose it was
    # and the hub admin's reason (required; also in the audit log).
    transferred_from = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    transfer_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(transferred_from__isnull=True) | ~models.Q(transfer_reason=""),
                name="setting_claim_transfer_has_reason",
            ),
            models.UniqueConstraint(
                fields=["setting"],
                condition=models.Q(status="approved"),
                name="setting_claim_one_approved",
            ),
            models.UniqueConstraint(
                fields=["setting", "organisation"],
                condition=models.Q(status="pending"),
                name="setting_claim_one_pending_per_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} claims {self.setting.urn} ({self.status})"


class Eligibility(TimeStampedModel):
    """Who a setting can care for, in the provider's words. One per setting; history kept."""

    setting = models.OneToOneField(Setting, on_delete=models.CASCADE, related_name="eligibility")
    min_age = models.PositiveSmallIntegerField(default=0)
    max_age = models.PositiveSmallIntegerField(default=17)
    sexes = ArrayField(models.CharField(max_length=10, choices=Sex.choices), default=list)
    placement_kinds = ArrayField(
        models.CharField(max_length=20, choices=PlacementKind.choices), default=list
    )
    minimum_notice_days = models.PositiveSmallIntegerField(default=0)
    living_alongside = models.CharField(
        max_length=20, choices=LivingAlongside.choices, default=LivingAlongside.WITH_OTHERS
    )
    accepts_pets = models.BooleanField(default=False)
    can_meet_deprivation_of_liberty = models.BooleanField(default=False)
    communication = ArrayField(
        models.CharField(max_length=10, choices=Communication.choices), default=list, blank=True
    )
    adapted_for_physical_disability = models.BooleanField(default=False)
    # {risk code: capability}; a risk not listed has not been stated (treated as "will consider"
    # by nobody: search shows it as unknown).
    risks = models.JSONField(default=dict, blank=True)
    needs = models.JSONField(default=dict, blank=True)
    what_we_offer = models.TextField(blank=True)
    therapeutic_support = models.TextField(blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "eligibility"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_age__lte=models.F("max_age")), name="eligibility_age_range"
            ),
            models.CheckConstraint(condition=models.Q(max_age__lte=25), name="eligibility_max_age"),
        ]

    def __str__(self) -> str:
        return f"Eligibility of {self.setting.urn}"

    @property
    def sexes_display(self) -> str:
        return " and ".join(Sex(code).label.lower() for code in self.sexes) or "Not stated"

    @property
    def placement_kinds_display(self) -> str:
        labels = [PlacementKind(code).label.lower() for code in self.placement_kinds]
        return (", ".join(labels) or "not stated").capitalize()


SEX_ORDER = (Sex.FEMALE.value, Sex.MALE.value)


def sexes_words(codes: Any) -> str:
    """'girls', 'boys' or 'girls and boys', in a fixed order."""
    return " and ".join(Sex(code).label.lower() for code in SEX_ORDER if code in codes)


def vacancy_restriction_words(
    *, sexes: Any, min_age: int | None, max_age: int | None, solo_only: bool
) -> list[str]:
    """A vacancy's structured restrictions in words, e.g. ["For girls only", "Ages 13 to 16",
    "The only child placed"]; empty when it has none."""
    words: list[str] = []
    if sexes and set(sexes) != set(SEX_ORDER):
        words.append(f"For {sexes_words(sexes)} only")
    if min_age is not None and max_age is not None:
        words.append(f"Ages {min_age} to {max_age}" if min_age != max_age else f"Age {min_age}")
    elif min_age is not None:
        words.append(f"Aged {min_age} or over")
    elif max_age is not None:
        words.append(f"Aged {max_age} or under")
    if solo_only:
        words.append("The only child placed")
    return words


class Vacancy(TimeStampedModel):
    """A setting's current vacancy statement, as last confirmed by the provider. History kept.

    It is "stale" after settings.VACANCY_STALE_DAYS and leaves search after
    settings.VACANCY_EXPIRE_DAYS unless someone confirms it again.
    """

    setting = models.OneToOneField(Setting, on_delete=models.CASCADE, related_name="vacancy")
    places = models.PositiveSmallIntegerField(default=0)
    # "Start from": the day the place is free; empty means now.
    available_from = models.DateField(null=True, blank=True)
    # Structured restrictions, which matching applies (docs/matching.md). Each narrows the
    # setting's own criteria for this place only; empty means "as the criteria say".
    sexes = ArrayField(
        models.CharField(max_length=10, choices=Sex.choices),
        default=list,
        blank=True,
        help_text="Only these sexes for this place (empty: any the criteria admit).",
    )
    min_age = models.PositiveSmallIntegerField(null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(null=True, blank=True)
    solo_only = models.BooleanField(
        default=False, help_text="The child placed here must be the only child placed."
    )
    # Anything else, in the provider's words: shown to officers, not applied by matching.
    restriction = models.CharField(
        max_length=255, blank=True, help_text="For example: no one who sets fires, because of…"
    )
    confirmed_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "vacancies"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_age__isnull=True)
                | models.Q(max_age__isnull=True)
                | models.Q(min_age__lte=models.F("max_age")),
                name="vacancy_age_range",
            ),
            models.CheckConstraint(
                condition=models.Q(max_age__isnull=True) | models.Q(max_age__lte=25),
                name="vacancy_max_age",
            ),
            models.CheckConstraint(
                condition=models.Q(sexes__contained_by=["female", "male"]),
                name="vacancy_sexes_valid",
            ),
            # No places, nothing to restrict: a withdrawn vacancy carries no restrictions.
            models.CheckConstraint(
                condition=models.Q(places__gt=0)
                | models.Q(sexes=[], min_age__isnull=True, max_age__isnull=True, solo_only=False),
                name="vacancy_restrictions_need_places",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.places} place(s) at {self.setting.urn}"

    @property
    def restrictions(self) -> list[str]:
        """The structured restrictions in words, then the provider's own text."""
        words = vacancy_restriction_words(
            sexes=self.sexes, min_age=self.min_age, max_age=self.max_age, solo_only=self.solo_only
        )
        return [*words, self.restriction] if self.restriction else words

    @property
    def restrictions_display(self) -> str:
        return "; ".join(self.restrictions)


class CarerHousehold(TimeStampedModel):
    """An IFA's fostering household, anonymous: where (district only), whom and how many.

    Never a carer's name, address or exact location.
    """

    setting = models.ForeignKey(Setting, on_delete=models.CASCADE, related_name="households")
    reference = models.CharField(
        max_length=20, help_text="The agency's own reference, e.g. H-014. Not a name."
    )
    postcode_district = models.CharField(max_length=4)
    min_age = models.PositiveSmallIntegerField(default=0)
    max_age = models.PositiveSmallIntegerField(default=17)
    needs = ArrayField(
        models.CharField(max_length=30, choices=Need.choices), default=list, blank=True
    )
    languages = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    places_now = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["setting", "reference"], name="household_reference_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(postcode_district__regex=r"^[A-Z]{1,2}[0-9][A-Z0-9]?$"),
                name="household_district_format",
            ),
            models.CheckConstraint(
                condition=models.Q(min_age__lte=models.F("max_age")), name="household_age_range"
            ),
        ]

    def __str__(self) -> str:
        return f"Household {self.reference} ({self.postcode_district})"


class LocationView(models.Model):
    """Someone outside the provider saw a private-location setting's exact address. Never edited."""

    setting = models.ForeignKey(Setting, on_delete=models.CASCADE, related_name="location_views")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} saw {self.setting.urn} at {self.created_at:%Y-%m-%d %H:%M}"


class ApiToken(TimeStampedModel):
    """A provider organisation's key for its own systems. Only a hash is stored."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What uses it, e.g. 'Our care system'.")
    key_prefix = models.CharField(max_length=8, help_text="First characters, to recognise it.")
    key_sha256 = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"
