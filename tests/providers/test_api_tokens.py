"""Provider admins' API key pages: create (the key shown once), list, revoke."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role
from providers import facts
from providers.models import ApiToken

pytestmark = pytest.mark.django_db

ADMIN = ("provider_a1", Role.PROVIDER_ADMIN)
REFUSED = [
    ("provider_a1", Role.PROVIDER_USER),
    ("la_a1", Role.PLACEMENT_OFFICER),
    ("la_a1", Role.LA_MANAGER),
    ("hub_a", Role.HUB_ADMIN),
]


def _api_status(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client.get("/api/v1/settings/").status_code


def _key_on(page: str) -> str:
    found = re.search(r'value="(pf_[A-Za-z0-9_\-]+)"', page)
    assert found, "the new key is on the page"
    return found.group(1)


@pytest.fixture
def admin_client(world, client):
    client.force_login(world.user(*ADMIN))
    return client


def test_a_provider_admin_creates_a_key_and_sees_it_once(world, admin_client):
    assert admin_client.get(reverse("providers:api_token_create")).status_code == 200
    response = admin_client.post(reverse("providers:api_token_create"), {"name": "Our care system"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "Copy this key now" in page
    key = _key_on(page)

    token = ApiToken.objects.get()
    assert token.organisation == world.provider_a1
    assert token.created_by == world.user(*ADMIN)
    assert token.name == "Our care system"
    assert token.key_sha256 != key
    assert token.key_sha256 == hashlib.sha256(key.encode()).hexdigest()
    assert token.key_prefix == key[:8]
    assert _api_status(key) == 200

    listing = admin_client.get(reverse("providers:api_token_list")).content.decode()
    assert "Our care system" in listing
    assert token.key_prefix in listing
    assert key not in listing


def test_a_key_needs_a_name(admin_client):
    response = admin_client.post(reverse("providers:api_token_create"), {"name": ""})
    assert response.status_code == 200
    assert "Enter what will use this key" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_list_shows_only_the_organisations_keys(world, admin_client):
    facts.api_token_create(actor=world.user(*ADMIN), name="Ours")
    facts.api_token_create(actor=world.user("provider_a2", Role.PROVIDER_ADMIN), name="Theirs")
    page = admin_client.get(reverse("providers:api_token_list")).content.decode()
    assert "Ours" in page
    assert "Theirs" not in page
    assert "Never" in page  # not used yet


def test_a_provider_admin_revokes_a_key(world, admin_client):
    token, key = facts.api_token_create(actor=world.user(*ADMIN), name="Old system")
    url = reverse("providers:api_token_revoke", args=[token.pk])
    confirm = admin_client.get(url)
    assert confirm.status_code == 200
    assert "stop working" in confirm.content.decode()

    response = admin_client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("providers:api_token_list")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _api_status(key) == 401
    assert "Revoked" in admin_client.get(reverse("providers:api_token_list")).content.decode()

    # Revoking again changes nothing.
    revoked_at = token.revoked_at
    assert admin_client.post(url).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at == revoked_at


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_organisations_key_is_not_found(world, admin_client, method):
    token, key = facts.api_token_create(
        actor=world.user("provider_a2", Role.PROVIDER_ADMIN), name="Theirs"
    )
    response = getattr(admin_client, method)(reverse("providers:api_token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert _api_status(key) == 200


@pytest.mark.parametrize(("org", "role"), REFUSED)
@pytest.mark.parametrize(
    "page", ["providers:api_token_list", "providers:api_token_create", "providers:api_token_revoke"]
)
def test_everyone_else_is_refused(world, client, org, role, page):
    token, _ = facts.api_token_create(actor=world.user(*ADMIN), name="Ours")
    client.force_login(world.user(org, role))
    url = reverse(page, args=[token.pk] if page == "providers:api_token_revoke" else [])
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "Sneaky"}).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None
    assert ApiToken.objects.count() == 1


@pytest.mark.parametrize("page", ["providers:api_token_list", "providers:api_token_create"])
def test_signed_out_people_are_sent_to_sign_in(client, db, page):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
