"""The placement search's map and its drawing tool, in a real browser.

The search page itself is another module's; here the map's partial is rendered inside a small
GOV.UK search form on the real base template and served at a URL the browser intercepts, while
the built static files come from the live server. No map tiles are reachable (as in CI): the map,
the drawing tool and the page must work, and pass axe, without them.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.test import RequestFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE = "/search-map-under-test/"
RING = re.compile(r"^-?\d+\.\d{5} -?\d+\.\d{5}(;-?\d+\.\d{5} -?\d+\.\d{5})+$")
EVIL = '<img src=x onerror="window.pwned = true">Evil & Sons'

MAP_DATA = {
    "places": [
        {"label": "School", "postcode": "LE15 6AB", "lat": 52.67, "lng": -0.73, "max_minutes": 30},
        {
            "label": "Gran's house",
            "postcode": "LE1 1AA",
            "lat": 52.63,
            "lng": -1.13,
            "max_minutes": None,
        },
    ],
    # Compact rows, as placements/search_views.py sends every match (not only one page's).
    "columns": [
        "urn",
        "rank",
        "lat",
        "lng",
        "minutes",
        "estimated",
        "band",
        "approximate",
        "journey",
    ],  # fmt: skip
    "results": [
        ["SC000001", 1, 52.65, -0.9, 12, 0, "up-to-20", 0, "12 min by road"],
        # A URN is text, never markup, like everything else in a popup.
        [EVIL, 2, 52.7, -1.0, 23, 1, "up-to-40", 0, "about 17–30 min (estimated)"],
        ["SC000003", 3, 52.55, -0.8, 55, 0, "up-to-60", 1, "55 min by road"],
        ["SC000004", 4, 52.75, -1.2, 75, 0, "over-60", 0, "75 min by road"],
        ["SC000005", 5, 52.6, -1.05, None, 0, "unknown", 0, "No route by road"],
    ],
    "setting_url": "/providers/SC000000/",
    "area": {
        "type": "Polygon",
        "coordinates": [[[-1.3, 52.5], [-0.6, 52.5], [-0.6, 52.8], [-1.3, 52.8], [-1.3, 52.5]]],
    },
    "avoid": [
        {
            "type": "Polygon",
            "coordinates": [
                [[-1.2, 52.52], [-1.1, 52.52], [-1.1, 52.56], [-1.2, 52.56], [-1.2, 52.52]]
            ],
        }
    ],
    "drawn": "",
}

# A stand-in for the search form: the radios and field the map's script talks to, in GOV.UK markup.
TEMPLATE = """{% extends "base.html" %}
{% block title %}Search map{% endblock %}
{% block content %}
<h1 class="govuk-heading-l">Find a placement</h1>
<form method="get" action="" novalidate>
  <div class="govuk-form-group">
    <fieldset class="govuk-fieldset">
      <legend class="govuk-fieldset__legend govuk-fieldset__legend--m">Where to search</legend>
      <div class="govuk-radios" data-module="govuk-radios">
        <div class="govuk-radios__item">
          <input class="govuk-radios__input" id="id_area_0" name="area" type="radio"
            value="region"{% if area != "drawn" %} checked{% endif %}>
          <label class="govuk-label govuk-radios__label" for="id_area_0">The whole region</label>
        </div>
        <div class="govuk-radios__item">
          <input class="govuk-radios__input" id="id_area_1" name="area" type="radio"
            value="drawn" data-aria-controls="conditional-area-drawn"
            {% if area == "drawn" %} checked{% endif %}>
          <label class="govuk-label govuk-radios__label" for="id_area_1">An area I draw</label>
        </div>
        <div class="govuk-radios__conditional govuk-radios__conditional--hidden"
          id="conditional-area-drawn">
          <div class="govuk-form-group">
            <label class="govuk-label" for="id_polygon">Corners of the area</label>
            <div class="govuk-hint" id="id_polygon-hint">
              Longitude and latitude of each corner, separated by semicolons
            </div>
            <input class="govuk-input" id="id_polygon" name="polygon" type="text"
              aria-describedby="id_polygon-hint" value="{{ polygon }}">
          </div>
        </div>
      </div>
    </fieldset>
  </div>
  <button type="submit" class="govuk-button" data-module="govuk-button">Search</button>
