"""The insight dashboards in a real browser, for each role that has them: an LA manager goes
through every dashboard and looks at the whole region, a hub admin picks one LA and sees the
demand map, a placement officer has only the LA's open work, and a provider has no Insight at
all. Every page passes axe; screenshots go to var/screenshots/."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from accounts.models import Role
from brokerage.models import PlacementOutcome
from geo.models import PostcodeDistrict
from placements.models import PlacementRequest, PlacementSearch
from tests.browser.test_journey import sign_in
from tests.factories import PASSWORD
from tests.placements.factories import PlacementRequestFactory, PlaceThatMattersFactory
from tests.providers.factories import SettingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def used(world):
    """Six weeks of one LA's requests (and two of another's): placed, closed and unmet."""
    recent = timezone.now() - dt.timedelta(days=40)
    centre = world.la_a1.area.boundary.centroid
    PostcodeDistrict.objects.create(district="LE15", point=centre, postcodes=900)
    setting = SettingFactory(provision_type="childrens_home", location=Point(centre.x, centre.y))
    for number in range(7):
        request = PlacementRequestFactory(
            organisation=world.la_a1 if number < 5 else world.la_a2,
            age_years=10 + number,
            needs=["autism"] if number % 2 else [],
        )
        PlaceThatMattersFactory(request=request, postcode="LE15 6AB")
        PlacementSearch.objects.create(
            request=request, criteria={}, profile={}, engine="estimate",
            funnel={"registered": 5, "criteria": 0 if number > 3 else 2},
            match_count=0 if number > 3 else 2,
        )  # fmt: skip
        PlacementRequest.objects.filter(pk=request.pk).update(created_at=recent)
        if number < 2:
            PlacementOutcome.objects.create(
                request=request, setting=setting, urn=setting.urn,
                start_date=timezone.localdate() - dt.timedelta(days=30),
                weekly_cost=Decimal(5200), social_care_weekly=Decimal(5200),
                services_included=["core"], commercial_route="spot",
                inside_la=True, inside_region=True, over_20_miles=number == 1,
                home_miles=Decimal("3.5") if number == 0 else Decimal("24.0"), school_minutes=12,
            )  # fmt: skip
            PlacementRequest.objects.filter(pk=request.pk).update(
                status="closed", closed_at=recent, close_reason="placed_here"
            )
    return world


DASHBOARDS = [
    ("Sufficiency", "Requests by kind of placement"),
    ("Sought against secured", "What the children got"),
    ("Distance from home", "How far from home children were placed"),
    ("Supply", "Foster carer households by postcode district"),
    ("Where demand is", "Requests that found nothing, by postcode district"),
    ("Open work", "Open requests by urgency"),
]


def test_an_la_manager_goes_through_every_dashboard(live_server, page, axe, used):
    manager = used.user("la_a1", Role.LA_MANAGER)
    sign_in(page, live_server.url, manager.email, PASSWORD)

    page.get_by_role("link", name="Insight").first.click()
    page.get_by_role("heading", name="Insight", exact=True).wait_for()
    axe.check("insight-01-la-manager-index")
    for number, (title, table) in enumerate(DASHBOARDS, start=2):
        page.get_by_role("link", name=title, exact=True).first.click()
        page.get_by_role("heading", name=title, exact=True).wait_for()
        assert table in page.locator("main").inner_text()
        axe.check(f"insight-{number:02d}-la-manager-{title.lower().replace(' ', '-')}")
    # Their own LA in full: 5 requests, 3 of them planned... all planned here.
    page.get_by_role("link", name="Sufficiency", exact=True).first.click()
    planned = page.locator("#table-placement_kind tr", has_text="Planned").first
    assert "5" in planned.inner_text()
    # The whole region: 7, shown; the other LA's 2 only as "fewer than 5".
    page.get_by_label("Whose figures", exact=True).select_option(label="The whole region")
    page.get_by_role("button", name="Show figures").click()
    page.get_by_text("Insight: The region").wait_for()
    other = page.locator("#table-by_la tr", has_text=used.la_a2.name).inner_text()
    assert "fewer than 5" in other and "2" not in other.replace(used.la_a2.name, "")
    axe.check("insight-08-la-manager-region")
    # A custom period with a mistake: the error summary, and the figures stay.
    page.get_by_text("Choose your own dates").click()
    page.locator("#from-day").fill("31")
    page.locator("#from-month").fill("2")
    page.locator("#from-year").fill("2026")
    page.get_by_label("Period", exact=True).select_option(label="Dates below")
    page.get_by_role("button", name="Show figures").click()
    page.get_by_text("There is a problem").wait_for()
    assert "The start date must be a real date" in page.locator(".govuk-error-summary").inner_text()
    axe.check("insight-09-la-manager-date-error")


def test_a_hub_admin_picks_an_la_and_sees_the_demand_map(live_server, page, axe, used):
    hub = used.user("hub_a", Role.HUB_ADMIN)
    sign_in(page, live_server.url, hub.email, PASSWORD)

    page.get_by_role("link", name="Insight").first.click()
    page.get_by_role("link", name="Where demand is").click()
    page.locator("svg.app-insight-map").wait_for()
    assert "LE15" in page.locator("#table-districts").inner_text()
    axe.check("insight-10-hub-demand-map")
    page.get_by_role("link", name="Sufficiency", exact=True).first.click()
    page.get_by_label("Whose figures", exact=True).select_option(label=used.la_a1.name)
    page.get_by_role("button", name="Show figures").click()
    page.get_by_text(f"Insight: {used.la_a1.name}").wait_for()
    # The hub is outside every LA: 5 shows, 1 to 4 do not.
    assert "fewer than 5" in page.locator("#table-needs").inner_text()  # 2 with autism
    assert "5" in page.locator("#table-age_band").inner_text()
    axe.check("insight-11-hub-one-la")
    assert "Open work" not in page.locator("main nav").inner_text()


def test_an_officer_has_open_work_and_a_provider_no_insight(live_server, page, axe, used):
    officer = used.user("la_a1", Role.PLACEMENT_OFFICER)
    sign_in(page, live_server.url, officer.email, PASSWORD)
    page.get_by_role("link", name="Insight").first.click()
    assert page.get_by_role("link", name="Sufficiency").count() == 0
    page.get_by_role("link", name="Open work").click()
    page.get_by_role("heading", name="Open work", exact=True).wait_for()
    assert "What is waiting" in page.locator("main").inner_text()
    axe.check("insight-12-officer-open-work")
    page.context.clear_cookies()

    provider = used.user("provider_a1", Role.PROVIDER_ADMIN)
    sign_in(page, live_server.url, provider.email, PASSWORD)
    assert page.get_by_role("link", name="Insight").count() == 0
    response = page.goto(f"{live_server.url}/insight/distance/")
    assert response is not None and response.status == 403
