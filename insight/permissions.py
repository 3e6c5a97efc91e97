"""Who may see the insight dashboards. Providers never: the dashboards are the commissioners'."""

from __future__ import annotations

from accounts.models import Role, User
from accounts.permissions import can_see_insight

REGIONAL_ROLES = (Role.HUB_ADMIN, Role.LA_MANAGER)


def can_see_dashboards(user: User) -> bool:
    """Any dashboard: hub admins, LA managers and placement officers of an organisation."""
    return can_see_insight(user)


def can_see_regional_dashboards(user: User) -> bool:
    """Sufficiency, sought against secured, distance, supply and demand: hub admins (the whole
    region, LA by LA) and LA managers (their LA, beside the region)."""
    return user.is_active and user.role in REGIONAL_ROLES and user.organisation_id is not None


def can_see_open_work(user: User) -> bool:
    """The LA's open work: its placement officers and LA managers."""
    return (
        user.is_active
        and user.role in (Role.LA_MANAGER, Role.PLACEMENT_OFFICER)
        and user.organisation_id is not None
    )
