"""Several road networks at once, and building them: versions, the checked swap, downloads.

Rutland's network comes from tests/conftest.py (`network`); Newport's is built here once per
session. Build tests copy an extract to a temporary folder under one name, so that a second
extract under the same name is a new version of the same network.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.core.management.base import CommandError

from geo import road_networks, tasks, travel
from geo.travel import RoadNetworkError, travel_times
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


# --- Building: versions, the checked swap ------------------------------------------------------


def _as_area(tmp_path: Path, pbf: Path) -> Path:
    """The extract copied under one name, as a region's extract replaced by a newer one."""
    area = tmp_path / "area.osm.pbf"
    area.unlink(missing_ok=True)
    shutil.copyfile(pbf, area)
    return area


def _build(source: Path | str, out: Path) -> dict:
    stdout = io.StringIO()
    call_command("build_road_network", str(source), "--out", str(out), "--commit", "--json",
                 stdout=stdout)  # fmt: skip
    return json.loads(stdout.getvalue())


def _sha8(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:8]


@pytest.fixture
def served_area(settings, tmp_path):
    """Rutland built as `area`, served in-process, symlink read again on every call."""
    out = tmp_path / "osrm" / "area"
    summary = _build(_as_area(tmp_path, RUTLAND_PBF), out)
    settings.TRAVEL_ENGINE = "osrm"
    settings.TRAVEL_NETWORKS = [summary["network"]]
    settings.TRAVEL_NETWORK_RECHECK_SECONDS = 0
    return out, summary


def _routed(origin: Point, destination: Point) -> bool:
    return not travel_times([origin], [destination]).cell(0, 0).estimated


def test_a_build_is_a_version_behind_the_current_symlink(served_area, tmp_path):
    out, summary = served_area
    assert summary["version"] == _sha8(RUTLAND_PBF) == "db952f87"
    assert os.readlink(out / "current") == "db952f87"
    assert summary["network"] == str(out / "current" / "area.osrm")
    built = json.loads((out / "db952f87" / "build.json").read_text())
    assert built["sha256"] == hashlib.sha256(RUTLAND_PBF.read_bytes()).hexdigest()
    assert built["input_bytes"] == RUTLAND_PBF.stat().st_size == 1_470_681
    # Checked before the swap: one table between two points inside the extent.
    assert summary["check"]["seconds"] is not None and summary["check"]["seconds"] > 0
    assert _routed(OAKHAM, UPPINGHAM)


def test_unchanged_extract_is_not_rebuilt(served_area, tmp_path):
    out, first = served_area
    hsgr = out / "current" / "area.osrm.hsgr"
    built_at = hsgr.stat().st_mtime_ns
    stdout = io.StringIO()
    call_command("build_road_network", str(tmp_path / "area.osm.pbf"), "--out", str(out),
                 "--commit", stdout=stdout)  # fmt: skip
    assert "unchanged" in stdout.getvalue()
    again = _build(tmp_path / "area.osm.pbf", out)
    assert again["unchanged"] is True and again["steps"] == []
    assert again["version"] == first["version"]
    assert hsgr.stat().st_mtime_ns == built_at
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "current",
        "db952f87",
    ]


def test_swap_keeps_serving_the_old_network_until_the_new_one_answers(
    served_area, tmp_path, monkeypatch
):
    out, first = served_area
    newport_version = _sha8(NEWPORT_PBF)
    real_check = road_networks.network_check
    seen_during_check = {}

    def check_while_watching(base, extent):
        # The new version is built, not yet served: the symlink and the engine are the old ones.
        seen_during_check["current"] = os.readlink(out / "current")
        seen_during_check["rutland_routed"] = _routed(OAKHAM, UPPINGHAM)
        seen_during_check["newport_routed"] = _routed(NEWPORT, DUFFRYN)
        seen_during_check["base"] = str(base)
        return real_check(base, extent)

    monkeypatch.setattr(road_networks, "network_check", check_while_watching)
    second = _build(_as_area(tmp_path, NEWPORT_PBF), out)

    assert seen_during_check == {
        "current": first["version"],
        "rutland_routed": True,
        "newport_routed": False,
        "base": str(out / newport_version / "area.osrm"),
    }
    assert second["version"] == newport_version and second["previous"] == first["version"]
    assert os.readlink(out / "current") == newport_version
    # The same process, no restart: the new network answers, Rutland is now estimated.
    assert _routed(NEWPORT, DUFFRYN)
    assert not _routed(OAKHAM, UPPINGHAM)
    # The previous version stays (a process or osrm-routed may still have it open).
    assert (out / first["version"] / "area.osrm.hsgr").is_file()

    # A third extract: the one before the previous goes.
    third = _build(_as_area(tmp_path, LEEDS_PBF), out)
    assert third["previous"] == newport_version
    assert third["removed"] == [first["version"]]
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(
        ["current", newport_version, third["version"]]
    )


def test_a_broken_extract_leaves_the_served_network(served_area, tmp_path):
    out, first = served_area
    broken = tmp_path / "area.osm.pbf"
    broken.unlink()
    broken.write_bytes(RUTLAND_PBF.read_bytes()[:200_000])  # cut short, as a failed download
    with pytest.raises(CommandError, match="osrm-extract failed"):
        _build(broken, out)
    assert os.readlink(out / "current") == first["version"]
    assert not (out / _sha8(broken)).exists()  # the half-built version is gone
    assert _routed(OAKHAM, UPPINGHAM)