</form>
{% include "placements/includes/search_map.html" %}
{% endblock %}
"""


def render_page(url: str, map_data: dict) -> str:
    query = parse_qs(urlsplit(url).query)
    request = RequestFactory().get(PAGE)
    request.user = AnonymousUser()
    context = {
        "map_data": map_data,
        "map_tile_url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "map_attribution": "© OpenStreetMap contributors",
        "area": query.get("area", [""])[0],
        "polygon": query.get("polygon", [""])[0],
    }
    return engines["django"].from_string(TEMPLATE).render(context, request)


@pytest.fixture
def search_page(live_server, page):
    """Opens the stand-in search page (with an optional query string) and says what went wrong."""
    base = live_server.url
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    page.route(
        lambda url: url.startswith(base + PAGE),
        lambda route: route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            body=render_page(route.request.url, MAP_DATA),
        ),
    )
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def open_page(query: str = "", wait_for_map: bool = True):
        page.goto(base + PAGE + query)
        if wait_for_map:
            page.locator("#search-map.leaflet-container").wait_for()
        return page

    open_page.errors = errors  # type: ignore[attr-defined]
    return open_page


def check_accessibility(page, axe, name: str) -> None:
    """axe on the whole page, less GOV.UK Frontend's known aria-expanded on conditional radios
    (alphagov/govuk-frontend#979), which belongs to the stand-in form, not to the map."""
    page.evaluate(
        "document.querySelectorAll('.govuk-radios__input[aria-expanded]')"
        ".forEach((input) => input.removeAttribute('aria-expanded'))"
    )
    axe.check(name)


def map_point(page, x_fraction: float, y_fraction: float) -> tuple[float, float]:
    """Where on screen a fraction of the map's width and height is (scrolling the map into view:
    mouse clicks go to screen positions)."""
    page.locator("#search-map").scroll_into_view_if_needed()
    box = page.locator("#search-map").bounding_box()
    return box["x"] + box["width"] * x_fraction, box["y"] + box["height"] * y_fraction


def test_map_shows_places_results_areas_and_a_key(search_page, axe):
    page = search_page()
    assert page.get_by_role("region", name="Map of the search").is_visible()
    assert page.locator("#search-map-key").is_visible()
    assert "Over 20, up to 40 minutes" in page.locator("#search-map-key").inner_text()

    assert page.locator("#search-map .app-map-place").count() == 2
    labels = page.locator("#search-map .app-map-place-label").all_inner_texts()
    assert sorted(labels) == ["Gran's house", "School"]

    results = page.locator("#search-map path.app-map-result")
    assert results.count() == 5
    for band, colour in [
        ("20", "#00703c"),
        ("40", "#ffdd00"),
        ("60", "#f47738"),
        ("over", "#d4351c"),
        ("unknown", "#b1b4b6"),
    ]:
        marker = page.locator(f"#search-map path.app-map-result--{band}")
        assert marker.count() == 1, band
        assert marker.get_attribute("fill") == colour
    # Only the estimated journey has a dashed outline.
    assert page.locator("#search-map path.app-map-result[stroke-dasharray]").count() == 1
    assert page.locator("#search-map path.app-map-result--40").get_attribute("stroke-dasharray")

    assert page.locator("#search-map path.app-map-avoid").count() == 1
    assert page.locator("#app-search-map-hatch").count() == 1
    assert page.locator('#search-map path[stroke="#003078"]').count() == 1  # the search area

    # Text, never markup; whole minutes, and an estimate never reads "by road".
    page.locator("#search-map path.app-map-result--40").click()
    popup = page.locator("#search-map .leaflet-popup-content")
    link = popup.get_by_role("link", name=f"URN {EVIL}")
    link.wait_for()
    assert link.get_attribute("href") == "/providers/" + quote(EVIL, safe="") + "/"
    assert "Longest journey about 17–30 min (estimated)" in popup.inner_text()
    assert "by road" not in popup.inner_text()
    assert popup.locator("img").count() == 0
    assert page.evaluate("window.pwned") is None
    page.keyboard.press("Escape")

    assert page.get_by_role("button", name="Draw a search area").is_visible()
    check_accessibility(page, axe, "30-search-map")
    assert search_page.errors == []


def test_drawing_an_area_fills_the_form_and_survives_the_shared_url(search_page, axe):
    page = search_page()
    polygon = page.locator("#id_polygon")
    drawn_radio = page.locator("input[name=area][value=drawn]")
    assert polygon.input_value() == ""
    assert not polygon.is_visible()  # inside the closed conditional reveal

    page.get_by_role("button", name="Draw a search area").click()
    # Clear of the toolbar and its actions at the top left.
    corners = [(0.4, 0.25), (0.8, 0.25), (0.8, 0.6), (0.4, 0.6)]
    for corner in corners:
        page.mouse.click(*map_point(page, *corner))
    page.mouse.click(*map_point(page, *corners[0]))  # back to the first corner closes the ring

    value = polygon.input_value()
    assert RING.match(value), value
    points = [tuple(map(float, pair.split())) for pair in value.split(";")]
    assert len(points) == 4  # the ring is not closed by repeating the first corner
    west, north = points[0]
    east, south = points[2]
    assert west < east and south < north
    assert all(-2 < lng < 0 and 52 < lat < 53.5 for lng, lat in points)
    assert drawn_radio.is_checked()
    assert polygon.is_visible()  # GOV.UK's radios opened the reveal
    assert page.locator('#search-map path[stroke="#1d70b8"]').count() == 1

    # The search is a GET form: the drawn area is in the URL, and comes back on the map from it.
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(re.compile(r"area=drawn"))
    page.locator("#search-map.leaflet-container").wait_for()
    assert polygon.input_value() == value
    assert drawn_radio.is_checked()
    assert page.locator('#search-map path[stroke="#1d70b8"]').count() == 1
    check_accessibility(page, axe, "31-search-map-drawn")

    # Removing the area clears the field.
    page.get_by_role("button", name="Remove the drawn area").click()
    page.mouse.click(*map_point(page, 0.6, 0.4))
    assert polygon.input_value() == ""
    assert page.locator('#search-map path[stroke="#1d70b8"]').count() == 0
    assert search_page.errors == []


def test_a_shared_area_is_drawn_editable_and_follows_the_field(search_page):
    shared = "-1.2 52.55;-0.8 52.55;-0.8 52.75;-1.2 52.75"
    page = search_page(f"?area=drawn&polygon={shared.replace(' ', '+')}")
    polygon = page.locator("#id_polygon")
    drawn = page.locator('#search-map path[stroke="#1d70b8"]')
    assert drawn.count() == 1

    # Editing: drag one corner; the field follows, still four corners.
    page.get_by_role("button", name="Change the drawn area").click()
    vertices = page.locator("#search-map .marker-icon:not(.marker-icon-middle)")
    assert vertices.count() == 4
    box = vertices.first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 40, y + 30, steps=5)
    page.mouse.up()
    edited = polygon.input_value()
    assert RING.match(edited), edited
    assert edited != shared
    assert len(edited.split(";")) == 4
    page.get_by_role("button", name="Change the drawn area").click()

    # Typing corners into the field (the no-JavaScript way) redraws the area.
    before = drawn.get_attribute("d")
    polygon.fill("-1.0 52.6; -0.9 52.6; -0.95 52.7")
    polygon.dispatch_event("change")
    assert drawn.count() == 1
    assert drawn.get_attribute("d") != before
    assert drawn.get_attribute("d").count("L") == 2  # a triangle: a move and two lines
    assert search_page.errors == []


def test_the_page_works_without_leaflet_or_the_drawing_tool(search_page, page, axe):
    page.route("**/dist/leaflet/leaflet.js", lambda route: route.abort())
    search_page(wait_for_map=False)
    page.get_by_role("button", name="Search", exact=True).wait_for()
    page.wait_for_load_state("load")
    assert not page.locator("#search-map").is_visible()
    assert not page.locator("#search-map-key").is_visible()
    assert "The list of results has everything the map shows" in page.inner_text("main")
    page.get_by_label("An area I draw").check()
    page.get_by_label("Corners of the area").fill("-1.0 52.6;-0.9 52.6;-0.95 52.7")
    check_accessibility(page, axe, "32-search-map-no-leaflet")
    # The only script error is the plug-in's own, finding no Leaflet to extend.
    assert search_page.errors == ["L is not defined"]
    search_page.errors.clear()
    page.unroute("**/dist/leaflet/leaflet.js")

    page.route("**/dist/geoman/leaflet-geoman.min.js", lambda route: route.abort())
    search_page()
    assert page.locator("#search-map path.app-map-result").count() == 5
    assert page.get_by_role("button", name="Draw a search area").count() == 0
    assert search_page.errors == []
