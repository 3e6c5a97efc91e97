"""Who may do what. Every view asks these functions; object scoping lives in the selectors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.models import ROLES_BY_ORGANISATION_KIND, Organisation, Role

if TYPE_CHECKING:
    from accounts.models import User

USER_MANAGER_ROLES = (Role.HUB_ADMIN, Role.LA_MANAGER, Role.PROVIDER_ADMIN, Role.NATIONAL_OPERATOR)


def can_manage_region(user: User) -> bool:
    return user.is_active and user.role == Role.HUB_ADMIN


def can_manage_national_data(user: User) -> bool:
    """The national operator (the deployment's owner): Ofsted's register, boundaries, postcodes,
    road networks, timetables, and the hubs themselves. No hub admin touches another region's."""
    return user.is_active and user.role == Role.NATIONAL_OPERATOR


def can_read_national_imports(user: User) -> bool:
    """What the operator imported (when Ofsted's list was last brought in, and what changed):
    hub admins read it; only the operator imports."""
    return can_manage_region(user) or can_manage_national_data(user)


def provider_has_own_admin(organisation: Organisation) -> bool:
    return organisation.users.filter(role=Role.PROVIDER_ADMIN, is_active=True).exists()


def can_manage_users(user: User) -> bool:
    return user.is_active and user.role in USER_MANAGER_ROLES


def can_manage_organisation_users(user: User, organisation: Organisation) -> bool:
    """Hub admins manage the hub and the LAs of their region; other admins only their own.

    A provider organisation is national and manages its own people: a hub admin of a region it
    takes part in may invite or change its people only while it has no active provider admin (to
    start it off, or when nobody is left), so that no one region's hub can lock a provider out of
    the others. The operator manages its own people and appoints the hubs' admins."""
    if not can_manage_users(user) or user.organisation is None:
        return False
    if organisation.pk == user.organisation_id:
        return True
    if user.role == Role.NATIONAL_OPERATOR:  # appoints each hub's admins
        return organisation.kind == Organisation.Kind.HUB
    if user.role != Role.HUB_ADMIN:
        return False
    region_id = user.organisation.own_region_id
    if organisation.kind == Organisation.Kind.PROVIDER:
        return organisation.region_links.filter(
            region_id=region_id
        ).exists() and not provider_has_own_admin(organisation)
    return organisation.region_id == region_id


def assignable_roles(user: User, organisation: Organisation) -> tuple[Role, ...]:
    """The roles `user` may give to a member of `organisation` (empty when none)."""
    if not can_manage_organisation_users(user, organisation):
        return ()
    return ROLES_BY_ORGANISATION_KIND[organisation.kind]


def can_see_insight(user: User) -> bool:
    """The insight dashboards (insight/permissions.py says which): hub admins, LA managers and
    placement officers of an organisation; never providers. Here, below every app, so that the
    navigation can offer them."""
    return (
        user.is_active
        and user.role in (Role.HUB_ADMIN, Role.LA_MANAGER, Role.PLACEMENT_OFFICER)
        and user.organisation_id is not None
    )
