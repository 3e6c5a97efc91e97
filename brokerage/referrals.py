"""Targeted referrals: send one child's request to chosen settings, answer, ask, decide.

Services here check permission themselves, lock what they change, and queue their emails in the
same transaction (`brokerage.notifications`): a referral that was not saved sends no email, and
one that was saved always gets its emails, once.

What a field may hold (prices, choices, a whole answer, shares that make the cost) is declared on
the models and checked with their `full_clean` (`validate_fields`); the services keep the rules
that are theirs: who may act, which state a referral or request must be in, the deadline window.

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
from brokerage.distance import outcome_distances
from brokerage.models import (
    Notification,
    PlacementOutcome,
    Referral,
    ReferralMessage,
)
from brokerage.notifications import notification_queue, officer_recipients, referral_recipients
from brokerage.permissions import can_answer_referral, can_see_referral_as_la
from commissioning.models import Framework, Lot, NeedLevel, Rate
from commissioning.search import current_memberships
from common.formats import pounds
from common.models import validate_fields
from common.permissions import require
from geo.modes import TravelMode, clock
from geo.shapes import METRES_PER_MILE
from geo.travel import straight_line_metres
from placements.matching import criteria_exclusions
from placements.models import (
    CloseReason,
    PlacementRequest,
    PlacementSearch,
    PlaceThatMatters,
    Urgency,
)
from placements.permissions import can_see_request
from placements.services import placement_profile
from providers.models import Setting

# How long a provider has to answer, by how soon the child must move (the officer may change it).
DEFAULT_ANSWER_HOURS = {Urgency.TODAY: 3, Urgency.WITHIN_5_DAYS: 24, Urgency.OVER_5_DAYS: 72}
MIN_ANSWER_MINUTES = 30
MAX_ANSWER_DAYS = 14


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
    places = []
    for place in request.places.all():
        leg = travel.get(place.pk, {})
        places.append(
            {
                "label": place.label,
                "district": place.postcode.split(" ")[0],
                "minutes": leg.get("minutes"),
                "estimated": leg.get("estimated", False),
                "max_minutes": place.max_minutes,
                # How the child gets there (geo/modes.py); a search saved before modes were
                # recorded was by car, so its legs carry none.
                "mode": place.mode,
                "departs_at": clock(place.departs_at)
                if place.mode == TravelMode.PUBLIC_TRANSPORT
                else "",
                "covered": leg.get("covered", True),
                "vehicle": leg.get("vehicle", ""),
            }
        )
    return places


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
    if locked.status != PlacementRequest.Status.OPEN:
        raise ValidationError("This request is closed: it can no longer be referred")
    plans = _shortlist_plans(locked, shortlist, deadline=deadline, now=now)
    profile = placement_profile(locked)
    profile.pop("places", None)  # sent per setting, as the provider may see them (`_places_for`)
    return [
        _referral_create(
            locked,
            item,
            exclusions,
            actor=actor,
            deadline=deadline,
            note=note.strip(),
            search=search,
            profile=profile,
            now=now,
        )
        for item, exclusions in plans
    ]


def _referral_create(
    request: PlacementRequest,
    item: Shortlisted,
    exclusions: list[str],
    *,
    actor: User,
    deadline: datetime,
    note: str,
    search: PlacementSearch | None,
    profile: dict[str, Any],
    now: datetime,
) -> Referral:
    """One referral, audited, and its provider's email queued."""
    referral = Referral.objects.create(
        request=request,
        setting=item.setting,
        provider=item.setting.provider_organisation,  # type: ignore[misc] # referral_blocker checked it
        search=search,
        sent_by=actor,
        sent_at=now,
        deadline=deadline,
        exclusions=exclusions,
        override_reason=item.override_reason.strip() if exclusions else "",
        profile=profile,
        places=_places_for(request, item.setting, search),
        note=note,
    )
    _referral_sent_record(actor, referral)
    _tell_received(referral)
    return referral


def _shortlist_plans(
    request: PlacementRequest,
    shortlist: Sequence[Shortlisted],
    *,
    deadline: datetime,
    now: datetime,
) -> list[tuple[Shortlisted, list[str]]]:
    """Each shortlisted setting with what its stated criteria exclude; every refusal at once
    (`deadline`, `setting-<URN>`), so the officer can put them all right in one go."""
    if not shortlist:
        raise ValidationError({"shortlist": "Choose at least one setting to refer to"})
    errors: dict[str, list[str]] = {}
    deadline_problem = _deadline_problem(deadline, now=now)
    if deadline_problem:
        errors["deadline"] = [deadline_problem]
    already = set(
        Referral.objects.filter(
            request=request, setting__in=[item.setting for item in shortlist]
        ).values_list("setting_id", flat=True)
    )
    plans = []
    for item in shortlist:
        problem, exclusions = _shortlisted_problem(request, item, already=already, now=now)
        if problem:
            errors.setdefault(f"setting-{item.setting.urn}", []).append(problem)
        else:
            plans.append((item, exclusions))
    if errors:
        raise ValidationError(errors)
    return plans


