"""Which settings can take one child, ranked, with the reasons: the product's core selector.

    result = setting_match(request=placement_request, criteria=SearchCriteria(area="region"))

How it stays fast: every hard filter that the database can answer is one SQL query over the
5,600 settings (registration, type, the provider's criteria, vacancy or suitable carer households,
search area, areas to avoid, and a "could possibly be within the limit" disc around each place
that matters). Only the few settings left are sent to the travel engine, whose cost grows with
the number of destinations (see geo/travel.py); road times then apply the exact limits. The disc
is safe: no journey can beat a straight line at the national speed limit (TRAVEL_MAX_KMH), so a
setting outside it can never be within the limit by road, and the estimate engine is slower still.

The ranking is in docs/matching.md: a score out of 100 from five parts (six when the region
weights membership of its frameworks), each shown to the officer with the reasons and concerns
behind it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock_time
from typing import Any, NamedTuple

from django.conf import settings as django_settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point, Polygon
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.selectors import region_boundary, region_member_area_ids
from commissioning.search import MemberOf, current_frameworks, current_memberships, memberships_of
from geo.journeys import JourneyCounts, whole_minutes
from geo.models import Area, PostcodeDistrict
from geo.modes import (
    Journey,
    ReachUnknownError,
    TravelMode,
    clock,
    disc_kmh,
    journeys_measure,
    leg_words,
    public_transport_covers,
    reach_area,
)
from geo.shapes import METRES_PER_MILE, as_multipolygon, buffered, circle
from placements import criteria
from placements.models import (
    ChildSex,
    PlacementRequest,
    PlaceThatMatters,
    Urgency,
)
from providers import ofsted
from providers.facts import VacancyState, VacancyView, vacancy_view
from providers.models import (
    ACCOMMODATION_PROVISION_TYPES,
    FOSTERING_PROVISION_TYPES,
    CarerHousehold,
    Eligibility,
    PlacementKind,
    Setting,
    sexes_words,
)

# How much each part counts towards the score (out of 100). docs/matching.md explains them.
WEIGHTS = {"fit": 30, "vacancy": 20, "travel": 25, "ofsted": 15, "local": 10}


class AreaKind:
    ANYWHERE = "anywhere"
    OWN_LA = "own_la"
    REGION = "region"
    LAS = "las"
    RADIUS = "radius"
    DRAWN = "drawn"
    REACH = "reach"  # within a journey time of a place that matters, by its own mode


@dataclass(frozen=True)
class SearchCriteria:
    """What the officer chose on the search form, on top of the request itself."""

    area: str = AreaKind.ANYWHERE
    las: tuple[str, ...] = ()  # GSS codes of upper-tier LAs, for AreaKind.LAS
    postcode_point: Point | None = None  # for AreaKind.RADIUS (looked up by the form)
    postcode: str = ""
    radius_miles: float | None = None
    polygon: Polygon | None = None  # SRID 4326, for AreaKind.DRAWN
    include_unconfirmed: bool = False
    # Only settings whose provider is on this service (they can be sent a referral here).
    on_service_only: bool = False
    # {PlaceThatMatters id: max minutes or None}: overrides the request's own limits.
    limits: dict[int, int | None] = field(default_factory=dict)
    # Only active members of a current lot of the region's current frameworks, or of this one.
    on_frameworks: bool = False
    framework_id: int | None = None
    # For AreaKind.REACH: everywhere within `reach_minutes` of this place by its own mode.
    reach_place_id: int | None = None
    reach_minutes: int | None = None

    def as_record(self) -> dict[str, Any]:
        """The criteria as saved with the search (JSON)."""
        return {
            "area": self.area,
            "las": list(self.las),
            "postcode": self.postcode,
            "radius_miles": self.radius_miles,
            "polygon": self.polygon.wkt if self.polygon else "",
            "include_unconfirmed": self.include_unconfirmed,
            "on_service_only": self.on_service_only,
            "limits": {str(k): v for k, v in sorted(self.limits.items())},
            "on_frameworks": self.on_frameworks,
            "framework_id": self.framework_id,
            "reach_place_id": self.reach_place_id,
            "reach_minutes": self.reach_minutes,
        }

    @property
    def framework_filter(self) -> bool:
        return self.on_frameworks or self.framework_id is not None


@dataclass(frozen=True)
class TravelLeg:
    place_id: int
    label: str
    minutes: float | None
    estimated: bool
    max_minutes: int | None
    mode: str = TravelMode.CAR
    departs_at: clock_time | None = None  # public transport: when the journey leaves
    # False: no timetable covers the place, so a limit by public transport cannot be checked.
    covered: bool = True
    vehicle: str = ""

    @property
    def within_limit(self) -> bool:
        if self.max_minutes is None or not self.covered:
            return True
        return self.minutes is not None and self.minutes <= self.max_minutes

    @property
    def journey(self) -> Journey:
        return Journey(self.minutes, self.estimated, self.mode, self.covered, self.vehicle)

    @property
    def words(self) -> str:
        """'50 min by road', 'by bus, 34 min, leaving 08:00', …: geo/modes.py's words."""
        return leg_words(self.journey, departs_at=self.departs_at)


