"""Reads of the imported feeds."""

from __future__ import annotations

from django.db.models import QuerySet

from geo.models import TransitFeed


def transit_feeds_active() -> QuerySet[TransitFeed]:
    """The feed version the engine uses for each slug."""
    return TransitFeed.objects.filter(active=True).order_by("slug")


def transit_feed_active(*, slug: str) -> TransitFeed | None:
    return TransitFeed.objects.filter(slug=slug, active=True).first()
