"""Referrals through the JSON API (v1), for providers' own systems: list the referrals sent to
the key's organisation, read one, answer it and read or add to its thread.

The same rules as the referral pages (brokerage/referral_views.py), because the same selectors
and services decide: `referrals_for_provider` and `referral_get` say which referrals exist for
the caller, `referral_state` what it may see and do now, `referral_answer` and
`referral_message_post` check the answer, the deadline and the state, save, audit and queue the
local authority's email. A provider key acts as the admin who created it (`providers.api_auth`).

What a provider sees is what its page shows it: the setting, the local authority, when it was
sent and the deadline, the child's pseudonymous profile (never the LA's case reference), the
places that matter as postcode districts and journey times, the officer's note, its own answer
and the thread, the last three only while the referral is live. Never the officer's reasons for
sending despite the setting's criteria, nor anything about other providers' referrals.

Another organisation's referral is a 404 (as is an LA's own officer's view of it: only the
provider it was sent to uses this API). A service's refusal because of the referral's state (the
deadline has passed, the place is filled, the request closed) is a 409 with the page's words;
an incomplete or wrong answer a 400 keyed by field, as `providers.api` shapes them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from brokerage.models import Referral, ReferralMessage, ServiceIncluded
from brokerage.permissions import can_answer_referral
from brokerage.referral_forms import (
    ANSWER_CHOICES,
    INTERESTED_FIELDS,
    NOT_ABLE_FIELDS,
    answer_arguments,
)
from brokerage.referral_selectors import (
    PROVIDER_STATUS,
    referral_get,
    referral_messages,
    referral_state,
    referrals_for_provider,
)
from brokerage.referral_views import answer_sent_message, place_rows, profile_rows
from brokerage.referrals import Answer, referral_answer, referral_message_post
from providers.api import ProviderApiMixin, validation_error_detail

CLOSED_THREAD = (
    "The referral is closed, so the child's details and the messages are no longer shown."
)


class Conflict(APIException):
    """The referral's state does not allow it now (409): the page's words say why."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "This referral can no longer be changed."
    default_code = "conflict"


def _service_error(error: DjangoValidationError) -> Exception:
    """A field-level refusal is a 400 keyed by field; a refusal of the whole action (the
    deadline, a closed referral) is a 409, as the page shows it above the form."""
    if hasattr(error, "error_dict"):
        return serializers.ValidationError(validation_error_detail(error))
    return Conflict(" ".join(error.messages))


# Serializers -------------------------------------------------------------------------------------


class ReferralSettingSerializer(serializers.Serializer):
    urn = serializers.CharField()
    name = serializers.CharField(source="display_name")


class ReferralAnswerOutSerializer(serializers.Serializer):
    """Your organisation's answer as the local authority has it."""

    answer = serializers.ChoiceField(choices=ANSWER_CHOICES)
    weekly_price = serializers.DecimalField(
        max_digits=9, decimal_places=2, allow_null=True, help_text="Interested: in pounds."
    )
    start_date = serializers.DateField(allow_null=True)
    price_includes = serializers.ListField(
        child=serializers.ChoiceField(choices=ServiceIncluded.choices)
    )
    price_details = serializers.CharField()
    not_able_reason = serializers.ChoiceField(
        choices=Referral.NotAbleReason.choices, allow_blank=True
    )
    answer_note = serializers.CharField()
    answered_at = serializers.DateTimeField()
    answered_by = serializers.CharField(
        allow_null=True, help_text="The person whose answer it is (a key's creator for a key)."
    )


class SummaryRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.CharField()


class PlaceSerializer(serializers.Serializer):
    label = serializers.CharField(help_text='What the place is, e.g. "School".')
    district = serializers.CharField(help_text="The postcode district only, e.g. LE15.")
    journey = serializers.CharField(
        help_text='From the setting, in words as the page says it: "50 min by road", "Not known".'
    )
    max_minutes = serializers.IntegerField(
        allow_null=True, help_text="The longest journey wanted; null: no limit."
    )


STATES = [(key, words) for key, words in PROVIDER_STATUS.items()]


class ReferralSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField(help_text="The referral's page on the service.")
    setting = ReferralSettingSerializer()
    local_authority = serializers.CharField(help_text="The local authority that sent it.")
    sent_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField(help_text="Answer by then; after it, no answer counts.")
    status = serializers.ChoiceField(
        choices=Referral.Status.choices,
        help_text="As recorded. `sent` past its deadline is `expired` in `state`.",
    )
    state = serializers.ChoiceField(
        choices=STATES,
        help_text="What it is now for you: `waiting` needs your answer before the deadline.",
    )
    state_label = serializers.CharField(help_text="`state` in words, as your page says it.")
    can_answer = serializers.BooleanField(help_text="You may answer, or change your answer.")
    can_message = serializers.BooleanField(help_text="Either side may send a message.")
    child = serializers.CharField(
        allow_null=True,
        help_text='e.g. "A 14-year-old girl"; null once the referral is closed. Never a name.',
    )
    answer = ReferralAnswerOutSerializer(allow_null=True, help_text="Null until you answer.")


