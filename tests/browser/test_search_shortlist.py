"""The shortlist across pages of search results, in a real browser: a tick on page 1 survives
going to page 2 by its link (static/js/shortlist.mjs), and the send page lists both."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from accounts.models import Role
from placements.search_views import RESULTS_PER_PAGE
from tests.browser.test_journey import sign_in
from tests.factories import PASSWORD, UserFactory
from tests.placements.builders import child, home, make_world_map

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scene(db, settings):
    settings.TRAVEL_ENGINE = "estimate"
    world_map = make_world_map()
    for number in range(RESULTS_PER_PAGE + 3):
        home(
            world_map,
            name=f"Home {number:02d}",
            location=Point(-0.79 + number * 0.006, 52.65, srid=4326),
        )
    officer = UserFactory(organisation=world_map.la, role=Role.PLACEMENT_OFFICER)
    return officer, child(world_map, places=[("School", Point(-0.7, 52.7, srid=4326), None)])


def test_ticks_on_two_pages_reach_the_send_page(live_server, page, axe, scene):
    officer, request = scene
    base = live_server.url
    sign_in(page, base, officer.email, PASSWORD)
    page.wait_for_url(lambda url: "sign-in" not in url)

    page.goto(base + reverse("placements:placement_search", args=[request.pk]))
    page.get_by_text("Showing 1 to 25 of 28 results.").wait_for()
    first = page.locator(".app-result__title a").first.inner_text()
    page.locator(".app-result__shortlist input").first.check()
    page.get_by_role("link", name="Next page").click()

    page.get_by_text("Showing 26 to 28 of 28 results.").wait_for()
    assert "Your shortlist has 1 setting, 1 of them on other pages." in page.content()
    second = page.locator(".app-result__title a").first.inner_text()
    page.locator(".app-result__shortlist input").first.check()
    axe.check("60-search-results-page-2")
    page.get_by_role("button", name="Send referrals to the shortlist").click()

    page.get_by_role("heading", name="Your shortlist (2)").wait_for()
    shortlist = page.locator(".app-shortlist").inner_text()
    assert first in shortlist and second in shortlist

    # Back to the results: both are still ticked, each on its own page.
    page.get_by_role("link", name="Back to the search results").click()
    page.get_by_text("Your shortlist has 2 settings").wait_for()
    assert page.locator(".app-result__shortlist input").first.is_checked()
