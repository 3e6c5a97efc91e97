"""The frameworks API: read only, scoped like the pages, and in the OpenAPI schema."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from accounts.models import Role
from providers import facts
from tests.commissioning.factories import (
    FrameworkFactory,
    LotFactory,
    MembershipFactory,
    RateFactory,
)
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db

FRAMEWORKS = "/api/v1/frameworks/"
MEMBERSHIPS = "/api/v1/framework-memberships/"


@pytest.fixture
def frameworks(world):
    ours = FrameworkFactory(region=world.hub_a.region, name="Ours", owner=world.la_a2)
    lot = LotFactory(framework=ours, number=1, name="Homes")
    mine = MembershipFactory(
        lot=lot, setting=SettingFactory(urn="SC800001", provider_organisation=world.provider_a1)
    )
    RateFactory(membership=mine, need_level="complex", weekly_rate=Decimal("7250.00"))
    theirs = MembershipFactory(
        lot=lot, setting=SettingFactory(urn="SC800002", provider_organisation=world.provider_a2)
    )
    RateFactory(membership=theirs, weekly_rate=Decimal("9999.00"))
    other_region = FrameworkFactory(region=world.hub_b.region, name="Theirs")
    MembershipFactory(
        lot=LotFactory(framework=other_region),
        setting=SettingFactory(urn="SC800003", provider_organisation=world.provider_a1),
    )
    return ours, other_region


def _session(world, org, role) -> APIClient:
    client = APIClient()
    client.force_login(world.user(org, role))
    return client


@pytest.mark.parametrize(
    ("org", "role"),
    [("hub_a", Role.HUB_ADMIN), ("la_a1", Role.LA_MANAGER), ("la_a1", Role.PLACEMENT_OFFICER)],
)
def test_region_readers_list_and_read_their_frameworks(world, frameworks, org, role):
    ours, other_region = frameworks
    client = _session(world, org, role)
    listing = client.get(FRAMEWORKS).json()
    assert [(f["name"], f["owner"], [lot["number"] for lot in f["lots"]]) for f in listing] == [
        ("Ours", world.la_a2.name, [1])
    ]
    detail = client.get(f"{FRAMEWORKS}{ours.pk}/").json()
    members = {m["urn"]: m for m in detail["lots"][0]["memberships"]}
    assert sorted(members) == ["SC800001", "SC800002"]
    assert members["SC800001"]["rates"] == [
        {
            "need_level": "complex",
            "weekly_rate": "7250.00",
            "includes": ["core", "education"],
            "solo_premium": None,
        }
    ]
    assert client.get(f"{FRAMEWORKS}{other_region.pk}/").status_code == 404
    assert sorted(m["urn"] for m in client.get(MEMBERSHIPS).json()) == ["SC800001", "SC800002"]


@pytest.mark.parametrize("role", [Role.PROVIDER_ADMIN, Role.PROVIDER_USER])
def test_providers_see_only_their_own_memberships(world, frameworks, role):
    ours, _ = frameworks
    client = _session(world, "provider_a1", role)
    assert client.get(FRAMEWORKS).status_code == 403
    assert client.get(f"{FRAMEWORKS}{ours.pk}/").status_code == 403
    rows = client.get(MEMBERSHIPS).json()
    # Its own settings' memberships on any region's frameworks, never another provider's.
    assert sorted((m["urn"], m["framework_name"]) for m in rows) == [
        ("SC800001", "Ours"),
        ("SC800003", "Theirs"),
    ]
    assert "9999.00" not in json.dumps(rows)


def test_a_provider_api_key_sees_its_own_memberships_only(world, frameworks):
    _, key = facts.api_token_create(
        actor=world.user("provider_a1", Role.PROVIDER_ADMIN), name="Our system"
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    rows = client.get(MEMBERSHIPS).json()
    assert sorted(m["urn"] for m in rows) == ["SC800001", "SC800003"]
    assert client.get(FRAMEWORKS).status_code == 403


def test_signed_out_is_refused(frameworks):
    assert APIClient().get(FRAMEWORKS).status_code in (401, 403)
    assert APIClient().get(MEMBERSHIPS).status_code in (401, 403)


def test_the_schema_documents_the_framework_endpoints(db):
    response = APIClient().get("/api/schema/?format=json")
    schema = json.loads(response.content)
    validate_schema(schema)
    assert {"/api/v1/frameworks/", "/api/v1/frameworks/{id}/", MEMBERSHIPS} <= set(schema["paths"])
    assert schema["paths"]["/api/v1/frameworks/{id}/"]["get"]["tags"] == ["frameworks"]
    assert "MembershipStatus" in schema["components"]["schemas"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_is_read_only(world, frameworks, method):
    ours, _ = frameworks
    client = _session(world, "hub_a", Role.HUB_ADMIN)
    response = getattr(client, method)(f"{FRAMEWORKS}{ours.pk}/", {}, format="json")
    assert response.status_code == 405
