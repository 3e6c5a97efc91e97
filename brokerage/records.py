"""The record of what was sought and what was found, for one request or a period: reads only.

`placement_record` builds one request's record as plain data (what was sought, the searches, who
was asked, who answered how, what was secured); `records_document` wraps records for export and
`record_sheets` lays the same records out as spreadsheet rows, so the .json and the .xlsx never
disagree. Views only serialise what these return. The referral pages' reads live here too
(`request_referrals`, `request_outcome`).

The JSON is in the shape of the Placements Data Standard v2 (SocialCareData/placements-standard,
`placements.json` and `specification.md`): each record groups its fields under the standard's
entities, with the standard's field names in snake_case and, where the standard lists options,
its own wording.

Mapping from our request to the standard:

- `placement_availability`: `child_id` is our request id (the standard wants an integer);
  `local_identifier` is the LA's own case reference; `needed_by` from our urgency (Today, in less
  than 5 days, in more than 5 days); `sibling_count` from siblings to place together;
  `preferred_location` describes the latest search's area (places only as postcode districts).
- `placement_requirements`: `communication_needs` is Y when any communication method is needed,
  else N; `specific_communication_requirements` lists ESOL / BSL / Makaton, or None;
  `home_adaptation`; `cultural_needs` is always "Not Known" (we do not ask);
  `living_companions` from who the child can live alongside; `pets` is "Yes - must" when the
  child has a pet that comes with them, "No" when harm to animals is a present risk, else
  "Not Known"; `additional_support` is null (we do not ask); `deprivation_of_liberty`.
- `placement_recommendation`: a kind of placement the officer marked as suiting the child is
  "Preferred" when it is the only one marked, "Suitable but not preferred" when several are;
  a kind not marked is "Unsuitable" (the search leaves it out).
- `risks`: the eleven flags as "No known risk" or "Risk Present"; the two "Other" flags are null
  (we hold no free text about a child).
- `actual_placement` (null until a placement is recorded): `provider_urn`, `total_weekly_cost`,
  `placement_type` (Residential, Foster, Supported Accommodation), `placement_location` (the
  setting's local authority and postcode district, never an address), `siblings_placed_together`
  (the request's siblings to place together); `preferability_location` and
  `education_continuity` are null (we do not ask). Not in the standard, added after its fields:
  `start_date`, `services_included`, `funding_split` (social care / education / health per week,
  adding up to the weekly cost), `commercial_route` (Spot purchase, Framework, Dynamic purchasing
  system, Block contract), `distance_from_home_miles` (straight line), `distance_measured_from`,
  and the framework terms: `framework` and `lot` (null: spot), `need_level` (the band priced at),
  `tendered_rate` (the member's rate for that band on the day, kept), `above_rate_by` and
  `above_rate_reason` (null unless the agreed cost is above the tendered rate); and the DfE's
  SSDA903 codes `ssda903_placement_type` (PLACE) and `ssda903_placement_provider`
  (PLACE_PROVIDER), from the setting, the kind of placement and the placing LA, null when our
  data cannot tell (providers/ssda903.py).
- `quality_assurance`: `referral_officer_name` / `referral_date` (the first referral sent),
  `placement_officer_name` / `placement_date` (the placement recorded), `cost_officer_name` /
  `cost_date` (the same: the cost is recorded with the placement).
- `referrals` (one per setting asked, in the order sent; not in the standard, which has one
  referral form): `provider_urn`, `referral_date` (date sent), `referral_officer_name`,
  `deadline`, `response` (Interested, Not able, No answer), `status`, `answered_at`,
  `weekly_price`, `start_date`, `price_includes`, `not_able_reason`, `sent_despite_criteria`.
- `off_service_enquiries` (ours): settings whose provider is not on the service that the officer
  asked by phone, email or otherwise: `provider_urn`, `setting_name`, `owner_name` (Ofsted's
  list), `contacted_on`, `method`, `result` (Interested, Not able, No answer), `officer_name`.
  The note stays on the service (free text).
- `demand` (ours): status, dates, age, sex, kind of placement, needs (and any other part of the
  profile the standard's sections do not hold: placements/criteria.py), the places that matter as
  postcode districts, how many areas to avoid, and the searches (how many, and the latest's
  funnel: settings left after each check).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from brokerage.models import (
    CommercialRoute,
    OffServiceEnquiry,
    PlacementOutcome,
    Referral,
    ServiceIncluded,
)
from brokerage.referrals import referral_blocker, referral_exclusions
from commissioning.models import Lot, NeedLevel, Rate
from commissioning.search import current_memberships
from common.formats import pounds, yes_no
from geo.modes import TravelMode, clock, mode_words
from geo.names import local_authority_name
from placements import criteria
from placements.matching import FUNNEL_LABELS, AreaKind
from placements.models import CloseReason, PlacementRequest, PlacementSearch, Urgency
from placements.selectors import MAX_SHORTLIST, placement_requests_for
from providers import ssda903
from providers.models import Accommodation, Communication, LivingAlongside, Risk, Setting

if TYPE_CHECKING:
    from accounts.models import User

STANDARD = "Placements Data Standard v2"

# The standard's option wording ------------------------------------------------------------------

NEEDED_BY = {
    Urgency.TODAY: "Today",
    Urgency.WITHIN_5_DAYS: "in less than 5 days",
    Urgency.OVER_5_DAYS: "in more than 5 days",
}
LIVING_COMPANIONS = {
    LivingAlongside.SOLO_ONLY: "Solo placement recommended",
    LivingAlongside.WITH_OTHERS: "With other children recommended",
    LivingAlongside.ONLY_OLDER: "Only with other older children",
    LivingAlongside.ONLY_YOUNGER: "Only with other younger children",
}
COMMUNICATION = {
    Communication.ESOL: "ESOL",
    Communication.BSL: "BSL",
    Communication.MAKATON: "Makaton",
}
SUITABILITY = {
    "foster_care_suitability": Accommodation.FOSTER,
    "residential_care_suitability": Accommodation.RESIDENTIAL,
    "supported_accommodation_suitability": Accommodation.SUPPORTED,
}
# The standard's thirteen risk flags: our risk for each (None: an "Other" free-text flag, which we
# never hold), and the standard's own description for the spreadsheet's header.
RISKS: tuple[tuple[str, Risk | None, str], ...] = (
    ("risk_self_harm", Risk.SELF_HARM, "Risk to child: Self-harm"),
    ("risk_sexual_exploitation", Risk.SEXUAL_EXPLOITATION, "Risk to child: Sexual exploitation"),
    (
        "risk_criminal_exploitation",
        Risk.CRIMINAL_EXPLOITATION,
        "Risk to child: Criminal exploitation",
    ),
    ("risk_drug_alcohol", Risk.DRUGS_AND_ALCOHOL, "Risk to child: Drug and alcohol use"),
    ("risk_eating_disorder", Risk.EATING_DISORDER, "Risk to child: Eating disorder"),
    ("risk_missing", Risk.GOING_MISSING, "Risk to child: Going missing"),
    ("risk_other", None, "Risk to child: Other"),
    (
        "risk_to_others_physical",
        Risk.PHYSICAL_HARM_TO_OTHERS,
        "Risk to others or property: Physical harm",
    ),
    (
        "risk_to_others_sexual",
        Risk.SEXUAL_HARM_TO_OTHERS,
        "Risk to others or property: Sexual harm",
    ),
    ("risk_to_others_fire", Risk.FIRE_SETTING, "Risk to others or property: Fire-setting"),
    ("risk_to_others_animals", Risk.HARM_TO_ANIMALS, "Risk to others or property: Harm to animals"),
    (
        "risk_to_others_criminal",
        Risk.CRIMINAL_EXPLOITATION_OF_OTHERS,
        "Risk to others or property: Criminal exploitation",
    ),
    ("risk_to_others_other", None, "Risk to others or property: Other"),
)
RISK_PRESENT = "Risk Present"
NO_KNOWN_RISK = "No known risk"
PLACEMENT_TYPE = {
    "childrens_home": "Residential",
    "residential_special_school_childrens_home": "Residential",
    "secure_childrens_home": "Residential",
    "independent_fostering_agency": "Foster",
    "supported_accommodation": "Supported Accommodation",
}


class Response:
    INTERESTED = "Interested"
    NOT_ABLE = "Not able"
    NO_ANSWER = "No answer"


# Reads for the referral pages -------------------------------------------------------------------


def request_referrals(placement_request: PlacementRequest) -> QuerySet[Referral]:
    """Every referral of a request the caller may see (got through `placement_request_get`), in
    the order sent, with its setting, the setting's vacancy and who sent it."""
    return (
        Referral.objects.filter(request=placement_request)
        .select_related("setting", "setting__local_authority", "setting__vacancy", "sent_by")
        .order_by("sent_at", "id")
    )


