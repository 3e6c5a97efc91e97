"""A provider opens "Still accurate" from a reminder email, without signing in, and confirms.

Runs in a real browser against the live app; both pages pass axe.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Role
from providers import vacancy_reminders
from providers.models import Vacancy
from tests.factories import OrganisationFactory, RegionFactory, UserFactory
from tests.providers.factories import SettingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_still_accurate_from_a_reminder_email(live_server, page, axe):
    provider = OrganisationFactory(region=RegionFactory(), name="Oak Care Ltd")
    UserFactory(organisation=provider, role=Role.PROVIDER_USER, email="keyworker@example.org")
    home = SettingFactory(
        urn="SC300004", provision_type="childrens_home", places=3, provider_organisation=provider
    )
    six_days_ago = timezone.now() - dt.timedelta(days=6, hours=1)
    vacancy = Vacancy.objects.create(
        setting=home, places=1, restriction="Girls 13 to 16 only", confirmed_at=six_days_ago
    )
    assert vacancy_reminders.vacancy_reminder_send(vacancy_id=vacancy.pk)
    path = re.search(r"http://testserver(/vacancy/\S+/)", mail.outbox[0].body).group(1)

    page.goto(f"{live_server.url}{path}")
    page.get_by_role("heading", name="Is this still accurate?").wait_for()
    assert "Girls 13 to 16 only" in page.locator("main").inner_text()
    axe.check("60-vacancy-link-question")
    assert Vacancy.objects.get(pk=vacancy.pk).confirmed_at == six_days_ago

    page.get_by_role("button", name="Yes, it is still accurate").click()
    page.get_by_role("heading", name="Vacancy confirmed").wait_for()
    assert "is confirmed as of today" in page.locator(".govuk-panel").inner_text()
    axe.check("61-vacancy-link-confirmed")
    confirmed = Vacancy.objects.get(pk=vacancy.pk)
    assert timezone.localdate(confirmed.confirmed_at) == timezone.localdate()
    assert (confirmed.places, confirmed.restriction) == (1, "Girls 13 to 16 only")
