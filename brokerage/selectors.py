from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from brokerage.models import Invitation, Organisation, Region, Role, User
from brokerage.permissions import can_manage_region, can_manage_users
from geo.models import Area


def organisation_list_manageable(*, actor: User) -> QuerySet[Organisation]:
    """Organisations whose users `actor` may manage: the hub's whole region, or their own."""
    if not can_manage_users(actor) or actor.organisation is None:
        return Organisation.objects.none()
    if actor.role == Role.HUB_ADMIN:
        return Organisation.objects.filter(region_id=actor.organisation.region_id)
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
    return (
        Organisation.objects.filter(region=region, kind=Organisation.Kind.PROVIDER)
        .annotate(active_users=Count("users", filter=Q(users__is_active=True)))
        .order_by("name")
    )


def area_list_addable(*, region: Region) -> QuerySet[Area]:
    """Upper-tier authorities that are not current members of the region."""
    members = Organisation.objects.filter(
        region=region, kind=Organisation.Kind.LOCAL_AUTHORITY, member_until__isnull=True
    ).values("gss_code")
    return Area.objects.filter(kind=Area.Kind.UPPER_TIER_LA).exclude(gss_code__in=members)


def local_authority_get(*, actor: User, pk: int) -> Organisation:
    if not can_manage_region(actor) or actor.organisation is None:
        raise Http404
    try:
        return Organisation.objects.get(
            pk=pk, kind=Organisation.Kind.LOCAL_AUTHORITY, region_id=actor.organisation.region_id
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