@dataclass
class Match:
    setting: Setting
    score: float  # 0 to 100
    components: dict[str, float]  # each 0 to 1: fit, vacancy, travel, ofsted, local
    reasons: list[str]
    concerns: list[str]
    travel: list[TravelLeg]
    vacancy: VacancyView | None
    confirmed: bool  # False: shown only because the officer included unconfirmed settings
    households: int | None = None  # IFAs: households that could take the child
    household_places: int | None = None
    # Where to draw it: a public setting's own point; for a private one the middle of its
    # postcode district (never its exact location); None when unknown.
    map_point: Point | None = None
    map_point_approximate: bool = False
    locality: str = ""
    # What each part weighs here, scaled so that they add up to 100 (WEIGHTS, and the region's
    # framework weight when it counts).
    weights: dict[str, float] = field(default_factory=lambda: dict(WEIGHTS))
    # Its current memberships of the region's frameworks, with their tendered rates: filled in
    # for the results shown (`with_memberships`), one query for a page.
    memberships: list[MemberOf] = field(default_factory=list)

    @property
    def longest_minutes(self) -> float | None:
        minutes = [leg.minutes for leg in self.travel if leg.minutes is not None]
        return max(minutes) if minutes else None

    @property
    def any_estimated(self) -> bool:
        return any(leg.estimated for leg in self.travel)

    @property
    def longest_leg(self) -> TravelLeg | None:
        """The longest timed journey, by whatever mode."""
        timed = [leg for leg in self.travel if leg.minutes is not None]
        return max(timed, key=lambda leg: leg.minutes or 0) if timed else None

    @property
    def longest_estimated(self) -> bool:
        """Whether the longest journey (the one `longest_minutes` gives) is an estimate."""
        timed = [leg for leg in self.travel if leg.minutes is not None]
        return max(timed, key=lambda leg: leg.minutes or 0).estimated if timed else False

    def as_record(self) -> dict[str, Any]:
        """What the saved search keeps of this match (JSON)."""
        return {
            "urn": self.setting.urn,
            "name": self.setting.display_name,
            "provision_type": self.setting.provision_type,
            "owner_name": self.setting.owner_name,
            "on_service": self.setting.provider_organisation_id is not None,
            "score": round(self.score, 1),
            "components": {k: round(v, 3) for k, v in self.components.items()},
            "confirmed": self.confirmed,
            "vacancy_state": self.vacancy.state if self.vacancy else None,
            "vacancy_places": self.vacancy.places if self.vacancy else None,
            "households": self.households,
            "travel": [
                {
                    "place_id": leg.place_id,
                    "place": leg.label,
                    "minutes": None if leg.minutes is None else round(leg.minutes, 1),
                    "whole_minutes": whole_minutes(leg.minutes),
                    "estimated": leg.estimated,
                    "max_minutes": leg.max_minutes,
                    "mode": leg.mode,
                    "departs_at": clock(leg.departs_at),
                    "covered": leg.covered,
                    "vehicle": leg.vehicle,
                    "words": leg.words,
                }
                for leg in self.travel
            ],
            "reasons": self.reasons,
            "concerns": self.concerns,
        }


@dataclass
class MatchResult:
    matches: list[Match]
    funnel: dict[str, int]  # settings left after each hard filter, in order
    area: MultiPolygon | None
    avoid: list[Polygon]
    engine: str
    milliseconds: int = 0
    on_service_only: bool = False
    framework_name: str = ""  # the one framework the search was narrowed to, if any
    framework_weight: int = 0  # what membership weighed (0: not a part of this score)
    # Public transport: {place id: {"feed", "day", "ended", "engine"}} (geo/modes.py).
    timetables: dict[int, dict[str, Any]] = field(default_factory=dict)

    @property
    def journeys(self) -> JourneyCounts:
        """How this search's journey times were measured: by road, estimated, or no route."""
        legs = [leg for match in self.matches for leg in match.travel if leg.mode == TravelMode.CAR]
        return JourneyCounts(
            by_road=sum(1 for leg in legs if leg.minutes is not None and not leg.estimated),
            estimated=sum(1 for leg in legs if leg.minutes is not None and leg.estimated),
            no_route=sum(1 for leg in legs if leg.minutes is None),
        )


FUNNEL_LABELS = {
    "registered": "Registered with Ofsted, open, of a suitable type",
    "criteria": "Their stated criteria and their vacancy's restrictions admit this child",
    "available": "With a confirmed vacancy or a suitable carer household",
    "where": "Inside the search area and outside the areas to avoid",
    "framework": "On your region's frameworks (active members of a current lot)",
    "travel": "Within every travel limit (by road or timetable, or estimated where the roads "
    "do not reach)",
    "on_service": "Run by a provider on this service (can be sent a referral)",
}

JUDGEMENT_SCORE = {
    ofsted.Judgement.OUTSTANDING: 1.0,
    ofsted.Judgement.GOOD: 0.75,
    ofsted.Judgement.REQUIRES_IMPROVEMENT: 0.35,
    ofsted.Judgement.INADEQUATE: 0.0,
}
OUTCOME_SCORE = {
    ofsted.SupportedAccommodationOutcome.CONSISTENTLY_STRONG: 1.0,
    ofsted.SupportedAccommodationOutcome.INCONSISTENT: 0.4,
    ofsted.SupportedAccommodationOutcome.SERIOUS_WEAKNESSES: 0.0,
}
NOT_INSPECTED_SCORE = 0.5
# A journey with no limit set counts for less the longer it is, reaching 0 at this many minutes.
UNLIMITED_JOURNEY_MINUTES = 120
HOUSEHOLDS_FOR_FULL_MARKS = 4
# A request for "more than 5 days from now" names no day: a place free within that many days is
# in time; one free later may not be, so its vacancy part counts this much (and is flagged).
PLANNED_AFTER_DAYS = 5
LATE_START_VACANCY = 0.75
LOCAL_SCORE = {"own": 1.0, "neighbour": 0.6, "region": 0.3, "elsewhere": 0.0}
# The sixth part, weighted by the region (accounts.Region.framework_weight) beside the others'
# 100: 1 for an active member of a current lot of one of its current frameworks, else 0.
FRAMEWORK = "framework"


def scaled_weights(framework_weight: int) -> dict[str, float]:
    """The parts' weights, scaled to add up to 100, with the framework part when it counts."""
    if framework_weight <= 0:
        return dict(WEIGHTS)
    weights: dict[str, float] = {**WEIGHTS, FRAMEWORK: framework_weight}
    total = sum(weights.values())
    return {name: weight * 100 / total for name, weight in weights.items()}


class SearchAreaError(ValueError):
    """The search area cannot be built (e.g. an LA code that is not an English upper-tier LA)."""


# --- The search area ------------------------------------------------------------------------


