"""The search page, its spreadsheet and the saved search record, through the real views."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Organisation, Role
from geo.models import PostcodeDistrict
from placements.models import PlacementRequest, PlacementSearch
from providers.models import LocationView
from tests.factories import OrganisationFactory, PostcodeFactory, UserFactory, sign_in
from tests.placements.builders import NEAR, SCHOOL, child, home


@pytest.fixture
def officer(world_map):
    return UserFactory(organisation=world_map.la, role=Role.PLACEMENT_OFFICER)


@pytest.fixture
def signed_in(client, officer):
    sign_in(client, officer.email)
    return client


def search_url(request: PlacementRequest, **query: str) -> str:
    url = reverse("placements:placement_search", args=[request.pk])
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query, doseq=True)
    return url


def test_the_first_visit_searches_with_the_requests_own_limits_and_saves_the_search(
    world_map, signed_in, officer
):
    near = home(world_map, name="Willow House", location=NEAR)
    home(world_map, name="Far House", location=SCHOOL.__class__(-0.7, 53.0, srid=4326))
    request = child(world_map)

    response = signed_in.get(search_url(request))

    html = response.content.decode()
    assert response.status_code == 200
    assert "1 setting can take this child" in html
    assert "Willow House" in html and "Far House" not in html
    assert "School: about 1 min (estimated) (limit 45 min)" in html
    assert "Estimated" in html
    (search,) = PlacementSearch.objects.filter(request=request)
    assert search.run_by == officer
    assert search.match_count == 1
    assert search.results[0]["urn"] == near.urn
    assert search.criteria["area"] == "anywhere"
    assert search.funnel == {
        "registered": 2,
        "criteria": 2,
        "available": 2,
        "where": 2,
        "travel": 1,
        "on_service": 0,
    }
    assert search.profile["age"] == 14 and "name" not in search.profile


def test_reloading_a_search_updates_its_record_and_a_new_search_adds_one(world_map, signed_in):
    home(world_map)
    request = child(world_map)
    place = request.places.get()
    query = {"area": "anywhere", f"limit_{place.pk}": "45"}

    signed_in.get(search_url(request, **query))
    signed_in.get(search_url(request, **query))
    assert PlacementSearch.objects.filter(request=request).count() == 1

    signed_in.get(search_url(request, **{**query, "area": "own_la"}))
    assert PlacementSearch.objects.filter(request=request).count() == 2


def test_a_shared_url_gives_the_same_search(world_map, signed_in):
    home(world_map, location=NEAR)
    request = child(world_map)
    place = request.places.get()
    query = {"area": "drawn", "polygon": "-0.8 52.6;-0.6 52.6;-0.6 52.8", f"limit_{place.pk}": ""}

    html = signed_in.get(search_url(request, **query)).content.decode()

    assert "1 setting can take this child" in html
    search = PlacementSearch.objects.get(request=request)
    assert search.criteria["polygon"].startswith("POLYGON ((-0.8 52.6")
    assert search.criteria["limits"] == {str(place.pk): None}
    assert search.area is not None


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"limit": "0"}, "limit", "Enter a journey time of at least 1 minute"),
        ({"limit": "1000"}, "limit", "Enter a journey time of 240 minutes (4 hours) or less"),
        ({"limit": "half an hour"}, "limit", "Enter the journey time as a whole number of minutes"),
        (
            {"area": "radius", "postcode": "ZZ99 9ZZ", "radius_miles": "10"},
            "postcode",
            "We cannot find the postcode ZZ99 9ZZ",
        ),
        (
            {"area": "radius", "postcode": "not a postcode", "radius_miles": "10"},
            "postcode",
            "postcode",
        ),
        (
            {"area": "radius", "postcode": "LE15 6AB", "radius_miles": ""},
            "radius_miles",
            "Enter a distance in miles",
        ),
        (
            {"area": "radius", "postcode": "LE15 6AB", "radius_miles": "500"},
            "radius_miles",
            "100 miles or less",
        ),
        (
            {"area": "drawn", "polygon": "-0.8 52.6;-0.6 52.8;-0.6 52.6;-0.8 52.8"},
            "polygon",
            "crosses over itself",
        ),
        ({"area": "drawn", "polygon": "-0.8 52.6;-0.6 52.8"}, "polygon", "at least 3 corners"),
        ({"area": "drawn", "polygon": "hello"}, "polygon", "longitude and latitude pairs"),
        ({"area": "drawn", "polygon": "10 60;11 60;11 61"}, "polygon", "outside England"),
        ({"area": "drawn", "polygon": ""}, "polygon", "Draw an area on the map"),
        ({"area": "las"}, "las", "Choose at least one local authority"),
        ({"area": "las", "las": "E99999999"}, "las", "Choose local authorities from the list"),
        ({"area": "somewhere"}, "area", "Choose where to look"),
    ],
)
def test_bad_input_is_a_field_message_and_no_search_is_run(
    world_map, signed_in, query, field, message
):
    PostcodeFactory(postcode="LE15 6AB")
    request = child(world_map)
    place = request.places.get()
    data = {"area": "anywhere", f"limit_{place.pk}": "45", **query}
    if "limit" in data:
        data[f"limit_{place.pk}"] = data.pop("limit")

    response = signed_in.get(search_url(request, **data))

    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert message in html
    assert not PlacementSearch.objects.exists()


def test_a_radius_search_uses_the_postcode(world_map, signed_in):
    PostcodeFactory(postcode="LE15 6AB", point=SCHOOL)
    inside = home(world_map, location=NEAR)
    request = child(world_map, places=[])
    html = signed_in.get(
        search_url(request, area="radius", postcode="le156ab", radius_miles="2")
    ).content.decode()
    assert f"URN {inside.urn}" in html
    assert PlacementSearch.objects.get().criteria["postcode"] == "LE15 6AB"


def test_a_childrens_home_shows_its_district_and_an_audited_link_never_its_address(
    world_map, signed_in, officer
):
    PostcodeDistrict.objects.create(district="LE15", point=NEAR, postcodes=10)
    secret = home(world_map, address_line_1="12 Secret Lane", postcode="LE15 6ZZ", location=NEAR)
    request = child(world_map)

    html = signed_in.get(search_url(request)).content.decode()

    assert "12 Secret Lane" not in html and "LE15 6ZZ" not in html
    assert "LE15" in html
    location_url = reverse("providers:setting_location", args=[secret.urn])
    assert location_url in html
    assert not LocationView.objects.exists()  # searching is not seeing the address
    signed_in.get(location_url)
    assert LocationView.objects.filter(setting=secret, user=officer).count() == 1


def test_the_spreadsheet_has_the_ranked_matches_and_the_search(world_map, signed_in):
    home(world_map, name='=HYPERLINK("http://evil")', overall_effectiveness="outstanding")
    home(world_map, name="Second House", overall_effectiveness="requires_improvement")
    request = child(world_map)

    response = signed_in.get(reverse("placements:placement_search_export", args=[request.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book["Matches"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Rank", "URN", "Name")
    assert "Minutes from School" in rows[0]
    from accounts.models import AuditEvent

    event = AuditEvent.objects.get(action=AuditEvent.Action.DATA_EXPORTED)
    assert event.detail["export"] == "placement_search"
    assert event.detail["filters"]["placement_request"] == request.pk
    assert event.detail["rows"] == len(rows) - 1  # one per ranked match
    assert [row[0] for row in rows[1:]] == [1, 2]
    assert rows[1][2] == '\'=HYPERLINK("http://evil")'  # shown, never run
    assert rows[2][2] == "Second House"
    about = dict(book["Search"].iter_rows(values_only=True))
    assert about["Request"] == request.reference
    assert PlacementSearch.objects.count() == 1


def test_a_closed_request_cannot_be_searched(world_map, signed_in):
    home(world_map)
    request = child(world_map, status="closed", closed_at=timezone.now(), close_reason="other")
    html = signed_in.get(search_url(request)).content.decode()
    assert "This request is closed" in html
    assert not PlacementSearch.objects.exists()


# --- Who may search ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("officer", 200),
        ("manager", 200),
        ("officer of another LA", 404),
        ("officer of a former member LA", 403),
        ("hub admin", 403),
        ("provider admin", 403),
        ("provider user", 403),
    ],
)
@pytest.mark.parametrize(
    "page", ["placements:placement_search", "placements:placement_search_export"]
)
def test_only_the_requesting_las_officers_and_managers_may_search(
    world_map, client, who, status, page
):
    request = child(world_map)
    region = world_map.la.region
    other_la = OrganisationFactory(region=region, local_authority=True)
    former = OrganisationFactory(region=region, local_authority=True, member_until=timezone.now())
    users = {
        "officer": (world_map.la, Role.PLACEMENT_OFFICER),
        "manager": (world_map.la, Role.LA_MANAGER),
        "officer of another LA": (other_la, Role.PLACEMENT_OFFICER),
        "officer of a former member LA": (former, Role.PLACEMENT_OFFICER),
        "hub admin": (OrganisationFactory(region=region, hub=True), Role.HUB_ADMIN),
        "provider admin": (
            OrganisationFactory(region=region, kind=Organisation.Kind.PROVIDER),
            Role.PROVIDER_ADMIN,
        ),
        "provider user": (
            OrganisationFactory(region=region, kind=Organisation.Kind.PROVIDER),
            Role.PROVIDER_USER,
        ),
    }
    organisation, role = users[who]
    user = UserFactory(organisation=organisation, role=role)
    sign_in(client, user.email)

    response = client.get(reverse(page, args=[request.pk]))

    assert response.status_code == status
    assert PlacementSearch.objects.exists() is (status == 200)


def test_signed_out_people_are_sent_to_sign_in(world_map, client):
    request = child(world_map)
    response = client.get(reverse("placements:placement_search", args=[request.pk]))
    assert response.status_code == 302
    assert "sign-in" in response["Location"] or "login" in response["Location"]


def test_an_unknown_request_is_404_not_500(signed_in):
    assert signed_in.get(reverse("placements:placement_search", args=[999999])).status_code == 404


def test_the_error_summary_links_to_the_first_choice_of_a_group(world_map, signed_in):
    request = child(world_map)
    html = signed_in.get(search_url(request, area="somewhere")).content.decode()
    assert 'href="#id_area_0"' in html and 'id="id_area_0"' in html
    html = signed_in.get(search_url(request, area="las")).content.decode()
    assert 'href="#id_las_1"' in html and 'id="id_las_1"' in html
