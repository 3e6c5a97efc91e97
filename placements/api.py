"""The search as JSON: the same form, selector and saved record as the search page.

`GET /api/v1/placement-requests/{id}/matches/?area=…` for a signed-in placement officer or LA
manager of the request's local authority (the browser session: this is the page's data for a
council's own tools, not a provider integration, so provider API keys are not accepted). Every
call is a search and is saved, as on the page. A request of another LA is a 404.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import ParseError, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from accounts.models import Organisation
from commissioning.models import NeedLevel, RateIncludes
from commissioning.search import MemberOf
from geo.journeys import estimate_range, journey_summary, whole_minutes
from geo.modes import TravelMode, clock
from placements import search_extras, standard
from placements.matching import AreaKind, Match, SearchAreaError, TravelLeg, with_memberships
from placements.models import PlacementRequest
from placements.permissions import can_make_placement_requests
from placements.search_forms import SearchForm
from placements.selectors import placement_request_get
from placements.services import placement_search_run
from providers.api_auth import ApiTokenAuthentication
from providers.models import ApiToken


class MatchTravelSerializer(serializers.Serializer):
    place = serializers.CharField(source="label")
    minutes = serializers.FloatField(
        allow_null=True,
        help_text="Unrounded, for calculation. Null: no route by road. Show `whole_minutes`.",
    )
    whole_minutes = serializers.SerializerMethodField(
        help_text="Whole minutes, rounded half up, as every page, export and email shows them. "
        "Null: no route by road."
    )
    estimated = serializers.BooleanField(
        help_text="True: straight-line estimate (outside the road network), not a road route."
    )
    minutes_low = serializers.SerializerMethodField(
        help_text="Estimated legs only (else null): the whole minutes a road time around this "
        "estimate is likely to be at least (its p10, measured: docs/road-network.md)."
    )
    minutes_high = serializers.SerializerMethodField(
        help_text="Estimated legs only (else null): the whole minutes it is likely to be at most "
        "(p90)."
    )
    text = serializers.SerializerMethodField(
        help_text='In words, as the pages say it: "50 min by road", "about 35–65 min '
        '(estimated)", "No route by road", "by bus, 34 min, leaving 08:00" or "No bus or '
        'train timetable here".'
    )
    max_minutes = serializers.IntegerField(allow_null=True)
    mode = serializers.ChoiceField(
        choices=TravelMode.choices,
        help_text="How the child gets there: by car (road), by public transport (a timetable, "
        "from the setting to the place leaving at `departs_at`) or walking.",
    )
    departs_at = serializers.SerializerMethodField(
        help_text='Public transport: when the journey leaves ("08:00"); null otherwise.'
    )
    covered = serializers.BooleanField(
        help_text="False: no timetable covers the place, so a public transport limit is not "
        "checked and there is no time."
    )

    def get_whole_minutes(self, leg: TravelLeg) -> int | None:
        return whole_minutes(leg.minutes)

    def _range(self, leg: TravelLeg) -> tuple[int, int] | None:
        # The range is measured for roads: a walk or a timetable's walking is not a road time.
        return estimate_range(leg.minutes) if leg.estimated and leg.mode == TravelMode.CAR else None

    def get_minutes_low(self, leg: TravelLeg) -> int | None:
        ends = self._range(leg)
        return None if ends is None else ends[0]

    def get_minutes_high(self, leg: TravelLeg) -> int | None:
        ends = self._range(leg)
        return None if ends is None else ends[1]

    def get_text(self, leg: TravelLeg) -> str:
        return leg.words

    def get_departs_at(self, leg: TravelLeg) -> str | None:
        return clock(leg.departs_at) or None


class JourneyCountsSerializer(serializers.Serializer):
    by_road = serializers.IntegerField(help_text="Journey times routed on the road network.")
    estimated = serializers.IntegerField(
        help_text="Straight-line estimates, where the road network does not reach."
    )
    no_route = serializers.IntegerField(help_text="Journeys with no route by road.")


class MatchVacancySerializer(serializers.Serializer):
    places = serializers.IntegerField()
    state = serializers.ChoiceField(choices=["fresh", "stale", "expired", "none"])
    label = serializers.CharField(help_text='e.g. "Vacancy confirmed 3 days ago by the provider"')
    restriction = serializers.CharField(help_text="Anything else the provider said, in words.")
    restrictions = serializers.ListField(
        child=serializers.CharField(),
        help_text='Every restriction in words, e.g. ["For girls only", "Ages 13 to 16"].',
    )
    available_from = serializers.DateField(allow_null=True)


class TenderedRateSerializer(serializers.Serializer):
    need_level = serializers.ChoiceField(choices=NeedLevel.choices)
    weekly_rate = serializers.DecimalField(max_digits=9, decimal_places=2)
    includes = serializers.ListField(child=serializers.ChoiceField(choices=RateIncludes.choices))
    solo_premium = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)


class MatchMembershipSerializer(serializers.Serializer):
    framework_id = serializers.IntegerField()
    framework = serializers.CharField(help_text="The framework's name.")
    lot_number = serializers.IntegerField()
    lot = serializers.CharField(help_text="The lot's name.")
    joined_on = serializers.DateField()
    rate = serializers.SerializerMethodField(
        help_text="The tendered rate for the request's need level; null when the member has "
        "none for it or the need level is not assessed."
    )
    rates = TenderedRateSerializer(many=True, help_text="Every rate it tendered on this lot.")

    def get_rate(self, member: MemberOf) -> dict[str, Any] | None:
        rate = member.rate_for(self.context.get("need_level", ""))
        return TenderedRateSerializer(rate).data if rate else None


class MatchExtraSerializer(serializers.Serializer):
    key = serializers.CharField(help_text='What it is, e.g. "recent-prices".')
    label = serializers.CharField()
    lines = serializers.ListField(child=serializers.CharField())


class MatchSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    urn = serializers.CharField(source="setting.urn")
    name = serializers.CharField(source="setting.display_name")
    provision_type = serializers.CharField(source="setting.provision_type")
    local_authority = serializers.CharField(source="locality")
    postcode_district = serializers.CharField(
        source="setting.postcode_district",
        help_text="Never a children's home's full postcode or address.",
    )
    score = serializers.FloatField(help_text="0 to 100; see components and docs/matching.md.")
    components = serializers.DictField(child=serializers.FloatField())
    confirmed = serializers.BooleanField(
        help_text="False: shown only because include_unconfirmed was asked for."
    )
    vacancy = MatchVacancySerializer(allow_null=True)
    households = serializers.IntegerField(
        allow_null=True, help_text="Fostering agencies: carer households that could take the child."
    )
    travel = MatchTravelSerializer(many=True)
    memberships = MatchMembershipSerializer(
        many=True,
        help_text="Its active memberships of current lots of your region's current frameworks "
        "(empty: on none).",
    )
    reasons = serializers.ListField(child=serializers.CharField())
    concerns = serializers.ListField(child=serializers.CharField())
    extras = MatchExtraSerializer(
        many=True,
        help_text="Lines the search page shows on the result's card from other parts of the "
        'service: "recent-prices" (the region\'s range of agreed weekly prices for its kind and '
        "the child's need level from at least 5 prices, and your LA's last 3 agreed prices with "
        "it).",
    )


class SearchResultSerializer(serializers.Serializer):
    search_id = serializers.IntegerField(help_text="The saved search record.")
    engine = serializers.CharField(help_text="osrm, osrm_http, estimate or none.")
    funnel = serializers.DictField(
        child=serializers.IntegerField(), help_text="Settings left after each hard filter."
    )
    journeys = JourneyCountsSerializer(help_text="How the matches' journey times were measured.")
    journey_summary = serializers.CharField(
        help_text='e.g. "42 journey times by road and 18 estimated (straight line) where the road '
        'network does not reach."'
    )
    matches = MatchSerializer(many=True)


QUERY = [
    OpenApiParameter(
        "area",
        str,
        enum=[
            AreaKind.ANYWHERE,
            AreaKind.OWN_LA,
            AreaKind.REGION,
            AreaKind.LAS,
            AreaKind.RADIUS,
            AreaKind.DRAWN,
        ],
        description="Where to look (default anywhere).",
    ),
    OpenApiParameter("las", str, many=True, description="GSS codes, for area=las."),
    OpenApiParameter("postcode", str, description="For area=radius."),
    OpenApiParameter("radius_miles", float, description="For area=radius: 0.5 to 100."),
    OpenApiParameter(
        "polygon", str, description="For area=drawn: 'lng lat;lng lat;…' (at least 3 corners)."
    ),
    OpenApiParameter("include_unconfirmed", bool),
    OpenApiParameter(
        "on_service_only",
        bool,
        description="Only settings whose provider is on this service (can be sent a referral).",
    ),
    OpenApiParameter(
        "framework",
        str,
        description='"ours": only active members of a current lot of your region\'s current '
        "frameworks; a framework's id: only its members. Empty: every setting.",
    ),
    OpenApiParameter(
        "limit_{place_id}",
        int,
        description="Longest journey in minutes (1 to 240; empty for none) from one place that "
        "matters. Without `area`, the request's own limits are used.",
    ),
]


class SearchThrottle(UserRateThrottle):
    """Each officer's own budget for match searches (`API_SEARCH_RATE_LIMIT`), read at request
    time so that a test or `make load` can change it."""

    scope = "placement_search"

    def get_rate(self) -> str | None:
        rates: dict[str, str | None] = api_settings.DEFAULT_THROTTLE_RATES
        return rates.get(self.scope)


class PlacementMatchesView(APIView):
    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [SearchThrottle]

    @extend_schema(
        tags=["placement search"],
        summary="Search for settings that can take the child of one placement request",
        parameters=[
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH),
            *QUERY,
        ],
        responses={
            200: SearchResultSerializer,
            400: OpenApiResponse(description='Invalid criteria: `{"field": ["message"]}`.'),
            403: OpenApiResponse(description="Not a placement officer or manager of a member LA."),
            404: OpenApiResponse(description="No such request in your local authority."),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        if not can_make_placement_requests(request.user):
            raise PermissionDenied("Only placement officers and managers of member LAs search.")
        placement_request = placement_request_get(request.user, pk)
        if placement_request.status != PlacementRequest.Status.OPEN:
            raise ValidationError({"non_field_errors": ["This request is closed."]})
        form = SearchForm.for_query(request.query_params, request=placement_request)
        if not form.is_valid():
            raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
        try:
            search, result = placement_search_run(
                actor=request.user, request=placement_request, criteria=form.criteria()
            )
        except SearchAreaError as exc:
            raise ValidationError({"area": [str(exc)]}) from exc
        today = timezone.localdate()
        with_memberships(result.matches, placement_request, today=today)
        extras = search_extras.annotate(request.user, placement_request, result.matches, today)
        return Response(
            SearchResultSerializer(
                {
                    "search_id": search.pk,
                    "engine": result.engine,
                    "funnel": result.funnel,
                    "journeys": result.journeys.as_dict(),
                    "journey_summary": journey_summary(result.journeys, engine=result.engine),
                    "matches": [
                        _match(rank, m, extras.get(m.setting.pk, []))
                        for rank, m in enumerate(result.matches, 1)
                    ],
                },
                context={"need_level": placement_request.need_level},
            ).data
        )


def _match(rank: int, match: Match, extras: list[search_extras.Extra]) -> dict[str, Any]:
    return {
        "rank": rank,
        "setting": match.setting,
        "locality": match.locality,
        "score": round(match.score, 1),
        "components": {k: round(v, 3) for k, v in match.components.items()},
        "confirmed": match.confirmed,
        "vacancy": match.vacancy if match.vacancy and match.households is None else None,
        "households": match.households,
        "travel": match.travel,
        "memberships": match.memberships,
        "reasons": match.reasons,
        "concerns": match.concerns,
        "extras": extras,
    }


# A referral in the Placements Data Standard's shape, from an LA's own system ---------------------


class StandardRecordError(serializers.Serializer):
    field = serializers.CharField(
        help_text='The standard\'s path: "PlacementRequirements.pets", "extensions.profile.sex", '
        '"PlacementRequirements.specificCommunicationRequirements[0]".'
    )
    message = serializers.CharField()


class StandardRecordErrors(serializers.Serializer):
    errors = StandardRecordError(many=True)


class ImportedRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The new request's id (the export's `childId`).")
    reference = serializers.CharField(help_text="The case reference it was given.")
    status = serializers.CharField()
    url = serializers.CharField(help_text="Its page, for the officer to review and search.")


class StandardRecordImportView(APIView):
    """`POST /api/v1/placement-requests/standard/`: one record in the Placements Data Standard's
    shape (placements/standard.py) becomes a new open request of the key's local authority.
    Only a key created by a placement officer or LA manager of a member LA (it acts as that
    person); a provider's or hub's key is a 403, no key a 401."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["placement requests"],
        summary="Make a placement request from a record in the Placements Data Standard's shape",
        description=(
            "The body is one record: the standard's entities by their names "
            "(`PlacementAvailability`, `PlacementRequirements`, `PlacementRecommendation`, "
            "`Risks`), fields by the "
            "standard's camelCase names, and `extensions.profile` for what the standard does not "
            "hold (`sex` required; `ageYears` or `birthMonth` and `birthYear`; optional "
            "`homeDistrict`, `placementKind`, `needs`, `needLevel`) and optional "
            "`extensions.localIdentifier` (the case reference; else `childId`). The same shape "
            "as each record of the records export. Checked against the standard's JSON Schema "
            "first, then the service's rules."
        ),
        request=OpenApiTypes.OBJECT,
        responses={
            201: ImportedRequestSerializer,
            400: OpenApiResponse(StandardRecordErrors, description="Field-level errors."),
            401: OpenApiResponse(description="No key, or an unknown or revoked one."),
            403: OpenApiResponse(
                description="Not a key of a member LA's placement officer or manager."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        token = request.auth
        if not (
            isinstance(token, ApiToken)
            and token.organisation.kind == Organisation.Kind.LOCAL_AUTHORITY
            and can_make_placement_requests(request.user)
        ):
            raise PermissionDenied(
                "Only a key of a member local authority's placement officer or manager can "
                "make placement requests."
            )
        try:
            record = request.data
        except ParseError as error:
            # Not JSON at all: the same shape as every other refusal of the record.
            return Response({"errors": [{"field": "", "message": str(error.detail)}]}, status=400)
        try:
            created = standard.placement_request_import(actor=request.user, record=record)
        except standard.RecordInvalid as invalid:
            return Response({"errors": [error.as_dict() for error in invalid.errors]}, status=400)
        return Response(
            ImportedRequestSerializer(
                {
                    "id": created.pk,
                    "reference": created.reference,
                    "status": created.status,
                    "url": request.build_absolute_uri(
                        reverse("brokerage:placement_request_detail", args=[created.pk])
                    ),
                }
            ).data,
            status=201,
        )
