"""A hub admin moves a setting from the provider running it to the one claiming it: Transfer,
not Approve; a reason is required. Runs in a real browser; every page on the way passes axe."""

from __future__ import annotations

import pytest

from accounts.models import Role
from providers import facts
from tests.browser.test_journey import sign_in
from tests.factories import PASSWORD, OrganisationFactory, RegionFactory, UserFactory
from tests.providers.factories import SettingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hub_admin_transfers_a_setting_with_a_reason(live_server, page, axe):
    region = RegionFactory()
    hub = UserFactory(
        organisation=OrganisationFactory(region=region, hub=True), role=Role.HUB_ADMIN
    )
    old = OrganisationFactory(region=region, name="Old Homes Ltd")
    new = OrganisationFactory(region=region, name="New Homes Ltd")
    setting = SettingFactory(childrens_home=True, urn="SC400001")
    for organisation in (old, new):
        UserFactory(organisation=organisation, role=Role.PROVIDER_ADMIN)
    first = facts.setting_claim_request(actor=old.users.get(), setting=setting)
    facts.setting_claim_decide(actor=hub, claim=first, approve=True)
    setting.refresh_from_db()
    facts.setting_claim_request(actor=new.users.get(), setting=setting)

    base = live_server.url
    sign_in(page, base, hub.email, PASSWORD)
    page.goto(f"{base}/providers/claims/")
    page.get_by_text("Run on this service by Old Homes Ltd since").wait_for()
    assert page.get_by_role("button", name="Approve").count() == 0
    axe.check("transfer-01-claims")
    page.get_by_role("button", name="Transfer").click()
    page.get_by_role("heading", name="Move this setting to New Homes Ltd?").wait_for()
    axe.check("transfer-02-confirm")
    page.get_by_role("button", name="Move the setting").click()
    assert "Enter why the setting is moving" in page.locator(".govuk-error-summary").inner_text()
    axe.check("transfer-03-no-reason")
    page.get_by_label("Why is the setting moving?").fill("Ofsted names New Homes Ltd since May")
    page.get_by_role("button", name="Move the setting").click()
    page.get_by_text("has moved from Old Homes Ltd to New Homes Ltd").wait_for()
    axe.check("transfer-04-moved")
    setting.refresh_from_db()
    assert setting.provider_organisation == new
