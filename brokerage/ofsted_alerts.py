"""Ofsted alerts: when an import shows a setting suspended, closed, judged inadequate or its
registration changed, the people who care are told through the outbox, once.

providers/ sends `settings_changed_by_ofsted` inside the import's transaction with the events it
has just saved; `ofsted_alerts_queue` (connected in BrokerageConfig.ready) writes the
Notification rows in that same transaction, so they commit or roll back with the import (a
preview queues nothing) and are sent after the commit by the outbox's task and sweep.

Who is told about a setting, and nobody else (hub admins keep their digest,
providers.services.ofsted_digest_send):

- the active placement officers and LA managers of each local authority with a *live referral*
  there (`Referral.OPEN_STATUSES`: waiting for an answer, or interested) or a *current
  placement* there. A `PlacementOutcome` has a start date and no end date, and recording one
  closes its request as "placed here" for good (a request is never reopened). So "current"
  here means: an outcome at that setting whose start date has come, and whose request is still
  closed as placed here. Without an end date, a placement that has since ended still counts;
  telling an LA once too often about a home it placed a child in is the safer mistake. A
  placement agreed to start later is not current yet (and its referral is no longer live), so
  its LA hears only of changes Ofsted shows once the start date has come.
- the active provider admins and users of the organisation running the setting, unless they
  narrowed their emails to other settings (`referral_recipients`, the same rule as for
  referrals).

Each of them chooses which kinds of alert they get (`NotificationPreference.alert_*`, all on by
default). One email per setting per import per person, listing every change of the kinds they
chose (a suspension and an inadequate judgement on the same list are one email, not two). Its
key is the import and the setting, so however often the import's job, the send task or the
sweep runs, each change is told to each person exactly once; re-importing the same list makes
no new events and so no new alerts.

An alert names the setting (its name, or its type and URN) and what happened in plain words,
links to its page, and tells an LA user which of their requests are there (by their own case
reference). It never gives a private home's address, and there is no child's name to give.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from accounts.models import Organisation, User
from brokerage.models import (
    ALERT_WORDS,
    Notification,
    NotificationPreference,
    PlacementOutcome,
    Referral,
    SettingAlert,
)
from brokerage.notifications import notification_queue, referral_recipients
from placements.models import CloseReason
from providers import ofsted
from providers.models import OfstedImport, Setting, SettingEvent
from providers.permissions import LA_ROLES

_REGISTRATION_CHANGES = (
    SettingEvent.Kind.REOPENED,
    SettingEvent.Kind.REINSTATED,
    SettingEvent.Kind.OWNER_CHANGED,
)
# What an event stores as the new judgement is the judgement's label (providers.services), with
# "(older scale)" after it when the inspection was on one: inadequate either way.
_INADEQUATE_LABELS = frozenset(
    {
        ofsted.Judgement.INADEQUATE.label,
        ofsted.SupportedAccommodationOutcome.SERIOUS_WEAKNESSES.label,
    }
)
_JUDGEMENT_WORDS = {
    "overall_effectiveness": "the overall experiences and progress of children and young people",
    "help_and_protection": "how well children and young people are helped and protected",
    "leadership_and_management": "the effectiveness of leaders and managers",
    "outcomes_in_education": "outcomes in education",
    "health_services": "health services",
}


def setting_alert_of(event: SettingEvent) -> SettingAlert | None:
    """Which kind of alert an event is, if any (a judgement only when it became inadequate)."""
    if event.kind == SettingEvent.Kind.SUSPENDED:
        return SettingAlert.SUSPENDED
    if event.kind == SettingEvent.Kind.CLOSED:
        return SettingAlert.CLOSED
    if event.kind in _REGISTRATION_CHANGES:
        return SettingAlert.REGISTRATION_CHANGED
    if (
        event.kind in (SettingEvent.Kind.JUDGEMENT_DECLINED, SettingEvent.Kind.JUDGEMENT_FIRST)
        and event.new_value.removesuffix(ofsted.OLDER_SCALE) in _INADEQUATE_LABELS
    ):
        return SettingAlert.INADEQUATE
    return None


def setting_label(setting: Setting) -> str:
    """ "Oak House (SC123456)", or "Children's home SC123456" when Ofsted gives no name."""
    return f"{setting.name} ({setting.urn})" if setting.name else setting.display_name


def alert_sentence(event: SettingEvent, *, record: OfstedImport) -> str:
    """What happened, in plain words: "Ofsted's list of 31 March 2025 shows Oak House
    (SC123456) as suspended." """
    listed = f"Ofsted's list of {record.as_at:%-d %B %Y}" if record.as_at else "Ofsted's list"
    name = setting_label(event.setting)
    kind = event.kind
    if kind == SettingEvent.Kind.SUSPENDED:
        return f"{listed} shows {name} as suspended."
    if kind == SettingEvent.Kind.CLOSED:
        return f"{listed} no longer shows {name}: it has closed."
    if kind == SettingEvent.Kind.REOPENED:
        return f"{listed} shows {name} as registered again, after it had closed."
    if kind == SettingEvent.Kind.REINSTATED:
        return f"{listed} shows {name} as active again: its suspension has been lifted."
    if kind == SettingEvent.Kind.OWNER_CHANGED:
        return f"{listed} shows {name} as owned by {event.new_value} (before: {event.old_value})."
    if event.field == "supported_accommodation_outcome":
        return f"{listed} shows {name} as having serious or widespread weaknesses."
    words = _JUDGEMENT_WORDS.get(event.field, event.field.replace("_", " "))
    return f"{listed} shows {name} as judged inadequate for {words}."


