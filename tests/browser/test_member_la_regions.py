"""A hub admin adds an authority from another ONS region: asked first, added once confirmed.

Runs in a real browser against the live app; every page on the way passes axe.
"""

from __future__ import annotations

import pytest

from accounts.models import Organisation, Role
from geo.models import Area
from tests.browser.test_journey import sign_in
from tests.factories import PASSWORD, AreaFactory, OrganisationFactory, RegionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hub_admin(db):
    west = AreaFactory(gss_code="E12000005", name="West Midlands", kind=Area.Kind.REGION)
    east = AreaFactory(gss_code="E12000004", name="East Midlands", kind=Area.Kind.REGION)
    region = RegionFactory(name="West Midlands Regional Care Co-operative", area=west)
    AreaFactory(gss_code="E10000007", name="Derbyshire", kind=Area.Kind.UPPER_TIER_LA, parent=east)
    AreaFactory(gss_code="E08000027", name="Dudley", kind=Area.Kind.UPPER_TIER_LA, parent=west)
    hub = OrganisationFactory(region=region, hub=True, name="West Midlands Hub")
    return UserFactory(organisation=hub, role=Role.HUB_ADMIN, email="wes@example.org")


def test_an_authority_from_another_region_needs_a_confirmation(live_server, page, axe, hub_admin):
    base = live_server.url
    sign_in(page, base, hub_admin.email, PASSWORD)
    page.goto(f"{base}/region/local-authorities/add/")
    options = page.get_by_label("Local authority").locator("option").all_inner_texts()
    assert options[1:] == ["Dudley (West Midlands)", "Derbyshire (East Midlands)"]
    axe.check("member-la-01-picker")

    page.get_by_label("Local authority").select_option(label="Derbyshire (East Midlands)")
    page.get_by_role("button", name="Add local authority").click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert (
        "Derbyshire is in the East Midlands, not in the hub's region (West Midlands). "
        "Add it anyway?" in summary
    )
    axe.check("member-la-02-confirm")
    assert not Organisation.objects.filter(gss_code="E10000007").exists()

    page.get_by_label("Yes, add it: our co-operative spans more than one region").check()
    page.get_by_role("button", name="Add local authority").click()
    page.get_by_text("Derbyshire is now a member of the region.").wait_for()
    assert Organisation.objects.filter(
        gss_code="E10000007", region=hub_admin.organisation.region, member_until__isnull=True
    ).exists()