class ReferralDetailSerializer(ReferralSerializer):
    closed_reason = serializers.CharField(help_text='Why you cannot answer now ("" when you can).')
    profile = SummaryRowSerializer(
        many=True,
        allow_null=True,
        help_text="The child's pseudonymous profile as sent, in the page's rows; null once the "
        "referral is closed.",
    )
    places = PlaceSerializer(
        many=True, allow_null=True, help_text="The places that matter; null once closed."
    )
    note = serializers.CharField(
        allow_null=True, help_text="What is needed, in the officer's words; null once closed."
    )


class ReferralAnswerSerializer(serializers.Serializer):
    """Interested (a weekly price, a start date and what the price includes) or not able (a
    reason; "other" needs a note). The other kind's fields are ignored. Until the deadline an
    answer may be changed; the same answer again changes nothing and tells nobody again."""

    answer = serializers.ChoiceField(
        choices=ANSWER_CHOICES,
        error_messages={
            "required": "Choose interested or not able",
            "invalid_choice": "Choose interested or not able",
            "null": "Choose interested or not able",
        },
    )
    weekly_price = serializers.DecimalField(
        max_digits=9,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text='Interested: in pounds, for the whole placement, e.g. 4250 or "4250.50".',
        error_messages={
            "invalid": "Enter the weekly price as a number, like 4250",
            "max_digits": "Enter a weekly price of £100,000 or less",
            "max_whole_digits": "Enter a weekly price of £100,000 or less",
            "max_decimal_places": "Enter the weekly price in pounds and pence, like 4250.50",
        },
    )
    start_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Interested: the day the placement could start, today or later (YYYY-MM-DD).",
        error_messages={"invalid": "Enter the start date as YYYY-MM-DD, like 2026-11-27"},
    )
    price_includes = serializers.ListField(
        child=serializers.ChoiceField(
            choices=ServiceIncluded.choices,
            error_messages={"invalid_choice": "Choose what the price includes from the list"},
        ),
        required=False,
        default=list,
        help_text="Interested: at least one.",
    )
    price_details = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=500,
        error_messages={"max_length": "Details of the price must be 500 characters or fewer"},
    )
    not_able_reason = serializers.ChoiceField(
        choices=Referral.NotAbleReason.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Not able: why.",
        error_messages={"invalid_choice": "Choose why you are not able to offer a placement"},
    )
    answer_note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Not able: anything else the local authority should know (needed for other).",
        error_messages={"max_length": "Your note must be 2,000 characters or fewer"},
    )

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        # As the page's form: a field of the other kind of answer is ignored, errors and all.
        if isinstance(data, dict):
            ignored = {
                Answer.INTERESTED: NOT_ABLE_FIELDS,
                Answer.NOT_ABLE: INTERESTED_FIELDS,
            }.get(str(data.get("answer", "")), ())
            data = {name: value for name, value in data.items() if name not in ignored}
        validated: dict[str, Any] = super().to_internal_value(data)
        return validated

    def service_arguments(self) -> dict[str, Any]:
        return answer_arguments(self.validated_data)


class AnswerResultSerializer(serializers.Serializer):
    changed = serializers.BooleanField(
        help_text="False: the local authority already had this very answer; nothing was sent."
    )
    message = serializers.CharField(help_text="What the page says after answering.")
    referral = ReferralDetailSerializer()


class ReferralMessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    from_provider = serializers.BooleanField(help_text="True: from your organisation.")
    author = serializers.CharField(allow_null=True, help_text="Who wrote it.")
    organisation = serializers.CharField(help_text="Your organisation or the local authority.")
    created_at = serializers.DateTimeField()
    body = serializers.CharField()


class ReferralMessageInSerializer(serializers.Serializer):
    # The service says what is wrong with a body (empty, over 2,000 characters), as on the page.
    body = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Up to 2,000 characters."
    )


class ReferralFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=Referral.Status.choices, required=False, allow_blank=True
    )
    waiting = serializers.BooleanField(required=False, allow_null=True, default=None)


# What each serializer is given ---------------------------------------------------------------


