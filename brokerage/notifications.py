"""The notification outbox: emails written in the same transaction as what they are about, and
sent afterwards, each exactly once.

- `notification_queue` writes `Notification` rows (inside the caller's transaction) and, once it
  commits, asks Celery to send each. A rolled-back change leaves no row, so no email goes for a
  referral that was not saved.
- If Redis or the worker is down at that moment, the rows wait: `notifications_send_unsent` (beat,
  every minute) sends whatever is still unsent once they are back.
- `notification_send` locks the row (`SELECT … FOR UPDATE SKIP LOCKED`) for the whole send and
  marks it sent in the same transaction, so a retry, the sweep and a second worker cannot both
  send it. A worker killed mid-send rolls its transaction back: the row is unsent and unlocked,
  and the sweep sends it once. (The one window left: the mail server accepted the message and
  the worker died before the commit, a few milliseconds; the message's Message-ID is derived from
  the row, so a receiving system can recognise a repeat.) If instead the database goes away
  while the mail server is taking the message (a restart), the worker records the send on a new
  connection once the database is back (`RECORD_SENT_WITHIN`), so the sweep does not repeat it.
- Each provider admin or user chooses which of their organisation's settings they hear about
  and whether new referrals come in one email a day, and everyone told about Ofsted's changes
  (brokerage.ofsted_alerts) which kinds of alert they get (`notification_preference_save`);
  nobody who has not chosen misses anything. A new-referral notification for someone who chose the
  daily digest is held (`for_digest`) and sent, with the others of the day, by
  `notification_digests_send`; reminders, deadlines and outcomes still go at once.

Emails are plain text, carry no child's details beyond age, sex and what is needed, and link to
the service, where signing in is required to see more.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from smtplib import SMTPException
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Organisation, Role, User
from brokerage.models import Notification, NotificationPreference, Referral, SettingAlert
from brokerage.permissions import can_choose_emails
from common.permissions import require
from common.queue import enqueue_each_after_commit
from providers.models import Setting, SettingClaim
from providers.permissions import is_provider

logger = logging.getLogger(__name__)

PROVIDER_ROLES = (Role.PROVIDER_ADMIN, Role.PROVIDER_USER)
# The beat sweep sends at most this many a run (every minute), and gives a notification the
# mail server refused this long before trying it again (the task's own retries run meanwhile).
SWEEP_BATCH = 500
RETRY_AFTER = timedelta(minutes=15)
# A send the mail server accepted while the database went away is recorded once the database is
# back, trying for this long (a restart takes seconds) before giving up.
RECORD_SENT_WITHIN = timedelta(seconds=60)


def referral_recipients(setting: Setting, *, organisation_id: int | None = None) -> list[User]:
    """The provider users told about referrals to `setting`: active users of the organisation
    running it (or, for a referral already sent, `organisation_id`: the one it was sent to, even
    if the setting has changed hands since) who have not narrowed their notifications to other
    settings."""
    organisation_id = organisation_id or setting.provider_organisation_id
    if organisation_id is None:
        return []
    users = User.objects.filter(
        organisation_id=organisation_id, is_active=True, role__in=PROVIDER_ROLES
    ).select_related("notification_preference")
    chosen = []
    for user in users:
        preference = getattr(user, "notification_preference", None)
        if (
            preference is None
            or preference.all_settings
            or preference.settings.filter(pk=setting.pk).exists()
        ):
            chosen.append(user)
    return chosen


def officer_recipients(referral: Referral) -> list[User]:
    """The officer who sent the referral, while they can still act on it; else the LA's managers."""
    sender = referral.sent_by
    organisation_id = referral.request.organisation_id
    if sender is not None and sender.is_active and sender.organisation_id == organisation_id:
        return [sender]
    return list(
        User.objects.filter(organisation_id=organisation_id, is_active=True, role=Role.LA_MANAGER)
    )


def _wants_digest(user: User) -> bool:
    # The relation referral_recipients already loaded (select_related); absent means the default.
    preference = getattr(user, "notification_preference", None)
    return bool(preference and preference.daily_digest)


