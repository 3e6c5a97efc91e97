"""A hub admin uploads Ofsted's 2018 list, reads how its reorganised authorities were told,
assigns a Cumbrian home the list cannot place, and an officer reads a judgement on an older
scale and its history; every page passes axe."""

from __future__ import annotations

import pytest

from accounts.models import Organisation, Role
from geo.services import boundaries_load
from geo.successions import Basis, successions_load
from providers.models import Setting
from providers.services import ofsted_import, source_read
from tests.factories import PASSWORD, OrganisationFactory, UserFactory
from tests.providers.ofsted_files import DATA, UTLA, region_with_cumbrias_successors

LIST_2016 = DATA / "ofsted" / "provider_at_march_2016.csv"
LIST_2018 = DATA / "ofsted" / "provider_at_march_2018.csv"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not LIST_2018.exists(), reason="Ofsted lists not present"),
]


def _sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_reorganised_authorities_older_scales_and_the_hubs_answer(
    live_server, page, axe, browser, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    boundaries_load(source=str(UTLA), commit=True)
    # A transactional test's database is emptied between tests, the rows migrate loaded too.
    successions_load()
    region = region_with_cumbrias_successors()
    admin = UserFactory(
        organisation=OrganisationFactory(region=region, hub=True),
        role=Role.HUB_ADMIN,
        email="hub@example.org",
    )
    operator = UserFactory(
        organisation=OrganisationFactory(operator=True),
        role=Role.NATIONAL_OPERATOR,
        email="operator@example.org",
    )
    officer = UserFactory(
        organisation=Organisation.objects.get(gss_code="E06000063"),
        role=Role.PLACEMENT_OFFICER,
        email="officer@example.org",
    )
    ofsted_import(source=source_read(LIST_2016), commit=True, origin="command")

    # The national operator imports Ofsted's list; the hub whose region holds a successor
    # assigns what the list could not say.
    _sign_in(page, live_server, operator)
    page.get_by_role("link", name="Ofsted imports").click()
    page.get_by_role("button", name="Import a provider list").click()
    page.get_by_label("Ofsted provider list").set_input_files(str(LIST_2018))
    page.get_by_role("button", name="Upload and preview").click()
    page.get_by_role("heading", name="Check the import before confirming").wait_for()
    told = page.locator("table", has_text="How the authority was told").inner_text()
    assert "Successor holding its constituency\t74" in told
    assert "To be assigned by the hub\t13" in told
    page.get_by_text("196 notes on the file (not problems)").click()
    notes = page.locator(".govuk-details__text").inner_text()
    # Row 5 is Rainsbrook secure training centre, in Daventry's constituency.
    assert (
        "Row 5, Local authority: Northamptonshire ended on 1 April 2021: in West "
        "Northamptonshire by its constituency" in notes
    )
    assert "… and 96 more." in notes
    axe.check("80-import-2018-authorities")
    page.get_by_role("button", name="Confirm and import").click()
    page.get_by_text("The list has been imported.").wait_for()
    imported_url = page.url

    Accessibility = type(axe)
    page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    axe = Accessibility(page)
    _sign_in(page, live_server, admin)
    page.goto(imported_url)  # hub admins read what the operator imported
    page.get_by_role("link", name="To be assigned by the hub").click()
    page.get_by_role("heading", name="Settings to assign to a local authority").wait_for()
    # Submitting without a choice says so, linked to the choice.
    page.get_by_role("button", name="Assign Children's home 1247885").click()
    summary = page.locator(".govuk-error-summary")
    assert "Choose which authority Children's home 1247885 is in" in summary.inner_text()
    axe.check("81-assign-error")
    page.locator("#area-1247885-2").check()  # Westmorland and Furness
    page.get_by_role("button", name="Assign Children's home 1247885").click()
    page.get_by_text("Children's home 1247885 is now in Westmorland and Furness.").wait_for()
    axe.check("82-assigned")
    setting = Setting.objects.get(urn="1247885")
    assert setting.local_authority.name == "Westmorland and Furness"
    assert setting.local_authority_basis == Basis.ASSIGNED

    officer_page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    _sign_in(officer_page, live_server, officer)
    # SC003884 was "Good" on the scale before the SCCIF in 2016 and declined in 2017.
    officer_page.goto(f"{live_server.url}/providers/SC003884/")
    history = officer_page.locator("#history ~ table").first.inner_text()
    assert (
        "5 October 2017\tJudged Good (older scale) → Requires improvement to be good "
        "(overall experiences and progress)" in history
    )
    # A setting still on an older scale says so.
    older = (
        Setting.objects.filter(judgement_scale="adequate").exclude(overall_effectiveness="").first()
    )
    officer_page.goto(f"{live_server.url}/providers/{older.urn}/")
    main = officer_page.locator("main").inner_text()
    assert "Judged on an older Ofsted scale (with 'Adequate', before 2015)" in main
    assert "(older scale)" in main
    Accessibility(officer_page).check("83-older-scale")
    officer_page.context.close()