def search_area(request: PlacementRequest, criteria: SearchCriteria) -> MultiPolygon | None:
    """The area settings must be in, or None for anywhere in England."""
    if criteria.area == AreaKind.ANYWHERE:
        return None
    build = _AREA_BUILDERS.get(criteria.area)
    if build is None:
        raise SearchAreaError(f"Unknown kind of search area: {criteria.area}")
    return build(request, criteria)


def _own_la_area(request: PlacementRequest, criteria: SearchCriteria) -> MultiPolygon | None:
    if request.organisation.area is None:
        raise SearchAreaError("Your local authority has no boundary loaded")
    return as_multipolygon(request.organisation.area.boundary)


NO_REGION_BOUNDARY = (
    "None of your region's local authorities has a boundary loaded, so a search in the region "
    "cannot be done. Ask your hub admin to load the ONS boundaries (see the README)."
)


def _region_area(request: PlacementRequest, criteria: SearchCriteria) -> MultiPolygon | None:
    """The hub's region is its current member LAs, whatever ONS regions they lie in (ADR 0012)."""
    boundary = region_boundary(region=request.organisation.own_region)
    if boundary is None:
        raise SearchAreaError(NO_REGION_BOUNDARY)
    return as_multipolygon(boundary)


def _las_area(request: PlacementRequest, criteria: SearchCriteria) -> MultiPolygon | None:
    boundaries = list(
        Area.objects.filter(gss_code__in=criteria.las, kind=Area.Kind.UPPER_TIER_LA).values_list(
            "gss_code", "boundary"
        )
    )
    missing = set(criteria.las) - {code for code, _ in boundaries}
    if missing or not boundaries:
        raise SearchAreaError(f"Unknown local authority: {', '.join(sorted(missing))}")
    union: GEOSGeometry = boundaries[0][1]
    for _, boundary in boundaries[1:]:
        union = union.union(boundary)
    return as_multipolygon(union)


def _radius_area(request: PlacementRequest, criteria: SearchCriteria) -> MultiPolygon | None:
    if criteria.postcode_point is None or not criteria.radius_miles:
        raise SearchAreaError("A radius search needs a postcode and a distance")
    return as_multipolygon(circle(criteria.postcode_point, criteria.radius_miles * METRES_PER_MILE))


def _drawn_area(request: PlacementRequest, criteria: SearchCriteria) -> MultiPolygon | None:
    if criteria.polygon is None:
        raise SearchAreaError("Draw an area on the map first")
    return as_multipolygon(criteria.polygon)


def _reach_area(request: PlacementRequest, criteria: SearchCriteria) -> MultiPolygon | None:
    """Everywhere within a journey time of one place that matters, by the place's own mode
    (geo/modes.py `reach_area`): by road on the networks, by public transport on the timetable."""
    place = next((p for p in request.places.all() if p.pk == criteria.reach_place_id), None)
    if place is None or not criteria.reach_minutes:
        raise SearchAreaError("Choose a place that matters and a journey time")
    try:
        return reach_area(place.trip, criteria.reach_minutes, today=timezone.localdate())
    except ReachUnknownError as exc:
        raise SearchAreaError(f"{place.label[:1].upper()}{place.label[1:]}: {exc}") from exc


_AREA_BUILDERS: dict[str, Callable[[PlacementRequest, SearchCriteria], MultiPolygon | None]] = {
    AreaKind.OWN_LA: _own_la_area,
    AreaKind.REACH: _reach_area,
    AreaKind.REGION: _region_area,
    AreaKind.LAS: _las_area,
    AreaKind.RADIUS: _radius_area,
    AreaKind.DRAWN: _drawn_area,
}


_NEIGHBOURS: dict[tuple[int, datetime], frozenset[int]] = {}


def neighbouring_areas(area: Area) -> frozenset[int]:
    """Upper-tier LAs sharing a boundary with `area` (within 200 m: published boundaries are
    generalised, so neighbours may not touch exactly). Cached per process and boundary version."""
    key = (area.pk, area.updated_at)
    if key not in _NEIGHBOURS:
        near = buffered(area.boundary, 200, segments=2)
        _NEIGHBOURS[key] = frozenset(
            Area.objects.filter(kind=Area.Kind.UPPER_TIER_LA, boundary__intersects=near)
            .exclude(pk=area.pk)
            .values_list("pk", flat=True)
        )
    return _NEIGHBOURS[key]


# --- The hard filters, as SQL ----------------------------------------------------------------


@dataclass
class _Child:
    """The facts of the request the filters need, worked out once."""

    request: PlacementRequest
    age: int
    today: Any
    now: datetime
    limits: dict[int, int | None]
    places: list[PlaceThatMatters]
    # 0 when membership does not count: the region weights it 0 or has no current framework.
    framework_weight: int = 0

    @property
    def region_id(self) -> int:
        return self.request.organisation.own_region_id

    @property
    def group(self) -> int:
        return self.request.group_size


def _criteria_q(child: _Child) -> Q:
    """The provider's stated criteria admit this child: every criterion in
    placements/criteria.py, each the same rule as its sentence in `criteria_exclusions`."""
    return criteria.criteria_q(child)


def _restrictions_q(child: _Child) -> Q:
    """The vacancy's own restrictions admit this child: sexes, ages, solo only. A setting with
    no vacancy, or a fostering agency (whose households say whom they take), has none. The
    same rules as `_vacancy_exclusions`, in SQL."""
    request = child.request
    wanted = ["female", "male"] if request.sex == ChildSex.NOT_STATED else [request.sex]
    q = Q(vacancy__sexes=[]) | Q(vacancy__sexes__contains=wanted)
    q &= Q(vacancy__min_age__isnull=True) | Q(vacancy__min_age__lte=child.age)
    q &= Q(vacancy__max_age__isnull=True) | Q(vacancy__max_age__gte=child.age)
    if child.group > 1:
        q &= Q(vacancy__solo_only=False)
    return Q(provision_type__in=FOSTERING_PROVISION_TYPES) | Q(vacancy__isnull=True) | q


def _vacancy_cutoff(child: _Child) -> datetime:
    """The earliest confirmation that has not expired (the same day count as vacancy_view)."""
    first_day = child.today - timedelta(days=django_settings.VACANCY_EXPIRE_DAYS - 1)
    return timezone.make_aware(datetime.combine(first_day, clock_time.min))


