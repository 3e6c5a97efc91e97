"""The record of what was sought and what was found, for one request or a period: reads only.

`placement_record` builds one request's record as plain data (what was sought, the searches, who
was asked, who answered how, what was secured); `records_document` wraps records for export and
`record_sheets` lays the same records out as spreadsheet rows, so the .json and the .xlsx never
disagree. Views only serialise what these return. The referral pages' reads live here too
(`request_referrals`, `request_outcome`).

The JSON is in the shape of the Placements Data Standard v2 (SocialCareData/placements-standard,
vendored at docs/standards/placements-standard/): each record is an object of the standard's
entities, keyed by the entity names exactly as `placements.json` spells them (PascalCase:
`PlacementAvailability`, `Risks`, as specification.md calls the record `Placement`), each holding
only the standard's fields by their own camelCase names and, where it lists options, its words.
Our additions are all under the record's `extensions`, so the record less `extensions` validates
against the standard alone (`placements.standard.record_schema(extensions=False)`). The document
says `formatVersion: 2` (the snake_case shape before it had no marker) and camelCase keys too.

Mapping from our request to the standard (the four referral entities: placements/standard.py,
which also reads them back for the API's import):

- `PlacementAvailability`: `childId` is our request id (the standard wants an integer); `neededBy`
  from our urgency; `siblingCount` from siblings to place together; `preferredLocation`
  describes the latest search's area (places only as postcode districts).
- `PlacementRequirements`, `PlacementRecommendation`, `Risks`: as placements/standard.py says
  (`culturalNeeds` "Not Known", `additionalSupport` and the two "Other" risks null: not asked).
- `ActualPlacement` and `QualityAssurance`: present only once a placement is recorded (nearly all
  their fields are required, and known only then). `totalWeeklyCost` in whole pounds (half up);
  `placementLocation` the setting's local authority and postcode district, never an address;
  `placementType` from the setting's Ofsted type; `siblingsPlacedTogether` the request's
  siblings; two yes/no fields we do not ask, read from what we hold: `preferabilityLocation`
  (inside the child's own local authority) and `educationContinuity` (the placement's time by
  road to the place named a school within that place's limit; no school named: No).
  `QualityAssurance`: the referral's entry is the request (who made it, the day), the placement's
  and the cost's the placement recorded (one step here).
- `extensions` (ours): `localIdentifier` (the LA's case reference), `profile` (the rest of the
  profile in our codes, which an import reads back), `referralEntry` (who made the request, when:
  known before any placement), `placementTerms` (the exact weekly cost, start date, services,
  funding split, commercial route, distances and journeys, framework, lot, need level, tendered
  rate, above-rate amount and reason, and the DfE's SSDA903 codes `ssda903PlacementType` (PLACE)
  and `ssda903PlacementProvider` (PLACE_PROVIDER), null where our data cannot tell:
  providers/ssda903.py), `referrals` (one per setting asked, in the order sent),
  `offServiceEnquiries` (settings not on the service asked by phone, email or otherwise; the note
  stays on the service), and `demand`: status, dates, close reason, the profile the standard does
  not hold in words (placements/criteria.py), the places that matter as districts, how many
  areas to avoid, and the searches (how many, and the latest's funnel).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from brokerage.distance import SCHOOL_LABEL
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
from placements import criteria, standard
from placements.matching import FUNNEL_LABELS, AreaKind
from placements.models import CloseReason, PlacementRequest, PlacementSearch
from placements.selectors import MAX_SHORTLIST, placement_requests_for
from providers import ssda903
from providers.models import ACCOMMODATION_PROVISION_TYPES, Accommodation, Setting

if TYPE_CHECKING:
    from accounts.models import User

STANDARD = "Placements Data Standard v2"
# The document's shape. 1 (unmarked): snake_case keys under snake_case section names. 2: the
# standard's own entity and field names, our additions under each record's `extensions`.
FORMAT_VERSION = 2
# The standard's wording lives with its schema (placements/standard.py); kept here by name for
# the spreadsheet and older callers.
NEEDED_BY = standard.NEEDED_BY
LIVING_COMPANIONS = standard.LIVING_COMPANIONS
COMMUNICATION = standard.COMMUNICATION
SUITABILITY = standard.SUITABILITY
RISKS = standard.RISKS
RISK_PRESENT = standard.RISK_PRESENT
NO_KNOWN_RISK = standard.NO_KNOWN_RISK
PLACEMENT_TYPE = {
    "childrens_home": "Residential",
    "residential_special_school_childrens_home": "Residential",
    "secure_childrens_home": "Residential",
    "independent_fostering_agency": "Foster",
    "supported_accommodation": "Supported Accommodation",
}
NO_LONGER_A_USER = "Not known (account removed)"
ACCOMMODATION_TYPE = {
    Accommodation.RESIDENTIAL: "Residential",
    Accommodation.FOSTER: "Foster",
    Accommodation.SUPPORTED: "Supported Accommodation",
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
        current_memberships(placement_request.organisation.own_region_id, today=today)
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
        return f"The region ({own.own_region.name})"
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


def _camel(key: str) -> str:
    """Our snake_case key as the standard spells its fields (camelCase), for our extensions."""
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _referral_record(referral: Referral) -> dict[str, Any]:
    return {
        "providerURN": referral.setting.urn,
        "settingName": referral.setting.display_name,
        "referralDate": _local_date(referral.sent_at),
        "referralOfficerName": referral.sent_by.full_name if referral.sent_by else None,
        "sentAt": _local(referral.sent_at),
        "deadline": _local(referral.deadline),
        "response": referral_response(referral),
        "status": str(referral.get_status_display()),
        "answeredAt": _local(referral.answered_at),
        "weeklyPrice": _money(referral.weekly_price),
        "startDate": referral.start_date,
        "priceIncludes": [str(ServiceIncluded(s).label) for s in referral.price_includes],
        "notAbleReason": (
            str(referral.get_not_able_reason_display()) if referral.not_able_reason else None
        ),
        "sentDespiteCriteria": bool(referral.exclusions),
    }


def _enquiry_record(enquiry: OffServiceEnquiry) -> dict[str, Any]:
    return {
        "providerURN": enquiry.setting.urn,
        "settingName": enquiry.setting.display_name,
        "ownerName": enquiry.setting.owner_name or None,
        "contactedOn": enquiry.contacted_on,
        "method": str(enquiry.get_method_display()),
        "result": str(enquiry.get_result_display()),
        "officerName": enquiry.made_by.full_name if enquiry.made_by else None,
    }


def _whole_pounds(value: Decimal) -> int:
    """The standard's weekly cost is an integer: whole pounds, half a pound up."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _placement_type(placement_request: PlacementRequest, setting: Setting) -> str:
    """The standard's placement type of the setting (its Ofsted type), else of the kind sought."""
    known = PLACEMENT_TYPE.get(setting.provision_type)
    if known:
        return known
    for kind, types in ACCOMMODATION_PROVISION_TYPES.items():
        if setting.provision_type in types:
            return ACCOMMODATION_TYPE[Accommodation(kind)]
    return ACCOMMODATION_TYPE[Accommodation(placement_request.accommodation[0])]


