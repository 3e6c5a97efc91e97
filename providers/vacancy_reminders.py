"""Vacancy reminders: an email a day before a vacancy turns stale, with two one-click links.

A sweep (`vacancy_ids_due_reminder`) finds statements about to turn stale; a task per vacancy
sends one email to the provider's people (`vacancy_reminder_send`), once. The email's links
("Still accurate", "No longer available") work without signing in, so everything they may do is
inside a signed token: which vacancy, which statement (its `confirmed_at`), which organisation
was emailed, and which of the two answers. Opening a link changes nothing (mail scanners open
links); pressing the button on the page it opens does (`vacancy_link_answer`).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import update_change_reason

from accounts.models import User
from common.formats import govuk_datetime
from providers import facts
from providers.models import Setting, Vacancy
from providers.permissions import PROVIDER_ROLES

logger = logging.getLogger(__name__)

VACANCY_LINK_SALT = "providers.vacancy_link"


class VacancyLinkAction:
    CONFIRM = "confirm"
    WITHDRAW = "withdraw"


# Written to the vacancy's history by an answer through a link. Besides telling people how a
# statement was made, it is how a second click on the same link is recognised (see
# `_answered_by`); keep them stable and within history_change_reason's 100 characters.
LINK_CHANGE_REASONS = {
    VacancyLinkAction.CONFIRM: "Email reminder link: still accurate",
    VacancyLinkAction.WITHDRAW: "Email reminder link: no longer available",
}


class VacancyLinkError(Exception):
    """A link that cannot be used. The message is written for the person who clicked it;
    `status` is the HTTP status its page is served with."""

    def __init__(self, message: str, *, status: int = 410) -> None:
        super().__init__(message)
        self.status = status


def _micros(value: dt.datetime) -> int:
    """A timestamp as whole microseconds since the epoch: exact, unlike float seconds."""
    return (value - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _stale_from(vacancy: Vacancy) -> dt.date:
    # As `facts.vacancy_view` counts: calendar days in local time.
    confirmed = timezone.localdate(vacancy.confirmed_at)
    return confirmed + dt.timedelta(days=settings.VACANCY_STALE_DAYS)


def vacancy_reminder_due_on(vacancy: Vacancy) -> dt.date:
    """The local day a statement's reminder is due."""
    return _stale_from(vacancy) - dt.timedelta(days=settings.VACANCY_REMINDER_LEAD_DAYS)


# Who is reminded, and when -----------------------------------------------------------------------


def _recipients(setting: Setting) -> list[str]:
    """The active provider admins and users of the organisation that runs the setting."""
    if setting.provider_organisation_id is None:
        return []
    return list(
        User.objects.filter(
            organisation_id=setting.provider_organisation_id,
            role__in=PROVIDER_ROLES,
            is_active=True,
        )
        .order_by("email")
        .values_list("email", flat=True)
    )


def vacancy_ids_due_reminder(*, now: dt.datetime | None = None) -> list[int]:
    """Vacancies whose reminder is due and not yet sent, oldest statement first.

    Due: from the start of the local day VACANCY_REMINDER_LEAD_DAYS before the statement turns
    stale (and later, so a sweep missed while the worker was down catches up). Only statements of
    free places (a "no places" statement that ages misleads nobody, and "No longer available"
    would mean nothing for it), at settings still open, run by an organisation with someone
    active to tell. A vacancy left out for want of people is not marked: it is picked up by the
    first sweep after someone joins, and costs nothing meanwhile because the query skips it.
    """
    now = now or timezone.now()
    remind_after_days = max(settings.VACANCY_STALE_DAYS - settings.VACANCY_REMINDER_LEAD_DAYS, 0)
    # The latest local day a statement can have been confirmed on and be due today.
    last_due_day = timezone.localdate(now) - dt.timedelta(days=remind_after_days)
    has_people = User.objects.filter(
        organisation_id=OuterRef("setting__provider_organisation_id"),
        role__in=PROVIDER_ROLES,
        is_active=True,
    )
    return list(
        Vacancy.objects.filter(
            reminder_sent_at__isnull=True,
            places__gt=0,
            confirmed_at__lt=_local_midnight(last_due_day + dt.timedelta(days=1)),
        )
        .exclude(setting__status=Setting.Status.CLOSED)
        .filter(Exists(has_people))
        .order_by("confirmed_at", "pk")
        .values_list("pk", flat=True)
    )


def _is_due(vacancy: Vacancy, now: dt.datetime) -> bool:
    return (
        vacancy.reminder_sent_at is None
        and vacancy.places > 0
        and vacancy.setting.status != Setting.Status.CLOSED
        and timezone.localdate(now) >= vacancy_reminder_due_on(vacancy)
    )


