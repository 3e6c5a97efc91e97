"""The JSON API (v1) through which providers' own systems keep their settings' facts true.

Every request acts for the organisation of its API key, as the admin who created the key (see
`providers.api_auth`). It sees only the settings that organisation runs (`facts.settings_run_by`):
anyone else's setting is a 404, never a 403, so the API does not say which URNs exist.

Views parse a serializer and call one service in `providers.facts`; the services check
permission again and record history. A service's `ValidationError` becomes a 400 shaped like
DRF's own, `{"field": ["message"]}` (`non_field_errors` for one that names no field), through
`exception_handler`, so a rule kept in the service (registered places, real postcode districts)
reads the same as one checked here.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework import views as drf_views
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from accounts.models import Organisation, User
from providers import facts, ssda903
from providers.api_auth import HasApiToken
from providers.models import (
    ApiToken,
    Capability,
    CarerHousehold,
    Communication,
    Eligibility,
    LivingAlongside,
    Need,
    PlacementKind,
    ProvisionType,
    Risk,
    Setting,
    Sex,
    Vacancy,
)

MAX_AGE = 25  # the oldest age a setting may state (Eligibility's database constraint)
DISTRICT_FORMAT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
IFA = ProvisionType.INDEPENDENT_FOSTERING_AGENCY


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, also turning a service's Django ValidationError into a 400."""
    if isinstance(exc, DjangoValidationError):
        exc = serializers.ValidationError(validation_error_detail(exc))
    return drf_views.exception_handler(exc, context)


def validation_error_detail(error: DjangoValidationError) -> dict[str, list[str]]:
    if not hasattr(error, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}
    return {
        api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field: messages
        for field, messages in error.message_dict.items()
    }


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


# Serializers -------------------------------------------------------------------------------------


def _capability_map_schema(codes: type[Risk] | type[Need]) -> dict[str, Any]:
    capability = {"type": "string", "enum": Capability.values}
    return {
        "type": "object",
        "properties": dict.fromkeys(codes.values, capability),
        "additionalProperties": False,
        "description": "Only what you have stated; a code left out is shown as unknown.",
    }


class CapabilityMapField(serializers.Field):
    """{risk or need code: can_meet | will_consider | cannot_meet}, checked as one field so that
    an unknown code or a wrong answer is reported on `risks` or `needs` itself."""

    def __init__(self, *, codes: type[Risk] | type[Need], **kwargs: Any) -> None:
        self.codes = codes
        self.noun = "risk" if codes is Risk else "need"
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> dict[str, str]:
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                f"Give an object of {self.noun} codes, e.g. "
                f'{{"{self.codes.values[0]}": "can_meet"}}'
            )
        unknown = sorted(str(code) for code in data if code not in self.codes.values)
        if unknown:
            raise serializers.ValidationError(
                f"Unknown {self.noun}: {', '.join(unknown)}. "
                f"Use one of: {', '.join(self.codes.values)}"
            )
        wrong = sorted(code for code, answer in data.items() if answer not in Capability.values)
        if wrong:
            raise serializers.ValidationError(
                f"Say {', '.join(Capability.values)} for: {', '.join(wrong)}"
            )
        return dict(data)

    def to_representation(self, value: dict[str, str]) -> dict[str, str]:
        return dict(value or {})