def _education_continuity(placement_request: PlacementRequest, outcome: PlacementOutcome) -> bool:
    """Our reading of the standard's yes/no: the child can stay at their school, that is the
    placement's time by road to the first place that matters named a school is known and within
    that place's limit (a school with no limit: any route). No school named: not shown, No."""
    if outcome.school_minutes is None:
        return False
    school = next((p for p in placement_request.places.all() if SCHOOL_LABEL.search(p.label)), None)
    limit = school.max_minutes if school is not None else None
    return limit is None or outcome.school_minutes <= limit


def _actual_placement(
    placement_request: PlacementRequest, outcome: PlacementOutcome | None
) -> dict[str, Any] | None:
    """The standard's ActualPlacement (None until a placement is recorded). Its two yes/no
    fields we do not ask are read from what we hold: `preferabilityLocation` is whether the
    setting is inside the child's own local authority, `educationContinuity` as above."""
    if outcome is None:
        return None
    setting = outcome.setting
    location = ", ".join(
        part for part in (setting.local_authority_label, setting.postcode_district) if part
    )
    return {
        "totalWeeklyCost": _whole_pounds(outcome.weekly_cost),
        "placementLocation": location,
        "preferabilityLocation": bool(outcome.inside_la),
        "educationContinuity": _education_continuity(placement_request, outcome),
        "providerURN": outcome.urn,
        "siblingsPlacedTogether": placement_request.siblings_to_place_together,
        "placementType": _placement_type(placement_request, setting),
    }


