"""Reading referrals as each side may see them (the services that change them are in
brokerage/referrals.py).

A provider sees the referrals sent to its organisation, and the child's profile, the places and
the thread only while the referral is live: once the request is closed, the place filled or
agreed, or the deadline passed without an answer, it sees the setting, the status and its own
answer, nothing more. The requesting LA always sees everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import BooleanField, Case, Count, F, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from brokerage.models import Referral, ReferralMessage
from brokerage.permissions import can_answer_referral, can_see_referral_as_la
from placements.models import PlacementRequest
from placements.permissions import can_make_placement_requests
from providers.permissions import is_provider


def _waiting(now: datetime) -> Q:
    """Sent, unanswered, the deadline still ahead and the request open: the provider's to-do."""
    return Q(
        status=Referral.Status.SENT,
        deadline__gt=now,
        request__status=PlacementRequest.Status.OPEN,
    )


def referrals_for_provider(user: User, *, now: datetime | None = None) -> QuerySet[Referral]:
    """The referrals sent to the user's organisation: those waiting for an answer first, soonest
    deadline first, then the rest newest first. Nothing for a user who is not a provider's."""
    if not is_provider(user):
        return Referral.objects.none()
    now = now or timezone.now()
    waiting = _waiting(now)
    return (
        Referral.objects.filter(provider_id=user.organisation_id)
        .select_related("setting", "request__organisation")
        .annotate(
            waiting=Case(
                When(waiting, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
        .order_by(
            F("waiting").desc(),
            Case(When(waiting, then=F("deadline"))).asc(nulls_last=True),
            "-sent_at",
            "-pk",
        )
    )


def referrals_waiting_count(user: User, *, now: datetime | None = None) -> int:
    """How many referrals wait for the user's organisation to answer (one query)."""
    if not is_provider(user):
        return 0
    now = now or timezone.now()
    return Referral.objects.filter(_waiting(now), provider_id=user.organisation_id).count()


def referral_get(user: User, pk: int) -> Referral:
    """One referral, for a user of the provider it was sent to or an LA officer or manager of the
    requesting LA. Anyone else gets a 404: the page never says that it exists."""
    referral = (
        Referral.objects.filter(pk=pk)
        .select_related("setting", "provider", "request__organisation", "sent_by", "answered_by")
        .first()
    )
    if referral is None or not (
        can_answer_referral(user, referral) or can_see_referral_as_la(user, referral)
    ):
        raise Http404("No such referral")
    return referral


def referral_messages(referral: Referral) -> list[ReferralMessage]:
    """The thread, oldest first, with each author (the caller may see the referral)."""
    return list(referral.messages.select_related("author").order_by("created_at", "pk"))


@dataclass(frozen=True)
class ReferralState:
    """What each side may see and do on a referral now."""

    key: str  # waiting, interested, not_able, expired, filled, placed or closed
    live: bool  # the provider sees the child's profile, the places and the thread
    can_answer: bool  # the provider may answer, or change its answer
    can_message: bool  # either side may send a message
    provider_status: str  # the status in the provider's words
    closed_reason: str  # why the provider cannot answer ("" when it can)


PROVIDER_STATUS = {
    "waiting": "Waiting for your answer",
    "interested": "You said you are interested",
    "not_able": "You said you are not able to offer a placement",
    "expired": "The deadline passed without an answer",
    "filled": "The place has been filled",
    "placed": "Placement agreed here",
    "closed": "The local authority has closed this request",
}


def referral_state(referral: Referral, *, now: datetime | None = None) -> ReferralState:
    now = now or timezone.now()
    request_open = referral.request.status == PlacementRequest.Status.OPEN
    status = referral.status
    passed = now >= referral.deadline
    if status == Referral.Status.FILLED:
        key = "filled"
    elif status == Referral.Status.PLACED:
        key = "placed"
    elif status == Referral.Status.EXPIRED or (status == Referral.Status.SENT and passed):
        # Unanswered at the deadline is expired, whether or not the beat job has marked it yet.
        key = "expired"
    elif not request_open:
        key = "closed"
    elif status == Referral.Status.SENT:
        key = "waiting"
    else:
        key = str(status)  # interested or not_able
    live = key in ("waiting", "interested", "not_able")
    can_answer = live and not passed
    if can_answer:
        closed_reason = ""
    elif live:
        closed_reason = (
            "The deadline has passed, so your answer can no longer be changed. Send a message "
            "to the local authority if something has changed."
        )
    else:
        closed_reason = f"{PROVIDER_STATUS[key]}: this referral can no longer be answered."
    return ReferralState(
        key=key,
        live=live,
        can_answer=can_answer,
        can_message=live,
        provider_status=PROVIDER_STATUS[key],
        closed_reason=closed_reason,
    )


# The LA's referrals across its requests ---------------------------------------------------------


class LaReferralShow:
    ALL = "all"
    WAITING = "waiting"
    ANSWERED = "answered"
    CLOSED = "closed"
    CHOICES = (ALL, WAITING, ANSWERED, CLOSED)


def _la_groups(now: datetime) -> dict[str, Q]:
    """Waiting for the provider; answered while the request is open; closed (expired, placed,
    filled, or the request closed)."""
    open_request = Q(request__status=PlacementRequest.Status.OPEN)
    waiting = open_request & Q(status=Referral.Status.SENT, deadline__gt=now)
    answered = open_request & Q(status__in=[Referral.Status.INTERESTED, Referral.Status.NOT_ABLE])
    return {
        LaReferralShow.WAITING: waiting,
        LaReferralShow.ANSWERED: answered,
        LaReferralShow.CLOSED: ~(waiting | answered),
    }


def referrals_for_la(
    user: User, *, show: str = LaReferralShow.ALL, now: datetime | None = None
) -> QuerySet[Referral]:
    """The referrals of the user's local authority's requests, newest first: all, or those
    waiting, answered or closed. Nothing for anyone but its officers and managers."""
    if not can_make_placement_requests(user) or user.organisation_id is None:
        return Referral.objects.none()
    now = now or timezone.now()
    referrals = Referral.objects.filter(request__organisation_id=user.organisation_id)
    group = _la_groups(now).get(show)
    if group is not None:
        referrals = referrals.filter(group)
    return referrals.select_related("setting", "request").order_by("-sent_at", "-pk")


def la_referral_counts(user: User, *, now: datetime | None = None) -> dict[str, int]:
    """How many of the LA's referrals are in each group, and in all (one query)."""
    now = now or timezone.now()
    counts = (
        referrals_for_la(user, now=now)
        .order_by()
        .aggregate(
            **{LaReferralShow.ALL: Count("pk")},
            **{name: Count("pk", filter=q) for name, q in _la_groups(now).items()},
        )
    )
    return {name: counts.get(name) or 0 for name in LaReferralShow.CHOICES}
