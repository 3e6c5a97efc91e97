"""Supply in the region: registered settings, their places and confirmed vacancies, by kind of
placement and local authority, at the end of each month; and foster carer households by postcode
district. Read from Ofsted's list as imported (registration and closing dates), the providers'
vacancy statements (their kept history) and the agencies' households.

Three queries, whatever the size of the region: one for settings and places, one for vacancies,
one for households.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Sum

from providers.models import ACCOMMODATION_PROVISION_TYPES, Accommodation, CarerHousehold

KINDS = tuple(str(kind) for kind in Accommodation)


def month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """The last day of each month that ends inside [start, end), and `end`'s eve when the period
    stops mid-month: the points a supply chart is drawn at."""
    points: list[dt.date] = []
    month = dt.date(start.year, start.month, 1)
    while True:
        following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        last = following - dt.timedelta(days=1)
        if last >= end:
            break
        if last >= start:
            points.append(last)
        month = following
    eve = end - dt.timedelta(days=1)
    if eve >= start and (not points or points[-1] != eve):
        points.append(eve)
    return points


@dataclass(frozen=True)
class SupplyPoint:
    """One local authority's settings of one kind at the end of one day."""

    day: dt.date
    area_id: int
    kind: str
    settings: int
    places: int
    vacancies: int = 0  # settings with a confirmed vacancy then
    vacant_places: int = 0


KIND_OF_TYPE = {
    provision_type: str(kind)
    for kind, types in ACCOMMODATION_PROVISION_TYPES.items()
    for provision_type in types
}

_SETTINGS_SQL = """
SELECT d.day::date, s.local_authority_id, s.provision_type,
       count(*), coalesce(sum(s.places), 0)
FROM unnest(%(days)s::date[]) AS d(day)
JOIN providers_setting s
  ON s.registration_date <= d.day
 AND (s.closed_at IS NULL OR s.closed_at::date > d.day)
WHERE s.local_authority_id = ANY(%(areas)s) AND s.provision_type = ANY(%(types)s)
GROUP BY 1, 2, 3
"""

# A setting's vacancy statement as it stood at the end of each day (its latest kept version by
# then), counted while still confirmed recently enough to be searched.
_VACANCIES_SQL = """
SELECT d.day::date, s.local_authority_id, s.provision_type,
       count(*), coalesce(sum(v.places), 0)
FROM unnest(%(days)s::date[]) AS d(day)
JOIN providers_setting s
  ON s.registration_date <= d.day
 AND (s.closed_at IS NULL OR s.closed_at::date > d.day)
JOIN LATERAL (
    SELECT h.places, h.confirmed_at, h.history_type
    FROM providers_historicalvacancy h
    WHERE h.setting_id = s.id AND h.history_date < d.day + 1
    ORDER BY h.history_date DESC, h.history_id DESC
    LIMIT 1
) v ON TRUE
WHERE s.local_authority_id = ANY(%(areas)s) AND s.provision_type = ANY(%(types)s)
  AND v.history_type <> '-' AND v.places > 0
  AND v.confirmed_at > d.day + 1 - make_interval(days => %(expire_days)s)
GROUP BY 1, 2, 3
"""


Counted = dict[tuple[dt.date, int, str], tuple[int, int]]


def _by_kind(rows: Sequence[Sequence[Any]]) -> Counted:
    """Rows of (day, area, provision type, count, places) summed by kind of placement."""
    summed: Counted = {}
    for day, area_id, provision_type, number, places in rows:
        key = (day, area_id, KIND_OF_TYPE[provision_type])
        before = summed.get(key, (0, 0))
        summed[key] = (before[0] + number, before[1] + int(places))
    return summed


def supply_series(*, area_ids: Sequence[int], days: Sequence[dt.date]) -> list[SupplyPoint]:
    """Settings, places (as Ofsted lists them now: its list gives no past places) and confirmed
    vacancies at the end of each of `days`, for settings in the given local authority areas."""
    if not area_ids or not days:
        return []
    types = [t for kind_types in ACCOMMODATION_PROVISION_TYPES.values() for t in kind_types]
    params = {
        "days": list(days),
        "areas": list(area_ids),
        "types": types,
        "expire_days": settings.VACANCY_EXPIRE_DAYS,
    }
    with connection.cursor() as cursor:
        cursor.execute(_SETTINGS_SQL, params)
        counted = _by_kind(cursor.fetchall())
        cursor.execute(_VACANCIES_SQL, params)
        vacant = _by_kind(cursor.fetchall())
    return [
        SupplyPoint(
            day=day,
            area_id=area_id,
            kind=kind,
            settings=number,
            places=places,
            vacancies=vacant.get((day, area_id, kind), (0, 0))[0],
            vacant_places=vacant.get((day, area_id, kind), (0, 0))[1],
        )
        for (day, area_id, kind), (number, places) in sorted(counted.items())
    ]


@dataclass(frozen=True)
class HouseholdDistrict:
    district: str
    households: int
    places_now: int


def households_by_district(*, districts: Sequence[str]) -> list[HouseholdDistrict]:
    """Foster carer households (any agency's) in the given postcode districts, with the places
    they have now. Open agencies only."""
    rows = (
        CarerHousehold.objects.filter(
            postcode_district__in=list(districts), setting__closed_at__isnull=True
        )
        .values("postcode_district")
        .annotate(households=Count("pk"), places=Sum("places_now"))
        .order_by("postcode_district")
    )
    return [
        HouseholdDistrict(row["postcode_district"], row["households"], row["places"] or 0)
        for row in rows
    ]
