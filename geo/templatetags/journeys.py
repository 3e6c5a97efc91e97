"""`{% load journeys %}`: geo/journeys.py's formatter for templates.

{{ leg.minutes|journey:leg.estimated }}   → "50 min by road" / "about 35–65 min (estimated)"
{{ leg.minutes|whole_minutes }}           → 50
"""

from __future__ import annotations

from typing import Any

from django import template

from geo import journeys, modes

register = template.Library()


@register.filter
def journey(minutes: float | None, estimated: bool = False) -> str:
    return journeys.journey_minutes(minutes, estimated=bool(estimated))


@register.filter
def record_journey(record: dict[str, Any]) -> str:
    """A saved journey (a referral's place) in the page's words, by its mode."""
    return modes.record_words(record)


@register.filter
def whole_minutes(minutes: float | None) -> int | None:
    return journeys.whole_minutes(minutes)
