"""Issue 10: the search results in pages, the map and the export whole, the shortlist across
pages; journey times labelled by how they were measured, and whole minutes everywhere."""

from __future__ import annotations

import io
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from brokerage.referral_views import place_rows
from geo import travel
from geo.journeys import JourneyCounts, journey_minutes, journey_summary, whole_minutes
from geo.models import PostcodeDistrict
from placements.models import PlacementSearch
from placements.search_views import RESULTS_PER_PAGE
from tests.factories import UserFactory, sign_in
from tests.placements.builders import NEAR, SCHOOL, child, home
from tests.providers.factories import SettingFactory

MAP_DATA = re.compile(r'<script id="search-map-data" type="application/json">(.*?)</script>', re.S)
PAGE_GOAL_BYTES = 500_000


@pytest.fixture
def officer(world_map):
    return UserFactory(organisation=world_map.la, role=Role.PLACEMENT_OFFICER)


@pytest.fixture
def signed_in(client, officer):
    sign_in(client, officer.email)
    return client


def homes(world_map, count: int) -> list:
    """`count` children's homes without stated criteria (shown when unconfirmed settings are
    included), spread over the child's LA, named so each card can be found."""
    made = []
    for number in range(count):
        x = -0.79 + 0.18 * (number % 20) / 20
        y = 52.61 + 0.18 * (number // 20) / max(count // 20, 1)
        made.append(
            SettingFactory(
                childrens_home=True,
                name=f"Home {number:04d}",
                local_authority=world_map.own,
                location=Point(x, y, srid=4326),
                postcode=f"LE15 {number % 10}AB",
                places=2,
            )
        )
    return made


def query_for(request, **extra) -> dict:
    place = request.places.get()
    return {"area": "anywhere", "include_unconfirmed": "on", f"limit_{place.pk}": "", **extra}


def page(client, request, **query):
    response = client.get(
        reverse("placements:placement_search", args=[request.pk]), query, follow=False
    )
    assert response.status_code == 200
    return response.content.decode()


def map_data(html: str) -> dict:
    (data,) = MAP_DATA.findall(html)
    return json.loads(data)


def card_urns(html: str) -> list[str]:
    return re.findall(r'<li class="app-result[^"]*" id="result-([A-Z0-9]+)">', html)


# --- Paging --------------------------------------------------------------------------------------


def test_the_second_page_shows_the_next_results_and_says_which(world_map, signed_in):
    homes(world_map, RESULTS_PER_PAGE + 5)
    request = child(world_map)

    first = page(signed_in, request, **query_for(request))
    second = page(signed_in, request, **query_for(request, page="2"))

    assert len(card_urns(first)) == RESULTS_PER_PAGE
    assert len(card_urns(second)) == 5
    assert not set(card_urns(first)) & set(card_urns(second))
    assert "Showing 1 to 25 of 30 results." in first
    assert "Showing 26 to 30 of 30 results." in second
    assert (
        '<ol class="govuk-list app-results" aria-labelledby="results-heading" start="26">' in second
    )
    assert re.search(r">\s*26\. <a", second)
    # GOV.UK pagination; the page number is in the shareable GET URL with the search itself.
    assert 'class="govuk-pagination"' in first
    (next_href,) = re.findall(r'href="([^"]+)" rel="next"', first)
    params = parse_qs(urlsplit(next_href.replace("&amp;", "&")).query)
    assert params["page"] == ["2"] and params["include_unconfirmed"] == ["on"]
    assert params["area"] == ["anywhere"]
    # One search record for the two pages: paging is not searching again.
    assert PlacementSearch.objects.filter(request=request).count() == 1
    assert len(PlacementSearch.objects.get(request=request).results) == 30


@pytest.mark.parametrize(
    ("asked", "shown"), [("99", "26 to 30"), ("-1", "26 to 30"), ("two", "1 to 25")]
)
def test_a_page_out_of_range_shows_the_last_and_nonsense_the_first(
    world_map, signed_in, asked, shown
):
    homes(world_map, RESULTS_PER_PAGE + 5)
    request = child(world_map)

    html = page(signed_in, request, **query_for(request, page=asked))

    assert f"Showing {shown} of 30 results." in html


def test_one_page_of_results_has_no_pagination(world_map, signed_in):
    homes(world_map, 3)
    request = child(world_map)

    html = page(signed_in, request, **query_for(request))

    assert "Showing 1 to 3 of 3 results." in html
    assert "govuk-pagination" not in html
    assert "Keep ticked settings on the shortlist" not in html


def test_the_map_holds_every_match_compactly_and_private_homes_at_their_district(
    world_map, signed_in
):
    made = homes(world_map, RESULTS_PER_PAGE + 5)
    PostcodeDistrict.objects.create(
        district="LE15", point=Point(-0.712345678, 52.654321987, srid=4326), postcodes=10
    )
    request = child(world_map)

    html = page(signed_in, request, **query_for(request, page="2"))
    data = map_data(html)

    assert data["columns"] == [
        "urn", "rank", "lat", "lng", "minutes", "estimated", "band", "approximate", "journey",
    ]  # fmt: skip
    rows = [dict(zip(data["columns"], row, strict=True)) for row in data["results"]]
    assert {row["urn"] for row in rows} == {s.urn for s in made}
    assert sorted(row["rank"] for row in rows) == list(range(1, 31))
    for row in rows:
        # Children's homes stand at their postcode district's middle, rounded to 5 places.
        assert (row["lat"], row["lng"]) == (52.65432, -0.71235)
        assert row["approximate"] == 1
        assert isinstance(row["minutes"], int) and row["estimated"] == 1
        assert row["band"] in {"up-to-20", "up-to-40"}
        assert row["journey"].startswith("about ") and row["journey"].endswith(" (estimated)")
    # No card in the map's data: no names, no reasons.
    assert "Home 00" not in json.dumps(data)
    assert data["setting_url"] == reverse("providers:setting_detail", args=["SC000000"])


def test_the_spreadsheet_holds_every_match_whatever_the_page(world_map, signed_in):
    homes(world_map, RESULTS_PER_PAGE + 5)
    request = child(world_map)
    html = page(signed_in, request, **query_for(request, page="2"))
    (export_url,) = re.findall(r'href="([^"]*search\.xlsx[^"]*)"', html)
    assert "page=" not in export_url

    response = signed_in.get(export_url.replace("&amp;", "&"))

    rows = list(load_workbook(io.BytesIO(response.content))["Matches"].iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == list(range(1, 31))


def test_a_large_results_page_stays_under_the_size_goal(world_map, signed_in):
    made = homes(world_map, 300)
    PostcodeDistrict.objects.create(district="LE15", point=NEAR, postcodes=10)
    request = child(world_map)

    html = page(signed_in, request, **query_for(request))

    assert len(html.encode()) < PAGE_GOAL_BYTES
    assert len(card_urns(html)) == RESULTS_PER_PAGE
    assert len(map_data(html)["results"]) == len(made)
    assert "Showing 1 to 25 of 300 results." in html


# --- The shortlist across pages -----------------------------------------------------------------


def test_ticks_on_other_pages_stay_on_the_shortlist(world_map, signed_in):
    homes(world_map, RESULTS_PER_PAGE + 5)
    request = child(world_map)
    first = card_urns(page(signed_in, request, **query_for(request)))
    second = card_urns(page(signed_in, request, **query_for(request, page="2")))
    kept = [first[0], first[3]]

    html = page(signed_in, request, **query_for(request, page="2"), urn=[*kept, second[1]])

    # Ticked elsewhere: hidden in the shortlist form, so sending takes them too.
    for urn in kept:
        assert f'<input type="hidden" name="urn" value="{urn}" data-shortlist-elsewhere>' in html
    assert re.search(
        rf'id="shortlist-{second[1]}" name="urn" type="checkbox" value="{second[1]}" checked', html
    )
    assert not re.search(rf'value="{second[0]}" checked', html)
    assert "Your shortlist has 3 settings, 2 of them on other pages." in html
    # The page links keep the shortlist.
    for href in re.findall(r'class="govuk-link govuk-pagination__link" href="([^"]+)"', html):
        assert parse_qs(urlsplit(href.replace("&amp;", "&")).query)["urn"] == [*kept, second[1]]
    # Without JavaScript, "Keep ticked settings" submits the form back to this page.
    assert (
        'formaction="'
        + reverse("placements:placement_search", args=[request.pk])
        + '" name="page" value="2"'
        in html
    )
    assert '<input type="hidden" name="include_unconfirmed" value="on">' in html
    # What that button sends comes back as the same search, with the ticks and no stray fields.
    search = PlacementSearch.objects.get(request=request)
    again = page(
        signed_in, request, **query_for(request, page="2"), urn=kept, search=str(search.pk)
    )
    assert f'name="search" value="{search.pk}"' in again
    assert again.count(f'name="search" value="{search.pk}"') == 1
    assert "search=" not in re.findall(r'href="([^"]*search\.xlsx[^"]*)"', again)[0]


def test_the_send_page_lists_every_ticked_setting_and_goes_back_with_them(world_map, signed_in):
    made = homes(world_map, RESULTS_PER_PAGE + 5)
    request = child(world_map)
    page(signed_in, request, **query_for(request))
    search = PlacementSearch.objects.get(request=request)
    urns = [made[0].urn, made[29].urn]

    html = signed_in.get(
        reverse("brokerage:referral_create", args=[request.pk]), {"urn": urns, "search": search.pk}
    ).content.decode()

    assert "Your shortlist (2)" in html
    (back,) = re.findall(r'<a href="([^"]+)" class="govuk-back-link">', html)
    params = parse_qs(urlsplit(back.replace("&amp;", "&")).query)
    assert params["urn"] == urns and params["include_unconfirmed"] == ["on"]


# --- Honest labels: by road or estimated ---------------------------------------------------------

OAKHAM = Point(-0.7286, 52.6707, srid=4326)
UPPINGHAM = Point(-0.7241, 52.5897, srid=4326)
COTTESMORE = Point(-0.7563, 52.7224, srid=4326)
FAR_OFF = Point(-0.79, 52.79, srid=4326)  # in the child's LA, but north of Rutland's roads


def test_an_estimated_only_search_never_says_by_road(world_map, signed_in):
    home(world_map, name="Willow House", location=NEAR)
    request = child(world_map)

    html = page(signed_in, request)

    assert (
        "1 journey time estimated (straight line) where the road network is not available." in html
    )
    assert "School: about 1 min (estimated)" in html
    cards = html.split('id="shortlist-form"')[1].split("</form>")[0]
    assert "Willow House" in cards and "min by road" not in cards


def test_a_routed_search_says_how_many_times_are_by_road(world_map, signed_in, settings, network):
    settings.TRAVEL_ENGINE = "osrm"
    settings.TRAVEL_NETWORK = network
    home(world_map, name="Uppingham House", location=UPPINGHAM)
    home(world_map, name="Cottesmore House", location=COTTESMORE)
    request = child(world_map, places=[("School", OAKHAM, None)])

    html = page(signed_in, request)

    assert "2 journey times by road." in html
    assert "estimated" not in html.split('id="journey-summary"')[1].split("</span>")[0]
    assert re.search(r"School: \d+ min by road", html)


def test_a_mixed_search_counts_both(world_map, signed_in, settings, network):
    settings.TRAVEL_ENGINE = "osrm"
    settings.TRAVEL_NETWORK = network
    home(world_map, name="Uppingham House", location=UPPINGHAM)
    home(world_map, name="Far House", location=FAR_OFF)
    request = child(world_map, places=[("School", OAKHAM, None)])

    html = page(signed_in, request)
    api = signed_in.get(reverse("api:api_placement_matches", args=[request.pk])).json()

    summary = (
        "1 journey time by road and 1 estimated (straight line) where the road network does not "
        "reach."
    )
    assert summary in html
    assert api["journeys"] == {"by_road": 1, "estimated": 1, "no_route": 0}
    assert api["journey_summary"] == summary
    legs = {m["name"]: m["travel"][0] for m in api["matches"]}
    assert legs["Far House"]["estimated"] is True
    assert (
        legs["Far House"]["text"].startswith("about ")
        and "by road" not in legs["Far House"]["text"]
    )
    assert (
        legs["Uppingham House"]["text"] == f"{legs['Uppingham House']['whole_minutes']} min by road"
    )


def test_journey_summary_words():
    assert journey_summary(JourneyCounts(), engine="none") == ""
    assert journey_summary(JourneyCounts(by_road=42, estimated=18), engine="osrm") == (
        "42 journey times by road and 18 estimated (straight line) where the road network does "
        "not reach."
    )
    assert journey_summary(JourneyCounts(by_road=1, estimated=2, no_route=3), engine="osrm") == (
        "1 journey time by road, 2 estimated (straight line) where the road network does not "
        "reach and 3 with no route by road."
    )
    assert journey_summary(JourneyCounts(estimated=1), engine="estimate") == (
        "1 journey time estimated (straight line) where the road network is not available."
    )


# --- Whole minutes everywhere --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "whole"), [(49.7, 50), (49.5, 50), (49.49, 49), (0.2, 1), (None, None), (60.0, 60)]
)
def test_whole_minutes_round_half_up(minutes, whole):
    assert whole_minutes(minutes) == whole


def test_one_formatter_for_road_and_estimate():
    assert journey_minutes(49.7, estimated=False) == "50 min by road"
    # An estimate reads as its range (the estimate × 0.75 to × 1.30, docs/road-network.md):
    # 37.1 to 64.4, rounded to 5 minutes from 30 up; 13.0 × 0.75 = 9.75 and × 1.3 = 16.9 whole.
    assert journey_minutes(49.5, estimated=True) == "about 35–65 min (estimated)"
    assert journey_minutes(13, estimated=True) == "about 10–17 min (estimated)"
    assert journey_minutes(23, estimated=True) == "about 17–30 min (estimated)"  # 17.25, 29.9
    # Both ends round to 1 (0.83 and 1.43): one number.
    assert journey_minutes(1.1, estimated=True) == "about 1 min (estimated)"
    assert journey_minutes(None, estimated=False) == "No route by road"


def test_providers_see_whole_minutes(world_map):
    rows = place_rows(
        [
            {"label": "School", "district": "LE15", "minutes": 49.7, "estimated": False},
            {"label": "Family", "district": "LE1", "minutes": 12.5, "estimated": True},
            {"label": "Contact", "district": "LE2", "minutes": None, "estimated": False},
        ]
    )
    assert [row["journey"] for row in rows] == [
        "50 min by road",
        "about 9–16 min (estimated)",  # 12.5 × 0.75 = 9.4, × 1.3 = 16.25
        "Not known",
    ]


def page_export_api(client, request) -> tuple[str, Any, dict]:
    """The same search three ways: the page's HTML, the spreadsheet and the API's JSON."""
    html = page(client, request)
    export = client.get(reverse("placements:placement_search_export", args=[request.pk]))
    book = load_workbook(io.BytesIO(export.content))
    api = client.get(reverse("api:api_placement_matches", args=[request.pk])).json()
    return html, book, api


def test_whole_minutes_on_the_page_the_export_the_api_and_the_record(world_map, signed_in):
    # 0.68 km × 1.3 at 48 km/h: 1.1 minutes, estimated.
    home(world_map, name="Willow House", location=NEAR)
    request = child(world_map, places=[("School", SCHOOL, None)])

    html, book, api = page_export_api(signed_in, request)

    assert "School: about 1 min (estimated)" in html
    assert not re.search(r"\d+\.\d+ min", html)
    matches = list(book["Matches"].iter_rows(values_only=True))
    column = matches[0].index("Minutes from School")
    assert matches[1][column] == 1 and isinstance(matches[1][column], int)
    assert matches[0][column + 1] == "School: estimated?" and matches[1][column + 1] == "Yes"
    about = dict(book["Search"].iter_rows(values_only=True))
    assert about["Journey times"].startswith("1 journey time estimated (straight line)")
    (leg,) = api["matches"][0]["travel"]
    assert leg["whole_minutes"] == 1 and leg["minutes"] == pytest.approx(1.1, abs=0.1)
    assert leg["text"] == "about 1 min (estimated)"
    (saved_leg,) = (
        PlacementSearch.objects.filter(request=request).latest("created_at").results[0]["travel"]
    )
    assert saved_leg["whole_minutes"] == 1


def test_an_estimate_reads_as_its_range_on_the_page_the_export_and_the_api(world_map, signed_in):
    # 11.7 km in a straight line from the school: × 1.3 at 48 km/h is 19.0 minutes, estimated;
    # × 0.75 = 14.3 and × 1.30 = 24.7, so "about 14–25 min".
    far = home(world_map, name="Far House", location=Point(-0.79, 52.61, srid=4326))
    request = child(world_map, places=[("School", SCHOOL, None)])
    # A children's home is drawn at its postcode district's middle.
    PostcodeDistrict.objects.create(
        district=far.postcode_district, point=Point(-0.7, 52.65, srid=4326), postcodes=10
    )
    assert travel.estimate_minutes(far.location, SCHOOL) == pytest.approx(19.0, abs=0.05)

    html, book, api = page_export_api(signed_in, request)

    assert "School: about 14–25 min (estimated)" in html
    (row,) = map_data(html)["results"]
    assert row[-1] == "about 14–25 min (estimated)"
    matches = list(book["Matches"].iter_rows(values_only=True))
    column = matches[0].index("Minutes from School")
    assert matches[0][column + 2] == "School: likely minutes if estimated"
    assert matches[1][column : column + 3] == (19, "Yes", "14–25")
    (leg,) = api["matches"][0]["travel"]
    assert (leg["whole_minutes"], leg["minutes_low"], leg["minutes_high"]) == (19, 14, 25)
    assert leg["text"] == "about 14–25 min (estimated)"


def test_a_road_time_has_no_range(settings, world_map, signed_in, network):
    settings.TRAVEL_ENGINE, settings.TRAVEL_NETWORK = "osrm", network
    # Oakham to Cottesmore, both on Rutland's roads.
    home(world_map, name="Oakham House", location=Point(-0.7286, 52.6707, srid=4326))
    cottesmore = Point(-0.7563, 52.7224, srid=4326)
    request = child(world_map, places=[("School", cottesmore, None)])
    api = signed_in.get(reverse("api:api_placement_matches", args=[request.pk])).json()
    (leg,) = api["matches"][0]["travel"]
    assert leg["estimated"] is False
    assert (leg["minutes_low"], leg["minutes_high"]) == (None, None)
    assert leg["text"] == f"{leg['whole_minutes']} min by road"
