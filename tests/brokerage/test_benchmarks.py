"""Price benchmarks: quartiles from PostgreSQL checked by hand, suppression, names, regions,
the export matching the page."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditEvent, Organisation, Role
from brokerage import benchmarks
from brokerage.models import PlacementOutcome
from tests.conftest import World
from tests.placements.factories import PlacementRequestFactory
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db

FY2025 = benchmarks.Period("fy2025", "Financial year 2025 to 2026", dt.date(2025, 4, 1),
                           dt.date(2026, 3, 31))  # fmt: skip
IN_FY2025 = dt.date(2025, 6, 1)


def place(
    la: Organisation,
    cost: str | int,
    *,
    start: dt.date = IN_FY2025,
    need: str = "enhanced",
    route: str = "spot",
    services: tuple[str, ...] = ("core",),
    provision_type: str = "childrens_home",
) -> PlacementOutcome:
    request = PlacementRequestFactory(organisation=la, need_level=need)
    setting = SettingFactory(provision_type=provision_type)
    return PlacementOutcome.objects.create(
        request=request,
        setting=setting,
        urn=setting.urn,
        start_date=start,
        weekly_cost=Decimal(cost),
        social_care_weekly=Decimal(cost),
        services_included=list(services),
        commercial_route=route,
    )


def cell(tables, kind: str, need: str, route: str, services: str, scope: int = 0):
    (table,) = [t for t in tables if t.accommodation == kind]
    (row,) = [
        r for r in table.rows if (r.need_level, r.route, r.services) == (need, route, services)
    ]
    return row.cells[scope]


def region_tables(world: World, period=FY2025, la=None):
    return benchmarks.price_tables(world.la_a1.region, period, scopes=[("The region", la)])


def test_quartiles_are_postgresqls_percentile_cont_checked_by_hand(world):
    # Sorted: 1000 2000 3000 4000 5000 9000. percentile_cont at p sits at p × (n − 1) = p × 5:
    # LQ at 1.25 → 2000 + 0.25 × 1000 = 2250; median at 2.5 → 3500; UQ at 3.75 → 4750.
    for cost in (3000, 1000, 9000, 2000, 5000):
        place(world.la_a1, cost)
    place(world.la_a2, 4000)
    found = cell(region_tables(world), "residential", "Enhanced", "Spot", "Core care only")
    assert (found.count, found.lower_quartile, found.median, found.upper_quartile) == (
        6,
        Decimal("2250.00"),
        Decimal("3500.00"),
        Decimal("4750.00"),
    )
    assert found.shown() == [6, "£2,250", "£3,500", "£4,750"]


def test_pence_survive_the_percentile(world):
    # 1000.10 1000.20 1000.30 1000.40 1000.50: median the third, LQ the second, UQ the fourth.
    for cost in ("1000.50", "1000.10", "1000.40", "1000.20", "1000.30"):
        place(world.la_a1, cost)
    found = cell(region_tables(world), "residential", "Enhanced", "Spot", "Core care only")
    assert found.shown() == [5, "£1,000.20", "£1,000.30", "£1,000.40"]


def test_four_prices_are_suppressed_and_five_are_shown(world):
    for cost in (4000, 4100, 4200, 4300):
        place(world.la_a1, cost)
    four = cell(region_tables(world), "residential", "Enhanced", "Spot", "Core care only")
    assert four.suppressed
    assert four.shown() == ["fewer than 5", "", "", ""]
    place(world.la_a1, 4400)
    five = cell(region_tables(world), "residential", "Enhanced", "Spot", "Core care only")
    assert five.shown() == [5, "£4,100", "£4,200", "£4,300"]


def test_cells_split_by_kind_need_route_and_services(world):
    for cost in (1000, 1100, 1200, 1300, 1400):
        place(world.la_a1, cost, provision_type="independent_fostering_agency", need="standard")
    for cost in (6000, 6100, 6200, 6300, 6400):
        place(world.la_a1, cost, route="framework", services=("core", "education"))
    for cost in (7000, 7100, 7200, 7300, 7400):
        place(world.la_a1, cost, route="dps", services=("core", "therapy"), need="")
    tables = region_tables(world)
    assert cell(tables, "foster", "Standard", "Spot", "Core care only").median == Decimal(1200)
    contracted = "Framework, DPS or block"
    assert cell(tables, "residential", "Enhanced", contracted, "With education").median == 6200
    extras = cell(
        tables, "residential", "Not assessed", contracted, "With therapy, transport or other"
    )
    assert extras.median == 7200
    assert [t.rows for t in tables if t.accommodation == "supported"] == [[]]


def test_the_period_is_by_start_date(world):
    for cost in (1000, 1100, 1200, 1300, 1400):
        place(world.la_a1, cost)
    place(world.la_a1, 99000, start=dt.date(2025, 3, 31))  # the year before
    place(world.la_a1, 99000, start=dt.date(2026, 4, 1))  # the year after
    found = cell(region_tables(world), "residential", "Enhanced", "Spot", "Core care only")
    assert (found.count, found.median) == (5, Decimal(1200))


def test_periods_are_the_last_12_months_and_financial_years():
    choices = benchmarks.periods(dt.date(2026, 2, 10))
    assert [(p.key, p.start, p.end) for p in choices[:3]] == [
        ("12m", dt.date(2025, 2, 11), dt.date(2026, 2, 10)),
        ("fy2025", dt.date(2025, 4, 1), dt.date(2026, 3, 31)),
        ("fy2024", dt.date(2024, 4, 1), dt.date(2025, 3, 31)),
    ]
    assert benchmarks.period_get("nonsense", dt.date(2026, 2, 10)).key == "12m"


def test_another_regions_outcomes_are_never_counted(world):
    for cost in (1000, 1100, 1200, 1300):
        place(world.la_a1, cost)
    for cost in (5000, 5000, 5000):
        place(world.la_b1, cost)
    found = cell(region_tables(world), "residential", "Enhanced", "Spot", "Core care only")
    assert found.count == 4 and found.suppressed


def test_one_la_alone(world):
    for cost in (1000, 1100, 1200, 1300, 1400):
        place(world.la_a1, cost)
    for cost in (9000, 9000, 9000, 9000, 9000):
        place(world.la_a2, cost)
    found = cell(region_tables(world, la=world.la_a2), "residential", "Enhanced", "Spot",
                 "Core care only")  # fmt: skip
    assert (found.count, found.median) == (5, Decimal(9000))


def test_las_are_numbered_unless_they_opted_in(world):
    Organisation.objects.filter(pk=world.la_a2.pk).update(shares_prices_by_name=True)
    choices = benchmarks.la_choices(world.la_a1.region)
    assert [(c.pk, c.label) for c in choices] == [
        (world.la_a1.pk, "LA 1"),
        (world.la_a2.pk, world.la_a2.name),
    ]


def test_the_chart_draws_only_shown_cells_and_no_whiskers(world):
    for cost in (1000, 2000, 3000, 4000, 5000):
        place(world.la_a1, cost)
    for cost in (8000, 8000, 8000):
        place(world.la_a1, cost, route="framework")
    (table,) = [t for t in region_tables(world) if t.accommodation == "residential"]
    chart = benchmarks.box_plot(table)
    assert chart is not None
    (box,) = chart.boxes
    # The scale runs past the top UQ (£4,000) to the next £1,000 above it, £5,000, over 370
    # pixels from x = 250: LQ 2000 → 250 + 0.4 × 370, median 3000 → + 0.6 ×, UQ 4000 → + 0.8 ×.
    assert (box.x_lower, box.x_median, box.x_upper) == (398.0, 472.0, 546.0)
    assert chart.ticks[-1] == (620.0, "£5,000")


# The pages ---------------------------------------------------------------------------------------

RECENT = timezone.localdate() - dt.timedelta(days=30)


def test_hub_page_shows_figures_and_suppression_and_numbers_las(world, client):
    for cost in (1000, 2000, 3000, 4000, 5000):
        place(world.la_a1, cost, start=RECENT)
    for cost in (8000, 8100):
        place(world.la_a1, cost, start=RECENT, route="framework")
    client.force_login(world.user("hub_a", Role.HUB_ADMIN))
    page = client.get(reverse("brokerage:region_prices")).content.decode()
    assert "£2,000" in page and "£3,000" in page and "£4,000" in page
    assert "£8,000" not in page and "£8,100" not in page
    assert "Fewer than 5" in page
    assert "<svg" in page and "<title id=" in page
    assert world.la_a1.name not in page and ">LA 1<" in page
    one = client.get(reverse("brokerage:region_prices"), {"la": world.la_a1.pk}).content.decode()
    assert world.la_a1.name not in one and "LA 1: last 12 months" in one


def test_hub_sees_an_opted_in_la_by_name(world, client):
    Organisation.objects.filter(pk=world.la_a1.pk).update(shares_prices_by_name=True)
    client.force_login(world.user("hub_a", Role.HUB_ADMIN))
    page = client.get(reverse("brokerage:region_prices")).content.decode()
    assert world.la_a1.name in page


def test_la_manager_sees_own_la_beside_the_region_and_no_other_name(world, client):
    Organisation.objects.filter(pk=world.la_a2.pk).update(shares_prices_by_name=False)
    for cost in (1000, 2000, 3000, 4000, 5000):
        place(world.la_a1, cost, start=RECENT)
    for cost in (6000, 7000, 8000, 9000, 10000):
        place(world.la_a2, cost, start=RECENT)
    client.force_login(world.user("la_a1", Role.LA_MANAGER))
    page = client.get(reverse("brokerage:la_prices")).content.decode()
    assert world.la_a2.name not in page
    # Own: 1000..5000 → 2000 / 3000 / 4000; the region: ten prices → 3250 / 5500 / 7750.
    for figure in ("£2,000", "£3,000", "£4,000", "£3,250", "£5,500", "£7,750"):
        assert figure in page
    assert "£10,000</td>" not in page and "£1,000</td>" not in page  # no minimum or maximum


def test_la_manager_even_opted_in_others_stay_unnamed(world, client):
    Organisation.objects.filter(pk=world.la_a2.pk).update(shares_prices_by_name=True)
    client.force_login(world.user("la_a1", Role.LA_MANAGER))
    page = client.get(reverse("brokerage:la_prices")).content.decode()
    assert world.la_a2.name not in page


def test_la_manager_opts_in_and_out_audited(world, client):
    manager = world.user("la_a1", Role.LA_MANAGER)
    client.force_login(manager)
    response = client.post(reverse("brokerage:la_prices"), {"shares_prices_by_name": "yes"})
    assert response.status_code == 302
    world.la_a1.refresh_from_db()
    assert world.la_a1.shares_prices_by_name is True
    client.post(reverse("brokerage:la_prices"), {"shares_prices_by_name": "yes"})  # no change
    client.post(reverse("brokerage:la_prices"), {"shares_prices_by_name": "no"})
    world.la_a1.refresh_from_db()
    assert world.la_a1.shares_prices_by_name is False
    events = AuditEvent.objects.filter(action=AuditEvent.Action.PRICE_SHARING_CHANGED).order_by(
        "created_at", "pk"
    )
    assert [(e.actor, e.organisation, e.detail) for e in events] == [
        (manager, world.la_a1, {"shares_prices_by_name": True}),
        (manager, world.la_a1, {"shares_prices_by_name": False}),
    ]


@pytest.mark.parametrize("role", [Role.PLACEMENT_OFFICER, Role.HUB_ADMIN])
def test_only_the_la_manager_may_opt_in(world, client, role):
    org = "la_a1" if role == Role.PLACEMENT_OFFICER else "hub_a"
    client.force_login(world.user(org, role))
    response = client.post(reverse("brokerage:la_prices"), {"shares_prices_by_name": "yes"})
    assert response.status_code == 403
    world.la_a1.refresh_from_db()
    assert world.la_a1.shares_prices_by_name is False
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PRICE_SHARING_CHANGED).exists()


def _sheet_rows(content: bytes, title: str) -> list[list[object]]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    return [list(row) for row in book[title].iter_rows(values_only=True)]


def test_hub_export_matches_the_page(world, client):
    for cost in (1000, 2000, 3000, 4000, 5000):
        place(world.la_a1, cost, start=RECENT)
    for cost in (8000, 8100):
        place(world.la_a1, cost, start=RECENT, route="framework")
    client.force_login(world.user("hub_a", Role.HUB_ADMIN))
    response = client.get(reverse("brokerage:region_prices_xlsx"), {"period": "12m"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _sheet_rows(response.content, "Children's home")
    assert rows[2] == [
        "Need level", "Route", "Services included",
        "Placements", "Lower quartile", "Median", "Upper quartile",
    ]  # fmt: skip
    assert rows[3:] == [
        ["Enhanced", "Spot", "Core care only", 5, "£2,000", "£3,000", "£4,000"],
        ["Enhanced", "Framework, DPS or block", "Core care only", "fewer than 5", None, None, None],
    ]
    page = client.get(reverse("brokerage:region_prices"), {"period": "12m"}).content.decode()
    for value in rows[3][3:]:
        assert f">{value}<" in page
    detail = exported(world.user("hub_a", Role.HUB_ADMIN))  # the page itself is not a download
    assert detail["export"] == "region_prices" and detail["filters"] == {"period": "12m"}
    assert detail["rows"] >= len(rows[3:]) == 2  # every sheet's rows, this one's two included


def test_la_export_has_own_and_region_columns(world, client):
    for cost in (1000, 2000, 3000, 4000, 5000):
        place(world.la_a1, cost, start=RECENT)
    for cost in (6000, 7000, 8000, 9000, 10000):
        place(world.la_a2, cost, start=RECENT)
    client.force_login(world.user("la_a1", Role.LA_MANAGER))
    response = client.get(reverse("brokerage:la_prices_xlsx"))
    rows = _sheet_rows(response.content, "Children's home")
    assert rows[3] == [
        "Enhanced", "Spot", "Core care only",
        5, "£2,000", "£3,000", "£4,000",
        10, "£3,250", "£5,500", "£7,750",
    ]  # fmt: skip
    detail = exported(world.user("la_a1", Role.LA_MANAGER))
    assert detail["export"] == "la_prices" and detail["filters"]["period"]
    assert world.la_a2.name not in str(rows)


def test_region_cell_needs_five_prices_from_other_las_for_an_la_manager(world, client):
    # la_a1 knows its own four prices; with one other LA's price, the region's quartiles of five
    # (the 2nd, 3rd and 4th prices) could give that one away: 1000 2000 [2500] 3000 4000.
    for cost in (1000, 2000, 3000, 4000):
        place(world.la_a1, cost, start=RECENT)
    place(world.la_a2, 2500, start=RECENT)
    scopes = [("Own", world.la_a1), ("The region", None)]
    period = benchmarks.period_get("12m", timezone.localdate())
    tables = benchmarks.price_tables(world.la_a1.region, period, scopes=scopes, viewer=world.la_a1)
    region = cell(tables, "residential", "Enhanced", "Spot", "Core care only", scope=1)
    assert region.shown() == ["fewer than 5 from other LAs", "", "", ""]
    client.force_login(world.user("la_a1", Role.LA_MANAGER))
    page = client.get(reverse("brokerage:la_prices")).content.decode()
    assert "£2,500" not in page and "Fewer than 5 from other LAs" in page
    # The hub knows no LA's own prices: it sees the region's five.
    client.force_login(world.user("hub_a", Role.HUB_ADMIN))
    page = client.get(reverse("brokerage:region_prices")).content.decode()
    assert "£2,000" in page and "£2,500" in page and "£3,000" in page
    # A fifth price from other LAs lets the manager see the region's figures.
    for cost in (2600, 2700, 2800, 2900):
        place(world.la_a2, cost, start=RECENT)
    tables = benchmarks.price_tables(world.la_a1.region, period, scopes=scopes, viewer=world.la_a1)
    region = cell(tables, "residential", "Enhanced", "Spot", "Core care only", scope=1)
    # Nine: 1000 2000 2500 2600 2700 2800 2900 3000 4000: LQ at 2 → 2500, median 2700, UQ 2900.
    assert region.shown() == [9, "£2,500", "£2,700", "£2,900"]


def exported(actor) -> dict:
    """The one download `actor` made, as the audit trail holds it."""
    from accounts.models import AuditEvent

    event = AuditEvent.objects.get(action=AuditEvent.Action.DATA_EXPORTED)
    assert (event.actor, event.organisation) == (actor, actor.organisation)
    return event.detail