def _placement_terms(outcome: PlacementOutcome | None) -> dict[str, Any] | None:
    """Ours, beside the standard's ActualPlacement: the terms agreed and how far from home."""
    if outcome is None:
        return None
    setting = outcome.setting
    placement_type, provider = ssda903.placement_codes(
        setting=setting,
        placement_kind=outcome.request.placement_kind,
        placing_la_gss=outcome.request.organisation.gss_code,
    )
    return {
        "settingName": setting.display_name,
        # The DfE's SSDA903 codes (PLACE, PLACE_PROVIDER); None where our data cannot tell.
        "ssda903PlacementType": placement_type,
        "ssda903PlacementProvider": provider,
        "weeklyCost": _money(outcome.weekly_cost),  # exact: the standard's is whole pounds
        "startDate": outcome.start_date,
        "servicesIncluded": [str(ServiceIncluded(s).label) for s in outcome.services_included],
        "fundingSplit": {
            "socialCareWeekly": _money(outcome.social_care_weekly),
            "educationWeekly": _money(outcome.education_weekly),
            "healthWeekly": _money(outcome.health_weekly),
        },
        "commercialRoute": str(CommercialRoute(outcome.commercial_route).label),
        "distanceFromHomeMiles": (
            float(outcome.distance_from_home_miles)
            if outcome.distance_from_home_miles is not None
            else None
        ),
        "distanceMeasuredFrom": outcome.distance_from or None,
        # From the child's home postcode district: the DfE's measure, and by road.
        "homeMiles": float(outcome.home_miles) if outcome.home_miles is not None else None,
        "over20MilesFromHome": outcome.over_20_miles,
        "homeMinutesByRoad": outcome.home_minutes,
        "schoolMinutesByRoad": outcome.school_minutes,
        "insideLocalAuthority": outcome.inside_la,
        "insideRegion": outcome.inside_region,
        "travelEngine": outcome.travel_engine or None,
        "travelEstimated": outcome.travel_estimated,
        "journeys": outcome.journeys,
        "framework": outcome.lot.framework.name if outcome.lot else None,
        "lot": outcome.lot.number if outcome.lot else None,
        "needLevel": str(NeedLevel(outcome.need_level).label) if outcome.need_level else None,
        "tenderedRate": _money(outcome.tendered_rate),
        "aboveRateBy": _money(outcome.above_rate_by),
        "aboveRateReason": outcome.above_rate_reason or None,
    }


