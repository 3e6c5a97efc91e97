"""A hub admin uploads an Ofsted list, checks the preview, confirms; every page passes axe."""

from __future__ import annotations

import pytest

from accounts.models import Role
from geo.services import boundaries_load
from providers.models import OfstedImport, Setting
from tests.factories import PASSWORD, OrganisationFactory, UserFactory
from tests.providers.ofsted_files import UTLA, row, small_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_operator_previews_and_confirms_an_import(live_server, page, axe, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    boundaries_load(source=str(UTLA), commit=True)
    operator = OrganisationFactory(operator=True)
    admin = UserFactory(
        organisation=operator, role=Role.NATIONAL_OPERATOR, email="operator@example.org"
    )
    good = small_csv(
        tmp_path, [row("SC000001"), row("SC000002", **{"Local authority": "Atlantis"})]
    )
    bad = tmp_path / "people.csv"
    bad.write_text("name,email\nA,a@example.org\n")

    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Email address").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Ofsted imports").click()
    axe.check("30-imports")
    page.get_by_role("button", name="Import a provider list").click()
    page.get_by_label("Ofsted provider list").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and preview").click()
    assert (
        "doesn't look like an Ofsted provider list"
        in page.locator(".govuk-error-summary").inner_text()
    )
    axe.check("31-import-wrong-file")

    page.get_by_label("Ofsted provider list").set_input_files(str(good))
    page.get_by_role("button", name="Upload and preview").click()
    page.get_by_role("heading", name="Check the import before confirming").wait_for()
    assert "Unknown local authority 'Atlantis'" in page.locator(".govuk-error-summary").inner_text()
    axe.check("32-import-preview")
    assert not Setting.objects.exists()

    page.get_by_role("button", name="Confirm and import").click()
    page.get_by_text("The list has been imported.").wait_for()
    axe.check("33-import-done")
    assert Setting.objects.count() == 2
    # The wrong file is on record as a failed attempt; the good one as imported.
    assert sorted(OfstedImport.objects.values_list("status", flat=True)) == ["committed", "failed"]