def _needed_by(child: _Child) -> Any:
    urgency = child.request.urgency
    if urgency == Urgency.TODAY:
        return child.today
    if urgency == Urgency.WITHIN_5_DAYS:
        return child.today + timedelta(days=4)
    return None


def _households(child: _Child) -> QuerySet[CarerHousehold]:
    """Households that could take the child (age, needs, room for the sibling group)."""
    return CarerHousehold.objects.filter(
        min_age__lte=child.age,
        max_age__gte=child.age,
        places_now__gte=child.group,
        needs__contains=list(child.request.needs),
    )


def _home_vacancy_q(child: _Child) -> Q:
    q = Q(vacancy__places__gte=child.group, vacancy__confirmed_at__gte=_vacancy_cutoff(child))
    needed_by = _needed_by(child)
    if needed_by is not None:
        q &= Q(vacancy__available_from__isnull=True) | Q(vacancy__available_from__lte=needed_by)
    return q


def _discs(child: _Child) -> list[Polygon]:
    """For each limited place, the disc no journey within the limit can leave, at the fastest
    straight-line speed of its mode. None for a place by public transport no timetable covers:
    its limit cannot be checked, so it rules nothing out."""
    return [
        circle(place.point, limit * disc_kmh(place.mode) * 1000 / 60, segments=8)
        for place in child.places
        if (limit := child.limits.get(place.pk)) is not None
        and (place.mode != TravelMode.PUBLIC_TRANSPORT or public_transport_covers(place.point))
    ]


def _where(
    field_name: str, area: MultiPolygon | None, avoid: list[Polygon], discs: list[Polygon]
) -> Q:
    q = Q()
    if area is not None:
        q &= Q(**{f"{field_name}__intersects": area})
    for shape in avoid:
        q &= ~Q(**{f"{field_name}__intersects": shape}) & Q(**{f"{field_name}__isnull": False})
    for disc in discs:
        q &= Q(**{f"{field_name}__intersects": disc})
    return q


UNUSED_FIELDS = (
    "created_at",
    "updated_at",
    "last_import",
    "eligibility__created_at",
    "eligibility__updated_at",
    "eligibility__what_we_offer",
    "eligibility__therapeutic_support",
    "vacancy__created_at",
    "vacancy__updated_at",
)


@dataclass
class _Filters:
    registered: Q
    criteria: Q
    available: Q
    agency_where: Q
    unconfirmed_criteria: Q
    unconfirmed_available: Q
    household_where: Q
    framework: Q  # Q() when the search is not narrowed to frameworks


def _framework_q(child: _Child, criteria: SearchCriteria) -> Q:
    if not criteria.framework_filter:
        return Q()
    members = current_memberships(
        child.region_id, today=child.today, framework_id=criteria.framework_id
    )
    # An uncorrelated IN: PostgreSQL runs it once and hashes the ids, where a correlated EXISTS
    # would run once a setting inside the funnel's aggregate (several times slower over England).
    return Q(pk__in=members.values("setting_id"))


def _filters(
    child: _Child,
    area: MultiPolygon | None,
    avoid: list[Polygon],
    discs: list[Polygon],
    criteria: SearchCriteria,
) -> _Filters:
    request = child.request
    types = sorted(
        {t for kind in request.accommodation for t in ACCOMMODATION_PROVISION_TYPES[kind]}
    )
    fostering = Q(provision_type__in=FOSTERING_PROVISION_TYPES)
    districts_inside = PostcodeDistrict.objects.filter(_where("point", area, avoid, discs))
    household_where = Q(postcode_district__in=districts_inside.values("district"))
    suitable = _households(child).filter(setting=OuterRef("pk"))
    any_household = CarerHousehold.objects.filter(setting=OuterRef("pk"))
    return _Filters(
        registered=Q(status=Setting.Status.ACTIVE, provision_type__in=types),
        criteria=_criteria_q(child) & _restrictions_q(child),
        available=(fostering & Q(Exists(suitable))) | (~fostering & _home_vacancy_q(child)),
        agency_where=Q(Exists(suitable.filter(household_where))),
        unconfirmed_criteria=Q(eligibility__isnull=True) & _restrictions_q(child),
        unconfirmed_available=(fostering & ~Q(Exists(any_household)))
        | (
            ~fostering
            & (Q(vacancy__isnull=True) | Q(vacancy__confirmed_at__lt=_vacancy_cutoff(child)))
        ),
        household_where=household_where,
        framework=_framework_q(child, criteria),
    )


# --- Matching --------------------------------------------------------------------------------


def setting_match(
    *,
    request: PlacementRequest,
    criteria: SearchCriteria,
    now: datetime | None = None,
    travel: bool = True,
) -> MatchResult:
    """The settings that can take this child, best first.

    `travel=False` skips road travel times (the benchmark's comparison): limits are then applied
    only as the straight-line discs. Raises SearchAreaError for an area that cannot be built.
    """
    started = time.perf_counter()
    now = now or timezone.now()
    today = timezone.localdate(now)
    places = list(request.places.all())
    limits = {place.pk: criteria.limits.get(place.pk, place.max_minutes) for place in places}
    region = request.organisation.own_region
    frameworks = list(current_frameworks(region.pk, today=today).values_list("pk", "name"))
    child = _Child(
        request=request, age=request.age_on(today), today=today, now=now, limits=limits,
        places=places, framework_weight=region.framework_weight if frameworks else 0,
    )  # fmt: skip
    area = search_area(request, criteria)
    avoid = [a.area for a in request.areas_to_avoid.all()]
    discs = _discs(child)
    f = _filters(child, area, avoid, discs, criteria)

    # The funnel: how many settings each hard filter leaves, in one query (demand evidence).
    steps = f.registered & f.criteria & f.available
    counts = {
        "registered": Count("pk", filter=f.registered),
        "criteria": Count("pk", filter=f.registered & f.criteria),
        "available": Count("pk", filter=steps),
    }
    if criteria.framework_filter:
        counts["framework"] = Count("pk", filter=steps & f.framework)
    funnel = Setting.objects.aggregate(**counts)
    candidates = _candidates(f, area, avoid, discs, criteria.include_unconfirmed)
    funnel["where"] = sum(1 for light in candidates if light.strict)
    assessed = _assess(child, candidates, f, travel=travel)
    funnel["travel"] = sum(1 for m in assessed.matches if m.confirmed)
    # Not a filter of the search itself (the others can be asked outside the service), so the
    # count is always given and the officer chooses whether to keep only these.
    funnel["on_service"] = sum(1 for m in assessed.matches if m.confirmed and _on_service(m))
    matches = assessed.matches
    if criteria.on_service_only:
        matches = [m for m in matches if _on_service(m)]
    return MatchResult(
        matches=matches,
        funnel=funnel,
        area=area,
        avoid=avoid,
        engine=assessed.engine,
        on_service_only=criteria.on_service_only,
        framework_name=dict(frameworks).get(criteria.framework_id, "")
        if criteria.framework_id is not None
        else "",
        framework_weight=child.framework_weight,
        timetables=assessed.timetables,
        milliseconds=round((time.perf_counter() - started) * 1000),
    )


