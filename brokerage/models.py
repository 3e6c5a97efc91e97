from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models

from accounts.models import Organisation, User
from commissioning.models import NeedLevel
from common.fields import ChoiceArrayField
from common.formats import labels, pounds
from common.models import TimeStampedModel
from placements.models import PlacementRequest


class ServiceIncluded(models.TextChoices):
    """What a weekly price covers (an offer, and the placement agreed)."""

    CORE = "core", "Core care"
    EDUCATION = "education", "Education"
    THERAPY = "therapy", "Therapy"
    TRANSPORT = "transport", "Transport"
    OTHER = "other", "Other"


# The most a week any offer or agreed placement may cost: anything above is a typing slip.
MAX_WEEKLY_PRICE = Decimal("100000")
# Prices are in pounds and pence, so the smallest price "above £0" is a penny.
ONE_PENNY = Decimal("0.01")


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
    weekly_price = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(ONE_PENNY, message="Enter a weekly price above £0"),
            MaxValueValidator(MAX_WEEKLY_PRICE, message="Enter a weekly price of £100,000 or less"),
        ],
    )
    start_date = models.DateField(null=True, blank=True)
    price_includes = ChoiceArrayField(
        models.CharField(max_length=12, choices=ServiceIncluded.choices),
        default=list,
        blank=True,
        error_messages={"invalid_choice": "Choose what the price includes from the list"},
    )
    price_details = models.CharField(max_length=500, blank=True)
    not_able_reason = models.CharField(
        max_length=20,
        choices=NotAbleReason.choices,
        blank=True,
        error_messages={"invalid_choice": "Choose why you are not able to offer a placement"},
    )
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

    def clean(self) -> None:
        """An answer is whole: an offer has a price, a start date and what the price includes; a
        "not able" has a reason, and "Other" says what it is."""
        errors: dict[str, str] = {}
        if self.status == self.Status.INTERESTED:
            if self.weekly_price is None:
                errors["weekly_price"] = "Enter the weekly price, like 4250"
            if self.start_date is None:
                errors["start_date"] = "Enter the date the placement could start"
            if not self.price_includes:
                errors["price_includes"] = "Say what the weekly price includes"
        elif self.status == self.Status.NOT_ABLE:
            if not self.not_able_reason:
                errors["not_able_reason"] = "Choose why you are not able to offer a placement"
            elif self.not_able_reason == self.NotAbleReason.OTHER and not self.answer_note.strip():
                errors["answer_note"] = "Say why you are not able to offer a placement"
        if errors:
            raise ValidationError(errors)

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

        codes = [*self.profile.get("risks", []), *self.profile.get("needs", [])]
        return labels(codes, (Risk, Need), "None stated")

    @property
    def kind_summary(self) -> str:
        from placements.models import Urgency
        from providers.models import Accommodation

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
    body = models.TextField(
        max_length=2000,
        validators=[
            MaxLengthValidator(2000, message="Your message must be 2,000 characters or fewer")
        ],
        error_messages={"blank": "Enter your message"},
    )

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
        SETTING_ALERT = "setting_alert", "Ofsted alert about a setting"

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


class SettingAlert(models.TextChoices):
    """What an Ofsted list can show about a setting that the people placing children there, and
    the provider running it, must hear about at once (brokerage.ofsted_alerts)."""

    SUSPENDED = "suspended", "Suspended"
    CLOSED = "closed", "Closed"
    INADEQUATE = "inadequate", "Judged inadequate, or serious or widespread weaknesses"
    REGISTRATION_CHANGED = (
        "registration_changed",
        "Registration changed: back on the register, suspension lifted or a new owner",
    )


# A few words for each, for a subject line or a summary ("suspended, closed").
ALERT_WORDS: dict[str, str] = {
    SettingAlert.SUSPENDED: "suspended",
    SettingAlert.CLOSED: "closed",
    SettingAlert.INADEQUATE: "judged inadequate",
    SettingAlert.REGISTRATION_CHANGED: "registration changed",
}