def _answer(referral: Referral) -> dict[str, Any] | None:
    if referral.answered_at is None:
        return None
    return {
        # As the page tells them apart: an offer has a price, kept after the place is filled.
        "answer": Answer.INTERESTED if referral.weekly_price is not None else Answer.NOT_ABLE,
        "weekly_price": referral.weekly_price,
        "start_date": referral.start_date,
        "price_includes": list(referral.price_includes),
        "price_details": referral.price_details,
        "not_able_reason": referral.not_able_reason,
        "answer_note": referral.answer_note,
        "answered_at": referral.answered_at,
        "answered_by": referral.answered_by.full_name if referral.answered_by else None,
    }


def referral_data(
    request: Request, referral: Referral, *, now: datetime, detail: bool = False
) -> dict[str, Any]:
    """The referral as its provider may see it now (`referral_state`)."""
    state = referral_state(referral, now=now)
    data: dict[str, Any] = {
        "id": referral.pk,
        "url": request.build_absolute_uri(reverse("brokerage:referral_detail", args=[referral.pk])),
        "setting": referral.setting,
        "local_authority": referral.request.organisation.name,
        "sent_at": referral.sent_at,
        "deadline": referral.deadline,
        "status": referral.status,
        "state": state.key,
        "state_label": state.provider_status,
        "can_answer": state.can_answer,
        "can_message": state.can_message,
        "child": referral.child_summary if state.live else None,
        "answer": _answer(referral),
    }
    if detail:
        data["closed_reason"] = state.closed_reason
        data["profile"] = data["places"] = data["note"] = None
        if state.live:
            data["profile"] = [
                {"label": label, "value": value}
                for label, value in profile_rows(referral.profile, with_reference=False)
            ]
            data["places"] = [
                {**row, "max_minutes": place.get("max_minutes")}
                for row, place in zip(place_rows(referral.places), referral.places, strict=True)
            ]
            data["note"] = referral.note
    return data


def message_data(message: ReferralMessage, referral: Referral) -> dict[str, Any]:
    return {
        "id": message.pk,
        "from_provider": message.from_provider,
        "author": message.author.full_name if message.author else None,
        "organisation": referral.provider.name
        if message.from_provider
        else referral.request.organisation.name,
        "created_at": message.created_at,
        "body": message.body,
    }


# Views -------------------------------------------------------------------------------------------


class ReferralPagination(PageNumberPagination):
    page_size = 50  # as the page's list


REFERRAL_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The referral's id."
)
UNAUTHORISED = OpenApiResponse(description="No key, or an unknown, revoked or orphaned key.")
NOT_PROVIDERS = OpenApiResponse(description="Not a provider's key (an LA's or a hub's).")
NOT_FOUND = OpenApiResponse(description="No referral with this id was sent to your organisation.")
THROTTLED = OpenApiResponse(description="Too many requests for this key; see Retry-After.")
READ_ERRORS = {401: UNAUTHORISED, 403: NOT_PROVIDERS, 404: NOT_FOUND, 429: THROTTLED}
WRITE_ERRORS = {
    400: OpenApiResponse(description='Invalid or incomplete: `{"field": ["message"]}`.'),
    **READ_ERRORS,
    409: OpenApiResponse(
        description="Not now: the deadline has passed, the place is filled or the request closed "
        '(`{"detail": "…"}`, the page\'s words).'
    ),
}


