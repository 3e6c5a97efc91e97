"""A claim to a setting another provider already runs on the service: only an explicit transfer,
with a reason, moves it; both providers are told; the new one sees nothing the old one recorded;
the old one loses the pages and the API at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditEvent, Role
from brokerage.models import Notification
from brokerage.notifications import notification_queue
from geo.models import Postcode
from providers import facts
from providers.models import CarerHousehold, Eligibility, Setting, SettingClaim, Vacancy
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db

HUB, MGR, OFF, PADM, PUSR = (
    Role.HUB_ADMIN,
    Role.LA_MANAGER,
    Role.PLACEMENT_OFFICER,
    Role.PROVIDER_ADMIN,
    Role.PROVIDER_USER,
)


@pytest.fixture
def district(db):
    return Postcode.objects.create(
        postcode="LE15 6AB",
        point=Point(-0.7286, 52.6707, srid=4326),
        ltla_code="E06000017",
        utla_code="E06000017",
    )


def _run_by_a1(world, **fields) -> Setting:
    """A setting Provider A1 runs since an approved claim, with criteria and a vacancy it set."""
    setting = SettingFactory(**fields)
    claim = facts.setting_claim_request(actor=world.user("provider_a1", PADM), setting=setting)
    facts.setting_claim_decide(
        actor=world.user("hub_a", HUB),
        claim=claim,
        approve=True,
        now=timezone.now() - timedelta(days=30),
    )
    admin = world.user("provider_a1", PADM)
    setting.refresh_from_db()
    facts.eligibility_update(
        actor=admin,
        setting=setting,
        min_age=12,
        max_age=17,
        sexes=["female"],
        placement_kinds=["planned"],
        what_we_offer="Old owner's own words about the home",
    )
    facts.eligibility_update(actor=admin, setting=setting, minimum_notice_days=3)
    facts.vacancy_confirm(
        actor=admin, setting=setting, places=2, restriction="Old owner: girls 13 to 16 only"
    )
    return setting


@pytest.fixture
def home(world, district):
    """A children's home A1 runs, with the exact address A1 gave."""
    setting = _run_by_a1(world, childrens_home=True, places=4, urn="SC300001")
    facts.setting_location_update(
        actor=world.user("provider_a1", PADM),
        setting=setting,
        address_line_1="1 Secret Lane",
        town="Oakham",
        postcode="LE15 6AB",
    )
    return setting


@pytest.fixture
def agency(world, district):
    """A fostering agency A1 runs, with a carer household A1 described."""
    setting = _run_by_a1(world, urn="SC300002", places=10)
    facts.household_save(
        actor=world.user("provider_a1", PADM),
        setting=setting,
        reference="OLD-7",
        postcode_district="LE15",
    )
    return setting


def _claim(world, setting, org="provider_a2"):
    return facts.setting_claim_request(actor=world.user(org, PADM), setting=setting)


# The service ------------------------------------------------------------------------------------


