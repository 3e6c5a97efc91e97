"""Ofsted alerts: an import that shows a setting suspended, closed, judged inadequate or its
registration changed tells the LAs with a child referred or placed there and the provider
running it, once each, through the outbox; nobody else.

Every list goes through the real import (small files with the real 2025 title and header, so
each says "at 31 March 2025"); the outbox's tasks run eagerly, as in the other notification
tests, once the import's transaction commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation, Role, User
from brokerage import tasks
from brokerage.models import Notification, NotificationPreference, PlacementOutcome, Referral
from brokerage.notifications import notification_preference_save
from brokerage.ofsted_alerts import alert_sentence, ofsted_alerts_queue
from providers.models import OfstedImport, Setting, SettingEvent
from providers.services import ofsted_import, source_read
from providers.signals import settings_changed_by_ofsted
from tests.factories import OrganisationFactory, RegionFactory, UserFactory
from tests.placements.factories import PlacementRequestFactory
from tests.providers.ofsted_files import LIST_2025, row, small_csv

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not LIST_2025.exists(), reason="Ofsted's 2025 list is not in shared/data"),
]

URL = "/account/notifications/"
SUSPENDED = {"Registration status": "Suspended"}
OVERALL = "Overall experiences and progress of children and young people"
LEADERS = "The effectiveness of leaders and managers"


def oak(**fields: str) -> dict[str, str]:
    """The setting everyone cares about: a children's home, so its address is private."""
    return row(
        "SC000001",
        Name="Oak House",
        **{"Address 1": "1 Acorn Lane", "Town": "Oakham", "Postcode": "LE15 6AB", **fields},
    )


def others() -> list[dict[str, str]]:
    """Oak Care's second home, and Elm Care's home."""
    return [row("SC000003", Name="Ash House"), row("SC000002", Name="Elm House")]


@dataclass
class People:
    officer_a: User
    manager_a: User
    inactive_a: User
    officer_b: User
    officer_c: User
    provider_admin: User
    provider_user: User
    elm_admin: User
    elm_user: User
    hub_admin: User

    @property
    def entitled(self) -> set[User]:
        return {
            self.officer_a,
            self.manager_a,
            self.officer_b,
            self.provider_admin,
            self.provider_user,
        }

    @property
    def everyone(self) -> set[User]:
        return set(vars(self).values())


@pytest.fixture
def imported(tmp_path):
    """Run one list through the real import, committed, and what waits for the commit (the
    outbox's sends) with it."""

    def run(rows: list[dict[str, str]], name: str, *, commit: bool = True, **kwargs):
        path = small_csv(tmp_path, rows, name)
        return ofsted_import(source=source_read(path), commit=commit, origin="command", **kwargs)

    return run


@pytest.fixture
def people(imported) -> People:
    """The first list (the baseline: no events) and who is linked to Oak House: LA A has a
    referral waiting for an answer, LA B a child placed there since ten days ago, LA C only a
    referral whose deadline passed. Oak Care runs Oak and Ash House, Elm Care Elm House."""
    imported([oak(), *others()], "first.csv")
    region = RegionFactory()
    hub = OrganisationFactory(region=region, hub=True)
    la_a, la_b, la_c = (OrganisationFactory(region=region, local_authority=True) for _ in range(3))
    oak_care = OrganisationFactory(region=region, name="Oak Care")
    elm_care = OrganisationFactory(region=region, name="Elm Care")
    Setting.objects.filter(urn__in=["SC000001", "SC000003"]).update(provider_organisation=oak_care)
    Setting.objects.filter(urn="SC000002").update(provider_organisation=elm_care)

    def user(organisation: Organisation, role: Role, email: str, **values) -> User:
        return UserFactory(organisation=organisation, role=role, email=email, **values)

    found = People(
        officer_a=user(la_a, Role.PLACEMENT_OFFICER, "officer@a.example.org"),
        manager_a=user(la_a, Role.LA_MANAGER, "manager@a.example.org"),
        inactive_a=user(la_a, Role.PLACEMENT_OFFICER, "gone@a.example.org", is_active=False),
        officer_b=user(la_b, Role.PLACEMENT_OFFICER, "officer@b.example.org"),
        officer_c=user(la_c, Role.PLACEMENT_OFFICER, "officer@c.example.org"),
        provider_admin=user(oak_care, Role.PROVIDER_ADMIN, "admin@oak.example.org"),
        provider_user=user(oak_care, Role.PROVIDER_USER, "user@oak.example.org"),
        elm_admin=user(elm_care, Role.PROVIDER_ADMIN, "admin@elm.example.org"),
        elm_user=user(elm_care, Role.PROVIDER_USER, "user@elm.example.org"),
        hub_admin=user(hub, Role.HUB_ADMIN, "hub@example.org"),
    )
    oak_house = Setting.objects.get(urn="SC000001")
    _referral(oak_house, found.officer_a, "A-LIVE-1", Referral.Status.SENT)
    _referral(oak_house, found.officer_c, "C-EXPIRED-1", Referral.Status.EXPIRED)
    _placement(oak_house, la_b, "B-PLACED-1", start=timezone.localdate() - dt.timedelta(days=10))
    # LA B's second child is to move there next month: not placed there yet.
    _placement(oak_house, la_b, "B-LATER-1", start=timezone.localdate() + dt.timedelta(days=30))
    return found


