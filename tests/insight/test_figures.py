"""The dashboards' figures (insight/distance.py, secured.py, supply.py, unmet.py), each checked
against a small fixture counted by hand. Periods are [start, end)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from brokerage.models import PlacementOutcome
from insight.distance import DistanceCounts, distance_by_kind, distance_by_la, national_distance
from insight.national import national_distance_load
from insight.secured import SecuredRoute, SoughtSecured, secured_routes, sought_secured
from insight.supply import SupplyPoint, households_by_district, month_ends, supply_series
from insight.unmet import UnmetDistrict, unmet_by_district
from placements.models import PlacementSearch
from providers.models import CarerHousehold, Vacancy
from tests.insight.test_national import DFE_CSV
from tests.placements.factories import PlacementRequestFactory, PlaceThatMattersFactory
from tests.providers.factories import SettingFactory

START, END = dt.date(2026, 4, 1), dt.date(2026, 7, 1)
IN_PERIOD = dt.datetime(2026, 5, 10, 12, tzinfo=dt.UTC)


def placed(la: Any, *, start: dt.date = dt.date(2026, 5, 1), kind: str = "childrens_home",
           **distance: Any) -> PlacementOutcome:  # fmt: skip
    request = PlacementRequestFactory(organisation=la, closed=True, close_reason="placed_here")
    setting = SettingFactory(provision_type=kind)
    return PlacementOutcome.objects.create(
        request=request,
        setting=setting,
        urn=setting.urn,
        start_date=start,
        weekly_cost=Decimal(5000),
        social_care_weekly=Decimal(5000),
        services_included=["core"],
        commercial_route="spot",
        **distance,
    )


# Distance from home ---------------------------------------------------------------------------


@pytest.fixture
def placements(world):
    a1, a2 = world.la_a1, world.la_a2
    near = {"inside_la": True, "inside_region": True, "over_20_miles": False}
    placed(a1, home_miles=Decimal("3.0"), school_minutes=10, **near)
    placed(a1, home_miles=Decimal("8.0"), school_minutes=20, **{**near, "inside_la": False})
    far = {"inside_la": False, "inside_region": False, "over_20_miles": True}
    placed(
        a1,
        home_miles=Decimal("31.5"),
        school_minutes=45,
        kind="independent_fostering_agency",
        **far,
    )
    placed(a1, inside_la=True, inside_region=True)  # no home district: distance not known
    placed(a2, home_miles=Decimal("22.0"), inside_la=False, inside_region=True, over_20_miles=True)
    placed(a1, start=dt.date(2026, 7, 1), home_miles=Decimal("1"), **near)  # the next period
    placed(a1, start=dt.date(2026, 3, 31), home_miles=Decimal("1"), **near)  # the one before
    return world


def test_distance_by_la_counts_each_measure(placements):
    a1, a2 = placements.la_a1.pk, placements.la_a2.pk

    figures = distance_by_la(organisation_ids=[a1, a2], start=START, end=END)

    # LA A1: 4 placements; 2 outside the LA, 1 outside the region, 1 over 20 miles, 1 not known;
    # school minutes 10, 20, 45: median 20.
    assert figures[a1] == DistanceCounts(
        placements=4, outside_la=2, outside_region=1, over_20_miles=1, not_known=1,
        school_measured=3, school_median_minutes=20.0,
    )  # fmt: skip
    assert figures[a2] == DistanceCounts(
        placements=1, outside_la=1, outside_region=0, over_20_miles=1, not_known=0,
        school_measured=0, school_median_minutes=None,
    )  # fmt: skip
    assert distance_by_la(organisation_ids=[a2], start=START, end=END).keys() == {a2}


def test_distance_by_kind_groups_by_the_kind_secured(placements):
    ids = [placements.la_a1.pk, placements.la_a2.pk]

    figures = distance_by_kind(organisation_ids=ids, start=START, end=END)

    assert figures.keys() == {"residential", "foster"}
    assert (figures["residential"].placements, figures["residential"].over_20_miles) == (4, 1)
    # School minutes 10 and 20 among the homes: the median is their mean, 15.
    assert figures["residential"].school_median_minutes == 15.0
    assert (figures["foster"].placements, figures["foster"].outside_region) == (1, 1)


def test_the_national_row_adds_the_two_outside_bands(db):
    national_distance_load(source=str(DFE_CSV))

    rows = national_distance()

    # 2024, all children: 22 % within 20 miles outside the LA + 17 % over 20 outside = 39 %.
    assert (rows["all"].year, rows["all"].outside_la, rows["all"].over_20_miles) == (2024, 39, 22)
    assert rows["all"].not_known == 9
    # Children's homes: 23 + 44; foster: 24 + 14.
    assert (rows["residential"].outside_la, rows["residential"].over_20_miles) == (67, 49)
    assert (rows["foster"].outside_la, rows["supported"].outside_la) == (38, 20)
    assert national_distance(year=2020)["all"].year == 2020


def test_no_national_figures_loaded_is_empty(db):
    assert national_distance() == {}


# Sought against secured -----------------------------------------------------------------------


def test_sought_against_secured_and_how(world):
    a1 = world.la_a1
    home = placed(a1, inside_la=True)
    foster = placed(a1, inside_la=False, kind="independent_fostering_agency")
    foster.commercial_route = "framework"
    foster.save()
    outside = PlacementRequestFactory(
        organisation=a1, closed=True, close_reason="placed_outside",
        secured_accommodation="supported", secured_weekly_cost=Decimal(2000), secured_in_area=True,
    )  # fmt: skip
    in_house = PlacementRequestFactory(
        organisation=a1, closed=True, close_reason="placed_in_house", accommodation=["foster"]
    )
    gave_up = PlacementRequestFactory(
        organisation=a1, closed=True, close_reason="no_suitable_provider"
    )
    still_open = PlacementRequestFactory(organisation=a1)
    old = PlacementRequestFactory(organisation=a1)  # made before the period
    made = [home.request, foster.request, outside, in_house, gave_up, still_open]
    for request in made:
        type(request).objects.filter(pk=request.pk).update(created_at=IN_PERIOD)
    type(old).objects.filter(pk=old.pk).update(created_at=IN_PERIOD - dt.timedelta(days=60))

    rows = sought_secured(organisation_ids=[a1.pk], start=START, end=END)
    routes = secured_routes(organisation_ids=[a1.pk], start=START, end=END)

    # Every request asked for a children's home first but the in-house one (foster).
    assert sorted(rows, key=lambda r: r.secured) == [
        SoughtSecured(a1.pk, "residential", "foster", 1),
        SoughtSecured(a1.pk, "foster", "in_house", 1),
        SoughtSecured(a1.pk, "residential", "not_placed", 1),
        SoughtSecured(a1.pk, "residential", "open", 1),
        SoughtSecured(a1.pk, "residential", "residential", 1),
        SoughtSecured(a1.pk, "residential", "supported", 1),
    ]
    assert sorted(routes, key=lambda r: r.route) == [
        SecuredRoute(a1.pk, "framework", 1, inside_la=0, outside_la=1),
        SecuredRoute(a1.pk, "in_house", 1, inside_la=0, outside_la=0),
        SecuredRoute(a1.pk, "outside_service", 1, inside_la=1, outside_la=0),
        SecuredRoute(a1.pk, "spot", 1, inside_la=1, outside_la=0),
    ]


# Supply ---------------------------------------------------------------------------------------


def test_month_ends_are_the_chart_points():
    assert month_ends(START, END) == [
        dt.date(2026, 4, 30),
        dt.date(2026, 5, 31),
        dt.date(2026, 6, 30),
    ]
    # A period ending mid-month ends on its last day.
    assert month_ends(dt.date(2026, 6, 1), dt.date(2026, 7, 16)) == [
        dt.date(2026, 6, 30),
        dt.date(2026, 7, 15),
    ]


def test_supply_counts_settings_open_at_each_month_end_and_their_vacancies(world):
    area = world.la_a1.area
    home = {"provision_type": "childrens_home", "local_authority": area}
    SettingFactory(registration_date=dt.date(2020, 1, 1), places=4, **home)
    SettingFactory(registration_date=dt.date(2026, 5, 15), places=3, **home)  # opens in May
    SettingFactory(
        registration_date=dt.date(2020, 1, 1),
        places=2,
        status="closed",
        closed_at=dt.datetime(2026, 5, 20, 9, tzinfo=dt.UTC),
        **home,
    )  # fmt: skip  closes in May
    agency = SettingFactory(
        registration_date=dt.date(2019, 1, 1), places=None, local_authority=area,
        provision_type="independent_fostering_agency",
    )  # fmt: skip
    SettingFactory(registration_date=dt.date(2020, 1, 1), places=9, provision_type="childrens_home")
    vacancy_home = SettingFactory(registration_date=dt.date(2020, 1, 1), places=5, **home)
    # Two places confirmed on 25 April; not confirmed again, so gone 14 days later (9 May).
    vacancy = Vacancy(
        setting=vacancy_home, places=2, confirmed_at=dt.datetime(2026, 4, 25, tzinfo=dt.UTC)
    )
    vacancy._history_date = dt.datetime(2026, 4, 25, tzinfo=dt.UTC)  # type: ignore[attr-defined]
    vacancy.save()

    points = supply_series(area_ids=[area.pk], days=month_ends(START, END))

    by_day = {(p.day, p.kind): p for p in points}
    april, may = dt.date(2026, 4, 30), dt.date(2026, 5, 31)
    # April: 4 + 2 + 5 places in 3 homes, 1 with 2 vacant places; May: the new home in, the closed
    # out (4 + 3 + 5), the vacancy expired.
    assert by_day[(april, "residential")] == SupplyPoint(april, area.pk, "residential", 3, 11, 1, 2)
    assert by_day[(may, "residential")] == SupplyPoint(may, area.pk, "residential", 3, 12, 0, 0)
    assert by_day[(may, "foster")] == SupplyPoint(may, area.pk, "foster", 1, 0, 0, 0)
    assert agency.pk and len(points) == 6  # 3 months × 2 kinds; the home elsewhere is not counted


def test_households_by_district(world):
    agency = SettingFactory()
    for district, places in (("LE15", 1), ("LE15", 2), ("NG1", 0), ("PE9", 1)):
        CarerHousehold.objects.create(
            setting=agency, reference=f"H-{district}-{places}", postcode_district=district,
            places_now=places,
        )  # fmt: skip
    closed = SettingFactory(status="closed", closed_at=timezone.now())
    CarerHousehold.objects.create(setting=closed, reference="H-9", postcode_district="LE15")

    rows = households_by_district(districts=["LE15", "NG1"])

    assert [(r.district, r.households, r.places_now) for r in rows] == [
        ("LE15", 2, 3),
        ("NG1", 1, 0),
    ]


# Unmet demand ---------------------------------------------------------------------------------


def test_unmet_demand_is_the_districts_of_requests_that_found_nothing(world):
    a1 = world.la_a1
    nothing = PlacementRequestFactory(organisation=a1)
    PlaceThatMattersFactory(request=nothing, postcode="LE15 6AB")
    PlaceThatMattersFactory(request=nothing, postcode="LE15 9ZZ", label="Nan")  # same district
    PlaceThatMattersFactory(request=nothing, postcode="NG1 1AA", label="Family")
    gave_up = PlacementRequestFactory(
        organisation=a1, closed=True, close_reason="no_suitable_provider"
    )
    PlaceThatMattersFactory(request=gave_up, postcode="LE15 7AA")
    found = PlacementRequestFactory(organisation=a1)
    PlaceThatMattersFactory(request=found, postcode="PE9 1AA")
    # The latest search counts: `found` found nothing first, then 3.
    for request, matches in ((nothing, 2), (nothing, 0), (found, 0), (found, 3)):
        PlacementSearch.objects.create(
            request=request, criteria={}, profile={}, engine="estimate", match_count=matches
        )
    for request in (nothing, gave_up, found):
        type(request).objects.filter(pk=request.pk).update(created_at=IN_PERIOD)

    rows = unmet_by_district(organisation_ids=[a1.pk], start=START, end=END)

    assert sorted(rows, key=lambda r: r.district) == [
        UnmetDistrict(a1.pk, "LE15", 2),
        UnmetDistrict(a1.pk, "NG1", 1),
    ]
