"""Who may do what. Every view asks these functions; object scoping lives in the selectors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.models import ROLES_BY_ORGANISATION_KIND, Organisation, Role

if TYPE_CHECKING:
    from accounts.models import User

USER_MANAGER_ROLES = (Role.HUB_ADMIN, Role.LA_MANAGER, Role.PROVIDER_ADMIN)


def can_manage_region(user: User) -> bool:
    return user.is_active and user.role == Role.HUB_ADMIN


def can_manage_users(user: User) -> bool:
    return user.is_active and user.role in USER_MANAGER_ROLES


def can_manage_organisation_users(user: User, organisation: Organisation) -> bool:
    """Hub admins manage every organisation of their region; other admins only their own."""
    if not can_manage_users(user) or user.organisation is None:
        return False
    if user.role == Role.HUB_ADMIN:
        return organisation.region_id == user.organisation.region_id
    return organisation.pk == user.organisation_id


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
