"""Who may make and see placement requests. Selectors scope which requests a user sees."""

from __future__ import annotations

from typing import TYPE_CHECKING

from providers.permissions import is_member_la_user

if TYPE_CHECKING:
    from accounts.models import User
    from placements.models import PlacementRequest


def can_make_placement_requests(user: User) -> bool:
    """Placement officers and LA managers of a member local authority."""
    return is_member_la_user(user)


def can_see_request(user: User, request: PlacementRequest) -> bool:
    """Only the local authority that made a request sees it (not the hub, not another LA)."""
    return can_make_placement_requests(user) and request.organisation_id == user.organisation_id
