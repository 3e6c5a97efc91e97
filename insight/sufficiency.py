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

from django.db.models import (
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import RawSQL

from brokerage.models import Referral
from insight.distance import Median
from placements.models import ChildSex, PlacementRequest, PlacementSearch, Urgency
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


def requests_made(
    organisation_ids: Sequence[int], start: dt.date, end: dt.date
) -> QuerySet[PlacementRequest]:
    return PlacementRequest.objects.filter(
        organisation_id__in=list(organisation_ids),
        created_at__date__gte=start,
        created_at__date__lt=end,
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


def _ran_out_at(funnel: dict[str, int] | None) -> str:
    for step in FUNNEL_STEPS:
        if (funnel or {}).get(step) == 0:
            return step
    return "travel"


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

    latest = PlacementSearch.objects.filter(request=OuterRef("pk")).order_by("-created_at", "-pk")
    searched = made.annotate(
        latest_matches=Subquery(latest.values("match_count")[:1]),
        latest_funnel=Subquery(latest.values("funnel")[:1]),
    ).filter(latest_matches__isnull=False)
    for matches, funnel in searched.values_list("latest_matches", "latest_funnel"):
        figures.searched += 1
        if matches == 0:
            figures.no_match += 1
            step = _ran_out_at(funnel)
            figures.ran_out[step] = figures.ran_out.get(step, 0) + 1

    placed = made.filter(outcome__isnull=False).aggregate(
        placed=Count("pk"),
        days=Median(EpochHours(F("outcome__created_at") - F("created_at"))),
    )
    figures.placed = placed["placed"]
    figures.days_to_placement = None if placed["days"] is None else placed["days"] / 24
    figures.referrals_of_placed = Referral.objects.filter(
        request__in=made.filter(outcome__isnull=False).values("pk")
    ).count()

    sent = referrals_sent(organisation_ids, start, end).aggregate(
        referrals=Count("pk"),
        answered=Count("pk", filter=Q(answered_at__isnull=False)),
        hours=Median(EpochHours(F("answered_at") - F("sent_at"))),
    )
    figures.referrals, figures.answered = sent["referrals"], sent["answered"]
    figures.hours_to_answer = sent["hours"]
    return figures


def referrals_sent(
    organisation_ids: Sequence[int], start: dt.date, end: dt.date
) -> QuerySet[Referral]:
    return Referral.objects.filter(
        request__organisation_id__in=list(organisation_ids),
        sent_at__date__gte=start,
        sent_at__date__lt=end,
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
            hours=Median(EpochHours(F("answered_at") - F("sent_at"))),
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
