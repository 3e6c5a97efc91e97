"""Builders for the matching and search tests: a small synthetic map and settings on it.

The map (SRID 4326): the child's LA is the square x -0.8..-0.6, y 52.6..52.8, its neighbour the
square to its east, a third LA further east in the same region, and an LA outside the region.
The school is at (-0.7, 52.7), in the middle of the child's LA.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.gis.geos import Point, Polygon
from django.utils import timezone

from geo.models import Area
from placements.models import PlacementRequest, PlaceThatMatters
from providers.models import (
    Capability,
    CarerHousehold,
    Communication,
    Eligibility,
    Need,
    PlacementKind,
    Risk,
    Setting,
    Vacancy,
)
from tests.factories import AreaFactory, OrganisationFactory, RegionFactory, square
from tests.providers.factories import SettingFactory

SCHOOL = Point(-0.7, 52.7, srid=4326)
NEAR = Point(-0.69, 52.70, srid=4326)  # 0.7 km east of the school


def box(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    return Polygon(((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)), srid=4326)


@dataclass
class Map:
    own: Area
    neighbour: Area
    same_region: Area
    elsewhere: Area
    region: Area
    la: Any  # the child's LA (Organisation)


def make_world_map() -> Map:
    region_area = AreaFactory(
        gss_code="E12000004", kind=Area.Kind.REGION, name="Midlands", boundary=square(-1, 52, 1.0)
    )
    own = AreaFactory(gss_code="E06000017", name="Rutland", boundary=square(-0.8, 52.6, 0.2))
    neighbour = AreaFactory(
        gss_code="E10000018", name="Leicestershire", boundary=square(-0.6, 52.6, 0.2)
    )
    same_region = AreaFactory(
        gss_code="E06000018", name="Nottingham", boundary=square(-0.2, 52.6, 0.2)
    )
    elsewhere = AreaFactory(
        gss_code="E09000001", name="City of London", boundary=square(1.0, 52.6, 0.2)
    )
    for area in (own, neighbour, same_region):
        area.parent = region_area
        area.save()
    region = RegionFactory(area=region_area)
    la = OrganisationFactory(region=region, local_authority=True, area=own)
    # The region is its member LAs (ADR 0012): its neighbour and the third LA are members too.
    for area in (neighbour, same_region):
        OrganisationFactory(region=region, local_authority=True, area=area, name=area.name)
    return Map(own, neighbour, same_region, elsewhere, region_area, la)


def child(
    world_map: Map, *, places: list[tuple[Any, ...]] | None = None, **values: Any
) -> PlacementRequest:
    """A request with places (label, point, limit[, {mode, departs_at, day}])."""
    fields: dict[str, Any] = {
        "organisation": world_map.la,
        "reference": "LAC-0001",
        "age_years": 14,
        "sex": "female",
        "urgency": "within_5_days",
        "placement_kind": PlacementKind.PLANNED,
        "accommodation": ["residential"],
    }
    fields.update(values)
    request = PlacementRequest.objects.create(**fields)
    for position, (label, point, limit, *how) in enumerate(
        places if places is not None else [("School", SCHOOL, 45)]
    ):
        PlaceThatMatters.objects.create(
            request=request,
            label=label,
            postcode="LE15 6AB",
            point=point,
            max_minutes=limit,
            position=position,
            **(how[0] if how else {}),
        )
    return request


def home(
    world_map: Map,
    *,
    location: Point | None = NEAR,
    eligibility: dict[str, Any] | None = None,
    vacancy: dict[str, Any] | None = None,
    no_eligibility: bool = False,
    no_vacancy: bool = False,
    **setting: Any,
) -> Setting:
    """A children's home that admits every child, with two places confirmed today, unless told
    otherwise."""
    values: dict[str, Any] = {"local_authority": world_map.own, "location": location, "places": 4}
    values.update(setting)
    made = SettingFactory(childrens_home=True, **values)
    if not no_eligibility:
        facts: dict[str, Any] = {
            "min_age": 0,
            "max_age": 17,
            "sexes": ["female", "male"],
            "placement_kinds": list(PlacementKind.values),
            "minimum_notice_days": 0,
            # A solo home suits every child, whoever they can live alongside.
            "living_alongside": "solo_only",
            "accepts_pets": True,
            "can_meet_deprivation_of_liberty": True,
            "communication": list(Communication.values),
            "adapted_for_physical_disability": True,
            "risks": dict.fromkeys(Risk.values, Capability.CAN_MEET.value),
            "needs": dict.fromkeys(Need.values, Capability.CAN_MEET.value),
        }
        facts.update(eligibility or {})
        Eligibility.objects.create(setting=made, **facts)
    if not no_vacancy:
        stated: dict[str, Any] = {"places": 2, "confirmed_at": timezone.now()}
        stated.update(vacancy or {})
        Vacancy.objects.create(setting=made, **stated)
    return made


def agency(world_map: Map, households: list[dict[str, Any]], **eligibility: Any) -> Setting:
    made = SettingFactory(local_authority=world_map.own, location=Point(-0.3, 52.7, srid=4326))
    facts: dict[str, Any] = {
        "min_age": 0,
        "max_age": 17,
        "sexes": ["female", "male"],
        "placement_kinds": list(PlacementKind.values),
        "risks": dict.fromkeys(Risk.values, Capability.CAN_MEET.value),
    }
    facts.update(eligibility)
    Eligibility.objects.create(setting=made, **facts)
    for number, values in enumerate(households, 1):
        CarerHousehold.objects.create(
            setting=made, reference=f"H-{number:03d}", **{"places_now": 1, **values}
        )
    return made


def days_ago(days: int):
    return timezone.now() - timedelta(days=days)
