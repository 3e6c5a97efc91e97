"""Celery tasks for providers: take ids or settings, call a service, safe to run twice."""

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings

from common.queue import enqueue_each
from providers import selectors, services, vacancy_reminders


@shared_task
def ofsted_refresh() -> int | None:
    """Import OFSTED_SOURCE if it changed. Returns the import's id (None if nothing to do)."""
    if not settings.OFSTED_SOURCE:
        return None
    record = services.ofsted_refresh(source=settings.OFSTED_SOURCE)
    return record.pk if record else None


@shared_task
def ofsted_uploads_clean_up() -> int:
    """Delete uploaded lists no preview can use any more. Returns how many files."""
    return services.ofsted_uploads_clean_up()


@shared_task(autoretry_for=(SMTPException, OSError), retry_backoff=60, max_retries=5)
def ofsted_digest_send(import_id: int) -> int:
    return services.ofsted_digest_send(import_id=import_id)


@shared_task
def ofsted_digests_send_unsent() -> int:
    """Queue the digests of scheduled imports that were not sent (Redis down when the import
    committed). Returns how many were queued."""
    ids = selectors.ofsted_import_ids_digest_unsent()
    return enqueue_each(ofsted_digest_send, [(i,) for i in ids])


@shared_task
def vacancy_reminders_send() -> int:
    """Queue a reminder email for each vacancy about to turn stale. Returns how many."""
    ids = vacancy_reminders.vacancy_ids_due_reminder()
    return enqueue_each(vacancy_reminder_send, [(i,) for i in ids])


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=60,
    retry_backoff_max=600,
    max_retries=5,
)
def vacancy_reminder_send(vacancy_id: int) -> bool:
    return vacancy_reminders.vacancy_reminder_send(vacancy_id=vacancy_id)