# The links ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VacancyLink:
    """What a signed link may do: one action, on one statement, for one organisation."""

    vacancy_id: int
    action: str
    statement_at: int  # the statement's confirmed_at, in microseconds (`_micros`)
    organisation_id: int


def vacancy_link_token(*, vacancy: Vacancy, action: str) -> str:
    if action not in LINK_CHANGE_REASONS:
        raise ValueError(f"Unknown vacancy link action: {action}")
    payload = {
        "v": vacancy.pk,
        "a": action,
        "c": _micros(vacancy.confirmed_at),
        "o": vacancy.setting.provider_organisation_id,
    }
    return signing.dumps(payload, salt=VACANCY_LINK_SALT)


def vacancy_link_url(*, vacancy: Vacancy, action: str) -> str:
    token = vacancy_link_token(vacancy=vacancy, action=action)
    return f"{settings.SITE_URL}{reverse('providers:vacancy_link', kwargs={'token': token})}"


NOT_VALID = (
    "This link is not valid. Check you copied the whole link from the email, or sign in to "
    "update the vacancy."
)


def vacancy_link_read(token: str) -> VacancyLink:
    """The link's contents if its signature holds and it has not expired; else VacancyLinkError.

    The action is inside the signed payload, so a "Still accurate" link cannot be edited into a
    "No longer available" one: any change breaks the signature.
    """
    try:
        payload = signing.loads(
            token,
            salt=VACANCY_LINK_SALT,
            max_age=dt.timedelta(days=settings.VACANCY_LINK_MAX_AGE_DAYS),
        )
    except signing.SignatureExpired as exc:
        raise VacancyLinkError(
            "This link has expired. Sign in to confirm or update the vacancy.", status=410
        ) from exc
    except signing.BadSignature as exc:
        raise VacancyLinkError(NOT_VALID, status=400) from exc
    try:
        link = VacancyLink(
            vacancy_id=int(payload["v"]),
            action=str(payload["a"]),
            statement_at=int(payload["c"]),
            organisation_id=int(payload["o"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise VacancyLinkError(NOT_VALID, status=400) from exc
    if link.action not in LINK_CHANGE_REASONS:
        raise VacancyLinkError(NOT_VALID, status=400)
    return link


@dataclass(frozen=True)
class VacancyLinkState:
    link: VacancyLink
    vacancy: Vacancy
    # True when the vacancy's current statement is this link's answer (it was pressed already,
    # by this person or a colleague who got the same email): show the confirmation again.
    answered: bool

    @property
    def setting(self) -> Setting:
        return self.vacancy.setting


def _answered_by(vacancy: Vacancy, link: VacancyLink) -> str | None:
    """Which link action made the current statement, if it directly replaced the statement this
    link was sent about; None if anything else changed it (a person, the API, a later email)."""
    records = list(vacancy.history.order_by("-history_date", "-history_id")[:2])
    if len(records) < 2 or _micros(records[1].confirmed_at) != link.statement_at:
        return None
    current = records[0]
    for action, reason in LINK_CHANGE_REASONS.items():
        if current.history_change_reason == reason:
            return action
    return None


def _state(vacancy: Vacancy | None, link: VacancyLink) -> VacancyLinkState:
    if vacancy is None:
        raise VacancyLinkError(
            "This vacancy is no longer in Find a placement, so there is nothing to confirm."
        )
    setting = vacancy.setting
    if setting.provider_organisation_id != link.organisation_id:
        raise VacancyLinkError(
            f"{setting.display_name} is no longer run by the organisation this email was sent "
            "to, so this link cannot change its vacancy."
        )
    if setting.status == Setting.Status.CLOSED:
        raise VacancyLinkError(
            f"{setting.display_name} is closed on Ofsted's register, so its vacancy cannot be "
            "confirmed."
        )
    if _micros(vacancy.confirmed_at) == link.statement_at:
        return VacancyLinkState(link=link, vacancy=vacancy, answered=False)
    answered = _answered_by(vacancy, link)
    when = govuk_datetime(vacancy.confirmed_at)
    if answered == link.action:
        return VacancyLinkState(link=link, vacancy=vacancy, answered=True)
    if answered is not None:
        said = "still accurate" if answered == VacancyLinkAction.CONFIRM else "no longer available"
        raise VacancyLinkError(
            f"Someone has already answered this reminder: on {when} they said the vacancy at "
            f"{setting.display_name} is {said}. Sign in if that needs to change."
        )
    raise VacancyLinkError(
        f"The vacancy at {setting.display_name} was updated on {when}, after this email was "
        "sent, so this link can no longer change it. Sign in if it needs to change."
    )


def vacancy_link_state(*, token: str) -> VacancyLinkState:
    """What a link would do, changing nothing (for the page a link opens); VacancyLinkError if
    it cannot be used."""
    link = vacancy_link_read(token)
    vacancy = Vacancy.objects.select_related("setting").filter(pk=link.vacancy_id).first()
    return _state(vacancy, link)


@transaction.atomic
def vacancy_link_answer(*, token: str) -> VacancyLinkState:
    """Do what a link says: confirm the statement unchanged, or say there are no places.

    Idempotent: once either link of an email has been used, the statement it was about is gone,
    so pressing the same button again (or a colleague pressing it in their copy) changes nothing
    and returns the answer already given (`answered`). A new confirmation is made only for the
    statement the email was about, so an old email cannot re-confirm a newer statement.
    """
    link = vacancy_link_read(token)
    # Locked, so two presses at once make one change: the second sees the first's answer.
    vacancy = (
        Vacancy.objects.select_for_update(of=("self",))
        .select_related("setting")
        .filter(pk=link.vacancy_id)
        .first()
    )
    state = _state(vacancy, link)
    if state.answered:
        return state
    vacancy = state.vacancy
    setting = vacancy.setting
    confirm = link.action == VacancyLinkAction.CONFIRM
    if confirm and setting.places is not None and vacancy.places > setting.places:
        raise VacancyLinkError(
            f"Ofsted now registers {setting.places} place{pluralize(setting.places)} at "
            f"{setting.display_name}, fewer than the {vacancy.places} this vacancy offers, so it "
            "cannot be confirmed as it is. Sign in to update the vacancy.",
            status=409,
        )
    try:
        statement = facts.vacancy_statement(vacancy) if confirm else {"places": 0}
        vacancy = facts.vacancy_confirm(actor=None, setting=setting, via_link=True, **statement)
    except ValidationError as exc:  # a rule added to vacancy_confirm since: say it, never a 500
        raise VacancyLinkError(
            f"{' '.join(exc.messages)}. Sign in to update the vacancy.", status=409
        ) from exc
    update_change_reason(vacancy, LINK_CHANGE_REASONS[link.action])
    return VacancyLinkState(link=link, vacancy=vacancy, answered=True)


# The email ---------------------------------------------------------------------------------------


def vacancy_update_url(setting: Setting) -> str:
    """The provider's own page for the vacancy (signing in first)."""
    return f"{settings.SITE_URL}{reverse('providers:setting_vacancy_edit', args=[setting.urn])}"


def vacancy_reminder_send(*, vacancy_id: int, now: dt.datetime | None = None) -> bool:
    """Email the provider's people about one vacancy, once. Returns False if nothing was sent.

    The row is locked while sending (skipped if another run holds it), so a retry and the next
    sweep cannot both send; if the mail server fails nothing is marked and the task retries.
    `reminder_sent_at` is written with an update, not save(), so the vacancy's history shows
    what providers said, not when we emailed them. Confirming the vacancy clears it again.
    """
    now = now or timezone.now()
    with transaction.atomic():
        vacancy = (
            Vacancy.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("setting", "setting__provider_organisation", "confirmed_by")
            .filter(pk=vacancy_id)
            .first()
        )
        if vacancy is None or not _is_due(vacancy, now):
            return False
        recipients = _recipients(vacancy.setting)
        if not recipients:
            # Nobody to tell (the last person left since the sweep). Not marked: the sweep
            # skips it until someone joins.
            logger.info("Vacancy %s: no active provider users to remind", vacancy.pk)
            return False
        setting = vacancy.setting
        link_days = settings.VACANCY_LINK_MAX_AGE_DAYS
        context = {
            "vacancy": vacancy,
            "setting": setting,
            "organisation": setting.provider_organisation,
            "confirmed_at": govuk_datetime(vacancy.confirmed_at),
            "stale_from": _stale_from(vacancy),
            "expires_from": timezone.localdate(vacancy.confirmed_at)
            + dt.timedelta(days=settings.VACANCY_EXPIRE_DAYS),
            "today": timezone.localdate(now),
            "confirm_url": vacancy_link_url(vacancy=vacancy, action=VacancyLinkAction.CONFIRM),
            "withdraw_url": vacancy_link_url(vacancy=vacancy, action=VacancyLinkAction.WITHDRAW),
            "links_until": timezone.localdate(now) + dt.timedelta(days=link_days),
            "update_url": vacancy_update_url(setting),
            "expire_days": settings.VACANCY_EXPIRE_DAYS,
            "service_name": settings.SERVICE_NAME,
        }
        send_mail(
            subject=f"Is the vacancy at {setting.display_name} still accurate?",
            message=render_to_string("providers/email/vacancy_reminder.txt", context),
            from_email=None,
            recipient_list=recipients,
        )
        Vacancy.objects.filter(pk=vacancy.pk).update(reminder_sent_at=now, updated_at=now)
        return True