def with_memberships(matches: Iterable[Match], request: PlacementRequest, *, today: Any) -> None:
    """Fill in these matches' current memberships of the request's region's frameworks and
    their tendered rates: one query however many matches (a page's 25, or the API's all)."""
    matches = list(matches)
    found = memberships_of(
        [m.setting.pk for m in matches], request.organisation.own_region_id, today=today
    )
    for match in matches:
        match.memberships = found.get(match.setting.pk, [])


def _on_service(match: Match) -> bool:
    """Its provider uses this service, so it can be sent a referral here."""
    return match.setting.provider_organisation_id is not None


def _candidates(
    f: _Filters,
    area: MultiPolygon | None,
    avoid: list[Polygon],
    discs: list[Polygon],
    include_unconfirmed: bool,
) -> list[_Light]:
    """Settings passing every hard filter the database can answer, each marked `strict` when it
    passes them without the officer's "include unconfirmed" choice.

    Homes and agencies are asked for separately so that the homes' spatial condition stays a
    plain WHERE on their location, which the spatial index answers.
    """
    strict = f.criteria & f.available
    admitted = (
        f.registered
        & (f.criteria | f.unconfirmed_criteria)
        & (f.available | f.unconfirmed_available)
        if include_unconfirmed
        else f.registered & strict
    ) & f.framework
    fostering = Q(provision_type__in=FOSTERING_PROVISION_TYPES)
    agencies_where = f.agency_where
    if include_unconfirmed:
        # An agency that has listed no households cannot be placed by household: it is shown (as
        # unconfirmed) when its office is in the area, which is the best there is to go on.
        agencies_where |= f.unconfirmed_available & _where("location", area, avoid, [])
    found: list[_Light] = []
    for where in (~fostering & _where("location", area, avoid, discs), fostering & agencies_where):
        found.extend(
            _Light(*row)
            for row in Setting.objects.filter(admitted)
            .filter(where)
            .annotate(strict=ExpressionWrapper(strict, output_field=BooleanField()))
            .values_list("pk", "provision_type", "location", "strict")
        )
    return found


class _Light(NamedTuple):
    """A candidate before it is worth loading whole: enough to route it."""

    pk: int
    provision_type: str
    location: Point | None
    strict: bool


def _load(child: _Child, ids: Iterable[int]) -> list[Setting]:
    """The settings worth showing, whole, with what ranking and the page use (and, when the
    region weights it, whether each is on one of its frameworks: `on_framework`)."""
    queryset = (
        Setting.objects.filter(pk__in=list(ids))
        .select_related("eligibility", "vacancy")
        # The timestamps alone were a fifth of a national search's time to parse.
        .defer(*UNUSED_FIELDS)
    )
    if child.framework_weight:
        members = current_memberships(child.region_id, today=child.today)
        queryset = queryset.annotate(on_framework=Exists(members.filter(setting=OuterRef("pk"))))
    settings = list(queryset)
    # Each local authority once (there are 153), not once per setting: a national search
    # names thousands of settings in a few dozen authorities. Never their boundaries.
    areas = Area.objects.defer("boundary", "created_at", "updated_at").in_bulk(
        {s.local_authority_id for s in settings if s.local_authority_id is not None}
    )
    for setting in settings:
        if setting.local_authority_id is not None:
            setting.local_authority = areas[setting.local_authority_id]
    return settings


@dataclass
class _Assessed:
    matches: list[Match]
    engine: str
    timetables: dict[int, dict[str, Any]] = field(default_factory=dict)


def _assess(child: _Child, candidates: list[_Light], f: _Filters, *, travel: bool) -> _Assessed:
    """Route the candidates, load only those within every limit, and rank them."""
    households = _agency_households(child, candidates, f)
    district_points = dict(
        PostcodeDistrict.objects.filter(
            district__in={d for rows in households.values() for d, _ in rows}
        ).values_list("district", "point")
    )
    journeys = _Journeys.measure(child, candidates, households, district_points, travel=travel)
    loaded = _load(child, _worth_loading(child, candidates, journeys, travel=travel))
    private_districts = {
        s.postcode_district for s in loaded if s.location_is_private and s.postcode
    }
    district_points.update(
        PostcodeDistrict.objects.filter(
            district__in=private_districts - set(district_points)
        ).values_list("district", "point")
    )
    context = _rank_context(child)
    matches: list[Match] = []
    for setting in loaded:
        if setting.provision_type in FOSTERING_PROVISION_TYPES:
            match = _assess_agency(
                context, setting, households.get(setting.pk, []), journeys.legs, travel
            )
        else:
            match = _assess_home(context, setting, journeys.legs(("setting", setting.pk)), travel)
        if match is not None:
            matches.append(_placed_on_map(match, district_points))
    matches.sort(key=_sort_key)
    return _Assessed(matches=matches, engine=journeys.engine, timetables=journeys.timetables)


