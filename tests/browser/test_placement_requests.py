"""A placement officer describes a child, two places that matter, and saves the request.
Runs in a real browser against the live app; both pages pass axe.
"""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point

from accounts.models import Role
from geo.models import Postcode
from placements.models import PlacementRequest
from tests.browser.test_journey import sign_in
from tests.factories import PASSWORD, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def officer(db):
    for postcode, x, y in (("LE15 6AB", -0.730054, 52.670371), ("LE1 5WW", -1.13983, 52.6203)):
        Postcode.objects.create(
            postcode=postcode,
            point=Point(x, y, srid=4326),
            ltla_code="E06000017",
            utla_code="E06000017",
        )
    organisation = OrganisationFactory(local_authority=True)
    return UserFactory(
        organisation=organisation,
        role=Role.PLACEMENT_OFFICER,
        email="sam@example.org",
        full_name="Sam Officer",
    )


def describe_child(page, *, reference: str) -> None:
    """Fill in the child's profile on the new request page: a 14-year-old girl, planned, in the
    next 5 days, a children's home, living with other children, going missing."""
    page.get_by_label("Case reference").fill(reference)
    page.get_by_label("Age in years").fill("14")
    page.get_by_role("group", name="Sex").get_by_label("Female").check()
    page.get_by_label("In the next 5 days").check()
    page.get_by_label("Planned").check()
    page.get_by_label("Children's home").check()
    page.get_by_label("With other children").check()
    for question in ("pet", "deprivation of liberty", "adapted"):
        page.get_by_role("group", name=question).get_by_label("No").check()
    page.get_by_label("Going missing").check()


def test_officer_makes_a_request_with_two_places(live_server, page, axe, officer):
    base = live_server.url
    sign_in(page, base, officer.email, PASSWORD)
    page.get_by_role("heading", name="Welcome, Sam").wait_for()

    page.get_by_role("link", name="Placement requests").click()
    page.get_by_role("button", name="Start a new request").click()
    page.get_by_role("heading", name="New placement request").wait_for()
    axe.check("placement-request-01-new")

    describe_child(page, reference="Jane Smith")
    page.locator("#id_places-0-label").fill("School")
    page.locator("#id_places-0-postcode").fill("le15 6ab")
    page.locator("#id_places-0-max_minutes").fill("45")
    page.locator("#id_places-1-label").fill("Grandmother")
    page.locator("#id_places-1-postcode").fill("LE1 5WW")
    page.get_by_role("button", name="Save request").click()

    # A name in the reference is refused; everything typed is kept.
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "not the child's name" in summary.inner_text()
    assert page.title().startswith("Error:")
    assert page.locator("#id_places-1-label").input_value() == "Grandmother"
    assert not PlacementRequest.objects.exists()
    axe.check("placement-request-02-error")
    summary.get_by_role("link").first.click()
    page.get_by_label("Case reference").fill("CIC/2026/0142")
    page.get_by_role("button", name="Save request").click()

    page.get_by_text("Placement request CIC/2026/0142 created.").wait_for()
    page.get_by_role("heading", name="CIC/2026/0142").wait_for()
    main = page.locator("main").inner_text()
    assert "LE15 6AB. By car, at most 45 minutes" in main
    assert "LE1 5WW. By car, no journey limit" in main
    assert page.get_by_role("button", name="Find placements").is_visible()
    axe.check("placement-request-03-detail")

    placement_request = PlacementRequest.objects.get()
    assert placement_request.places.count() == 2
    assert placement_request.created_by == officer

    page.get_by_role("link", name="Back").click()
    page.get_by_role("link", name="CIC/2026/0142").wait_for()
    axe.check("placement-request-04-list")