def _referral(setting: Setting, officer: User, reference: str, status: str) -> Referral:
    now = timezone.now()
    return Referral.objects.create(
        request=PlacementRequestFactory(organisation=officer.organisation, reference=reference),
        setting=setting,
        provider=setting.provider_organisation,
        sent_by=officer,
        sent_at=now - dt.timedelta(days=2),
        deadline=now + dt.timedelta(days=1) if status == Referral.Status.SENT else now,
        status=status,
        profile={"age": 14, "sex": "female"},
    )


def _placement(
    setting: Setting, la: Organisation, reference: str, *, start: dt.date
) -> PlacementOutcome:
    return PlacementOutcome.objects.create(
        request=PlacementRequestFactory(
            organisation=la,
            reference=reference,
            status="closed",
            close_reason="placed_here",
            closed_at=timezone.now(),
        ),
        setting=setting,
        urn=setting.urn,
        start_date=start,
        weekly_cost=Decimal("4500"),
        social_care_weekly=Decimal("4500"),
        services_included=["core"],
        commercial_route="spot",
    )


def _alerts() -> list[Notification]:
    return list(Notification.objects.filter(kind=Notification.Kind.SETTING_ALERT))


def _mail_to(user: User) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


# --- The key test: a suspension, through the real import ------------------------------------


def test_a_suspension_tells_each_entitled_person_once_and_nobody_else(
    people, imported, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record, summary = imported([oak(**SUSPENDED), *others()], "suspended.csv")
    assert summary.events == {"suspended": 1}

    alerts = _alerts()
    assert len(alerts) == 5
    assert {n.recipient for n in alerts} == people.entitled
    assert all(n.sent_at is not None for n in alerts)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in people.entitled)
    for user in people.everyone - people.entitled:
        assert _mail_to(user) == []

    sentence = "Ofsted's list of 31 March 2025 shows Oak House (SC000001) as suspended."
    setting_page = "http://testserver/providers/SC000001/"
    for message in mail.outbox:
        assert message.subject == "Ofsted alert: Oak House (SC000001) suspended"
        assert sentence in message.body
        assert setting_page in message.body
        # The home's address is private; no child is named (there is no name to give).
        assert "Acorn Lane" not in message.body and "LE15" not in message.body
        assert "Oakham" not in message.body

    [to_a] = _mail_to(people.officer_a)
    assert "A-LIVE-1: waiting for an answer" in to_a.body
    assert "B-PLACED-1" not in to_a.body and "C-EXPIRED-1" not in to_a.body
    referral = Referral.objects.get(request__reference="A-LIVE-1")
    assert f"http://testserver/referrals/{referral.pk}/" in to_a.body
    assert _mail_to(people.manager_a)[0].body == to_a.body.replace(
        people.officer_a.full_name, people.manager_a.full_name
    )
    [to_b] = _mail_to(people.officer_b)
    today = timezone.localdate() - dt.timedelta(days=10)
    assert f"B-PLACED-1: placed from {today:%-d %B %Y}" in to_b.body
    assert "A-LIVE-1" not in to_b.body and "B-LATER-1" not in to_b.body
    [to_provider] = _mail_to(people.provider_user)
    assert "You get this because Oak Care runs this setting" in to_provider.body
    assert "A-LIVE-1" not in to_provider.body and "B-PLACED-1" not in to_provider.body

    # The sweep and a second send find nothing to do; the same list again makes no event.
    assert tasks.notifications_send_unsent() == 0
    for alert in alerts:
        assert tasks.notification_send(alert.pk) is False
    with django_capture_on_commit_callbacks(execute=True):
        _, again = imported([oak(**SUSPENDED), *others()], "suspended-again.csv")
    assert again.events == {} and again.unchanged == 3
    assert len(_alerts()) == 5 and len(mail.outbox) == 5
    assert OfstedImport.objects.filter(status="committed").count() == 3


