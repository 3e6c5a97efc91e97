"""`import_gtfs`: the real Chester and Newport feeds and small zips written by the tests."""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from geo.models import TransitFeed, TransitStop
from geo.tasks import transit_feeds_refresh
from tests.geo.gtfs_files import CHESTER, NEWPORT, TINY, needs_feeds, read_table, write_zip

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def transit_dir(settings, tmp_path: Path) -> Path:
    settings.TRANSIT_DIR = str(tmp_path / "transit")
    return Path(settings.TRANSIT_DIR)


def run(*args: str) -> dict:
    out = io.StringIO()
    call_command("import_gtfs", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def expected_counts(zip_path: Path) -> dict[str, int]:
    """Counted from the files themselves: stops vehicles call at, connections between calls."""
    stops = [s for s in read_table(zip_path, "stops.txt") if s["location_type"] in ("", "0")]
    calls = Counter(row["trip_id"] for row in read_table(zip_path, "stop_times.txt"))
    return {
        "stops": len(stops),
        "trips": len(calls),
        "connections": sum(n - 1 for n in calls.values()),
    }


@needs_feeds
def test_dry_run_counts_the_feed_and_writes_nothing(transit_dir: Path) -> None:
    summary = run(str(NEWPORT))
    assert summary["committed"] is False
    assert summary["status"] == "created"
    counts = expected_counts(NEWPORT)
    assert {k: summary[k] for k in counts} == counts  # 655 stops, 176 trips, 7,589 connections
    assert summary["valid_from"] == "2023-06-05" and summary["valid_to"] == "2024-03-01"
    assert summary["missing_optional"] == ["calendar_dates.txt"]
    assert summary["rejected"] == 0
    assert TransitFeed.objects.count() == 0 and TransitStop.objects.count() == 0
    assert files_under(transit_dir) == []


@needs_feeds
def test_commit_then_unchanged_reimport_writes_nothing(transit_dir: Path) -> None:
    first = run(str(CHESTER), "--name", "Chester", "--commit")
    assert first["status"] == "created" and first["committed"] is True
    feed = TransitFeed.objects.get()
    assert feed.active and feed.slug == "chester" and feed.walking == "estimated"
    assert feed.stops == TransitStop.objects.filter(feed=feed).count() == 1293
    assert feed.connections == expected_counts(CHESTER)["connections"]
    assert Path(feed.timetable_path).is_file()
    before = files_under(transit_dir)

    again = run(str(CHESTER), "--name", "Chester", "--commit")
    assert again["status"] == "unchanged" and again["committed"] is False
    assert TransitFeed.objects.count() == 1
    assert files_under(transit_dir) == before


def test_new_version_replaces_the_old_one_and_its_file(
    tmp_path: Path, django_capture_on_commit_callbacks
) -> None:
    old_zip = write_zip(tmp_path / "tiny.zip", TINY)
    run(str(old_zip), "--commit")
    old = TransitFeed.objects.get()
    changed = dict(TINY, **{"routes.txt": "route_id,route_short_name,route_type\nR,T2,3\n"})
    new_zip = write_zip(tmp_path / "tiny2.zip", changed)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        summary = run(str(new_zip), "--name", "tiny", "--commit")
    assert len(callbacks) == 1  # the old file goes only once the swap has committed

    assert summary["status"] == "replaced"
    new = TransitFeed.objects.get(active=True)
    assert new.pk != old.pk and new.slug == old.slug == "tiny"
    old.refresh_from_db()
    assert old.active is False
    assert not Path(old.timetable_path).exists() and Path(new.timetable_path).is_file()
    assert TransitStop.objects.filter(feed=old).count() == 0
    assert TransitStop.objects.filter(feed=new).count() == 3  # the station is not a stop


def test_bom_crlf_blank_times_and_bad_rows_are_read_or_counted(tmp_path: Path) -> None:
    files = dict(TINY)
    files["stop_times.txt"] += (
        "T06,25:61:00,25:61:00,C,4\n"  # not a time: trip T06 is dropped whole
        "NOPE,06:00:00,06:00:00,A,1\n"  # no such trip
    )
    files["stops.txt"] += "D,Delta,not-a-number,-0.7,0\n"
    summary = run(str(write_zip(tmp_path / "tiny.zip", files, bom=True)))
    assert summary["rejected_by_file"] == {"stop_times.txt": 2, "stops.txt": 1}
    assert summary["stops"] == 3
    assert summary["trips"] == 18  # 19 trips less T06
    assert summary["connections"] == 36
    assert summary["valid_from"] == "2023-06-01" and summary["valid_to"] == "2023-06-30"


def test_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No file at"):
        run(str(tmp_path / "missing.zip"))
    (tmp_path / "text.zip").write_text("not a zip")
    with pytest.raises(CommandError, match="is not a zip file"):
        run(str(tmp_path / "text.zip"))
    without = {k: v for k, v in TINY.items() if k not in ("stops.txt", "stop_times.txt")}
    with pytest.raises(CommandError, match="no stops.txt, stop_times.txt"):
        run(str(write_zip(tmp_path / "empty.zip", without)))
    with pytest.raises(CommandError, match="No OpenStreetMap extract"):
        run(str(write_zip(tmp_path / "t.zip", TINY)), "--walking-extract", "/nowhere.pbf")
    assert TransitFeed.objects.count() == 0


def test_a_feed_zipped_in_a_folder_is_read(tmp_path: Path) -> None:
    path = tmp_path / "folder.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in TINY.items():
            archive.writestr(f"tiny/{name}", text)
    assert run(str(path))["connections"] == 38


def test_nightly_refresh_imports_then_skips_by_hash(settings, tmp_path: Path) -> None:
    settings.TRANSIT_FEED_URLS = [str(write_zip(tmp_path / "tiny.zip", TINY))]
    assert transit_feeds_refresh() == ["created"]
    assert transit_feeds_refresh() == ["unchanged"]
    assert TransitFeed.objects.filter(active=True).count() == 1