@extend_schema(tags=["referrals"])
@extend_schema_view(
    list=extend_schema(
        summary="The referrals sent to your organisation, newest first",
        parameters=[
            OpenApiParameter(
                "status",
                str,
                enum=Referral.Status.values,
                description="Only referrals recorded with this status.",
            ),
            OpenApiParameter(
                "waiting",
                bool,
                description="true: only those waiting for your answer (sent, the deadline "
                "ahead, the request open); false: only the rest.",
            ),
        ],
        responses={
            200: ReferralSerializer(many=True),
            400: OpenApiResponse(description='An unknown filter value: `{"status": ["…"]}`.'),
            401: UNAUTHORISED,
            403: NOT_PROVIDERS,
            # Found by `make fuzz`: a page past the last (or not a number) is DRF's 404.
            404: OpenApiResponse(description='No such page: `{"detail": "Invalid page."}`.'),
            429: THROTTLED,
        },
    ),
    retrieve=extend_schema(
        summary="One referral: the child's profile, the places, the note and your answer",
        parameters=[REFERRAL_ID],
        responses={200: ReferralDetailSerializer, **READ_ERRORS},
    ),
)
class ReferralViewSet(
    ProviderApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Referrals local authorities sent to your organisation's settings, from any region.
    Answer each before its deadline: interested, with a weekly price, or not able."""

    queryset = Referral.objects.none()  # the real one depends on the key (get_queryset)
    pagination_class = ReferralPagination
    lookup_value_regex = "[0-9]+"

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return {
            "list": ReferralSerializer,
            "answer": ReferralAnswerSerializer,
            "messages": ReferralMessageInSerializer,
        }.get(self.action or "", ReferralDetailSerializer)

    now: datetime  # one clock for the whole request: the state shown is the state acted on

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.now = timezone.now()
        super().initial(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Referral]:
        # A plain dict: as a form's QueryDict, a missing `waiting` would read as false.
        filters = ReferralFilterSerializer(data=self.request.query_params.dict())
        filters.is_valid(raise_exception=True)
        referrals = referrals_for_provider(self.actor, now=self.now)
        if filters.validated_data.get("status"):
            referrals = referrals.filter(status=filters.validated_data["status"])
        if filters.validated_data.get("waiting") is not None:
            # The selector's annotation (its own rule for waiting), not a field.
            referrals = referrals.filter(Q(waiting=filters.validated_data["waiting"]))
        return referrals.select_related("answered_by").order_by("-sent_at", "-pk")

    def get_object(self) -> Referral:
        pk = int(self.kwargs["pk"])
        try:
            referral = referral_get(self.actor, pk)
        except Http404:
            referral = None
        if referral is None or not can_answer_referral(self.actor, referral):
            # An LA officer may read it on the page; only the provider uses this API.
            raise NotFound(f"Your organisation has no referral {pk}.")
        return referral

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = [referral_data(request, referral, now=self.now) for referral in page or []]
        return self.get_paginated_response(ReferralSerializer(rows, many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        referral = self.get_object()
        data = referral_data(request, referral, now=self.now, detail=True)
        return Response(ReferralDetailSerializer(data).data)

    @extend_schema(
        summary="Answer a referral: interested with a price, or not able with a reason",
        description="Interested needs `weekly_price` (above 0, up to 100,000), `start_date` "
        "(today or later) and `price_includes` (at least one); not able needs "
        "`not_able_reason`, and `answer_note` when it is `other`. You may change your answer "
        "until the deadline; each change is sent to the local authority. The same answer again "
        "changes nothing and sends nothing (`changed`: false).",
        parameters=[REFERRAL_ID],
        request=ReferralAnswerSerializer,
        responses={200: AnswerResultSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="answer", url_name="answer")
    def answer(self, request: Request, pk: str) -> Response:
        referral = self.get_object()
        serializer = ReferralAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        answered_before = referral.answered_at
        try:
            answered = referral_answer(
                actor=self.actor, referral=referral, now=self.now, **serializer.service_arguments()
            )
        except DjangoValidationError as error:
            raise _service_error(error) from error
        referral = referral_get(self.actor, answered.pk)  # with the answer and who gave it
        return Response(
            AnswerResultSerializer(
                {
                    "changed": answered.answered_at != answered_before,
                    "message": answer_sent_message(answered, answered_before),
                    "referral": referral_data(request, referral, now=self.now, detail=True),
                }
            ).data
        )

    @extend_schema(
        methods=["GET"],
        summary="The referral's messages, oldest first",
        description="Yours and the local authority's, while the referral is live (waiting for "
        "your answer, or answered while the request is open).",
        parameters=[REFERRAL_ID],
        request=None,
        responses={
            200: ReferralMessageSerializer(many=True),
            **READ_ERRORS,
            409: OpenApiResponse(description="The referral is closed: the thread is not shown."),
        },
    )
    @extend_schema(
        methods=["POST"],
        summary="Ask the local authority a question (or reply) on the referral",
        description="The officer who sent the referral is emailed that there is a message (the "
        "LA's managers if they have left). Only while the referral is live.",
        parameters=[REFERRAL_ID],
        request=ReferralMessageInSerializer,
        responses={201: ReferralMessageSerializer, **WRITE_ERRORS},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="messages",
        url_name="messages",
        pagination_class=None,  # a thread is short, and read whole as on the page
    )
    def messages(self, request: Request, pk: str) -> Response:
        referral = self.get_object()
        if request.method == "POST":
            return self._message_post(request, referral)
        if not referral_state(referral, now=self.now).live:
            raise Conflict(CLOSED_THREAD)
        thread = referral_messages(referral)
        return Response(
            ReferralMessageSerializer(
                [message_data(message, referral) for message in thread], many=True
            ).data
        )

    def _message_post(self, request: Request, referral: Referral) -> Response:
        serializer = ReferralMessageInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            message = referral_message_post(
                actor=self.actor,
                referral=referral,
                body=serializer.validated_data["body"],
                now=self.now,
            )
        except DjangoValidationError as error:
            raise _service_error(error) from error
        return Response(
            ReferralMessageSerializer(message_data(message, referral)).data,
            status=status.HTTP_201_CREATED,
        )
