"""Frameworks as JSON, read only, scoped exactly like the pages:

- `GET /api/v1/frameworks/` and `/api/v1/frameworks/{id}/`: a signed-in hub admin or member-LA
  placement officer or LA manager (browser session) reads their region's frameworks, the detail
  with every lot's members and rates. Another region's framework is a 404; providers get 403.
- `GET /api/v1/framework-memberships/`: the memberships and rates a reader may see. A provider
  (session or API key) sees its own organisation's settings' only; the region's readers see
  every membership of their region's frameworks.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated

from commissioning import selectors
from commissioning.models import Framework, Lot, Membership, Rate
from commissioning.permissions import can_read_frameworks
from providers.api_auth import ApiTokenAuthentication


class RateSerializer(serializers.ModelSerializer[Rate]):
    class Meta:
        model = Rate
        fields = ["need_level", "weekly_rate", "includes", "solo_premium"]


class MembershipSerializer(serializers.ModelSerializer[Membership]):
    urn = serializers.CharField(source="setting.urn")
    setting_name = serializers.CharField(source="setting.display_name")
    rates = RateSerializer(many=True)

    class Meta:
        model = Membership
        fields = ["id", "urn", "setting_name", "status", "joined_on", "status_changed_on", "rates"]


class LotSerializer(serializers.ModelSerializer[Lot]):
    class Meta:
        model = Lot
        fields = ["id", "number", "name", "accommodation", "min_age", "max_age"]
        fields += ["starts_on", "ends_on"]


class LotWithMembersSerializer(LotSerializer):
    memberships = MembershipSerializer(many=True)

    class Meta(LotSerializer.Meta):
        fields = [*LotSerializer.Meta.fields, "memberships"]


class FrameworkSerializer(serializers.ModelSerializer[Framework]):
    owner = serializers.CharField(
        source="owner.name",
        allow_null=True,
        default=None,
        help_text="The member local authority that let it; null when the region let it.",
    )
    lots = LotSerializer(many=True)

    class Meta:
        model = Framework
        fields = ["id", "name", "reference", "kind", "owner", "starts_on", "ends_on", "lots"]


class FrameworkDetailSerializer(FrameworkSerializer):
    lots = LotWithMembersSerializer(many=True)  # type: ignore[assignment]


class OwnMembershipSerializer(MembershipSerializer):
    framework_id = serializers.IntegerField(source="lot.framework_id")
    framework_name = serializers.CharField(source="lot.framework.name")
    lot = LotSerializer()

    class Meta(MembershipSerializer.Meta):
        fields = [*MembershipSerializer.Meta.fields, "framework_id", "framework_name", "lot"]


class ReadApiMixin:
    authentication_classes = [SessionAuthentication, ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]
    request: Any


@extend_schema_view(
    list=extend_schema(
        summary="Your region's frameworks and their lots",
        responses={
            200: FrameworkSerializer(many=True),
            403: OpenApiResponse(description="Not a hub admin or member-LA officer or manager."),
        },
    ),
    retrieve=extend_schema(
        summary="One framework: its lots, each lot's members and their tendered rates",
        responses={
            200: FrameworkDetailSerializer,
            403: OpenApiResponse(description="Not a hub admin or member-LA officer or manager."),
            404: OpenApiResponse(description="No framework of your region has this id."),
        },
    ),
)
@extend_schema(tags=["frameworks"])
class FrameworkViewSet(
    ReadApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = Framework.objects.none()
    lookup_value_regex = "[0-9]+"  # /frameworks/null/ is not found, not a 500

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return FrameworkDetailSerializer if self.action == "retrieve" else FrameworkSerializer

    def get_queryset(self) -> QuerySet[Framework]:
        return selectors.framework_list(user=self.request.user).prefetch_related("lots")

    def get_object(self) -> Framework:
        return selectors.framework_get(user=self.request.user, pk=int(self.kwargs["pk"]))


@extend_schema_view(
    list=extend_schema(
        summary="Framework memberships and rates you may see",
        description="A provider: its own settings' memberships only. A hub admin or member-LA "
        "officer or manager: every membership of the region's frameworks.",
        responses={
            200: OwnMembershipSerializer(many=True),
            401: OpenApiResponse(description="An unknown, revoked or orphaned API key."),
            403: OpenApiResponse(description="Neither signed in nor sending an API key."),
        },
    ),
)
@extend_schema(tags=["frameworks"])
class MembershipViewSet(ReadApiMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = OwnMembershipSerializer
    queryset = Membership.objects.none()

    def get_queryset(self) -> QuerySet[Membership]:
        user = self.request.user
        if can_read_frameworks(user):
            return selectors.region_memberships(user=user)
        return selectors.own_memberships(user=user)
