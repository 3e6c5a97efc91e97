"""Fault: the routing engine (osrm-routed) is down, or hangs.

Search must still answer, with travel times that are straight-line estimates, and say so: the
page tags each such time "Estimated" and the API marks each leg `estimated` with the engine
`estimate`. Two ways the engine fails are tested: nothing listens on its port (refused at once),
and a server that accepts the connection and never answers (the timeout path: the page must
take about TRAVEL_OSRM_TIMEOUT, not hang).
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, nullcontext

import pytest
from django.urls import reverse

from accounts.models import Role
from geo.travel import estimate_minutes
from tests.factories import UserFactory, sign_in
from tests.faults.servers import SilentServer, free_port, silent_server
from tests.placements.builders import NEAR, SCHOOL, child, home, make_world_map

pytestmark = pytest.mark.fault

TIMEOUT = 0.5  # seconds: TRAVEL_OSRM_TIMEOUT for these tests


def _engine(kind: str) -> AbstractContextManager[SilentServer | None]:
    return silent_server() if kind == "hangs" else nullcontext()


@pytest.mark.parametrize("kind", ["refuses", "hangs"])
def test_search_answers_with_labelled_estimates_when_the_routing_engine_is_down(
    db, client, settings, caplog, kind
):
    world_map = make_world_map()
    officer = UserFactory(organisation=world_map.la, role=Role.PLACEMENT_OFFICER)
    willow = home(world_map, name="Willow House", location=NEAR)
    request = child(world_map)
    sign_in(client, officer.email)

    with _engine(kind) as hanging:
        port = hanging.port if hanging else free_port()
        settings.TRAVEL_ENGINE = "osrm_http"
        settings.TRAVEL_OSRM_URL = f"http://127.0.0.1:{port}"
        settings.TRAVEL_OSRM_TIMEOUT = TIMEOUT

        started = time.monotonic()
        page = client.get(reverse("placements:placement_search", args=[request.pk]))
        page_seconds = time.monotonic() - started
        started = time.monotonic()
        api = client.get(reverse("api:api_placement_matches", args=[request.pk]))
        api_seconds = time.monotonic() - started
        if hanging:
            assert hanging.connections >= 2  # both searches asked it, and waited

    minutes = estimate_minutes(NEAR, SCHOOL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "1 setting can take this child" in html and "Willow House" in html
    assert f"School: about {round(minutes)} min (estimated) (limit 45 min)" in html
    assert '<strong class="govuk-tag govuk-tag--yellow">Estimated</strong>' in html

    assert api.status_code == 200
    body = api.json()
    assert body["engine"] == "estimate"
    (match,) = body["matches"]
    assert match["urn"] == willow.urn
    (leg,) = match["travel"]
    assert leg["estimated"] is True
    assert leg["minutes"] == pytest.approx(minutes, abs=0.5)

    assert "answering with estimates" in caplog.text
    # Refused: at once. Hanging: each search waits out the timeout once per question it asks the
    # engine (a handful here), never indefinitely.
    limit = 2.0 if kind == "refuses" else 6 * TIMEOUT + 2.0
    assert page_seconds < limit and api_seconds < limit, (page_seconds, api_seconds)