def notification_queue(
    *,
    recipients: Iterable[User],
    kind: str,
    key: str,
    template: str,
    context: dict[str, Any],
    referral: Referral | None = None,
    digestible: bool = False,
) -> list[Notification]:
    """Write one notification per recipient (skipping any already queued under the same key) and
    send them after the transaction commits. Call inside the transaction of the change."""
    made: list[Notification] = []
    for user in recipients:
        full_key = f"{key}:user-{user.pk}"
        if Notification.objects.filter(key=full_key).exists():
            continue
        text = render_to_string(
            template,
            {
                **context,
                "recipient": user,
                "service_name": settings.SERVICE_NAME,
                "site_url": settings.SITE_URL,
            },
        ).strip()
        subject, _, body = text.partition("\n")
        try:
            with transaction.atomic():
                made.append(
                    Notification.objects.create(
                        recipient=user,
                        referral=referral,
                        kind=kind,
                        key=full_key,
                        subject=subject.removeprefix("Subject: ").strip(),
                        body=body.strip() + "\n",
                        for_digest=digestible and _wants_digest(user),
                    )
                )
        except IntegrityError:
            continue  # queued by a concurrent run a moment ago
    ids = [n.pk for n in made if not n.for_digest]
    if ids:
        from brokerage.tasks import notification_send

        enqueue_each_after_commit(notification_send, ids)
    return made


def _mail_domain() -> str:
    return settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"


def message_id(notification: Notification) -> str:
    """The notification's Message-ID: the same on every attempt, so a receiving system can
    recognise a repeat."""
    return f"<notification-{notification.pk}@{_mail_domain()}>"


def notification_send(*, notification_id: int) -> bool:
    """Send one notification, once. False: already sent, held for a digest, or being sent by
    someone else right now. A mail server failure is written on the row and raised (the task
    retries; the sweep tries again in any case)."""
    try:
        return _send_locked(notification_id)
    except (SMTPException, OSError) as exc:
        Notification.objects.filter(pk=notification_id).update(
            attempts=F("attempts") + 1,
            last_error=f"{type(exc).__name__}: {exc}"[:1000],
            updated_at=timezone.now(),
        )
        raise


def _send_locked(notification_id: int) -> bool:
    accepted: list[Notification] = []  # the mail server has the message
    try:
        return _send_in_transaction(notification_id, accepted)
    except (OperationalError, InterfaceError):
        # The database went away (a restart, a failover) after the mail server accepted the
        # message and before the commit: the transaction and its lock are gone, and the row
        # still says unsent. Record the send on a new connection once the database is back, so
        # the sweep does not send it a second time. (Inside a caller's transaction nothing can
        # be recorded apart from it: the caller's error stands.)
        if not accepted or connection.in_atomic_block:
            raise
        _sent_record_after_the_fact(accepted[0])
        return True


def _sent_record_after_the_fact(notification: Notification) -> None:
    deadline = time.monotonic() + RECORD_SENT_WITHIN.total_seconds()
    pause = 0.2
    while True:
        connection.close()
        try:
            Notification.objects.filter(pk=notification.pk, sent_at__isnull=True).update(
                sent_at=notification.sent_at,
                attempts=F("attempts") + 1,
                updated_at=timezone.now(),
            )
        except (OperationalError, InterfaceError) as exc:
            if time.monotonic() > deadline:
                logger.error(
                    "Notification %s was sent but could not be recorded (%s): the sweep may send "
                    "it again, with the same Message-ID",
                    notification.pk, exc,
                )  # fmt: skip
                raise
            time.sleep(pause)
            pause = min(pause * 2, 2.0)
        else:
            logger.warning(
                "Notification %s was sent while the database was unreachable; recorded on a new "
                "connection",
                notification.pk,
            )
            return


def _send_in_transaction(notification_id: int, accepted: list[Notification]) -> bool:
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id, sent_at__isnull=True, for_digest=False)
            .first()
        )
        if notification is None:
            return False
        recipient = notification.recipient
        notification.attempts += 1
        notification.sent_at = timezone.now()
        if not recipient.is_active:
            notification.last_error = "Not sent: the recipient's account is deactivated"
            notification.save(update_fields=["sent_at", "attempts", "last_error", "updated_at"])
            return False
        EmailMessage(
            subject=notification.subject,
            body=notification.body,
            to=[recipient.email],
            headers={"Message-ID": message_id(notification)},
        ).send()
        accepted.append(notification)
        notification.save(update_fields=["sent_at", "attempts", "updated_at"])
        return True


