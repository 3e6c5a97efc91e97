"""Who may use the placement request pages: every role × page × (own LA, another LA in the
region, an LA in another region). A role that cannot make requests gets 403 everywhere; an LA
user gets 404 for a request that is not their authority's, never a 500 and never a leak.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from placements.models import PlacementRequest
from placements.permissions import can_make_placement_requests, can_see_request
from placements.selectors import placement_request_get, placement_requests_for
from tests.placements.factories import PlacementRequestFactory

pytestmark = pytest.mark.django_db

LA_ACTORS = [
    ("la_a1", Role.PLACEMENT_OFFICER),
    ("la_a1", Role.LA_MANAGER),
    ("la_a2", Role.PLACEMENT_OFFICER),
    ("la_a2", Role.LA_MANAGER),
    ("la_b1", Role.PLACEMENT_OFFICER),
    ("la_b1", Role.LA_MANAGER),
]
OTHER_ACTORS = [
    ("hub_a", Role.HUB_ADMIN),
    ("hub_b", Role.HUB_ADMIN),
    ("provider_a1", Role.PROVIDER_ADMIN),
    ("provider_a1", Role.PROVIDER_USER),
    ("provider_b1", Role.PROVIDER_USER),
]
REQUEST_PAGES = [
    "brokerage:placement_request_detail",
    "placements:placement_request_update",
    "placements:placement_request_close",
]
PAGES = ["placements:placement_request_list", "placements:placement_request_create", *REQUEST_PAGES]


@pytest.fixture
def own_request(world):
    """A request of la_a1's."""
    return PlacementRequestFactory(organisation=world.la_a1, reference="CIC/1")


def url(page: str, placement_request: PlacementRequest) -> str:
    if page in REQUEST_PAGES:
        return reverse(page, args=[placement_request.pk])
    return reverse(page)


def id_of(actor: tuple[str, str]) -> str:
    return f"{actor[0]}-{actor[1]}"


@pytest.mark.parametrize("actor", LA_ACTORS + OTHER_ACTORS, ids=id_of)
@pytest.mark.parametrize("page", PAGES)
def test_matrix(client, world, own_request, actor, page):
    org, role = actor
    client.force_login(world.user(org, role))
    response = client.get(url(page, own_request))
    if (org, role) in OTHER_ACTORS:
        expected = 403
    elif page in REQUEST_PAGES and org != "la_a1":
        expected = 404  # another authority's request, in this region or another
    else:
        expected = 200
    assert response.status_code == expected
    if expected == 404:
        assert "Page not found" in response.content.decode()
        assert own_request.reference not in response.content.decode()


@pytest.mark.parametrize("org", ["la_a2", "la_b1"])
def test_another_authority_cannot_change_or_close_a_request(client, world, own_request, org):
    client.force_login(world.user(org, Role.LA_MANAGER))
    edit = reverse("placements:placement_request_update", args=[own_request.pk])
    close = reverse("placements:placement_request_close", args=[own_request.pk])
    assert client.post(edit, {"reference": "X/1", "action": "save"}).status_code == 404
    assert client.post(close).status_code == 404
    own_request.refresh_from_db()
    assert (own_request.reference, own_request.status) == ("CIC/1", "open")


@pytest.mark.parametrize("page", PAGES)
def test_a_former_member_authority_gets_403(client, world, own_request, page):
    world.la_a1.member_until = timezone.now()
    world.la_a1.save()
    client.force_login(world.user("la_a1", Role.PLACEMENT_OFFICER))
    assert client.get(url(page, own_request)).status_code == 403


@pytest.mark.parametrize("actor", OTHER_ACTORS, ids=id_of)
def test_roles_that_cannot_make_requests_cannot_post_either(client, world, own_request, actor):
    client.force_login(world.user(*actor))
    assert (
        client.post(reverse("placements:placement_request_create"), {"action": "save"}).status_code
        == 403
    )
    close = reverse("placements:placement_request_close", args=[own_request.pk])
    assert client.post(close).status_code == 403
    assert PlacementRequest.objects.get().status == "open"


@pytest.mark.parametrize("page", PAGES)
def test_signed_out_people_are_sent_to_sign_in(client, own_request, page):
    response = client.get(url(page, own_request))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_request_that_does_not_exist_is_a_404(client, world):
    client.force_login(world.user("la_a1", Role.PLACEMENT_OFFICER))
    for page in REQUEST_PAGES:
        assert client.get(reverse(page, args=[999_999])).status_code == 404


def test_rules_and_selectors(world, own_request):
    officer = world.user("la_a1", Role.PLACEMENT_OFFICER)
    assert can_make_placement_requests(officer)
    assert can_see_request(officer, own_request)
    assert list(placement_requests_for(officer)) == [own_request]
    assert placement_request_get(officer, own_request.pk) == own_request

    other = world.user("la_a2", Role.PLACEMENT_OFFICER)
    assert can_make_placement_requests(other) and not can_see_request(other, own_request)
    assert not placement_requests_for(other).exists()

    hub_admin = world.user("hub_a", Role.HUB_ADMIN)
    assert not can_make_placement_requests(hub_admin)
    assert not can_see_request(hub_admin, own_request)
    assert not placement_requests_for(hub_admin).exists()

    officer.is_active = False
    assert not can_make_placement_requests(officer)
    assert not can_see_request(officer, own_request)