class TestService:
    def test_approving_a_claim_to_an_unowned_setting_hands_it_over(self, world):
        setting = SettingFactory()
        claim = _claim(world, setting)
        now = timezone.now()
        facts.setting_claim_decide(
            actor=world.user("hub_a", HUB), claim=claim, approve=True, now=now
        )
        setting.refresh_from_db()
        claim.refresh_from_db()
        assert (setting.provider_organisation, setting.provider_since) == (world.provider_a2, now)
        assert (claim.status, claim.transferred_from, claim.transfer_reason) == (
            "approved",
            None,
            "",
        )
        assert not AuditEvent.objects.filter(action=AuditEvent.Action.SETTING_TRANSFERRED).exists()

    def test_a_plain_approval_of_anothers_setting_is_refused(self, world, home):
        claim = _claim(world, home)
        with pytest.raises(ValidationError) as caught:
            facts.setting_claim_decide(actor=world.user("hub_a", HUB), claim=claim, approve=True)
        assert caught.value.code == "transfer_required"
        assert "SC300001 is run on this service by Provider A1" in caught.value.messages[0]
        home.refresh_from_db()
        claim.refresh_from_db()
        assert home.provider_organisation == world.provider_a1
        assert claim.status == "pending"
        assert Eligibility.objects.filter(setting=home).exists()

    def test_rejecting_a_claim_to_anothers_setting_needs_no_transfer(self, world, home):
        claim = _claim(world, home)
        facts.setting_claim_decide(actor=world.user("hub_a", HUB), claim=claim, approve=False)
        claim.refresh_from_db()
        home.refresh_from_db()
        assert claim.status == "rejected"
        assert home.provider_organisation == world.provider_a1

    @pytest.mark.parametrize("reason", ["", "   \n "])
    def test_a_transfer_without_a_reason_is_refused(self, world, home, reason):
        claim = _claim(world, home)
        with pytest.raises(ValidationError) as caught:
            facts.setting_claim_transfer(actor=world.user("hub_a", HUB), claim=claim, reason=reason)
        assert caught.value.message_dict == {
            "reason": ["Enter why the setting is moving to another provider"]
        }
        home.refresh_from_db()
        assert home.provider_organisation == world.provider_a1
        assert home.address_line_1 == "1 Secret Lane"
        assert not Notification.objects.exists()

    def test_a_hub_admin_of_another_region_cannot_transfer(self, world, home):
        claim = _claim(world, home)
        with pytest.raises(PermissionDenied):
            facts.setting_claim_transfer(
                actor=world.user("hub_b", HUB), claim=claim, reason="Ofsted says so"
            )
        # Nor can region B's hub take region A's provider's setting for one of its own.
        rival = _claim(world, home, org="provider_b1")
        with pytest.raises(ValidationError, match="in another region"):
            facts.setting_claim_transfer(
                actor=world.user("hub_b", HUB), claim=rival, reason="Ofsted says so"
            )
        home.refresh_from_db()
        assert home.provider_organisation == world.provider_a1

    @pytest.mark.parametrize("role", [MGR, OFF, PADM, PUSR])
    def test_nobody_but_a_hub_admin_transfers(self, world, home, role):
        claim = _claim(world, home)
        actor = world.user({MGR: "la_a1", OFF: "la_a1"}.get(role, "provider_a2"), role)
        with pytest.raises(PermissionDenied):
            facts.setting_claim_transfer(actor=actor, claim=claim, reason="We run it now")

    def test_an_unowned_setting_is_approved_not_transferred(self, world):
        claim = _claim(world, SettingFactory())
        with pytest.raises(ValidationError, match="approve the claim"):
            facts.setting_claim_transfer(actor=world.user("hub_a", HUB), claim=claim, reason="x")

    def test_a_decided_claim_cannot_be_transferred(self, world, home):
        claim = _claim(world, home)
        facts.setting_claim_decide(actor=world.user("hub_a", HUB), claim=claim, approve=False)
        with pytest.raises(ValidationError, match="already been decided"):
            facts.setting_claim_transfer(actor=world.user("hub_a", HUB), claim=claim, reason="x")

    def test_a_transfer_moves_the_setting_tells_both_once_and_is_audited(
        self, world, home, django_capture_on_commit_callbacks
    ):
        claim = _claim(world, home)
        pending_rival = facts.setting_claim_request(
            actor=world.user("provider_b1", PADM), setting=home
        )
        now = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            facts.setting_claim_transfer(
                actor=world.user("hub_a", HUB),
                claim=claim,
                reason="  Ofsted's register names Provider A2 since 1 March  ",
                now=now,
            )
        home.refresh_from_db()
        claim.refresh_from_db()
        pending_rival.refresh_from_db()
        assert (home.provider_organisation, home.provider_since) == (world.provider_a2, now)
        assert claim.status == "approved"
        assert claim.transferred_from == world.provider_a1
        assert claim.transfer_reason == "Ofsted's register names Provider A2 since 1 March"
        assert claim.decided_by == world.user("hub_a", HUB)
        assert pending_rival.status == "rejected"
        # A1's approved claim has ended; the decision on it stands as it was.
        assert SettingClaim.objects.filter(setting=home, status="approved").get() == claim
        ended = SettingClaim.objects.get(setting=home, organisation=world.provider_a1)
        assert ended.status == "ended"

        event = AuditEvent.objects.get(action=AuditEvent.Action.SETTING_TRANSFERRED)
        assert event.actor == world.user("hub_a", HUB)
        assert event.organisation == world.provider_a2
        assert event.detail == {
            "setting": "SC300001",
            "claim": claim.pk,
            "from_organisation": world.provider_a1.pk,
            "from_organisation_name": "Provider A1",
            "to_organisation": world.provider_a2.pk,
            "to_organisation_name": "Provider A2",
            "reason": "Ofsted's register names Provider A2 since 1 March",
        }

        # Each provider user of both organisations, once.
        expected = {
            world.user(org, role).email
            for org in ("provider_a1", "provider_a2")
            for role in (PADM, PUSR)
        }
        assert sorted(m.to[0] for m in mail.outbox) == sorted(expected)
        assert Notification.objects.filter(kind="setting_transferred").count() == 4
        to_old = [m for m in mail.outbox if m.to[0].endswith("provider_a1@example.org")]
        to_new = [m for m in mail.outbox if m.to[0].endswith("provider_a2@example.org")]
        assert {m.subject for m in to_old} == {
            f"{home.display_name} (SC300001) is now run on {settings.SERVICE_NAME} by Provider A2"
        }
        assert {m.subject for m in to_new} == {
            f"{home.display_name} (SC300001) is now yours on {settings.SERVICE_NAME}"
        }
        assert "can no longer see or change this setting's details" in to_old[0].body
        assert "Nothing that provider recorded is passed on to you" in to_new[0].body
        assert "/providers/SC300001/manage/" in to_new[0].body
        # The reason and the old provider's facts go in neither email.
        for message in mail.outbox:
            assert "Ofsted's register names" not in message.body
            assert "Secret Lane" not in message.body
            assert "Provider A1" not in message.body or message in to_old

        # Queuing again under the same keys sends nothing more.
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            made = notification_queue(
                recipients=[world.user("provider_a1", PADM)],
                kind=Notification.Kind.SETTING_TRANSFERRED,
                key=f"claim-{claim.pk}:transferred:from",
                template="providers/email/setting_transferred_from.txt",
                context={"setting": home, "previous": world.provider_a1, "new": world.provider_a2},
            )
        assert made == []
        assert len(mail.outbox) == before

    def test_the_new_owner_starts_without_the_old_owners_facts(self, world, home, agency):
        for setting in (home, agency):
            facts.setting_claim_transfer(
                actor=world.user("hub_a", HUB), claim=_claim(world, setting), reason="Sold"
            )
            setting.refresh_from_db()
            assert not Eligibility.objects.filter(setting=setting).exists()
            assert not Vacancy.objects.filter(setting=setting).exists()
            assert not CarerHousehold.objects.filter(setting=setting).exists()
            # Their history stays, for the hub and auditors.
            assert Eligibility.history.filter(setting_id=setting.pk).count() == 3
            assert Vacancy.history.filter(setting_id=setting.pk).count() == 2
        assert (home.address_line_1, home.town, home.postcode, home.location) == ("", "", "", None)
        assert home.location_from_provider is False
        assert CarerHousehold.history.filter(setting_id=agency.pk).count() == 2
        # A public setting keeps what Ofsted publishes about where it is.
        assert agency.address_line_1 != ""


