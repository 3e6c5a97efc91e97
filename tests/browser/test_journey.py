"""A hub admin adds a member LA and invites a placement officer, who joins and signs in.

Runs in a real browser against the live app; every page on the way passes axe.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail

from accounts.models import Organisation, Role, User
from geo.models import Area
from tests.factories import PASSWORD, AreaFactory, OrganisationFactory, RegionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hub_admin(db):
    east = AreaFactory(gss_code="E12000004", name="East Midlands", kind=Area.Kind.REGION)
    region = RegionFactory(name="East Midlands Regional Care Co-operative", area=east)
    AreaFactory(gss_code="E06000017", name="Rutland", kind=Area.Kind.UPPER_TIER_LA, parent=east)
    AreaFactory(gss_code="E06000016", name="Leicester", kind=Area.Kind.UPPER_TIER_LA, parent=east)
    hub = OrganisationFactory(region=region, hub=True, name="East Midlands Hub")
    return UserFactory(
        organisation=hub, role=Role.HUB_ADMIN, email="hana@example.org", full_name="Hana Hubbard"
    )


def sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_hub_admin_adds_an_la_and_invites_an_officer_who_joins(live_server, page, axe, hub_admin):
    base = live_server.url
    page.goto(f"{base}/sign-in/")
    axe.check("01-sign-in")
    sign_in(page, base, hub_admin.email, "wrong-password-123")
    assert page.locator(".govuk-error-summary").is_visible()
    axe.check("02-sign-in-error")
    sign_in(page, base, hub_admin.email, PASSWORD)
    page.get_by_role("heading", name="Welcome, Hana").wait_for()
    axe.check("03-hub-admin-home")

    page.get_by_role("link", name="Organisations").first.click()
    axe.check("04-organisations")
    page.get_by_role("button", name="Add a local authority").click()
    page.get_by_role("button", name="Add local authority").click()  # nothing chosen
    assert "Choose a local authority" in page.locator(".govuk-error-summary").inner_text()
    axe.check("05-add-la-error")
    page.get_by_label("Local authority").select_option(label="Rutland (East Midlands)")
    page.get_by_role("button", name="Add local authority").click()
    page.get_by_text("Rutland is now a member of the region.").wait_for()
    axe.check("06-la-added")
    assert Organisation.objects.filter(gss_code="E06000017", member_until__isnull=True).exists()

    page.get_by_role("link", name="Users").first.click()
    axe.check("07-users")
    page.get_by_role("button", name="Invite a user").click()
    page.get_by_label("Full name").fill("Priya Officer")
    page.get_by_label("Email address").fill("priya@example.org")
    page.get_by_label("Organisation").select_option(label="Rutland")
    page.get_by_label("Role").select_option(label="Placement officer")
    axe.check("08-invite")
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text("Invitation sent to priya@example.org").wait_for()
    axe.check("09-invited")
    page.get_by_role("button", name="Sign out").click()

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[0].body).group(0)
    path = link.split("/invitations/", 1)[1]
    page.goto(f"{base}/invitations/{path}")
    page.get_by_role("heading", name="Create your account").wait_for()
    axe.check("10-accept-invitation")
    page.get_by_label("Create a password").fill("short")
    page.get_by_label("Confirm password").fill("short")
    page.get_by_role("button", name="Create account").click()
    assert "too short" in page.locator(".govuk-error-summary").inner_text()
    axe.check("11-accept-weak-password")
    page.get_by_label("Create a password").fill("a-good-long-password")
    page.get_by_label("Confirm password").fill("a-good-long-password")
    page.get_by_role("button", name="Create account").click()
    page.get_by_text("Your account is ready").wait_for()

    sign_in(page, base, "priya@example.org", "a-good-long-password")
    page.get_by_role("heading", name="Welcome, Priya").wait_for()
    assert "placement officer" in page.locator("main").inner_text()
    assert page.get_by_role("link", name="Users").count() == 0
    axe.check("12-officer-home")
    officer = User.objects.get(email="priya@example.org")
    assert (officer.role, officer.organisation.name) == (Role.PLACEMENT_OFFICER, "Rutland")

    # The link is used up.
    page.goto(f"{base}/invitations/{path}")
    page.get_by_role("heading", name="This invitation link cannot be used").wait_for()
    axe.check("13-used-invitation")