def _deadline_problem(deadline: datetime, *, now: datetime) -> str | None:
    if deadline <= now + timedelta(minutes=MIN_ANSWER_MINUTES):
        return f"Give providers at least {MIN_ANSWER_MINUTES} minutes to answer"
    if deadline > now + timedelta(days=MAX_ANSWER_DAYS):
        return f"Set a deadline within {MAX_ANSWER_DAYS} days"
    return None


def _shortlisted_problem(
    request: PlacementRequest, item: Shortlisted, *, already: set[int], now: datetime
) -> tuple[str | None, list[str]]:
    """(why this setting cannot be sent the referral or None, what its criteria exclude)."""
    setting = item.setting
    blocker = referral_blocker(setting)
    if blocker:
        return blocker, []
    if setting.pk in already:
        return f"{setting.display_name} has already been sent this referral", []
    exclusions = referral_exclusions(request, setting, now=now)
    if exclusions and not item.override_reason.strip():
        return (
            f"{setting.display_name}'s stated criteria exclude this child ("
            + "; ".join(exclusions)
            + "). Say why you are sending it anyway, or leave it out"
        ), exclusions
    return None, exclusions


def _referral_sent_record(actor: User, referral: Referral) -> None:
    """Audit the sending, and the officer's reason when the setting's criteria exclude the child."""
    organisation = referral.request.organisation
    audit_record(
        actor=actor,
        action=AuditEvent.Action.REFERRAL_SENT,
        organisation=organisation,
        referral=referral.pk,
        placement_request=referral.request_id,
        urn=referral.setting.urn,
    )
    if referral.exclusions:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.REFERRAL_OVERRIDE,
            organisation=organisation,
            referral=referral.pk,
            urn=referral.setting.urn,
            exclusions=referral.exclusions,
            reason=referral.override_reason,
        )


def _tell_received(referral: Referral) -> None:
    notification_queue(
        recipients=referral_recipients(referral.setting),
        kind=Notification.Kind.REFERRAL_RECEIVED,
        key=f"referral-{referral.pk}:received",
        template="brokerage/email/referral_received.txt",
        context={"referral": referral},
        referral=referral,
        digestible=True,
    )


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


ANSWER_FIELDS = (
    "status",
    "weekly_price",
    "start_date",
    "price_includes",
    "price_details",
    "not_able_reason",
    "answer_note",
)


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
    given = _answer_fields(
        answer,
        weekly_price=weekly_price,
        start_date=start_date,
        price_includes=price_includes,
        price_details=price_details,
        not_able_reason=not_able_reason,
        note=note,
    )
    before = {name: getattr(locked, name) for name in ANSWER_FIELDS}
    for name, value in given.items():
        setattr(locked, name, value)
    validate_fields(locked, fields=ANSWER_FIELDS, errors=_start_date_errors(locked, now))
    if locked.answered_at and before == {name: getattr(locked, name) for name in ANSWER_FIELDS}:
        return locked  # the same answer again (a double-submitted form): nothing changes
    locked.answered_at = now
    locked.answered_by = actor
    locked.save()
    _answer_record(actor, locked, answer=answer, now=now)
    return locked


def _answer_fields(
    answer: str,
    *,
    weekly_price: Decimal | None,
    start_date: date | None,
    price_includes: Iterable[str],
    price_details: str,
    not_able_reason: str,
    note: str,
) -> dict[str, Any]:
    """The referral's answer fields for this answer, the other kind of answer's emptied."""
    if answer == Answer.INTERESTED:
        fields: dict[str, Any] = {
            "status": Referral.Status.INTERESTED,
            "weekly_price": weekly_price,
            "start_date": start_date,
            "price_includes": list(dict.fromkeys(price_includes)),
            "price_details": price_details.strip(),
            "not_able_reason": "",
        }
    elif answer == Answer.NOT_ABLE:
        fields = {
            "status": Referral.Status.NOT_ABLE,
            "weekly_price": None,
            "start_date": None,
            "price_includes": [],
            "price_details": "",
            "not_able_reason": not_able_reason,
        }
    else:
        raise ValidationError({"answer": "Choose interested or not able"})
    return fields | {"answer_note": note.strip()}