# The pages and the API ---------------------------------------------------------------------------


class TestPages:
    def test_the_claim_list_shows_who_runs_it_and_offers_a_transfer(self, world, home, client):
        unowned = SettingFactory(urn="SC300009")
        owned_claim = _claim(world, home)
        free_claim = _claim(world, unowned)
        client.force_login(world.user("hub_a", HUB))
        html = client.get(reverse("providers:claim_list")).content.decode()
        since = timezone.localtime(home.provider_since).strftime("%-d %B %Y")
        assert f"Run on this service by Provider A1 since {since}" in html
        assert reverse("providers:claim_transfer", args=[owned_claim.pk]) in html
        assert reverse("providers:claim_transfer", args=[free_claim.pk]) not in html
        # One approve button: the unowned setting's.
        assert html.count('value="approve"') == 1
        assert "Nobody yet" in html

    def test_a_plain_approve_post_for_anothers_setting_changes_nothing(self, world, home, client):
        claim = _claim(world, home)
        client.force_login(world.user("hub_a", HUB))
        response = client.post(
            reverse("providers:claim_decide", args=[claim.pk]), {"decision": "approve"}, follow=True
        )
        assert "is run on this service by Provider A1" in response.content.decode()
        home.refresh_from_db()
        claim.refresh_from_db()
        assert home.provider_organisation == world.provider_a1
        assert claim.status == "pending"

    def test_the_transfer_page_asks_for_a_reason_then_moves_it(self, world, home, client):
        claim = _claim(world, home)
        client.force_login(world.user("hub_a", HUB))
        url = reverse("providers:claim_transfer", args=[claim.pk])
        page = client.get(url).content.decode()
        assert "Move this setting to Provider A2?" in page
        assert "Provider A1 will lose this setting's pages and API access at once" in page

        empty = client.post(url, {"reason": "  "})
        assert empty.status_code == 200
        assert "govuk-error-summary" in empty.content.decode()
        assert "Enter why the setting is moving to another provider" in empty.content.decode()
        home.refresh_from_db()
        assert home.provider_organisation == world.provider_a1

        done = client.post(url, {"reason": "Sold to Provider A2 in March"}, follow=True)
        html = done.content.decode()
        assert "has moved from Provider A1 to Provider A2" in html
        assert "moved from Provider A1" in html  # the decided list says so
        home.refresh_from_db()
        assert home.provider_organisation == world.provider_a2
        assert SettingClaim.objects.get(pk=claim.pk).transfer_reason == (
            "Sold to Provider A2 in March"
        )

    def test_another_regions_hub_admin_gets_404(self, world, home, client):
        claim = _claim(world, home)
        client.force_login(world.user("hub_b", HUB))
        url = reverse("providers:claim_transfer", args=[claim.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "Mine now"}).status_code == 404
        home.refresh_from_db()
        assert home.provider_organisation == world.provider_a1

    def test_the_new_owner_sees_neither_the_old_address_nor_the_old_history(
        self, world, home, client
    ):
        facts.setting_claim_transfer(
            actor=world.user("hub_a", HUB), claim=_claim(world, home), reason="Sold"
        )
        new_admin = world.user("provider_a2", PADM)
        client.force_login(new_admin)
        manage = client.get(reverse("providers:setting_manage", args=[home.urn])).content.decode()
        for old in ("Secret Lane", "LE15 6AB", "Old owner", "girls 13 to 16", "2 places"):
            assert old not in manage
        assert "No changes yet." in manage
        assert "Not given yet" in manage
        form = client.get(
            reverse("providers:setting_location_edit", args=[home.urn])
        ).content.decode()
        assert "Secret Lane" not in form
        criteria = client.get(
            reverse("providers:setting_eligibility_edit", args=[home.urn])
        ).content.decode()
        assert "Old owner" not in criteria
        vacancy = client.get(
            reverse("providers:setting_vacancy_edit", args=[home.urn])
        ).content.decode()
        assert "Old owner" not in vacancy
        location = client.get(
            reverse("providers:setting_location", args=[home.urn])
        ).content.decode()
        assert "Secret Lane" not in location

        # What the new owner records from now on is its history.
        home.refresh_from_db()
        facts.vacancy_confirm(actor=new_admin, setting=home, places=1)
        manage = client.get(reverse("providers:setting_manage", args=[home.urn])).content.decode()
        assert "Vacancy: 1 place" in manage
        assert "2 places" not in manage

    def test_an_approved_claimant_sees_its_own_changes_not_earlier_ones(self, world, client):
        """An unowned setting with facts nobody on the service stands behind (the demo seeds
        such): after a plain approval, the history shows the new owner's changes only."""
        setting = SettingFactory(urn="SC300010")
        Eligibility.objects.create(setting=setting, sexes=["male"], placement_kinds=["planned"])
        claim = _claim(world, setting)
        facts.setting_claim_decide(actor=world.user("hub_a", HUB), claim=claim, approve=True)
        setting.refresh_from_db()
        admin = world.user("provider_a2", PADM)
        facts.eligibility_update(actor=admin, setting=setting, minimum_notice_days=5)
        client.force_login(admin)
        html = client.get(reverse("providers:setting_manage", args=[setting.urn])).content.decode()
        assert "Changed: minimum notice days" in html
        assert html.count("Who you can care for: ") == 1

    def test_the_old_owner_loses_the_pages_and_the_api_at_once(self, world, home, agency, client):
        old_admin = world.user("provider_a1", PADM)
        token, key = facts.api_token_create(actor=old_admin, name="Our care system")
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        assert api.get(f"/api/v1/settings/{home.urn}/").status_code == 200
        for setting in (home, agency):
            facts.setting_claim_transfer(
                actor=world.user("hub_a", HUB), claim=_claim(world, setting), reason="Sold"
            )
        for tail in ("", "eligibility/", "vacancy/"):
            assert api.get(f"/api/v1/settings/{home.urn}/{tail}").status_code == 404
        assert api.get(f"/api/v1/settings/{agency.urn}/households/").status_code == 404
        assert (
            api.post(f"/api/v1/settings/{home.urn}/vacancy/confirm/", {}, format="json").status_code
            == 404
        )
        assert api.get("/api/v1/settings/").json() == []

        for user in (old_admin, world.user("provider_a1", PUSR)):
            client.force_login(user)
            for name in (
                "providers:setting_manage",
                "providers:setting_eligibility_edit",
                "providers:setting_vacancy_edit",
                "providers:setting_location_edit",
            ):
                assert client.get(reverse(name, args=[home.urn])).status_code == 404
            assert (
                client.post(
                    reverse("providers:setting_vacancy_edit", args=[home.urn]), {"places": "3"}
                ).status_code
                == 404
            )
            assert (
                client.get(reverse("providers:household_list", args=[agency.urn])).status_code
                == 404
            )
            # A children's home's address is no longer theirs to see.
            assert (
                client.get(reverse("providers:setting_location", args=[home.urn])).status_code
                == 404
            )
            own = client.get(reverse("providers:provider_settings")).content.decode()
            assert reverse("providers:setting_manage", args=[home.urn]) not in own
            if user.role == PADM:  # their claim says what happened to it
                assert "Moved to another provider" in own
        assert not Vacancy.objects.filter(setting=home).exists()
