"""Dates, times and periods as GOV.UK writes them: the one formatter for pages, emails, exports
and the API's human text.

Django's own time formats cannot do this: its "a" gives "p.m." and "P" gives "4:30 p.m.", which
is not GOV.UK style ("4:30pm", "12pm" at midday). The template filters in
common/templatetags/govuk_dates.py call these functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import TextChoices
from django.template.defaultfilters import date as date_filter
from django.utils import timezone


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def govuk_time(value: datetime | None) -> str:
    """4:30pm, 12pm (midday), 12am (midnight): local time."""
    if value is None:
        return ""
    local = _local(value)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local:%M}{suffix}"


def govuk_datetime(
    value: datetime | None, day_format: str = "j F Y", *, joiner: str = " at "
) -> str:
    """The day in `day_format` (a Django date format, no time in it), then the time:
    "1 December 2026 at 2:29am", or with joiner=", " "1 Dec 2026, 2:29am". Local time."""
    if value is None:
        return ""
    local = _local(value)
    return f"{date_filter(local, day_format)}{joiner}{govuk_time(local)}"


def notice_period(days: int | None) -> str:
    """The notice a setting needs: "no notice needed", "1 day's notice", "2 days' notice"."""
    if not days:
        return "no notice needed"
    return f"{days} day's notice" if days == 1 else f"{days} days' notice"


def duration_words(value: timedelta | None, *, default: str = "") -> str:
    """A length of time in words, to the minute: "15 minutes", "1 hour", "1 hour 30 minutes"."""
    if value is None:
        return default
    minutes = max(0, round(value.total_seconds() / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [
        f"{count} {unit}{'' if count == 1 else 's'}"
        for count, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))
        if count
    ]
    return " ".join(parts) or "less than a minute"


def pounds(value: Decimal | int | None, *, pence: bool = False) -> str:
    """Money as GOV.UK writes it: "£4,250" for whole pounds, "£4,250.50" with pence, "" for no
    amount. `pence=True` always shows pence ("£4,250.00"): for a price offered, which is quoted
    to the penny. Rounded to the penny first, so £4,250.004 is "£4,250"."""
    if value is None:
        return ""
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if not pence and amount == amount.to_integral_value():
        return f"£{amount:,.0f}"
    return f"£{amount:,.2f}"


Choices = type[TextChoices] | tuple[type[TextChoices], ...]


def _names(choices: Choices) -> dict[str, str]:
    names: dict[str, str] = {}
    for group in choices if isinstance(choices, tuple) else (choices,):
        names.update((value, str(name)) for value, name in group.choices)
    return names


def labels(values: Iterable[str], choices: Choices, none: str = "None") -> str:
    """Stored codes as their labels, in the order given: "Core care, Education". `choices` is one
    TextChoices or several (a child's risks and needs). An unknown code shows as itself."""
    names = _names(choices)
    return ", ".join(names.get(v, v) for v in values) or none


def label(value: str | None, choices: Choices, *, default: str = "Not stated") -> str:
    """One stored code as its label; `default` when there is none."""
    if not value:
        return default
    return _names(choices).get(value, value)


def yes_no(value: object) -> str:
    """ "Yes" or "No" for pages, exports and records (no answer reads "No")."""
    return "Yes" if value else "No"
