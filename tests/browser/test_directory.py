"""A placement officer finds an outstanding fostering agency in the provider directory.

Runs in a real browser against the live app with no map tiles reachable (as in CI): the list,
its filters and the setting page must work, and pass axe, without them.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point

from accounts.models import Role
from providers.models import Judgement, ProvisionType
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_journey import sign_in
from tests.factories import PASSWORD, AreaFactory, OrganisationFactory, UserFactory
from tests.providers.factories import SettingEventFactory, SettingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def officer(db):
    leicester = AreaFactory(gss_code="E06000016", name="Leicester")
    rutland = AreaFactory(gss_code="E06000017", name="Rutland")
    la = OrganisationFactory(local_authority=True, area=leicester)
    best = SettingFactory(
        urn="SC500001",
        name="Brightwater Fostering",
        provision_type=ProvisionType.INDEPENDENT_FOSTERING_AGENCY,
        owner_name="Brightwater Group",
        local_authority=leicester,
        overall_effectiveness=Judgement.OUTSTANDING,
        location=Point(-1.13, 52.63, srid=4326),
    )
    SettingEventFactory(setting=best)
    SettingFactory(
        urn="SC500002",
        name="Brightwater Family Placements",
        owner_name="Brightwater Group",
        local_authority=rutland,
        overall_effectiveness=Judgement.GOOD,
        location=Point(-0.72, 52.66, srid=4326),
    )
    for index in range(6):
        SettingFactory(
            childrens_home=True,
            urn=f"SC50010{index}",
            local_authority=leicester if index % 2 else rutland,
            overall_effectiveness=Judgement.OUTSTANDING if index < 3 else Judgement.GOOD,
            location=Point(-1.1 + index / 10, 52.6, srid=4326),
        )
    return UserFactory(
        organisation=la,
        role=Role.PLACEMENT_OFFICER,
        email="olu@example.org",
        full_name="Olu Officer",
    )


def test_officer_filters_the_directory_and_opens_a_setting(live_server, page, axe, officer):
    # No network here; make that explicit so a tile request fails at once rather than hangs.
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    base = live_server.url
    sign_in(page, base, officer.email, PASSWORD)
    page.get_by_role("heading", name="Welcome, Olu").wait_for()

    page.get_by_role("link", name="Providers").first.click()
    page.get_by_role("heading", name="Providers", level=1).wait_for()
    page.get_by_role("heading", name="8 settings").wait_for()
    # The map has drawn (Leaflet took over the container) even though no tile could load.
    page.locator("#settings-map.leaflet-container").wait_for()
    assert page.get_by_role("region", name="Map of 2 settings").is_visible()
    assert "The map shows 2 of these settings" in page.locator("#map-description").inner_text()
    axe.check("20-directory")

    page.get_by_role("group", name="Provision type").get_by_label(
        "Independent fostering agency"
    ).check()
    page.get_by_role("group", name="Overall effectiveness").get_by_label("Outstanding").check()
    page.get_by_role("button", name="Apply filters").first.click()
    page.get_by_role("heading", name="1 setting", exact=True).wait_for()
    assert "provision_type=independent_fostering_agency" in page.url
    assert "overall_effectiveness=outstanding" in page.url
    # The settings' table (the one after it counts their changes by year).
    rows = page.locator("table.govuk-table").first.locator("tbody tr")
    assert rows.count() == 1
    assert "Brightwater Fostering" in rows.first.inner_text()
    assert page.get_by_role("link", name="Download this setting (.xlsx)").is_visible()
    axe.check("21-directory-filtered")

    page.get_by_role("link", name="Brightwater Fostering").click()
    page.get_by_role("heading", name="Brightwater Fostering", level=1).wait_for()
    main = page.locator("main").inner_text()
    assert "SC500001" in main
    assert "Leicester" in main
    # Its history: the judgement that improved, tagged so.
    history = page.locator("#history ~ table").first.inner_text()
    assert "Improved" in history and "Judged" in history
    assert page.get_by_role("link", name="Brightwater Family Placements").is_visible()
    axe.check("22-setting")

    # A children's home's page shows where it is only as far as its local authority.
    page.goto(f"{base}/providers/SC500101/")
    page.get_by_text("The address is withheld").wait_for()
    axe.check("23-setting-private")
    assert script_errors == []


def test_a_missing_page_is_the_services_own_page_not_found(live_server, page, axe, officer):
    """The live server runs with DEBUG off (config/settings/test.py, and pytest-django's
    django_debug_mode, false unless changed), so a missing page is our GOV.UK 404, never
    Django's technical page listing every URL pattern."""
    assert settings.DEBUG is False
    sign_in(page, live_server.url, officer.email, PASSWORD)
    page.get_by_role("heading", name="Welcome, Olu").wait_for()
    response = page.goto(f"{live_server.url}/providers/no-such-page/")
    assert response is not None and response.status == 404
    page.get_by_role("heading", name="Page not found", level=1).wait_for()
    text = page.locator("body").inner_text()
    assert "Using the URLconf" not in text and "DEBUG = True" not in text
    assert page.get_by_role("link", name="Go to your home page").is_visible()
    axe.check("24-page-not-found")


def test_the_directory_table_fits_a_laptop_screen(live_server, browser, officer):
    """At 1280px wide (a normal laptop) the results table fits the page: no sideways scroll,
    with the longest values the register has."""
    long_la = AreaFactory(gss_code="E06000058", name="Bournemouth, Christchurch and Poole")
    SettingFactory(
        urn="SC900001",
        name="The Willows and Meadowbank Therapeutic Children's Residential Service",
        provision_type=ProvisionType.RESIDENTIAL_SPECIAL_SCHOOL,
        local_authority=long_la,
        overall_effectiveness=Judgement.REQUIRES_IMPROVEMENT,
        places=120,
    )
    SettingFactory(
        urn="SC900002",
        name="Northumberland Supported Accommodation for Young People Leaving Care",
        provision_type=ProvisionType.INDEPENDENT_FOSTERING_AGENCY,
        local_authority=long_la,
        overall_effectiveness=Judgement.INADEQUATE,
        status="suspended",
    )
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    try:
        sign_in(page, live_server.url, officer.email, PASSWORD)
        page.get_by_role("heading", name="Welcome, Olu").wait_for()
        page.goto(f"{live_server.url}/providers/")
        page.get_by_role("heading", name="10 settings").wait_for()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "25-directory-1280.png"), full_page=True)
        widths = page.evaluate(
            """() => {
              const table = document.querySelector('table.govuk-table');
              return {
                page: document.documentElement.scrollWidth,
                window: window.innerWidth,
                table: table.getBoundingClientRect().right,
                column: table.closest('.govuk-grid-column-three-quarters')
                  .getBoundingClientRect().right,
              };
            }"""
        )
        assert widths["page"] <= widths["window"], widths
        # Not just inside the window: inside its own column, as the page's layout means it.
        assert widths["table"] <= widths["column"] + 1, widths
    finally:
        context.close()
