"""Who may do what. Every view asks these functions; object scoping lives in the selectors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from brokerage.models import ROLES_BY_ORGANISATION_KIND, Organisation, Role

if TYPE_CHECKING:
    from brokerage.models import Referral, User

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


def can_answer_referral(user: User, referral: Referral) -> bool:
    """Provider admins and users of the organisation the referral was sent to."""
    return (
        user.is_active
        and user.role in (Role.PROVIDER_ADMIN, Role.PROVIDER_USER)
        and user.organisation_id is not None
        and user.organisation_id == referral.provider_id
    )


def can_see_referral_as_la(user: User, referral: Referral) -> bool:
    """Placement officers and managers of the member LA whose request it is."""
    organisation = user.organisation
    return (
        user.is_active
        and user.role in (Role.PLACEMENT_OFFICER, Role.LA_MANAGER)
        and organisation is not None
        and organisation.kind == Organisation.Kind.LOCAL_AUTHORITY
        and organisation.member_until is None
        and referral.request.organisation_id == organisation.pk
    )
