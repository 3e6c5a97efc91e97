from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command

from accounts.models import Organisation, Role, User
from tests.factories import OrganisationFactory, RegionFactory, UserFactory


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock-offset-days",
        type=int,
        default=int(os.environ.get("TEST_CLOCK_OFFSET_DAYS") or 0),
        help="Run the whole suite with the clock moved this many days on (or back), to find "
        "tests that depend on today's date. `make test-calendar` runs it a year and a day on.",
    )
    parser.addoption(
        "--clock-at",
        default=os.environ.get("TEST_CLOCK_AT") or None,
        help="Run the whole suite with the clock starting at this ISO date-time (UTC unless it "
        "says), e.g. 2028-02-29T23:50 for a leap day's midnight.",
    )


_travel: time_machine.travel | None = None


def pytest_configure(config: pytest.Config) -> None:
    """Move the clock before collection, so module-level dates are computed on it too."""
    global _travel
    start = _clock_start(config)
    if start is not None:
        _travel = time_machine.travel(start, tick=True)
        _travel.start()


def _clock_start(config: pytest.Config) -> datetime | None:
    if at := config.getoption("--clock-at"):
        moment = datetime.fromisoformat(at)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if days := config.getoption("--clock-offset-days"):
        return datetime.now(UTC) + timedelta(days=days)
    return None


def pytest_unconfigure(config: pytest.Config) -> None:
    if _travel is not None:
        _travel.stop()


def pytest_report_header(config: pytest.Config) -> str | None:
    if _travel is None:
        return None
    return f"clock moved to {datetime.now(UTC).isoformat(timespec='minutes')}"


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
