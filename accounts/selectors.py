from __future__ import annotations

from datetime import date, timedelta

from django.contrib.gis.db.models import MultiPolygonField
from django.contrib.gis.db.models.aggregates import Union
from django.contrib.gis.geos import MultiPolygon
from django.db.models import Case, Count, F, Func, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from accounts.models import AuditEvent, Invitation, Organisation, Region, Role, User
from accounts.permissions import can_manage_region, can_manage_users
from common.models import created_within
from geo.models import Area


def organisation_list_manageable(*, actor: User) -> QuerySet[Organisation]:
    """Organisations whose users `actor` may manage: the hub's whole region, or their own."""
    if actor.organisation is None or not can_manage_users(actor):
        return Organisation.objects.none()
    if actor.role == Role.NATIONAL_OPERATOR:
        return Organisation.objects.filter(
            Q(pk=actor.organisation.pk) | Q(kind=Organisation.Kind.HUB)
        )
    if actor.role == Role.HUB_ADMIN:
        # The region's hub and LAs, and the providers taking part in it that have no active
        # provider admin of their own (accounts.permissions.can_manage_organisation_users).
        region_id = actor.organisation.own_region_id
        starting = (
            Organisation.objects.filter(
                kind=Organisation.Kind.PROVIDER, region_links__region_id=region_id
            )
            .exclude(users__role=Role.PROVIDER_ADMIN, users__is_active=True)
            .values("pk")
        )
        return Organisation.objects.filter(Q(region_id=region_id) | Q(pk__in=starting))
    return Organisation.objects.filter(pk=actor.organisation.pk)


def organisation_list_for_invitation(*, actor: User) -> QuerySet[Organisation]:
    return organisation_list_manageable(actor=actor).filter(member_until__isnull=True)


def local_authority_list(*, region: Region) -> QuerySet[Organisation]:
    return (
        Organisation.objects.filter(region=region, kind=Organisation.Kind.LOCAL_AUTHORITY)
        .select_related("area")
        .annotate(active_users=Count("users", filter=Q(users__is_active=True)))
        .order_by("member_until", "name")
    )


def provider_organisation_list(*, region: Region) -> QuerySet[Organisation]:
    """The provider organisations taking part in `region` (each is national: it may take part in
    others too)."""
    return (
        Organisation.objects.filter(region_links__region=region, kind=Organisation.Kind.PROVIDER)
        .annotate(
            active_users=Count("users", filter=Q(users__is_active=True), distinct=True),
            region_count=Count("regions", distinct=True),
        )
        .order_by("name")
    )


def region_members_with_boundary(*, region: Region) -> QuerySet[Organisation]:
    """The region's current member LAs that have a boundary: the pieces of "the region"."""
    return Organisation.objects.filter(
        region=region,
        kind=Organisation.Kind.LOCAL_AUTHORITY,
        member_until__isnull=True,
        area__isnull=False,
    )


def region_member_area_ids(*, region: Region) -> frozenset[int]:
    """The areas (geo.Area ids) of the region's current member LAs, whose union is its boundary:
    a setting whose LA is one of them is in the region."""
    return frozenset(region_members_with_boundary(region=region).values_list("area_id", flat=True))


def region_boundary_union(*, region: Region) -> MultiPolygon | None:
    """The union of the current member LAs' boundaries, computed now in one PostGIS query
    (ST_Multi, so two LAs that do not touch are still one MultiPolygon). None without any."""
    boundary: MultiPolygon | None = region_members_with_boundary(region=region).aggregate(
        boundary=Func(
            Union("area__boundary"),
            function="ST_Multi",
            output_field=MultiPolygonField(srid=4326),
        )
    )["boundary"]
    return boundary


def region_boundary(*, region: Region) -> MultiPolygon | None:
    """What "in the region" means: the union of the current member LAs' boundaries, as cached on
    the region; None when no member has a boundary loaded.

    Recomputed here (once) when it was never computed, or when a member LA or its area has
    changed since (an LA joined or left outside the services, or `load_boundaries` moved a
    boundary): geo cannot tell accounts, so the cache checks itself with one small query."""
    computed_at = region.boundary_computed_at
    if computed_at is not None and not (
        Organisation.objects.filter(region=region, kind=Organisation.Kind.LOCAL_AUTHORITY)
        .filter(Q(updated_at__gt=computed_at) | Q(area__updated_at__gt=computed_at))
        .exists()
    ):
        return region.boundary
    # Imported here: services imports this module, and the refresh is a write.
    from accounts.services import region_boundary_refresh

    return region_boundary_refresh(region=region)


def region_ons_areas(*, region: Region) -> list[Area]:
    """The ONS region(s) a hub covers: the one it was set up for, else those its current member
    authorities lie in (a co-operative set up without one). Empty when nothing says."""
    if region.area_id is not None:
        return [region.area]  # type: ignore[list-item]
    return list(
        Area.objects.filter(
            kind=Area.Kind.REGION,
            children__gss_code__in=Organisation.objects.filter(
                region=region, kind=Organisation.Kind.LOCAL_AUTHORITY, member_until__isnull=True
            ).values("gss_code"),
        )
        .distinct()
        .order_by("name")
    )


def area_outside_region(*, area: Area, region: Region) -> list[Area] | None:
    """The hub's ONS regions if `area` lies outside all of them (so adding it needs a second
    thought), else None: inside, or either side's region is not known."""
    own = region_ons_areas(region=region)
    if not own or area.parent_id is None or area.parent_id in {r.pk for r in own}:
        return None
    return own


