"""Travel time: the three engines behind `travel_times`, and `build_road_network`.

The Rutland network is built once per session (tests/conftest.py: `network`).
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.core.management.base import CommandError

from geo import travel
from geo.travel import TravelMatrix, TravelTime, travel_times
from tests.conftest import RUTLAND_PBF
from tests.geo.osrm_routed import free_port, osrm_routed

OAKHAM = Point(-0.7286, 52.6707, srid=4326)
UPPINGHAM = Point(-0.7241, 52.5897, srid=4326)
LONDON = Point(-0.1276, 51.5072, srid=4326)
RUTLAND_DESTINATIONS = [
    UPPINGHAM,
    Point(-0.6453, 52.6522, srid=4326),  # Empingham
    Point(-0.6000, 52.6606, srid=4326),  # Rutland Water, north shore
    Point(-0.7563, 52.7224, srid=4326),  # Cottesmore
    Point(-0.6667, 52.6200, srid=4326),  # Edith Weston
]


@pytest.fixture
def osrm_settings(settings, network):
    settings.TRAVEL_ENGINE = "osrm"
    settings.TRAVEL_NETWORK = network
    return settings


@pytest.fixture(scope="session")
def osrm_url(network: str):
    with osrm_routed(network, (-0.7286, 52.6707)) as url:
        yield url


def _haversine_km(a: Point, b: Point) -> float:
    lat1, lat2 = math.radians(a.y), math.radians(b.y)
    dlat, dlon = lat2 - lat1, math.radians(b.x - a.x)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


# --- Estimate ------------------------------------------------------------------------------------


def test_estimate_is_straight_line_times_detour_at_average_speed(settings):
    settings.TRAVEL_ENGINE = "estimate"
    settings.TRAVEL_DETOUR_FACTOR = 1.3
    settings.TRAVEL_ESTIMATE_KMH = 48.0
    matrix = travel_times([OAKHAM], [UPPINGHAM])
    expected = _haversine_km(OAKHAM, UPPINGHAM) * 1.3 / 48.0 * 60
    cell = matrix.cell(0, 0)
    assert cell.estimated is True
    assert cell.minutes == pytest.approx(expected, rel=1e-9)
    assert cell.minutes == pytest.approx(14.6, abs=0.1)  # 9.0 km straight line
    assert matrix.engine == "estimate"


def test_estimate_is_the_default_without_a_network():
    # Test settings configure no network or server.
    assert settings.TRAVEL_ENGINE == "estimate"


def test_points_must_be_in_4326(settings):
    with pytest.raises(ValueError, match="4326"):
        travel_times([Point(486000, 308000, srid=27700)], [UPPINGHAM])


# --- In-process OSRM -----------------------------------------------------------------------------


def test_osrm_oakham_to_uppingham_is_a_real_road_time(osrm_settings):
    cell = travel_times([OAKHAM], [UPPINGHAM]).cell(0, 0)
    assert cell.estimated is False
    assert cell.minutes is not None
    assert 8 <= cell.minutes <= 20  # 10.4 min with OSRM's car profile (2021 extract)


def test_osrm_matrix_shape_two_origins_by_five_destinations(osrm_settings):
    matrix = travel_times([OAKHAM, UPPINGHAM], RUTLAND_DESTINATIONS)
    assert matrix.shape == (2, 5)
    assert matrix.engine == "osrm"
    assert not matrix.any_estimated
    # Uppingham to itself is (nearly) nothing; Oakham to Uppingham is the same either way.
    assert matrix.cell(1, 0).minutes == pytest.approx(0, abs=1)
    assert matrix.cell(0, 0).minutes == pytest.approx(
        travel_times([OAKHAM], [UPPINGHAM]).cell(0, 0).minutes
    )


def test_osrm_point_outside_network_gets_the_estimate(osrm_settings):
    matrix = travel_times([OAKHAM, LONDON], [UPPINGHAM, LONDON])
    assert matrix.cell(0, 0).estimated is False
    for origin, destination in [(0, 1), (1, 0), (1, 1)]:
        cell = matrix.cell(origin, destination)
        assert cell.estimated is True
    assert matrix.cell(0, 1).minutes == pytest.approx(travel.estimate_minutes(OAKHAM, LONDON))
    assert matrix.cell(1, 0).minutes == pytest.approx(travel.estimate_minutes(LONDON, UPPINGHAM))


def test_osrm_splits_large_tables_by_destination(osrm_settings):
    osrm_settings.TRAVEL_MAX_TABLE_SIZE = 4  # 2 origins + 2 destinations per request
    split = travel_times([OAKHAM, UPPINGHAM], RUTLAND_DESTINATIONS)
    osrm_settings.TRAVEL_MAX_TABLE_SIZE = 10000
    whole = travel_times([OAKHAM, UPPINGHAM], RUTLAND_DESTINATIONS)
    assert split.rows == whole.rows


def test_no_route_between_snapped_points_is_unreachable_not_estimated(settings):
    settings.TRAVEL_SNAP_MAX_METRES = 1000
    answer = travel._OsrmAnswer(
        durations=[[600.0, None]], source_snaps=[10.0], destination_snaps=[20.0, 5000.0]
    )
    matrix = travel._combine(answer, [OAKHAM], [UPPINGHAM, LONDON], "osrm")
    assert matrix.cell(0, 0) == TravelTime(10.0, estimated=False)
    # Far from any road: the estimate, whatever OSRM said.
    assert matrix.cell(0, 1).estimated is True
    answer = travel._OsrmAnswer(durations=[[None]], source_snaps=[10.0], destination_snaps=[20.0])
    assert travel._combine(answer, [OAKHAM], [UPPINGHAM], "osrm").cell(0, 0) == TravelTime(
        None, estimated=False
    )


def test_empty_inputs_give_an_empty_matrix(osrm_settings):
    assert travel_times([OAKHAM], []) == TravelMatrix(rows=[[]], engine="osrm")
    assert travel_times([], [UPPINGHAM]).rows == []


# --- OSRM over HTTP ------------------------------------------------------------------------------


def test_http_gives_the_same_minutes_as_in_process(osrm_settings, osrm_url):
    in_process = travel_times([OAKHAM, UPPINGHAM], RUTLAND_DESTINATIONS)
    osrm_settings.TRAVEL_ENGINE = "osrm_http"
    osrm_settings.TRAVEL_OSRM_URL = osrm_url
    over_http = travel_times([OAKHAM, UPPINGHAM], RUTLAND_DESTINATIONS)
    assert over_http.engine == "osrm_http"
    assert not over_http.any_estimated
    for row_a, row_b in zip(in_process.rows, over_http.rows, strict=True):
        for a, b in zip(row_a, row_b, strict=True):
            assert b.minutes == pytest.approx(a.minutes, rel=0.01, abs=0.05)


def test_http_point_outside_network_gets_the_estimate(osrm_settings, osrm_url):
    osrm_settings.TRAVEL_ENGINE = "osrm_http"
    osrm_settings.TRAVEL_OSRM_URL = osrm_url
    matrix = travel_times([OAKHAM], [UPPINGHAM, LONDON])
    assert matrix.cell(0, 0).estimated is False
    assert matrix.cell(0, 1) == TravelTime(travel.estimate_minutes(OAKHAM, LONDON), estimated=True)


def test_http_server_down_falls_back_to_estimates(settings, caplog):
    settings.TRAVEL_ENGINE = "osrm_http"
    settings.TRAVEL_OSRM_URL = f"http://127.0.0.1:{free_port()}"
    settings.TRAVEL_OSRM_TIMEOUT = 2
    matrix = travel_times([OAKHAM], [UPPINGHAM, LONDON])
    assert matrix.engine == "estimate"
    assert all(cell.estimated for row in matrix.rows for cell in row)
    assert matrix.cell(0, 0).minutes == pytest.approx(travel.estimate_minutes(OAKHAM, UPPINGHAM))
    assert "answering with estimates" in caplog.text


# --- build_road_network --------------------------------------------------------------------------


def test_dry_run_writes_nothing(tmp_path):
    out = tmp_path / "net"
    stdout = io.StringIO()
    call_command("build_road_network", str(RUTLAND_PBF), "--out", str(out), stdout=stdout)
    assert not out.exists()
    text = stdout.getvalue()
    assert "Dry run" in text
    assert "osrm-extract" in text and "osrm-contract" in text and "car.lua" in text
    assert "1.5 MB" in text


def test_dry_run_json(tmp_path):
    stdout = io.StringIO()
    call_command(
        "build_road_network", str(RUTLAND_PBF), "--out", str(tmp_path), "--json", stdout=stdout
    )
    summary = json.loads(stdout.getvalue())
    assert summary["committed"] is False
    assert summary["input_bytes"] == RUTLAND_PBF.stat().st_size
    assert summary["network"] == str(tmp_path / "current" / "rutland-latest-2021.osrm")
    assert summary["version"] == summary["sha256"][:8]
    assert list(tmp_path.iterdir()) == []


def test_missing_pbf_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="No OpenStreetMap extract"):
        call_command("build_road_network", str(tmp_path / "nowhere.osm.pbf"), "--commit")


def test_default_output_is_under_var_osrm():
    stdout = io.StringIO()
    call_command("build_road_network", str(RUTLAND_PBF), "--json", stdout=stdout)
    summary = json.loads(stdout.getvalue())
    assert summary["out"] == str(Path(settings.BASE_DIR) / "var" / "osrm" / "rutland-latest-2021")


# --- The network's extent ---------------------------------------------------------------------


def test_the_extract_declares_its_bounding_box_and_the_build_writes_it_beside_the_network(network):
    extent = travel.pbf_extent(RUTLAND_PBF)
    assert extent == travel.Extent(west=-0.822934, south=52.52355, east=-0.427654, north=52.76109)
    written = json.loads(travel.extent_path(network).read_text())
    assert written == {"west": -0.822934, "south": 52.52355, "east": -0.427654, "north": 52.76109}


def test_points_outside_the_extent_are_estimated_without_asking_osrm(
    osrm_settings, network, monkeypatch
):
    sent: list[int] = []
    engine = travel.OsrmEngine(network)
    fetch = engine.networks[0].fetch

    def counting(origins, destinations):
        sent.append(len(destinations))
        return fetch(origins, destinations)

    monkeypatch.setattr(engine.networks[0], "fetch", counting)
    matrix = engine.table([OAKHAM], [UPPINGHAM, LONDON, *RUTLAND_DESTINATIONS[1:]])

    assert sent == [len(RUTLAND_DESTINATIONS)]  # London was never sent
    uppingham, london = matrix.rows[0][:2]
    assert uppingham.estimated is False and 8 < uppingham.minutes < 12
    assert london.estimated is True
    assert london.minutes == pytest.approx(travel.estimate_minutes(OAKHAM, LONDON))
    # An origin outside: nothing is sent, everything is estimated.
    sent.clear()
    far = engine.table([LONDON], [UPPINGHAM])
    assert sent == [] and far.rows[0][0].estimated


def test_a_file_without_a_header_box_has_no_extent(tmp_path):
    junk = tmp_path / "junk.osm.pbf"
    junk.write_bytes(b"\x00\x00\x00\x05hello")
    assert travel.pbf_extent(junk) is None
