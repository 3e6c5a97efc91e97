"""The referral loop in a real browser: an officer sends referrals to three shortlisted settings;
one provider is interested (with a price), one is not able, one asks a question and gets a reply;
the officer records the placement and the third provider is told the place has been filled.
Every email is read from Django's outbox and its link followed. Axe checks every page.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Organisation, Role
from brokerage.models import PlacementOutcome, Referral
from tests.browser.conftest import Accessibility
from tests.browser.test_journey import sign_in
from tests.factories import PASSWORD, OrganisationFactory, UserFactory
from tests.placements.builders import child, home, make_world_map

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOMES = ("Ash House", "Beech Lodge", "Cedar Cottage")


@pytest.fixture
def loop(db, settings):
    settings.TRAVEL_ENGINE = "estimate"
    world_map = make_world_map()
    officer = UserFactory(
        organisation=world_map.la,
        role=Role.PLACEMENT_OFFICER,
        email="priya@la.example",
        full_name="Priya Officer",
    )
    keyworkers = {}
    for number, name in enumerate(HOMES):
        provider = OrganisationFactory(
            region=world_map.la.region,
            kind=Organisation.Kind.PROVIDER,
            name=f"{name.split()[0]} Care Ltd",
        )
        keyworkers[name] = UserFactory(
            organisation=provider,
            role=Role.PROVIDER_USER,
            email=f"keyworker{number}@provider.example",
        )
        home(world_map, name=name, provider_organisation=provider)
    request = child(world_map, reference="CIC/2026/0777", risks=["going_missing"])
    return officer, keyworkers, request


def link_in(email_body: str, base: str) -> str:
    """The service link in an email, pointed at the live test server."""
    (path,) = re.findall(r"https?://[^/\s]+(/referrals/\d+/)", email_body)
    return f"{base}{path}"


def last_email_to(address: str):
    return [m for m in mail.outbox if address in m.to][-1]


def test_officer_refers_providers_answer_and_the_placement_is_recorded(
    live_server, browser, page, axe, loop
):
    officer, keyworkers, request = loop
    base = live_server.url
    ash, beech, cedar = (keyworkers[name] for name in HOMES)

    # The officer shortlists the three homes from the search and sends the referrals.
    sign_in(page, base, officer.email, PASSWORD)
    page.get_by_role("heading", name="Welcome, Priya").wait_for()
    page.goto(f"{base}/placements/{request.pk}/search/")
    page.get_by_role("heading", name="3 settings can take this child").wait_for()
    for name in HOMES:
        page.get_by_label(f"Add {name} to the shortlist").check()
    page.get_by_role("button", name="Send referrals to the shortlist").click()
    page.get_by_role("heading", name="Send referrals").wait_for()
    axe.check("60-send-referrals")
    page.get_by_label("What is needed (optional, no names)").fill("A planned move near her school")
    page.get_by_role("button", name="Send referrals", exact=True).click()
    page.get_by_text("Referrals sent to 3 settings").wait_for()
    axe.check("61-referrals-overview-sent")
    assert Referral.objects.filter(request=request).count() == 3
    for user in keyworkers.values():
        email = last_email_to(user.email)
        assert email.subject.startswith("New referral for")
        assert "A 14-year-old girl" in email.body and request.reference not in email.body

    def as_provider(user):
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        provider_page = context.new_page()
        sign_in(provider_page, base, user.email, PASSWORD)
        provider_page.get_by_role("heading", name=re.compile("^Welcome")).wait_for()
        provider_page.goto(link_in(last_email_to(user.email).body, base))
        return context, provider_page

    # Ash House is interested, at £4,250 a week.
    context, provider = as_provider(ash)
    provider.get_by_role("heading", name=re.compile("Ash House")).first.wait_for()
    Accessibility(provider).check("62-provider-referral")
    provider.get_by_label("Interested", exact=True).check()
    provider.get_by_label("Weekly price").fill("4,250")
    start = timezone.localdate() + timedelta(days=7)
    provider.get_by_label("Day").fill(str(start.day))
    provider.get_by_label("Month").fill(str(start.month))
    provider.get_by_label("Year").fill(str(start.year))
    includes = provider.get_by_role("group", name="What the price includes")
    includes.get_by_label("Core care").check()
    includes.get_by_label("Education").check()
    provider.get_by_role("button", name="Send answer").click()
    provider.locator(".govuk-notification-banner--success").wait_for()
    Accessibility(provider).check("63-provider-answered")
    context.close()
    assert "interested" in last_email_to(officer.email).subject

    # Beech Lodge is not able: no vacancy.
    context, provider = as_provider(beech)
    provider.get_by_label("Not able", exact=True).check()
    provider.get_by_label("No vacancy").check()
    provider.get_by_role("button", name="Send answer").click()
    provider.locator(".govuk-notification-banner--success").wait_for()
    context.close()

    # Cedar Cottage asks a question; the officer replies from the link in her email.
    context, provider = as_provider(cedar)
    provider.get_by_label("Ask the local authority a question").fill(
        "Does she need a school place near us?"
    )
    provider.get_by_role("button", name="Send question").click()
    provider.get_by_text("Does she need a school place near us?").wait_for()
    question_email = last_email_to(officer.email)
    assert question_email.subject.startswith("New message about the referral")
    page.goto(link_in(question_email.body, base))
    page.get_by_text("Does she need a school place near us?").wait_for()
    axe.check("64-officer-thread")
    page.get_by_label("Reply to the provider").fill(
        "She will stay at her school: transport is needed"
    )
    page.get_by_role("button", name="Send reply").click()
    page.get_by_text("She will stay at her school: transport is needed").wait_for()
    assert last_email_to(cedar.email).subject.startswith("New message about the referral")
    provider.reload()
    provider.get_by_text("She will stay at her school: transport is needed").wait_for()

    # The officer compares the answers and records the placement at Ash House.
    page.goto(f"{base}/placements/{request.pk}/referrals/")
    comparison = page.locator(".app-comparison")
    assert "£4,250" in comparison.inner_text()
    assert "No vacancy" in page.locator("main").inner_text()
    axe.check("65-referrals-compared")
    page.get_by_role("button", name="Record the placement").click()
    page.get_by_role("heading", name=re.compile("Record the placement")).first.wait_for()
    page.get_by_label(re.compile(r"Ash House \(URN SC\d+\), £4,250 a week")).check()
    page.get_by_label("Start date").fill(start.strftime("%d/%m/%Y"))
    page.get_by_label("Weekly cost (£)").fill("4250")
    costs = page.get_by_role("group", name="What the cost includes")
    costs.get_by_label("Core care").check()
    costs.get_by_label("Education", exact=True).check()
    page.get_by_label("Social care (£ a week)").fill("3750")
    page.get_by_label("Education (£ a week)").fill("500")
    page.get_by_label("Spot purchase").check()
    page.get_by_role("group", name="Distance measured from").get_by_role("radio").first.check()
    axe.check("66-record-placement")
    page.get_by_role("button", name="Record the placement").click()
    page.get_by_text(
        "Placement recorded: the other providers have been told the place is filled"
    ).wait_for()
    axe.check("67-request-placed")

    outcome = PlacementOutcome.objects.get(request=request)
    assert outcome.setting.name == "Ash House" and outcome.weekly_cost == 4250
    assert (outcome.social_care_weekly, outcome.education_weekly, outcome.health_weekly) == (
        3750,
        500,
        0,
    )
    statuses = dict(Referral.objects.filter(request=request).values_list("setting__name", "status"))
    assert statuses == {"Ash House": "placed", "Beech Lodge": "not_able", "Cedar Cottage": "filled"}

    # The third provider is told, without detail, and no longer sees the child.
    filled = last_email_to(cedar.email)
    assert "the place has been filled" in filled.subject
    assert "Ash House" not in filled.body and "£" not in filled.body
    provider.reload()
    provider.get_by_text("The place has been filled").first.wait_for()
    assert "Going missing" not in provider.locator("main").inner_text()
    assert "Does she need a school place" not in provider.locator("main").inner_text()
    Accessibility(provider).check("68-provider-filled")
    context.close()


def test_the_hub_sees_the_regions_demand_in_aggregate(live_server, page, axe, loop):
    officer, _, _ = loop
    hub = UserFactory(
        organisation=OrganisationFactory(region=officer.organisation.region, hub=True),
        role=Role.HUB_ADMIN,
        email="hana@hub.example",
        full_name="Hana Hub",
    )
    sign_in(page, live_server.url, hub.email, PASSWORD)
    page.get_by_role("link", name="Demand").click()
    page.get_by_role("heading", name="Demand in the region").wait_for()
    assert "CIC/2026/0777" not in page.locator("main").inner_text()
    axe.check("69-region-demand")
