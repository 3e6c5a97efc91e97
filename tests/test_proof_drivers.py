"""The parts of `make fuzz` and `make load` that decide their verdicts (scripts/fuzz, scripts/load):
the leak check on real API responses, and the reading of schemathesis's and locust's reports.

The runs themselves need gunicorn, a scratch database and minutes: they are `make fuzz` and
`make load`, not tests. These make sure a leak or a failure cannot pass unseen through them."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from providers import facts
from tests.factories import OrganisationFactory, RegionFactory, UserFactory
from tests.providers.factories import SettingFactory

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts" / "fuzz"))
sys.path.insert(0, str(ROOT / "scripts" / "load"))

import fuzz  # noqa: E402
import fuzz_hooks  # noqa: E402
import leaks  # noqa: E402
import load  # noqa: E402


@pytest.fixture
def two_providers(db):
    region = RegionFactory()
    ours, theirs = (OrganisationFactory(region=region, kind="provider") for _ in range(2))
    own = [SettingFactory(provider_organisation=ours, urn=f"SC90000{n}") for n in (1, 2)]
    other = SettingFactory(provider_organisation=theirs, urn="1234567")
    admin = UserFactory(organisation=ours, role=Role.PROVIDER_ADMIN)
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {facts.api_token_create(actor=admin, name='t')[1]}"
    )
    return SimpleNamespace(client=client, own=[s.urn for s in own], other=other.urn)


def test_the_leak_check_finds_a_foreign_urn_in_a_real_list_and_nothing_in_a_clean_one(
    two_providers,
):
    listed = two_providers.client.get("/api/v1/settings/").content.decode()
    assert leaks.urns_in(listed) == set(two_providers.own)
    assert leaks.urns_leaked(listed, foreign=[two_providers.other]) == []
    assert leaks.unexpected_urns(listed, own=two_providers.own) == []
    # The same list read as if one of our own settings were another organisation's:
    assert leaks.urns_leaked(listed, foreign=[two_providers.own[0]]) == [two_providers.own[0]]
    assert leaks.unexpected_urns(listed, own=two_providers.own[1:]) == [two_providers.own[0]]


def test_a_404_naming_the_urn_the_caller_asked_for_is_not_a_leak(two_providers):
    url = f"/api/v1/settings/{two_providers.other.lower()}/"
    response = two_providers.client.get(url)
    assert response.status_code == 404
    text = response.content.decode()
    assert leaks.urns_leaked(text, foreign=[two_providers.other], asked=url) == []
    assert leaks.urns_leaked(f'{{"urn": "{two_providers.other}"}}', foreign=[two_providers.other])


def test_the_schemathesis_check_raises_on_a_leak_only(two_providers, tmp_path, monkeypatch):
    foreign = tmp_path / "foreign"
    foreign.write_text(two_providers.own[0])
    monkeypatch.setenv("FUZZ_FOREIGN_URNS", str(foreign))
    fuzz_hooks.foreign.cache_clear()
    listed = two_providers.client.get("/api/v1/settings/").content.decode()

    def response(text: str, url: str = "http://127.0.0.1/api/v1/settings/") -> SimpleNamespace:
        return SimpleNamespace(text=text, request=SimpleNamespace(url=url, body=None))

    with pytest.raises(AssertionError, match=two_providers.own[0]):
        fuzz_hooks.no_other_organisations_data(None, response(listed), None)
    assert fuzz_hooks.no_other_organisations_data(None, response("[]"), None) is None
    fuzz_hooks.foreign.cache_clear()


def test_a_schemathesis_report_is_summarised_with_its_leaks_and_server_errors():
    # The shape of schemathesis 4's JSON report (--report json), trimmed to what is read.
    report = {
        "operations": {"tested": 19},
        "test_cases": {"generated": 1448},
        "running_time": 18.04,
        "errors": [],
        "failures": [
            {
                "type": "CustomFailure",
                "title": "Custom check failed: `no_other_organisations_data`",
                "count": 2,
                "operations": ["GET /api/v1/settings/", "GET /api/v1/framework-memberships/"],
            },
            {"type": "ServerError", "title": "Server error", "count": 1, "operations": ["X"]},
        ],
    }
    summary = fuzz.summarise(report)
    assert (summary["failures"], summary["leaks"], summary["server_errors"]) == (3, 2, 1)
    assert summary["cases"] == 1448 and summary["seconds"] == 18.0
    assert fuzz.summarise(report | {"failures": []})["failures"] == 0


def test_locusts_stats_become_one_line_per_endpoint_and_a_total(tmp_path):
    columns = ["Type", "Name", "Request Count", "Failure Count", "50%", "95%", "99%"]
    columns += ["Max Response Time", "Requests/s"]
    rows = [
        ["GET", "search (page)", "812", "0", "140", "420", "610", "900.4", "13.5"],
        ["POST", "answer", "60", "2", "95", "300", "350", "380", "1.0"],
        ["", "Aggregated", "872", "2", "130", "410", "600", "900.4", "14.5"],
    ]
    stats = tmp_path / "load_stats.csv"
    with stats.open("w", newline="") as handle:
        csv.writer(handle).writerows([columns, *rows])
    lines = load.endpoint_lines(stats)
    assert [line["load"] for line in lines] == ["endpoint", "endpoint", "total"]
    assert lines[1]["endpoint"] == "answer"
    assert (lines[1]["failures"], lines[1]["p95_ms"], lines[1]["method"]) == (2, 300.0, "POST")
    assert (lines[2]["requests"], lines[2]["failures"], lines[2]["max_ms"]) == (872, 2, 900)


@pytest.mark.parametrize("users", [4, 50, 51, 120])
def test_the_mix_scales_to_exactly_the_users_asked_for(users):
    mix = load.scaled_mix(users)
    assert sum(mix.values()) == users
    assert all(count >= 1 for count in mix.values())
    assert load.scaled_mix(50) == load.MIX
