"""Adding a member LA: each authority shown with its ONS region, the hub's own first, and an
authority from another region added only once the hub admin has confirmed it."""

from __future__ import annotations

from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import selectors, services
from accounts.models import AuditEvent, Role
from geo.models import Area
from tests.factories import AreaFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def regions(world):
    """Region A's hub covers the West Midlands; Derbyshire lies in the East Midlands."""
    west = AreaFactory(gss_code="E12000005", name="West Midlands", kind=Area.Kind.REGION)
    east = AreaFactory(gss_code="E12000004", name="East Midlands", kind=Area.Kind.REGION)
    london = AreaFactory(gss_code="E12000007", name="London", kind=Area.Kind.REGION)
    region = world.hub_a.region
    region.area = west
    region.save()
    return {
        "west": west,
        "east": east,
        "solihull": AreaFactory(gss_code="E08000029", name="Solihull", parent=west),
        "dudley": AreaFactory(gss_code="E08000027", name="Dudley", parent=west),
        "derbyshire": AreaFactory(gss_code="E10000007", name="Derbyshire", parent=east),
        "camden": AreaFactory(gss_code="E09000007", name="Camden", parent=london),
    }


class TestService:
    def test_an_authority_in_the_hubs_region_is_added_at_once(self, world, regions):
        admin = world.user("hub_a", Role.HUB_ADMIN)
        la = services.local_authority_add(actor=admin, area=regions["solihull"])
        assert la.name == "Solihull"
        event = AuditEvent.objects.get(action=AuditEvent.Action.LA_ADDED)
        assert event.detail == {}

    def test_an_authority_outside_is_refused_without_confirmation(self, world, regions):
        admin = world.user("hub_a", Role.HUB_ADMIN)
        with pytest.raises(ValidationError) as caught:
            services.local_authority_add(actor=admin, area=regions["derbyshire"])
        assert caught.value.code == "outside_region"
        assert caught.value.messages == [
            "Derbyshire is in the East Midlands, not in the hub's region (West Midlands). "
            "Add it anyway?"
        ]
        assert not world.hub_a.region.organisations.filter(gss_code="E10000007").exists()
        assert not AuditEvent.objects.filter(action=AuditEvent.Action.LA_ADDED).exists()

    def test_an_authority_outside_is_added_when_confirmed_and_audited_as_such(self, world, regions):
        admin = world.user("hub_a", Role.HUB_ADMIN)
        la = services.local_authority_add(
            actor=admin, area=regions["derbyshire"], outside_region_confirmed=True
        )
        assert la.region == world.hub_a.region
        event = AuditEvent.objects.get(action=AuditEvent.Action.LA_ADDED)
        assert event.detail == {"outside_region": True, "ons_region": "East Midlands"}

    def test_london_reads_without_an_article(self, world, regions):
        with pytest.raises(ValidationError, match="Camden is in London, not in the hub's region"):
            services.local_authority_add(
                actor=world.user("hub_a", Role.HUB_ADMIN), area=regions["camden"]
            )

    def test_a_hub_without_an_ons_region_goes_by_its_members(self, world, regions):
        region = world.hub_a.region
        region.area = None
        region.save()
        admin = world.user("hub_a", Role.HUB_ADMIN)
        # No member lies anywhere known yet: nothing to compare with, so no question.
        services.local_authority_add(actor=admin, area=regions["dudley"])
        # Now its members are in the West Midlands, and the East Midlands is another region.
        with pytest.raises(ValidationError, match="not in the hub's region \\(West Midlands\\)"):
            services.local_authority_add(actor=admin, area=regions["derbyshire"])

    def test_the_list_puts_the_hubs_region_first_with_each_region(self, world, regions):
        names = [
            (a.name, a.parent.name)
            for a in selectors.area_list_addable(region=world.hub_a.region)
            if a.parent is not None  # the world's own authorities have no region
        ]
        assert names == [
            ("Dudley", "West Midlands"),
            ("Solihull", "West Midlands"),
            ("Derbyshire", "East Midlands"),
            ("Camden", "London"),
        ]


class TestPage:
    def test_the_picker_shows_each_authoritys_region_own_first(self, world, regions, client):
        client.force_login(world.user("hub_a", Role.HUB_ADMIN))
        html = client.get(reverse("accounts:local_authority_add")).content.decode()
        assert "Solihull (West Midlands)" in html
        assert "Derbyshire (East Midlands)" in html
        assert html.index("Solihull (West Midlands)") < html.index("Derbyshire (East Midlands)")
        # The confirmation box is not asked before it is needed.
        assert 'type="checkbox"' not in html

    def test_in_region_is_added_in_one_step(self, world, regions, client):
        client.force_login(world.user("hub_a", Role.HUB_ADMIN))
        response = client.post(
            reverse("accounts:local_authority_add"), {"area": regions["solihull"].pk}, follow=True
        )
        assert "Solihull is now a member of the region." in response.content.decode()

    def test_out_of_region_asks_then_adds_once_confirmed(self, world, regions, client):
        client.force_login(world.user("hub_a", Role.HUB_ADMIN))
        url = reverse("accounts:local_authority_add")
        area = regions["derbyshire"].pk
        asked = client.post(url, {"area": area})
        assert asked.status_code == 200
        html = unescape(asked.content.decode())
        assert "govuk-error-summary" in html
        assert (
            "Derbyshire is in the East Midlands, not in the hub's region (West Midlands). "
            "Add it anyway?" in html
        )
        assert 'type="checkbox"' in html
        assert 'name="confirm_outside_region"' in html
        assert not world.hub_a.region.organisations.filter(gss_code="E10000007").exists()

        added = client.post(url, {"area": area, "confirm_outside_region": "on"}, follow=True)
        assert "Derbyshire is now a member of the region." in added.content.decode()
        assert world.hub_a.region.organisations.filter(gss_code="E10000007").exists()

    def test_a_forged_hidden_false_does_not_confirm(self, world, regions, client):
        client.force_login(world.user("hub_a", Role.HUB_ADMIN))
        response = client.post(
            reverse("accounts:local_authority_add"),
            {"area": regions["derbyshire"].pk, "confirm_outside_region": "False"},
        )
        assert "Add it anyway?" in response.content.decode()
        assert not world.hub_a.region.organisations.filter(gss_code="E10000007").exists()
