"""Celery tasks for geo: take settings, call a service, safe to run twice.

Each task is its own function with its own service.
"""

from celery import shared_task
from django.conf import settings

from geo import road_networks
from geo.transit.services import transit_feeds_refresh as refresh

# --- Road networks ------------------------------------------------------------------------------


@shared_task
def road_networks_rebuild() -> list[dict[str, object]]:
    """Rebuild the road network of each extract in ROAD_EXTRACTS that changed (an unchanged one
    costs a hash, or a 304 for a URL). Returns each build's summary, or its error."""
    return road_networks.road_networks_rebuild(sources=list(settings.ROAD_EXTRACTS))


# --- Public transport timetables ------------------------------------------------------------


@shared_task
def transit_feeds_refresh() -> list[str]:
    """Re-import each of TRANSIT_FEED_URLS; unchanged ones are skipped by their hash.
    Returns each feed's status ("created", "replaced", "unchanged")."""
    if not settings.TRANSIT_FEED_URLS:
        return []
    return [s.status for s in refresh(sources=list(settings.TRANSIT_FEED_URLS))]
