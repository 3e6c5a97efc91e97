"""Each role signs in and lands on its work: the home page's panels for an officer, an LA
manager, a provider admin and user, and a hub admin. Axe checks every page; a screenshot of each
home page goes to var/screenshots/home-<role>.png. The officer also opens the LA's referrals and
a request's overview with a provider's question waiting."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from accounts.models import Role, User
from providers.models import OfstedImport, SettingClaim, Vacancy
from tests.brokerage.test_work_queue import build, make_setting
from tests.browser.test_journey import sign_in
from tests.factories import PASSWORD
from tests.providers.factories import SettingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = [
    ("la_a1", Role.PLACEMENT_OFFICER, "Questions waiting for your reply (1)"),
    ("la_a1", Role.LA_MANAGER, "Placements to record (1)"),
    ("provider_a1", Role.PROVIDER_ADMIN, "Referrals to answer (2)"),
    ("provider_a1", Role.PROVIDER_USER, "Vacancies to confirm (1)"),
    ("hub_a", Role.HUB_ADMIN, "Claims waiting for a decision (1)"),
]


@pytest.fixture
def work(world):
    now = timezone.now()
    for (org, role), name in {
        ("la_a1", Role.PLACEMENT_OFFICER): "Priya Patel",
        ("la_a1", Role.LA_MANAGER): "Morgan Lee",
        ("provider_a1", Role.PROVIDER_ADMIN): "Ada Okafor",
        ("provider_a1", Role.PROVIDER_USER): "Pat Jones",
        ("hub_a", Role.HUB_ADMIN): "Hana Hubbard",
    }.items():
        User.objects.filter(pk=world.user(org, role).pk).update(full_name=name)
        world.users[(org, role)].full_name = name
    queues = build(world, now=now)
    stale = make_setting(world.provider_a1, "Damson House")
    Vacancy.objects.create(setting=stale, places=1, confirmed_at=now - dt.timedelta(days=9))
    SettingClaim.objects.create(
        setting=SettingFactory(name="Elder Foster Care"), organisation=world.provider_a1
    )
    OfstedImport.objects.create(
        source="ofsted-2026-02.csv",
        origin="upload",
        status="previewed",
        started_by=world.user("hub_a", Role.HUB_ADMIN),
        upload="ofsted-imports/ofsted-2026-02.csv",
    )
    OfstedImport.objects.create(
        source="https://example.org/ofsted.xlsx",
        origin="schedule",
        status="committed",
        summary={"rows": 5600, "created": 3, "updated": 10, "unchanged": 5587, "rejected": 0},
    )
    return queues


@pytest.mark.parametrize(("org", "role", "heading"), ROLES)
def test_each_role_lands_on_its_work(live_server, page, axe, work, org, role, heading):
    user = work.world.user(org, role)
    sign_in(page, live_server.url, user.email, PASSWORD)
    page.get_by_role("heading", name=f"Welcome, {user.get_short_name()}").wait_for()
    page.get_by_role("heading", name=heading).wait_for()
    assert "NOT-OURS" not in page.content()
    axe.check(f"home-{role.value.replace('_', '-')}")


def test_the_officer_follows_the_queue_to_the_question_and_the_referrals(
    live_server, page, axe, work
):
    user = work.world.user("la_a1", Role.PLACEMENT_OFFICER)
    sign_in(page, live_server.url, user.email, PASSWORD)
    page.get_by_role("link", name="Referrals", exact=True).click()
    page.get_by_role("heading", name="Referrals", exact=True).wait_for()
    axe.check("la-referrals")
    page.get_by_role("link", name="Waiting (2)").click()
    page.get_by_role("link", name="Waiting (2)").wait_for()
    assert page.locator("tbody tr").count() == 2
    page.goto(f"{live_server.url}/placements/{work.r1.pk}/referrals/")
    page.get_by_text("1 question waiting for your reply").wait_for()
    axe.check("overview-question-waiting")


def test_still_accurate_from_the_providers_home(live_server, page, axe, work):
    user = work.world.user("provider_a1", Role.PROVIDER_USER)
    sign_in(page, live_server.url, user.email, PASSWORD)
    page.get_by_role("heading", name="Vacancies to confirm (1)").wait_for()
    page.get_by_role("button", name=re.compile("^Still accurate.*Damson House")).click()
    page.get_by_text("The vacancy has been confirmed as of today.").wait_for()
    page.get_by_role("heading", name="Vacancies to confirm (0)").wait_for()
    axe.check("home-provider-confirmed")
