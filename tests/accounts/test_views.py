"""The pages as people use them: forms, messages, bad input."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from accounts.models import AuditEvent, Invitation, Role, User
from accounts.services import invitation_token
from tests.factories import PASSWORD, AreaFactory, OrganisationFactory, sign_in

pytestmark = pytest.mark.django_db


def _link(body: str) -> str:
    return re.search(r"https?://\S+", body).group(0).replace("http://testserver", "")


class TestSignIn:
    def test_wrong_password_shows_an_error_summary(self, world, client):
        user = world.user("la_a1", Role.PLACEMENT_OFFICER)
        response = sign_in(client, user.email, "wrong-password-here")
        assert response.status_code == 200
        html = response.content.decode()
        assert "govuk-error-summary" in html
        assert "Enter a correct email address and password." in html
        assert response.context["form"].errors
        assert "<title>Error: Sign in" in html

    def test_sign_in_then_home_page(self, world, client):
        user = world.user("la_a1", Role.PLACEMENT_OFFICER)
        response = sign_in(client, user.email)
        assert response.redirect_chain[-1][0] == reverse("brokerage:home")
        assert f"Welcome, {user.get_short_name()}" in response.content.decode()

    @override_settings(AXES_FAILURE_LIMIT=3)
    def test_lockout_after_repeated_failures_and_reset_unlocks(
        self, world, client, django_capture_on_commit_callbacks
    ):
        user = world.user("la_a1", Role.PLACEMENT_OFFICER)
        # Changing the case of the address does not get round the count.
        for email in (user.email, user.email.upper()):
            assert sign_in(client, email, "not-the-password").status_code == 200
        locked = sign_in(client, user.email, "not-the-password")
        assert locked.status_code == 429
        assert "Your account is locked for now" in locked.content.decode()
        # The cool-off in words (AXES_COOLOFF_TIME is 0.25 hours), never "0:15:00" or seconds.
        assert "Try again in 15 minutes," in locked.content.decode()
        # Even the right password is refused while locked.
        assert sign_in(client, user.email).status_code == 429

        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("accounts:password_reset"), {"email": user.email})
        link = _link(mail.outbox[-1].body)
        form_page = client.get(link, follow=True)
        client.post(
            form_page.redirect_chain[-1][0],
            {"new_password1": "a-brand-new-password", "new_password2": "a-brand-new-password"},
        )
        response = sign_in(client, user.email, "a-brand-new-password")
        assert response.wsgi_request.user.is_authenticated
        assert AuditEvent.objects.filter(action=AuditEvent.Action.PASSWORD_RESET).count() == 1

    def test_sign_out_needs_post_and_ends_the_session(self, world, client):
        client.force_login(world.user("la_a1", Role.PLACEMENT_OFFICER))
        response = client.post(reverse("accounts:logout"))
        assert response.status_code == 302
        assert client.get(reverse("brokerage:home")).status_code == 302


class TestPasswordReset:
    def test_unknown_email_gets_the_same_page_and_no_email(self, client, db):
        response = client.post(
            reverse("accounts:password_reset"), {"email": "nobody@example.org"}, follow=True
        )
        assert "Check your email" in response.content.decode()
        assert mail.outbox == []

    def test_malformed_email_is_an_error(self, client, db):
        response = client.post(reverse("accounts:password_reset"), {"email": "not-an-email"})
        assert response.status_code == 200
        assert "govuk-error-summary" in response.content.decode()

    def test_reset_link_works_once(self, world, client, django_capture_on_commit_callbacks):
        user = world.user("provider_a1", Role.PROVIDER_USER)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("accounts:password_reset"), {"email": user.email.upper()})
        assert mail.outbox[0].to == [user.email]
        link = _link(mail.outbox[0].body)
        set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
        weak = client.post(set_password_url, {"new_password1": "short", "new_password2": "short"})
        assert "This password is too short" in weak.content.decode()
        done = client.post(
            set_password_url,
            {"new_password1": "another-long-password", "new_password2": "another-long-password"},
            follow=True,
        )
        assert "Your password has been changed" in done.content.decode()
        again = client.get(link, follow=True)
        assert "This link cannot be used" in again.content.decode()


class TestInvitationPages:
    def test_hub_admin_invites_and_the_person_joins(
        self, world, client, django_capture_on_commit_callbacks
    ):
        client.force_login(world.user("hub_a", Role.HUB_ADMIN))
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("accounts:user_invite"),
                {
                    "full_name": "Olu Officer",
                    "email": "olu@example.org",
                    "organisation": world.la_a2.pk,
                    "role": Role.PLACEMENT_OFFICER,
                },
                follow=True,
            )
        assert "Invitation sent to olu@example.org" in response.content.decode()
        assert "olu@example.org" in response.content.decode()  # listed as an open invitation
        link = _link(mail.outbox[0].body)
        client.logout()

        page = client.get(link)
        assert page.status_code == 200
        assert world.la_a2.name in page.content.decode()
        mismatch = client.post(link, {"password1": PASSWORD, "password2": PASSWORD + "x"})
        assert "The passwords do not match" in mismatch.content.decode()
        weak = client.post(link, {"password1": "12345678", "password2": "12345678"})
        assert "govuk-error-summary" in weak.content.decode()
        assert not User.objects.filter(email="olu@example.org").exists()

        joined = client.post(link, {"password1": PASSWORD, "password2": PASSWORD}, follow=True)
        assert "Your account is ready" in joined.content.decode()
        reused = client.get(link)
        assert reused.status_code == 410
        assert "already been used" in reused.content.decode()
        home = sign_in(client, "olu@example.org")
        assert "Welcome, Olu" in home.content.decode()

    def test_invite_form_errors_are_shown_and_nothing_saved(self, world, client):
        client.force_login(world.user("hub_a", Role.HUB_ADMIN))
        # A provider of the region with no admin of its own yet: the hub starts it off.
        starting = OrganisationFactory(region=world.hub_a.region, name="Provider New")
        response = client.post(
            reverse("accounts:user_invite"),
            {
                "full_name": "",
                "email": "bad",
                "organisation": starting.pk,
                "role": Role.PLACEMENT_OFFICER,
            },
        )
        html = response.content.decode()
        assert "Enter their full name" in html
        assert "Enter an email address in the correct format" in html
        assert not Invitation.objects.exists()
        wrong_kind = client.post(
            reverse("accounts:user_invite"),
            {
                "full_name": "Ann",
                "email": "ann@example.org",
                "organisation": starting.pk,
                "role": Role.PLACEMENT_OFFICER,
            },
        )
        assert "A placement officer cannot belong to a provider" in wrong_kind.content.decode()
        assert not Invitation.objects.exists()

    def test_another_region_organisation_cannot_be_chosen(self, world, client):
        client.force_login(world.user("hub_a", Role.HUB_ADMIN))
        response = client.post(
            reverse("accounts:user_invite"),
            {
                "full_name": "Ann",
                "email": "ann@example.org",
                "organisation": world.la_b1.pk,
                "role": Role.PLACEMENT_OFFICER,
            },
        )
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
        assert not Invitation.objects.exists()

    def test_garbage_and_withdrawn_links_get_a_clear_page(self, world, client):
        assert client.get("/invitations/not-a-token/").status_code == 410
        invitation = Invitation.objects.create(
            email="w@example.org",
            full_name="W",
            organisation=world.la_a1,
            role=Role.PLACEMENT_OFFICER,
            nonce="n1",
            expires_at="2999-01-01T00:00Z",
            revoked_at="2020-01-01T00:00Z",
        )
        response = client.post(
            f"/invitations/{invitation_token(invitation)}/",
            {"password1": PASSWORD, "password2": PASSWORD},
        )
        assert response.status_code == 410
        assert "withdrawn" in response.content.decode()
        assert not User.objects.filter(email="w@example.org").exists()


class TestRegionPages:
    def test_hub_admin_adds_and_removes_a_member_la(self, world, client):
        area = AreaFactory(name="Rutland", gss_code="E06000017")
        client.force_login(world.user("hub_a", Role.HUB_ADMIN))
        form = client.get(reverse("accounts:local_authority_add"))
        assert "Rutland" in form.content.decode()
        added = client.post(reverse("accounts:local_authority_add"), {"area": area.pk}, follow=True)
        assert "Rutland is now a member of the region." in added.content.decode()
        la = world.hub_a.region.organisations.get(gss_code="E06000017")
        # Already a member: no longer offered.
        assert "Rutland" not in client.get(reverse("accounts:local_authority_add")).content.decode()
        confirm = client.get(reverse("accounts:local_authority_remove", args=[la.pk]))
        assert "0 user accounts will be deactivated" in confirm.content.decode()
        removed = client.post(reverse("accounts:local_authority_remove", args=[la.pk]), follow=True)
        assert "Rutland is no longer a member" in removed.content.decode()

    def test_adding_nothing_is_an_error(self, world, client):
        AreaFactory()
        client.force_login(world.user("hub_a", Role.HUB_ADMIN))
        response = client.post(reverse("accounts:local_authority_add"), {"area": ""})
        assert "Choose a local authority" in response.content.decode()

    def test_hub_admin_adds_a_provider_organisation(self, world, client):
        client.force_login(world.user("hub_a", Role.HUB_ADMIN))
        ok = client.post(reverse("accounts:provider_add"), {"name": "Brook House Ltd"}, follow=True)
        assert "Brook House Ltd has been added." in ok.content.decode()
        dup = client.post(reverse("accounts:provider_add"), {"name": "brook house ltd"})
        assert "already takes part in Region A" in dup.content.decode()

    def test_deactivating_oneself_is_refused_with_a_message(self, world, client):
        admin = world.user("provider_a1", Role.PROVIDER_ADMIN)
        client.force_login(admin)
        response = client.post(reverse("accounts:user_deactivate", args=[admin.pk]), follow=True)
        assert "You cannot deactivate your own account" in response.content.decode()
        admin.refresh_from_db()
        assert admin.is_active

    def test_deactivated_user_is_signed_out_at_the_next_request(self, world, client):
        officer = world.user("la_a1", Role.PLACEMENT_OFFICER)
        client.force_login(officer)
        assert client.get(reverse("brokerage:home")).status_code == 200
        User.objects.filter(pk=officer.pk).update(is_active=False)
        assert client.get(reverse("brokerage:home")).status_code == 302


class TestServicePages:
    def test_healthz_reports_database_and_redis(self, client, db):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}

    @override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0")
    def test_healthz_says_when_redis_is_down(self, client, db):
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["redis"].startswith("error")
        assert response.json()["database"] == "ok"

    def test_unknown_page_is_a_govuk_404(self, client, db):
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        assert "Page not found" in response.content.decode()

    def test_navigation_follows_the_role(self, world, client):
        client.force_login(world.user("la_a1", Role.PLACEMENT_OFFICER))
        html = client.get(reverse("brokerage:home")).content.decode()
        assert reverse("accounts:user_list") not in html
        assert reverse("accounts:organisation_list") not in html
        client.force_login(world.user("hub_a", Role.HUB_ADMIN))
        html = client.get(reverse("brokerage:home")).content.decode()
        assert reverse("accounts:user_list") in html
        assert reverse("accounts:organisation_list") in html
