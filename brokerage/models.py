from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from common.models import TimeStampedModel


class ServiceIncluded(models.TextChoices):
    """What a weekly price covers (an offer, and the placement agreed)."""

    CORE = "core", "Core care"
    EDUCATION = "education", "Education"
    THERAPY = "therapy", "Therapy"
    TRANSPORT = "transport", "Transport"
    OTHER = "other", "Other"


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

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organisation(TimeStampedModel):
    class Kind(models.TextChoices):
        HUB = "hub", "Regional hub"
        LOCAL_AUTHORITY = "la", "Local authority"
        PROVIDER = "provider", "Provider"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="organisations")
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

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["hub", "la", "provider"]),
                name="organisation_kind_valid",
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


class Role(models.TextChoices):
    HUB_ADMIN = "hub_admin", "Hub admin"
    LA_MANAGER = "la_manager", "LA manager"
    PLACEMENT_OFFICER = "placement_officer", "Placement officer"
    PROVIDER_ADMIN = "provider_admin", "Provider admin"
    PROVIDER_USER = "provider_user", "Provider user"


ROLES_BY_ORGANISATION_KIND: dict[str, tuple[Role, ...]] = {
    Organisation.Kind.HUB: (Role.HUB_ADMIN,),
    Organisation.Kind.LOCAL_AUTHORITY: (Role.LA_MANAGER, Role.PLACEMENT_OFFICER),
    Organisation.Kind.PROVIDER: (Role.PROVIDER_ADMIN, Role.PROVIDER_USER),
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
        """The region of the user's organisation. Only for users who have one."""
        if self.organisation is None:
            raise ValueError(f"{self.email} belongs to no organisation")
        return self.organisation.region

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

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=40, choices=Action.choices)
    organisation = models.ForeignKey(
        Organisation, null=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    target_user = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.created_at:%Y-%m-%d %H:%M}"


# Referrals: one placement request sent to the settings an officer chose ---------------------------


class Referral(TimeStampedModel):
    """One child's placement request sent to one setting, chosen from a search's results.

    It carries what the provider needs to answer (the pseudonymous profile, the places that matter
    as postcode districts and journey times, never addresses) as it was when sent, so a later
    change to the request does not rewrite what a provider was asked. The provider's answer is
    kept on the referral itself: one answer per referral.
    """

    class Status(models.TextChoices):
        SENT = "sent", "Waiting for an answer"
        INTERESTED = "interested", "Interested"
        NOT_ABLE = "not_able", "Not able"
        EXPIRED = "expired", "No answer by the deadline"
        PLACED = "placed", "Placement agreed here"
        FILLED = "filled", "Place filled elsewhere"

    class NotAbleReason(models.TextChoices):
        NO_VACANCY = "no_vacancy", "No vacancy"
        CANNOT_MEET_NEEDS = "cannot_meet_needs", "Cannot meet the child's needs"
        MATCHING = "matching", "Matching with the children already there"
        LOCATION = "location", "Location"
        OTHER = "other", "Other"

    OPEN_STATUSES = (Status.SENT, Status.INTERESTED)

    request = models.ForeignKey(
        "placements.PlacementRequest", on_delete=models.PROTECT, related_name="referrals"
    )
    setting = models.ForeignKey(
        "providers.Setting", on_delete=models.PROTECT, related_name="referrals"
    )
    provider = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="received_referrals",
        help_text="The organisation that ran the setting when the referral was sent.",
    )
    search = models.ForeignKey(
        "placements.PlacementSearch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
    sent_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField()
    deadline = models.DateTimeField(help_text="When the provider should answer by.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SENT)
    # Sent although the setting's stated criteria exclude the child: what excluded it, and why
    # the officer sent it anyway (reported).
    exclusions = models.JSONField(default=list, blank=True)
    override_reason = models.TextField(blank=True)
    profile = models.JSONField(help_text="The child's pseudonymous profile, as sent.")
    places = models.JSONField(
        default=list, help_text="Places that matter as postcode districts and journey times."
    )
    note = models.TextField(blank=True, help_text="What is needed, in the officer's words.")

    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    weekly_price = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)
    price_includes = ArrayField(
        models.CharField(max_length=12, choices=ServiceIncluded.choices), default=list, blank=True
    )
    price_details = models.CharField(max_length=500, blank=True)
    not_able_reason = models.CharField(max_length=20, choices=NotAbleReason.choices, blank=True)
    answer_note = models.TextField(blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "setting"], name="referral_one_per_setting_per_request"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["sent", "interested", "not_able", "expired", "placed", "filled"]
                ),
                name="referral_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(weekly_price__isnull=True) | models.Q(weekly_price__gt=0),
                name="referral_price_positive",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="interested")
                | models.Q(weekly_price__isnull=False, start_date__isnull=False),
                name="referral_interested_has_offer",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="not_able") | ~models.Q(not_able_reason=""),
                name="referral_not_able_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(exclusions=[]) | ~models.Q(override_reason=""),
                name="referral_override_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return f"Referral {self.pk} to {self.setting_id}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def child_summary(self) -> str:
        """ "A 14-year-old girl": all a notification says about who the child is."""
        sex = {"female": "girl", "male": "boy"}.get(self.profile.get("sex", ""), "child")
        return f"A {self.profile.get('age')}-year-old {sex}"

    @property
    def needs_summary(self) -> str:
        """The risks and needs present, in words ("None stated" when none)."""
        from providers.models import Need, Risk

        labels = dict(Risk.choices) | dict(Need.choices)
        codes = [*self.profile.get("risks", []), *self.profile.get("needs", [])]
        return ", ".join(str(labels.get(code, code)) for code in codes) or "None stated"

    @property
    def kind_summary(self) -> str:
        from placements.models import Accommodation, Urgency

        kinds = dict(Accommodation.choices)
        wanted = " or ".join(
            str(kinds.get(k, k)).lower() for k in self.profile.get("accommodation", [])
        )
        urgency = dict(Urgency.choices).get(self.profile.get("urgency", ""), "")
        return f"{wanted}, needed {str(urgency).lower()}" if urgency else wanted


