"""Who may see and change a setting's provider-maintained facts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.models import Organisation, Role

if TYPE_CHECKING:
    from accounts.models import User
    from providers.models import Setting

PROVIDER_ROLES = (Role.PROVIDER_ADMIN, Role.PROVIDER_USER)
LA_ROLES = (Role.PLACEMENT_OFFICER, Role.LA_MANAGER)


def can_decide_claims(user: User) -> bool:
    """Hub admins, for the settings in their region, and the national operator, for any
    (providers.selectors.claims_decidable says which)."""
    return user.is_active and user.role in (Role.HUB_ADMIN, Role.NATIONAL_OPERATOR)


def is_provider(user: User) -> bool:
    return user.is_active and user.role in PROVIDER_ROLES and user.organisation is not None


def can_edit_setting(user: User, setting: Setting) -> bool:
    """Provider users edit only the settings their organisation runs (an approved claim)."""
    return (
        is_provider(user)
        and setting.provider_organisation_id is not None
        and setting.provider_organisation_id == user.organisation_id
    )


def can_claim_settings(user: User) -> bool:
    return user.is_active and user.role == Role.PROVIDER_ADMIN


def can_see_address_views(user: User) -> bool:
    """Who saw the exact addresses of the settings the organisation runs: its provider admins.
    It is oversight of the organisation (like its users and API keys), not day-to-day work, so
    provider users, who answer referrals and keep vacancies true, do not need it."""
    return user.is_active and user.role == Role.PROVIDER_ADMIN and user.organisation_id is not None


def can_manage_api_tokens(user: User) -> bool:
    return user.is_active and user.role == Role.PROVIDER_ADMIN


def can_hold_api_tokens(user: User) -> bool:
    """Who may hold an API key for their own organisation's systems: provider admins (the
    provider API), member-LA placement officers and managers (sending referrals in the
    Placements Data Standard's shape) and hub admins. Each endpoint says which keys it takes."""
    return (
        can_manage_api_tokens(user)
        or is_member_la_user(user)
        or (user.is_active and user.role == Role.HUB_ADMIN)
    )


def is_member_la_user(user: User) -> bool:
    """A placement officer or LA manager of a local authority that is a member of a region."""
    organisation = user.organisation
    return (
        user.is_active
        and user.role in LA_ROLES
        and organisation is not None
        and organisation.kind == Organisation.Kind.LOCAL_AUTHORITY
        and organisation.member_until is None
    )


def can_see_exact_location(user: User, setting: Setting) -> bool:
    """Public settings: anyone signed in. Private ones (children's homes…): the provider that
    runs it, and member LAs' placement officers and managers; nobody else, hub admins included."""
    if not setting.location_is_private:
        return True
    return can_edit_setting(user, setting) or is_member_la_user(user)
