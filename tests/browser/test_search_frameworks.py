"""An officer sets the child's need level, sees each setting's framework and its tendered rate
for that level beside the vacancy, and narrows the search to one framework. Axe checks each page.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from commissioning.models import NeedLevel
from geo.models import Postcode
from tests.browser.test_journey import sign_in
from tests.commissioning.factories import (
    FrameworkFactory,
    LotFactory,
    MembershipFactory,
    RateFactory,
)
from tests.factories import PASSWORD, UserFactory
from tests.placements.builders import SCHOOL, child, home, make_world_map

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_sees_a_rate_and_filters_to_a_framework(live_server, page, axe, settings):
    settings.TRAVEL_ENGINE = "estimate"
    world_map = make_world_map()
    Postcode.objects.create(  # the school's, which the request's form looks up again
        postcode="LE15 6AB", point=SCHOOL, ltla_code="E06000017", utla_code="E06000017"
    )
    officer = UserFactory(
        organisation=world_map.la, role=Role.PLACEMENT_OFFICER, full_name="Sam Officer"
    )
    today = timezone.localdate()
    framework = FrameworkFactory(
        region=world_map.la.region,
        name="East Midlands Residential",
        starts_on=today - timedelta(days=100),
        ends_on=today + timedelta(days=300),
    )
    lot = LotFactory(framework=framework, number=2, name="Children's homes, 8 to 17")
    member = home(world_map, name="Framework House")
    home(world_map, name="Spot House")
    RateFactory(
        membership=MembershipFactory(lot=lot, setting=member, joined_on=today),
        need_level=NeedLevel.ENHANCED,
        weekly_rate=Decimal("5200.00"),
        includes=["core", "education"],
    )
    request = child(world_map, reference="CIC/2026/0077")

    base = live_server.url
    sign_in(page, base, officer.email, PASSWORD)
    page.get_by_role("heading", name="Welcome, Sam").wait_for()

    # The need level is the officer's judgement, on the request's form.
    page.goto(f"{base}/placements/{request.pk}/edit/")
    page.get_by_label("Enhanced").check()
    axe.check("fw-10-request-need-level")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(f"{base}/placements/{request.pk}/")
    page.get_by_text("Need level (for framework rates)").wait_for()
    request.refresh_from_db()
    assert request.need_level == NeedLevel.ENHANCED

    page.goto(f"{base}/placements/{request.pk}/search/")
    page.get_by_role("heading", name="2 settings can take this child").wait_for()
    card = page.locator(f"#result-{member.urn}")
    assert "On East Midlands Residential" in card.inner_text()
    assert "Enhanced: £5,200 a week (includes core care, education)" in card.inner_text()
    assert "Frameworks" not in page.locator(".app-result").nth(1).inner_text()
    axe.check("fw-11-search-with-rates")

    page.get_by_label("Frameworks").select_option(
        label="On this framework: East Midlands Residential"
    )
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("heading", name="1 setting can take this child").wait_for()
    assert page.locator(".app-result__title a").all_inner_texts() == ["Framework House"]
    narrowed = page.locator("main").inner_text()
    assert "On East Midlands Residential (active members of a current lot)" in narrowed
    axe.check("fw-12-search-on-one-framework")