def request_outcome(placement_request: PlacementRequest) -> PlacementOutcome | None:
    return (
        PlacementOutcome.objects.filter(request=placement_request)
        .select_related("setting", "setting__local_authority", "decided_by", "lot__framework")
        .first()
    )


@dataclass(frozen=True)
class LotOffer:
    """A current lot of the region's frameworks that one of the offered settings is an active
    member of, with that member's tendered weekly rates by need level."""

    lot: Lot
    setting: Setting
    rates: dict[str, Decimal]

    def label(self, need_level: str, *, with_setting: bool = False) -> str:
        label = f"{self.lot.framework.name}, lot {self.lot.number}"
        if with_setting:
            label += f" ({self.setting.display_name})"
        rate = self.rates.get(need_level)
        if rate is not None:
            return f"{label} — {pounds(rate)} a week for {NeedLevel(need_level).label}"
        return f"{label}: {self.lot.name}"


def outcome_lot_offers(
    placement_request: PlacementRequest, settings: Iterable[Setting], *, today: dt.date
) -> list[LotOffer]:
    """The lots a placement at one of `settings` could be bought through: active memberships of
    current lots of the request's region's current frameworks, by framework name and lot."""
    by_id = {setting.pk: setting for setting in settings}
    if not by_id:
        return []
    memberships = list(
        current_memberships(placement_request.organisation.region_id, today=today)
        .filter(setting_id__in=by_id)
        .select_related("lot__framework")
        .order_by("lot__framework__name", "lot__number", "setting__name")
    )
    rates: dict[int, dict[str, Decimal]] = {}
    for rate in Rate.objects.filter(membership__in=memberships):
        rates.setdefault(rate.membership_id, {})[rate.need_level] = rate.weekly_rate
    return [LotOffer(m.lot, by_id[m.setting_id], rates.get(m.pk, {})) for m in memberships]


