"""Each role's work, for its home page: one query per panel, scoped to the signed-in person's own
local authority or provider organisation, or a hub admin's region. Nothing here is another
organisation's (another LA's requests, another provider's referrals, another region's claims).

Every function takes `now`, so a test can fix the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings as django_settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Window
from django.utils import timezone

from accounts.models import User
from accounts.permissions import can_manage_national_data, can_manage_region
from brokerage.models import Referral, ReferralMessage
from brokerage.referral_selectors import _waiting
from placements.models import PlacementRequest
from providers.facts import VacancyView, vacancy_view
from providers.models import OfstedImport, Setting, SettingClaim
from providers.permissions import is_member_la_user, is_provider
from providers.selectors import claims_decidable

# The most rows a panel lists; its heading still counts them all.
PANEL_ROWS = 20


@dataclass(frozen=True)
class Panel:
    """Up to PANEL_ROWS items, and how many there are in all."""

    items: list[Any]
    total: int

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.items))


def _panel(queryset: QuerySet[Any], rows: int = PANEL_ROWS) -> Panel:
    """One query: the first `rows` items, each carrying the total (a window count)."""
    items = list(queryset.annotate(panel_total=Window(Count("pk")))[:rows])
    return Panel(items=items, total=items[0].panel_total if items else 0)


def _day_bounds(now: datetime) -> tuple[datetime, datetime]:
    today = timezone.localdate(now)
    zone = timezone.get_current_timezone()
    start = datetime.combine(today, time.min, tzinfo=zone)
    return start, start + timedelta(days=1)


def _last_message(field_name: str) -> Subquery:
    return Subquery(
        ReferralMessage.objects.filter(referral=OuterRef("pk"))
        .order_by("-created_at", "-pk")
        .values(field_name)[:1]
    )


def _live(now: datetime) -> Q:
    """A referral both sides may still write on: the request open, not closed, and not unanswered
    past its deadline (as brokerage.referrals.referral_message_post allows)."""
    return Q(
        request__status=PlacementRequest.Status.OPEN,
        status__in=[Referral.Status.SENT, Referral.Status.INTERESTED, Referral.Status.NOT_ABLE],
    ) & ~Q(status=Referral.Status.SENT, deadline__lte=now)


def _questions_waiting(now: datetime, *, for_la: bool) -> Any:
    """Live referrals whose newest message is the other side's: a question (or a reply) waiting.
    For the LA, the provider wrote last; for the provider, the LA did."""
    return (
        Referral.objects.filter(_live(now))
        .annotate(
            last_from_provider=_last_message("from_provider"),
            last_message_at=_last_message("created_at"),
            last_message=_last_message("body"),
        )
        .filter(last_from_provider=for_la)
    )


def request_questions_waiting(
    placement_request: PlacementRequest, *, now: datetime | None = None
) -> list[Referral]:
    """The referrals of one request (the caller may see it) whose provider wrote last: a question
    waiting for the officer's reply. Oldest question first."""
    now = now or timezone.now()
    return list(
        _questions_waiting(now, for_la=True)
        .filter(request=placement_request)
        .select_related("setting")
        .order_by("last_message_at", "pk")
    )


# Placement officers and LA managers ------------------------------------------------------------


# An id no organisation has: the panels of someone outside the role are empty.
NOBODY = 0


def _la_id(user: User) -> int:
    return user.organisation_id or NOBODY if is_member_la_user(user) else NOBODY


def la_open_requests(user: User, *, now: datetime | None = None) -> Panel:
    """The LA's open requests, newest first, with how their referrals stand."""
    now = now or timezone.now()
    questions = _questions_waiting(now, for_la=True).filter(request=OuterRef("pk"))
    requests = (
        PlacementRequest.objects.filter(
            organisation_id=_la_id(user), status=PlacementRequest.Status.OPEN
        )
        .annotate(
            referrals_sent=Count("referrals"),
            waiting=Count(
                "referrals",
                filter=Q(referrals__status=Referral.Status.SENT, referrals__deadline__gt=now),
            ),
            offers=Count("referrals", filter=Q(referrals__status=Referral.Status.INTERESTED)),
            not_able=Count("referrals", filter=Q(referrals__status=Referral.Status.NOT_ABLE)),
            question_waiting=Exists(questions),
        )
        .order_by("-created_at", "-pk")
    )
    return _panel(requests)


def la_questions_waiting(user: User, *, now: datetime | None = None) -> Panel:
    """Questions from providers waiting for the LA's reply, the longest waiting first."""
    now = now or timezone.now()
    return _panel(
        _questions_waiting(now, for_la=True)
        .filter(request__organisation_id=_la_id(user))
        .select_related("setting", "request")
        .order_by("last_message_at", "pk")
    )


def la_answers(user: User, *, now: datetime | None = None) -> Panel:
    """Providers' answers (interested, not able) on the LA's open requests, newest first."""
    return _panel(
        Referral.objects.filter(
            request__organisation_id=_la_id(user),
            request__status=PlacementRequest.Status.OPEN,
            status__in=[Referral.Status.INTERESTED, Referral.Status.NOT_ABLE],
            answered_at__isnull=False,
        )
        .select_related("setting", "request")
        .order_by("-answered_at", "-pk")
    )


def la_deadlines_today(user: User, *, now: datetime | None = None) -> Panel:
    """The LA's referrals due an answer today and still unanswered (those already past today's
    deadline too), soonest first."""
    now = now or timezone.now()
    start, end = _day_bounds(now)
    return _panel(
        Referral.objects.filter(
            request__organisation_id=_la_id(user),
            request__status=PlacementRequest.Status.OPEN,
            status__in=[Referral.Status.SENT, Referral.Status.EXPIRED],
            answered_at__isnull=True,
            deadline__gte=start,
            deadline__lt=end,
        )
        .select_related("setting", "request")
        .order_by("deadline", "pk")
    )