def _start_date_errors(referral: Referral, now: datetime) -> dict[str, list[str]]:
    """An offer cannot start in the past (by the provider's clock: `now`)."""
    if referral.start_date is not None and referral.start_date < timezone.localdate(now):
        return {"start_date": ["The start date must be today or later"]}
    return {}


def _answer_record(actor: User, referral: Referral, *, answer: str, now: datetime) -> None:
    """Audit the answer and tell the officers."""
    audit_record(
        actor=actor,
        action=AuditEvent.Action.REFERRAL_ANSWERED,
        organisation=referral.provider,
        # The provider is national: the answer is the region's that sent the referral.
        region=referral.request.organisation.region,
        referral=referral.pk,
        answer=answer,
        weekly_price=str(referral.weekly_price) if referral.weekly_price is not None else None,
    )
    notification_queue(
        recipients=officer_recipients(referral),
        kind=Notification.Kind.ANSWERED,
        key=f"referral-{referral.pk}:answered:{referral.status}:{now.isoformat()}",
        template="brokerage/email/referral_answered.txt",
        context={"referral": referral},
        referral=referral,
    )


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
    if not _messages_open(locked, now):
        raise ValidationError("This referral is closed: messages can no longer be sent")
    message = ReferralMessage(
        referral=locked, author=actor, from_provider=from_provider, body=body.strip()
    )
    validate_fields(message, fields=["body"])
    message.save()
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


def _messages_open(referral: Referral, now: datetime) -> bool:
    """While the request is open and the referral is answered or still within its deadline."""
    unanswered_too_late = referral.status == Referral.Status.SENT and now >= referral.deadline
    return not (
        referral.request.status != PlacementRequest.Status.OPEN
        or referral.status
        in (Referral.Status.PLACED, Referral.Status.FILLED, Referral.Status.EXPIRED)
        or unanswered_too_late
    )


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


OUTCOME_TERMS = (
    "start_date",
    "weekly_cost",
    "services_included",
    "social_care_weekly",
    "education_weekly",
    "health_weekly",
    "commercial_route",
    "need_level",
    "above_rate_reason",
)

# A lot's framework kind says how the placement was bought.
ROUTE_OF_KIND = {
    Framework.Kind.FRAMEWORK: "framework",
    Framework.Kind.DPS: "dps",
    Framework.Kind.BLOCK: "block",
    Framework.Kind.OTHER: "framework",
}


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
    commercial_route: str = "spot",
    distance_from: PlaceThatMatters | None = None,
    lot: Lot | None = None,
    need_level: str | None = None,
    above_rate_reason: str = "",
    now: datetime | None = None,
) -> PlacementOutcome:
    """Record what was secured, close the request, mark the chosen referral placed and tell the
    other providers still in the loop (waiting, interested, or not able) that the place has been
    filled, without detail.
    A `lot` (empty: spot) must be a current lot of the request's region's current frameworks that
    the setting is an active member of; it sets the commercial route from the framework's kind,
    and the member's tendered rate for `need_level` (the request's band unless given) is kept
    with the outcome. An agreed weekly cost above that rate needs `above_rate_reason`.
    A second decision for the same request is refused and changes nothing."""
    now = now or timezone.now()
    require(can_see_request(actor, request))
    locked = PlacementRequest.objects.select_for_update().get(pk=request.pk)
    _require_undecided(locked)
    if need_level is None:
        need_level = locked.need_level
    lot_errors, tendered_rate = _lot_terms(locked, setting, lot, need_level, now=now)
    if lot is not None and not lot_errors:
        commercial_route = ROUTE_OF_KIND[Framework.Kind(lot.framework.kind)]
    outcome = PlacementOutcome(
        request=locked,
        setting=setting,
        urn=setting.urn,
        start_date=start_date,
        weekly_cost=weekly_cost,
        services_included=list(dict.fromkeys(services_included)),
        social_care_weekly=social_care_weekly,
        education_weekly=education_weekly,
        health_weekly=health_weekly,
        commercial_route=commercial_route,
        distance_from=distance_from.label if distance_from else "",
        lot=None if lot_errors else lot,
        need_level=need_level,
        tendered_rate=tendered_rate,
        above_rate_reason=above_rate_reason.strip(),
        decided_by=actor,
    )
    errors = _decision_errors(locked, setting, distance_from) | lot_errors
    above = outcome.above_rate_by if _is_money(weekly_cost) else None
    if above is not None and not outcome.above_rate_reason:
        errors["above_rate_reason"] = [
            f"Enter why the agreed price is above the framework rate of {pounds(tendered_rate)}"
        ]
    if above is None:
        outcome.above_rate_reason = ""
    validate_fields(outcome, fields=OUTCOME_TERMS, errors=errors)
    outcome.distance_from_home_miles = _miles_between(distance_from, setting)
    for name, value in outcome_distances(locked, setting).items():
        setattr(outcome, name, value)
    outcome.referral = (
        Referral.objects.select_for_update().filter(request=locked, setting=setting).first()
    )
    outcome.save()
    _referrals_close(locked, outcome, now=now)
    locked.status = PlacementRequest.Status.CLOSED
    locked.closed_at = now
    locked.close_reason = CloseReason.PLACED_HERE
    locked.save(update_fields=["status", "closed_at", "close_reason", "updated_at"])
    request.status, request.closed_at = locked.status, locked.closed_at
    request.close_reason = locked.close_reason
    audit_record(
        actor=actor,
        action=AuditEvent.Action.PLACEMENT_DECIDED,
        organisation=locked.organisation,
        placement_request=locked.pk,
        urn=setting.urn,
        weekly_cost=str(weekly_cost),
        commercial_route=outcome.commercial_route,
        framework=outcome.lot.framework.name if outcome.lot else None,
        lot=outcome.lot.number if outcome.lot else None,
        need_level=need_level or None,
        tendered_rate=None if tendered_rate is None else str(tendered_rate),
        above_rate_reason=outcome.above_rate_reason or None,
    )
    return outcome


