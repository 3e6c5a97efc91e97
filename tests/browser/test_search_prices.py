"""An officer's search shows each result's recent prices: the region's range for the setting's
kind and the child's need level, and their own LA's last price with the setting. Axe checks it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from brokerage.models import PlacementOutcome
from commissioning.models import NeedLevel
from tests.browser.test_journey import sign_in
from tests.factories import PASSWORD, OrganisationFactory, UserFactory
from tests.placements.builders import child, home, make_world_map
from tests.placements.factories import PlacementRequestFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_result_shows_recent_prices(live_server, page, axe, settings):
    settings.TRAVEL_ENGINE = "estimate"
    world_map = make_world_map()
    officer = UserFactory(
        organisation=world_map.la, role=Role.PLACEMENT_OFFICER, full_name="Sam Officer"
    )
    other_la = OrganisationFactory(region=world_map.la.region, local_authority=True)
    priced = home(world_map, name="Priced House")
    started = timezone.localdate() - timedelta(days=30)
    for la, cost in [(other_la, c) for c in (4000, 4100, 4200, 4300, 4400)] + [
        (world_map.la, 4650)
    ]:
        PlacementOutcome.objects.create(
            request=PlacementRequestFactory(organisation=la, need_level=NeedLevel.ENHANCED),
            setting=priced,
            urn=priced.urn,
            start_date=started,
            weekly_cost=Decimal(cost),
            social_care_weekly=Decimal(cost),
            services_included=["core"],
            commercial_route="spot",
        )
    request = child(world_map, reference="CIC/2026/0078", need_level=NeedLevel.ENHANCED)

    base = live_server.url
    sign_in(page, base, officer.email, PASSWORD)
    page.get_by_role("heading", name="Welcome, Sam").wait_for()
    page.goto(f"{base}/placements/{request.pk}/search/")
    page.get_by_role("heading", name="1 setting can take this child").wait_for()
    prices = page.locator(f"#recent-prices-{priced.urn}").inner_text()
    assert "Recent prices" in prices
    assert "£4,125 to £4,375 a week (median £4,250, 6 placements)" in prices
    assert f"Your LA agreed £4,650 a week here from {started.day} {started:%B %Y}" in prices
    axe.check("fw-20-search-recent-prices")
