"""Sufficiency: who the region's requests were for, how many found nothing and where the search
ran out, how long placing took and how providers answered. For requests made (created) in a
period by the LAs in scope; referrals by the day they were sent.

A fixed number of queries whatever the number of requests: one of conditional counts for every
category, one for the requests that found nothing (with their latest search's funnel), one for
time to placement, two for referrals (in all and by provider)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from brokerage.benchmarks import PercentileCont
from brokerage.models import Referral
from placements.models import ChildSex, PlacementRequest, Urgency
from providers.models import Need, PlacementKind, Risk

AGE_BANDS = (("0-4", 0, 4), ("5-9", 5, 9), ("10-15", 10, 15), ("16-17", 16, 17), ("18+", 18, 99))
# The funnel's steps in the order matching.py narrows them (its FUNNEL_LABELS).
FUNNEL_STEPS = {
    "registered": "No open setting of a suitable kind",
    "criteria": "None whose criteria admit the child",
    "available": "None with a confirmed vacancy",
    "where": "None inside the search area",
    "framework": "None on the region's frameworks",
    "travel": "None within the journey limits",
}
# Whole years at the request, as PlacementRequest.age_on counts them (born on the 1st).
AGE_AT_REQUEST = RawSQL(
    "COALESCE(CASE WHEN birth_year IS NOT NULL AND birth_month IS NOT NULL THEN "
    "GREATEST(0, EXTRACT(YEAR FROM created_at)::int - birth_year "
    "- CASE WHEN EXTRACT(MONTH FROM created_at)::int < birth_month THEN 1 ELSE 0 END) END, "
    "age_years)",
    (),
    output_field=IntegerField(),
)


class EpochHours(Func):
    """An interval in hours."""

    template = "(EXTRACT(EPOCH FROM %(expressions)s) / 3600.0)"
    output_field = FloatField()


def day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The local midnights that open `start` and `end`: a range on a timestamp column that its
    index can serve (a filter on `created_at__date` would read every row)."""
    zone = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end, dt.time.min, tzinfo=zone),
    )


def requests_made(
    organisation_ids: Sequence[int], start: dt.date, end: dt.date
) -> QuerySet[PlacementRequest]:
    opens, closes = day_bounds(start, end)
    return PlacementRequest.objects.filter(
        organisation_id__in=list(organisation_ids), created_at__gte=opens, created_at__lt=closes
    )


CATEGORIES: dict[str, list[tuple[str, str, Q]]] = {
    "placement_kind": [(k, str(label), Q(placement_kind=k)) for k, label in PlacementKind.choices],
    "age_band": [
        (band, f"Aged {band}", Q(age__gte=low, age__lte=high)) for band, low, high in AGE_BANDS
    ],
    "sex": [(k, str(label), Q(sex=k)) for k, label in ChildSex.choices],
    "urgency": [(k, str(label), Q(urgency=k)) for k, label in Urgency.choices],
    "needs": [(k, str(label), Q(needs__contains=[k])) for k, label in Need.choices],
    "risks": [(k, str(label), Q(risks__contains=[k])) for k, label in Risk.choices],
}


@dataclass
class Sufficiency:
    requests: int = 0
    categories: dict[str, dict[str, int]] = field(default_factory=dict)
    searched: int = 0  # requests with at least one search
    no_match: int = 0  # whose latest search matched nothing
    ran_out: dict[str, int] = field(default_factory=dict)  # FUNNEL_STEPS key -> requests
    placed: int = 0
    days_to_placement: float | None = None  # median, request made to placement recorded
    referrals_of_placed: int = 0
    referrals: int = 0  # sent in the period
    answered: int = 0
    hours_to_answer: float | None = None  # median


MATCHED = "matched"
# Where each request's latest search ran out: the first step of its funnel that reached 0 (a
# search with no match whose funnel never reached 0 ran out at travel, its last step).
_STEP_SQL = (
    "CASE WHEN latest.match_count > 0 THEN 'matched' "
    + " ".join(f"WHEN (latest.funnel ->> '{step}') = '0' THEN '{step}'" for step in FUNNEL_STEPS)
    + " ELSE 'travel' END"
)