def test_a_preview_and_an_old_release_replayed_tell_nobody(
    people, imported, django_capture_on_commit_callbacks
):
    rows = [oak(**SUSPENDED), *others()]
    with django_capture_on_commit_callbacks(execute=True):
        record, _ = imported(rows, "preview.csv", commit=False)
    assert record.status == OfstedImport.Status.PREVIEWED
    assert _alerts() == [] and mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        _, summary = imported(rows, "history.csv", alerts=False)
    assert summary.events == {"suspended": 1}
    assert SettingEvent.objects.filter(kind="suspended").count() == 1
    assert _alerts() == [] and mail.outbox == []


def test_queuing_the_same_import_again_queues_nothing(
    people, imported, django_capture_on_commit_callbacks
):
    """However often a job hands the same import's events over, each person hears once."""
    with django_capture_on_commit_callbacks(execute=True):
        record, _ = imported([oak(**SUSPENDED), *others()], "suspended.csv")
    events = list(SettingEvent.objects.filter(ofsted_import=record).select_related("setting"))
    with django_capture_on_commit_callbacks(execute=True):
        assert ofsted_alerts_queue(record=record, events=events) == []
    assert len(_alerts()) == 5 and len(mail.outbox) == 5


def test_an_import_that_fails_after_queuing_leaves_no_alert(
    people, imported, django_capture_on_commit_callbacks
):
    """The alerts are written in the import's transaction: if it rolls back, so do they."""

    def fail(**kwargs):
        raise RuntimeError("a later receiver failed")

    settings_changed_by_ofsted.connect(fail, dispatch_uid="test-fail")
    try:
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
            imported([oak(**SUSPENDED), *others()], "suspended.csv")
    finally:
        settings_changed_by_ofsted.disconnect(dispatch_uid="test-fail")
    assert _alerts() == [] and mail.outbox == []
    assert Setting.objects.get(urn="SC000001").status == "active"
    assert not SettingEvent.objects.exists()


# --- The other kinds --------------------------------------------------------------------------


def test_an_inadequate_judgement_is_an_alert_a_lesser_decline_is_not(
    people, imported, django_capture_on_commit_callbacks
):
    imported([oak(**{OVERALL: "Good", LEADERS: "Good"}), *others()], "judged.csv")
    assert _alerts() == []  # a first judgement of good is no alert

    with django_capture_on_commit_callbacks(execute=True):
        _, summary = imported(
            [oak(**{OVERALL: "Good", LEADERS: "Requires improvement to be good"}), *others()],
            "declined.csv",
        )
    assert summary.events == {"judgement_declined": 1}
    assert _alerts() == [] and mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        _, summary = imported(
            [oak(**{OVERALL: "Inadequate", LEADERS: "Requires improvement to be good"}), *others()],
            "inadequate.csv",
        )
    assert summary.events == {"judgement_declined": 1}
    assert {n.recipient for n in _alerts()} == people.entitled
    assert len(mail.outbox) == 5
    [to_b] = _mail_to(people.officer_b)
    assert to_b.subject == "Ofsted alert: Oak House (SC000001) judged inadequate"
    assert (
        "Ofsted's list of 31 March 2025 shows Oak House (SC000001) as judged inadequate for the "
        "overall experiences and progress of children and young people." in to_b.body
    )