def la_placements_to_record(user: User, *, now: datetime | None = None) -> Panel:
    """Open requests with at least one provider interested and no placement recorded yet."""
    return _panel(
        PlacementRequest.objects.filter(
            organisation_id=_la_id(user),
            status=PlacementRequest.Status.OPEN,
            outcome__isnull=True,
        )
        .annotate(offers=Count("referrals", filter=Q(referrals__status=Referral.Status.INTERESTED)))
        .filter(offers__gt=0)
        .order_by("created_at", "pk")
    )


# Provider admins and users ---------------------------------------------------------------------


def _provider_id(user: User) -> int:
    return user.organisation_id or NOBODY if is_provider(user) else NOBODY


def provider_referrals_to_answer(user: User, *, now: datetime | None = None) -> Panel:
    """Referrals waiting for the organisation's answer, the soonest deadline first."""
    now = now or timezone.now()
    return _panel(
        Referral.objects.filter(_waiting(now), provider_id=_provider_id(user))
        .select_related("setting", "request__organisation")
        .order_by("deadline", "pk")
    )


def provider_questions_waiting(user: User, *, now: datetime | None = None) -> Panel:
    """Live referrals where the local authority wrote last (a question, or a reply to one)."""
    now = now or timezone.now()
    return _panel(
        _questions_waiting(now, for_la=False)
        .filter(provider_id=_provider_id(user))
        .select_related("setting", "request__organisation")
        .order_by("last_message_at", "pk")
    )


@dataclass(frozen=True)
class VacancyToConfirm:
    setting: Setting
    view: VacancyView


def provider_vacancies_to_confirm(user: User, *, now: datetime | None = None) -> Panel:
    """The organisation's open settings whose vacancy needs confirming (stale) or is out of date
    (no longer in searches), the longest unconfirmed first."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    # Stale from the day VACANCY_STALE_DAYS after the day it was confirmed (as vacancy_view).
    first_fresh_day = today - timedelta(days=django_settings.VACANCY_STALE_DAYS - 1)
    threshold = datetime.combine(first_fresh_day, time.min, tzinfo=timezone.get_current_timezone())
    panel = _panel(
        Setting.objects.filter(
            provider_organisation_id=_provider_id(user),
            status=Setting.Status.ACTIVE,
            vacancy__confirmed_at__lt=threshold,
        )
        .select_related("vacancy")
        .order_by("vacancy__confirmed_at", "pk")
    )
    items = [VacancyToConfirm(s, vacancy_view(s.vacancy, now=now)) for s in panel.items]
    return Panel(items=items, total=panel.total)


# Hub admins ------------------------------------------------------------------------------------


def hub_claims_waiting(user: User, *, now: datetime | None = None) -> Panel:
    """Claims for the region's settings (every claim, for the operator) waiting for a
    decision, the oldest first."""
    return _panel(
        claims_decidable(actor=user)
        .filter(status=SettingClaim.Status.PENDING)
        .select_related("setting", "organisation")
        .order_by("created_at", "pk")
    )


def operator_imports_to_confirm(user: User, *, now: datetime | None = None) -> Panel:
    """Previews of Ofsted's list that can still be confirmed, newest first: the national
    operator's (no one else imports the national register)."""
    previews = OfstedImport.objects.filter(status=OfstedImport.Status.PREVIEWED)
    if not can_manage_national_data(user):
        previews = previews.none()
    return _panel(
        previews.exclude(upload="").select_related("started_by").order_by("-created_at", "-pk")
    )


def last_import(user: User) -> OfstedImport | None:
    """The last import that ran for real (imported, skipped as unchanged, or failed). Ofsted's
    list is the whole country's, so this is the same for every region."""
    if not (can_manage_region(user) or can_manage_national_data(user)):
        return None
    return (
        OfstedImport.objects.exclude(status=OfstedImport.Status.PREVIEWED)
        .order_by("-created_at", "-pk")
        .first()
    )


# The home page --------------------------------------------------------------------------------


@dataclass
class WorkQueue:
    """What the home page shows: the panels of the person's role (none for others)."""

    kind: str  # "la", "provider", "hub" or ""
    panels: dict[str, Panel] = field(default_factory=dict)
    last_import: OfstedImport | None = None


def work_queue(user: User, *, now: datetime | None = None) -> WorkQueue:
    now = now or timezone.now()
    if is_member_la_user(user):
        return WorkQueue(
            kind="la",
            panels={
                "requests": la_open_requests(user, now=now),
                "questions": la_questions_waiting(user, now=now),
                "answers": la_answers(user, now=now),
                "deadlines": la_deadlines_today(user, now=now),
                "to_record": la_placements_to_record(user, now=now),
            },
        )
    if is_provider(user):
        return WorkQueue(
            kind="provider",
            panels={
                "referrals": provider_referrals_to_answer(user, now=now),
                "questions": provider_questions_waiting(user, now=now),
                "vacancies": provider_vacancies_to_confirm(user, now=now),
            },
        )
    if can_manage_national_data(user):
        return WorkQueue(
            kind="hub",
            panels={
                "claims": hub_claims_waiting(user, now=now),
                "imports": operator_imports_to_confirm(user, now=now),
            },
            last_import=last_import(user),
        )
    if can_manage_region(user):
        return WorkQueue(
            kind="hub",
            panels={"claims": hub_claims_waiting(user, now=now)},
            last_import=last_import(user),
        )
    return WorkQueue(kind="")
