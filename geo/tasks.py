"""Celery tasks for geo: take settings, call a service, safe to run twice."""

from celery import shared_task
from django.conf import settings

from geo.transit.services import transit_feeds_refresh as refresh


@shared_task
def transit_feeds_refresh() -> list[str]:
    """Re-import each of TRANSIT_FEED_URLS; unchanged ones are skipped by their hash.
    Returns each feed's status ("created", "replaced", "unchanged")."""
    if not settings.TRANSIT_FEED_URLS:
        return []
    return [s.status for s in refresh(sources=list(settings.TRANSIT_FEED_URLS))]