def test_a_new_network_that_does_not_answer_is_not_swapped_in(served_area, tmp_path, monkeypatch):
    out, first = served_area
    real_check = road_networks.network_check

    def check_a_damaged_network(base, extent):
        Path(f"{base}.hsgr").write_bytes(b"not a contracted graph")  # as a disk that filled up
        return real_check(base, extent)

    monkeypatch.setattr(road_networks, "network_check", check_a_damaged_network)
    with pytest.raises(RoadNetworkError, match="did not answer"):
        road_networks.road_network_build(pbf=_as_area(tmp_path, NEWPORT_PBF), out=out, commit=True)
    assert os.readlink(out / "current") == first["version"]
    assert not (out / _sha8(NEWPORT_PBF)).exists()
    assert _routed(OAKHAM, UPPINGHAM)


# --- Building from a URL --------------------------------------------------------------------------


class _Extracts(ThreadingHTTPServer):
    """Serves files from a folder, with an ETag (unless `etags` is off) that answers 304."""

    def __init__(self, folder: Path) -> None:
        super().__init__(("127.0.0.1", 0), _ExtractHandler)
        self.folder = folder
        self.etags = True
        self.send_length = True
        self.bodies_sent = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _ExtractHandler(BaseHTTPRequestHandler):
    server: _Extracts

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def do_GET(self):  # noqa: N802 - http.server's name
        path = self.server.folder / self.path.lstrip("/")
        if not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes()
        etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
        if self.server.etags and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        if self.server.etags:
            self.send_header("ETag", etag)
        if self.server.send_length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.close_connection = True
        self.end_headers()
        self.server.bodies_sent += 1  # before writing: the client may finish reading first
        self.wfile.write(body)


@pytest.fixture
def extracts(tmp_path):
    folder = tmp_path / "www"
    folder.mkdir()
    shutil.copyfile(RUTLAND_PBF, folder / "rutland-latest.osm.pbf")
    server = _Extracts(folder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_url_is_downloaded_built_and_not_downloaded_again(extracts, tmp_path, settings):
    settings.ROAD_NETWORKS_DIR = str(tmp_path / "osrm")
    url = f"{extracts.url}/rutland-latest.osm.pbf"
    first = road_networks.road_network_build(pbf=url, out=None, commit=True)
    folder = tmp_path / "osrm" / "rutland-latest"
    assert first.network == str(folder / "current" / "rutland-latest.osrm")
    assert first.version == "db952f87" and first.input_bytes == 1_470_681
    built = json.loads((folder / "current" / "build.json").read_text())
    assert built["source"] == url and built["etag"].startswith('"')
    assert extracts.bodies_sent == 1
    # The ETag is sent back; the server answers 304 and nothing is downloaded or built.
    again = road_networks.road_network_build(pbf=url, out=None, commit=True)
    assert again.unchanged is True and extracts.bodies_sent == 1
    # A server without ETags sends it all again: the sha256 says it is the same extract.
    extracts.etags = False
    third = road_networks.road_network_build(pbf=url, out=None, commit=True)
    assert third.unchanged is True and extracts.bodies_sent == 2
    assert [p.name for p in folder.iterdir() if p.name.startswith(".download")] == []


@pytest.mark.parametrize("send_length", [True, False])
def test_a_download_larger_than_the_limit_is_refused(extracts, tmp_path, settings, send_length):
    settings.ROAD_NETWORKS_DIR = str(tmp_path / "osrm")
    settings.ROAD_EXTRACT_MAX_BYTES = 1_000_000  # Rutland's is 1,470,681 bytes
    extracts.send_length = send_length  # without a length, the stream is counted as it comes
    with pytest.raises(RoadNetworkError, match="larger than ROAD_EXTRACT_MAX_BYTES"):
        road_networks.road_network_build(
            pbf=f"{extracts.url}/rutland-latest.osm.pbf", out=None, commit=True
        )
    assert sorted(p.name for p in (tmp_path / "osrm" / "rutland-latest").iterdir()) == [".lock"]


def test_a_missing_url_is_a_clear_error(extracts, tmp_path, settings):
    settings.ROAD_NETWORKS_DIR = str(tmp_path / "osrm")
    with pytest.raises(CommandError, match="HTTP 404"):
        call_command("build_road_network", f"{extracts.url}/nowhere.osm.pbf", "--commit")


def test_a_url_dry_run_downloads_nothing(extracts, tmp_path, settings):
    settings.ROAD_NETWORKS_DIR = str(tmp_path / "osrm")
    stdout = io.StringIO()
    call_command("build_road_network", f"{extracts.url}/rutland-latest.osm.pbf", stdout=stdout)
    assert "would download and build" in stdout.getvalue()
    assert extracts.bodies_sent == 0 and not (tmp_path / "osrm").exists()


# --- The scheduled rebuild --------------------------------------------------------------------


def test_the_weekly_task_rebuilds_what_changed_and_reports_what_failed(
    extracts, tmp_path, settings
):
    settings.ROAD_NETWORKS_DIR = str(tmp_path / "osrm")
    url = f"{extracts.url}/rutland-latest.osm.pbf"
    junk = tmp_path / "junk.osm.pbf"
    junk.write_bytes(b"\x00\x00\x00\x05hello")
    settings.ROAD_EXTRACTS = [url, str(junk)]

    first = tasks.road_networks_rebuild.delay().get()
    assert [r.get("version") for r in first] == ["db952f87", None]
    assert first[0]["unchanged"] is False
    assert "osrm-extract failed" in first[1]["error"]
    assert not (tmp_path / "osrm" / "junk").joinpath("current").exists()

    second = tasks.road_networks_rebuild.delay().get()
    assert second[0]["unchanged"] is True and extracts.bodies_sent == 1


def test_the_rebuild_is_scheduled_weekly_at_night():
    from config.celery import app

    entry = app.conf.beat_schedule["road-networks-rebuild"]
    assert entry["task"] == tasks.road_networks_rebuild.name
    schedule = entry["schedule"]
    assert schedule.day_of_week == {0} and schedule.hour == {2}
