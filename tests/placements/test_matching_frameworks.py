"""Frameworks in search: the filter, each result's memberships and tendered rate for the child's
need level, membership as a part of the score the region weights, and the query count.

Frameworks run from a year ago to a year ahead of today, so no test depends on the date.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from commissioning.models import Membership, NeedLevel
from placements.matching import (
    FRAMEWORK,
    WEIGHTS,
    SearchCriteria,
    scaled_weights,
    setting_match,
    with_memberships,
)
from placements.models import PlacementRequest
from tests.commissioning.factories import (
    FrameworkFactory,
    LotFactory,
    MembershipFactory,
    RateFactory,
)
from tests.factories import RegionFactory, UserFactory, sign_in
from tests.placements.builders import child, home


def today():
    return timezone.localdate()


def framework(region: Any, **values: Any):
    values.setdefault("starts_on", today() - timedelta(days=365))
    values.setdefault("ends_on", today() + timedelta(days=365))
    return FrameworkFactory(region=region, **values)


def member(lot: Any, setting: Any, **values: Any) -> Membership:
    values.setdefault("joined_on", today() - timedelta(days=30))
    return MembershipFactory(lot=lot, setting=setting, **values)


@pytest.fixture
def region(world_map):
    return world_map.la.region


@pytest.fixture
def lot(region):
    return LotFactory(framework=framework(region, name="East Midlands Residential"), number=1)


def urns(request: PlacementRequest, **criteria: Any) -> set[str]:
    result = setting_match(request=request, criteria=SearchCriteria(**criteria))
    return {m.setting.urn for m in result.matches}


# --- The filter ---------------------------------------------------------------------------------


def test_the_filter_keeps_only_active_members_of_current_lots_of_the_regions_frameworks(
    world_map, region, lot
):
    on = home(world_map, name="On it")
    off = home(world_map, name="On no framework")
    suspended = home(world_map, name="Suspended")
    left = home(world_map, name="Left")
    ended = home(world_map, name="On an ended framework")
    ended_lot = home(world_map, name="On an ended lot")
    elsewhere = home(world_map, name="On another region's framework")
    member(lot, on)
    member(lot, suspended, status="suspended", status_changed_on=today())
    member(lot, left, status="left", status_changed_on=today())
    old = framework(
        region, starts_on=today() - timedelta(days=800), ends_on=today() - timedelta(days=1)
    )
    member(LotFactory(framework=old), ended)
    member(
        LotFactory(
            framework=lot.framework,
            number=2,
            starts_on=today() - timedelta(days=300),
            ends_on=today() - timedelta(days=1),
        ),
        ended_lot,
    )
    member(LotFactory(framework=framework(RegionFactory())), elsewhere)
    request = child(world_map)

    everyone = {on.urn, off.urn, suspended.urn, left.urn, ended.urn, ended_lot.urn, elsewhere.urn}
    assert urns(request) == everyone  # without the filter, a setting on no framework stays
    assert urns(request, on_frameworks=True) == {on.urn}
    assert urns(request, framework_id=lot.framework_id) == {on.urn}


def test_on_this_framework_keeps_only_its_members(world_map, region, lot):
    first = home(world_map, name="First's member")
    second = home(world_map, name="Second's member")
    member(lot, first)
    member(LotFactory(framework=framework(region, name="Fostering DPS")), second)
    request = child(world_map)

    assert urns(request, on_frameworks=True) == {first.urn, second.urn}
    assert urns(request, framework_id=lot.framework_id) == {first.urn}


def test_the_filter_is_a_step_of_the_funnel(world_map, region, lot):
    member(lot, home(world_map))
    home(world_map)
    request = child(world_map)

    plain = setting_match(request=request, criteria=SearchCriteria())
    narrowed = setting_match(request=request, criteria=SearchCriteria(on_frameworks=True))
    one = setting_match(request=request, criteria=SearchCriteria(framework_id=lot.framework_id))

    assert "framework" not in plain.funnel
    assert list(narrowed.funnel) == [
        "registered",
        "criteria",
        "available",
        "framework",
        "where",
        "travel",
        "on_service",
    ]
    assert narrowed.funnel["available"] == 2 and narrowed.funnel["framework"] == 1
    assert narrowed.funnel["travel"] == 1
    assert one.framework_name == "East Midlands Residential"


def test_another_regions_framework_is_never_used(world_map):
    theirs = LotFactory(framework=framework(RegionFactory()))
    setting = home(world_map)
    member(theirs, setting)
    request = child(world_map)

    assert urns(request, framework_id=theirs.framework_id) == set()
    (match,) = setting_match(request=request, criteria=SearchCriteria()).matches
    assert FRAMEWORK not in match.components  # the region has no framework of its own
    with_memberships([match], request, today=today())
    assert match.memberships == []


# --- Memberships and rates ----------------------------------------------------------------------


def test_each_result_has_its_memberships_with_the_rate_for_the_childs_need_level(
    world_map, region, lot
):
    setting = home(world_map)
    membership = member(lot, setting)
    RateFactory(membership=membership, need_level=NeedLevel.STANDARD, weekly_rate=Decimal(4800))
    RateFactory(
        membership=membership,
        need_level=NeedLevel.ENHANCED,
        weekly_rate=Decimal("5200.50"),
        includes=["core", "therapy"],
        solo_premium=Decimal(900),
    )
    request = child(world_map, need_level=NeedLevel.ENHANCED)
    (match,) = setting_match(request=request, criteria=SearchCriteria()).matches

    with_memberships([match], request, today=today())

    (on,) = match.memberships
    assert (on.framework, on.lot_number, on.lot) == ("East Midlands Residential", 1, lot.name)
    rate = on.rate_for(request.need_level)
    assert rate is not None
    assert rate.weekly_rate == Decimal("5200.50")
    assert rate.includes == ("core", "therapy")
    assert rate.solo_premium == Decimal("900.00")
    assert on.rate_for(NeedLevel.COMPLEX) is None
    assert [r.need_level for r in on.rates] == [NeedLevel.ENHANCED, NeedLevel.STANDARD]


# --- The score ----------------------------------------------------------------------------------


def test_membership_is_a_part_of_the_score_weighted_by_the_region(world_map, region, lot):
    on = home(world_map, name="On it")
    off = home(world_map, name="Off it")
    member(lot, on)
    request = child(world_map)

    matches = {
        m.setting.urn: m for m in setting_match(request=request, criteria=SearchCriteria()).matches
    }

    assert region.framework_weight == 10  # the default: modest
    assert matches[on.urn].components[FRAMEWORK] == 1.0
    assert matches[off.urn].components[FRAMEWORK] == 0.0
    assert "On one of your region's frameworks" in matches[on.urn].reasons
    weights = scaled_weights(10)
    assert sum(weights.values()) == pytest.approx(100)
    assert weights[FRAMEWORK] == pytest.approx(100 * 10 / 110)
    for match in matches.values():
        assert match.weights == weights
        assert match.score == pytest.approx(
            sum(weights[k] * v for k, v in match.components.items())
        )
    # Otherwise equal, the member ranks first by the framework's share of 100.
    assert matches[on.urn].score - matches[off.urn].score == pytest.approx(100 * 10 / 110)


def test_a_weight_of_0_leaves_the_part_out(world_map, region, lot):
    region.framework_weight = 0
    region.save()
    setting = home(world_map)
    member(lot, setting)
    request = child(world_map)

    (match,) = setting_match(request=request, criteria=SearchCriteria()).matches

    assert FRAMEWORK not in match.components
    assert match.weights == WEIGHTS
    assert match.score == pytest.approx(sum(WEIGHTS[k] * v for k, v in match.components.items()))


# --- The page and the API -----------------------------------------------------------------------


@pytest.fixture
def officer_client(world_map, client):
    sign_in(client, UserFactory(organisation=world_map.la, role=Role.PLACEMENT_OFFICER).email)
    return client


def search_url(request: PlacementRequest, **query: Any) -> str:
    url = reverse("placements:placement_search", args=[request.pk])
    return url + ("?" + urlencode(query, doseq=True) if query else "")


def test_the_page_shows_memberships_rates_and_the_filter(world_map, region, lot, officer_client):
    rated = home(world_map, name="Rated House")
    unrated = home(world_map, name="Unrated House")
    home(world_map, name="Spot House")
    RateFactory(
        membership=member(lot, rated),
        need_level=NeedLevel.COMPLEX,
        weekly_rate=Decimal(6250),
        includes=["core", "education"],
    )
    RateFactory(membership=member(lot, unrated), need_level=NeedLevel.STANDARD)
    request = child(world_map, need_level=NeedLevel.COMPLEX)

    html = officer_client.get(search_url(request)).content.decode()

    assert "Spot House" in html
    assert "On East Midlands Residential" in html
    assert "Complex: £6,250 a week (includes core care, education)" in html
    assert "No rate for this need level (Complex)" in html
    assert "On our frameworks" in html
    assert "On this framework: East Midlands Residential" in html
    # The part, shown like the others (10 of 110, scaled), every weight in whole points.
    assert "framework 9/9)" in html
    assert re.search(
        r"\(fit \d+/27, vacancy \d+/18, travel \d+/23, ofsted \d+/14, local \d+/9,", html
    )

    narrowed = officer_client.get(
        search_url(request, area="anywhere", framework=str(lot.framework_id))
    ).content.decode()
    assert "Rated House" in narrowed and "Spot House" not in narrowed
    assert "On East Midlands Residential (active members of a current lot)" in narrowed


def test_a_request_without_a_need_level_shows_every_rate(world_map, lot, officer_client):
    setting = home(world_map)
    membership = member(lot, setting)
    RateFactory(membership=membership, need_level=NeedLevel.STANDARD, weekly_rate=Decimal(4000))
    RateFactory(membership=membership, need_level=NeedLevel.ENHANCED, weekly_rate=Decimal(5000))
    request = child(world_map)

    html = officer_client.get(search_url(request)).content.decode()

    assert "Enhanced: £5,000 a week" in html and "Standard: £4,000 a week" in html


def test_another_regions_framework_is_not_a_choice(world_map, lot, officer_client):
    theirs = framework(RegionFactory(), name="Their framework")
    request = child(world_map)

    response = officer_client.get(search_url(request, area="anywhere", framework=str(theirs.pk)))

    html = response.content.decode()
    assert "Choose a framework from the list" in html
    assert "Their framework" not in html


def test_a_region_with_no_framework_is_not_offered_the_filter(world_map, officer_client):
    request = child(world_map)

    html = officer_client.get(search_url(request)).content.decode()

    assert "On our frameworks" not in html


def test_the_api_gives_memberships_and_the_rate_and_takes_the_filter(
    world_map, lot, officer_client
):
    setting = home(world_map)
    home(world_map, name="Spot House")
    RateFactory(
        membership=member(lot, setting),
        need_level=NeedLevel.SPECIALIST,
        weekly_rate=Decimal("7100.00"),
        includes=["core"],
    )
    request = child(world_map, need_level=NeedLevel.SPECIALIST)
    url = reverse("api:api_placement_matches", args=[request.pk])

    body = officer_client.get(url, {"area": "anywhere", "framework": "ours"}).json()

    (match,) = body["matches"]
    assert body["funnel"]["framework"] == 1
    (on,) = match["memberships"]
    assert on["framework"] == "East Midlands Residential" and on["lot_number"] == 1
    assert on["rate"] == {
        "need_level": "specialist",
        "weekly_rate": "7100.00",
        "includes": ["core"],
        "solo_premium": None,
    }
    assert match["components"]["framework"] == 1.0
    schema = officer_client.get(reverse("api:api_schema")).content.decode()
    assert "memberships" in schema and "framework" in schema


def _page_queries(client: Any, request: PlacementRequest) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(search_url(request)).status_code == 200
    return len(queries)


def test_the_pages_query_count_does_not_grow_with_its_members(world_map, lot, officer_client):
    request = child(world_map, need_level=NeedLevel.STANDARD)
    for _ in range(2):
        RateFactory(membership=member(lot, home(world_map)))
    _page_queries(officer_client, request)  # warm the caches (the LA's neighbours)
    few = _page_queries(officer_client, request)
    for _ in range(8):
        RateFactory(membership=member(lot, home(world_map)))

    assert _page_queries(officer_client, request) == few