def notification_ids_unsent(*, now: datetime | None = None) -> list[int]:
    """Notifications to send alone that are still unsent: those never tried first (a worker
    killed mid-send leaves its attempt undone, so its notification is one of them), oldest
    first; then those the mail server refused, each at most every RETRY_AFTER. So a few that
    always fail (an address the server rejects) neither hold up the rest nor pile a new chain
    of task retries into Redis every minute."""
    now = now or timezone.now()
    return list(
        Notification.objects.filter(sent_at__isnull=True, for_digest=False)
        .filter(Q(attempts=0) | Q(updated_at__lte=now - RETRY_AFTER))
        .order_by("attempts", "created_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )


def notification_digests_send(*, now: datetime | None = None) -> int:
    """One email per person with every notification held for their digest, marked sent in the
    same transaction as the send. A digest the mail server refuses stays held and the others
    still go; the error is raised at the end so the task retries. Returns how many went."""
    now = now or timezone.now()
    sent = 0
    failure: Exception | None = None
    recipient_ids = (
        Notification.objects.filter(sent_at__isnull=True, for_digest=True)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    for recipient_id in list(recipient_ids):
        try:
            sent += _digest_send(recipient_id, now)
        except (SMTPException, OSError) as exc:
            logger.warning("Digest for user %s not sent, kept for a retry: %s", recipient_id, exc)
            failure = exc
    if failure is not None:
        raise failure
    return sent


@transaction.atomic
def _digest_send(recipient_id: int, now: datetime) -> int:
    held = list(
        Notification.objects.select_for_update(skip_locked=True)
        .filter(recipient_id=recipient_id, sent_at__isnull=True, for_digest=True)
        .order_by("created_at", "pk")
    )
    if not held:
        return 0  # sent a moment ago by another run
    recipient = User.objects.get(pk=recipient_id)
    if recipient.is_active:
        body = render_to_string(
            "brokerage/email/digest.txt",
            {
                "recipient": recipient,
                "notifications": held,
                "service_name": settings.SERVICE_NAME,
                "site_url": settings.SITE_URL,
            },
        )
        EmailMessage(
            subject=f"{settings.SERVICE_NAME}: your updates today ({len(held)})",
            body=body,
            to=[recipient.email],
            headers={"Message-ID": f"<digest-{held[0].pk}@{_mail_domain()}>"},
        ).send()
    Notification.objects.filter(pk__in=[n.pk for n in held]).update(
        sent_at=now, attempts=F("attempts") + 1, updated_at=now
    )
    return 1 if recipient.is_active else 0


# --- Preferences -------------------------------------------------------------------------------


def notification_preference_for(user: User) -> NotificationPreference:
    """The user's preference, or the default (every setting, one email each, every Ofsted
    alert) unsaved."""
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference or NotificationPreference(user=user, all_settings=True, daily_digest=False)


@transaction.atomic
def notification_preference_save(
    *,
    actor: User,
    all_settings: bool = True,
    settings: Iterable[Setting] = (),
    daily_digest: bool = False,
    alerts: Iterable[str] | None = None,
) -> NotificationPreference:
    """The actor's own email choices. A provider admin or user chooses which of their
    organisation's settings they are told about (all, or the ones chosen: at least one) and
    whether new referrals come in one email a day; settings run by another organisation are
    refused. A placement officer or LA manager has no referral choices to make (passing any is
    refused) and chooses only `alerts`. `alerts` is the kinds of Ofsted alert wanted
    (`SettingAlert`; None leaves them as they are)."""
    require(can_choose_emails(actor))
    chosen = list({s.pk: s for s in settings}.values())
    if not is_provider(actor):
        require(all_settings and not chosen and not daily_digest)
    foreign = [s for s in chosen if s.provider_organisation_id != actor.organisation_id]
    if foreign:
        names = ", ".join(s.display_name for s in foreign)
        raise ValidationError(
            {"settings": f"Choose only settings {actor.organisation} runs ({names} is not one)"}
        )
    if not all_settings and not chosen:
        raise ValidationError({"settings": "Choose at least one setting, or choose all"})
    values: dict[str, bool] = {"all_settings": all_settings, "daily_digest": daily_digest}
    if alerts is not None:
        wanted = set(alerts)
        unknown = wanted - set(SettingAlert.values)
        if unknown:
            raise ValidationError({"alerts": "Choose only alerts from the list"})
        values |= {
            name: kind in wanted for kind, name in NotificationPreference.ALERT_FIELDS.items()
        }
    preference, _ = NotificationPreference.objects.select_for_update().update_or_create(
        user=actor, defaults=values
    )
    preference.settings.set([] if all_settings else chosen)
    return preference


def setting_transferred_notify(
    *, claim: SettingClaim, setting: Setting, previous: Organisation, now: Any, **_: Any
) -> None:
    """Email both providers once when a setting moves between them (providers/ sends
    `setting_transferred` inside the move's transaction, so these commit with it)."""
    for side, organisation in (("from", previous), ("to", claim.organisation)):
        notification_queue(
            recipients=User.objects.filter(
                organisation=organisation, is_active=True, role__in=PROVIDER_ROLES
            ).order_by("pk"),
            kind=Notification.Kind.SETTING_TRANSFERRED,
            key=f"claim-{claim.pk}:transferred:{side}",
            template=f"providers/email/setting_transferred_{side}.txt",
            context={
                "setting": setting,
                "previous": previous,
                "new": claim.organisation,
                "when": now,
            },
        )
