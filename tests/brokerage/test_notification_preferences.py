"""A provider user's choice of which settings they hear about, and the daily digest."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Role
from brokerage import tasks
from brokerage.models import Notification, NotificationPreference
from brokerage.notifications import (
    notification_digests_send,
    notification_preference_save,
    referral_recipients,
)
from tests.brokerage.test_outbox import Scene, make_scene
from tests.factories import OrganisationFactory
from tests.placements.builders import home, make_world_map
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db

URL = "/account/notifications/"


@pytest.fixture
def scene() -> Scene:
    return make_scene(settings_count=2)


@pytest.fixture
def send(scene, django_capture_on_commit_callbacks):
    """Send the scene's referrals and run what waits for the commit (queuing the emails)."""

    def send_all():
        with django_capture_on_commit_callbacks(execute=True):
            return scene.send()

    return send_all


def _emails_to(address: str) -> list[str]:
    return [m.subject for m in mail.outbox if m.to == [address]]


# --- The service --------------------------------------------------------------------------------


def test_by_default_everyone_in_the_provider_hears_about_every_setting(scene):
    for setting in scene.settings:
        assert set(referral_recipients(setting)) == set(scene.provider_people)


def test_a_user_who_chooses_settings_hears_only_about_those(scene, send):
    first, second = scene.settings
    preference = notification_preference_save(
        actor=scene.provider_user, all_settings=False, settings=[first], daily_digest=False
    )
    assert list(preference.settings.all()) == [first]
    assert set(referral_recipients(first)) == {scene.provider_admin, scene.provider_user}
    assert referral_recipients(second) == [scene.provider_admin]

    send()
    assert len(_emails_to(scene.provider_user.email)) == 1
    assert _emails_to(scene.provider_user.email)[0].startswith(
        f"New referral for {first.display_name}:"
    )
    assert len(_emails_to(scene.provider_admin.email)) == 2


def test_choosing_all_again_forgets_the_chosen_settings(scene):
    first, second = scene.settings
    notification_preference_save(
        actor=scene.provider_user, all_settings=False, settings=[first], daily_digest=False
    )
    preference = notification_preference_save(
        actor=scene.provider_user, all_settings=True, settings=[], daily_digest=False
    )
    assert preference.all_settings and list(preference.settings.all()) == []
    assert NotificationPreference.objects.count() == 1
    assert scene.provider_user in referral_recipients(second)


def test_only_chosen_with_none_chosen_is_refused(scene):
    with pytest.raises(ValidationError) as refused:
        notification_preference_save(
            actor=scene.provider_user, all_settings=False, settings=[], daily_digest=True
        )
    assert refused.value.message_dict == {
        "settings": ["Choose at least one setting, or choose all"]
    }
    assert not NotificationPreference.objects.exists()


def test_another_organisations_setting_is_refused(scene):
    elsewhere = SettingFactory(provider_organisation=OrganisationFactory(name="Elm Care"))
    with pytest.raises(ValidationError) as refused:
        notification_preference_save(
            actor=scene.provider_user,
            all_settings=False,
            settings=[scene.settings[0], elsewhere],
            daily_digest=False,
        )
    assert list(refused.value.message_dict) == ["settings"]
    assert elsewhere.display_name in refused.value.message_dict["settings"][0]
    assert not NotificationPreference.objects.exists()
    assert referral_recipients(elsewhere) == []


@pytest.mark.parametrize("role", [Role.PLACEMENT_OFFICER, Role.LA_MANAGER, Role.HUB_ADMIN])
def test_only_provider_people_have_referral_choices(world, role):
    """An LA's people choose only their Ofsted alerts (test_ofsted_alerts.py); a hub admin
    nothing here (they have their own digest)."""
    org = {Role.HUB_ADMIN: "hub_a"}.get(role, "la_a1")
    with pytest.raises(PermissionDenied):
        notification_preference_save(
            actor=world.user(org, role), all_settings=True, settings=[], daily_digest=True
        )


# --- The page -----------------------------------------------------------------------------------


def test_the_account_page_links_provider_people_to_their_choices(client, scene):
    client.force_login(scene.provider_user)
    page = client.get(reverse("accounts:account")).content.decode()
    assert f'href="{URL}"' in page
    assert "All of Oak Care's settings" in page
    assert "One email for each referral" in page

    # A placement officer has only Ofsted alerts to choose.
    client.force_login(scene.officer)
    page = client.get(reverse("accounts:account")).content.decode()
    assert f'href="{URL}">Change which Ofsted alerts you get</a>' in page
    assert "Emails about referrals" not in page


def test_the_page_offers_the_organisations_own_settings(client, scene):
    world_map = make_world_map()
    theirs = home(world_map, provider_organisation=OrganisationFactory(name="Elm Care"))
    client.force_login(scene.provider_user)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "All of our settings" in page and "Only the settings I choose" in page
    assert "Send me one email a day instead of one for each referral" in page
    assert 'data-module="govuk-radios"' in page and "govuk-radios__conditional" in page
    for setting in scene.settings:
        assert f'value="{setting.pk}"' in page
    assert f'value="{theirs.pk}"' not in page
    assert 'value="all"' in page and "checked" in page.split('value="all"')[1].split(">")[0]


