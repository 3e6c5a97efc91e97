"""Celery tasks for providers: take ids or settings, call a service, safe to run twice."""

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings

from providers import services


@shared_task
def ofsted_refresh() -> int | None:
    """Import OFSTED_SOURCE if it changed. Returns the import's id (None if nothing to do)."""
    if not settings.OFSTED_SOURCE:
        return None
    record = services.ofsted_refresh(source=settings.OFSTED_SOURCE)
    return record.pk if record else None


@shared_task(autoretry_for=(SMTPException, OSError), retry_backoff=60, max_retries=5)
def ofsted_digest_send(import_id: int) -> int:
    return services.ofsted_digest_send(import_id=import_id)