def _agency_households(
    child: _Child, candidates: list[_Light], f: _Filters
) -> dict[int, list[tuple[str, int]]]:
    """Households that could take the child, in the area, by agency: (district, places)."""
    fostering_ids = [c.pk for c in candidates if c.provision_type in FOSTERING_PROVISION_TYPES]
    households: dict[int, list[tuple[str, int]]] = {}
    for setting_id, district, places in (
        _households(child)
        .filter(setting_id__in=fostering_ids)
        .filter(f.household_where)
        .values_list("setting_id", "postcode_district", "places_now")
    ):
        households.setdefault(setting_id, []).append((district, places))
    return households


@dataclass
class _Journeys:
    """Travel times from each place that matters to each destination: a home's own location,
    or a household district's middle (each once)."""

    child: _Child
    index: dict[Any, int]
    matrix: Any
    engine: str

    @classmethod
    def measure(
        cls,
        child: _Child,
        candidates: list[_Light],
        households: dict[int, list[tuple[str, int]]],
        district_points: dict[str, Point],
        *,
        travel: bool,
    ) -> _Journeys:
        destinations: list[Point] = []
        index: dict[Any, int] = {}

        def destination(key: Any, point: Point) -> None:
            if key not in index:
                index[key] = len(destinations)
                destinations.append(point)

        for light in candidates:
            if light.provision_type not in FOSTERING_PROVISION_TYPES and light.location:
                destination(("setting", light.pk), light.location)
        for rows in households.values():
            for district, _ in rows:
                if district in district_points:
                    destination(("district", district), district_points[district])
        if not (travel and child.places and destinations):
            return cls(child=child, index=index, matrix=None, engine="none")
        matrix = journeys_measure(
            [place.trip for place in child.places], destinations, today=child.today
        )
        return cls(child=child, index=index, matrix=matrix, engine=matrix.engine)

    @property
    def timetables(self) -> dict[int, dict[str, Any]]:
        """Public transport: the timetable and day each place's journeys were read from."""
        if self.matrix is None:
            return {}
        return {
            self.child.places[row].pk: timetable
            for row, timetable in self.matrix.timetables.items()
        }

    def legs(self, key: Any) -> list[TravelLeg]:
        if self.matrix is None or key not in self.index:
            return []
        column = self.index[key]
        legs = []
        for row, place in enumerate(self.child.places):
            cell = self.matrix.cell(row, column)
            legs.append(
                TravelLeg(
                    place_id=place.pk,
                    label=place.label,
                    minutes=cell.minutes,
                    estimated=cell.estimated,
                    max_minutes=self.child.limits.get(place.pk),
                    mode=place.mode,
                    departs_at=place.departs_at
                    if place.mode == TravelMode.PUBLIC_TRANSPORT
                    else None,
                    covered=cell.covered,
                    vehicle=cell.vehicle,
                )
            )
        return legs


def _worth_loading(
    child: _Child, candidates: list[_Light], journeys: _Journeys, *, travel: bool
) -> list[int]:
    """Only these are loaded whole: a home that is beyond a limit by road is dropped before it
    costs a model instance (a national search routes hundreds, shows tens)."""
    limited = any(child.limits.get(p.pk) is not None for p in child.places)
    if not (travel and child.places and limited):
        return [light.pk for light in candidates]
    return [
        light.pk
        for light in candidates
        if light.provision_type in FOSTERING_PROVISION_TYPES
        or (
            (home_legs := journeys.legs(("setting", light.pk)))
            and all(leg.within_limit for leg in home_legs)
        )
    ]


def _rank_context(child: _Child) -> _RankContext:
    organisation = child.request.organisation
    own_area = organisation.area
    neighbours = neighbouring_areas(own_area) if own_area is not None else frozenset()
    return _RankContext(
        child=child,
        own_area=own_area,
        neighbours=neighbours,
        region_las=region_member_area_ids(region=organisation.own_region),
    )


def _placed_on_map(match: Match, district_points: dict[str, Point]) -> Match:
    """A private setting is drawn at its postcode district's middle, never its own point."""
    setting = match.setting
    if match.map_point is None and setting.location_is_private and setting.postcode:
        match.map_point = district_points.get(setting.postcode_district)
        match.map_point_approximate = match.map_point is not None
    return match


def _sort_key(match: Match) -> tuple[Any, ...]:
    longest = match.longest_minutes
    return (
        not match.confirmed,
        -match.score,
        longest if longest is not None else 1e9,
        match.setting.urn,
    )


@dataclass
class _RankContext:
    child: _Child
    own_area: Area | None
    neighbours: frozenset[int]
    # The areas of the region's current member LAs: the pieces of Region.boundary.
    region_las: frozenset[int]


def _assess_home(
    context: _RankContext, setting: Setting, travel_legs: list[TravelLeg], travel: bool
) -> Match | None:
    child = context.child
    if travel and child.places and any(not leg.within_limit for leg in travel_legs):
        return None
    limited = any(child.limits.get(p.pk) is not None for p in child.places)
    if travel and limited and not travel_legs:
        return None  # no location: cannot show it is within the limits
    eligibility = _eligibility(setting)
    vacancy = vacancy_view(getattr(setting, "vacancy", None), now=child.now)
    confirmed = eligibility is not None and vacancy.state in (
        VacancyState.FRESH,
        VacancyState.STALE,
    )
    reasons: list[str] = []
    concerns: list[str] = []
    components = {
        "fit": _fit(child, eligibility, reasons, concerns),
        "vacancy": _vacancy_part(child, vacancy, reasons, concerns),
        "travel": _travel_part(
            child, travel_legs, reasons, concerns, has_location=bool(setting.location)
        ),
        "ofsted": _ofsted_part(setting, reasons, concerns),
        "local": _local_part(context, setting.local_authority, reasons),
        **_framework_part(child, setting, reasons),
    }
    return _match(child, setting, components, reasons, concerns, travel_legs, vacancy, confirmed)


