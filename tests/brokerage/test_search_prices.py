"""Recent prices on the search's result cards (brokerage fills placements' search_extras hook):
the region's range from at least 5 prices (5 from other LAs), never another region's, the
officer's own LA's last prices only, and the page's queries not growing with its results."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation, Role
from brokerage.models import PlacementOutcome
from tests.factories import OrganisationFactory, UserFactory, sign_in
from tests.placements.builders import child, home, make_world_map
from tests.placements.factories import PlacementRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world_map(db, settings):
    settings.TRAVEL_ENGINE = "estimate"
    return make_world_map()


@pytest.fixture
def officer(world_map):
    return UserFactory(organisation=world_map.la, role=Role.PLACEMENT_OFFICER)


@pytest.fixture
def other_la(world_map):
    return OrganisationFactory(region=world_map.la.region, local_authority=True)


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def agreed(la: Organisation, setting, cost, *, start=None, need: str = "enhanced"):
    request = PlacementRequestFactory(organisation=la, need_level=need)
    return PlacementOutcome.objects.create(
        request=request,
        setting=setting,
        urn=setting.urn,
        start_date=start or days_ago(30),
        weekly_cost=Decimal(cost),
        social_care_weekly=Decimal(cost),
        services_included=["core"],
        commercial_route="spot",
    )


def search_page(client, officer, request) -> str:
    client.logout()
    sign_in(client, officer.email)
    place = request.places.get()
    response = client.get(
        reverse("placements:placement_search", args=[request.pk]),
        {"area": "anywhere", "include_unconfirmed": "on", f"limit_{place.pk}": ""},
    )
    assert response.status_code == 200
    return response.content.decode()


def prices_of(html: str, urn: str) -> list[str]:
    block = re.search(rf'id="recent-prices-{urn}">(.*?)</div>', html, re.S)
    assert block, f"no recent prices for {urn}"
    return [re.sub(r"\s+", " ", line).strip() for line in re.findall(r"<li>(.*?)</li>", block[1])]


REGION = "Region, last 12 months, Children&#x27;s home places, need level enhanced"


def test_five_prices_from_other_las_show_the_range_four_do_not(
    client, world_map, officer, other_la
):
    shown = home(world_map, name="The Shown Home")
    elsewhere = home(world_map, name="Priced Elsewhere")  # the prices are with other homes
    for cost in (4000, 4100, 4200, 4300):
        agreed(other_la, elsewhere, cost)
    request = child(world_map, need_level="enhanced")
    assert prices_of(search_page(client, officer, request), shown.urn) == [
        f"{REGION}: fewer than 5 placements to compare"
    ]
    agreed(other_la, elsewhere, 4400)
    assert prices_of(search_page(client, officer, request), shown.urn) == [
        f"{REGION}: £4,100 to £4,300 a week (median £4,200, 5 placements)"
    ]


def test_the_childs_need_level_the_last_12_months_and_the_region_only(
    client, world_map, officer, other_la
):
    shown = home(world_map)
    for cost in (4000, 4100, 4200, 4300, 4400):
        agreed(other_la, shown, cost)
    agreed(other_la, shown, 99000, need="standard")  # another need level
    agreed(other_la, shown, 99000, start=days_ago(400))  # over a year ago
    far = OrganisationFactory(local_authority=True)  # another region's LA
    for _ in range(5):
        agreed(far, shown, 99000)
    request = child(world_map, need_level="enhanced")
    assert prices_of(search_page(client, officer, request), shown.urn) == [
        f"{REGION}: £4,100 to £4,300 a week (median £4,200, 5 placements)"
    ]
    # Another region's officer sees only their region's prices.
    far_officer = UserFactory(organisation=far, role=Role.PLACEMENT_OFFICER)
    assert far.region != world_map.la.region
    far_request = child(world_map, organisation=far, need_level="enhanced")
    lines = prices_of(search_page(client, far_officer, far_request), shown.urn)
    # Their region has only their own 5 prices (this region's 5 are not counted).
    assert lines[0] == f"{REGION}: fewer than 5 from other LAs to compare"
    assert [line.split(" here ")[0] for line in lines[1:]] == ["Your LA agreed £99,000 a week"] * 3


def test_own_prices_do_not_make_up_the_five(client, world_map, officer, other_la):
    shown = home(world_map)
    for cost in (4000, 4100, 4200, 4300):
        agreed(other_la, shown, cost)
    agreed(world_map.la, shown, 5000, start=days_ago(10))
    request = child(world_map, need_level="enhanced")
    lines = prices_of(search_page(client, officer, request), shown.urn)
    # 5 in the region, but 4 from other LAs: the officer could read theirs off the quartiles.
    assert lines[0] == f"{REGION}: fewer than 5 from other LAs to compare"


def test_own_las_last_three_prices_with_the_setting_and_never_another_las(
    client, world_map, officer, other_la
):
    shown = home(world_map)
    other_home = home(world_map)
    for days, cost in ((200, 3000), (100, 3100), (50, 3200), (20, 3300)):
        agreed(world_map.la, shown, cost, start=days_ago(days))
    agreed(world_map.la, other_home, 7777)  # the same LA, another home
    agreed(other_la, shown, 8888, start=days_ago(1))  # another LA's single price
    request = child(world_map, need_level="enhanced")
    html = search_page(client, officer, request)
    lines = prices_of(html, shown.urn)
    assert lines[1:] == [
        f"Your LA agreed £3,300 a week here from {days_ago(20).day} {days_ago(20):%B %Y}",
        f"Your LA agreed £3,200 a week here from {days_ago(50).day} {days_ago(50):%B %Y}",
        f"Your LA agreed £3,100 a week here from {days_ago(100).day} {days_ago(100):%B %Y}",
    ]
    assert "£8,888" not in html
    assert "£3,000" not in html
    assert prices_of(html, other_home.urn)[1:] == [
        f"Your LA agreed £7,777 a week here from {days_ago(30).day} {days_ago(30):%B %Y}"
    ]


def test_the_pages_queries_do_not_grow_with_its_results(client, world_map, officer, other_la):
    first = home(world_map)
    agreed(world_map.la, first, 3000)
    request = child(world_map, need_level="enhanced")
    sign_in(client, officer.email)
    place = request.places.get()
    url = reverse("placements:placement_search", args=[request.pk])
    query = {"area": "anywhere", "include_unconfirmed": "on", f"limit_{place.pk}": ""}

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, query).status_code == 200
        return len(queries)

    count()  # warm the caches
    few = count()
    for number in range(6):
        setting = home(world_map)
        agreed(world_map.la, setting, 3000 + number)
        agreed(other_la, setting, 4000 + number)
    count()
    assert count() == few


# The outcome's like-for-like benchmark --------------------------------------------------------


def like_for_like_lines(html: str) -> list[str]:
    block = re.search(r'id="like-for-like">(.*?)</div>', html, re.S)
    assert block, "no like-for-like prices"
    return [re.sub(r"\s+", " ", line).strip() for line in re.findall(r"<li>(.*?)</li>", block[1])]


def test_the_outcome_form_shows_the_regions_like_for_like_prices(
    client, world_map, officer, other_la
):
    priced = home(world_map)
    for cost in (4000, 4100, 4200, 4300):
        agreed(other_la, priced, cost)
    for cost in (6000, 6100, 6200, 6300, 6400):
        outcome = agreed(other_la, priced, cost)
        outcome.commercial_route = "framework"
        outcome.save()
    far = OrganisationFactory(local_authority=True)  # another region: never counted
    agreed(far, priced, 4400)
    request = child(world_map, need_level="enhanced")
    sign_in(client, officer.email)
    html = client.get(reverse("brokerage:placement_outcome_create", args=[request.pk]))
    assert like_for_like_lines(html.content.decode()) == [
        "Children&#x27;s home, spot: fewer than 5 placements to compare",
        "Children&#x27;s home, framework, dps or block: £6,100 to £6,300 a week "
        "(median £6,200, 5 placements)",
    ]
    agreed(other_la, priced, 4400)
    html = client.get(reverse("brokerage:placement_outcome_create", args=[request.pk]))
    assert like_for_like_lines(html.content.decode())[0] == (
        "Children&#x27;s home, spot: £4,100 to £4,300 a week (median £4,200, 5 placements)"
    )


def test_the_request_page_shows_the_regions_median_for_like_for_like_placements(
    client, world_map, officer, other_la
):
    priced = home(world_map)
    request = child(world_map, need_level="enhanced")
    sign_in(client, officer.email)
    url = reverse("brokerage:placement_request_detail", args=[request.pk])
    mine = agreed(world_map.la, priced, 4700)
    PlacementOutcome.objects.filter(pk=mine.pk).update(request=request)
    for cost in (4000, 4100, 4200, 4300):
        agreed(other_la, priced, cost)
    label = "Region&#x27;s median for like-for-like placements"
    # 5 in the region, 4 of them from other LAs: not shown. Then 6: 4000 … 4400 and 4700.
    assert label not in client.get(url).content.decode()
    agreed(other_la, priced, 4400)
    html = client.get(url).content.decode()
    assert re.search(rf"{label}\s*</dt>\s*<dd[^>]*>\s*£4,250 \(6 placements\)", html)


def test_the_json_api_gives_each_match_its_recent_prices_and_documents_them(
    client, world_map, officer, other_la
):
    shown = home(world_map)
    for cost in (4000, 4100, 4200, 4300, 4400):
        agreed(other_la, shown, cost)
    agreed(world_map.la, shown, 3900, start=days_ago(5))
    request = child(world_map, need_level="enhanced")
    sign_in(client, officer.email)
    place = request.places.get()
    response = client.get(
        reverse("api:api_placement_matches", args=[request.pk]),
        {"area": "anywhere", "include_unconfirmed": "on", f"limit_{place.pk}": ""},
    )
    assert response.status_code == 200
    (match,) = response.json()["matches"]
    assert match["extras"] == [
        {
            "key": "recent-prices",
            "label": "Recent prices",
            "lines": [
                "Region, last 12 months, Children's home places, need level enhanced: £4,025 to "
                "£4,275 a week (median £4,150, 6 placements)",
                f"Your LA agreed £3,900 a week here from {days_ago(5).day} {days_ago(5):%B %Y}",
            ],
        }
    ]
    schema = client.get("/api/schema/?format=json").json()
    assert "extras" in schema["components"]["schemas"]["Match"]["properties"]
