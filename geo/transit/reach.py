"""Where a timetable reaches: whether any feed covers a place, and everywhere from which the
place can be reached by public transport within a journey time (the search area "within 30
minutes of school by bus").

    transit_covers(school)                                    # True: a stop within walking reach
    transit_reach(school, 30, depart_at=time(8), day_kind="weekday", today=today)  # MultiPolygon

The area is measured, not drawn round the stops: geo/routes.py `reachable_area`'s grid
(REACH_GRID_METRES apart) inside the feed's extent and the disc no journey could leave, each
point sent as an origin to one profile scan towards the place (engine.transit_times, many origins
× one destination, leaving at the place's time); the squares that arrive in time are merged.
A point within walking distance of the place but of no stop counts when the walk does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time

from django.contrib.gis.geos import MultiPolygon, Point

from geo.routes import reachable_area
from geo.transit import engine

# The grid's spacing: a cell is about a 6-minute walk across, finer than the 1 km walk to a stop
# that decides most of the edge. 750 m over a town's feed (30 km across) is about 1,600 points.
REACH_GRID_METRES = 750
# The fastest straight-line progress by bus and coach (as geo/modes.py's disc): beyond it no
# point can be within the time, so none is sent.
REACH_MAX_KMH = 113.0


def transit_covers(point: Point) -> bool:
    """Whether an active feed has a stop within walking distance of the point."""
    return engine.feed_covering(point) is not None


def transit_reach(
    point: Point, minutes: int, *, depart_at: time, day_kind: str, today: date
) -> MultiPolygon | None:
    """Everywhere a journey to `point` leaving at `depart_at` takes at most `minutes`; None
    when no feed covers the point (the caller says so rather than guess)."""
    extent = engine.feed_covering(point)
    if extent is None:
        return None

    def by_timetable(origins: Sequence[Point]) -> list[float | None]:
        matrix = engine.transit_times(
            origins, point, depart_at=depart_at, day_kind=day_kind, today=today
        )
        return [cell.minutes for cell in matrix.cells]

    return reachable_area(
        point, minutes, max_kmh=REACH_MAX_KMH, spacing_metres=REACH_GRID_METRES,
        minutes_to=by_timetable, within=extent,
    )  # fmt: skip