def _is_money(value: Any) -> bool:
    return isinstance(value, Decimal | int) and not isinstance(value, bool)


def _lot_terms(
    request: PlacementRequest,
    setting: Setting,
    lot: Lot | None,
    need_level: str,
    *,
    now: datetime,
) -> tuple[dict[str, list[str]], Decimal | None]:
    """Whether the placement may be bought through `lot`, and the member's tendered rate for the
    band on the day (None: spot, no band, or no rate for it)."""
    if lot is None:
        return {}, None
    today = timezone.localdate(now)
    region_id = request.organisation.region_id
    if lot.framework.region_id != region_id:
        return {"lot": ["Choose one of your region's framework lots, or spot"]}, None
    membership = current_memberships(region_id, today=today).filter(lot=lot, setting=setting)
    found = membership.first()
    if found is None:
        return {
            "lot": [
                f"{setting.display_name} is not a current member of {lot.framework.name}, "
                f"lot {lot.number}: choose another lot or spot"
            ]
        }, None
    if need_level not in NeedLevel.values:
        return {}, None
    rate = Rate.objects.filter(membership=found, need_level=need_level).first()
    return {}, None if rate is None else rate.weekly_rate


def _require_undecided(request: PlacementRequest) -> None:
    """One outcome per request, and only while it is open."""
    if PlacementOutcome.objects.filter(request=request).exists():
        raise ValidationError("A placement has already been recorded for this request")
    if request.status != PlacementRequest.Status.OPEN:
        raise ValidationError("This request is closed")


def _decision_errors(
    request: PlacementRequest, setting: Setting, distance_from: PlaceThatMatters | None
) -> dict[str, list[str]]:
    """The decision's own rules, beside the outcome's field validation: the setting is not
    closed, and the distance is from one of this request's places."""
    errors: dict[str, list[str]] = {}
    if setting.status == Setting.Status.CLOSED:
        errors["setting"] = [f"{setting.display_name} is closed on Ofsted's register"]
    if distance_from is not None and distance_from.request_id != request.pk:
        errors["distance_from"] = ["Choose one of this request's places"]
    return errors


def _miles_between(place: PlaceThatMatters | None, setting: Setting) -> Decimal | None:
    """Straight-line miles, to a tenth, from the place that matters to the setting."""
    if place is None or setting.location is None:
        return None
    metres = straight_line_metres(place.point, setting.location)
    return Decimal(str(round(metres / METRES_PER_MILE, 1)))


def _referrals_close(
    request: PlacementRequest, outcome: PlacementOutcome, *, now: datetime
) -> None:
    """The chosen referral is placed; every other one still in the loop (waiting, interested or
    not able) is closed, and each provider is told."""
    chosen = outcome.referral
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
            request=request,
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
