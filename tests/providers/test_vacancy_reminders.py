"""Vacancy reminders: the hourly sweep, the email, and the one-click links it carries."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time

import pytest
from django.core import mail, signing
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from providers import facts, tasks, vacancy_reminders
from providers.models import Setting, Vacancy
from providers.vacancy_reminders import VACANCY_LINK_SALT, VacancyLinkAction
from tests.factories import UserFactory
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/vacancy/[^/\s]+/)")


def noon_days_ago(days: int) -> dt.datetime:
    """Local noon `days` calendar days ago: clear of midnight, as reminders count whole days."""
    day = timezone.localdate() - dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def make_vacancy(
    setting: Setting,
    *,
    days_ago: int = 6,
    places: int = 2,
    restriction: str = "Girls 13 to 16 only",
    available_from: dt.date | None = None,
    **fields,
) -> Vacancy:
    """A statement made `days_ago`, saved as the service would (so its history matches)."""
    vacancy = Vacancy(
        setting=setting,
        places=places,
        restriction=restriction,
        available_from=available_from,
        confirmed_at=noon_days_ago(days_ago),
        **fields,
    )
    vacancy.save()
    return vacancy


@pytest.fixture
def home(world) -> Setting:
    """A children's home (no name on Ofsted's list) run by Provider A1."""
    return SettingFactory(childrens_home=True, places=4, provider_organisation=world.provider_a1)


@pytest.fixture
def vacancy(home) -> Vacancy:
    return make_vacancy(home, available_from=dt.date(2026, 9, 1))


def provider_a1_emails(world) -> list[str]:
    return sorted(
        world.user("provider_a1", role).email for role in (Role.PROVIDER_ADMIN, Role.PROVIDER_USER)
    )


def links(message) -> tuple[str, str]:
    confirm, withdraw = LINK.findall(message.body)
    return confirm, withdraw


@pytest.fixture
def emailed(vacancy) -> tuple[str, str]:
    """The confirm and withdraw links (paths) of the reminder sent about `vacancy`."""
    assert tasks.vacancy_reminders_send() == 1
    return links(mail.outbox[-1])


def reload(vacancy: Vacancy) -> Vacancy:
    return Vacancy.objects.get(pk=vacancy.pk)


# The sweep and the email -------------------------------------------------------------------------


def test_a_due_vacancy_is_emailed_once_to_the_providers_active_people(world, home, vacancy):
    UserFactory(organisation=world.provider_a1, role=Role.PROVIDER_USER, is_active=False)
    elsewhere = make_vacancy(SettingFactory(provider_organisation=world.provider_b1))
    history_before = vacancy.history.count()

    assert tasks.vacancy_reminders_send() == 2

    assert len(mail.outbox) == 2
    message, other = sorted(mail.outbox, key=lambda m: home.urn not in m.subject)
    assert sorted(message.to) == provider_a1_emails(world)
    assert sorted(other.to) == sorted(
        world.user("provider_b1", role).email for role in (Role.PROVIDER_ADMIN, Role.PROVIDER_USER)
    )
    assert elsewhere.setting.display_name in other.subject
    assert message.subject == f"Is the vacancy at Children's home {home.urn} still accurate?"
    body = message.body
    assert f"Setting: Children's home {home.urn}" in body
    assert f"URN: {home.urn}" in body
    assert "Places free: 2" in body
    assert "Available from: 1 September 2026" in body
    assert "Restrictions: Girls 13 to 16 only" in body
    confirmed = timezone.localtime(vacancy.confirmed_at)
    assert f"Last confirmed: {confirmed.day} {confirmed:%B %Y} at 12pm" in body
    stale_on = timezone.localdate() + dt.timedelta(days=1)
    assert f"From {stale_on.day} {stale_on:%B %Y}, placement officers will see" in body
    assert f"/providers/{home.urn}/manage/vacancy/" in body
    confirm, withdraw = links(message)
    assert confirm != withdraw

    reminded = reload(vacancy)
    assert reminded.reminder_sent_at is not None
    # Sending is not a change to what the provider said: no history record for it.
    assert reminded.history.count() == history_before

    # The next sweep (or the same one again) sends nothing.
    assert tasks.vacancy_reminders_send() == 0
    assert tasks.vacancy_reminder_send(vacancy.pk) is False
    assert len(mail.outbox) == 2


def test_vacancies_not_due_get_no_email(world, home):
    make_vacancy(home, days_ago=5)  # goes stale in two days: not yet
    make_vacancy(
        SettingFactory(provider_organisation=world.provider_a1),
        reminder_sent_at=timezone.now(),  # already reminded
    )
    make_vacancy(SettingFactory(provider_organisation=world.provider_a1), places=0)
    make_vacancy(SettingFactory(closed=True, provider_organisation=world.provider_a1))

    assert vacancy_reminders.vacancy_ids_due_reminder() == []
    assert tasks.vacancy_reminders_send() == 0
    assert mail.outbox == []


def test_stale_and_expired_vacancies_not_yet_reminded_are_emailed(world, home):
    stale = make_vacancy(home, days_ago=9)
    expired = make_vacancy(SettingFactory(provider_organisation=world.provider_a1), days_ago=20)

    assert vacancy_reminders.vacancy_ids_due_reminder() == [expired.pk, stale.pk]
    tasks.vacancy_reminders_send()

    bodies = {m.subject: m.body for m in mail.outbox}
    assert (
        "Placement officers now see this vacancy as out of date"
        in bodies[f"Is the vacancy at Children's home {home.urn} still accurate?"]
    )
    assert any("no longer appears in placement officers' searches" in b for b in bodies.values())


def test_a_provider_with_nobody_to_tell_is_skipped_until_someone_joins(world):
    setting = SettingFactory(provider_organisation=world.provider_a2)
    vacancy = make_vacancy(setting)
    for role in (Role.PROVIDER_ADMIN, Role.PROVIDER_USER):
        user = world.user("provider_a2", role)
        user.is_active = False
        user.save()

    # Not picked up (so not re-queued every hour), not marked (so not lost).
    assert tasks.vacancy_reminders_send() == 0
    assert tasks.vacancy_reminder_send(vacancy.pk) is False
    assert reload(vacancy).reminder_sent_at is None
    assert mail.outbox == []

    UserFactory(organisation=world.provider_a2, role=Role.PROVIDER_USER, email="new@example.org")
    assert tasks.vacancy_reminders_send() == 1
    assert [m.to for m in mail.outbox] == [["new@example.org"]]


@pytest.mark.django_db(transaction=True)
def test_a_reminder_being_sent_by_another_worker_is_not_sent_again(world, home):
    vacancy = make_vacancy(home)
    locked, release = threading.Event(), threading.Event()

    def another_worker_sending() -> None:
        with transaction.atomic():
            Vacancy.objects.select_for_update().get(pk=vacancy.pk)
            locked.set()
            release.wait(10)
        connection.close()

    worker = threading.Thread(target=another_worker_sending)
    worker.start()
    try:
        assert locked.wait(10)
        assert tasks.vacancy_reminder_send(vacancy.pk) is False
    finally:
        release.set()
        worker.join()
    assert mail.outbox == []


def test_no_reminder_if_the_vacancy_was_confirmed_after_it_was_queued(world, home, vacancy):
    facts.vacancy_confirm(
        actor=world.user("provider_a1", Role.PROVIDER_USER), setting=home, places=2
    )
    assert tasks.vacancy_reminder_send(vacancy.pk) is False
    assert mail.outbox == []


def test_confirming_clears_the_reminder_so_the_next_statement_is_reminded_too(world, home):
    vacancy = make_vacancy(home, reminder_sent_at=timezone.now())
    facts.vacancy_confirm(
        actor=world.user("provider_a1", Role.PROVIDER_USER), setting=home, places=1
    )
    assert reload(vacancy).reminder_sent_at is None
    # Not due until a day before the new statement goes stale.
    assert vacancy_reminders.vacancy_ids_due_reminder() == []
    later = timezone.now() + dt.timedelta(days=6, hours=1)
    assert vacancy_reminders.vacancy_ids_due_reminder(now=later) == [vacancy.pk]


def test_the_lead_time_is_a_setting(settings, home):
    make_vacancy(home, days_ago=4)
    assert vacancy_reminders.vacancy_ids_due_reminder() == []
    settings.VACANCY_REMINDER_LEAD_DAYS = 3
    assert len(vacancy_reminders.vacancy_ids_due_reminder()) == 1


# The links ---------------------------------------------------------------------------------------


def test_opening_a_link_changes_nothing(client, vacancy, emailed):
    confirm, withdraw = emailed
    before = reload(vacancy)
    history_before = vacancy.history.count()

    response = client.get(confirm)
    assert response.status_code == 200
    assert "Is this still accurate?" in response.text
    assert "Yes, it is still accurate" in response.text
    assert response["Cache-Control"].startswith("max-age=0")
    response = client.get(withdraw)
    assert response.status_code == 200
    assert "Are these places no longer available?" in response.text

    after = reload(vacancy)
    assert after.confirmed_at == before.confirmed_at
    assert after.reminder_sent_at == before.reminder_sent_at
    assert vacancy.history.count() == history_before


def test_still_accurate_confirms_the_same_statement_today(client, home, vacancy, emailed):
    confirm, _ = emailed
    history_before = vacancy.history.count()

    response = client.post(confirm)
    assert response.status_code == 302
    assert response["Location"] == confirm

    confirmed = reload(vacancy)
    assert timezone.now() - confirmed.confirmed_at < dt.timedelta(minutes=1)
    # Said again today, a start date that has passed means the place is free now.
    stated = dt.date(2026, 9, 1)
    assert (confirmed.places, confirmed.available_from, confirmed.restriction) == (
        2,
        stated if stated > timezone.localdate() else None,
        "Girls 13 to 16 only",
    )
    assert confirmed.reminder_sent_at is None
    assert confirmed.confirmed_by is None
    assert confirmed.history.count() == history_before + 1
    latest = confirmed.history.first()
    assert latest.history_change_reason == "Email reminder link: still accurate"
    assert facts.vacancy_view(confirmed).state == facts.VacancyState.FRESH

    page = client.get(confirm)
    assert page.status_code == 200
    assert "Vacancy confirmed" in page.text
    assert f"the vacancy at Children&#x27;s home {home.urn} is confirmed as of today" in page.text


def test_pressing_the_same_button_again_changes_nothing_more(client, vacancy, emailed):
    confirm, _ = emailed
    client.post(confirm)
    once = reload(vacancy)
    history_once = vacancy.history.count()

    response = client.post(confirm, follow=True)
    assert response.status_code == 200
    assert "Vacancy confirmed" in response.text
    # A colleague with the same email, in another browser.
    assert Client().post(confirm).status_code == 302

    again = reload(vacancy)
    assert again.confirmed_at == once.confirmed_at
    assert vacancy.history.count() == history_once


def test_no_longer_available_sets_no_places(client, vacancy, emailed):
    _, withdraw = emailed

    response = client.post(withdraw, follow=True)
    assert "Marked as no longer available" in response.text

    withdrawn = reload(vacancy)
    assert (withdrawn.places, withdrawn.available_from, withdrawn.restriction) == (0, None, "")
    assert withdrawn.history.first().history_change_reason == (
        "Email reminder link: no longer available"
    )
    history_once = vacancy.history.count()
    assert client.post(withdraw).status_code == 302
    assert reload(vacancy).confirmed_at == withdrawn.confirmed_at
    assert vacancy.history.count() == history_once
    # A statement of no places is not reminded about.
    assert vacancy_reminders.vacancy_ids_due_reminder(now=timezone.now() + dt.timedelta(30)) == []


def test_the_other_button_after_an_answer_is_refused(client, vacancy, emailed):
    confirm, withdraw = emailed
    client.post(confirm)
    confirmed = reload(vacancy)

    for response in (client.get(withdraw), client.post(withdraw)):
        assert response.status_code == 410
        assert "Someone has already answered this reminder" in response.text
        assert "still accurate" in response.text
    assert reload(vacancy).places == 2
    assert reload(vacancy).confirmed_at == confirmed.confirmed_at


def test_a_confirm_link_cannot_be_turned_into_a_withdraw_link(client, vacancy, emailed):
    confirm, _ = emailed
    token = confirm.split("/")[2]
    payload, timestamp, signature = token.split(":")
    data = signing.b64_decode(payload.encode()).replace(b'"confirm"', b'"withdraw"')
    assert b"withdraw" in data
    tampered = f"/vacancy/{signing.b64_encode(data).decode()}:{timestamp}:{signature}/"
    before = reload(vacancy)

    for response in (client.get(tampered), client.post(tampered)):
        assert response.status_code == 400
        assert "This link cannot be used" in response.text
        assert "This link is not valid" in response.text
    assert reload(vacancy).places == before.places
    assert reload(vacancy).confirmed_at == before.confirmed_at


@pytest.mark.parametrize(
    "make_token",
    [
        lambda: "nonsense",
        lambda: "a:b:c",
        lambda: signing.dumps({"v": 1, "a": "confirm"}, salt="brokerage.invitation"),
        # The right salt but not a shape this service signs: still a page, never a 500.
        lambda: signing.dumps({"v": "x", "a": "confirm", "c": 1, "o": 1}, salt=VACANCY_LINK_SALT),
        lambda: signing.dumps({"v": 1, "a": "delete", "c": 1, "o": 1}, salt=VACANCY_LINK_SALT),
        lambda: signing.dumps([1, 2], salt=VACANCY_LINK_SALT),
    ],
)
def test_invalid_links_get_a_clear_page(client, make_token):
    path = f"/vacancy/{make_token()}/"
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 400
        assert "This link cannot be used" in response.text


def test_an_expired_link_gets_a_clear_page_and_changes_nothing(
    client, settings, vacancy, monkeypatch
):
    long_ago = time.time() - (settings.VACANCY_LINK_MAX_AGE_DAYS + 1) * 86400
    with monkeypatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: long_ago)
        token = vacancy_reminders.vacancy_link_token(
            vacancy=vacancy, action=VacancyLinkAction.CONFIRM
        )
    before = reload(vacancy)

    for response in (client.get(f"/vacancy/{token}/"), client.post(f"/vacancy/{token}/")):
        assert response.status_code == 410
        assert "This link has expired" in response.text
    assert reload(vacancy).confirmed_at == before.confirmed_at


def test_a_link_for_a_statement_since_changed_changes_nothing(
    client, world, home, vacancy, emailed
):
    confirm, withdraw = emailed
    facts.vacancy_confirm(
        actor=world.user("provider_a1", Role.PROVIDER_ADMIN), setting=home, places=3
    )
    changed = reload(vacancy)
    history = vacancy.history.count()

    for link in (confirm, withdraw):
        for response in (client.get(link), client.post(link)):
            assert response.status_code == 410
            assert "after this email was sent, so this link can no longer change it" in (
                response.text
            )
    after = reload(vacancy)
    assert (after.places, after.confirmed_at) == (3, changed.confirmed_at)
    assert vacancy.history.count() == history


def test_an_old_email_cannot_reconfirm_a_newer_statement_made_by_a_newer_email(
    client, vacancy, emailed
):
    old_confirm, _ = emailed
    client.post(old_confirm)  # answers the first email
    later = reload(vacancy)  # a week on, a second reminder about the confirmed statement
    later.confirmed_at = noon_days_ago(6) + dt.timedelta(minutes=1)
    later.save()
    new_confirm = (
        f"/vacancy/{vacancy_reminders.vacancy_link_token(vacancy=later, action='confirm')}/"
    )
    client.post(new_confirm)  # answers a second one
    answered = reload(vacancy)

    response = client.post(old_confirm)
    assert response.status_code == 410
    assert reload(vacancy).confirmed_at == answered.confirmed_at


def test_a_link_stops_working_when_the_setting_changes_hands(client, world, home, vacancy, emailed):
    confirm, _ = emailed
    Setting.objects.filter(pk=home.pk).update(provider_organisation=world.provider_a2)

    response = client.post(confirm)
    assert response.status_code == 410
    assert "no longer run by the organisation this email was sent to" in response.text
    assert reload(vacancy).confirmed_at == vacancy.confirmed_at


def test_still_accurate_is_refused_when_ofsted_now_registers_fewer_places(
    client, home, vacancy, emailed
):
    confirm, withdraw = emailed
    Setting.objects.filter(pk=home.pk).update(places=1)

    response = client.post(confirm)
    assert response.status_code == 409
    assert "Ofsted now registers 1 place at" in response.text
    assert reload(vacancy).confirmed_at == vacancy.confirmed_at
    # Saying there are no places is still possible.
    assert client.post(withdraw).status_code == 302
    assert reload(vacancy).places == 0


def test_the_button_needs_the_pages_csrf_token(vacancy, emailed):
    confirm, _ = emailed
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(confirm).status_code == 403
    assert reload(vacancy).confirmed_at == vacancy.confirmed_at

    page = browser.get(confirm)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    assert browser.post(confirm, {"csrfmiddlewaretoken": token}).status_code == 302
    assert reload(vacancy).confirmed_at != vacancy.confirmed_at


def test_the_email_and_its_link_keep_the_structured_restrictions(client, home):
    """The reminder says them in words; "still accurate" from the email keeps every one."""
    make_vacancy(
        home,
        restriction="An introductory visit first",
        sexes=["female"],
        min_age=13,
        max_age=16,
        solo_only=True,
    )
    assert tasks.vacancy_reminders_send() == 1
    message = mail.outbox[-1]
    assert (
        "Restrictions: For girls only; Ages 13 to 16; The only child placed; "
        "An introductory visit first" in message.body
    )
    confirm, _ = links(message)
    page = client.get(confirm).content.decode()
    assert "For girls only; Ages 13 to 16; The only child placed" in page

    client.post(confirm)

    confirmed = Vacancy.objects.get(setting=home)
    assert timezone.now() - confirmed.confirmed_at < dt.timedelta(minutes=1)
    assert (confirmed.sexes, confirmed.min_age, confirmed.max_age, confirmed.solo_only) == (
        ["female"],
        13,
        16,
        True,
    )
