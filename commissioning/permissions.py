"""Who may see and change frameworks. Object scoping (which region, whose settings) is in
selectors.py; these answer "may this role use the page at all"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.permissions import can_manage_region
from providers.permissions import is_member_la_user, is_provider

if TYPE_CHECKING:
    from accounts.models import User


def can_manage_frameworks(user: User) -> bool:
    """Hub admins add and change their region's frameworks, lots, members and rates."""
    return can_manage_region(user) and user.organisation is not None


def can_read_frameworks(user: User) -> bool:
    """Hub admins and member-LA placement officers and managers read the region's frameworks."""
    return can_manage_frameworks(user) or is_member_la_user(user)


def can_see_own_memberships(user: User) -> bool:
    """Provider users and admins see the memberships and rates of their own settings only."""
    return is_provider(user)


def can_import_framework_members(user: User) -> bool:
    """Hub admins import members and rates into their region's frameworks."""
    return can_manage_frameworks(user)


def can_export_framework_members(user: User) -> bool:
    """Whoever reads the region's frameworks may export their members and rates (an LA the hub
    has removed is no longer a member)."""
    return can_read_frameworks(user)
