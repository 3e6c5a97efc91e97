"""A hub admin imports a framework's 3 lots and 12 members from an .xlsx: uploads, checks the
preview (first a file with a problem, then the corrected one), confirms; every page passes axe."""

from __future__ import annotations

import pytest

from accounts.models import Role
from commissioning.models import Lot, Membership, Rate
from tests.commissioning.factories import FrameworkFactory
from tests.commissioning.import_files import three_lots_twelve_members, xlsx
from tests.factories import PASSWORD, OrganisationFactory, RegionFactory, UserFactory
from tests.providers.factories import SettingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hub_admin_imports_three_lots_and_twelve_members(live_server, page, axe, tmp_path):
    hub = OrganisationFactory(region=RegionFactory(), hub=True)
    admin = UserFactory(organisation=hub, role=Role.HUB_ADMIN, email="hub@example.org")
    framework = FrameworkFactory(region=hub.region, name="East Midlands residential")
    urns = [SettingFactory(urn=f"SC{400001 + n}", childrens_home=True).urn for n in range(12)]
    rows = three_lots_twelve_members(urns)
    good = tmp_path / "members.xlsx"
    good.write_bytes(xlsx(rows))
    bad = tmp_path / "members-with-a-typo.xlsx"
    bad.write_bytes(xlsx([*rows[:-1], {**rows[-1], "Weekly rate (£)": "TBC"}]))

    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Email address").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/frameworks/{framework.pk}/")
    page.get_by_role("link", name="Import members and rates (.xlsx)").click()
    page.get_by_role("heading", name="Import members and rates").wait_for()
    axe.check("fw-10-import-upload")

    page.get_by_label("Members and rates (.xlsx)").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and preview").click()
    page.get_by_role("heading", name="Check the import before confirming").wait_for()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Row 37, Weekly rate (£): Weekly rate (£) must be a number of pounds" in summary
    assert page.get_by_role("button", name="Confirm and save").count() == 0
    axe.check("fw-11-import-preview-problem")

    page.get_by_role("button", name="Upload a corrected file").click()
    page.get_by_label("Members and rates (.xlsx)").set_input_files(str(good))
    page.get_by_role("button", name="Upload and preview").click()
    page.get_by_role("heading", name="Check the import before confirming").wait_for()
    assert page.locator("#import-summary").inner_text() == "12 members on 3 lots, 36 rates"
    assert page.locator(".govuk-error-summary").count() == 0
    axe.check("fw-12-import-preview")
    assert not Lot.objects.exists()

    page.get_by_role("button", name="Confirm and save").click()
    page.get_by_text("The members and rates have been saved.").wait_for()
    page.get_by_role("heading", name="Members and rates imported").wait_for()
    axe.check("fw-13-import-done")
    assert Lot.objects.filter(framework=framework).count() == 3
    assert Membership.objects.filter(lot__framework=framework).count() == 12
    assert Rate.objects.filter(membership__lot__framework=framework).count() == 36
    table = page.locator("table").inner_text()
    assert "SC400012" in table
    assert "New member (Active)" in table
