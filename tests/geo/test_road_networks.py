"""Several road networks at once, and building them: versions, the checked swap, downloads.

Rutland's network comes from tests/conftest.py (`network`); Newport's is built here once per
session. Build tests copy an extract to a temporary folder under one name, so that a second
extract under the same name is a new version of the same network.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from django.contrib.gis.geos import Point

from geo import road_networks, travel
from geo.travel import travel_times
from tests.conftest import RUTLAND_PBF
from tests.geo.osrm_routed import free_port, osrm_routed

OSM = RUTLAND_PBF.parent
NEWPORT_PBF = OSM / "newport-2023-06-13.osm.pbf"
LEEDS_PBF = OSM / "its-example-leeds.osm.pbf"

OAKHAM = Point(-0.7286, 52.6707, srid=4326)
UPPINGHAM = Point(-0.7241, 52.5897, srid=4326)
NEWPORT = Point(-2.9977, 51.5877, srid=4326)  # the city centre
DUFFRYN = Point(-3.0340, 51.5540, srid=4326)  # south-west Newport

pytestmark = pytest.mark.skipif(not NEWPORT_PBF.is_file(), reason="no Newport extract")


@pytest.fixture(scope="session")
def newport_network(tmp_path_factory: pytest.TempPathFactory) -> str:
    summary = road_networks.road_network_build(
        pbf=NEWPORT_PBF, out=tmp_path_factory.mktemp("newport"), commit=True
    )
    return summary.network


@pytest.fixture
def two_networks(settings, network, newport_network):
    settings.TRAVEL_ENGINE = "osrm"
    settings.TRAVEL_NETWORKS = [network, newport_network]
    settings.TRAVEL_NETWORK = ""
    return settings


def _one_network(settings, network: str, origin: Point, destination: Point) -> float:
    settings.TRAVEL_NETWORKS = [network]
    cell = travel_times([origin], [destination]).cell(0, 0)
    assert cell.estimated is False and cell.minutes is not None
    return cell.minutes


def _requests_per_network(monkeypatch, network_class) -> Counter[str]:
    calls: Counter[str] = Counter()
    fetch = network_class.fetch

    def counting(self, origins, destinations):
        calls[self.label] += 1
        return fetch(self, origins, destinations)

    monkeypatch.setattr(network_class, "fetch", counting)
    return calls


# --- Several networks --------------------------------------------------------------------------


def test_newport_has_no_header_box_so_its_extent_is_its_road_graphs(newport_network):
    assert travel.pbf_extent(NEWPORT_PBF) is None
    written = json.loads(travel.extent_path(newport_network).read_text())
    # The road graph's nodes: Newport runs from Rogerstone's edge to the Severn's shore.
    assert written == {"west": -3.094062, "south": 51.517494, "east": -2.920425, "north": 51.598722}


def test_each_network_answers_its_own_pairs_with_one_request_each(
    two_networks, network, newport_network, monkeypatch
):
    calls = _requests_per_network(monkeypatch, travel._LocalNetwork)
    matrix = travel_times([OAKHAM, NEWPORT], [UPPINGHAM, DUFFRYN])
    assert matrix.engine == "osrm"
    assert calls == {network: 1, newport_network: 1}

    oakham_uppingham, oakham_duffryn = matrix.rows[0]
    newport_uppingham, newport_duffryn = matrix.rows[1]
    assert oakham_uppingham.estimated is False
    assert 8 < oakham_uppingham.minutes < 12  # 10.4 min on the 2021 Rutland extract
    assert newport_duffryn.estimated is False
    assert 8 < newport_duffryn.minutes < 12  # 10.1 min (608.5 s) on the 2023 Newport extract
    # Across the two (no network covers both ends): the estimate.
    assert oakham_duffryn.estimated is True
    assert oakham_duffryn.minutes == pytest.approx(travel.estimate_minutes(OAKHAM, DUFFRYN))
    assert newport_uppingham.minutes == pytest.approx(travel.estimate_minutes(NEWPORT, UPPINGHAM))
    # The same minutes each network gives on its own.
    assert oakham_uppingham.minutes == _one_network(two_networks, network, OAKHAM, UPPINGHAM)
    assert newport_duffryn.minutes == _one_network(two_networks, newport_network, NEWPORT, DUFFRYN)


def test_pairs_no_network_covers_are_estimated_without_asking(two_networks, monkeypatch):
    calls = _requests_per_network(monkeypatch, travel._LocalNetwork)
    london = Point(-0.1276, 51.5072, srid=4326)
    matrix = travel_times([london], [UPPINGHAM, DUFFRYN])
    assert calls == {}
    assert matrix.rows[0] == [
        travel.TravelTime(travel.estimate_minutes(london, p), estimated=True)
        for p in (UPPINGHAM, DUFFRYN)
    ]


def test_travel_network_is_a_one_item_list(settings, network):
    settings.TRAVEL_NETWORKS = []
    settings.TRAVEL_NETWORK = network
    assert travel.configured_networks() == [network]
    settings.TRAVEL_NETWORKS = f"{network}, /elsewhere/b.osrm"
    assert travel.configured_networks() == [network, "/elsewhere/b.osrm"]


@pytest.fixture(scope="module")
def two_servers(network, newport_network):
    """osrm-routed on each network, given as `URL|EXTENT_FILE` as TRAVEL_OSRM_URLS takes them."""
    with (
        osrm_routed(network, (OAKHAM.x, OAKHAM.y)) as rutland,
        osrm_routed(newport_network, (NEWPORT.x, NEWPORT.y)) as newport,
    ):
        yield [
            f"{rutland}|{travel.extent_path(network)}",
            f"{newport}|{travel.extent_path(newport_network)}",
        ]


def test_http_each_server_answers_its_own_pairs(settings, two_servers, monkeypatch):
    settings.TRAVEL_ENGINE = "osrm_http"
    settings.TRAVEL_OSRM_URLS = two_servers
    calls = _requests_per_network(monkeypatch, travel._HttpNetwork)
    matrix = travel_times([OAKHAM, NEWPORT], [UPPINGHAM, DUFFRYN])
    assert matrix.engine == "osrm_http"
    assert sorted(calls.values()) == [1, 1]
    assert matrix.cell(0, 0).estimated is False and 8 < matrix.cell(0, 0).minutes < 12
    assert matrix.cell(1, 1).estimated is False and 8 < matrix.cell(1, 1).minutes < 12
    assert matrix.cell(0, 1) == travel.TravelTime(
        travel.estimate_minutes(OAKHAM, DUFFRYN), estimated=True
    )
    # The same minutes as in-process on the same networks (the first to the decisecond).
    settings.TRAVEL_ENGINE = "osrm"
    settings.TRAVEL_NETWORKS = [
        spec.split("|")[1].removesuffix(".extent.json") for spec in two_servers
    ]
    in_process = travel_times([OAKHAM, NEWPORT], [UPPINGHAM, DUFFRYN])
    assert matrix.cell(0, 0).minutes == pytest.approx(in_process.cell(0, 0).minutes, abs=0.05)
    assert matrix.cell(1, 1).minutes == pytest.approx(in_process.cell(1, 1).minutes, abs=0.05)


def test_http_one_server_down_estimates_only_its_pairs(settings, two_servers, caplog):
    settings.TRAVEL_ENGINE = "osrm_http"
    rutland, newport = two_servers
    down = f"http://127.0.0.1:{free_port()}|{rutland.split('|')[1]}"
    settings.TRAVEL_OSRM_URLS = [down, newport]
    settings.TRAVEL_OSRM_TIMEOUT = 2
    matrix = travel_times([OAKHAM, NEWPORT], [UPPINGHAM, DUFFRYN])
    assert matrix.engine == "osrm_http"
    assert matrix.cell(0, 0) == travel.TravelTime(
        travel.estimate_minutes(OAKHAM, UPPINGHAM), estimated=True
    )
    assert matrix.cell(1, 1).estimated is False
    assert "answering with estimates" in caplog.text
