from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.gis.db.models import MultiPolygonField
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from common.models import TimeStampedModel


class Region(TimeStampedModel):
    """A regional hub (a regional care co-operative) and the local authorities that belong to it."""

    name = models.CharField(max_length=200, unique=True)
    area = models.ForeignKey(
        "geo.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The ONS region this hub covers, when it matches one.",
    )
    # "In the region" is the union of the current member LAs' boundaries, whatever ONS regions
    # they lie in (a co-operative may span two). Kept as one geometry so a search need not union
    # them each time; accounts.services.region_boundary_refresh rewrites it whenever membership
    # or a member's boundary changes. Null when no member has a boundary loaded.
    boundary = MultiPolygonField(
        srid=4326,
        null=True,
        blank=True,
        editable=False,
        help_text="The union of the current member local authorities' boundaries.",
    )
    # When `boundary` was computed: a member LA (or its area) changed since means it is stale, so
    # a boundary import or an edit in the admin is picked up without geo knowing about regions.
    boundary_computed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # How much being on one of the region's current frameworks counts in a search's score, beside
    # the other parts' 100 (placements/matching.py, docs/matching.md). 0 turns it off.
    framework_weight = models.PositiveSmallIntegerField(
        "weight of framework membership in the search's score",
        default=10,
        validators=[MaxValueValidator(100)],
        help_text="Points beside the other parts' 100 (the score is scaled back to 100). "
        "0: membership does not count.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organisation(TimeStampedModel):
    """A hub or a local authority belongs to one region. A provider organisation is national: it
    takes part in any number of regions (`regions`, through RegionProvider), and what is its own
    (claims, criteria, vacancies) is the same in all of them. The national operator (the
    deployment's owner) belongs to none: it keeps the national data and creates the hubs."""

    class Kind(models.TextChoices):
        HUB = "hub", "Regional hub"
        LOCAL_AUTHORITY = "la", "Local authority"
        PROVIDER = "provider", "Provider"
        OPERATOR = "operator", "National operator"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=200)
    # A hub's or a local authority's region; empty for a provider and for the operator.
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="organisations"
    )
    # The regions a provider organisation takes part in (its referrals, frameworks, prices and
    # insight stay inside each region that made them).
    regions = models.ManyToManyField(
        Region, through="RegionProvider", related_name="providers", blank=True
    )
    area = models.ForeignKey(
        "geo.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
        help_text="For a local authority: its upper-tier area (GSS code and boundary).",
    )
    gss_code = models.CharField("GSS code", max_length=9, blank=True, default="")
    # A local authority stops being a member when the hub removes it; its history stays.
    member_until = models.DateTimeField(null=True, blank=True)
    # A local authority's LA manager may let the region's hub see its placement prices under its
    # own name on the price benchmarks; otherwise the hub sees it as "LA 1", "LA 2"...
    shares_prices_by_name = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["hub", "la", "provider", "operator"]),
                name="organisation_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["hub", "la"], region__isnull=False)
                | models.Q(kind__in=["provider", "operator"], region__isnull=True),
                name="organisation_region_only_for_hub_and_la",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(kind="operator"),
                name="organisation_one_operator",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="la") | models.Q(gss_code__regex=r"^E[0-9]{8}$"),
                name="organisation_la_has_gss_code",
            ),
            models.UniqueConstraint(
                fields=["region", "gss_code"],
                condition=models.Q(kind="la"),
                name="organisation_la_unique_in_region",
            ),
            models.UniqueConstraint(
                fields=["region"],
                condition=models.Q(kind="hub"),
                name="organisation_one_hub_per_region",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_member(self) -> bool:
        return self.member_until is None

    @property
    def own_region(self) -> Region:
        """The region of a hub or a local authority (a provider or the operator has none)."""
        if self.region is None:
            raise ValueError(f"{self.name} ({self.get_kind_display()}) belongs to no one region")
        return self.region

    @property
    def own_region_id(self) -> int:
        return self.own_region.pk


class RegionProvider(models.Model):
    """A provider organisation takes part in a region: the hub added it, or invited it from one
    of the region's settings. Leaving a region keeps the history."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="region_links"
    )
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        "User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["region", "organisation"], name="region_provider_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} in {self.region}"


class Role(models.TextChoices):
    HUB_ADMIN = "hub_admin", "Hub admin"
    LA_MANAGER = "la_manager", "LA manager"
    PLACEMENT_OFFICER = "placement_officer", "Placement officer"
    PROVIDER_ADMIN = "provider_admin", "Provider admin"
    PROVIDER_USER = "provider_user", "Provider user"
    NATIONAL_OPERATOR = "operator", "National operator"


ROLES_BY_ORGANISATION_KIND: dict[str, tuple[Role, ...]] = {
    Organisation.Kind.HUB: (Role.HUB_ADMIN,),
    Organisation.Kind.LOCAL_AUTHORITY: (Role.LA_MANAGER, Role.PLACEMENT_OFFICER),
    Organisation.Kind.PROVIDER: (Role.PROVIDER_ADMIN, Role.PROVIDER_USER),
    Organisation.Kind.OPERATOR: (Role.NATIONAL_OPERATOR,),
}


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: object) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin, TimeStampedModel):
    """A person who signs in. Belongs to one organisation and has one role in it.

    Superusers (for Django admin and operations) may have no organisation; every other user has one.
    """

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField(max_length=20, choices=Role.choices, blank=True, default="")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(is_superuser=True)
                | (models.Q(organisation__isnull=False) & ~models.Q(role="")),
                name="user_has_organisation_and_role",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["", *Role.values]), name="user_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    @property
    def region(self) -> Region:
        """The region of the user's hub or local authority. Only for users who have one: a
        provider's people and the operator's work across regions."""
        if self.organisation is None:
            raise ValueError(f"{self.email} belongs to no organisation")
        return self.organisation.own_region

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Invitation(TimeStampedModel):
    """An emailed, one-time link that lets a person set a password and join an organisation."""

    email = models.EmailField()
    full_name = models.CharField(max_length=200)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="invitations_sent"
    )
    # Random, stored only to be signed into the link: a link cannot be forged from the database
    # alone, and a new invitation to the same address makes the old link useless.
    nonce = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitation"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="invitation_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "Accepted"
        if self.revoked_at:
            return "Withdrawn"
        if self.expires_at <= timezone.now():
            return "Expired"
        return "Invited"


class AuditEvent(models.Model):
    """Who did what to whom, and when. Written by services; never edited."""

    class Action(models.TextChoices):
        HUB_CREATED = "hub_created", "Hub created"
        LA_ADDED = "la_added", "Local authority added"
        LA_REMOVED = "la_removed", "Local authority removed"
        PROVIDER_ADDED = "provider_added", "Provider organisation added"
        USER_INVITED = "user_invited", "User invited"
        INVITATION_ACCEPTED = "invitation_accepted", "Invitation accepted"
        USER_ROLE_CHANGED = "user_role_changed", "Role changed"
        USER_DEACTIVATED = "user_deactivated", "User deactivated"
        USER_REACTIVATED = "user_reactivated", "User reactivated"
        PASSWORD_RESET = "password_reset", "Password reset"
        PLACEMENT_REQUEST_CREATED = "placement_request_created", "Placement request created"
        PLACEMENT_REQUEST_CHANGED = "placement_request_changed", "Placement request changed"
        PLACEMENT_REQUEST_CLOSED = "placement_request_closed", "Placement request closed"
        REFERRAL_SENT = "referral_sent", "Referral sent"
        REFERRAL_OVERRIDE = "referral_override", "Referral sent despite the setting's criteria"
        REFERRAL_ANSWERED = "referral_answered", "Referral answered"
        PLACEMENT_DECIDED = "placement_decided", "Placement recorded"
        SETTING_TRANSFERRED = "setting_transferred", "Setting moved to another provider"
        OFF_SERVICE_ENQUIRY = (
            "off_service_enquiry",
            "Enquiry recorded with a provider not on the service",
        )
        PROVIDER_INVITED_FROM_SETTING = (
            "provider_invited_from_setting",
            "Provider invited from a setting",
        )
        PRICE_SHARING_CHANGED = (
            "price_sharing_changed",
            "Sharing prices by name with the region changed",
        )
        FRAMEWORK_WEIGHT_CHANGED = (
            "framework_weight_changed",
            "Weight of framework membership in the search's score changed",
        )
        # Issue 16: what a hub's audit trail must show that was not written before.
        ADDRESS_VIEWED = "address_viewed", "Exact address of a private setting seen"
        OFSTED_IMPORTED = "ofsted_imported", "Ofsted list imported"
        CLAIM_DECIDED = "claim_decided", "Claim to run a setting decided"
        DATA_EXPORTED = "data_exported", "Personal or price data downloaded"

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=40, choices=Action.choices)
    organisation = models.ForeignKey(
        Organisation, null=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    target_user = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    # The region whose hub admins read it in its audit trail; empty for the operator's national
    # work (a provider organisation is national, so its own organisation does not say).
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.created_at:%Y-%m-%d %H:%M}"