def _quality_assurance(
    placement_request: PlacementRequest, outcome: PlacementOutcome | None
) -> dict[str, Any] | None:
    """The standard's QualityAssurance, once a placement is recorded (most of its fields are
    required and known only then). The referral's data entry is the request's: who made it (if
    that account is gone, who sent its first referral) and when; the placement's and the cost's
    are the placement recorded (one step here)."""
    if outcome is None:
        return None
    made_by = placement_request.created_by
    if made_by is None:  # an account since removed: whoever sent its first referral
        sent = sorted(placement_request.referrals.all(), key=lambda r: (r.sent_at, r.pk))
        made_by = sent[0].sent_by if sent else None
    decided_by = outcome.decided_by.full_name if outcome.decided_by else NO_LONGER_A_USER
    recorded = _local_date(outcome.created_at)
    return {
        "referralOfficerName": made_by.full_name if made_by else None,
        "referralDate": _local_date(placement_request.created_at),
        "placementOfficerName": decided_by,
        "placementDate": recorded,
        "costOfficerName": decided_by,
        "costDate": recorded,
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
    record: dict[str, Any] = standard.referral_entities(
        pr, preferred_location=_preferred_location(pr, latest)
    )
    actual = _actual_placement(pr, outcome)
    if actual is not None:
        record["ActualPlacement"] = actual
        record["QualityAssurance"] = _quality_assurance(pr, outcome)
    today = _local_date(pr.created_at) or timezone.localdate()
    record[standard.EXTENSIONS] = {
        "localIdentifier": pr.reference,
        # The rest of the profile, in our codes: what an import reads back (placements/standard).
        "profile": standard.extension_profile(pr),
        "referralEntry": {
            "officerName": pr.created_by.full_name if pr.created_by else None,
            "date": _local_date(pr.created_at),
        },
        "placementTerms": _placement_terms(outcome),
        "referrals": [_referral_record(referral) for referral in referrals],
        "offServiceEnquiries": [
            _enquiry_record(enquiry)
            for enquiry in sorted(
                pr.off_service_enquiries.all(), key=lambda e: (e.contacted_on, e.created_at, e.pk)
            )
        ],
        "demand": {
            "status": str(pr.get_status_display()),
            "createdAt": _local(pr.created_at),
            "closedAt": _local(pr.closed_at),
            "closeReason": str(pr.get_close_reason_display()) if pr.close_reason else None,
            "closeNote": pr.close_note or None,
            "homeDistrict": pr.home_district or None,
            # A child placed outside the service: what was secured (never the provider).
            "securedOutside": (
                {
                    "placementType": pr.get_secured_accommodation_display() or None,
                    "totalWeeklyCost": _money(pr.secured_weekly_cost),
                    "insideLocalAuthority": pr.secured_in_area,
                }
                if pr.close_reason == CloseReason.PLACED_OUTSIDE
                else None
            ),
            # Each part of the profile the standard's sections do not hold, in words
            # (placements/criteria.py).
            **{_camel(key): words for key, words in criteria.record_of(pr, today=today).items()},
            "places": [
                {
                    "label": place.label,
                    "district": _district(place.postcode),
                    "maxMinutes": place.max_minutes,
                    "mode": place.mode,
                    "departsAt": clock(place.departs_at)
                    if place.mode == TravelMode.PUBLIC_TRANSPORT
                    else None,
                    "day": place.day if place.mode == TravelMode.PUBLIC_TRANSPORT else None,
                }
                for place in pr.places.all()
            ],
            "areasToAvoid": len(pr.areas_to_avoid.all()),
            "searches": {
                "count": len(searches),
                "latest": (
                    {
                        "runAt": _local(latest.created_at),
                        "matches": latest.match_count,
                        "funnel": [
                            {
                                "check": key,
                                "label": FUNNEL_LABELS.get(key, key),
                                "settingsLeft": count,
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
    return record


# Many requests ----------------------------------------------------------------------------------


def _with_record_data(requests: QuerySet[PlacementRequest]) -> QuerySet[PlacementRequest]:
    """Everything a record reads, in a fixed number of queries however many requests."""
    return requests.select_related(
        "organisation",
        "organisation__area",
        "organisation__region",
        "created_by",
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
        "formatVersion": FORMAT_VERSION,
        "generatedAt": _local(now or timezone.now()),
        "localAuthority": organisation_name,
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
    return "; ".join(f"{step['label']}: {step['settingsLeft']}" for step in latest["funnel"])


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
    departs = place.get("departsAt")
    return mode_words(
        place.get("mode") or TravelMode.CAR,
        departs_at=dt.time.fromisoformat(departs) if departs else None,
        day=place.get("day") or "",
    ).lower()


def _request_row(record: dict[str, Any]) -> list[Any]:
    availability = record["PlacementAvailability"]
    requirements = record["PlacementRequirements"]
    extensions = record[standard.EXTENSIONS]
    demand = extensions["demand"]
    searches = demand["searches"]
    latest = searches["latest"]
    actual = record.get("ActualPlacement") or {}
    terms = extensions["placementTerms"] or {}
    funding = terms.get("fundingSplit") or {}
    outside = demand["securedOutside"] or {}
    enquiries = extensions["offServiceEnquiries"]
    responses = [referral["response"] for referral in extensions["referrals"]]
    values = [
        availability["childId"],
        extensions["localIdentifier"],
        demand["status"],
        demand["closeReason"],
        demand["createdAt"],
        demand["homeDistrict"],
        availability["neededBy"],
        availability["siblingCount"],
        availability["preferredLocation"],
        requirements["communicationNeeds"],
        requirements["specificCommunicationRequirements"],
        requirements["homeAdaptation"],
        requirements["culturalNeeds"],
        requirements["livingCompanions"],
        requirements["pets"],
        requirements["deprivationOfLiberty"],
        *record["PlacementRecommendation"].values(),
        *record["Risks"].values(),
        *(demand[_camel(key)] for key, _, _ in criteria.record_columns()),
        [f"{place['label']}: {place['district']}, {_how(place)}" for place in demand["places"]],
        searches["count"],
        latest["runAt"] if latest else None,
        _funnel_text(latest),
        len(responses),
        responses.count(Response.INTERESTED),
        responses.count(Response.NOT_ABLE),
        responses.count(Response.NO_ANSWER),
        actual.get("providerURN"),
        terms.get("settingName"),
        actual.get("placementType"),
        terms.get("ssda903PlacementType"),
        terms.get("ssda903PlacementProvider"),
        actual.get("placementLocation"),
        terms.get("startDate"),
        terms.get("weeklyCost"),
        terms.get("servicesIncluded"),
        funding.get("socialCareWeekly"),
        funding.get("educationWeekly"),
        funding.get("healthWeekly"),
        terms.get("commercialRoute"),
        terms.get("distanceFromHomeMiles"),
        terms.get("distanceMeasuredFrom"),
        terms.get("homeMiles"),
        terms.get("over20MilesFromHome"),
        terms.get("homeMinutesByRoad"),
        terms.get("schoolMinutesByRoad"),
        terms.get("insideLocalAuthority"),
        terms.get("insideRegion"),
        terms.get("travelEstimated"),
        terms.get("framework"),
        terms.get("lot"),
        terms.get("needLevel"),
        terms.get("tenderedRate"),
        terms.get("aboveRateBy"),
        terms.get("aboveRateReason"),
        len(enquiries),
        sum(1 for e in enquiries if e["result"] == ENQUIRY_INTERESTED),
        outside.get("placementType"),
        outside.get("totalWeeklyCost"),
        outside.get("insideLocalAuthority"),
        demand["closeNote"],
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


def _ids(record: dict[str, Any]) -> list[Any]:
    return [
        record["PlacementAvailability"]["childId"],
        record[standard.EXTENSIONS]["localIdentifier"],
    ]


def _enquiry_row(record: dict[str, Any], enquiry: dict[str, Any]) -> list[Any]:
    values = [
        *_ids(record),
        enquiry["providerURN"],
        enquiry["settingName"],
        enquiry["ownerName"],
        enquiry["contactedOn"],
        enquiry["method"],
        enquiry["result"],
        enquiry["officerName"],
    ]
    return [_cell(value) for value in values]


def _referral_row(record: dict[str, Any], referral: dict[str, Any]) -> list[Any]:
    values = [
        *_ids(record),
        referral["providerURN"],
        referral["settingName"],
        referral["referralDate"],
        referral["referralOfficerName"],
        referral["deadline"],
        referral["response"],
        referral["status"],
        referral["answeredAt"],
        referral["weeklyPrice"],
        referral["startDate"],
        referral["priceIncludes"],
        referral["notAbleReason"],
        referral["sentDespiteCriteria"],
    ]
    return [_cell(value) for value in values]


def record_sheets(document: dict[str, Any]) -> list[Sheet]:
    """The document's records as three sheets: one row per request, one per referral, one per
    enquiry made outside the service."""
    records = document["records"]
    extensions = standard.EXTENSIONS
    return [
        _sheet("Requests", REQUEST_COLUMNS, [_request_row(record) for record in records]),
        _sheet(
            "Referrals",
            REFERRAL_COLUMNS,
            [
                _referral_row(record, r)
                for record in records
                for r in record[extensions]["referrals"]
            ],
        ),
        _sheet(
            "Asked outside the service",
            ENQUIRY_COLUMNS,
            [
                _enquiry_row(record, enquiry)
                for record in records
                for enquiry in record[extensions]["offServiceEnquiries"]
            ],
        ),
    ]


def _sheet(title: str, columns: Any, rows: list[Any]) -> Sheet:
    """A sheet from (header, width) columns and its rows."""
    return Sheet(title, [header for header, _ in columns], rows, [width for _, width in columns])
