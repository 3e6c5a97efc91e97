"""Issue 14's journey: an officer sets school by bus (leaving 08:00) and grandmother by car,
searches in Chester (its real bus timetable; no road network there, so the drive is estimated)
and in Rutland (its real road network; no timetable there, which the page says), sees both modes
on the results, opens each journey on a map with the route drawn, and the spreadsheet and the API
say what the page says. Axe checks every page.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role
from geo.models import Area, Postcode, PostcodeDistrict
from placements.models import PlacementRequest
from providers.models import Capability, Eligibility, Need, PlacementKind, Risk, Vacancy
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_journey import sign_in
from tests.browser.test_placement_requests import describe_child
from tests.factories import PASSWORD, AreaFactory, OrganisationFactory, RegionFactory, UserFactory
from tests.geo.gtfs_files import CHESTER
from tests.placements.test_search_by_bus import BOUNDARY_LANE, DELAMERE_STREET, stop_point
from tests.providers.factories import SettingFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHESTER.is_file(), reason="no Chester GTFS in ../shared/data/gtfs"),
]

OAKHAM = Point(-0.7286, 52.6707, srid=4326)
COTTESMORE = Point(-0.6656, 52.7136, srid=4326)
UPPINGHAM = Point(-0.7241, 52.5897, srid=4326)
CHESTER_GRANDMOTHER = Point(-2.8700, 53.2120, srid=4326)  # Upton, 3 km north of the city


def box(x0: float, y0: float, x1: float, y1: float) -> MultiPolygon:
    ring = ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))
    return MultiPolygon(Polygon(ring), srid=4326)


def suitable_home(name: str, point: Point, district: str, la: Area) -> None:
    PostcodeDistrict.objects.get_or_create(
        district=district, defaults={"point": point, "postcodes": 9}
    )
    home = SettingFactory(
        childrens_home=True, name=name, location=point, postcode=f"{district} 1AA", places=3,
        local_authority=la,
    )  # fmt: skip
    Eligibility.objects.create(
        setting=home,
        min_age=10,
        max_age=17,
        sexes=["female", "male"],
        placement_kinds=list(PlacementKind.values),
        living_alongside="with_others",
        risks=dict.fromkeys(Risk.values, Capability.CAN_MEET.value),
        needs=dict.fromkeys(Need.values, Capability.CAN_MEET.value),
    )
    Vacancy.objects.create(setting=home, places=1, confirmed_at=timezone.now())


@pytest.fixture
def officer(db, settings, network, tmp_path):
    settings.TRAVEL_ENGINE = "osrm"
    settings.TRAVEL_NETWORK = network
    settings.TRANSIT_DIR = str(tmp_path)
    call_command("import_gtfs", str(CHESTER), "--name", "Chester", "--commit", stdout=io.StringIO())
    region_area = AreaFactory(
        gss_code="E12000004", name="East Midlands", kind=Area.Kind.REGION,
        boundary=box(-1.6, 52.3, 0.2, 53.2),
    )  # fmt: skip
    rutland = AreaFactory(
        gss_code="E06000017", name="Rutland", boundary=box(-0.83, 52.52, -0.43, 52.77),
        parent=region_area,
    )  # fmt: skip
    cheshire = AreaFactory(
        gss_code="E06000050", name="Cheshire West and Chester",
        boundary=box(-3.1, 53.0, -2.4, 53.35),
    )  # fmt: skip
    for postcode, point, la in (
        ("LE15 6AB", OAKHAM, "E06000017"),
        ("LE15 9AA", UPPINGHAM, "E06000017"),
        ("CH1 3AB", stop_point(DELAMERE_STREET), "E06000050"),
        ("CH2 1AA", CHESTER_GRANDMOTHER, "E06000050"),
    ):
        Postcode.objects.create(postcode=postcode, point=point, ltla_code=la, utla_code=la)
    suitable_home("Boundary Lane House", stop_point(BOUNDARY_LANE), "CH4", cheshire)
    suitable_home("Cottesmore House", COTTESMORE, "LE15", rutland)
    region = RegionFactory(area=region_area)
    la = OrganisationFactory(region=region, local_authority=True, area=rutland)
    return UserFactory(
        organisation=la, role=Role.PLACEMENT_OFFICER, email="sam@example.org",
        full_name="Sam Officer",
    )  # fmt: skip


def new_request(page, base, *, reference, school, family, family_limit) -> PlacementRequest:
    """School by public transport leaving 08:00 (at most 45 minutes), grandmother by car."""
    page.goto(f"{base}/placements/")
    page.get_by_role("button", name="Start a new request").click()
    describe_child(page, reference=reference)
    page.locator("#id_places-0-label").fill("School")
    page.locator("#id_places-0-postcode").fill(school)
    page.get_by_role("group", name="How would the child get there?").first.get_by_label(
        "By public transport"
    ).check()
    leaving = page.locator("#id_places-0-departs_at")
    leaving.wait_for()  # revealed by the radio
    assert leaving.input_value() == "08:00"
    page.locator("#id_places-0-max_minutes").fill("45")
    page.locator("#id_places-1-label").fill("Grandmother")
    page.locator("#id_places-1-postcode").fill(family)
    page.locator("#id_places-1-max_minutes").fill(str(family_limit))
    page.get_by_role("button", name="Save request").click()
    page.get_by_role("heading", name=reference).wait_for()
    return PlacementRequest.objects.get(reference=reference)


def journeys(page) -> list[str]:
    return page.locator(".app-result .govuk-list li").all_inner_texts()


def test_officer_sees_bus_and_car_journeys_on_the_results_and_on_the_map(
    live_server, page, axe, officer
):
    base = live_server.url
    sign_in(page, base, officer.email, PASSWORD)
    page.get_by_role("heading", name="Welcome, Sam").wait_for()

    # Chester: the timetable answers the bus; the drive is estimated (no road network there).
    request = new_request(
        page, base, reference="CH-BUS-1", school="CH1 3AB", family="ch2 1aa", family_limit=30
    )
    school, grandmother = request.places.all()
    assert (school.mode, school.departs_at.strftime("%H:%M"), grandmother.mode) == (
        "public_transport", "08:00", "car",
    )  # fmt: skip
    assert "By public transport, leaving 08:00 on a weekday, at most 45 minutes" in (
        page.locator("main").inner_text()
    )
    axe.check("travel-modes-01-request")
    page.get_by_role("button", name="Find placements").click()
    page.get_by_role("heading", name="1 setting can take this child").wait_for()
    lines = journeys(page)
    bus = next(line for line in lines if line.startswith("School: "))
    car = next(line for line in lines if line.startswith("Grandmother: "))
    assert bus.startswith(
        "School: by bus, 30 min, leaving 08:00 (walking estimated) (limit 45 min)"
    )
    assert re.match(r"Grandmother: about \d+–\d+ min \(estimated\) \(limit 30 min\)", car)
    main = page.locator("main").inner_text()
    assert "By public transport to School: Chester timetable, for Tuesday 23 April 2024" in main
    axe.check("travel-modes-02-chester-results")
    page.locator("main").screenshot(path=str(SCREENSHOTS / "travel-modes-chester-results.png"))

    # The spreadsheet and the API say the same as the page.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download these results (.xlsx)").click()
    with open(download.value.path(), "rb") as saved:
        book = load_workbook(io.BytesIO(saved.read()))
    rows = list(book["Matches"].iter_rows(values_only=True))
    assert (
        rows[1][rows[0].index("School: journey")]
        == "by bus, 30 min, leaving 08:00 (walking estimated)"
    )
    assert car.startswith("Grandmother: " + rows[1][rows[0].index("Grandmother: journey")])
    api = json.loads(
        page.request.get(f"{base}/api/v1/placement-requests/{request.pk}/matches/").text()
    )
    texts = {leg["place"]: leg["text"] for leg in api["matches"][0]["travel"]}
    assert texts["School"] == rows[1][rows[0].index("School: journey")]
    assert texts["Grandmother"] == rows[1][rows[0].index("Grandmother: journey")]

    # The bus journey on a map: a walk, then the 11, drawn.
    page.get_by_role(
        "link", name=re.compile("See the journey from Boundary Lane House to School")
    ).click()
    page.get_by_role("heading", name="Journey from Boundary Lane House to School").wait_for()
    steps = page.locator("#journey-steps li").all_inner_texts()
    assert steps[0].startswith("Walk 14 min from Boundary Lane House to St David")
    assert len(steps) == 2  # no walk at the end: the school is at the stop
    assert re.match(r"Bus 11 towards Chester: board at St David.s Retail Park at 08:16", steps[1])
    page.locator("#journey-map.leaflet-container").wait_for()
    assert page.locator("#journey-map path.app-journey-bus").count() == 1
    assert page.locator("#journey-map path.app-journey-walk").count() >= 1
    axe.check("travel-modes-03-bus-journey")
    page.locator("main").screenshot(path=str(SCREENSHOTS / "travel-modes-bus-journey.png"))
    page.get_by_role("link", name="Back to the results").click()
    page.get_by_role("heading", name="1 setting can take this child").wait_for()

    # Rutland: the road network answers the drive; there is no bus timetable, and it says so.
    request = new_request(
        page, base, reference="LE-BUS-1", school="LE15 6AB", family="LE15 6AB", family_limit=20
    )
    page.get_by_role("button", name="Find placements").click()
    page.get_by_role("heading", name="1 setting can take this child").wait_for()
    lines = journeys(page)
    assert "School: No bus or train timetable here (limit 45 min, not checked)" in lines
    drive = next(line for line in lines if line.startswith("Grandmother: "))
    minutes = int(re.match(r"Grandmother: (\d+) min by road \(limit 20 min\)", drive).group(1))
    assert 5 <= minutes <= 15  # Oakham to Cottesmore on the A606 and B668
    assert "No bus or train timetable for School" in page.locator(".app-results").inner_text()
    axe.check("travel-modes-04-rutland-results")
    page.get_by_role(
        "link", name=re.compile("See the journey from Cottesmore House to Grandmother")
    ).click()
    page.get_by_role("heading", name="Journey from Cottesmore House to Grandmother").wait_for()
    assert page.locator("#journey-steps li").all_inner_texts() == [f"{minutes} min by road"]
    page.locator("#journey-map.leaflet-container").wait_for()
    assert page.locator("#journey-map path.app-journey-drive").count() == 1
    axe.check("travel-modes-05-road-journey")
    page.locator("main").screenshot(path=str(SCREENSHOTS / "travel-modes-road-journey.png"))