def _assess_agency(
    context: _RankContext,
    setting: Setting,
    rows: list[tuple[str, int]],
    legs: Any,
    travel: bool,
) -> Match | None:
    """An agency counts the households that could take the child within every limit. The
    officer sees how many, never which: no household is identified."""
    child = context.child
    eligibility = _eligibility(setting)
    qualifying: list[tuple[list[TravelLeg], int]] = []
    for district, places in rows:
        household_legs = legs(("district", district))
        if travel and child.places and any(not leg.within_limit for leg in household_legs):
            continue
        if (
            travel
            and child.places
            and not household_legs
            and any(child.limits.get(p.pk) is not None for p in child.places)
        ):
            continue
        qualifying.append((household_legs, places))
    if rows and not qualifying:
        return None  # it has households that could take the child, but none within the limits
    confirmed = eligibility is not None and bool(qualifying)
    best = min(
        qualifying,
        key=lambda item: sum(leg.minutes or 0 for leg in item[0]),
        default=([], 0),
    )[0]
    reasons: list[str] = []
    concerns: list[str] = []
    count = len(qualifying)
    if count:
        reasons.append(
            f"{count} carer household{'s' if count != 1 else ''} could take this child"
            + (" within your travel limits" if any(child.limits.values()) else "")
        )
        vacancy_part = min(count, HOUSEHOLDS_FOR_FULL_MARKS) / HOUSEHOLDS_FOR_FULL_MARKS
    else:
        concerns.append("The agency has not listed carer households that could take this child")
        vacancy_part = 0.0
    if best:
        reasons_travel = "from the nearest of them (the middle of its postcode district)"
    else:
        reasons_travel = ""
    components = {
        "fit": _fit(child, eligibility, reasons, concerns),
        "vacancy": vacancy_part,
        "travel": _travel_part(
            child, best, reasons, concerns, has_location=bool(best), suffix=reasons_travel
        ),
        "ofsted": _ofsted_part(setting, reasons, concerns),
        "local": _local_part(context, setting.local_authority, reasons),
        **_framework_part(child, setting, reasons),
    }
    match = _match(child, setting, components, reasons, concerns, best, None, confirmed)
    match.households = count
    match.household_places = sum(places for _, places in qualifying)
    return match


def _match(
    child: _Child,
    setting: Setting,
    components: dict[str, float],
    reasons: list[str],
    concerns: list[str],
    travel_legs: list[TravelLeg],
    vacancy: VacancyView | None,
    confirmed: bool,
) -> Match:
    weights = scaled_weights(child.framework_weight)
    score = sum(weights[name] * value for name, value in components.items())
    if not confirmed:
        concerns.insert(
            0,
            "Not confirmed: shown because you included settings without a confirmed "
            "vacancy or criteria",
        )
    return Match(
        setting=setting,
        score=score,
        components=components,
        reasons=reasons,
        concerns=concerns,
        travel=travel_legs,
        vacancy=vacancy,
        confirmed=confirmed,
        weights=weights,
        map_point=None if setting.location_is_private else setting.location,
        locality=setting.local_authority_label,
    )


def _eligibility(setting: Setting) -> Eligibility | None:
    try:
        return setting.eligibility
    except Eligibility.DoesNotExist:
        return None


# --- The parts of the score, each with what it tells the officer ------------------------------


def _fit(
    child: _Child, eligibility: Eligibility | None, reasons: list[str], concerns: list[str]
) -> float:
    """What the setting says of the child's risks and needs (the score's part), with each
    criterion's match reason."""
    request = child.request
    if eligibility is None:
        concerns.append("The provider has not said who it can care for")
        return 0.0
    reasons.append(
        f"Takes {eligibility.sexes_display.lower()} aged {eligibility.min_age} to "
        f"{eligibility.max_age}; {PlacementKind(request.placement_kind).label.lower()} placements"
    )
    part = criteria.CAPABILITIES.fit(child, eligibility, reasons, concerns)
    reasons.extend(criteria.match_reasons(child, eligibility))
    return part


def _vacancy_part(
    child: _Child, vacancy: VacancyView, reasons: list[str], concerns: list[str]
) -> float:
    if vacancy.state == VacancyState.NONE:
        concerns.append("No vacancy stated: ask the provider before referring")
        return 0.0
    places = f"{vacancy.places} place{'s' if vacancy.places != 1 else ''} free"
    if vacancy.state == VacancyState.EXPIRED:
        concerns.append(f"Vacancy out of date: {vacancy.label.lower()} ({places} then)")
        return 0.0
    if vacancy.places < child.group:
        concerns.append(f"{places}: fewer than the {child.group} this request needs")
        return 0.0
    structured = vacancy.structured_restrictions
    if structured:  # the SQL has already applied them: this child fits them
        reasons.append(
            f"This place is restricted ({'; '.join(structured).lower()}): the child fits"
        )
    if vacancy.restriction:
        concerns.append(f"Vacancy restriction: {vacancy.restriction}")
    part = _start_from(child, vacancy, reasons, concerns)
    if vacancy.state == VacancyState.STALE:
        concerns.append(f"{vacancy.label} ({places}): it may have changed")
        return 0.5 * part
    reasons.append(f"{places}. {vacancy.label}")
    return part


def _start_from(
    child: _Child, vacancy: VacancyView, reasons: list[str], concerns: list[str]
) -> float:
    """How the day the place is free counts (docs/matching.md). An urgent request has a day it is
    needed by, and a place free later is not a match (`_home_vacancy_q`); a request for more than
    5 days ahead has none, so a place free after that is flagged and counts for less."""
    free_from = vacancy.available_from
    if free_from is None or free_from <= child.today:
        return 1.0
    when = f"{free_from:%-d %B %Y}"
    needed_by = _needed_by(child)
    if needed_by is None and free_from > child.today + timedelta(days=PLANNED_AFTER_DAYS):
        concerns.append(f"The place is free from {when}: check that is soon enough")
        return LATE_START_VACANCY
    reasons.append(f"The place is free from {when}, in time for this request")
    return 1.0


