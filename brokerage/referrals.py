"""Targeted referrals: send one child's request to chosen settings, answer, ask, decide.

Services here check permission themselves, lock what they change, and queue their emails in the
same transaction (`brokerage.notifications`): a referral that was not saved sends no email, and
one that was saved always gets its emails, once.

The deadline clock: every service takes `now` (default: the real time), so tests and the beat job
(`referral_deadlines_check`) run on a controllable clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import AuditEvent, Organisation, User
from accounts.services import audit_record
from brokerage.models import (
    CommercialRoute,
    Notification,
    PlacementOutcome,
    Referral,
    ReferralMessage,
    ServiceIncluded,
)
from brokerage.notifications import notification_queue, officer_recipients, referral_recipients
from brokerage.permissions import can_answer_referral, can_see_referral_as_la
from common.permissions import require
from geo.shapes import METRES_PER_MILE
from geo.travel import straight_line_metres
from placements.matching import criteria_exclusions
from placements.models import PlacementRequest, PlacementSearch, PlaceThatMatters, Urgency
from placements.permissions import can_see_request
from placements.services import placement_profile
from providers.models import Setting

# How long a provider has to answer, by how soon the child must move (the officer may change it).
DEFAULT_ANSWER_HOURS = {Urgency.TODAY: 3, Urgency.WITHIN_5_DAYS: 24, Urgency.OVER_5_DAYS: 72}
MIN_ANSWER_MINUTES = 30
MAX_ANSWER_DAYS = 14
MAX_WEEKLY_PRICE = Decimal("100000")


def default_deadline(request: PlacementRequest, *, now: datetime | None = None) -> datetime:
    now = now or timezone.now()
    return now + timedelta(hours=DEFAULT_ANSWER_HOURS[Urgency(request.urgency)])


# --- Sending ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shortlisted:
    """One setting the officer chose, with the reason for sending although its stated criteria
    exclude the child (needed only then)."""

    setting: Setting
    override_reason: str = ""


def referral_exclusions(
    request: PlacementRequest, setting: Setting, *, now: datetime | None = None
) -> list[str]:
    return criteria_exclusions(request, setting, today=timezone.localdate(now or timezone.now()))


def _places_for(
    request: PlacementRequest, setting: Setting, search: PlacementSearch | None
) -> list[dict[str, Any]]:
    """The places that matter as the provider sees them: postcode district and journey time (from
    the search the officer shortlisted from), never the postcode."""
    travel: dict[int, dict[str, Any]] = {}
    if search is not None:
        for row in search.results:
            if row.get("urn") == setting.urn:
                travel = {
                    leg["place_id"]: leg for leg in row.get("travel", []) if "place_id" in leg
                }
    return [
        {
            "label": place.label,
            "district": place.postcode.split(" ")[0],
            "minutes": travel.get(place.pk, {}).get("minutes"),
            "estimated": travel.get(place.pk, {}).get("estimated", False),
            "max_minutes": place.max_minutes,
        }
        for place in request.places.all()
    ]


def referral_blocker(setting: Setting) -> str | None:
    """Why a referral cannot go to this setting at all (None: it can)."""
    if setting.status != Setting.Status.ACTIVE:
        status = setting.get_status_display().lower()
        return f"{setting.display_name} is {status} on Ofsted's register: it cannot take referrals"
    organisation = setting.provider_organisation
    if organisation is None:
        return (
            f"{setting.display_name}'s provider does not use this service yet, so nobody would "
            "receive the referral"
        )
    if organisation.kind != Organisation.Kind.PROVIDER:
        return f"{setting.display_name} is not run by a provider organisation"
    return None


@transaction.atomic
def referral_send(
    *,
    actor: User,
    request: PlacementRequest,
    shortlist: Sequence[Shortlisted],
    deadline: datetime,
    note: str = "",
    search: PlacementSearch | None = None,
    now: datetime | None = None,
) -> list[Referral]:
    """Send one referral to each shortlisted setting, all or none.

    Refused (ValidationError, nothing saved or sent) for: a closed request; no setting; a deadline
    in the past, under MIN_ANSWER_MINUTES away or over MAX_ANSWER_DAYS; a setting closed or
    suspended, or whose provider does not use the service; one already sent this request; one
    whose stated criteria exclude the child without the officer's reason.
    """
    now = now or timezone.now()
    require(can_see_request(actor, request))
    locked = PlacementRequest.objects.select_for_update().get(pk=request.pk)
    errors: dict[str, list[str]] = {}
    if locked.status != PlacementRequest.Status.OPEN:
        raise ValidationError("This request is closed: it can no longer be referred")
    if not shortlist:
        raise ValidationError({"shortlist": "Choose at least one setting to refer to"})
    if deadline <= now + timedelta(minutes=MIN_ANSWER_MINUTES):
        errors.setdefault("deadline", []).append(
            f"Give providers at least {MIN_ANSWER_MINUTES} minutes to answer"
        )
    elif deadline > now + timedelta(days=MAX_ANSWER_DAYS):
        errors.setdefault("deadline", []).append(f"Set a deadline within {MAX_ANSWER_DAYS} days")
    already = set(
        Referral.objects.filter(
            request=locked, setting__in=[s.setting for s in shortlist]
        ).values_list("setting_id", flat=True)
    )
    plans: list[tuple[Shortlisted, list[str]]] = []
    for item in shortlist:
        setting = item.setting
        field = f"setting-{setting.urn}"
        problem = referral_blocker(setting)
        if problem:
            errors.setdefault(field, []).append(problem)
            continue
        if setting.pk in already:
            errors.setdefault(field, []).append(
                f"{setting.display_name} has already been sent this referral"
            )
            continue
        exclusions = referral_exclusions(locked, setting, now=now)
        if exclusions and not item.override_reason.strip():
            errors.setdefault(field, []).append(
                f"{setting.display_name}'s stated criteria exclude this child ("
                + "; ".join(exclusions)
                + "). Say why you are sending it anyway, or leave it out"
            )
            continue
        plans.append((item, exclusions))
    if errors:
        raise ValidationError(errors)

    profile = placement_profile(locked)
    profile.pop("places", None)
    sent: list[Referral] = []
    for item, exclusions in plans:
        setting = item.setting
        referral = Referral.objects.create(
            request=locked,
            setting=setting,
            provider=setting.provider_organisation,  # type: ignore[misc] # referral_blocker checked it
            search=search,
            sent_by=actor,
            sent_at=now,
            deadline=deadline,
            exclusions=exclusions,
            override_reason=item.override_reason.strip() if exclusions else "",
            profile=profile,
            places=_places_for(locked, setting, search),
            note=note.strip(),
        )
        sent.append(referral)
        audit_record(
            actor=actor,
            action=AuditEvent.Action.REFERRAL_SENT,
            organisation=locked.organisation,
            referral=referral.pk,
            placement_request=locked.pk,
            urn=setting.urn,
        )
        if exclusions:
            audit_record(
                actor=actor,
                action=AuditEvent.Action.REFERRAL_OVERRIDE,
                organisation=locked.organisation,
                referral=referral.pk,
                urn=setting.urn,
                exclusions=exclusions,
                reason=referral.override_reason,
            )
        notification_queue(
            recipients=referral_recipients(setting),
            kind=Notification.Kind.REFERRAL_RECEIVED,
            key=f"referral-{referral.pk}:received",
            template="brokerage/email/referral_received.txt",
            context={"referral": referral},
            referral=referral,
            digestible=True,
        )
    return sent


# --- Answering ----------------------------------------------------------------------------------


class Answer:
    INTERESTED = "interested"
    NOT_ABLE = "not_able"


def _answerable(referral: Referral, now: datetime) -> str | None:
    if referral.status in (Referral.Status.PLACED, Referral.Status.FILLED):
        return "The place has been filled: this referral can no longer be answered"
    if referral.request.status != PlacementRequest.Status.OPEN:
        return "The local authority has closed this request"
    if referral.status == Referral.Status.EXPIRED or now >= referral.deadline:
        return (
            "The deadline for answering has passed. Ask the local authority if you can still help"
        )
    return None


@transaction.atomic
def referral_answer(
    *,
    actor: User,
    referral: Referral,
    answer: str,
    weekly_price: Decimal | None = None,
    start_date: date | None = None,
    price_includes: Iterable[str] = (),
    price_details: str = "",
    not_able_reason: str = "",
    note: str = "",
    now: datetime | None = None,
) -> Referral:
    """The provider's answer: interested (a weekly price above zero, a start date and what the
    price includes) or not able (a reason from the list). It may be changed until the deadline;
    the same answer given twice changes nothing and tells nobody twice."""
    now = now or timezone.now()
    require(can_answer_referral(actor, referral))
    locked = Referral.objects.select_for_update().select_related("request").get(pk=referral.pk)
    problem = _answerable(locked, now)
    if problem:
        raise ValidationError(problem)
    errors: dict[str, str] = {}
    includes = list(dict.fromkeys(price_includes))
    if answer == Answer.INTERESTED:
        if weekly_price is None:
            errors["weekly_price"] = "Enter the weekly price, like 4250"
        elif weekly_price <= 0:
            errors["weekly_price"] = "Enter a weekly price above £0"
        elif weekly_price > MAX_WEEKLY_PRICE:
            errors["weekly_price"] = "Enter a weekly price of £100,000 or less"
        if start_date is None:
            errors["start_date"] = "Enter the date the placement could start"
        elif start_date < timezone.localdate(now):
            errors["start_date"] = "The start date must be today or later"
        if not includes:
            errors["price_includes"] = "Say what the weekly price includes"
        elif not set(includes) <= set(ServiceIncluded.values):
            errors["price_includes"] = "Choose what the price includes from the list"
    elif answer == Answer.NOT_ABLE:
        if not_able_reason not in Referral.NotAbleReason.values:
            errors["not_able_reason"] = "Choose why you are not able to offer a placement"
        elif not_able_reason == Referral.NotAbleReason.OTHER and not note.strip():
            errors["answer_note"] = "Say why you are not able to offer a placement"
    else:
        errors["answer"] = "Choose interested or not able"
    if errors:
        raise ValidationError(errors)

    values: dict[str, Any] = (
        {
            "status": Referral.Status.INTERESTED,
            "weekly_price": weekly_price,
            "start_date": start_date,
            "price_includes": includes,
            "price_details": price_details.strip(),
            "not_able_reason": "",
        }
        if answer == Answer.INTERESTED
        else {
            "status": Referral.Status.NOT_ABLE,
            "weekly_price": None,
            "start_date": None,
            "price_includes": [],
            "price_details": "",
            "not_able_reason": not_able_reason,
        }
    )
    values["answer_note"] = note.strip()
    if locked.answered_at and all(getattr(locked, k) == v for k, v in values.items()):
        return locked  # the same answer again (a double-submitted form): nothing changes
    for name, value in values.items():
        setattr(locked, name, value)
    locked.answered_at = now
    locked.answered_by = actor
    locked.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.REFERRAL_ANSWERED,
        organisation=locked.provider,
        referral=locked.pk,
        answer=answer,
        weekly_price=str(weekly_price) if weekly_price is not None else None,
    )
    notification_queue(
        recipients=officer_recipients(locked),
        kind=Notification.Kind.ANSWERED,
        key=f"referral-{locked.pk}:answered:{locked.status}:{now.isoformat()}",
        template="brokerage/email/referral_answered.txt",
        context={"referral": locked},
        referral=locked,
    )
    return locked


# --- Questions --------------------------------------------------------------------------------


@transaction.atomic
def referral_message_post(
    *, actor: User, referral: Referral, body: str, now: datetime | None = None
) -> ReferralMessage:
    """A question or a reply on a referral, from its provider or the requesting LA; the other side
    is told. Only while the request is open and the referral not closed."""
    now = now or timezone.now()
    from_provider = can_answer_referral(actor, referral)
    require(from_provider or can_see_referral_as_la(actor, referral))
    locked = Referral.objects.select_for_update().select_related("request").get(pk=referral.pk)
    unanswered_too_late = locked.status == Referral.Status.SENT and now >= locked.deadline
    if (
        locked.request.status != PlacementRequest.Status.OPEN
        or locked.status
        in (Referral.Status.PLACED, Referral.Status.FILLED, Referral.Status.EXPIRED)
        or unanswered_too_late
    ):
        raise ValidationError("This referral is closed: messages can no longer be sent")
    text = body.strip()
    if not text:
        raise ValidationError({"body": "Enter your message"})
    if len(text) > 2000:
        raise ValidationError({"body": "Your message must be 2,000 characters or fewer"})
    message = ReferralMessage.objects.create(
        referral=locked, author=actor, from_provider=from_provider, body=text
    )
    recipients = (
        officer_recipients(locked)
        if from_provider
        else referral_recipients(locked.setting, organisation_id=locked.provider_id)
    )
    notification_queue(
        recipients=[u for u in recipients if u.pk != actor.pk],
        kind=Notification.Kind.MESSAGE,
        key=f"referral-{locked.pk}:message-{message.pk}",
        template="brokerage/email/referral_message.txt",
        context={"referral": locked, "from_provider": from_provider},
        referral=locked,
    )
    return message


# --- The deadline clock -----------------------------------------------------------------------


def referral_deadlines_check(*, now: datetime | None = None) -> dict[str, int]:
    """Remind providers that have not answered when REFERRAL_REMINDER_HOURS are left (or half the
    time, if the whole time is shorter), and expire unanswered referrals at their deadline,
    telling both sides. Safe to run as often as wanted: each reminder and expiry happens once."""
    now = now or timezone.now()
    reminded = expired = 0
    lead = timedelta(hours=django_settings.REFERRAL_REMINDER_HOURS)
    for referral_id in Referral.objects.filter(
        status=Referral.Status.SENT, deadline__lte=now
    ).values_list("pk", flat=True):
        expired += _expire(referral_id, now)
    candidates = Referral.objects.filter(
        status=Referral.Status.SENT, reminder_sent_at__isnull=True, deadline__gt=now
    ).select_related("setting", "request")
    for referral in candidates:
        window = min(lead, (referral.deadline - referral.sent_at) / 2)
        if referral.deadline - now <= window:
            reminded += _remind(referral.pk, now)
    return {"reminded": reminded, "expired": expired}


@transaction.atomic
def _remind(referral_id: int, now: datetime) -> int:
    referral = (
        Referral.objects.select_for_update(skip_locked=True)
        .filter(pk=referral_id, status=Referral.Status.SENT, reminder_sent_at__isnull=True)
        .first()
    )
    if referral is None:
        return 0
    referral.reminder_sent_at = now
    referral.save(update_fields=["reminder_sent_at", "updated_at"])
    notification_queue(
        recipients=referral_recipients(referral.setting, organisation_id=referral.provider_id),
        kind=Notification.Kind.REMINDER,
        key=f"referral-{referral.pk}:reminder",
        template="brokerage/email/referral_reminder.txt",
        context={"referral": referral},
        referral=referral,
    )
    return 1


@transaction.atomic
def _expire(referral_id: int, now: datetime) -> int:
    referral = (
        Referral.objects.select_for_update(skip_locked=True)
        .filter(pk=referral_id, status=Referral.Status.SENT, deadline__lte=now)
        .first()
    )
    if referral is None:
        return 0
    referral.status = Referral.Status.EXPIRED
    referral.closed_at = now
    referral.save(update_fields=["status", "closed_at", "updated_at"])
    for recipients, side in (
        (referral_recipients(referral.setting, organisation_id=referral.provider_id), "provider"),
        (officer_recipients(referral), "officer"),
    ):
        notification_queue(
            recipients=recipients,
            kind=Notification.Kind.EXPIRED,
            key=f"referral-{referral.pk}:expired:{side}",
            template=f"brokerage/email/referral_expired_{side}.txt",
            context={"referral": referral},
            referral=referral,
        )
    return 1


# --- Deciding --------------------------------------------------------------------------------


@transaction.atomic
def placement_decide(
    *,
    actor: User,
    request: PlacementRequest,
    setting: Setting,
    start_date: date,
    weekly_cost: Decimal,
    services_included: Iterable[str],
    social_care_weekly: Decimal,
    education_weekly: Decimal = Decimal(0),
    health_weekly: Decimal = Decimal(0),
    commercial_route: str,
    distance_from: PlaceThatMatters | None = None,
    now: datetime | None = None,
) -> PlacementOutcome:
    """Record what was secured, close the request, mark the chosen referral placed and tell the
    other providers still in the loop (waiting, interested, or not able) that the place has been
    filled, without detail.
    A second decision for the same request is refused and changes nothing."""
    now = now or timezone.now()
    require(can_see_request(actor, request))
    locked = PlacementRequest.objects.select_for_update().get(pk=request.pk)
    if PlacementOutcome.objects.filter(request=locked).exists():
        raise ValidationError("A placement has already been recorded for this request")
    if locked.status != PlacementRequest.Status.OPEN:
        raise ValidationError("This request is closed")
    errors: dict[str, str] = {}
    services = list(dict.fromkeys(services_included))
    if weekly_cost is None or weekly_cost <= 0:
        errors["weekly_cost"] = "Enter a weekly cost above £0"
    elif weekly_cost > MAX_WEEKLY_PRICE:
        errors["weekly_cost"] = "Enter a weekly cost of £100,000 or less"
    shares = {
        "social_care_weekly": social_care_weekly,
        "education_weekly": education_weekly,
        "health_weekly": health_weekly,
    }
    for name, value in shares.items():
        if value is None or value < 0:
            errors[name] = "Enter an amount of £0 or more"
    if not errors and sum(shares.values()) != weekly_cost:
        errors["social_care_weekly"] = (
            "Social care, education and health together must make the weekly cost "
            f"(£{weekly_cost:,.2f})"
        )
    if commercial_route not in CommercialRoute.values:
        errors["commercial_route"] = "Choose how the placement was bought"
    if not services or not set(services) <= set(ServiceIncluded.values):
        errors["services_included"] = "Say what the weekly cost includes"
    if start_date is None:
        errors["start_date"] = "Enter the start date"
    if setting.status == Setting.Status.CLOSED:
        errors["setting"] = f"{setting.display_name} is closed on Ofsted's register"
    if distance_from is not None and distance_from.request_id != locked.pk:
        errors["distance_from"] = "Choose one of this request's places"
    if errors:
        raise ValidationError(errors)

    miles = None
    if distance_from is not None and setting.location is not None:
        miles = Decimal(
            str(
                round(
                    straight_line_metres(distance_from.point, setting.location) / METRES_PER_MILE, 1
                )
            )
        )
    chosen = Referral.objects.select_for_update().filter(request=locked, setting=setting).first()
    outcome = PlacementOutcome.objects.create(
        request=locked,
        referral=chosen,
        setting=setting,
        urn=setting.urn,
        start_date=start_date,
        weekly_cost=weekly_cost,
        services_included=services,
        social_care_weekly=social_care_weekly,
        education_weekly=education_weekly,
        health_weekly=health_weekly,
        commercial_route=commercial_route,
        distance_from_home_miles=miles,
        distance_from=distance_from.label if distance_from else "",
        decided_by=actor,
    )
    if chosen is not None:
        chosen.status = Referral.Status.PLACED
        chosen.closed_at = now
        chosen.save(update_fields=["status", "closed_at", "updated_at"])
        notification_queue(
            recipients=referral_recipients(chosen.setting, organisation_id=chosen.provider_id),
            kind=Notification.Kind.PLACED,
            key=f"referral-{chosen.pk}:placed",
            template="brokerage/email/referral_placed.txt",
            context={"referral": chosen, "outcome": outcome},
            referral=chosen,
        )
    others = (
        Referral.objects.select_for_update()
        .exclude(pk__in=[chosen.pk] if chosen else [])
        .filter(
            request=locked,
            status__in=[Referral.Status.SENT, Referral.Status.INTERESTED, Referral.Status.NOT_ABLE],
        )
    )
    for referral in others:
        # A "not able" answer stays on the record as given; everyone still in the loop is told.
        if referral.status != Referral.Status.NOT_ABLE:
            referral.status = Referral.Status.FILLED
        referral.closed_at = now
        referral.save(update_fields=["status", "closed_at", "updated_at"])
        notification_queue(
            recipients=referral_recipients(referral.setting, organisation_id=referral.provider_id),
            kind=Notification.Kind.FILLED,
            key=f"referral-{referral.pk}:filled",
            template="brokerage/email/referral_filled.txt",
            context={"referral": referral},
            referral=referral,
        )
    locked.status = PlacementRequest.Status.CLOSED
    locked.closed_at = now
    locked.save(update_fields=["status", "closed_at", "updated_at"])
    request.status, request.closed_at = locked.status, locked.closed_at
    audit_record(
        actor=actor,
        action=AuditEvent.Action.PLACEMENT_DECIDED,
        organisation=locked.organisation,
        placement_request=locked.pk,
        urn=setting.urn,
        weekly_cost=str(weekly_cost),
        commercial_route=commercial_route,
    )
    return outcome