class NotificationPreference(TimeStampedModel):
    """Which emails a user chooses to get.

    Provider admins and users: which of their organisation's settings they hear about, and how.
    No row: every setting, one email each. Chosen settings only when `all_settings` is false.

    Everyone told about Ofsted's changes (provider people, placement officers and LA managers):
    which kinds of alert they get, one switch per `SettingAlert`, all on unless turned off. The
    switches live here rather than in a model of their own because they are the same kind of
    choice, made on the same page, one row per user; a placement officer's row simply leaves
    the referral choices at their defaults. Four booleans rather than a list of kinds, so a new
    row and every row that existed before the alerts mean "all on" without a data migration.
    """

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="notification_preference"
    )
    all_settings = models.BooleanField(default=True)
    settings = models.ManyToManyField("providers.Setting", blank=True, related_name="+")
    daily_digest = models.BooleanField(
        default=False, help_text="One email a day listing new referrals, instead of one each."
    )
    alert_suspended = models.BooleanField("alerts when a setting is suspended", default=True)
    alert_closed = models.BooleanField("alerts when a setting closes", default=True)
    alert_inadequate = models.BooleanField(
        "alerts when a setting is judged inadequate", default=True
    )
    alert_registration_changed = models.BooleanField(
        "alerts when a setting's registration changes", default=True
    )

    ALERT_FIELDS: ClassVar[dict[str, str]] = {
        SettingAlert.SUSPENDED: "alert_suspended",
        SettingAlert.CLOSED: "alert_closed",
        SettingAlert.INADEQUATE: "alert_inadequate",
        SettingAlert.REGISTRATION_CHANGED: "alert_registration_changed",
    }

    def __str__(self) -> str:
        return f"Notification preference of {self.user_id}"

    @property
    def alerts(self) -> list[str]:
        """The kinds of Ofsted alert chosen, in `SettingAlert` order."""
        return [kind for kind, name in self.ALERT_FIELDS.items() if getattr(self, name)]

    @property
    def alerts_summary(self) -> str:
        """ "Suspended, closed", "None": what the account page shows."""
        return ", ".join(ALERT_WORDS[kind] for kind in self.alerts).capitalize() or "None"

    def wants_alert(self, kind: str) -> bool:
        return bool(getattr(self, self.ALERT_FIELDS[kind]))


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
    method = models.CharField(
        max_length=10,
        choices=Method.choices,
        error_messages={
            "blank": "Choose how you contacted them",
            "invalid_choice": "Choose how you contacted them",
        },
    )
    result = models.CharField(
        max_length=12,
        choices=Result.choices,
        error_messages={
            "blank": "Choose what they said",
            "invalid_choice": "Choose what they said",
        },
    )
    note = models.TextField(
        blank=True,
        max_length=NOTE_MAX_LENGTH,
        validators=[
            MaxLengthValidator(
                NOTE_MAX_LENGTH,
                message=f"The note must be {NOTE_MAX_LENGTH} characters or fewer",
            )
        ],
    )

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


# What was secured for a request ------------------------------------------------------------------


class CommercialRoute(models.TextChoices):
    SPOT = "spot", "Spot purchase"
    FRAMEWORK = "framework", "Framework"
    DPS = "dps", "Dynamic purchasing system"
    BLOCK = "block", "Block contract"


_SHARE = {"null": "Enter an amount of £0 or more"}
_SHARE_NOT_NEGATIVE = MinValueValidator(0, message="Enter an amount of £0 or more")


