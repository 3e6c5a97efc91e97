"""Who may see and answer a referral. Object scoping lives in the selectors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.models import Organisation, Role

if TYPE_CHECKING:
    from accounts.models import User
    from brokerage.models import Referral


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


def can_choose_emails(user: User) -> bool:
    """Who has email choices to make: provider people (referrals and Ofsted alerts) and an LA's
    placement officers and managers (Ofsted alerts). Hub admins have their own digest."""
    organisation = user.organisation
    if not user.is_active or organisation is None:
        return False
    if user.role in (Role.PROVIDER_ADMIN, Role.PROVIDER_USER):
        return True
    return (
        user.role in (Role.PLACEMENT_OFFICER, Role.LA_MANAGER)
        and organisation.kind == Organisation.Kind.LOCAL_AUTHORITY
    )
