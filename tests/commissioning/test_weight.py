"""The region's weight of framework membership in the search's score: the hub admin's service
(range, audit, who is refused) and page (form errors, the link from the frameworks list)."""

from __future__ import annotations

import html
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEvent, Role
from commissioning import services

pytestmark = pytest.mark.django_db

HUB, MGR, OFF, PADM, PUSR = (
    Role.HUB_ADMIN,
    Role.LA_MANAGER,
    Role.PLACEMENT_OFFICER,
    Role.PROVIDER_ADMIN,
    Role.PROVIDER_USER,
)
WEIGHT_URL = "commissioning:framework_weight"


def _text(response) -> str:
    main = response.content.decode().split("<main", 1)[-1]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())


def _events():
    return AuditEvent.objects.filter(action=AuditEvent.Action.FRAMEWORK_WEIGHT_CHANGED)


# The service ------------------------------------------------------------------------------------


def test_hub_admin_sets_the_regions_weight_and_it_is_audited(world):
    admin = world.user("hub_a", HUB)
    assert world.hub_a.region.framework_weight == 10  # the default

    assert services.framework_weight_set(actor=admin, weight=25) is True

    world.hub_a.region.refresh_from_db()
    world.hub_b.region.refresh_from_db()
    assert world.hub_a.region.framework_weight == 25
    assert world.hub_b.region.framework_weight == 10  # another region's is untouched
    event = _events().get()
    assert (event.actor, event.organisation) == (admin, world.hub_a)
    assert event.detail == {"old": 10, "new": 25}
    assert event.region == world.hub_a.region


@pytest.mark.parametrize("weight", [0, 50])
def test_the_ends_of_the_range_are_allowed(world, weight):
    services.framework_weight_set(actor=world.user("hub_a", HUB), weight=weight)
    world.hub_a.region.refresh_from_db()
    assert world.hub_a.region.framework_weight == weight


@pytest.mark.parametrize("weight", [-1, 51, 100])
def test_a_weight_outside_0_to_50_is_refused_and_nothing_changes(world, weight):
    with pytest.raises(ValidationError) as excinfo:
        services.framework_weight_set(actor=world.user("hub_a", HUB), weight=weight)
    assert excinfo.value.message_dict == {"weight": ["Enter a whole number from 0 to 50"]}
    world.hub_a.region.refresh_from_db()
    assert world.hub_a.region.framework_weight == 10
    assert not _events().exists()


def test_the_same_weight_again_is_no_change_and_no_audit(world):
    assert services.framework_weight_set(actor=world.user("hub_a", HUB), weight=10) is False
    assert not _events().exists()


@pytest.mark.parametrize(
    ("org", "role"),
    [("la_a1", MGR), ("la_a1", OFF), ("provider_a1", PADM), ("provider_a1", PUSR)],
)
def test_only_hub_admins_may_set_the_weight(world, org, role):
    with pytest.raises(PermissionDenied):
        services.framework_weight_set(actor=world.user(org, role), weight=30)
    world.hub_a.region.refresh_from_db()
    assert world.hub_a.region.framework_weight == 10
    assert not _events().exists()


# The page ---------------------------------------------------------------------------------------


def test_the_frameworks_list_shows_the_weight_and_links_the_page_for_hub_admins(client, world):
    client.force_login(world.user("hub_a", HUB))
    response = client.get(reverse("commissioning:framework_list"))
    assert "Being on one of your frameworks counts 10 points in the search's score." in _text(
        response
    )
    assert reverse(WEIGHT_URL) in response.content.decode()


def test_officers_see_no_weight_link_on_the_frameworks_list(client, world):
    client.force_login(world.user("la_a1", OFF))
    response = client.get(reverse("commissioning:framework_list"))
    assert reverse(WEIGHT_URL) not in response.content.decode()
    assert "counts 10 points" not in _text(response)


def test_the_page_shows_the_current_weight_and_saving_changes_it(client, world):
    client.force_login(world.user("hub_a", HUB))
    page = client.get(reverse(WEIGHT_URL))
    assert 'value="10"' in page.content.decode()
    purpose = (
        "How much being on one of your frameworks counts in the search's score; 0 turns it off."
    )
    assert purpose in _text(page)

    response = client.post(reverse(WEIGHT_URL), {"weight": "0"}, follow=True)

    assert response.redirect_chain == [(reverse("commissioning:framework_list"), 302)]
    text = _text(response)
    assert "Framework membership now counts 0 points." in text
    assert "counts 0 points in the search's score (turned off)" in text
    world.hub_a.region.refresh_from_db()
    assert world.hub_a.region.framework_weight == 0
    assert _events().get().detail["new"] == 0


@pytest.mark.parametrize("value", ["", "ten", "51", "-3", "2.5"])
def test_bad_input_is_shown_on_the_page_and_nothing_changes(client, world, value):
    client.force_login(world.user("hub_a", HUB))
    response = client.post(reverse(WEIGHT_URL), {"weight": value})
    assert response.status_code == 200
    text = _text(response)
    assert "There is a problem" in text
    assert "Enter a whole number from 0 to 50" in text
    assert "<title>Error: Framework weight" in response.content.decode()
    world.hub_a.region.refresh_from_db()
    assert world.hub_a.region.framework_weight == 10
    assert not _events().exists()