def _latest_search_steps(made: QuerySet[PlacementRequest]) -> list[tuple[str, int]]:
    """(step, requests) for the requests in `made` that were searched, by where their latest
    search ran out ("matched" when it found something). One query."""
    requests_sql, params = made.values("pk").query.sql_with_params()
    # Only this module's constants and Django's own compiled query go into the text.
    sql = (
        "SELECT step, count(*) FROM ("  # noqa: S608
        f"  SELECT {_STEP_SQL} AS step FROM ("
        "    SELECT DISTINCT ON (s.request_id) s.match_count, s.funnel"
        "    FROM placements_placementsearch s"
        f"   WHERE s.request_id IN ({requests_sql})"
        "    ORDER BY s.request_id, s.created_at DESC, s.id DESC"
        "  ) latest"
        ") steps GROUP BY step"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(step, count) for step, count in cursor.fetchall()]


def sufficiency_get(
    *, organisation_ids: Sequence[int], start: dt.date, end: dt.date
) -> Sufficiency:
    made = requests_made(organisation_ids, start, end).annotate(age=AGE_AT_REQUEST)
    counts = {"requests": Count("pk")}
    for category, choices in CATEGORIES.items():
        for key, _, condition in choices:
            counts[f"{category}:{key}"] = Count("pk", filter=condition)
    totals = made.aggregate(**counts)
    figures = Sufficiency(requests=totals.pop("requests"))
    for name, value in totals.items():
        category, key = name.split(":", 1)
        figures.categories.setdefault(category, {})[key] = value

    for step, requests in _latest_search_steps(made):
        figures.searched += requests
        if step != MATCHED:
            figures.no_match += requests
            figures.ran_out[step] = requests

    placed = made.filter(outcome__isnull=False).aggregate(
        placed=Count("pk"),
        days=PercentileCont(EpochHours(F("outcome__created_at") - F("created_at")), 0.5),
    )
    figures.placed = placed["placed"]
    figures.days_to_placement = None if placed["days"] is None else placed["days"] / 24
    figures.referrals_of_placed = Referral.objects.filter(
        request__in=made.filter(outcome__isnull=False).values("pk")
    ).count()

    sent = referrals_sent(organisation_ids, start, end).aggregate(
        referrals=Count("pk"),
        answered=Count("pk", filter=Q(answered_at__isnull=False)),
        hours=PercentileCont(EpochHours(F("answered_at") - F("sent_at")), 0.5),
    )
    figures.referrals, figures.answered = sent["referrals"], sent["answered"]
    figures.hours_to_answer = sent["hours"]
    return figures


def referrals_sent(
    organisation_ids: Sequence[int], start: dt.date, end: dt.date
) -> QuerySet[Referral]:
    opens, closes = day_bounds(start, end)
    return Referral.objects.filter(
        request__organisation_id__in=list(organisation_ids), sent_at__gte=opens, sent_at__lt=closes
    )


@dataclass(frozen=True)
class ProviderAnswers:
    provider: str
    referrals: int
    answered: int
    hours_to_answer: float | None


def answers_by_provider(
    *, organisation_ids: Sequence[int], start: dt.date, end: dt.date, top: int = 10
) -> list[ProviderAnswers]:
    """The providers sent most referrals in the period, with how they answered; the rest
    together as "Other providers"."""
    rows = list(
        referrals_sent(organisation_ids, start, end)
        .values("provider__name")
        .annotate(
            referrals=Count("pk"),
            answered=Count("pk", filter=Q(answered_at__isnull=False)),
            hours=PercentileCont(EpochHours(F("answered_at") - F("sent_at")), 0.5),
        )
        .order_by("-referrals", "provider__name")
    )
    shown = [
        ProviderAnswers(r["provider__name"], r["referrals"], r["answered"], r["hours"])
        for r in rows[:top]
    ]
    rest = rows[top:]
    if rest:
        shown.append(
            ProviderAnswers(
                "Other providers",
                sum(r["referrals"] for r in rest),
                sum(r["answered"] for r in rest),
                None,
            )
        )
    return shown
