"""Celery tasks: take ids, call a service, safe to run twice."""

from smtplib import SMTPException

from celery import shared_task

from brokerage import notifications, referrals
from common.queue import enqueue_each


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=8,
)
def notification_send(notification_id: int) -> bool:
    return notifications.notification_send(notification_id=notification_id)


@shared_task
def notifications_send_unsent() -> int:
    """Queue what was not sent (Redis down when it was saved). Returns how many were queued."""
    ids = notifications.notification_ids_unsent()
    return enqueue_each(notification_send, [(i,) for i in ids])


# A digest the mail server refused stays held (the ones that went are marked sent), so a retry
# sends only what is left; without it, the rest would wait for tomorrow's run.
@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=60,
    retry_backoff_max=1800,
    max_retries=6,
)
def notification_digests_send() -> int:
    return notifications.notification_digests_send()


@shared_task
def referral_deadlines_check() -> dict[str, int]:
    return referrals.referral_deadlines_check()
