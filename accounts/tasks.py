"""Celery tasks: take ids, call a service, safe to run twice."""

from smtplib import SMTPException

from celery import shared_task

from accounts import selectors, services


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
    ids = selectors.invitation_ids_unsent()
    for invitation_id in ids:
        invitation_email_send.delay(invitation_id)
    return len(ids)


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
)
def password_reset_email_send(user_id: int) -> bool:
    return services.password_reset_email_send(user_id=user_id)