class ReferralMessage(TimeStampedModel):
    """A question or an answer to one, between the provider and the officer, on one referral."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    from_provider = models.BooleanField()
    body = models.TextField(max_length=2000)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Message on referral {self.referral_id}"


class Notification(TimeStampedModel):
    """The outbox: an email to send, written in the same transaction as the change it is about.

    A Celery task sends it after the transaction commits, and a beat sweep sends whatever is still
    unsent (Redis or the worker was down), so a notification is never sent for a change that did
    not happen and never lost. `key` makes queuing idempotent: the same event for the same person
    is queued once, however often a job runs.
    """

    class Kind(models.TextChoices):
        REFERRAL_RECEIVED = "referral_received", "New referral"
        REMINDER = "reminder", "Reminder: answer due"
        EXPIRED = "expired", "Deadline passed"
        ANSWERED = "answered", "Provider answered"
        MESSAGE = "message", "New message"
        FILLED = "filled", "Place filled"
        PLACED = "placed", "Placement agreed"
        SETTING_TRANSFERRED = "setting_transferred", "Setting moved to another provider"

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=150, unique=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    for_digest = models.BooleanField(
        default=False, help_text="Held for the recipient's daily digest rather than sent alone."
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(sent_at__isnull=True),
                name="notification_unsent_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient_id}"


class NotificationPreference(TimeStampedModel):
    """Which of their organisation's settings a provider user hears about, and how.

    No row: every setting, one email each. Chosen settings only when `all_settings` is false.
    """

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="notification_preference"
    )
    all_settings = models.BooleanField(default=True)
    settings = models.ManyToManyField("providers.Setting", blank=True, related_name="+")
    daily_digest = models.BooleanField(
        default=False, help_text="One email a day listing new referrals, instead of one each."
    )

    def __str__(self) -> str:
        return f"Notification preference of {self.user_id}"


class OffServiceEnquiry(TimeStampedModel):
    """An officer asked a setting whose provider is not on this service about one request,
    outside it (by phone or email), and what they said. It cannot be sent a referral here, but
    the enquiry is still demand evidence: who was asked, how, and with what result.

    Nothing about the child is kept here beyond the request it belongs to (no name; the note's
    hint says so).
    """

    class Method(models.TextChoices):
        PHONE = "phone", "Phone"
        EMAIL = "email", "Email"
        OTHER = "other", "Other"

    class Result(models.TextChoices):
        INTERESTED = "interested", "Interested"
        NOT_ABLE = "not_able", "Not able"
        NO_ANSWER = "no_answer", "No answer"

    NOTE_MAX_LENGTH = 1000

    request = models.ForeignKey(
        "placements.PlacementRequest",
        on_delete=models.PROTECT,
        related_name="off_service_enquiries",
    )
    setting = models.ForeignKey(
        "providers.Setting", on_delete=models.PROTECT, related_name="off_service_enquiries"
    )
    made_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    contacted_on = models.DateField(help_text="The day the officer contacted them.")
    method = models.CharField(max_length=10, choices=Method.choices)
    result = models.CharField(max_length=12, choices=Result.choices)
    note = models.TextField(blank=True, max_length=NOTE_MAX_LENGTH)

    class Meta:
        ordering = ["contacted_on", "created_at", "id"]
        verbose_name_plural = "off-service enquiries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(method__in=["phone", "email", "other"]),
                name="off_service_enquiry_method_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(result__in=["interested", "not_able", "no_answer"]),
                name="off_service_enquiry_result_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Enquiry {self.pk} to {self.setting_id} ({self.result})"
