"""Issue 12's journey in a real browser: the hub admin imports a framework's 3 lots and 12 members
from an .xlsx (preview, then confirm); an officer searches for a child at the complex need level,
sees a member's framework and tendered rate on its result, narrows the search to the framework and
sends a referral; the provider offers a price above the rate; the officer records the placement
through the lot, with a reason; the hub admin's prices page then counts it in its cell (now 5, so
shown with its median) while another cell stays "fewer than 5". Then the hub admin's framework
weight page (an error, a save). Axe checks every page visited."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Organisation, Role
from brokerage.models import PlacementOutcome, Referral
from commissioning.models import Lot, Membership, NeedLevel
from tests.browser.conftest import Accessibility
from tests.browser.test_journey import sign_in
from tests.browser.test_referral_journey import last_email_to, link_in
from tests.commissioning.factories import FrameworkFactory
from tests.commissioning.import_files import three_lots_twelve_members, xlsx
from tests.factories import PASSWORD, OrganisationFactory, UserFactory
from tests.placements.builders import child, home, make_world_map
from tests.placements.factories import PlacementRequestFactory
from tests.providers.factories import SettingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FRAMEWORK = "East Midlands residential framework"


def _earlier_outcome(la, *, need_level, cost, route, today):
    setting = SettingFactory(provision_type="childrens_home")
    PlacementOutcome.objects.create(
        request=PlacementRequestFactory(organisation=la, need_level=need_level),
        setting=setting,
        urn=setting.urn,
        start_date=today - dt.timedelta(days=20),
        weekly_cost=Decimal(cost),
        social_care_weekly=Decimal(cost),
        services_included=["core"],
        commercial_route=route,
    )


@pytest.fixture
def region(db, settings):
    settings.TRAVEL_ENGINE = "estimate"
    today = timezone.localdate()
    world_map = make_world_map()
    la = world_map.la
    hub = UserFactory(
        organisation=OrganisationFactory(region=la.region, hub=True),
        role=Role.HUB_ADMIN,
        email="hana@hub.example",
    )
    officer = UserFactory(
        organisation=la, role=Role.PLACEMENT_OFFICER, email="priya@la.example", full_name="Priya"
    )
    provider = OrganisationFactory(
        region=la.region, kind=Organisation.Kind.PROVIDER, name="Ash Care Ltd"
    )
    keyworker = UserFactory(
        organisation=provider, role=Role.PROVIDER_USER, email="keyworker@ash.example"
    )
    # Lot 1's four members are children's homes near the child; lots 2 and 3 take 8 others.
    homes = [home(world_map, name="Ash House", provider_organisation=provider)]
    homes += [home(world_map, name=f"{name} House") for name in ("Beech", "Cedar", "Elm")]
    others = [SettingFactory(urn=f"SC{400101 + n}", childrens_home=True) for n in range(8)]
    home(world_map, name="Spot House")  # on no framework: still found, until the filter
    framework = FrameworkFactory(
        region=la.region,
        name=FRAMEWORK,
        starts_on=dt.date(2025, 4, 1),
        ends_on=dt.date(2029, 3, 31),
    )
    request = child(world_map, reference="CIC/2026/0900", need_level=NeedLevel.COMPLEX)
    # The benchmark cell this placement falls in (children's home, complex, framework, core
    # care) has 4 earlier prices; another cell (standard, spot) has 2.
    for cost in (4000, 4500, 5000, 5500):
        _earlier_outcome(la, need_level="complex", cost=cost, route="framework", today=today)
    for cost in (3800, 4100):
        _earlier_outcome(la, need_level="standard", cost=cost, route="spot", today=today)
    urns = [setting.urn for setting in homes + others]
    return hub, officer, keyworker, framework, request, urns


def test_framework_import_search_referral_placement_and_benchmark(
    live_server, browser, page, axe, region, tmp_path
):
    hub, officer, keyworker, framework, request, urns = region
    base = live_server.url
    today = timezone.localdate()
    members = tmp_path / "members.xlsx"
    members.write_bytes(xlsx(three_lots_twelve_members(urns)))

    # 1. The hub admin imports 3 lots and 12 members: preview, then confirm.
    sign_in(page, base, hub.email, PASSWORD)
    page.goto(f"{base}/frameworks/")
    axe.check("cj-01-frameworks")
    page.get_by_role("link", name=FRAMEWORK).click()
    page.get_by_role("link", name="Import members and rates (.xlsx)").click()
    page.get_by_role("heading", name="Import members and rates").wait_for()
    axe.check("cj-02-import-upload")
    page.get_by_label("Members and rates (.xlsx)").set_input_files(str(members))
    page.get_by_role("button", name="Upload and preview").click()
    page.get_by_role("heading", name="Check the import before confirming").wait_for()
    assert page.locator("#import-summary").inner_text() == "12 members on 3 lots, 36 rates"
    axe.check("cj-03-import-preview")
    assert not Lot.objects.exists()
    page.get_by_role("button", name="Confirm and save").click()
    page.get_by_role("heading", name="Members and rates imported").wait_for()
    axe.check("cj-04-import-done")
    assert Membership.objects.filter(lot__framework=framework).count() == 12
    page.context.clear_cookies()

    # 2. The officer opens the request (complex needs), searches, sees Ash House's rate.
    sign_in(page, base, officer.email, PASSWORD)
    page.goto(f"{base}/placements/{request.pk}/")
    page.get_by_text("Need level (for framework rates)").wait_for()
    axe.check("cj-05-request")
    page.goto(f"{base}/placements/{request.pk}/search/")
    page.get_by_role("heading", name="5 settings can take this child").wait_for()
    ash = page.locator(f"#result-{urns[0]}").inner_text()
    assert f"On {FRAMEWORK}" in ash
    assert "Complex: £5,000 a week (includes core care, education)" in ash
    axe.check("cj-06-search-with-rates")
    page.get_by_label("Frameworks").select_option(label=f"On this framework: {FRAMEWORK}")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("heading", name="4 settings can take this child").wait_for()
    titles = page.locator(".app-result__title a").all_inner_texts()
    assert sorted(titles) == ["Ash House", "Beech House", "Cedar House", "Elm House"]
    axe.check("cj-07-search-on-the-framework")
    page.get_by_label("Add Ash House to the shortlist").check()
    page.get_by_role("button", name="Send referrals to the shortlist").click()
    page.get_by_role("heading", name="Send referrals").wait_for()
    axe.check("cj-08-send-referral")
    page.get_by_label("What is needed (optional, no names)").fill("A planned move near school")
    page.get_by_role("button", name="Send referrals", exact=True).click()
    page.get_by_text("Referral sent to 1 setting").wait_for()
    axe.check("cj-09-referral-sent")

    # 3. The provider offers £5,500 a week, above the lot's £5,000 for complex needs.
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    provider = context.new_page()
    sign_in(provider, base, keyworker.email, PASSWORD)
    provider.goto(link_in(last_email_to(keyworker.email).body, base))
    provider.get_by_role("heading", name=re.compile("Ash House")).first.wait_for()
    Accessibility(provider).check("cj-10-provider-referral")
    provider.get_by_label("Interested", exact=True).check()
    provider.get_by_label("Weekly price").fill("5,500")
    provider.get_by_label("Day").fill(str(today.day))
    provider.get_by_label("Month").fill(str(today.month))
    provider.get_by_label("Year").fill(str(today.year))
    provider.get_by_role("group", name="What the price includes").get_by_label("Core care").check()
    provider.get_by_role("button", name="Send answer").click()
    provider.locator(".govuk-notification-banner--success").wait_for()
    Accessibility(provider).check("cj-11-provider-answered")
    context.close()
    assert len([m for m in mail.outbox if officer.email in m.to]) >= 1

    # 4. The officer records the placement through lot 1, above the rate, with a reason.
    page.goto(f"{base}/placements/{request.pk}/referrals/")
    axe.check("cj-12-referrals")
    page.get_by_role("button", name="Record the placement").click()
    page.get_by_role("heading", name=re.compile("Record the placement")).first.wait_for()
    page.get_by_label(re.compile(r"Ash House \(URN SC\d+\), £5,500 a week")).check()
    page.get_by_label("Start date").fill(today.strftime("%d/%m/%Y"))
    page.get_by_label("Weekly cost (£)").fill("5500")
    page.get_by_role("group", name="What the cost includes").get_by_label("Core care").check()
    page.get_by_label("Social care (£ a week)").fill("5500")
    page.get_by_role(
        "group", name="Was it bought through one of your region's frameworks?"
    ).get_by_label(f"{FRAMEWORK}, lot 1 — £5,000 a week for Complex").check()
    page.get_by_role("group", name="Distance measured from").get_by_role("radio").first.check()
    axe.check("cj-13-record-placement")
    page.get_by_role("button", name="Record the placement").click()
    page.get_by_role(
        "link", name="Enter why the agreed price is above the framework rate of £5,000"
    ).wait_for()
    axe.check("cj-14-above-rate")
    page.get_by_label("Why is the agreed price above the framework rate?").fill(
        "Solo placement needed for the first month"
    )
    page.get_by_role("button", name="Record the placement").click()
    page.get_by_text("Above the rate by £500").wait_for()
    axe.check("cj-15-placed")
    outcome = PlacementOutcome.objects.get(request=request)
    assert outcome.lot is not None and outcome.lot.number == 1
    assert outcome.tendered_rate == Decimal("5000.00")
    assert Referral.objects.get(request=request).status == "placed"
    page.context.clear_cookies()

    # 5. The hub admin's prices: the cell now has 5 prices (median £5,000); another has fewer.
    sign_in(page, base, hub.email, PASSWORD)
    page.get_by_role("link", name="Demand").first.click()
    page.get_by_role("link", name="Prices in the region").click()
    page.get_by_role("heading", name="Prices in the region").wait_for()
    axe.check("cj-16-prices")
    rows = page.locator("table").first.locator("tbody tr").all_inner_texts()
    complex_row = next(r for r in rows if r.startswith("Complex"))
    standard_row = next(r for r in rows if r.startswith("Standard"))
    # count, lower quartile, median, upper quartile of 4,000 4,500 5,000 5,500 and the new 5,500
    assert complex_row.split("\t") == [
        "Complex",
        "Framework, DPS or block",
        "Core care only",
        "5",
        "£4,500",
        "£5,000",
        "£5,500",
    ]
    assert standard_row.split("\t") == ["Standard", "Spot", "Core care only", "Fewer than 5"]


def test_hub_admin_changes_the_framework_weight(live_server, page, axe):
    hub = UserFactory(
        organisation=OrganisationFactory(hub=True), role=Role.HUB_ADMIN, email="hub@example.org"
    )
    base = live_server.url
    sign_in(page, base, hub.email, PASSWORD)
    page.goto(f"{base}/frameworks/")
    page.get_by_role("link", name="Change the framework weight").click()
    page.get_by_role("heading", name="Framework weight").wait_for()
    axe.check("cj-20-weight")
    page.get_by_label("Points for being on one of your frameworks").fill("60")
    page.get_by_role("button", name="Save weight").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    axe.check("cj-21-weight-error")
    page.get_by_label("Points for being on one of your frameworks").fill("25")
    page.get_by_role("button", name="Save weight").click()
    page.get_by_text("Framework membership now counts 25 points.").wait_for()
    page.get_by_text("counts 25 points in the search's score").wait_for()
    axe.check("cj-22-weight-saved")
    hub.organisation.region.refresh_from_db()
    assert hub.organisation.region.framework_weight == 25