class PlacementOutcome(TimeStampedModel):
    """What was secured for a request: the setting chosen and the terms agreed. One per request;
    recording it closes the request and tells the other providers the place has been filled."""

    request = models.OneToOneField(
        PlacementRequest, on_delete=models.PROTECT, related_name="outcome"
    )
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    setting = models.ForeignKey("providers.Setting", on_delete=models.PROTECT, related_name="+")
    urn = models.CharField("Ofsted URN", max_length=8)
    start_date = models.DateField(error_messages={"null": "Enter the start date"})
    weekly_cost = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        validators=[
            MinValueValidator(ONE_PENNY, message="Enter a weekly cost above £0"),
            MaxValueValidator(MAX_WEEKLY_PRICE, message="Enter a weekly cost of £100,000 or less"),
        ],
        error_messages={"null": "Enter a weekly cost above £0"},
    )
    services_included = ChoiceArrayField(
        models.CharField(max_length=12, choices=ServiceIncluded.choices),
        default=list,
        error_messages={
            "blank": "Say what the weekly cost includes",
            "invalid_choice": "Say what the weekly cost includes",
        },
    )
    # Who pays what each week. Together they make the weekly cost (`clean`).
    social_care_weekly = models.DecimalField(
        max_digits=9, decimal_places=2, validators=[_SHARE_NOT_NEGATIVE], error_messages=_SHARE
    )
    education_weekly = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        default=0,
        validators=[_SHARE_NOT_NEGATIVE],
        error_messages=_SHARE,
    )
    health_weekly = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        default=0,
        validators=[_SHARE_NOT_NEGATIVE],
        error_messages=_SHARE,
    )
    commercial_route = models.CharField(
        max_length=10,
        choices=CommercialRoute.choices,
        error_messages={
            "blank": "Choose how the placement was bought",
            "invalid_choice": "Choose how the placement was bought",
        },
    )
    distance_from_home_miles = models.DecimalField(
        max_digits=6, decimal_places=1, null=True, blank=True
    )
    distance_from = models.CharField(
        max_length=60, blank=True, help_text="Which place that matters the distance is from."
    )
    # Distance from home, the DfE's way and by road (issue 13), worked out when it is recorded:
    # from the child's home postcode district (straight-line miles, so over 20 miles is the
    # DfE's measure), whether the setting is inside the LA and inside the region (the union of
    # the member LAs), and the journey by road from home and from each place that matters,
    # with the engine that answered and whether it was an estimate.
    home_district = models.CharField(max_length=4, blank=True, default="")
    home_miles = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    home_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    school_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="By road to the first place that matters named a school."
    )
    inside_la = models.BooleanField(null=True, blank=True)
    inside_region = models.BooleanField(null=True, blank=True)
    over_20_miles = models.BooleanField(
        null=True, blank=True, help_text="More than 20 miles from home (None: not known)."
    )
    travel_engine = models.CharField(max_length=12, blank=True, default="")
    travel_estimated = models.BooleanField(default=False)
    journeys = models.JSONField(
        default=list,
        blank=True,
        help_text="From home and each place that matters: label, district, miles, minutes, "
        "estimated.",
    )
    # The framework lot it was bought through (empty: spot, or a route the service does not hold),
    # the band the child's needs were priced at, and the member's tendered rate for that band on
    # the day it was recorded: kept, so a later change of rates does not rewrite what was agreed.
    lot = models.ForeignKey(
        "commissioning.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    need_level = models.CharField(
        max_length=12,
        choices=NeedLevel.choices,
        blank=True,
        default="",
        error_messages={"invalid_choice": "Choose the band the child's needs are priced at"},
    )
    tendered_rate = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    above_rate_reason = models.TextField(
        blank=True,
        validators=[MaxLengthValidator(2000, message="Enter a reason of 2,000 characters or less")],
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weekly_cost__gt=0), name="outcome_weekly_cost_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    social_care_weekly__gte=0, education_weekly__gte=0, health_weekly__gte=0
                ),
                name="outcome_shares_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    weekly_cost=models.F("social_care_weekly")
                    + models.F("education_weekly")
                    + models.F("health_weekly")
                ),
                name="outcome_shares_make_the_cost",
            ),
            models.CheckConstraint(
                condition=models.Q(commercial_route__in=["spot", "framework", "dps", "block"]),
                name="outcome_commercial_route_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Outcome of {self.request.reference}: {self.urn}"

    @property
    def above_rate_by(self) -> Decimal | None:
        """How much the agreed weekly cost is above the tendered rate (None when it is not)."""
        if self.tendered_rate is None or self.weekly_cost is None:
            return None
        difference = self.weekly_cost - self.tendered_rate
        return difference if difference > 0 else None

    def clean(self) -> None:
        """The shares must make the weekly cost: checked once each figure is right on its own
        (`clean_fields` says what is wrong with one)."""
        fields = {field.name: field for field in self._meta.concrete_fields}
        try:
            cost, *shares = (
                fields[name].clean(getattr(self, name), self)
                for name in (
                    "weekly_cost",
                    "social_care_weekly",
                    "education_weekly",
                    "health_weekly",
                )
            )
        except ValidationError:
            return
        if sum(shares) != cost:
            raise ValidationError(
                {
                    "social_care_weekly": "Social care, education and health together must make "
                    f"the weekly cost ({pounds(cost, pence=True)})"
                }
            )