def test_saving_on_the_page(client, scene):
    first, _ = scene.settings
    client.force_login(scene.provider_user)
    response = client.post(
        URL, {"scope": "chosen", "settings": [first.pk], "daily_digest": "on"}, follow=True
    )
    assert response.redirect_chain == [(reverse("accounts:account"), 302)]
    page = response.content.decode()
    assert "Your email choices have been saved." in page
    assert "Only the settings you chose (1)" in page and "One email a day" in page
    preference = NotificationPreference.objects.get(user=scene.provider_user)
    assert not preference.all_settings and preference.daily_digest
    assert list(preference.settings.all()) == [first]

    # The page shows what was saved.
    again = client.get(URL).content.decode()
    assert "checked" in again.split(f'value="{first.pk}"')[1].split(">")[0]
    assert "checked" in again.split('name="daily_digest"')[1].split(">")[0]


def test_only_chosen_with_none_chosen_shows_the_error_on_the_page(client, scene):
    client.force_login(scene.provider_user)
    response = client.post(URL, {"scope": "chosen"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Choose at least one setting, or choose all" in page
    assert page.count("Choose at least one setting, or choose all") == 2  # summary and field
    assert not NotificationPreference.objects.exists()


def test_another_organisations_setting_is_refused_on_the_page(client, scene):
    elsewhere = SettingFactory(provider_organisation=OrganisationFactory(name="Elm Care"))
    client.force_login(scene.provider_user)
    response = client.post(URL, {"scope": "chosen", "settings": [elsewhere.pk]})
    assert response.status_code == 200
    assert "Choose only your organisation&#x27;s settings" in response.content.decode()
    assert not NotificationPreference.objects.exists()


@pytest.mark.parametrize(
    ("org", "role", "status"),
    [
        ("hub_a", Role.HUB_ADMIN, 403),
        ("la_a1", Role.LA_MANAGER, 200),
        ("la_a1", Role.PLACEMENT_OFFICER, 200),
        ("provider_a1", Role.PROVIDER_ADMIN, 200),
        ("provider_a1", Role.PROVIDER_USER, 200),
    ],
)
def test_who_may_open_the_page(client, world, org, role, status):
    client.force_login(world.user(org, role))
    assert client.get(URL).status_code == status
    response = client.post(URL, {"scope": "all"})
    assert response.status_code == (302 if status == 200 else 403)
    assert NotificationPreference.objects.exists() == (status == 200)


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


# --- The daily digest ---------------------------------------------------------------------------


def test_a_digest_user_gets_one_email_a_day_listing_the_new_referrals(scene, send):
    notification_preference_save(
        actor=scene.provider_user, all_settings=True, settings=[], daily_digest=True
    )
    referrals = send()

    # Nothing straight away for them (their admin, who chose nothing, gets both at once).
    assert _emails_to(scene.provider_user.email) == []
    assert len(_emails_to(scene.provider_admin.email)) == 2
    held = Notification.objects.filter(recipient=scene.provider_user)
    assert held.count() == 2 and all(n.for_digest and n.sent_at is None for n in held)
    assert tasks.notifications_send_unsent() == 0  # the sweep leaves held ones alone

    assert notification_digests_send() == 1
    [digest] = [m for m in mail.outbox if m.to == [scene.provider_user.email]]
    assert digest.subject == "Find a placement: your updates today (2)"
    for referral in referrals:
        assert f"New referral for {referral.setting.display_name}: answer by" in digest.body
        assert f"http://testserver/referrals/{referral.pk}/" in digest.body
    assert "LAC-0001" not in digest.body and "LE15" not in digest.body
    assert digest.extra_headers["Message-ID"].startswith("<digest-")
    assert not held.filter(sent_at__isnull=True).exists()

    # The next run has nothing to send.
    assert notification_digests_send() == 0
    assert len(_emails_to(scene.provider_user.email)) == 1


def test_the_digest_only_holds_new_referrals_reminders_go_at_once(
    scene, send, django_capture_on_commit_callbacks
):
    """What cannot wait (reminders, deadlines, answers, messages) is sent straight away."""
    from brokerage.referrals import referral_message_post

    notification_preference_save(
        actor=scene.provider_user, all_settings=True, settings=[], daily_digest=True
    )
    [referral, _] = send()
    with django_capture_on_commit_callbacks(execute=True):
        referral_message_post(actor=scene.officer, referral=referral, body="Is there a garden?")
    assert _emails_to(scene.provider_user.email) == [
        f"New message about the referral for {referral.setting.display_name} from "
        f"{scene.officer.organisation.name}"
    ]


def test_a_digest_user_who_chose_settings_gets_only_those(scene, send):
    first, second = scene.settings
    notification_preference_save(
        actor=scene.provider_user, all_settings=False, settings=[second], daily_digest=True
    )
    send()
    assert notification_digests_send() == 1
    [digest] = [m for m in mail.outbox if m.to == [scene.provider_user.email]]
    assert digest.subject.endswith("(1)")
    assert second.display_name in digest.body and first.display_name not in digest.body


def test_the_digest_task_sends_what_is_held(scene, send):
    notification_preference_save(
        actor=scene.provider_user, all_settings=True, settings=[], daily_digest=True
    )
    send()
    assert tasks.notification_digests_send() == 1
    assert tasks.notification_digests_send() == 0
