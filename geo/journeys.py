"""Journey times in words: one formatter for every page, export, email and API field.

Minutes are whole everywhere people read them (rounded half up, never "49.7 min"), and a time
the road network did not give (a straight-line estimate, see geo/travel.py) never reads "by
road":

    journey_minutes(49.7, estimated=False)  # "50 min by road"
    journey_minutes(49.5, estimated=True)   # "about 50 min (estimated)"
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def whole_minutes(minutes: float | None) -> int | None:
    """Whole minutes, rounded half up (49.5 → 50, 49.4 → 49); a journey is at least 1 minute."""
    if minutes is None:
        return None
    return max(1, math.floor(minutes + 0.5))


def journey_minutes(minutes: float | None, *, estimated: bool) -> str:
    """One journey time in words: "50 min by road", "about 50 min (estimated)" or, with no
    route by road, "No route by road"."""
    whole = whole_minutes(minutes)
    if whole is None:
        return "No route by road"
    if estimated:
        return f"about {whole} min (estimated)"
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
