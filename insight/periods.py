"""The period a dashboard covers, and the one before it for comparison.

A period is a half-open range of days, `start <= day < end`, so that two periods next to each
other never count a day twice and `previous()` is simply the same number of days ending where
this one starts. Nothing here reads the clock: `today` is always given (tests move the clock).

The choices: the last 3, 6 or 12 months ending today (today included), a financial year (April to
March, "2025-26"), or custom dates from GOV.UK date inputs (`from-day`, `from-month`, `from-year`,
and the same for `to`), both days included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

MONTHS = (3, 6, 12)
FINANCIAL_YEARS = 4  # the current one and the three before it
DEFAULT_KEY = "6m"
CUSTOM_KEY = "custom"
LONGEST_CUSTOM_DAYS = 5 * 366


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # exclusive
    key: str = CUSTOM_KEY
    label: str = ""

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"A period must end after it starts ({self.start}, {self.end})")
        if not self.label:
            object.__setattr__(self, "label", _range_label(self.start, self.end))

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def previous(self) -> Period:
        """The same number of days, immediately before."""
        start = self.start - dt.timedelta(days=self.days)
        return Period(start=start, end=self.start, key=f"before-{self.key}")

    def contains(self, day: dt.date) -> bool:
        return self.start <= day < self.end


def _range_label(start: dt.date, end: dt.date) -> str:
    last = end - dt.timedelta(days=1)
    return f"{start:%-d %B %Y} to {last:%-d %B %Y}"


def _months_back(day: dt.date, months: int) -> dt.date:
    """The same day `months` earlier (the month's last day when it has no such day)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return dt.date(year, month, min(day.day, (following - dt.timedelta(days=1)).day))


def financial_year(start_year: int) -> Period:
    """1 April `start_year` to 31 March of the next year, labelled "2025-26"."""
    return Period(
        start=dt.date(start_year, 4, 1),
        end=dt.date(start_year + 1, 4, 1),
        key=f"fy{start_year}",
        label=f"Financial year {start_year}-{(start_year + 1) % 100:02d}",
    )


def period_choices(*, today: dt.date) -> list[Period]:
    """The named periods, as the picker lists them."""
    end = today + dt.timedelta(days=1)
    choices = [
        Period(
            start=_months_back(end, months),
            end=end,
            key=f"{months}m",
            label=f"Last {months} months",
        )
        for months in MONTHS
    ]
    current = today.year if today.month >= 4 else today.year - 1
    choices += [financial_year(year) for year in range(current, current - FINANCIAL_YEARS, -1)]
    return choices


@dataclass
class PeriodChoice:
    """What the picker asked for: the period to show, and any errors in the custom dates (then
    the period is the default one, and the form shows the errors)."""

    period: Period
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return CUSTOM_KEY if self.values and not self.errors else self.period.key


DATE_PARTS = ("day", "month", "year")
NAMES = {"from": "start date", "to": "end date"}


def _date(params: Mapping[str, str], prefix: str, errors: dict[str, str]) -> dt.date | None:
    name = NAMES[prefix]
    parts = {part: params.get(f"{prefix}-{part}", "").strip() for part in DATE_PARTS}
    if not any(parts.values()):
        errors[prefix] = f"Enter the {name}"
        return None
    missing = [part for part in DATE_PARTS if not parts[part]]
    if missing:
        errors[prefix] = f"The {name} must include a {' and '.join(missing)}"
        return None
    try:
        day, month, year = (int(parts[part]) for part in DATE_PARTS)
        if year < 1000:
            raise ValueError
        return dt.date(year, month, day)
    except ValueError:
        errors[prefix] = f"The {name} must be a real date"
        return None


def period_parse(params: Mapping[str, str], *, today: dt.date) -> PeriodChoice:
    """The period a dashboard's query string asks for (`period=3m|6m|12m|fy2025|custom`), the
    default (last 12 months) when it asks for none or for one not on the list."""
    choices = {period.key: period for period in period_choices(today=today)}
    default = choices[DEFAULT_KEY]
    key = params.get("period", "")
    if key != CUSTOM_KEY:
        return PeriodChoice(period=choices.get(key, default))
    values = {
        f"{prefix}-{part}": params.get(f"{prefix}-{part}", "")
        for prefix in NAMES
        for part in DATE_PARTS
    }
    errors: dict[str, str] = {}
    start = _date(params, "from", errors)
    last = _date(params, "to", errors)
    if start and last:
        if last > today:
            errors["to"] = "The end date must be today or in the past"
        elif start > last:
            errors["from"] = "The start date must be the same as or before the end date"
        elif (last - start).days >= LONGEST_CUSTOM_DAYS:
            errors["from"] = "The period must be 5 years or shorter"
    if errors or start is None or last is None:
        return PeriodChoice(period=default, errors=errors, values=values)
    period = Period(start=start, end=last + dt.timedelta(days=1))
    return PeriodChoice(period=period, values=values)
