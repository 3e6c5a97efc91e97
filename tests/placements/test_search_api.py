"""The JSON search endpoint: the same search as the page, for the same people."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Organisation, Role
from placements.models import PlacementSearch
from tests.factories import OrganisationFactory, UserFactory, sign_in
from tests.placements.builders import NEAR, child, home


def url(request, **query) -> str:
    from urllib.parse import urlencode

    base = reverse("api:api_placement_matches", args=[request.pk])
    return base + ("?" + urlencode(query) if query else "")


@pytest.fixture
def officer_client(world_map, client):
    officer = UserFactory(organisation=world_map.la, role=Role.PLACEMENT_OFFICER)
    sign_in(client, officer.email)
    return client


def test_an_officer_gets_the_ranked_matches_as_json_and_the_search_is_saved(
    world_map, officer_client
):
    best = home(world_map, location=NEAR, overall_effectiveness="outstanding", postcode="LE15 6ZZ")
    second = home(world_map, location=NEAR, overall_effectiveness="requires_improvement")
    request = child(world_map)

    response = officer_client.get(url(request))

    assert response.status_code == 200
    body = response.json()
    assert body["search_id"] == PlacementSearch.objects.get().pk
    assert body["engine"] == "estimate"
    assert body["funnel"]["travel"] == 2
    first, other = body["matches"]
    assert (first["rank"], first["urn"], other["urn"]) == (1, best.urn, second.urn)
    assert first["postcode_district"] == "LE15"
    assert "LE15 6ZZ" not in response.content.decode()
    assert first["vacancy"]["state"] == "fresh"
    assert first["vacancy"]["label"] == "Vacancy confirmed today by the provider"
    assert first["travel"][0]["estimated"] is True
    assert first["travel"][0]["max_minutes"] == 45
    assert first["score"] > other["score"]
    assert set(first["components"]) == {"fit", "vacancy", "travel", "ofsted", "local"}


def test_bad_criteria_are_field_errors(world_map, officer_client):
    request = child(world_map)
    place = request.places.get()
    response = officer_client.get(url(request, area="anywhere", **{f"limit_{place.pk}": "1000"}))
    assert response.status_code == 400
    assert response.json() == {
        f"limit_{place.pk}": ["Enter a journey time of 240 minutes (4 hours) or less"]
    }
    response = officer_client.get(url(request, area="drawn", polygon="0 52;1 53;1 52;0 53"))
    assert response.status_code == 400
    assert "crosses over itself" in response.json()["polygon"][0]
    assert not PlacementSearch.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [("other LA", 404), ("hub admin", 403), ("provider admin", 403), ("signed out", 403)],
)
def test_others_cannot_search(world_map, client, who, status):
    request = child(world_map)
    region = world_map.la.region
    organisations = {
        "other LA": (
            OrganisationFactory(region=region, local_authority=True),
            Role.PLACEMENT_OFFICER,
        ),
        "hub admin": (OrganisationFactory(region=region, hub=True), Role.HUB_ADMIN),
        "provider admin": (
            OrganisationFactory(region=region, kind=Organisation.Kind.PROVIDER),
            Role.PROVIDER_ADMIN,
        ),
    }
    if who in organisations:
        organisation, role = organisations[who]
        sign_in(client, UserFactory(organisation=organisation, role=role).email)
    assert client.get(url(request)).status_code == status
    assert not PlacementSearch.objects.exists()


def test_the_schema_describes_the_search(client):
    schema = client.get(reverse("api:api_schema")).content.decode()
    assert "/api/v1/placement-requests/{id}/matches/" in schema
    assert "MatchTravel" in schema
