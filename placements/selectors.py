"""Reads of placement requests, scoped to what the user may see: anything else is not found."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Case, Count, IntegerField, QuerySet, Value, When
from django.http import Http404

from placements.models import PlacementRequest, PlacementSearch
from placements.permissions import can_make_placement_requests, can_see_request

if TYPE_CHECKING:
    from accounts.models import User


# The most settings one send may go to: a shortlist, not a broadcast.
MAX_SHORTLIST = 30


def placement_requests_for(user: User) -> QuerySet[PlacementRequest]:
    """The user's local authority's requests: open ones first, newest first within each."""
    organisation_id = user.organisation_id
    if not can_make_placement_requests(user) or organisation_id is None:
        return PlacementRequest.objects.none()
    return (
        PlacementRequest.objects.filter(organisation_id=organisation_id)
        .annotate(
            closed_last=Case(
                When(status=PlacementRequest.Status.OPEN, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            search_count=Count("searches"),
        )
        .select_related("created_by")
        .order_by("closed_last", "-created_at", "-pk")
    )


def placement_request_get(user: User, pk: int) -> PlacementRequest:
    """One request of the user's local authority, with its places, areas and searches.

    Another authority's request, or any request for a user who may not see requests, is a 404:
    the page does not even say that it exists.
    """
    placement_request = (
        PlacementRequest.objects.filter(pk=pk)
        .select_related("organisation", "created_by")
        .prefetch_related("places", "areas_to_avoid")
        .first()
    )
    if placement_request is None or not can_see_request(user, placement_request):
        raise Http404("No such placement request")
    return placement_request


def placement_request_searches(placement_request: PlacementRequest) -> QuerySet[PlacementSearch]:
    """The searches saved for a request, newest first (the caller has already got the request
    through `placement_request_get`, so it may see them)."""
    return (
        placement_request.searches.select_related("run_by")
        .defer("criteria", "profile", "area", "funnel", "results")
        .order_by("-created_at")
    )
