"""A provider user confirms a vacancy and says who the home can care for; axe on every page."""

from __future__ import annotations

import pytest

from accounts.models import Role
from providers.models import Eligibility, Need, Risk, Vacancy
from tests.factories import PASSWORD, OrganisationFactory, RegionFactory, UserFactory
from tests.providers.factories import SettingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_provider_keeps_vacancy_and_criteria_true(live_server, page, axe):
    provider = OrganisationFactory(region=RegionFactory(), name="Oak Care Ltd")
    user = UserFactory(
        organisation=provider, role=Role.PROVIDER_USER, email="keyworker@example.org"
    )
    home = SettingFactory(
        urn="SC300003", provision_type="childrens_home", places=3, provider_organisation=provider
    )

    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Your settings").click()
    axe.check("40-your-settings")
    page.get_by_role("link", name=home.display_name).click()
    axe.check("41-manage")

    page.get_by_role("button", name="Say whether you have a vacancy").click()
    page.get_by_label("Places free now or soon").fill("5")
    page.get_by_role("button", name="Confirm vacancy").click()
    assert "Ofsted registers 3 places here" in page.locator(".govuk-error-summary").inner_text()
    axe.check("42-vacancy-error")
    page.get_by_label("Places free now or soon").fill("1")
    page.get_by_label("Anything else about this place").fill("girls 13 to 16 only")
    page.get_by_role("button", name="Confirm vacancy").click()
    page.get_by_text("The vacancy has been confirmed as of today.").wait_for()
    page.get_by_role("button", name="Still accurate").click()
    page.get_by_text("Vacancy confirmed today by the provider").first.wait_for()
    assert Vacancy.objects.get(setting=home).history.count() == 2

    page.get_by_role("link", name="Say who you can care for").click()
    page.get_by_role("button", name="Save").click()  # nothing filled in
    assert "Say whether you can meet self-harm" in page.locator(".govuk-error-summary").inner_text()
    axe.check("43-criteria-errors")
    page.get_by_label("Youngest age").fill("12")
    page.get_by_label("Oldest age").fill("17")
    page.get_by_label("Girls").check()
    page.get_by_label("Planned").check()
    page.get_by_label("Notice you need, in days").fill("3")
    page.get_by_label("With other children").check()
    for item in [*Risk, *Need]:
        group = page.get_by_role("group", name=item.label, exact=True)
        group.get_by_label("Will consider").check()
    page.get_by_role("group", name="Fire-setting", exact=True).get_by_label("Cannot meet").check()
    axe.check("44-criteria-filled")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Who you can care for has been saved.").wait_for()
    axe.check("45-manage-after")
    eligibility = Eligibility.objects.get(setting=home)
    assert eligibility.risks["fire_setting"] == "cannot_meet"
    assert eligibility.history.first().history_user == user
