"""Price benchmarks in a real browser: an LA manager opts in to share prices by name, and the hub
then sees the LA by name on the region's prices page; every page on the way passes axe."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from brokerage.models import PlacementOutcome
from tests.browser.test_journey import sign_in
from tests.factories import PASSWORD, OrganisationFactory, RegionFactory, UserFactory
from tests.placements.factories import PlacementRequestFactory
from tests.providers.factories import SettingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_la_manager_opts_in_and_the_hub_sees_the_name(live_server, page, axe):
    region = RegionFactory(name="East Midlands")
    hub = UserFactory(
        organisation=OrganisationFactory(region=region, hub=True), role=Role.HUB_ADMIN
    )
    la = OrganisationFactory(region=region, local_authority=True, name="Rutland County Council")
    manager = UserFactory(organisation=la, role=Role.LA_MANAGER)
    for cost in (4000, 4500, 5000, 5500, 6000):
        setting = SettingFactory(provision_type="childrens_home")
        PlacementOutcome.objects.create(
            request=PlacementRequestFactory(organisation=la, need_level="complex"),
            setting=setting,
            urn=setting.urn,
            start_date=timezone.localdate() - dt.timedelta(days=20),
            weekly_cost=Decimal(cost),
            social_care_weekly=Decimal(cost),
            services_included=["core", "education"],
            commercial_route="framework",
        )
    base = live_server.url

    sign_in(page, base, manager.email, PASSWORD)
    page.goto(f"{base}/placements/referrals/")
    page.get_by_role("link", name="Prices your local authority agreed").click()
    page.get_by_role("heading", name="Prices: your local authority and the region").wait_for()
    assert "£5,000" in page.locator("table").first.inner_text()
    axe.check("benchmarks-01-la-manager")
    page.get_by_label("Yes, by name").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("The hub now sees your prices under your name").wait_for()
    axe.check("benchmarks-02-opted-in")
    page.context.clear_cookies()

    sign_in(page, base, hub.email, PASSWORD)
    page.get_by_role("link", name="Demand").first.click()
    page.get_by_role("link", name="Prices in the region").click()
    page.get_by_role("heading", name="Prices in the region").wait_for()
    page.get_by_label("Local authority").select_option(label="Rutland County Council")
    page.get_by_role("button", name="Show prices").click()
    page.get_by_role("heading", name="Rutland County Council: last 12 months").wait_for()
    assert "£4,500" in page.locator("table").first.inner_text()
    axe.check("benchmarks-03-hub")