def _travel_part(
    child: _Child,
    legs: list[TravelLeg],
    reasons: list[str],
    concerns: list[str],
    *,
    has_location: bool,
    suffix: str = "",
) -> float:
    if not child.places:
        return 0.5
    if not legs:
        if not has_location:
            concerns.append("No travel time: the provider has not given its location")
        return 0.0
    parts = []
    for leg in legs:
        if not leg.covered:
            concerns.append(
                f"No bus or train timetable for {leg.label}: its limit by public transport "
                "is not checked"
            )
            parts.append(0.5)
            continue
        if leg.minutes is None:
            concerns.append(
                f"No route by road from {leg.label}"
                if leg.mode == TravelMode.CAR
                else f"{leg.label}: {leg.words}"
            )
            parts.append(0.0)
            continue
        # One formatter per mode: whole minutes, and an estimate never reads "by road".
        text = f"{leg.label[:1].upper()}{leg.label[1:]}: {leg.words}"
        if leg.max_minutes is not None:
            text += f" (limit {leg.max_minutes} min)"
            parts.append(max(0.0, 1 - leg.minutes / leg.max_minutes))
        else:
            parts.append(max(0.0, 1 - leg.minutes / UNLIMITED_JOURNEY_MINUTES))
        reasons.append(text + (f" {suffix}" if suffix else ""))
    if any(leg.estimated and leg.mode == TravelMode.CAR for leg in legs):
        concerns.append("Travel times estimated (straight line, not by road): check the journey")
    return sum(parts) / len(parts)


def _ofsted_part(setting: Setting, reasons: list[str], concerns: list[str]) -> float:
    judged = setting.overall_effectiveness not in ("", ofsted.Judgement.NOT_JUDGED)
    if judged:
        # A point scores the same on every scale; the words say when the scale is older.
        judgement = ofsted.Judgement(setting.overall_effectiveness)
        text = f"Ofsted: {setting.get_overall_effectiveness_display()}"
        score = JUDGEMENT_SCORE[judgement]
    elif setting.supported_accommodation_outcome:
        outcome = ofsted.SupportedAccommodationOutcome(setting.supported_accommodation_outcome)
        text = f"Ofsted: {outcome.label}"
        score = OUTCOME_SCORE[outcome]
    else:
        concerns.append("Not yet inspected by Ofsted")
        return NOT_INSPECTED_SCORE
    (reasons if score >= JUDGEMENT_SCORE[ofsted.Judgement.GOOD] else concerns).append(text)
    return score


def _local_part(context: _RankContext, area: Area | None, reasons: list[str]) -> float:
    own = context.own_area
    if area is None or own is None:
        return LOCAL_SCORE["elsewhere"]
    if area.pk == own.pk:
        reasons.append(f"In {area.name}, the child's own local authority")
        return LOCAL_SCORE["own"]
    if area.pk in context.neighbours:
        reasons.append(f"In {area.name}, next to {own.name}")
        return LOCAL_SCORE["neighbour"]
    if area.pk in context.region_las:
        reasons.append(f"In {area.name}, in the region")
        return LOCAL_SCORE["region"]
    return LOCAL_SCORE["elsewhere"]


def _framework_part(child: _Child, setting: Setting, reasons: list[str]) -> dict[str, float]:
    """{"framework": 1 or 0} when the region weights membership, else nothing (the part is
    left out, not counted as 0)."""
    if not child.framework_weight:
        return {}
    if getattr(setting, "on_framework", False):
        reasons.append("On one of your region's frameworks")
        return {FRAMEWORK: 1.0}
    return {FRAMEWORK: 0.0}


# --- One setting, explained: what in its stated criteria excludes the child ---------------------


def criteria_exclusions(request: PlacementRequest, setting: Setting, *, today: Any) -> list[str]:
    """Why this setting's own statements exclude this child, in words (empty: they do not, or it
    has stated none). The same rules as the search's SQL (`_criteria_q` and `_restrictions_q`), for
    one setting: a referral to a setting listed here needs the officer's reason."""
    age = request.age_on(today)
    reasons = _type_exclusions(request, setting)
    reasons.extend(_vacancy_exclusions(request, setting, age))
    eligibility = _eligibility(setting)
    if eligibility is not None:
        reasons.extend(criteria.exclusions(criteria.ChildOn(request, age), eligibility))
    return reasons


def _type_exclusions(request: PlacementRequest, setting: Setting) -> list[str]:
    """Its Ofsted type is not among the kinds of placement that would suit: the search's
    "registered" step, in words."""
    types = {t for kind in request.accommodation for t in ACCOMMODATION_PROVISION_TYPES[kind]}
    if setting.provision_type in types:
        return []
    kind = setting.get_provision_type_display().lower()
    article = "an" if kind[:1] in "aeiou" else "a"
    return [f"It is {article} {kind}, which the request does not ask for"]


def _vacancy_exclusions(request: PlacementRequest, setting: Setting, age: int) -> list[str]:
    """Why the vacancy's own restrictions exclude this child: `_restrictions_q`, in words."""
    vacancy = getattr(setting, "vacancy", None)
    if vacancy is None or setting.provision_type in FOSTERING_PROVISION_TYPES:
        return []
    reasons: list[str] = []
    wanted = {"female", "male"} if request.sex == ChildSex.NOT_STATED else {request.sex}
    if vacancy.sexes and not wanted <= set(vacancy.sexes):
        reasons.append(f"Its vacancy is for {sexes_words(vacancy.sexes)} only")
    low, high = vacancy.min_age, vacancy.max_age
    if (low is not None and age < low) or (high is not None and age > high):
        if low is not None and high is not None:
            ages = f"ages {low} to {high}"
        else:
            ages = f"ages {low} and over" if low is not None else f"ages {high} and under"
        reasons.append(f"Its vacancy is for {ages}; the child is {age}")
    if vacancy.solo_only and request.group_size > 1:
        siblings = request.group_size - 1
        reasons.append(
            "Its vacancy is for a child placed alone; the child is to be placed with "
            + (f"{siblings} brothers or sisters" if siblings != 1 else "a brother or sister")
        )
    return reasons
