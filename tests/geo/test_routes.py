"""Route lines and isochrones (geo/routes.py) on the real Rutland road network.

Every figure is checked against the travel-time table on the same network (geo/travel.py), not
against numbers written down here: a route's minutes are the table's, an isochrone holds what the
table says is within its limit.
"""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import MultiPolygon, Point

from geo import travel
from geo.routes import road_isochrone, road_route
from geo.travel import straight_line_metres, travel_times
from tests.geo.test_estimate_range import postcode_locations
from tests.geo.test_travel import LONDON, OAKHAM, RUTLAND_DESTINATIONS, UPPINGHAM, osrm_url

__all__ = ["osrm_url"]  # a fixture, used by name

ONE_SECOND = 1 / 60  # in minutes


@pytest.fixture
def osrm_settings(settings, network):
    settings.TRAVEL_ENGINE = "osrm"
    settings.TRAVEL_NETWORK = network
    return settings


# --- Routes --------------------------------------------------------------------------------------


@pytest.mark.parametrize("destination", [UPPINGHAM, *RUTLAND_DESTINATIONS[1:]])
def test_a_route_takes_the_tables_minutes_and_runs_from_end_to_end(osrm_settings, destination):
    route = road_route(OAKHAM, destination)
    table = travel_times([OAKHAM], [destination]).cell(0, 0)

    assert route.estimated is False and table.estimated is False
    assert route.engine == "osrm"
    assert route.minutes == pytest.approx(table.minutes, abs=ONE_SECOND)
    # The line starts and ends where OSRM put the points on a road: Oakham's centre is on one
    # (58 m away), the other places at most TRAVEL_SNAP_MAX_METRES from one.
    start, end = (Point(*route.line[0], srid=4326), Point(*route.line[-1], srid=4326))
    assert straight_line_metres(start, OAKHAM) < 100
    assert straight_line_metres(end, destination) < osrm_settings.TRAVEL_SNAP_MAX_METRES
    # It follows roads: many points, and longer than the straight line.
    line = route.linestring()
    assert line is not None and len(line) > 10
    assert route.metres is not None
    assert route.metres > straight_line_metres(OAKHAM, destination)


def test_oakham_to_uppingham_by_the_http_engine_is_the_same_route(settings, network, osrm_url):
    settings.TRAVEL_NETWORK = network
    settings.TRAVEL_ENGINE = "osrm"
    in_process = road_route(OAKHAM, UPPINGHAM)
    settings.TRAVEL_ENGINE, settings.TRAVEL_OSRM_URL = "osrm_http", osrm_url
    over_http = road_route(OAKHAM, UPPINGHAM)

    assert over_http.engine == "osrm_http" and over_http.estimated is False
    assert over_http.minutes == pytest.approx(in_process.minutes, abs=ONE_SECOND)
    assert len(over_http.line) == len(in_process.line)
    assert (
        max(
            abs(a - b)
            for here, there in zip(over_http.line, in_process.line, strict=True)
            for a, b in zip(here, there, strict=True)
        )
        < 1e-6
    )


def test_beyond_the_network_a_route_is_a_straight_line_marked_estimated(osrm_settings):
    route = road_route(OAKHAM, LONDON)

    assert route.estimated is True and route.engine == "estimate"
    assert route.line == [(OAKHAM.x, OAKHAM.y), (LONDON.x, LONDON.y)]
    assert route.minutes == pytest.approx(travel.estimate_minutes(OAKHAM, LONDON))


def test_an_unreachable_http_engine_gives_a_straight_line(settings):
    settings.TRAVEL_ENGINE, settings.TRAVEL_OSRM_URL = "osrm_http", "http://127.0.0.1:9"
    route = road_route(OAKHAM, UPPINGHAM)
    assert route.estimated is True
    assert route.minutes == pytest.approx(travel.estimate_minutes(OAKHAM, UPPINGHAM))


def test_without_a_network_every_route_is_estimated(settings):
    settings.TRAVEL_ENGINE = "estimate"
    route = road_route(OAKHAM, UPPINGHAM)
    assert route.estimated is True and len(route.line) == 2


# --- Isochrones ----------------------------------------------------------------------------------


@pytest.mark.parametrize("minutes", [8, 15])
def test_an_isochrone_holds_what_the_table_says_is_within_it(osrm_settings, minutes):
    area = road_isochrone(OAKHAM, minutes)
    assert isinstance(area, MultiPolygon) and area.srid == 4326 and area.valid
    # Where people are: 200 Rutland postcode locations. (A point in a field is answered from the
    # road nearest it, up to 1 km away, which may not be the road its cell's centre is near.)
    places = postcode_locations(200)
    row = travel_times([OAKHAM], places).rows[0]
    routed = [(p, c.minutes) for p, c in zip(places, row, strict=True) if not c.estimated]
    # Its edge is as coarse as a 1 km cell: test the points clearly inside and clearly beyond.
    # (A point OSRM snaps to a stretch of road with no way out, a None, says nothing of its cell.)
    near = [p for p, m in routed if m is not None and m <= 0.8 * minutes]
    far = [p for p, m in routed if m is not None and m >= 1.3 * minutes]
    assert len(near) >= 5 and len(far) >= 20  # enough of each for the test to mean something
    assert [p.coords for p in near if not area.contains(p)] == []
    assert [p.coords for p in far if area.contains(p)] == []
    assert area.contains(OAKHAM)


def test_a_longer_isochrone_covers_a_shorter_one(osrm_settings):
    shorter, longer = road_isochrone(OAKHAM, 8), road_isochrone(OAKHAM, 15)
    assert shorter is not None and longer is not None
    # Every cell within 8 minutes is within 15; simplifying may move an edge by up to 100 m.
    assert longer.buffer(0.002).contains(shorter)
    assert longer.area > shorter.area


def test_no_isochrone_where_there_is_no_network(osrm_settings, settings):
    # London is off the Rutland network: nothing there was routed, so nothing is drawn.
    assert road_isochrone(LONDON, 30) is None
    settings.TRAVEL_ENGINE = "estimate"
    assert road_isochrone(OAKHAM, 30) is None


def test_an_isochrone_needs_minutes(osrm_settings):
    with pytest.raises(ValueError, match="positive"):
        road_isochrone(OAKHAM, 0)