@dataclass(frozen=True)
class ShortlistItem:
    """One shortlisted setting as the send page shows it."""

    setting: Setting
    exclusions: list[str]  # why its stated criteria exclude the child (empty: they do not)
    problem: str  # why it cannot be sent a referral at all ("" when it can)
    sent: Referral | None  # this request's referral to it, when one was already sent

    @property
    def can_send(self) -> bool:
        return not self.problem and self.sent is None


def shortlist_get(placement_request: PlacementRequest, urns: Iterable[str]) -> list[ShortlistItem]:
    """The settings behind the shortlisted URNs, in the order given (unknown URNs and repeats
    left out, at most MAX_SHORTLIST), each with what the send page must say about it."""
    wanted = list(dict.fromkeys(u.strip().upper() for u in urns if u and u.strip()))
    wanted = wanted[:MAX_SHORTLIST]
    found = {
        setting.urn: setting
        for setting in Setting.objects.filter(urn__in=wanted).select_related(
            "local_authority", "provider_organisation"
        )
    }
    sent = {
        referral.setting_id: referral
        for referral in Referral.objects.filter(request=placement_request, setting__urn__in=wanted)
    }
    items = []
    for urn in wanted:
        setting = found.get(urn)
        if setting is None:
            continue
        problem = referral_blocker(setting) or ""
        items.append(
            ShortlistItem(
                setting=setting,
                exclusions=[] if problem else referral_exclusions(placement_request, setting),
                problem=problem,
                sent=sent.get(setting.pk),
            )
        )
    return items


def request_search(
    placement_request: PlacementRequest, search_id: str | None
) -> PlacementSearch | None:
    """One of the request's own saved searches (anything else: None)."""
    if not search_id or not str(search_id).isdigit():
        return None
    return placement_request.searches.filter(pk=int(search_id)).first()


def referral_response(referral: Referral) -> str:
    """How the provider answered, whatever happened after (a filled place keeps its offer)."""
    if referral.weekly_price is not None:
        return Response.INTERESTED
    if referral.not_able_reason:
        return Response.NOT_ABLE
    return Response.NO_ANSWER


# One request's record ---------------------------------------------------------------------------


