"""The core journey: an officer describes a child with two places that matter, searches, draws an
area on the map, and sees the settings that can take the child with travel times by road
(Rutland's real road network). Axe checks every page.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone

from accounts.models import Role
from geo.models import Area, Postcode, PostcodeDistrict
from placements.models import PlacementRequest, PlacementSearch
from providers.models import Capability, Eligibility, Need, PlacementKind, Risk, Vacancy
from tests.browser.test_journey import sign_in
from tests.browser.test_placement_requests import describe_child
from tests.factories import PASSWORD, AreaFactory, OrganisationFactory, RegionFactory, UserFactory
from tests.providers.factories import SettingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OAKHAM = Point(-0.7286, 52.6707, srid=4326)
UPPINGHAM = Point(-0.7241, 52.5897, srid=4326)
HOMES = {
    "Cottesmore House": Point(-0.7563, 52.7224, srid=4326),
    "Empingham Lodge": Point(-0.6453, 52.6522, srid=4326),
    "Edith Weston Cottage": Point(-0.6667, 52.6200, srid=4326),
    "Leicester Road Home": Point(-1.0, 52.66, srid=4326),  # off the Rutland network
}
# The map draws a children's home at the middle of its postcode district, never at its address:
# here each home has a district of its own, so that the officer can draw around them.
DISTRICTS = ("LE15", "PE9", "LE16", "LE7")


def box(x0: float, y0: float, x1: float, y1: float) -> MultiPolygon:
    ring = ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))
    return MultiPolygon(Polygon(ring), srid=4326)


@pytest.fixture
def officer(db, settings, network):
    settings.TRAVEL_ENGINE = "osrm"
    settings.TRAVEL_NETWORK = network
    region_area = AreaFactory(
        gss_code="E12000004",
        name="East Midlands",
        kind=Area.Kind.REGION,
        boundary=box(-1.6, 52.3, 0.2, 53.2),
    )
    rutland = AreaFactory(
        gss_code="E06000017",
        name="Rutland",
        boundary=box(-0.83, 52.52, -0.43, 52.77),
        parent=region_area,
    )
    leicestershire = AreaFactory(
        gss_code="E10000018",
        name="Leicestershire",
        boundary=box(-1.6, 52.4, -0.83, 52.9),
        parent=region_area,
    )
    for postcode, point in (("LE15 6AB", OAKHAM), ("LE15 9AA", UPPINGHAM)):
        Postcode.objects.create(
            postcode=postcode, point=point, ltla_code="E06000017", utla_code="E06000017"
        )
    region = RegionFactory(area=region_area)
    la = OrganisationFactory(region=region, local_authority=True, area=rutland)
    for (name, point), district in zip(HOMES.items(), DISTRICTS, strict=True):
        PostcodeDistrict.objects.create(district=district, point=point, postcodes=100)
        home = SettingFactory(
            childrens_home=True,
            name=name,
            location=point,
            postcode=f"{district} 1AA",
            places=3,
            local_authority=leicestershire if point.x < -0.83 else rutland,
        )
        Eligibility.objects.create(
            setting=home,
            min_age=10,
            max_age=17,
            sexes=["female", "male"],
            placement_kinds=list(PlacementKind.values),
            living_alongside="with_others",
            risks=dict.fromkeys(Risk.values, Capability.CAN_MEET.value)
            | {"going_missing": Capability.WILL_CONSIDER.value},
            needs=dict.fromkeys(Need.values, Capability.CAN_MEET.value),
        )
        Vacancy.objects.create(setting=home, places=1, confirmed_at=timezone.now())
    return UserFactory(
        organisation=la,
        role=Role.PLACEMENT_OFFICER,
        email="sam@example.org",
        full_name="Sam Officer",
    )


def result_names(page) -> list[str]:
    return page.locator(".app-result__title a").all_inner_texts()


def test_officer_finds_homes_near_school_and_grandmother_inside_a_drawn_area(
    live_server, page, axe, officer
):
    base = live_server.url
    sign_in(page, base, officer.email, PASSWORD)
    page.get_by_role("heading", name="Welcome, Sam").wait_for()

    # The request: a 14-year-old girl who goes missing, with two places that matter.
    page.get_by_role("link", name="Placement requests").click()
    page.get_by_role("button", name="Start a new request").click()
    describe_child(page, reference="CIC/2026/0142")
    page.locator("#id_places-0-label").fill("School")
    page.locator("#id_places-0-postcode").fill("LE15 6AB")
    page.locator("#id_places-0-max_minutes").fill("45")
    page.locator("#id_places-1-label").fill("Grandmother")
    page.locator("#id_places-1-postcode").fill("le15 9aa")
    page.get_by_role("button", name="Save request").click()
    page.get_by_role("heading", name="CIC/2026/0142").wait_for()
    request = PlacementRequest.objects.get(reference="CIC/2026/0142")
    assert request.places.count() == 2

    # The first search: anywhere, with the request's own limits.
    page.get_by_role("button", name="Find placements").click()
    page.get_by_role("heading", name="4 settings can take this child").wait_for()
    page.locator("#search-map.leaflet-container").wait_for()
    assert sorted(result_names(page)) == sorted(HOMES)
    results = page.locator(".app-results").inner_text()
    assert "min by road (limit 45 min)" in results and "Grandmother: " in results
    assert "Will consider (not a firm yes): Going missing" in results
    axe.check("50-search-results")

    # Draw an area around the Rutland homes, leaving out the one near Leicester (west).
    page.get_by_role("button", name="Draw a search area").click()
    page.locator("#search-map").scroll_into_view_if_needed()
    markers = page.locator("#search-map path.app-map-result")
    assert markers.count() == 4
    boxes = sorted((markers.nth(i).bounding_box() for i in range(4)), key=lambda b: b["x"])
    west = boxes[0]["x"] + boxes[0]["width"]
    left = west + (boxes[1]["x"] - west) / 2
    right = max(b["x"] + b["width"] for b in boxes) + 25
    top = min(b["y"] for b in boxes) - 25
    bottom = max(b["y"] + b["height"] for b in boxes) + 25
    corners = [(left, top), (right, top), (right, bottom), (left, bottom)]
    for x, y in corners:
        page.mouse.click(x, y)
    page.mouse.click(*corners[0])
    assert re.match(
        r"^-?\d+\.\d{5} \d+\.\d{5}(;-?\d+\.\d{5} \d+\.\d{5}){3}$",
        page.locator("#id_polygon").input_value(),
    )
    assert page.locator("input[name=area][value=drawn]").is_checked()
    page.get_by_role("button", name="Search", exact=True).click()

    page.wait_for_url(re.compile(r"area=drawn"))
    page.get_by_role("heading", name="3 settings can take this child").wait_for()
    assert sorted(result_names(page)) == sorted(name for name in HOMES if "Leicester" not in name)
    results = page.locator(".app-results").inner_text()
    assert "Estimated" not in results  # every journey here is by road on the network
    journeys = "\n".join(
        page.locator(".govuk-summary-list__row", has_text="Journey times").all_inner_texts()
    )
    minutes = [int(m) for m in re.findall(r"School: (\d+) min by road \(limit 45 min\)", journeys)]
    assert len(minutes) == 3 and all(2 <= m <= 20 for m in minutes)
    # Two places × three settings, every one routed on the network (issue 10: counted, not assumed).
    assert "6 journey times by road." in page.locator("main").inner_text()
    axe.check("51-search-drawn-area")

    search = PlacementSearch.objects.filter(request=request).order_by("-created_at").first()
    assert search.criteria["area"] == "drawn"
    assert search.match_count == 3 and search.engine == "osrm"
    assert PlacementSearch.objects.filter(request=request).count() == 2

    # A travel limit of 0 is a field message, not a search.
    page.get_by_label(re.compile("Longest journey from School")).fill("0")
    page.get_by_role("button", name="Search", exact=True).click()
    page.locator(".govuk-error-summary").wait_for()
    assert (
        "Enter a journey time of at least 1 minute"
        in page.locator(".govuk-error-summary").inner_text()
    )
    axe.check("52-search-error")
    assert PlacementSearch.objects.filter(request=request).count() == 2
