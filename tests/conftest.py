from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command

from brokerage.models import Organisation, Role, User
from tests.factories import OrganisationFactory, RegionFactory, UserFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    """Redis is shared by the tests: start each one with an empty cache."""
    cache.clear()
    yield
    cache.clear()


@dataclass
class World:
    """Two regions. Region A has a hub, two LAs and two providers; region B a hub and one LA.

    Each organisation has one user per role it can hold, so tests can ask for "own",
    "another organisation in the same region" and "another region".
    """

    hub_a: Organisation
    la_a1: Organisation
    la_a2: Organisation
    provider_a1: Organisation
    provider_a2: Organisation
    hub_b: Organisation
    la_b1: Organisation
    provider_b1: Organisation
    users: dict[tuple[str, str], User]

    def user(self, org: str, role: Role) -> User:
        return self.users[(org, role)]


@pytest.fixture
def world(db) -> World:
    region_a = RegionFactory(name="Region A")
    region_b = RegionFactory(name="Region B")
    orgs = {
        "hub_a": OrganisationFactory(region=region_a, hub=True),
        "la_a1": OrganisationFactory(region=region_a, local_authority=True),
        "la_a2": OrganisationFactory(region=region_a, local_authority=True),
        "provider_a1": OrganisationFactory(region=region_a, name="Provider A1"),
        "provider_a2": OrganisationFactory(region=region_a, name="Provider A2"),
        "hub_b": OrganisationFactory(region=region_b, hub=True),
        "la_b1": OrganisationFactory(region=region_b, local_authority=True),
        "provider_b1": OrganisationFactory(region=region_b, name="Provider B1"),
    }
    roles = {
        Organisation.Kind.HUB: [Role.HUB_ADMIN],
        Organisation.Kind.LOCAL_AUTHORITY: [Role.LA_MANAGER, Role.PLACEMENT_OFFICER],
        Organisation.Kind.PROVIDER: [Role.PROVIDER_ADMIN, Role.PROVIDER_USER],
    }
    users = {}
    for key, org in orgs.items():
        for role in roles[Organisation.Kind(org.kind)]:
            users[(key, role)] = UserFactory(
                organisation=org, role=role, email=f"{role}.{key}@example.org"
            )
    return World(**orgs, users=users)


RUTLAND_PBF = (
    Path(settings.BASE_DIR).parent / "shared" / "data" / "osm" / "rutland-latest-2021.osm.pbf"
)


@pytest.fixture(scope="session")
def network(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Rutland's road network, built once per session (about 1.5 s) into a temporary folder."""
    out = tmp_path_factory.mktemp("osrm")
    stdout = io.StringIO()
    call_command(
        "build_road_network", str(RUTLAND_PBF), "--out", str(out), "--commit", "--json",
        stdout=stdout,
    )  # fmt: skip
    summary = json.loads(stdout.getvalue())
    assert summary["committed"] is True
    assert [step["name"] for step in summary["steps"]] == ["extract", "contract"]
    return summary["network"]