def _money(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(value) if value is not None else None


def _local_date(value: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(value) if value is not None else None


def _district(postcode: str) -> str:
    return postcode.split(" ")[0] if postcode else ""


def _preferred_location(placement_request: PlacementRequest, search: PlacementSearch | None) -> str:
    if search is None:
        return ""
    criteria = search.criteria or {}
    area = criteria.get("area")
    own = placement_request.organisation
    if area == AreaKind.OWN_LA:
        return local_authority_name(own.area, own.name)
    if area == AreaKind.REGION:
        return f"The region ({own.region.name})"
    if area == AreaKind.LAS:
        return "Local authorities " + ", ".join(criteria.get("las") or [])
    if area == AreaKind.RADIUS:
        district = _district(criteria.get("postcode", ""))
        return f"Within {criteria.get('radius_miles')} miles of {district}"
    if area == AreaKind.DRAWN:
        return "An area drawn on the map"
    return "Anywhere in England"


def _funnel_in_order(funnel: dict[str, int]) -> list[tuple[str, int]]:
    """The funnel in the order of its checks (jsonb keeps keys in an order of its own)."""
    keys = [key for key in FUNNEL_LABELS if key in funnel]
    keys += [key for key in funnel if key not in FUNNEL_LABELS]
    return [(key, funnel[key]) for key in keys]


def _pets(placement_request: PlacementRequest) -> str:
    if placement_request.has_pet:
        return "Yes - must"
    if Risk.HARM_TO_ANIMALS in placement_request.risks:
        return "No"
    return "Not Known"


def _suitability(placement_request: PlacementRequest, kind: str) -> str:
    if kind not in placement_request.accommodation:
        return "Unsuitable"
    return (
        "Preferred" if len(placement_request.accommodation) == 1 else "Suitable but not preferred"
    )


def _referral_record(referral: Referral) -> dict[str, Any]:
    return {
        "provider_urn": referral.setting.urn,
        "setting_name": referral.setting.display_name,
        "referral_date": _local_date(referral.sent_at),
        "referral_officer_name": referral.sent_by.full_name if referral.sent_by else None,
        "sent_at": _local(referral.sent_at),
        "deadline": _local(referral.deadline),
        "response": referral_response(referral),
        "status": str(referral.get_status_display()),
        "answered_at": _local(referral.answered_at),
        "weekly_price": _money(referral.weekly_price),
        "start_date": referral.start_date,
        "price_includes": [str(ServiceIncluded(s).label) for s in referral.price_includes],
        "not_able_reason": (
            str(referral.get_not_able_reason_display()) if referral.not_able_reason else None
        ),
        "sent_despite_criteria": bool(referral.exclusions),
    }


def _enquiry_record(enquiry: OffServiceEnquiry) -> dict[str, Any]:
    return {
        "provider_urn": enquiry.setting.urn,
        "setting_name": enquiry.setting.display_name,
        "owner_name": enquiry.setting.owner_name or None,
        "contacted_on": enquiry.contacted_on,
        "method": str(enquiry.get_method_display()),
        "result": str(enquiry.get_result_display()),
        "officer_name": enquiry.made_by.full_name if enquiry.made_by else None,
    }


def _actual_placement(
    placement_request: PlacementRequest, outcome: PlacementOutcome | None
) -> dict[str, Any] | None:
    if outcome is None:
        return None
    setting = outcome.setting
    location = ", ".join(
        part for part in (setting.local_authority_label, setting.postcode_district) if part
    )
    ssda903_type, ssda903_provider = ssda903.placement_codes(
        setting=setting,
        placement_kind=placement_request.placement_kind,
        placing_la_gss=placement_request.organisation.gss_code,
    )
    return {
        "total_weekly_cost": _money(outcome.weekly_cost),
        "placement_location": location,
        "preferability_location": None,
        "education_continuity": None,
        "provider_urn": outcome.urn,
        "siblings_placed_together": placement_request.siblings_to_place_together,
        "placement_type": PLACEMENT_TYPE.get(setting.provision_type),
        # Not in the standard: the DfE's SSDA903 codes (None: cannot be told; providers.ssda903).
        "ssda903_placement_type": ssda903_type,
        "ssda903_placement_provider": ssda903_provider,
        # Not in the standard: the terms agreed.
        "setting_name": setting.display_name,
        "start_date": outcome.start_date,
        "services_included": [str(ServiceIncluded(s).label) for s in outcome.services_included],
        "funding_split": {
            "social_care_weekly": _money(outcome.social_care_weekly),
            "education_weekly": _money(outcome.education_weekly),
            "health_weekly": _money(outcome.health_weekly),
        },
        "commercial_route": str(CommercialRoute(outcome.commercial_route).label),
        "distance_from_home_miles": (
            float(outcome.distance_from_home_miles)
            if outcome.distance_from_home_miles is not None
            else None
        ),
        "distance_measured_from": outcome.distance_from or None,
        # From the child's home postcode district: the DfE's measure, and by road.
        "home_miles": float(outcome.home_miles) if outcome.home_miles is not None else None,
        "over_20_miles_from_home": outcome.over_20_miles,
        "home_minutes_by_road": outcome.home_minutes,
        "school_minutes_by_road": outcome.school_minutes,
        "inside_local_authority": outcome.inside_la,
        "inside_region": outcome.inside_region,
        "travel_engine": outcome.travel_engine or None,
        "travel_estimated": outcome.travel_estimated,
        "journeys": outcome.journeys,
        "framework": outcome.lot.framework.name if outcome.lot else None,
        "lot": outcome.lot.number if outcome.lot else None,
        "need_level": str(NeedLevel(outcome.need_level).label) if outcome.need_level else None,
        "tendered_rate": _money(outcome.tendered_rate),
        "above_rate_by": _money(outcome.above_rate_by),
        "above_rate_reason": outcome.above_rate_reason or None,
    }


def placement_record(placement_request: PlacementRequest) -> dict[str, Any]:
    """One request's full record, in the standard's shape (module docstring). The caller has got
    the request through `placement_request_get` (or `placement_records_for`), so may see it.
    Prefetched `places`, `searches` and `referrals` are used when present."""
    pr = placement_request
    searches = sorted(pr.searches.all(), key=lambda s: s.created_at, reverse=True)
    latest = searches[0] if searches else None
    referrals = sorted(pr.referrals.all(), key=lambda r: (r.sent_at, r.pk))
    outcome = getattr(pr, "outcome", None)
    first_referral = referrals[0] if referrals else None
    communication = [COMMUNICATION[Communication(c)] for c in pr.communication]
    return {
        "placement_availability": {
            "child_id": pr.pk,
            "local_identifier": pr.reference,
            "needed_by": NEEDED_BY[Urgency(pr.urgency)],
            "sibling_count": pr.siblings_to_place_together,
            "preferred_location": _preferred_location(pr, latest) or None,
        },
        "placement_requirements": {
            "communication_needs": "Y" if communication else "N",
            "specific_communication_requirements": communication or ["None"],
            "home_adaptation": pr.needs_adaptation,
            "cultural_needs": "Not Known",
            "living_companions": LIVING_COMPANIONS[LivingAlongside(pr.living_alongside)],
            "pets": _pets(pr),
            "additional_support": None,
            "deprivation_of_liberty": pr.deprivation_of_liberty,
        },
        "placement_recommendation": {
            name: _suitability(pr, kind) for name, kind in SUITABILITY.items()
        },
        "risks": {
            name: (None if risk is None else RISK_PRESENT if risk in pr.risks else NO_KNOWN_RISK)
            for name, risk, _ in RISKS
        },
        "actual_placement": _actual_placement(pr, outcome),
        "quality_assurance": {
            "referral_officer_name": (
                first_referral.sent_by.full_name
                if first_referral and first_referral.sent_by
                else None
            ),
            "referral_date": _local_date(first_referral.sent_at) if first_referral else None,
            "placement_officer_name": (
                outcome.decided_by.full_name if outcome and outcome.decided_by else None
            ),
            "placement_date": _local_date(outcome.created_at) if outcome else None,
            "cost_officer_name": (
                outcome.decided_by.full_name if outcome and outcome.decided_by else None
            ),
            "cost_date": _local_date(outcome.created_at) if outcome else None,
        },
        "referrals": [_referral_record(referral) for referral in referrals],
        "off_service_enquiries": [
            _enquiry_record(enquiry)
            for enquiry in sorted(
                pr.off_service_enquiries.all(), key=lambda e: (e.contacted_on, e.created_at, e.pk)
            )
        ],
        "demand": {
            "status": str(pr.get_status_display()),
            "created_at": _local(pr.created_at),
            "closed_at": _local(pr.closed_at),
            "close_reason": str(pr.get_close_reason_display()) if pr.close_reason else None,
            "close_note": pr.close_note or None,
            "home_district": pr.home_district or None,
            # A child placed outside the service: what was secured (never the provider).
            "secured_outside": (
                {
                    "placement_type": pr.get_secured_accommodation_display() or None,
                    "total_weekly_cost": _money(pr.secured_weekly_cost),
                    "inside_local_authority": pr.secured_in_area,
                }
                if pr.close_reason == CloseReason.PLACED_OUTSIDE
                else None
            ),
            # Each part of the profile the standard's sections do not hold (placements/criteria.py).
            **criteria.record_of(pr, today=_local_date(pr.created_at) or timezone.localdate()),
            "places": [
                {
                    "label": place.label,
                    "district": _district(place.postcode),
                    "max_minutes": place.max_minutes,
                    "mode": place.mode,
                    "departs_at": clock(place.departs_at)
                    if place.mode == TravelMode.PUBLIC_TRANSPORT
                    else None,
                    "day": place.day if place.mode == TravelMode.PUBLIC_TRANSPORT else None,
                }
                for place in pr.places.all()
            ],
            "areas_to_avoid": len(pr.areas_to_avoid.all()),
            "searches": {
                "count": len(searches),
                "latest": (
                    {
                        "run_at": _local(latest.created_at),
                        "matches": latest.match_count,
                        "funnel": [
                            {
                                "check": key,
                                "label": FUNNEL_LABELS.get(key, key),
                                "settings_left": count,
                            }
                            for key, count in _funnel_in_order(latest.funnel or {})
                        ],
                    }
                    if latest
                    else None
                ),
            },
        },
    }


# Many requests ----------------------------------------------------------------------------------


def _with_record_data(requests: QuerySet[PlacementRequest]) -> QuerySet[PlacementRequest]:
    """Everything a record reads, in a fixed number of queries however many requests."""
    return requests.select_related(
        "organisation",
        "organisation__area",
        "organisation__region",
        "outcome",
        "outcome__setting",
        "outcome__setting__local_authority",
        "outcome__decided_by",
        "outcome__lot__framework",
    ).prefetch_related(
        "places",
        "areas_to_avoid",
        Prefetch(
            "searches",
            queryset=PlacementSearch.objects.defer("results", "area", "profile").order_by(
                "-created_at"
            ),
        ),
        Prefetch(
            "referrals",
            queryset=Referral.objects.select_related("setting", "sent_by").order_by("sent_at"),
        ),
        Prefetch(
            "off_service_enquiries",
            queryset=OffServiceEnquiry.objects.select_related("setting", "made_by"),
        ),
    )


def placement_record_get(placement_request: PlacementRequest) -> PlacementRequest:
    """The request again with everything its record reads (the caller may see it)."""
    return _with_record_data(PlacementRequest.objects.filter(pk=placement_request.pk)).get()


def placement_records_for(user: User, *, start: dt.date, end: dt.date) -> list[PlacementRequest]:
    """The user's local authority's requests created from `start` to `end` (both included, UK
    dates), oldest first. Anyone who may not see requests gets none."""
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    before = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    requests = placement_requests_for(user).filter(created_at__gte=since, created_at__lt=before)
    return list(_with_record_data(requests.order_by("created_at", "pk")))


def records_document(
    requests: Iterable[PlacementRequest],
    *,
    organisation_name: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The export: the standard named at the top, then one record per request. One shape for
    one request and for a period, so one reader handles both."""
    document: dict[str, Any] = {
        "standard": STANDARD,
        "generated_at": _local(now or timezone.now()),
        "local_authority": organisation_name,
    }
    if start is not None and end is not None:
        document["period"] = {"from": start, "to": end}
    document["records"] = [placement_record(request) for request in requests]
    return document


# The same records as spreadsheet rows -----------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    title: str
    headers: list[str]
    rows: list[list[Any]]
    widths: list[int]


def _cell(value: Any) -> Any:
    """A record value as one cell: lists joined, yes/no in words, nothing as empty, times as
    UK local time without a zone (a spreadsheet holds none)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return value


def _funnel_text(latest: dict[str, Any] | None) -> str:
    if not latest:
        return ""
    return "; ".join(f"{step['label']}: {step['settings_left']}" for step in latest["funnel"])


REQUEST_COLUMNS: tuple[tuple[str, int], ...] = (
    ("Child ID", 9),
    ("Local identifier", 16),
    ("Status", 9),
    ("Why it closed", 22),
    ("Created", 12),
    ("Home postcode district", 10),
    ("Needed by", 18),
    ("Siblings to place with", 10),
    ("Preferred location", 24),
    ("Communication needs", 10),
    ("Specific communication requirements", 20),
    ("Home adaptation", 10),
    ("Cultural needs", 12),
    ("Who can the child be cared for alongside", 28),
    ("Pets", 12),
    ("Deprivation of liberty order", 10),
    ("Foster care suitability", 18),
    ("Residential care suitability", 18),
    ("Supported accommodation suitability", 18),
    *((header, 14) for _, _, header in RISKS),
    *((header, width) for _, header, width in criteria.record_columns()),
    ("Places that matter (districts)", 30),
    ("Searches", 9),
    ("Latest search", 12),
    ("Latest search: settings left after each check", 60),
    ("Referrals sent", 9),
    ("Interested", 9),
    ("Not able", 9),
    ("No answer", 9),
    ("Provider URN", 11),
    ("Setting", 30),
    ("Placement type", 14),
    ("SSDA903 placement type", 10),
    ("SSDA903 placement provider", 10),
    ("Placement location", 20),
    ("Start date", 12),
    ("Total weekly cost (£)", 12),
    ("Services included", 24),
    ("Social care (£ a week)", 12),
    ("Education (£ a week)", 12),
    ("Health (£ a week)", 12),
    ("Commercial route", 16),
    ("Distance from home (miles)", 10),
    ("Distance measured from", 16),
    ("Miles from home district (straight line)", 10),
    ("Over 20 miles from home", 10),
    ("Minutes by road from home", 10),
    ("Minutes by road to school", 10),
    ("Inside the local authority", 10),
    ("Inside the region", 10),
    ("Travel times estimated", 10),
    ("Framework", 24),
    ("Lot", 6),
    ("Need level", 12),
    ("Tendered rate (£ a week)", 12),
    ("Above the rate by (£ a week)", 12),
    ("Why above the rate", 30),
    ("Asked outside the service", 9),
    ("Asked outside the service: interested", 9),
    ("Placed outside the service: type", 16),
    ("Placed outside the service: weekly cost (£)", 12),
    ("Placed outside the service: inside the local authority", 10),
    ("Note on closing", 30),
)

REFERRAL_COLUMNS: tuple[tuple[str, int], ...] = (
    ("Child ID", 9),
    ("Local identifier", 16),
    ("Provider URN", 11),
    ("Setting", 30),
    ("Date sent", 12),
    ("Sent by", 20),
    ("Answer by", 12),
    ("Response", 12),
    ("Status", 22),
    ("Answered", 12),
    ("Weekly price (£)", 12),
    ("Start date", 12),
    ("Price includes", 24),
    ("Not able because", 24),
    ("Sent although its criteria exclude the child", 12),
)


def _how(place: dict[str, Any]) -> str:
    """How the child gets to a place, in words (a record made before modes were kept is by car)."""
    departs = place.get("departs_at")
    return mode_words(
        place.get("mode") or TravelMode.CAR,
        departs_at=dt.time.fromisoformat(departs) if departs else None,
        day=place.get("day") or "",
    ).lower()


def _request_row(record: dict[str, Any]) -> list[Any]:
    availability = record["placement_availability"]
    requirements = record["placement_requirements"]
    demand = record["demand"]
    searches = demand["searches"]
    latest = searches["latest"]
    placed = record["actual_placement"] or {}
    funding = placed.get("funding_split") or {}
    outside = demand["secured_outside"] or {}
    responses = [referral["response"] for referral in record["referrals"]]
    values = [
        availability["child_id"],
        availability["local_identifier"],
        demand["status"],
        demand["close_reason"],
        demand["created_at"],
        demand["home_district"],
        availability["needed_by"],
        availability["sibling_count"],
        availability["preferred_location"],
        requirements["communication_needs"],
        requirements["specific_communication_requirements"],
        requirements["home_adaptation"],
        requirements["cultural_needs"],
        requirements["living_companions"],
        requirements["pets"],
        requirements["deprivation_of_liberty"],
        *record["placement_recommendation"].values(),
        *record["risks"].values(),
        *(demand[key] for key, _, _ in criteria.record_columns()),
        [f"{place['label']}: {place['district']}, {_how(place)}" for place in demand["places"]],
        searches["count"],
        latest["run_at"] if latest else None,
        _funnel_text(latest),
        len(responses),
        responses.count(Response.INTERESTED),
        responses.count(Response.NOT_ABLE),
        responses.count(Response.NO_ANSWER),
        placed.get("provider_urn"),
        placed.get("setting_name"),
        placed.get("placement_type"),
        placed.get("ssda903_placement_type"),
        placed.get("ssda903_placement_provider"),
        placed.get("placement_location"),
        placed.get("start_date"),
        placed.get("total_weekly_cost"),
        placed.get("services_included"),
        funding.get("social_care_weekly"),
        funding.get("education_weekly"),
        funding.get("health_weekly"),
        placed.get("commercial_route"),
        placed.get("distance_from_home_miles"),
        placed.get("distance_measured_from"),
        placed.get("home_miles"),
        placed.get("over_20_miles_from_home"),
        placed.get("home_minutes_by_road"),
        placed.get("school_minutes_by_road"),
        placed.get("inside_local_authority"),
        placed.get("inside_region"),
        placed.get("travel_estimated"),
        placed.get("framework"),
        placed.get("lot"),
        placed.get("need_level"),
        placed.get("tendered_rate"),
        placed.get("above_rate_by"),
        placed.get("above_rate_reason"),
        len(record["off_service_enquiries"]),
        sum(1 for e in record["off_service_enquiries"] if e["result"] == ENQUIRY_INTERESTED),
        outside.get("placement_type"),
        outside.get("total_weekly_cost"),
        outside.get("inside_local_authority"),
        demand["close_note"],
    ]
    return [_cell(value) for value in values]


ENQUIRY_INTERESTED = str(OffServiceEnquiry.Result.INTERESTED.label)

ENQUIRY_COLUMNS: tuple[tuple[str, int], ...] = (
    ("Child ID", 9),
    ("Local identifier", 16),
    ("Provider URN", 11),
    ("Setting", 30),
    ("Owner on Ofsted's list", 30),
    ("Contacted on", 12),
    ("How", 10),
    ("What they said", 14),
    ("Asked by", 20),
)


def _enquiry_row(record: dict[str, Any], enquiry: dict[str, Any]) -> list[Any]:
    availability = record["placement_availability"]
    values = [
        availability["child_id"],
        availability["local_identifier"],
        enquiry["provider_urn"],
        enquiry["setting_name"],
        enquiry["owner_name"],
        enquiry["contacted_on"],
        enquiry["method"],
        enquiry["result"],
        enquiry["officer_name"],
    ]
    return [_cell(value) for value in values]


def _referral_row(record: dict[str, Any], referral: dict[str, Any]) -> list[Any]:
    availability = record["placement_availability"]
    values = [
        availability["child_id"],
        availability["local_identifier"],
        referral["provider_urn"],
        referral["setting_name"],
        referral["referral_date"],
        referral["referral_officer_name"],
        referral["deadline"],
        referral["response"],
        referral["status"],
        referral["answered_at"],
        referral["weekly_price"],
        referral["start_date"],
        referral["price_includes"],
        referral["not_able_reason"],
        referral["sent_despite_criteria"],
    ]
    return [_cell(value) for value in values]


def record_sheets(document: dict[str, Any]) -> list[Sheet]:
    """The document's records as three sheets: one row per request, one per referral, one per
    enquiry made outside the service."""
    records = document["records"]
    return [
        _sheet("Requests", REQUEST_COLUMNS, [_request_row(record) for record in records]),
        _sheet(
            "Referrals",
            REFERRAL_COLUMNS,
            [_referral_row(record, r) for record in records for r in record["referrals"]],
        ),
        _sheet(
            "Asked outside the service",
            ENQUIRY_COLUMNS,
            [
                _enquiry_row(record, enquiry)
                for record in records
                for enquiry in record["off_service_enquiries"]
            ],
        ),
    ]


def _sheet(title: str, columns: Any, rows: list[Any]) -> Sheet:
    """A sheet from (header, width) columns and its rows."""
    return Sheet(title, [header for header, _ in columns], rows, [width for _, width in columns])