@extend_schema_field(_capability_map_schema(Risk))
class RiskMapField(CapabilityMapField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(codes=Risk, **kwargs)


@extend_schema_field(_capability_map_schema(Need))
class NeedMapField(CapabilityMapField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(codes=Need, **kwargs)


class EligibilitySerializer(serializers.Serializer):
    """Who a setting can care for. PUT replaces every field (an optional one left out goes back
    to its default); PATCH changes only those sent."""

    min_age = serializers.IntegerField(min_value=0, max_value=MAX_AGE)
    max_age = serializers.IntegerField(min_value=0, max_value=MAX_AGE)
    sexes = serializers.ListField(
        child=serializers.ChoiceField(choices=Sex.choices),
        allow_empty=False,
        error_messages={"empty": "Say which sexes you can care for"},
    )
    placement_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=PlacementKind.choices),
        allow_empty=False,
        error_messages={"empty": "Say which kinds of placement you offer"},
    )
    minimum_notice_days = serializers.IntegerField(min_value=0, max_value=365, default=0)
    living_alongside = serializers.ChoiceField(choices=LivingAlongside.choices)
    accepts_pets = serializers.BooleanField(default=False)
    can_meet_deprivation_of_liberty = serializers.BooleanField(default=False)
    communication = serializers.ListField(
        child=serializers.ChoiceField(choices=Communication.choices), default=list
    )
    adapted_for_physical_disability = serializers.BooleanField(default=False)
    risks = RiskMapField(default=dict)
    needs = NeedMapField(default=dict)
    what_we_offer = serializers.CharField(allow_blank=True, default="")
    therapeutic_support = serializers.CharField(allow_blank=True, default="")
    updated_at = serializers.DateTimeField(read_only=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        """The fields above, and any other statement Eligibility holds as the model says it
        (so that a criterion added to the model can be stated here without a line of its own).
        One left out goes back to its default, like the fields above."""
        fields = super().get_fields()
        builder = serializers.ModelSerializer()
        for name in facts.ELIGIBILITY_FIELDS:
            if name not in fields:
                model_field = Eligibility._meta.get_field(name)
                field_class, kwargs = builder.build_standard_field(name, model_field)
                if model_field.has_default():  # type: ignore[union-attr]
                    kwargs.pop("required", None)
                    kwargs["default"] = model_field.get_default()  # type: ignore[union-attr]
                fields[name] = field_class(**kwargs)
        return fields

    def validate_sexes(self, value: list[str]) -> list[str]:
        return _unique(value)

    def validate_placement_kinds(self, value: list[str]) -> list[str]:
        return _unique(value)

    def validate_communication(self, value: list[str]) -> list[str]:
        return _unique(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # The service's own rules, on what the eligibility would be after this request.
        current = self.instance or Eligibility()
        merged = {name: getattr(current, name) for name in facts.ELIGIBILITY_FIELDS} | attrs
        try:
            facts.eligibility_validate(merged)
        except DjangoValidationError as error:
            raise serializers.ValidationError(validation_error_detail(error)) from error
        return attrs


VACANCY_STATES = [
    (facts.VacancyState.FRESH, "Confirmed recently"),
    (facts.VacancyState.STALE, "Needs confirming: placement officers see it as stale"),
    (facts.VacancyState.EXPIRED, "Too old: no longer shown in search"),
    (facts.VacancyState.NONE, "Never stated"),
]


class VacancySerializer(serializers.Serializer):
    """A vacancy statement as the service shows it: never a number without its age."""

    places = serializers.IntegerField(read_only=True)
    available_from = serializers.DateField(
        read_only=True, allow_null=True, help_text="The day the place is free; null: now."
    )
    sexes = serializers.ListField(
        child=serializers.ChoiceField(choices=Sex.choices),
        read_only=True,
        help_text="Only these sexes for this place; empty: any the criteria admit.",
    )
    min_age = serializers.IntegerField(read_only=True, allow_null=True)
    max_age = serializers.IntegerField(read_only=True, allow_null=True)
    solo_only = serializers.BooleanField(
        read_only=True, help_text="The child placed must be the only child placed."
    )
    restriction = serializers.CharField(read_only=True, help_text="Anything else, in words.")
    restrictions = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Every restriction in words, as placement officers see them.",
    )
    confirmed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    confirmed_days_ago = serializers.IntegerField(read_only=True, allow_null=True)
    state = serializers.ChoiceField(read_only=True, choices=VACANCY_STATES)
    label = serializers.CharField(read_only=True)

    def to_representation(self, instance: Vacancy | None) -> dict[str, Any]:
        view = facts.vacancy_view(instance)
        return super().to_representation(
            {
                "places": view.places,
                "available_from": view.available_from,
                "sexes": list(view.sexes),
                "min_age": view.min_age,
                "max_age": view.max_age,
                "solo_only": view.solo_only,
                "restriction": view.restriction,
                "restrictions": view.restrictions,
                "confirmed_at": instance.confirmed_at if instance else None,
                "confirmed_days_ago": view.confirmed_days_ago,
                "state": view.state,
                "label": view.label,
            }
        )


def vacancy_data(vacancy: Vacancy | None) -> dict[str, Any]:
    """The serialized statement, also when there is none (`.data` would be empty then)."""
    data: dict[str, Any] = VacancySerializer().to_representation(vacancy)
    return data


class VacancyStatementSerializer(serializers.Serializer):
    """What a provider says about its free places. Saying it also confirms it."""

    places = serializers.IntegerField(min_value=0, max_value=32767)
    available_from = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The day the place is free; null, today or a past day: now.",
    )
    sexes = serializers.ListField(
        child=serializers.ChoiceField(choices=Sex.choices),
        required=False,
        default=list,
        max_length=2,
        help_text="Only these sexes for this place, within the criteria; empty: any they admit.",
    )
    min_age = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=MAX_AGE
    )
    max_age = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=MAX_AGE
    )
    solo_only = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The child placed must be the only child placed (no siblings with them).",
    )
    restriction = serializers.CharField(
        required=False, allow_blank=True, max_length=255, default=""
    )


