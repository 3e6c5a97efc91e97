"""Rate limits on signing in, password resets and the API (docs/security.md), counted in the
test Redis: each limit is set low here, reached, and refused with 429."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role
from common.ratelimit import Rate, client_address
from providers import facts
from tests.factories import PASSWORD, sign_in

pytestmark = pytest.mark.django_db


def _at_the_start_of_an_hour() -> time_machine.travel:
    """Limits count in windows on the clock (an hour from the hour): begin a test at the start of
    one, so that its wait is the whole window."""
    return time_machine.travel(datetime.fromtimestamp((time.time() // 3600 + 1) * 3600 + 5, UTC))


def _without_tokens(html: str) -> str:
    """A page less what differs on every response: the CSP nonce and the CSRF token."""
    return re.sub(r'(nonce|value)="[^"]*"', "", html)


def _throttle(settings, **rates: str) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
    }


def test_rates_are_read_as_drf_spells_them_and_with_a_count_of_units():
    assert Rate.parse("5/hour") == Rate(limit=5, period=3600)
    assert Rate.parse("100/15m") == Rate(limit=100, period=900)
    assert Rate.parse("3/minute") == Rate(limit=3, period=60)
    with pytest.raises(ValueError, match="Not a rate"):
        Rate.parse("five an hour")


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_the_client_address_is_the_one_the_trusted_proxy_saw(rf):
    # A client can write anything at the start of X-Forwarded-For; the proxy appends what it saw.
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.0.0.2")
    assert client_address(request) == "203.0.113.9"
    with override_settings(TRUSTED_PROXY_COUNT=0):
        assert client_address(request) == "10.0.0.2"


# Signing in --------------------------------------------------------------------------------------


class TestSignIn:
    @override_settings(AXES_FAILURE_LIMIT=3)
    def test_an_account_locks_after_its_failures_and_unlocks_after_the_cool_off(self, world):
        client = Client()
        user = world.user("la_a1", Role.PLACEMENT_OFFICER)
        for _ in range(2):
            response = sign_in(client, user.email, "not-the-password")
            assert response.status_code == 200
            assert "Enter a correct email address and password." in response.content.decode()
        locked = sign_in(client, user.email, "not-the-password")
        assert locked.status_code == 429
        assert "Your account is locked for now" in locked.content.decode()
        # The right password is refused while locked, and from another browser too.
        right = sign_in(Client(), user.email, PASSWORD)
        assert right.status_code == 429
        assert not right.wsgi_request.user.is_authenticated
        # AXES_COOLOFF_TIME is a quarter of an hour from the latest attempt (a refused one
        # counts too): still locked 14 minutes on, free 16 minutes after that.
        with time_machine.travel(timedelta(minutes=14)):
            assert sign_in(Client(), user.email, PASSWORD).status_code == 429
        with time_machine.travel(timedelta(minutes=14 + 16)):
            response = sign_in(Client(), user.email, PASSWORD)
            assert response.wsgi_request.user.is_authenticated

    @override_settings(SIGN_IN_RATE_PER_ADDRESS="4/hour", AXES_FAILURE_LIMIT=100)
    def test_one_address_is_refused_after_failures_across_many_accounts(self, world):
        with _at_the_start_of_an_hour():
            self._one_address_refused(world)

    def _one_address_refused(self, world):
        client = Client(REMOTE_ADDR="198.51.100.7")
        emails = [
            world.user(org, Role.PROVIDER_ADMIN).email for org in ("provider_a1", "provider_a2")
        ]
        for attempt in range(4):
            response = sign_in(client, emails[attempt % 2], "guessing-a-password")
            assert response.status_code == 200
        refused = sign_in(client, emails[0], PASSWORD)
        assert refused.status_code == 429
        assert not refused.wsgi_request.user.is_authenticated
        html = refused.content.decode()
        assert "Too many attempts to sign in" in html
        assert "Try again in 1 hour." in html
        assert 3500 < int(refused["Retry-After"]) <= 3600
        # Another address is not affected, and the account itself is not locked.
        other = sign_in(Client(REMOTE_ADDR="198.51.100.8"), emails[0], PASSWORD)
        assert other.wsgi_request.user.is_authenticated
        # The window ends an hour after the first failure.
        with time_machine.travel(timedelta(minutes=60)):
            assert sign_in(client, emails[1], PASSWORD).wsgi_request.user.is_authenticated


# Password reset ----------------------------------------------------------------------------------


class TestPasswordReset:
    @pytest.fixture(autouse=True)
    def _low_limits(self, settings):
        settings.PASSWORD_RESET_RATE_PER_EMAIL = "3/hour"
        settings.PASSWORD_RESET_RATE_PER_ADDRESS = "5/hour"

    def _ask(self, client, email, callbacks):
        with callbacks(execute=True):
            return client.post(reverse("accounts:password_reset"), {"email": email})

    def test_an_address_gets_so_many_links_then_a_429_that_says_nothing_of_the_account(
        self, world, django_capture_on_commit_callbacks
    ):
        with _at_the_start_of_an_hour():
            self._so_many_links(world, django_capture_on_commit_callbacks)

    def _so_many_links(self, world, django_capture_on_commit_callbacks):
        user = world.user("la_a1", Role.PLACEMENT_OFFICER)
        pages: dict[str, Any] = {}
        for email in (user.email, "nobody-here@example.org"):
            # Each from its own address, so only the per-email limit applies.
            client = Client(REMOTE_ADDR=f"192.0.2.{len(pages) + 1}")
            for _ in range(3):
                response = self._ask(client, email, django_capture_on_commit_callbacks)
                assert response.status_code == 302
                assert response["Location"] == reverse("accounts:password_reset_done")
            pages[email] = self._ask(client, email.upper(), django_capture_on_commit_callbacks)
        assert len(mail.outbox) == 3 and {m.to[0] for m in mail.outbox} == {user.email}
        known, unknown = pages.values()
        assert known.status_code == unknown.status_code == 429
        html = known.content.decode()
        assert "Too many requests to reset a password" in html
        assert "Try again in 1 hour." in html
        # The same page for an address with no account: nothing tells them apart.
        assert _without_tokens(html) == _without_tokens(unknown.content.decode())
        assert known["Retry-After"] and unknown["Retry-After"]
        # An hour later the address has its budget again.
        with time_machine.travel(timedelta(minutes=60)):
            response = self._ask(Client(), user.email, django_capture_on_commit_callbacks)
            assert response.status_code == 302
        assert len(mail.outbox) == 4

    def test_one_client_address_is_limited_across_email_addresses(
        self, world, django_capture_on_commit_callbacks
    ):
        client = Client(REMOTE_ADDR="203.0.113.50")
        for n in range(5):
            response = self._ask(
                client, f"person{n}@example.org", django_capture_on_commit_callbacks
            )
            assert response.status_code == 302
        refused = self._ask(client, "person9@example.org", django_capture_on_commit_callbacks)
        assert refused.status_code == 429
        assert "or from your network" in refused.content.decode()
        # Someone else's network can still ask.
        other = self._ask(
            Client(REMOTE_ADDR="203.0.113.51"),
            "person9@example.org",
            django_capture_on_commit_callbacks,
        )
        assert other.status_code == 302


# The API -----------------------------------------------------------------------------------------


def _over_budget(client, url: str, budget: int):
    for _ in range(budget):
        assert client.get(url).status_code == 200
    return client.get(url)


def test_an_api_key_has_its_own_budget(world, settings):
    _throttle(settings, api_token="3/minute")
    admin = world.user("provider_a1", Role.PROVIDER_ADMIN)
    _, key = facts.api_token_create(actor=admin, name="Ours")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    refused = _over_budget(client, "/api/v1/settings/", 3)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "throttled" in refused.json()["detail"].lower()
    # A second key of the same organisation counts separately.
    _, second = facts.api_token_create(actor=admin, name="Second")
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {second}")
    assert other.get("/api/v1/settings/").status_code == 200


def test_a_signed_in_person_has_a_budget_of_their_own(world, settings):
    _throttle(settings, api_user="2/minute", api_token="100/minute")
    client = APIClient()
    client.force_login(world.user("hub_a", Role.HUB_ADMIN))
    refused = _over_budget(client, "/api/v1/frameworks/", 2)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    colleague = APIClient()
    colleague.force_login(world.user("la_a1", Role.PLACEMENT_OFFICER))
    assert colleague.get("/api/v1/frameworks/").status_code == 200


def test_requests_with_no_credentials_are_counted_per_address(db, settings):
    _throttle(settings, api_anon="2/minute")
    refused = _over_budget(APIClient(REMOTE_ADDR="192.0.2.77"), "/api/schema/?format=json", 2)
    assert refused.status_code == 429
    assert APIClient(REMOTE_ADDR="192.0.2.78").get("/api/schema/?format=json").status_code == 200
