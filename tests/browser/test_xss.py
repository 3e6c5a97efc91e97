"""Stored XSS, in a real browser: text an officer typed (a place that matters labelled with a
script) must never run on the search page, for anyone in the LA who opens it.

Two layers are checked: the page escapes what it shows (no script runs, no dialog opens), and
the Content-Security-Policy would stop an inline script even if escaping were ever lost.
"""

from __future__ import annotations

import pytest

from accounts.models import Role
from tests.browser.test_journey import sign_in
from tests.factories import PASSWORD, OrganisationFactory, UserFactory
from tests.placements.factories import PlacementRequestFactory, PlaceThatMattersFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOADS = (
    "<script>window.__xss=1</script>",
    "<img src=x onerror=window.__xss=2>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=window.__xss=3>',
)


@pytest.fixture
def officer(db, settings):
    settings.TRAVEL_ENGINE = "estimate"
    la = OrganisationFactory(local_authority=True)
    return UserFactory(organisation=la, role=Role.PLACEMENT_OFFICER, email="sam@example.org")


def test_a_place_labelled_with_a_script_does_not_run_on_the_search_page(
    live_server, page, axe, officer
):
    request = PlacementRequestFactory(organisation=officer.organisation, created_by=officer)
    for position, payload in enumerate(PAYLOADS):
        PlaceThatMattersFactory(request=request, label=payload, position=position)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    sign_in(page, live_server.url, officer.email, PASSWORD)
    page.get_by_role("heading", name="Welcome").wait_for()
    page.goto(f"{live_server.url}/placements/{request.pk}/search/")
    page.wait_for_load_state("networkidle")

    assert page.evaluate("typeof window.__xss") == "undefined"
    assert dialogs == []
    # Shown as the text it is, in the journey limits' labels and the list of places.
    for payload in PAYLOADS:
        assert page.get_by_text(f"Longest journey from {payload}", exact=False).count() == 1
    axe.check("xss-search-page")


@pytest.mark.allow_csp_violations
def test_the_content_security_policy_blocks_an_inline_script_that_got_through(
    live_server, page, officer
):
    """If escaping were ever lost, the header still stops the script: an inline script put in the
    served page (as an unescaped label would be) does not run, and the browser reports it."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    def inject(route):
        response = route.fetch()
        body = response.text().replace(
            "</main>", "<script>window.__xss=1</script><img src=x onerror=window.__xss=2></main>"
        )
        route.fulfill(response=response, body=body)

    sign_in(page, live_server.url, officer.email, PASSWORD)
    page.get_by_role("heading", name="Welcome").wait_for()
    page.route(f"{live_server.url}/account/**", inject)
    page.goto(f"{live_server.url}/account/")
    page.wait_for_load_state("networkidle")

    assert page.evaluate("typeof window.__xss") == "undefined"
    assert any("script-src" in text for text in violations), violations


def test_the_api_docs_work_under_the_content_security_policy(live_server, page):
    """Swagger UI starts from a script file (drf-spectacular's split view), not inline code."""
    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Find a placement: API" in page.locator(".swagger-ui .info .title").inner_text()