def _related_or_none(setting: Setting, name: str) -> Any:
    try:
        return getattr(setting, name)
    except (Eligibility.DoesNotExist, Vacancy.DoesNotExist):
        return None


class Ssda903CodeSerializer(serializers.Serializer):
    """A code of the DfE's SSDA903 return, with the DfE's wording."""

    code = serializers.CharField(read_only=True, help_text="For example K2 or U4.")
    label = serializers.CharField(read_only=True)


class SettingSerializer(serializers.ModelSerializer):
    places = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Places registered with Ofsted."
    )
    ssda903_placement_types = serializers.SerializerMethodField(
        help_text="The SSDA903 placement types (PLACE codes) a placement in this setting may be "
        "recorded under, from its provision type; empty when none can be told."
    )
    eligibility = serializers.SerializerMethodField()
    vacancy = serializers.SerializerMethodField()

    class Meta:
        model = Setting
        fields = [
            "urn",
            "name",
            "provision_type",
            "ssda903_placement_types",
            "status",
            "places",
            "eligibility",
            "vacancy",
        ]
        read_only_fields = fields

    @extend_schema_field(Ssda903CodeSerializer(many=True))
    def get_ssda903_placement_types(self, setting: Setting) -> list[dict[str, str]]:
        return [
            {"code": code, "label": ssda903.PLACEMENT_TYPES[code]}
            for code in ssda903.setting_placement_types(setting.provision_type)
        ]

    @extend_schema_field(EligibilitySerializer(allow_null=True))
    def get_eligibility(self, setting: Setting) -> dict[str, Any] | None:
        eligibility = _related_or_none(setting, "eligibility")
        return EligibilitySerializer(eligibility).data if eligibility else None

    @extend_schema_field(VacancySerializer)
    def get_vacancy(self, setting: Setting) -> dict[str, Any]:
        return vacancy_data(_related_or_none(setting, "vacancy"))


