"""What a search asks of a region's frameworks: which settings are members now, and on what
terms, for the settings on one page of results.

"Current" is one rule everywhere: the framework and the lot have started and not ended on the
day, and the membership is active (a suspended member, or one that left, is not on the
framework for a search). Only the officer's own region's frameworks are ever asked about.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Q, QuerySet
from django.db.models.functions import JSONObject

from commissioning.models import Framework, Membership, NeedLevel, Rate, RateIncludes


def _current(prefix: str, today: date) -> Q:
    return Q(**{f"{prefix}starts_on__lte": today}) & (
        Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": today})
    )


def current_frameworks(region_id: int, *, today: date) -> QuerySet[Framework]:
    """The region's frameworks that have started and not ended, by name."""
    return Framework.objects.filter(Q(region_id=region_id) & _current("", today)).order_by("name")


def current_memberships(
    region_id: int, *, today: date, framework_id: int | None = None
) -> QuerySet[Membership]:
    """Active memberships of current lots of the region's current frameworks (or of one)."""
    q = (
        Q(status=Membership.Status.ACTIVE, lot__framework__region_id=region_id)
        & _current("lot__", today)
        & _current("lot__framework__", today)
    )
    if framework_id is not None:
        q &= Q(lot__framework_id=framework_id)
    return Membership.objects.filter(q)


@dataclass(frozen=True)
class TenderedRate:
    need_level: str
    weekly_rate: Decimal
    includes: tuple[str, ...]
    solo_premium: Decimal | None

    @property
    def need_level_label(self) -> str:
        return str(NeedLevel(self.need_level).label)

    @property
    def includes_label(self) -> str:
        names = dict(RateIncludes.choices)
        return ", ".join(str(names.get(code, code)) for code in self.includes)

    def as_record(self) -> dict[str, Any]:
        return {
            "need_level": self.need_level,
            "weekly_rate": str(self.weekly_rate),
            "includes": list(self.includes),
            "solo_premium": None if self.solo_premium is None else str(self.solo_premium),
        }


@dataclass(frozen=True)
class MemberOf:
    """One setting's current membership of one lot, with its tendered rates."""

    framework_id: int
    framework: str
    lot_number: int
    lot: str
    joined_on: date
    rates: tuple[TenderedRate, ...]

    def rate_for(self, need_level: str) -> TenderedRate | None:
        return next((rate for rate in self.rates if rate.need_level == need_level), None)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def memberships_of(
    setting_ids: Iterable[int], region_id: int, *, today: date
) -> dict[int, list[MemberOf]]:
    """Each setting's current memberships of the region's frameworks with every rate it
    tendered, in one query (a page of results asks once, not once per setting)."""
    ids = list(setting_ids)
    if not ids:
        return {}
    rates = (
        Rate.objects.filter(membership=OuterRef("pk"))
        .order_by("need_level")
        .values(
            json=JSONObject(
                need_level="need_level",
                weekly_rate="weekly_rate",
                includes="includes",
                solo_premium="solo_premium",
            )
        )
    )
    rows = (
        current_memberships(region_id, today=today)
        .filter(setting_id__in=ids)
        .annotate(rate_rows=ArraySubquery(rates))
        .order_by("lot__framework__name", "lot__number")
        .values_list(
            "setting_id",
            "lot__framework_id",
            "lot__framework__name",
            "lot__number",
            "lot__name",
            "joined_on",
            "rate_rows",
        )
    )
    found: dict[int, list[MemberOf]] = {}
    for setting_id, framework_id, framework, number, lot, joined_on, rate_rows in rows:
        tendered = tuple(
            TenderedRate(
                need_level=row["need_level"],
                weekly_rate=_decimal(row["weekly_rate"]) or Decimal("0"),
                includes=tuple(row["includes"] or ()),
                solo_premium=_decimal(row["solo_premium"]),
            )
            for row in rate_rows or ()
        )
        found.setdefault(setting_id, []).append(
            MemberOf(framework_id, framework, number, lot, joined_on, tendered)
        )
    return found
