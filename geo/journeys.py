"""Journey times in words: one formatter for every page, export, email and API field.

Minutes are whole everywhere people read them (rounded half up, never "49.7 min"), and a time
the road network did not give (a straight-line estimate, see geo/travel.py) never reads "by
road" nor as one number: it reads as the range road times fall in around such an estimate,
the estimate × TRAVEL_ESTIMATE_RANGE_LOW to × TRAVEL_ESTIMATE_RANGE_HIGH (their p10 and p90,
measured on Rutland: docs/road-network.md):

    journey_minutes(49.7, estimated=False)  # "50 min by road"
    journey_minutes(49.5, estimated=True)   # "about 35–65 min (estimated)"
    journey_minutes(13, estimated=True)     # "about 10–17 min (estimated)"

Each end of a range is rounded half up to a whole minute below 30 minutes and to 5 minutes from
30 up (a rough figure should not look precise), joined by an en dash; an end is at least 1
minute, and a range whose ends round to the same number reads as that number ("about 1 min").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings

ROUND_TO_5_FROM = 30  # minutes: from here a range's ends are rounded to 5 minutes


def whole_minutes(minutes: float | None) -> int | None:
    """Whole minutes, rounded half up (49.5 → 50, 49.4 → 49); a journey is at least 1 minute."""
    if minutes is None:
        return None
    return max(1, math.floor(minutes + 0.5))


def _range_end(minutes: float) -> int:
    if minutes < ROUND_TO_5_FROM:
        return max(1, math.floor(minutes + 0.5))
    return 5 * math.floor(minutes / 5 + 0.5)


def estimate_range(minutes: float | None) -> tuple[int, int] | None:
    """The whole minutes a road time around this straight-line estimate falls in (p10 to p90),
    rounded as people read them; None with no minutes."""
    if minutes is None:
        return None
    return (
        _range_end(minutes * settings.TRAVEL_ESTIMATE_RANGE_LOW),
        _range_end(minutes * settings.TRAVEL_ESTIMATE_RANGE_HIGH),
    )


def estimate_range_text(minutes: float | None) -> str:
    """An estimate's range as figures: "35–65", or "1" when both ends round alike ("" with no
    minutes)."""
    ends = estimate_range(minutes)
    if ends is None:
        return ""
    low, high = ends
    return str(low) if low == high else f"{low}–{high}"


def journey_minutes(minutes: float | None, *, estimated: bool) -> str:
    """One journey time in words: "50 min by road", "about 35–65 min (estimated)" or, with no
    route by road, "No route by road"."""
    whole = whole_minutes(minutes)
    if whole is None:
        return "No route by road"
    if estimated:
        return f"about {estimate_range_text(minutes)} min (estimated)"
    return f"{whole} min by road"


@dataclass(frozen=True)
class JourneyCounts:
    """How one search's journey times were measured."""

    by_road: int = 0
    estimated: int = 0
    no_route: int = 0

    @property
    def total(self) -> int:
        return self.by_road + self.estimated + self.no_route

    def as_dict(self) -> dict[str, int]:
        return {"by_road": self.by_road, "estimated": self.estimated, "no_route": self.no_route}


def journey_summary(counts: JourneyCounts, *, engine: str) -> str:
    """What the search's journey times are, in one sentence ("" when there are none)."""
    if not counts.total:
        return ""
    where = (
        "the road network is not available"
        if engine == "estimate"
        else "the road network does not reach"
    )
    parts = []
    if counts.by_road:
        parts.append(f"{counts.by_road:,} journey time{'s' if counts.by_road != 1 else ''} by road")
    if counts.estimated:
        noun = "" if parts else f" journey time{'s' if counts.estimated != 1 else ''}"
        parts.append(f"{counts.estimated:,}{noun} estimated (straight line) where {where}")
    if counts.no_route:
        noun = "" if parts else " journey"
        parts.append(f"{counts.no_route:,}{noun} with no route by road")
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return text[0].upper() + text[1:] + "."
