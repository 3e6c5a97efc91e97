"""Celery tasks for geo: take settings, call a service, safe to run twice.

Each task is its own function with its own service; add others below, apart from these.
"""

from celery import shared_task
from django.conf import settings

from geo import road_networks

# --- Road networks ------------------------------------------------------------------------------


@shared_task
def road_networks_rebuild() -> list[dict[str, object]]:
    """Rebuild the road network of each extract in ROAD_EXTRACTS that changed (an unchanged one
    costs a hash, or a 304 for a URL). Returns each build's summary, or its error."""
    return road_networks.road_networks_rebuild(sources=list(settings.ROAD_EXTRACTS))
