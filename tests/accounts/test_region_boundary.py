"""A hub is its member LAs: the region's boundary is the union of its current members'
boundaries, whatever ONS regions they lie in, kept up to date as members join and leave."""

from __future__ import annotations

import importlib
import io
import json
from dataclasses import dataclass

import pytest
from django.apps import apps as django_apps
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.management import call_command

from accounts import selectors, services
from accounts.models import Organisation, Region, Role
from geo.models import Area
from tests.factories import AreaFactory, OrganisationFactory, square

pytestmark = pytest.mark.django_db


@dataclass
class Hubs:
    kent: Area  # South East, member of region A
    essex: Area  # East of England, member of region A
    medway: Area  # South East, touching Kent on its east side; not a member yet
    suffolk: Area  # East of England, member of region B only


def rectangle(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    return Polygon(((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)), srid=4326)


@pytest.fixture
def hubs(world) -> Hubs:
    """Region A is a co-operative of Kent (South East) and Essex (East of England); region B, in
    the same deployment, has Suffolk. Each LA is a 0.1° square, so every union is a known shape."""
    south_east = AreaFactory(gss_code="E12000008", name="South East", kind=Area.Kind.REGION)
    east = AreaFactory(gss_code="E12000006", name="East of England", kind=Area.Kind.REGION)
    kent = AreaFactory(gss_code="E10000016", name="Kent", parent=south_east, boundary=square(0, 51))
    essex = AreaFactory(gss_code="E10000012", name="Essex", parent=east, boundary=square(0.5, 51.7))
    medway = AreaFactory(
        gss_code="E06000035", name="Medway", parent=south_east, boundary=square(0.1, 51)
    )
    suffolk = AreaFactory(gss_code="E10000029", name="Suffolk", parent=east, boundary=square(1, 52))
    for key, area in (("la_a1", kent), ("la_a2", essex), ("la_b1", suffolk)):
        Organisation.objects.filter(pk=getattr(world, key).pk).update(
            area=area, gss_code=area.gss_code, name=area.name
        )
    for region in Region.objects.all():
        services.region_boundary_refresh(region=region)
    return Hubs(kent=kent, essex=essex, medway=medway, suffolk=suffolk)


def fresh(region: Region) -> Region:
    return Region.objects.get(pk=region.pk)


class TestRefresh:
    def test_the_boundary_is_the_union_of_members_from_two_ons_regions(self, world, hubs):
        boundary = fresh(world.hub_a.region).boundary
        assert isinstance(boundary, MultiPolygon)
        # Kent and Essex do not touch: two pieces, 0.01 square degrees each.
        assert boundary.num_geom == 2
        assert boundary.area == pytest.approx(0.02)
        assert boundary.equals(MultiPolygon(square(0, 51)[0], square(0.5, 51.7)[0]))

    def test_each_hub_in_a_deployment_has_only_its_own_members(self, world, hubs):
        a = fresh(world.hub_a.region).boundary
        b = fresh(world.hub_b.region).boundary
        assert b is not None and a is not None
        assert b.equals(square(1, 52))
        assert not a.intersects(b)

    def test_adding_a_neighbour_grows_the_boundary_into_one_piece_with_it(self, world, hubs):
        admin = world.user("hub_a", Role.HUB_ADMIN)
        services.local_authority_add(actor=admin, area=hubs.medway, outside_region_confirmed=True)
        boundary = selectors.region_boundary(region=fresh(world.hub_a.region))
        assert boundary is not None
        assert isinstance(boundary, MultiPolygon)
        # Medway shares Kent's east edge: the two merge into one 0.2° x 0.1° rectangle.
        assert boundary.num_geom == 2
        assert boundary.area == pytest.approx(0.03)
        assert boundary.equals(
            MultiPolygon(rectangle(0, 51, 0.2, 51.1), square(0.5, 51.7)[0], srid=4326)
        )
        # The actor's own region object is up to date too, not only the row.
        assert admin.organisation.region.boundary.equals(boundary)

    def test_removing_a_member_shrinks_the_boundary(self, world, hubs):
        admin = world.user("hub_a", Role.HUB_ADMIN)
        services.local_authority_remove(actor=admin, organisation=world.la_a2)
        boundary = fresh(world.hub_a.region).boundary
        assert boundary is not None
        assert boundary.equals(square(0, 51))
        # A returning member counts again.
        services.local_authority_add(actor=admin, area=hubs.essex, outside_region_confirmed=True)
        boundary = fresh(world.hub_a.region).boundary
        assert boundary is not None
        assert boundary.area == pytest.approx(0.02)

    def test_a_region_whose_members_have_no_boundary_has_none(self, world, hubs):
        region = world.hub_b.region
        Organisation.objects.filter(pk=world.la_b1.pk).update(area=None)
        assert services.region_boundary_refresh(region=region) is None
        assert fresh(region).boundary is None
        assert selectors.region_boundary(region=fresh(region)) is None

    def test_providers_and_hubs_with_areas_are_not_part_of_it(self, world, hubs):
        # Only local authorities are members; a provider's organisation never shapes the region.
        OrganisationFactory(region=world.hub_a.region, area=hubs.medway)
        boundary = services.region_boundary_refresh(region=world.hub_a.region)
        assert boundary is not None
        assert boundary.area == pytest.approx(0.02)


class TestSelector:
    def test_a_region_never_computed_is_filled_once_from_the_members(
        self, world, hubs, django_assert_num_queries
    ):
        region = world.hub_a.region
        Region.objects.filter(pk=region.pk).update(boundary=None, boundary_computed_at=None)
        region = fresh(region)
        boundary = selectors.region_boundary(region=region)
        assert boundary is not None
        assert boundary.area == pytest.approx(0.02)
        assert fresh(region).boundary is not None
        # Now cached: one small query to see that nothing changed, and no union.
        with django_assert_num_queries(1):
            assert selectors.region_boundary(region=region) == boundary

    def test_a_member_whose_area_was_reloaded_makes_it_recompute(self, world, hubs):
        # As load_boundaries does it: a save, which moves the area's updated_at.
        kent = Area.objects.get(pk=hubs.kent.pk)
        kent.boundary = square(0, 50)
        kent.save()
        boundary = selectors.region_boundary(region=fresh(world.hub_a.region))
        assert boundary is not None
        assert boundary.equals(MultiPolygon(square(0, 50)[0], square(0.5, 51.7)[0]))
        assert fresh(world.hub_a.region).boundary.equals(boundary)

    def test_a_member_added_outside_the_services_makes_it_recompute(self, world, hubs):
        OrganisationFactory(region=world.hub_b.region, local_authority=True, area=hubs.medway)
        boundary = selectors.region_boundary(region=fresh(world.hub_b.region))
        assert boundary is not None
        assert boundary.equals(MultiPolygon(square(0.1, 51)[0], square(1, 52)[0]))
        # Region A does not gain Medway by it.
        a = selectors.region_boundary(region=fresh(world.hub_a.region))
        assert a is not None and a.area == pytest.approx(0.02)


class TestCommand:
    def test_a_dry_run_reports_and_writes_nothing_then_commit_writes(self, world, hubs):
        Area.objects.filter(pk=hubs.kent.pk).update(boundary=square(0, 50))
        out = io.StringIO()
        call_command("refresh_region_boundaries", "--json", stdout=out)
        summary = json.loads(out.getvalue())
        assert summary["committed"] is False
        assert (summary["updated"], summary["unchanged"]) == (1, 1)
        assert {r["region"]: r["changed"] for r in summary["regions"]} == {
            "Region A": True,
            "Region B": False,
        }
        assert fresh(world.hub_a.region).boundary.equals(
            MultiPolygon(square(0, 51)[0], square(0.5, 51.7)[0])
        )
        out = io.StringIO()
        call_command("refresh_region_boundaries", "--commit", stdout=out)
        assert out.getvalue().splitlines() == [
            "Refreshed 2 regions: 1 updated, 1 unchanged",
            "  Region A: now 2 member LAs with a boundary",
        ]
        assert fresh(world.hub_a.region).boundary.equals(
            MultiPolygon(square(0, 50)[0], square(0.5, 51.7)[0])
        )


class TestMigration:
    def test_the_data_migration_fills_each_region_from_its_current_members(self, world, hubs):
        fill = importlib.import_module("accounts.migrations.0006_region_boundary")
        services.local_authority_remove(
            actor=world.user("hub_a", Role.HUB_ADMIN), organisation=world.la_a2
        )
        Region.objects.update(boundary=None)
        fill.fill_region_boundaries(django_apps, None)
        assert fresh(world.hub_a.region).boundary.equals(square(0, 51))
        assert fresh(world.hub_b.region).boundary.equals(square(1, 52))
