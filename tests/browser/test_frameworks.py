"""A hub admin adds a framework, a lot and a member with its rates, suspends it (confirming),
and reads the changes; an officer of a member LA reads the framework; the member's provider
sees its own rates. Runs in a real browser; every page on the way passes axe."""

from __future__ import annotations

import pytest

from accounts.models import Role
from commissioning.models import Framework, Membership
from tests.browser.test_journey import sign_in
from tests.factories import PASSWORD, OrganisationFactory, RegionFactory, UserFactory
from tests.providers.factories import SettingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hub_admin_adds_a_framework_a_lot_and_a_member(live_server, page, axe):
    region = RegionFactory(name="East Midlands")
    hub = UserFactory(
        organisation=OrganisationFactory(region=region, hub=True),
        role=Role.HUB_ADMIN,
        full_name="Hana Hub",
    )
    la = OrganisationFactory(region=region, local_authority=True, name="Rutland County Council")
    officer = UserFactory(organisation=la, role=Role.PLACEMENT_OFFICER)
    provider = OrganisationFactory(region=region, name="Oak Homes Ltd")
    provider_user = UserFactory(organisation=provider, role=Role.PROVIDER_USER)
    SettingFactory(urn="SC500001", name="Oak House", provider_organisation=provider)
    base = live_server.url

    sign_in(page, base, hub.email, PASSWORD)
    page.get_by_role("link", name="Frameworks").first.click()
    page.get_by_role("heading", name="Frameworks", exact=True).wait_for()
    axe.check("frameworks-01-empty-list")

    page.get_by_role("button", name="Add a framework").click()
    page.get_by_role("button", name="Add framework").click()
    page.locator(".govuk-error-summary").wait_for()
    assert "Enter the framework's name" in page.locator(".govuk-error-summary").inner_text()
    axe.check("frameworks-02-add-errors")
    page.get_by_label("Name").fill("Residential framework 2025")
    page.get_by_label("Framework", exact=True).check()
    page.get_by_label("Rutland County Council").check()
    page.get_by_label("Start date").fill("1/4/2025")
    page.get_by_label("End date (optional)").fill("31/3/2029")
    page.get_by_role("button", name="Add framework").click()
    page.get_by_text("Framework Residential framework 2025 added.").wait_for()
    axe.check("frameworks-03-detail-empty")

    page.get_by_role("button", name="Add a lot").click()
    page.get_by_label("Lot number").fill("1")
    page.get_by_label("Name").fill("Children's homes")
    page.get_by_label("Children's home").check()
    page.get_by_label("Youngest age").fill("8")
    page.get_by_label("Start date").fill("1/1/2025")
    page.get_by_role("button", name="Add lot").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "The lot cannot start before the framework does (1 April 2025)" in summary.inner_text()
    axe.check("frameworks-04-lot-error")
    page.get_by_label("Start date").fill("1/4/2025")
    page.get_by_role("button", name="Add lot").click()
    page.get_by_text("Lot 1 added.").wait_for()

    page.get_by_role("button", name="Add a member to lot 1").click()
    page.get_by_label("Ofsted URN").fill("sc500001")
    page.locator("#id_rate_standard").fill("5200")
    page.locator("#id_includes_standard_2").check()  # Education (Core care is ticked already)
    page.locator("#id_rate_specialist").fill("8,000")
    page.get_by_role("button", name="Add member").click()
    page.locator(".govuk-error-summary").wait_for()
    axe.check("frameworks-05-member-error")
    page.locator("#id_rate_specialist").fill("8000")
    page.locator("#id_solo_specialist").fill("950")
    page.get_by_role("button", name="Add member").click()
    page.get_by_text("Oak House added to lot 1.").wait_for()
    card = page.locator(".govuk-summary-card").inner_text()
    assert "Oak House (SC500001)" in card and "Oak Homes Ltd" in card
    assert "£5,200" in card and "Core care, Education" in card and "£950" in card
    axe.check("frameworks-06-detail-with-member")

    page.get_by_role("link", name="Change status of Oak House on lot 1").click()
    page.get_by_label("Suspend it").check()
    page.get_by_label("From which date").fill("1/9/2025")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Confirm the change for Oak House").wait_for()
    axe.check("frameworks-07-status-confirm")
    page.get_by_role("button", name="Confirm change").click()
    page.get_by_text("Oak House is now suspended.").wait_for()
    assert Membership.objects.get().status == "suspended"

    page.get_by_role("link", name="Changes (who and when)").click()
    page.get_by_role("heading", name="Changes").wait_for()
    table = page.locator("table").inner_text()
    assert "Hana Hub" in table and "Status: active → suspended" in table
    axe.check("frameworks-08-changes")

    framework = Framework.objects.get()
    assert (framework.owner, framework.lots.count()) == (la, 1)

    page.context.clear_cookies()
    sign_in(page, base, officer.email, PASSWORD)
    page.goto(f"{base}/frameworks/{framework.pk}/")
    page.get_by_role("heading", name="Residential framework 2025").wait_for()
    assert page.get_by_role("button", name="Add a lot").count() == 0
    assert "£8,000" in page.locator("main").inner_text()
    axe.check("frameworks-09-officer-reads")

    page.context.clear_cookies()
    sign_in(page, base, provider_user.email, PASSWORD)
    page.get_by_role("link", name="Frameworks").first.click()
    page.get_by_role("heading", name="Your frameworks").wait_for()
    main = page.locator("main").inner_text()
    assert "Residential framework 2025, lot 1" in main and "£5,200" in main
    axe.check("frameworks-10-provider-own")