def test_serious_or_widespread_weaknesses_in_supported_accommodation_is_an_alert(
    people, imported, django_capture_on_commit_callbacks
):
    outcome = "Supported Accommodation outcome"
    flat = row(
        "2000001",
        **{"Provision type": "Supported accommodation", "Name": "Birch Flats"},
        **{outcome: "Inconsistent quality of service delivery"},
    )
    imported([oak(), *others(), flat], "sa.csv")
    birch = Setting.objects.get(urn="2000001")
    assert birch.provision_type == "supported_accommodation"
    birch.provider_organisation = people.provider_admin.organisation
    birch.save()

    flat[outcome] = "Serious or widespread weaknesses"
    with django_capture_on_commit_callbacks(execute=True):
        imported([oak(), *others(), flat], "sa-weak.csv")
    # Nobody has referred or placed a child there: only Oak Care is told.
    assert {n.recipient for n in _alerts()} == {people.provider_admin, people.provider_user}
    [message] = _mail_to(people.provider_admin)
    assert (
        "Ofsted's list of 31 March 2025 shows Birch Flats (2000001) as having serious or "
        "widespread weaknesses." in message.body
    )


def test_a_setting_missing_from_a_complete_list_has_closed(
    people, imported, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _, summary = imported(others(), "closed.csv")
    assert summary.closed == 1
    assert {n.recipient for n in _alerts()} == people.entitled
    [to_a] = _mail_to(people.manager_a)
    assert to_a.subject == "Ofsted alert: Oak House (SC000001) closed"
    assert (
        "Ofsted's list of 31 March 2025 no longer shows Oak House (SC000001): it has closed."
        in to_a.body
    )
    assert "A-LIVE-1" in to_a.body

    # A partial list closes nothing, so tells nobody anything.
    with django_capture_on_commit_callbacks(execute=True):
        imported([row("SC000002", Name="Elm House")], "partial.csv", complete=False)
    assert len(_alerts()) == 5


def test_a_lifted_suspension_and_a_new_owner_are_one_email(
    people, imported, django_capture_on_commit_callbacks
):
    imported([oak(**SUSPENDED), *others()], "suspended.csv")
    before = len(_alerts())
    assert before == 5
    owner = {"Organisation which owns the provider": "Elm Group"}
    with django_capture_on_commit_callbacks(execute=True):
        _, summary = imported([oak(**owner), *others()], "lifted.csv")
    assert summary.events == {"reinstated": 1, "owner_changed": 1}
    new = _alerts()[before:]
    assert {n.recipient for n in new} == people.entitled
    [message] = _mail_to(people.provider_user)
    assert message.subject == "Ofsted alert: Oak House (SC000001) registration changed"
    assert (
        "Ofsted's list of 31 March 2025 shows Oak House (SC000001) as active again: its "
        "suspension has been lifted.\n"
        "Ofsted's list of 31 March 2025 shows Oak House (SC000001) as owned by Elm Group "
        "(before: Oak Ltd)." in message.body
    )


# --- Choices -----------------------------------------------------------------------------------


def test_an_alert_turned_off_is_not_sent_to_that_person_only(
    people, imported, django_capture_on_commit_callbacks
):
    notification_preference_save(
        actor=people.officer_a, alerts=["closed", "inadequate", "registration_changed"]
    )
    # Oak Care's user hears only about Ash House.
    notification_preference_save(
        actor=people.provider_user,
        all_settings=False,
        settings=[Setting.objects.get(urn="SC000003")],
    )
    with django_capture_on_commit_callbacks(execute=True):
        imported([oak(**SUSPENDED), *others()], "suspended.csv")
    assert {n.recipient for n in _alerts()} == people.entitled - {
        people.officer_a,
        people.provider_user,
    }
    assert _mail_to(people.officer_a) == [] and _mail_to(people.provider_user) == []
    assert len(_mail_to(people.manager_a)) == 1

    # The closure the officer still wants reaches them.
    with django_capture_on_commit_callbacks(execute=True):
        imported(others(), "closed.csv")
    [closed] = _mail_to(people.officer_a)
    assert closed.subject == "Ofsted alert: Oak House (SC000001) closed"


def test_an_la_user_chooses_alerts_on_the_page(client, people):
    client.force_login(people.officer_a)
    page = client.get(URL).content.decode()
    assert "Ofsted alerts" in page and 'class="govuk-checkboxes' in page
    assert "Which settings do you want emails about?" not in page  # a provider's choice
    for kind in ("suspended", "closed", "inadequate", "registration_changed"):
        checkbox = page.split(f'value="{kind}"')[1].split(">")[0]
        assert "checked" in checkbox  # every alert until turned off

    response = client.post(URL, {"alerts": ["closed", "inadequate"]}, follow=True)
    assert response.redirect_chain == [(reverse("accounts:account"), 302)]
    assert "Closed, judged inadequate" in response.content.decode()
    saved = NotificationPreference.objects.get(user=people.officer_a)
    assert saved.alerts == ["closed", "inadequate"]
    assert (saved.all_settings, saved.daily_digest) == (True, False)
    # Each user changes only their own choices: the manager's are untouched.
    assert not NotificationPreference.objects.filter(user=people.manager_a).exists()

    again = client.get(URL).content.decode()
    assert "checked" not in again.split('value="suspended"')[1].split(">")[0]
    assert "checked" in again.split('value="closed"')[1].split(">")[0]


def test_a_provider_user_chooses_settings_and_alerts_together(client, people):
    ash = Setting.objects.get(urn="SC000003")
    client.force_login(people.provider_user)
    response = client.post(
        URL, {"scope": "chosen", "settings": [ash.pk], "alerts": ["suspended"]}, follow=True
    )
    assert response.redirect_chain == [(reverse("accounts:account"), 302)]
    saved = NotificationPreference.objects.get(user=people.provider_user)
    assert saved.alerts == ["suspended"] and list(saved.settings.all()) == [ash]
    assert not NotificationPreference.objects.filter(user=people.provider_admin).exists()


def test_an_unknown_alert_is_refused(client, people):
    client.force_login(people.officer_a)
    response = client.post(URL, {"alerts": ["fire"]})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("Choose only alerts from the list") == 2  # the summary and the field
    # The summary's link goes to the first checkbox.
    assert 'href="#id_alerts_1"' in page and 'id="id_alerts_1"' in page
    assert not NotificationPreference.objects.exists()


def test_hub_admins_have_no_alert_choices(client, people):
    client.force_login(people.hub_admin)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"alerts": ["closed"]}).status_code == 403
    assert not NotificationPreference.objects.exists()