class HouseholdSerializer(serializers.ModelSerializer):
    """An anonymous fostering household: never a carer's name, address or exact location."""

    postcode_district = serializers.CharField(
        max_length=5, help_text="The outward code only, e.g. LE15: a real English district."
    )
    min_age = serializers.IntegerField(min_value=0, max_value=MAX_AGE, default=0)
    max_age = serializers.IntegerField(min_value=0, max_value=MAX_AGE, default=17)
    needs = serializers.ListField(child=serializers.ChoiceField(choices=Need.choices), default=list)
    languages = serializers.ListField(
        child=serializers.CharField(max_length=40), default=list, max_length=20
    )
    places_now = serializers.IntegerField(min_value=0, max_value=32767, default=0)

    class Meta:
        model = CarerHousehold
        fields = [
            "id",
            "reference",
            "postcode_district",
            "min_age",
            "max_age",
            "needs",
            "languages",
            "places_now",
            "updated_at",
        ]
        read_only_fields = ["id", "updated_at"]
        # The (setting, reference) constraint is checked in validate_reference, for this setting.
        validators: list[Any] = []

    def validate_reference(self, value: str) -> str:
        value = value.strip()
        setting: Setting = self.context["setting"]
        others = setting.households.filter(reference__iexact=value)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError(f"You already have a household {value}")
        return value

    def validate_postcode_district(self, value: str) -> str:
        value = value.strip().upper()
        if not DISTRICT_FORMAT.match(value):
            raise serializers.ValidationError(
                "Enter the first half of a postcode (the district), like LE15"
            )
        return value

    def validate_needs(self, value: list[str]) -> list[str]:
        return _unique(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        min_age = attrs.get("min_age", getattr(self.instance, "min_age", 0))
        max_age = attrs.get("max_age", getattr(self.instance, "max_age", 17))
        if min_age > max_age:
            raise serializers.ValidationError(
                {"max_age": ["The oldest age must be the same as or more than the youngest"]}
            )
        return attrs


# Views -------------------------------------------------------------------------------------------


URN_PARAMETER = OpenApiParameter(
    "urn",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The setting's Ofsted URN, e.g. SC123456. Only settings your organisation runs.",
)
ERRORS = {
    400: OpenApiResponse(description='Invalid: `{"field": ["message"]}`.'),
    401: OpenApiResponse(description="No key, or an unknown, revoked or orphaned key."),
    403: OpenApiResponse(description="A key, but not a provider's (a local authority's, say)."),
    404: OpenApiResponse(description="Your organisation runs no setting with this URN."),
    429: OpenApiResponse(description="Too many requests for this key; see Retry-After."),
}
READ_ERRORS = {code: ERRORS[code] for code in (401, 403, 404, 429)}
HOUSEHOLD_ERRORS = {
    **ERRORS,
    400: OpenApiResponse(
        description='Invalid, or the setting is not a fostering agency: `{"field": ["message"]}`.'
    ),
    404: OpenApiResponse(description="Not your setting, or no such household in it."),
}


class ProviderApiMixin:
    # What every endpoint knows: the organisation it acts for and the user it acts as. (A
    # comment, not a docstring: drf-spectacular would show a docstring in every operation.)

    permission_classes = [HasApiToken]
    request: Request

    @property
    def actor(self) -> User:
        user: User = self.request.user
        return user

    @property
    def organisation(self) -> Organisation:
        token: ApiToken = self.request.auth
        return token.organisation

    def settings_queryset(self) -> QuerySet[Setting]:
        queryset: QuerySet[Setting] = facts.settings_run_by(self.organisation)
        return queryset

    def setting_get(self, urn: str, queryset: QuerySet[Setting] | None = None) -> Setting:
        queryset = self.settings_queryset() if queryset is None else queryset
        setting = queryset.filter(urn=urn.upper()).first()
        if setting is None:
            raise NotFound(f"Your organisation runs no setting with URN {urn}.")
        return setting


@extend_schema(tags=["settings"])
@extend_schema_view(
    list=extend_schema(
        summary="The settings your organisation runs",
        responses={
            200: SettingSerializer(many=True),
            **{code: ERRORS[code] for code in (401, 403, 429)},
        },
    ),
    retrieve=extend_schema(
        summary="One of your settings",
        parameters=[URN_PARAMETER],
        responses={200: SettingSerializer, **READ_ERRORS},
    ),
)
class SettingViewSet(ProviderApiMixin, viewsets.ReadOnlyModelViewSet):
    """The settings your organisation runs (as approved by your hub), each with its
    eligibility (null until stated) and its vacancy statement and how fresh that is."""

    serializer_class = SettingSerializer
    queryset = Setting.objects.none()  # the real one depends on the key (get_queryset)
    lookup_field = "urn"

    def get_queryset(self) -> QuerySet[Setting]:
        return self.settings_queryset().select_related("eligibility", "vacancy")

    def get_object(self) -> Setting:
        return self.setting_get(self.kwargs["urn"], self.get_queryset())


@extend_schema(tags=["eligibility"])
class EligibilityView(ProviderApiMixin, GenericAPIView):
    """Who a setting can care for: ages, sexes, kinds of placement, and for each risk and need
    whether it can meet it. Every change is kept in the setting's history under the name of the
    admin who created the API key."""

    serializer_class = EligibilitySerializer

    # DRF asks for the object on its own too (OPTIONS describes the PUT form from it): the
    # key's own setting, or not found.
    queryset = Setting.objects.none()  # the real one depends on the key (get_queryset)

    def get_queryset(self) -> QuerySet[Setting]:
        return self.settings_queryset()

    def get_object(self) -> Setting:
        return self.setting_get(self.kwargs["urn"])

    @extend_schema(
        summary="Who the setting can care for",
        parameters=[URN_PARAMETER],
        responses={
            200: EligibilitySerializer,
            401: ERRORS[401],
            403: ERRORS[403],
            404: OpenApiResponse(description="Not your setting, or no eligibility stated yet."),
            429: ERRORS[429],
        },
    )
    def get(self, request: Request, urn: str) -> Response:
        setting = self.setting_get(urn)
        eligibility = Eligibility.objects.filter(setting=setting).first()
        if eligibility is None:
            raise NotFound(f"{setting.urn} has not stated its eligibility yet: PUT it.")
        return Response(EligibilitySerializer(eligibility).data)

    @extend_schema(
        summary="State who the setting can care for (every field)",
        parameters=[URN_PARAMETER],
        responses={200: EligibilitySerializer, **ERRORS},
    )
    def put(self, request: Request, urn: str) -> Response:
        return self._update(request, urn, partial=False)

    @extend_schema(
        summary="Change some of what the setting says about whom it can care for",
        parameters=[URN_PARAMETER],
        responses={200: EligibilitySerializer, **ERRORS},
    )
    def patch(self, request: Request, urn: str) -> Response:
        return self._update(request, urn, partial=True)

    def _update(self, request: Request, urn: str, *, partial: bool) -> Response:
        setting = self.setting_get(urn)
        current = Eligibility.objects.filter(setting=setting).first()
        serializer = EligibilitySerializer(current, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        eligibility = facts.eligibility_update(
            actor=self.actor, setting=setting, **serializer.validated_data
        )
        return Response(EligibilitySerializer(eligibility).data)


@extend_schema(tags=["vacancy"])
class VacancyView(ProviderApiMixin, GenericAPIView):
    """How many places are free now. A statement is fresh for VACANCY_STALE_DAYS (7) days after
    it was last confirmed, stale after that, and leaves search after VACANCY_EXPIRE_DAYS (14):
    send it again, or confirm it, before then."""

    serializer_class = VacancySerializer

    # DRF asks for the object on its own too (OPTIONS describes the PUT form from it): the
    # key's own setting, or not found.
    queryset = Setting.objects.none()  # the real one depends on the key (get_queryset)

    def get_queryset(self) -> QuerySet[Setting]:
        return self.settings_queryset()

    def get_object(self) -> Setting:
        return self.setting_get(self.kwargs["urn"])

    @extend_schema(
        summary="The setting's vacancy statement and how fresh it is",
        parameters=[URN_PARAMETER],
        responses={200: VacancySerializer, **READ_ERRORS},
    )
    def get(self, request: Request, urn: str) -> Response:
        setting = self.setting_get(urn)
        vacancy = Vacancy.objects.filter(setting=setting).first()
        return Response(vacancy_data(vacancy))

    @extend_schema(
        summary="Say how many places are free (this also confirms it)",
        parameters=[URN_PARAMETER],
        request=VacancyStatementSerializer,
        responses={200: VacancySerializer, **ERRORS},
    )
    def put(self, request: Request, urn: str) -> Response:
        setting = self.setting_get(urn)
        serializer = VacancyStatementSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        vacancy = facts.vacancy_confirm(
            actor=self.actor, setting=setting, **serializer.validated_data
        )
        return Response(vacancy_data(vacancy))


@extend_schema(tags=["vacancy"])
class VacancyConfirmView(ProviderApiMixin, GenericAPIView):
    """Say the current vacancy statement is still true, which resets its age. 400 if there is
    none yet."""

    serializer_class = VacancySerializer

    @extend_schema(
        summary="Confirm the current vacancy statement is still true, unchanged",
        parameters=[URN_PARAMETER],
        request=None,
        responses={200: VacancySerializer, **ERRORS},
    )
    def post(self, request: Request, urn: str) -> Response:
        setting = self.setting_get(urn)
        vacancy = Vacancy.objects.filter(setting=setting).first()
        if vacancy is None:
            raise serializers.ValidationError(
                {
                    api_settings.NON_FIELD_ERRORS_KEY: [
                        f"{setting.urn} has no vacancy statement to confirm: PUT one first."
                    ]
                }
            )
        vacancy = facts.vacancy_confirm(
            actor=self.actor, setting=setting, **facts.vacancy_statement(vacancy)
        )
        return Response(vacancy_data(vacancy))


HOUSEHOLD_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(
        summary="A fostering agency's carer households",
        parameters=[URN_PARAMETER],
        responses={200: HouseholdSerializer(many=True), **HOUSEHOLD_ERRORS},
    ),
    create=extend_schema(
        summary="Add a carer household",
        parameters=[URN_PARAMETER],
        responses={201: HouseholdSerializer, **HOUSEHOLD_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One carer household",
        parameters=[URN_PARAMETER, HOUSEHOLD_ID],
        responses={200: HouseholdSerializer, **HOUSEHOLD_ERRORS},
    ),
    update=extend_schema(
        summary="Replace a carer household",
        parameters=[URN_PARAMETER, HOUSEHOLD_ID],
        responses={200: HouseholdSerializer, **HOUSEHOLD_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change some of a carer household",
        parameters=[URN_PARAMETER, HOUSEHOLD_ID],
        responses={200: HouseholdSerializer, **HOUSEHOLD_ERRORS},
    ),
    destroy=extend_schema(
        summary="Remove a carer household",
        parameters=[URN_PARAMETER, HOUSEHOLD_ID],
        responses={204: None, **HOUSEHOLD_ERRORS},
    ),
)
@extend_schema(tags=["households"])
class HouseholdViewSet(
    ProviderApiMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """An independent fostering agency's carer households: anonymous (a reference of your own,
    the postcode district, ages, needs, languages, places now). Any other kind of setting is
    400."""

    serializer_class = HouseholdSerializer
    queryset = CarerHousehold.objects.none()  # the real one is the setting's (get_queryset)
    lookup_value_regex = "[0-9]+"
    setting: Setting

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # authentication, permission, throttling
        self.setting = self.setting_get(kwargs["urn"])
        if self.setting.provision_type != IFA:
            raise serializers.ValidationError(
                {
                    api_settings.NON_FIELD_ERRORS_KEY: [
                        f"{self.setting.urn} is not a fostering agency: only fostering agencies "
                        "describe carer households."
                    ]
                }
            )

    def get_queryset(self) -> QuerySet[CarerHousehold]:
        return self.setting.households.all()

    def get_serializer_context(self) -> dict[str, Any]:
        context: dict[str, Any] = super().get_serializer_context()
        if hasattr(self, "setting"):
            context["setting"] = self.setting
        return context

    def perform_create(self, serializer: HouseholdSerializer) -> None:
        serializer.instance = facts.household_save(
            actor=self.actor, setting=self.setting, **serializer.validated_data
        )

    def perform_update(self, serializer: HouseholdSerializer) -> None:
        serializer.instance = facts.household_save(
            actor=self.actor,
            setting=self.setting,
            household=serializer.instance,
            **serializer.validated_data,
        )

    def perform_destroy(self, instance: CarerHousehold) -> None:
        facts.household_delete(actor=self.actor, household=instance)
