"""The users of `make load` (scripts/load/load.py runs locust headless with this file).

LOAD_ROLES names the JSON file scripts/fuzz/roles.py printed: real accounts, keys and URNs of
the scratch database, and the session cookies of the sign-ins load.py made before the run. Each
simulated officer has their own account, so the per-officer search budget
(API_SEARCH_RATE_LIMIT) is the real one:

- Officer (searching): opens an open request and runs its search (the places that matter and
  their travel limits are the request's own), with travel limits changed, then the matches by
  the API, and the list of requests;
- Browser (directory): a signed-in officer paging through the directory and opening settings;
- ProviderSystem: a provider's system by API key, confirming its vacancy statements and reading
  its settings;
- ProviderAnswering: a provider admin on the pages, answering referrals sent to it (interested
  with a price), then reading them.

Every request is named by what it does (`name=`), so the figures group by endpoint, not by URL.
"""

from __future__ import annotations

import json
import os
import random
import re
from collections import deque
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task

ROLES: dict[str, Any] = json.loads(Path(os.environ["LOAD_ROLES"]).read_text())
MIX: dict[str, int] = json.loads(os.environ.get("LOAD_MIX", "{}"))
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
OFFICERS = deque(ROLES["officers"])
ANSWERING = deque(ROLES["answering_cookies"])
REFERRALS = deque(ROLES["referral_ids"])
DIRECTORY_URNS = [urn for provider in ROLES["providers"] for urn in provider["urns"]] + ROLES[
    "directory_urns"
]


def csrf(text: str) -> str:
    found = CSRF_INPUT.search(text)
    if found is None:
        raise RuntimeError("No CSRF token on the page")
    return found.group(1)


class SignedIn(HttpUser):
    """Someone already signed in: load.py signed each account in before the run."""

    abstract = True
    wait_time = between(1, 4)

    def use_session(self, cookies: dict[str, str]) -> None:
        for name, value in cookies.items():
            self.client.cookies.set(name, value)


class Officer(SignedIn):
    fixed_count = MIX.get("Officer", 20)

    def on_start(self) -> None:
        self.use_session(OFFICERS[0]["cookies"])
        OFFICERS.rotate(-1)
        self.requests = ROLES["open_requests"]

    @task(4)
    def search(self) -> None:
        pk = random.choice(self.requests)  # noqa: S311 (load mix, not security)
        self.client.get(f"/placements/{pk}/search/", name="search (page)")

    @task(2)
    def search_within(self) -> None:
        pk = random.choice(self.requests)  # noqa: S311
        minutes = random.choice([20, 30, 45, 60])  # noqa: S311
        self.client.get(
            f"/placements/{pk}/search/?reach_minutes={minutes}", name="search within minutes"
        )

    @task(2)
    def matches(self) -> None:
        pk = random.choice(self.requests)  # noqa: S311
        self.client.get(f"/api/v1/placement-requests/{pk}/matches/", name="matches (API)")

    @task(1)
    def requests_list(self) -> None:
        self.client.get("/placements/", name="requests list")


class Browser(SignedIn):
    fixed_count = MIX.get("Browser", 18)

    def on_start(self) -> None:
        self.use_session(OFFICERS[0]["cookies"])
        OFFICERS.rotate(-1)

    @task(2)
    def directory(self) -> None:
        page = random.randint(1, 5)  # noqa: S311
        self.client.get(f"/providers/?page={page}", name="directory")

    @task(1)
    def directory_search(self) -> None:
        term = random.choice(["house", "care", "oakham", "foster", "lodge"])  # noqa: S311
        self.client.get(f"/providers/?q={term}", name="directory search")

    @task(3)
    def setting(self) -> None:
        urn = random.choice(DIRECTORY_URNS)  # noqa: S311
        self.client.get(f"/providers/{urn}/", name="setting page")


class ProviderSystem(HttpUser):
    fixed_count = MIX.get("ProviderSystem", 6)
    wait_time = between(1, 4)

    def on_start(self) -> None:
        provider = random.choice(ROLES["providers"])  # noqa: S311
        self.urns = provider["urns"]
        self.stated = provider["urns_with_vacancy"]
        self.client.headers["Authorization"] = f"Bearer {provider['key']}"

    @task(3)
    def confirm_vacancy(self) -> None:
        if not self.stated:
            return
        urn = random.choice(self.stated)  # noqa: S311
        self.client.post(
            f"/api/v1/settings/{urn}/vacancy/confirm/", json={}, name="vacancy confirm (API)"
        )

    @task(1)
    def settings(self) -> None:
        self.client.get("/api/v1/settings/", name="settings (API)")

    @task(1)
    def vacancy(self) -> None:
        urn = random.choice(self.urns)  # noqa: S311
        self.client.get(f"/api/v1/settings/{urn}/vacancy/", name="vacancy (API)")


class ProviderAnswering(SignedIn):
    fixed_count = MIX.get("ProviderAnswering", 6)

    def on_start(self) -> None:
        self.use_session(ANSWERING[0])
        ANSWERING.rotate(-1)

    @task(2)
    def answer(self) -> None:
        if not REFERRALS:
            self.referrals()
            return
        pk = REFERRALS.popleft()
        form = self.client.get(f"/referrals/{pk}/answer/", name="answer (page)")
        start = date.today() + timedelta(days=14)
        with self.client.post(
            f"/referrals/{pk}/answer/",
            data={
                "csrfmiddlewaretoken": csrf(form.text),
                "answer": "interested",
                "weekly_price": "4250",
                "start_date_0": str(start.day),
                "start_date_1": str(start.month),
                "start_date_2": str(start.year),
                "price_includes": ["education"],
            },
            headers={"Referer": f"{self.host}/referrals/{pk}/answer/"},
            name="answer",
            catch_response=True,
        ) as response:
            # An accepted answer redirects to the referral; a refused one shows the form again.
            if "govuk-error-summary" in response.text or response.url.endswith("/answer/"):
                response.failure("The answer was refused")

    @task(2)
    def referrals(self) -> None:
        self.client.get("/referrals/", name="referrals list")

    @task(1)
    def referral(self) -> None:
        pk = random.choice(ROLES["referral_ids"])  # noqa: S311
        self.client.get(f"/referrals/{pk}/", name="referral page")