def area_list_addable(*, region: Region) -> QuerySet[Area]:
    """Upper-tier authorities that are not current members of the region, with their ONS region
    (`parent`): the hub's own region's first, then the rest by region and name."""
    members = Organisation.objects.filter(
        region=region, kind=Organisation.Kind.LOCAL_AUTHORITY, member_until__isnull=True
    ).values("gss_code")
    own = [r.pk for r in region_ons_areas(region=region)]
    return (
        Area.objects.filter(kind=Area.Kind.UPPER_TIER_LA)
        .exclude(gss_code__in=members)
        .select_related("parent")
        .annotate(
            in_own_region=Case(
                When(parent_id__in=own, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("in_own_region", F("parent__name").asc(nulls_last=True), "name")
    )


def local_authority_get(*, actor: User, pk: int) -> Organisation:
    if not can_manage_region(actor) or actor.organisation is None:
        raise Http404
    try:
        return Organisation.objects.get(
            pk=pk,
            kind=Organisation.Kind.LOCAL_AUTHORITY,
            region_id=actor.organisation.own_region_id,
        )
    except Organisation.DoesNotExist as exc:
        raise Http404 from exc


def user_list_manageable(*, actor: User) -> QuerySet[User]:
    return (
        User.objects.filter(organisation__in=organisation_list_manageable(actor=actor))
        .select_related("organisation")
        .order_by("-is_active", "organisation__name", "full_name")
    )


def user_get_manageable(*, actor: User, pk: int) -> User:
    """A user `actor` may manage; anything else is reported as not found, never as forbidden."""
    try:
        return user_list_manageable(actor=actor).get(pk=pk)
    except User.DoesNotExist as exc:
        raise Http404 from exc


def invitation_list_open(*, actor: User) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(
            organisation__in=organisation_list_manageable(actor=actor),
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        )
        .select_related("organisation")
        .order_by("-created_at")
    )


def invitation_get_manageable(*, actor: User, pk: int) -> Invitation:
    try:
        return invitation_list_open(actor=actor).get(pk=pk)
    except Invitation.DoesNotExist as exc:
        raise Http404 from exc


def invitation_ids_unsent(*, older_than: timedelta = timedelta(minutes=2)) -> list[int]:
    """Open invitations whose email has not gone out (queueing failed, or the worker was down)."""
    return list(
        Invitation.objects.filter(
            email_sent_at__isnull=True,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            created_at__lt=timezone.now() - older_than,
        ).values_list("pk", flat=True)
    )


def hub_list() -> QuerySet[Region]:
    """Every region with its hub, the counts the operator's list shows."""
    return Region.objects.annotate(
        member_count=Count(
            "organisations",
            filter=Q(
                organisations__kind=Organisation.Kind.LOCAL_AUTHORITY,
                organisations__member_until__isnull=True,
            ),
            distinct=True,
        ),
        provider_count=Count("providers", distinct=True),
        hub_admin_count=Count(
            "organisations__users",
            filter=Q(
                organisations__users__role=Role.HUB_ADMIN, organisations__users__is_active=True
            ),
            distinct=True,
        ),
    ).order_by("name")


def hub_get(*, pk: int) -> tuple[Region, Organisation | None]:
    try:
        region = Region.objects.select_related("area").get(pk=pk)
    except Region.DoesNotExist as exc:
        raise Http404 from exc
    hub = Organisation.objects.filter(region=region, kind=Organisation.Kind.HUB).first()
    return region, hub


# Audit ------------------------------------------------------------------------------------------


def audit_organisations_for_region(*, region: Region) -> QuerySet[Organisation]:
    """The organisations whose events are the region's: every organisation of the region, member
    or not. The one place that says so, for when providers take part in several regions."""
    return Organisation.objects.filter(region=region)


def audit_events_for_region(*, region: Region) -> QuerySet[AuditEvent]:
    """The region's audit trail, newest first: events written in the region (AuditEvent.region:
    its people's, and what others did to its organisations), events attributed to one of its
    organisations, and those attributed to none whose actor belongs to one (a superuser's own
    events are nobody's). A national provider's own events (its people, its keys) are its own,
    not any one region's."""
    organisations = audit_organisations_for_region(region=region).values("pk")
    return (
        AuditEvent.objects.filter(
            Q(region=region)
            | Q(organisation__in=organisations)
            | Q(organisation__isnull=True, actor__organisation__in=organisations)
        )
        .select_related("actor", "organisation", "target_user")
        .order_by("-created_at", "-pk")
    )


def audit_event_list(
    *,
    region: Region,
    action: str = "",
    organisation: int | None = None,
    actor: int | None = None,
    start: date | None = None,
    end: date | None = None,
) -> QuerySet[AuditEvent]:
    """The region's events, filtered: days are whole local days, both ends included."""
    events = audit_events_for_region(region=region)
    if action:
        events = events.filter(action=action)
    if organisation:
        events = events.filter(organisation_id=organisation)
    if actor:
        events = events.filter(actor_id=actor)
    return created_within(events, start=start, end=end)


def audit_actor_choices(*, region: Region) -> QuerySet[User]:
    """People who may appear as an actor in the region's trail: its organisations' users."""
    return User.objects.filter(
        organisation__in=audit_organisations_for_region(region=region).values("pk")
    ).order_by("full_name", "email")