@dataclass
class _Placed:
    """One LA's requests at one setting: live referrals and current placements."""

    referrals: list[Referral] = field(default_factory=list)
    placements: list[PlacementOutcome] = field(default_factory=list)


def _placed_by_la(setting_ids: Iterable[int], *, today: dt.date) -> dict[int, dict[int, _Placed]]:
    """{setting id: {LA organisation id: its live referrals and current placements there}}."""
    found: dict[int, dict[int, _Placed]] = defaultdict(lambda: defaultdict(_Placed))
    ids = list(setting_ids)
    for referral in (
        Referral.objects.filter(setting_id__in=ids, status__in=Referral.OPEN_STATUSES)
        .select_related("request")
        .order_by("request__reference", "pk")
    ):
        found[referral.setting_id][referral.request.organisation_id].referrals.append(referral)
    for outcome in (
        PlacementOutcome.objects.filter(
            setting_id__in=ids,
            start_date__lte=today,
            request__close_reason=CloseReason.PLACED_HERE,
        )
        .select_related("request")
        .order_by("request__reference", "pk")
    ):
        found[outcome.setting_id][outcome.request.organisation_id].placements.append(outcome)
    return found


def _chosen(user: User, events: list[tuple[SettingAlert, SettingEvent]]) -> list[SettingEvent]:
    """The events of the kinds the user wants (no preference saved: every kind)."""
    preference: NotificationPreference | None = getattr(user, "notification_preference", None)
    return [e for alert, e in events if preference is None or preference.wants_alert(alert)]


def ofsted_alerts_queue(
    *, record: OfstedImport, events: Iterable[SettingEvent], **_: Any
) -> list[Notification]:
    """Queue the alerts an import's events call for (the receiver of
    `settings_changed_by_ofsted`, inside the import's transaction). A preview queues nothing.
    Returns the notifications written."""
    if record.status != OfstedImport.Status.COMMITTED:
        return []
    by_setting: dict[int, list[tuple[SettingAlert, SettingEvent]]] = defaultdict(list)
    settings: dict[int, Setting] = {}
    for event in events:
        alert = setting_alert_of(event)
        if alert is not None:
            by_setting[event.setting.pk].append((alert, event))
            settings[event.setting.pk] = event.setting
    if not by_setting:
        return []
    placed = _placed_by_la(by_setting, today=timezone.localdate())
    la_ids = {la_id for per_la in placed.values() for la_id in per_la}
    la_users: dict[int, list[User]] = defaultdict(list)
    for user in (
        User.objects.filter(
            organisation_id__in=la_ids,
            organisation__kind=Organisation.Kind.LOCAL_AUTHORITY,
            is_active=True,
            role__in=LA_ROLES,
        )
        .select_related("notification_preference")
        .order_by("pk")
    ):
        assert user.organisation_id is not None
        la_users[user.organisation_id].append(user)

    made: list[Notification] = []
    for setting_id, setting_events in by_setting.items():
        setting = settings[setting_id]
        audiences: list[tuple[list[User], _Placed | None]] = [
            (la_users[la_id], requests) for la_id, requests in placed[setting_id].items()
        ]
        audiences.append((referral_recipients(setting), None))
        for users, requests in audiences:
            for user in users:
                chosen = _chosen(user, setting_events)
                if chosen:
                    made += _queue_one(user, setting, chosen, requests, record=record)
    return made


def _queue_one(
    user: User,
    setting: Setting,
    events: list[SettingEvent],
    requests: _Placed | None,
    *,
    record: OfstedImport,
) -> list[Notification]:
    alerts = {setting_alert_of(e) for e in events}
    what = ", ".join(words for alert, words in ALERT_WORDS.items() if alert in alerts)
    return notification_queue(
        recipients=[user],
        kind=Notification.Kind.SETTING_ALERT,
        key=f"ofsted-{record.pk}:setting-{setting.pk}",
        template="brokerage/email/setting_alert.txt",
        context={
            "setting": setting,
            "label": setting_label(setting),
            "what": what,
            "sentences": [alert_sentence(e, record=record) for e in events],
            "requests": requests,
        },
    )
