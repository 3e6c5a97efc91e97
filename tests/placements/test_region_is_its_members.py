"""Searching "in our region" for a hub that is a grouping of LAs from two ONS regions: the region
is its current member LAs, in the search area and in the ranking's locality part, and each hub
in one deployment has only its own.

The map (SRID 4326, 0.2° squares on the 52.6..52.8 band):
    Rutland        -0.8..-0.6   East Midlands     member of region A (the child's LA)
    Leicestershire -0.6..-0.4   East Midlands     touches Rutland; a member of no hub
    Peterborough    0.2..0.4    East of England   member of region A
    Cambridgeshire  0.4..0.6    East of England   member of region B
Region A has no ONS region of its own (it spans two), which used to make a region search fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from accounts import services
from accounts.models import Organisation, Region, Role
from geo.models import Area
from placements.matching import (
    LOCAL_SCORE,
    NO_REGION_BOUNDARY,
    AreaKind,
    SearchAreaError,
    SearchCriteria,
    setting_match,
)
from placements.models import PlacementRequest
from providers.models import Setting
from tests.factories import (
    AreaFactory,
    OrganisationFactory,
    RegionFactory,
    UserFactory,
    sign_in,
    square,
)
from tests.placements.builders import SCHOOL, Map, child, home

REGION = SearchCriteria(area=AreaKind.REGION)


@dataclass
class Hubs:
    map: Map  # region A's, for the builders: the child's LA is Rutland
    region_a: Region
    region_b: Region
    rutland: Area
    leicestershire: Area
    peterborough: Area
    cambridgeshire: Area
    peterborough_la: Organisation
    cambridgeshire_la: Organisation


@pytest.fixture
def hubs(db, settings) -> Hubs:
    settings.TRAVEL_ENGINE = "estimate"
    east_midlands = AreaFactory(
        gss_code="E12000004",
        name="East Midlands",
        kind=Area.Kind.REGION,
        boundary=square(-1, 52, 1),
    )
    east = AreaFactory(
        gss_code="E12000006",
        name="East of England",
        kind=Area.Kind.REGION,
        boundary=square(0, 52, 1),
    )

    def la(code: str, name: str, x: float, parent: Area) -> Area:
        return AreaFactory(gss_code=code, name=name, parent=parent, boundary=square(x, 52.6, 0.2))

    rutland = la("E06000017", "Rutland", -0.8, east_midlands)
    leicestershire = la("E10000018", "Leicestershire", -0.6, east_midlands)
    peterborough = la("E06000031", "Peterborough", 0.2, east)
    cambridgeshire = la("E10000003", "Cambridgeshire", 0.4, east)
    region_a = RegionFactory(name="Fens and Rutland Co-operative")
    region_b = RegionFactory(name="Cambridgeshire Hub", area=east)
    OrganisationFactory(region=region_a, hub=True)
    OrganisationFactory(region=region_b, hub=True)
    rutland_la = OrganisationFactory(region=region_a, local_authority=True, area=rutland)
    peterborough_la = OrganisationFactory(region=region_a, local_authority=True, area=peterborough)
    cambridgeshire_la = OrganisationFactory(
        region=region_b, local_authority=True, area=cambridgeshire
    )
    world_map = Map(
        rutland, leicestershire, peterborough, cambridgeshire, east_midlands, rutland_la
    )
    return Hubs(
        world_map,
        region_a,
        region_b,
        rutland,
        leicestershire,
        peterborough,
        cambridgeshire,
        peterborough_la,
        cambridgeshire_la,
    )


def in_(hubs: Hubs, area: Area) -> Setting:
    """A home that admits every child, in the middle of `area`."""
    x = area.boundary.extent[0] + 0.1
    return home(hubs.map, local_authority=area, location=Point(x, 52.7, srid=4326), name=area.name)


@pytest.fixture
def homes(hubs: Hubs) -> dict[str, Setting]:
    return {
        area.name: in_(hubs, area)
        for area in (hubs.rutland, hubs.leicestershire, hubs.peterborough, hubs.cambridgeshire)
    }


def found(request: PlacementRequest, criteria: SearchCriteria = REGION) -> set[str]:
    return {m.setting.name for m in setting_match(request=request, criteria=criteria).matches}


def hub_admin(region: Region):
    return UserFactory(organisation=region.organisations.get(kind="hub"), role=Role.HUB_ADMIN)


def no_travel_limit(hubs: Hubs) -> PlacementRequest:
    return child(hubs.map, places=[("School", SCHOOL, None)])


class TestRegionSearch:
    def test_finds_a_setting_in_either_member_la_and_none_outside(self, hubs, homes):
        request = no_travel_limit(hubs)
        # Leicestershire is in Rutland's ONS region but not in the hub; Peterborough is the
        # other way round. Cambridgeshire belongs to the other hub.
        assert found(request) == {"Rutland", "Peterborough"}
        assert found(request, SearchCriteria()) == {
            "Rutland",
            "Leicestershire",
            "Peterborough",
            "Cambridgeshire",
        }

    def test_removing_a_member_shrinks_the_search_and_adding_one_grows_it(self, hubs, homes):
        request = no_travel_limit(hubs)
        admin = hub_admin(hubs.region_a)
        assert found(request) == {"Rutland", "Peterborough"}

        services.local_authority_remove(actor=admin, organisation=hubs.peterborough_la)
        request = PlacementRequest.objects.get(pk=request.pk)
        assert found(request) == {"Rutland"}

        services.local_authority_add(
            actor=admin, area=hubs.leicestershire, outside_region_confirmed=True
        )
        request = PlacementRequest.objects.get(pk=request.pk)
        assert found(request) == {"Rutland", "Leicestershire"}

    def test_each_hub_in_the_deployment_searches_only_its_own_members(self, hubs, homes):
        assert found(no_travel_limit(hubs)) == {"Rutland", "Peterborough"}
        b_map = Map(
            hubs.cambridgeshire, hubs.peterborough, hubs.rutland, hubs.leicestershire,
            hubs.map.region, hubs.cambridgeshire_la,
        )  # fmt: skip
        request_b = child(b_map, places=[("School", SCHOOL, None)])
        # Region B's ONS region (East of England) also holds Peterborough: it is not B's.
        assert found(request_b) == {"Cambridgeshire"}

    def test_a_region_whose_members_have_no_boundary_says_what_to_do(self, hubs):
        region = RegionFactory(name="Unmapped Co-operative")
        la = OrganisationFactory(
            region=region, kind=Organisation.Kind.LOCAL_AUTHORITY, gss_code="E06000001"
        )
        request = child(Map(*[hubs.rutland] * 5, la), places=[("School", SCHOOL, None)])
        with pytest.raises(SearchAreaError) as caught:
            setting_match(request=request, criteria=REGION)
        assert str(caught.value) == (
            "None of your region's local authorities has a boundary loaded, so a search in the "
            "region cannot be done. Ask your hub admin to load the ONS boundaries (see the README)."
        )
        assert str(caught.value) == NO_REGION_BOUNDARY

    def test_the_search_page_shows_that_error_on_the_area_question(self, client, hubs):
        region = RegionFactory(name="Unmapped Co-operative")
        la = OrganisationFactory(
            region=region, kind=Organisation.Kind.LOCAL_AUTHORITY, gss_code="E06000001"
        )
        officer = UserFactory(organisation=la, role=Role.PLACEMENT_OFFICER)
        request = child(Map(*[hubs.rutland] * 5, la), places=[("School", SCHOOL, None)])
        sign_in(client, officer.email)
        url = reverse("placements:placement_search", args=[request.pk])
        response = client.get(f"{url}?{urlencode({'area': 'region'})}")
        assert response.status_code == 200
        html = response.content.decode()
        assert "None of your region&#x27;s local authorities has a boundary loaded" in html


class TestLocalityScore:
    def test_a_setting_in_the_other_member_la_counts_as_in_the_region(self, hubs, homes):
        result = setting_match(request=no_travel_limit(hubs), criteria=SearchCriteria())
        by_name = {m.setting.name: m for m in result.matches}
        assert {name: m.components["local"] for name, m in by_name.items()} == {
            "Rutland": LOCAL_SCORE["own"],
            "Leicestershire": LOCAL_SCORE["neighbour"],
            "Peterborough": LOCAL_SCORE["region"],
            # In the same ONS region as Peterborough, but another hub's member.
            "Cambridgeshire": LOCAL_SCORE["elsewhere"],
        }
        assert LOCAL_SCORE["region"] == 0.3
        assert "In Peterborough, in the region" in by_name["Peterborough"].reasons
        assert not any("in the region" in r for r in by_name["Cambridgeshire"].reasons)

    def test_a_member_that_left_no_longer_counts(self, hubs, homes):
        services.local_authority_remove(
            actor=hub_admin(hubs.region_a), organisation=hubs.peterborough_la
        )
        request = PlacementRequest.objects.get(pk=no_travel_limit(hubs).pk)
        result = setting_match(request=request, criteria=SearchCriteria())
        by_name = {m.setting.name: m for m in result.matches}
        assert by_name["Peterborough"].components["local"] == LOCAL_SCORE["elsewhere"]