def test_a_setting_ofsted_names_only_by_its_type_is_named_by_type_and_urn(db):
    event = SettingEvent(
        setting=Setting(urn="SC000009", provision_type="childrens_home", name=""),
        kind=SettingEvent.Kind.SUSPENDED,
    )
    record = OfstedImport(as_at=dt.date(2025, 3, 31))
    assert alert_sentence(event, record=record) == (
        "Ofsted's list of 31 March 2025 shows Children's home SC000009 as suspended."
    )
    assert alert_sentence(event, record=OfstedImport(as_at=None)) == (
        "Ofsted's list shows Children's home SC000009 as suspended."
    )


def test_inadequate_on_an_older_scale_is_an_alert_too(
    people, imported, django_capture_on_commit_callbacks
):
    # A judgement from before the SCCIF (April 2017) is shown "Inadequate (older scale)".
    older = {"Latest full inspection date": "10/06/2016"}
    imported([oak(**{OVERALL: "Good", **older}), *others()], "judged.csv")
    with django_capture_on_commit_callbacks(execute=True):
        imported([oak(**{OVERALL: "Inadequate", **older}), *others()], "inadequate.csv")
    event = SettingEvent.objects.get(kind="judgement_declined")
    assert event.new_value == "Inadequate (older scale)"
    assert {n.recipient for n in _alerts()} == people.entitled
