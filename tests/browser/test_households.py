"""A fostering agency's provider user describes a carer household: a wrong district first, then
right. Runs in a real browser against the live app; every page on the way passes axe.
"""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point

from accounts.models import Role
from geo.models import Postcode
from providers.models import CarerHousehold
from tests.browser.test_journey import sign_in
from tests.factories import PASSWORD, OrganisationFactory, UserFactory
from tests.providers.factories import SettingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def agency_user(db):
    Postcode.objects.create(
        postcode="LE15 6AB",
        point=Point(-0.73, 52.67, srid=4326),
        ltla_code="E06000017",
        utla_code="E06000017",
    )
    organisation = OrganisationFactory(name="Brightwater Group")
    SettingFactory(urn="SC600001", name="Brightwater Fostering", provider_organisation=organisation)
    return UserFactory(
        organisation=organisation,
        role=Role.PROVIDER_USER,
        email="pat@example.org",
        full_name="Pat Provider",
    )


def test_provider_user_adds_a_household_after_a_wrong_district(live_server, page, axe, agency_user):
    base = live_server.url
    sign_in(page, base, agency_user.email, PASSWORD)
    page.get_by_role("heading", name="Welcome, Pat").wait_for()

    page.goto(f"{base}/providers/SC600001/households/")
    page.get_by_role("heading", name="Foster carer households").wait_for()
    assert "You have not added any households yet." in page.locator("main").inner_text()
    axe.check("households-01-empty-list")

    page.get_by_role("button", name="Add a household").click()
    page.get_by_role("heading", name="Add a household").wait_for()
    page.get_by_label("Your reference for this household").fill("H-014")
    page.get_by_label("Postcode district").fill("zz9")
    page.get_by_label("Youngest age").fill("5")
    page.get_by_label("Oldest age").fill("12")
    page.get_by_label("Autism").check()
    page.get_by_label("Languages spoken (optional)").fill("Polish, British Sign Language")
    page.get_by_label("Places free now").fill("2")
    page.get_by_role("button", name="Add household").click()

    error_summary = page.locator(".govuk-error-summary")
    error_summary.wait_for()
    assert "ZZ9 is not an English postcode district" in error_summary.inner_text()
    assert page.title().startswith("Error:")
    assert not CarerHousehold.objects.exists()
    # What was typed is kept, so only the district needs fixing.
    assert page.get_by_label("Your reference for this household").input_value() == "H-014"
    assert page.get_by_label("Autism").is_checked()
    axe.check("households-02-add-error")

    page.get_by_label("Postcode district").fill("LE15")
    page.get_by_role("button", name="Add household").click()
    page.get_by_text("Household H-014 added.").wait_for()
    table = page.locator("table.govuk-table").inner_text()
    assert "H-014" in table and "LE15" in table and "5–12" in table
    assert "Autism" in table and "Polish, British Sign Language" in table
    axe.check("households-03-list-after")

    household = CarerHousehold.objects.get()
    assert (household.reference, household.postcode_district, household.places_now) == (
        "H-014",
        "LE15",
        2,
    )
    assert household.history.get().history_user == agency_user

    page.get_by_role("link", name="Change household H-014").click()
    page.get_by_role("heading", name="Change household H-014").wait_for()
    axe.check("households-04-change")
    page.get_by_role("button", name="Remove this household").click()
    page.get_by_role("heading", name="Remove household H-014?").wait_for()
    axe.check("households-05-remove-confirm")
    page.get_by_role("button", name="Yes, remove household H-014").click()
    page.get_by_text("Household H-014 removed.").wait_for()
    assert not CarerHousehold.objects.exists()
