"""Settings whose provider is not on the service, in a real browser: the officer sees the owner,
keeps only settings on the service, records an enquiry with one that is not and finds it beside
the referrals; a hub admin invites a setting's provider from its page. Axe checks every page.
"""

from __future__ import annotations

import pytest

from accounts.models import Organisation, Role
from providers.models import Setting
from tests.browser.test_journey import sign_in
from tests.factories import PASSWORD, OrganisationFactory, UserFactory
from tests.placements.builders import child, home, make_world_map

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mixed(db, settings):
    settings.TRAVEL_ENGINE = "estimate"
    world_map = make_world_map()
    officer = UserFactory(
        organisation=world_map.la, role=Role.PLACEMENT_OFFICER, email="priya@la.example"
    )
    hub_admin = UserFactory(
        organisation=OrganisationFactory(region=world_map.la.region, hub=True),
        role=Role.HUB_ADMIN,
        email="hana@hub.example",
    )
    provider = OrganisationFactory(
        region=world_map.la.region, kind=Organisation.Kind.PROVIDER, name="Oak Care Ltd"
    )
    home(world_map, name="Oak House", owner_name="Oak Care Ltd", provider_organisation=provider)
    off = home(world_map, name="Elm House", owner_name="Elm Homes Limited")
    request = child(world_map, reference="CIC/2026/0888")
    return officer, hub_admin, request, off


def test_officer_records_an_enquiry_and_the_hub_invites_the_provider(live_server, page, axe, mixed):
    officer, hub_admin, request, off = mixed
    base = live_server.url

    sign_in(page, base, officer.email, PASSWORD)
    page.goto(f"{base}/placements/{request.pk}/search/")
    page.get_by_role("heading", name="2 settings can take this child").wait_for()
    page.get_by_text("1 of them is run by a provider on the service").wait_for()
    page.get_by_text("Owner on Ofsted's list: Elm Homes Limited").wait_for()
    axe.check("90-search-with-owners")

    page.get_by_label("Only settings whose provider is on the service").check()
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("heading", name="1 setting can take this child").wait_for()
    assert page.get_by_text("Elm House").count() == 0

    page.get_by_label("Only settings whose provider is on the service").uncheck()
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("heading", name="2 settings can take this child").wait_for()
    page.get_by_role("link", name="Record an enquiry with Elm House").click()
    page.get_by_role("heading", name="Record an enquiry outside the service").wait_for()
    axe.check("91-enquiry-form")
    page.get_by_role("button", name="Record the enquiry").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    axe.check("92-enquiry-form-errors")
    page.get_by_label("Phone").check()
    page.get_by_label("Interested").check()
    page.get_by_label("Note (optional, no names)").fill("Manager will call back by 4pm")
    page.get_by_role("button", name="Record the enquiry").click()
    page.get_by_role("heading", name="Referrals and answers").wait_for()
    page.get_by_text("Manager will call back by 4pm").wait_for()
    axe.check("93-referrals-with-enquiry")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, base, hub_admin.email, PASSWORD)
    page.goto(f"{base}/providers/{off.urn}/")
    page.get_by_role("button", name="Invite this provider to the service").click()
    page.get_by_role("heading", name="Invite the provider of Elm House").wait_for()
    assert page.get_by_label("Organisation name").input_value() == "Elm Homes Limited"
    axe.check("94-invite-provider")
    page.get_by_label("Full name of the person to invite").fill("Sam Elm")
    page.get_by_label("Their email address").fill("sam@elm.example")
    page.get_by_role("button", name="Add the provider and send the invitation").click()
    page.get_by_text("Elm House is now run on the service by Elm Homes Limited").wait_for()
    axe.check("95-setting-on-the-service")
    off.refresh_from_db()
    assert Setting.objects.get(pk=off.pk).provider_organisation.name == "Elm Homes Limited"
