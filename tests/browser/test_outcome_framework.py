"""Recording a placement through a framework lot, in a real browser: the officer chooses the lot
(its tendered rate for the child's band is on the choice), agrees a price above the rate, is asked
why, gives the reason, and the request page shows the framework, the rate and the reason. Axe
checks every page."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Organisation, Role
from brokerage.models import PlacementOutcome
from brokerage.referrals import Answer, Shortlisted, referral_answer, referral_send
from commissioning.models import NeedLevel
from tests.browser.test_journey import sign_in
from tests.commissioning.factories import (
    FrameworkFactory,
    LotFactory,
    MembershipFactory,
    RateFactory,
)
from tests.factories import PASSWORD, OrganisationFactory, UserFactory
from tests.placements.builders import child, home, make_world_map

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def offered(db, settings):
    settings.TRAVEL_ENGINE = "estimate"
    world_map = make_world_map()
    today = timezone.localdate()
    officer = UserFactory(
        organisation=world_map.la,
        role=Role.PLACEMENT_OFFICER,
        email="priya@la.example",
        full_name="Priya Officer",
    )
    provider = OrganisationFactory(
        region=world_map.la.region, kind=Organisation.Kind.PROVIDER, name="Ash Care Ltd"
    )
    keyworker = UserFactory(organisation=provider, role=Role.PROVIDER_USER)
    ash = home(world_map, name="Ash House", provider_organisation=provider)
    framework = FrameworkFactory(
        region=world_map.la.region,
        name="East Midlands residential framework",
        starts_on=today - timedelta(days=100),
        ends_on=today + timedelta(days=800),
    )
    lot = LotFactory(framework=framework, number=2, name="Complex needs homes")
    membership = MembershipFactory(lot=lot, setting=ash, joined_on=framework.starts_on)
    RateFactory(membership=membership, need_level=NeedLevel.COMPLEX, weekly_rate=Decimal("5200"))
    request = child(world_map, reference="CIC/2026/0888", need_level=NeedLevel.COMPLEX)
    (referral,) = referral_send(
        actor=officer,
        request=request,
        shortlist=[Shortlisted(ash)],
        deadline=timezone.now() + timedelta(hours=24),
    )
    referral_answer(
        actor=keyworker,
        referral=referral,
        answer=Answer.INTERESTED,
        weekly_price=Decimal("5500"),
        start_date=today + timedelta(days=3),
        price_includes=["core"],
    )
    return officer, request, lot


def test_officer_records_a_placement_above_the_framework_rate_with_a_reason(
    live_server, page, axe, offered
):
    officer, request, lot = offered
    base = live_server.url
    start = timezone.localdate() + timedelta(days=3)

    sign_in(page, base, officer.email, PASSWORD)
    page.get_by_role("heading", name="Welcome, Priya").wait_for()
    page.goto(f"{base}/placements/{request.pk}/outcome/")
    page.get_by_role("heading", name="Record the placement").wait_for()
    page.get_by_label(re.compile(r"Ash House \(URN SC\d+\), £5,500 a week")).check()
    page.get_by_label("Start date").fill(start.strftime("%d/%m/%Y"))
    page.get_by_label("Weekly cost (£)").fill("5500")
    page.get_by_role("group", name="What the cost includes").get_by_label("Core care").check()
    page.get_by_label("Social care (£ a week)").fill("5500")
    bought = page.get_by_role(
        "group", name="Was it bought through one of your region's frameworks?"
    )
    bought.get_by_label(
        "East Midlands residential framework, lot 2 — £5,200 a week for Complex"
    ).check()
    page.get_by_role("group", name="Distance measured from").get_by_role("radio").first.check()
    axe.check("90-record-placement-framework")
    page.get_by_role("button", name="Record the placement").click()

    page.get_by_role("heading", name="There is a problem").wait_for()
    page.get_by_role(
        "link", name="Enter why the agreed price is above the framework rate of £5,200"
    ).wait_for()
    axe.check("91-record-placement-above-rate")
    assert not PlacementOutcome.objects.exists()

    page.get_by_label("Why is the agreed price above the framework rate?").fill(
        "Solo placement needed for the first month"
    )
    page.get_by_role("button", name="Record the placement").click()
    page.get_by_text(
        "Placement recorded: the other providers have been told the place is filled"
    ).wait_for()
    page.get_by_text("East Midlands residential framework, lot 2").wait_for()
    page.get_by_text("£5,200 a week (Complex)").wait_for()
    page.get_by_text("Above the rate by £300").wait_for()
    page.get_by_text("Solo placement needed for the first month").wait_for()
    axe.check("92-request-placed-above-rate")

    outcome = PlacementOutcome.objects.get(request=request)
    assert outcome.lot == lot and outcome.tendered_rate == Decimal("5200.00")
    assert outcome.commercial_route == "framework"
    assert outcome.above_rate_reason == "Solo placement needed for the first month"
