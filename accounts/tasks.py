"""Celery tasks: take ids, call a service, safe to run twice."""

from smtplib import SMTPException

from celery import shared_task

from accounts import selectors, services
from common.queue import enqueue_each


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=8,
)
def invitation_email_send(invitation_id: int) -> bool:
    return services.invitation_email_send(invitation_id=invitation_id)


@shared_task
def invitation_emails_send_unsent() -> int:
    """Queue the invitation emails not sent (Redis down when saved). Returns how many."""
    ids = selectors.invitation_ids_unsent()
    return enqueue_each(invitation_email_send, [(i,) for i in ids])


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
)
def password_reset_email_send(user_id: int) -> bool:
    return services.password_reset_email_send(user_id=user_id)
