"""Dates and times as GOV.UK writes them ("4:30pm", "24 November 2026, 4:30pm"), notice periods,
durations and money, for templates.

Registered as a builtin (config/settings/base.py, TEMPLATES), so no template needs to load it.
Django's own "a" gives "p.m.", which is not GOV.UK style: never format a time with Django's
`date`/`time` filters (tests/test_time_format.py checks every template for it). The functions
live in common/formats.py, shared with emails, exports and Python-built text.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django import template

from common import formats

register = template.Library()


@register.filter
def govuk_time(value: datetime | None) -> str:
    """4:30pm, 12pm (midday), 12am (midnight): local time."""
    return formats.govuk_time(value)


@register.filter
def govuk_datetime(value: datetime | None, day_format: str = "j F Y") -> str:
    """The day in `day_format` (a Django date format), a comma, then the time.

    "24 Nov 2026, 4:30pm".
    """
    return formats.govuk_datetime(value, day_format, joiner=", ")


@register.filter
def notice_period(days: int | None) -> str:
    """ "no notice needed", "1 day's notice", "2 days' notice"."""
    return formats.notice_period(days)


@register.filter
def duration_words(value: timedelta | None) -> str:
    """ "15 minutes", "1 hour 30 minutes"."""
    return formats.duration_words(value)


@register.filter
def pounds(value: Decimal | None, style: str = "") -> str:
    """ "£4,250" or "£4,250.50" ("" for no amount); `|pounds:"pence"` always shows pence."""
    return formats.pounds(value, pence=style == "pence")
