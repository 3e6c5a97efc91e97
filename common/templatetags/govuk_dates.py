"""Dates and times as GOV.UK writes them ("4:30pm", "24 November 2026, 4:30pm"), for templates.

Registered as a builtin (config/settings/base.py, TEMPLATES), so no template needs to load it.
Django's own "a" gives "p.m.", which is not GOV.UK style.
"""

from __future__ import annotations

from datetime import datetime

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone

register = template.Library()


@register.filter
def govuk_time(value: datetime | None) -> str:
    """4:30pm, 12pm (midday), 12am (midnight): local time."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local:%M}{suffix}"


@register.filter
def govuk_datetime(value: datetime | None, day_format: str = "j F Y") -> str:
    """The day in `day_format` (a Django date format), a comma, then the time.

    "24 Nov 2026, 4:30pm".
    """
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{date_filter(local, day_format)}, {govuk_time(local)}"
