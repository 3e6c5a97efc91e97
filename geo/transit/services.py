"""Importing a GTFS feed: one core for `import_gtfs` and the nightly refresh (geo/tasks.py).

A dry run (no `commit`) reads and compiles everything, writes the rows inside a transaction it
rolls back, and writes no file. With `commit`:

1. the compiled timetable goes to TRANSIT_DIR/<slug>/<sha256[:16]>.pickle (and, with a walking
   extract, an OSRM foot network to TRANSIT_DIR/<slug>/foot-<sha256[:16]>/), beside the old;
2. one transaction creates the new TransitFeed and its stops, deactivates the old version and
   activates the new (the database allows one active version per slug);
3. after that commits, the old version's files and stop rows are deleted (its TransitFeed row
   stays, inactive, as the record of what was imported when).

A running process holding the old timetable keeps answering from it until it next asks which
feed is active. An unchanged zip (same sha256 as the active version) writes nothing.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import Point, Polygon
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from geo.models import TransitFeed, TransitStop
from geo.road_networks import road_network_build, served_network
from geo.transit.timetable import GtfsError, Timetable, timetable_compile, timetable_write
from geo.travel import RoadNetworkError, network_name


class TransitImportError(Exception):
    """The feed cannot be imported; the message says why, for the person running it."""


@dataclass
class TransitImportSummary:
    source: str
    name: str
    slug: str
    sha256: str
    status: str  # "created", "replaced" or "unchanged"
    committed: bool
    stops: int = 0
    routes: int = 0
    trips: int = 0
    connections: int = 0
    transfers: int = 0
    valid_from: str = ""
    valid_to: str = ""
    walking: str = TransitFeed.Walking.ESTIMATED
    rows: dict[str, int] = field(default_factory=dict)
    rejected: int = 0
    rejected_by_file: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, object]] = field(default_factory=list)
    missing_optional: list[str] = field(default_factory=list)
    timetable_path: str = ""
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class _DryRun(Exception):
    pass


def _fetch(source: str, into: Path) -> Path:
    if source.startswith(("http://", "https://")):
        target = into / "feed.zip"
        try:
            with (
                urllib.request.urlopen(source, timeout=120) as response,  # noqa: S310 - http(s) only
                target.open("wb") as handle,
            ):
                shutil.copyfileobj(response, handle)
        except OSError as exc:
            raise TransitImportError(f"Could not download {source}: {exc}") from exc
        return target
    path = Path(source)
    if not path.is_file():
        raise TransitImportError(f"No file at {source}")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _default_name(source: str) -> str:
    stem = source.rstrip("/").rsplit("/", 1)[-1]
    for suffix in (".zip", "_gtfs", "-gtfs"):
        stem = stem.removesuffix(suffix)
    return stem or "feed"


def transit_feed_import(
    *, source: str, name: str | None = None, walking_extract: Path | None = None, commit: bool
) -> TransitImportSummary:
    """Import a GTFS zip (path or URL) as the active version of its feed (see the module)."""
    started = time.perf_counter()
    name = name or _default_name(source)
    slug = slugify(name)[:80] or "feed"
    with tempfile.TemporaryDirectory() as scratch:
        path = _fetch(source, Path(scratch))
        sha = _sha256(path)
        summary = TransitImportSummary(
            source=source, name=name, slug=slug, sha256=sha, status="created", committed=commit
        )
        current = TransitFeed.objects.filter(slug=slug, active=True).first()
        if current is not None and current.sha256 == sha:
            summary.status, summary.committed = "unchanged", False
            summary.seconds = round(time.perf_counter() - started, 2)
            return summary
        if current is not None:
            summary.status = "replaced"
        if walking_extract is not None and not walking_extract.is_file():
            raise TransitImportError(f"No OpenStreetMap extract at {walking_extract}")
        try:
            timetable, report = timetable_compile(path)
        except GtfsError as exc:
            raise TransitImportError(str(exc)) from exc
    _fill(summary, timetable, report.rows, report.rejected, report.errors)
    summary.missing_optional = report.missing_optional
    folder = Path(settings.TRANSIT_DIR) / slug
    timetable_file = folder / f"{sha[:16]}.pickle"
    summary.timetable_path = str(timetable_file)
    walking_network = ""
    if walking_extract is not None:
        summary.walking = TransitFeed.Walking.NETWORK
        foot_out = folder / f"foot-{sha[:16]}"
        # Built as a versioned network of its own (geo/road_networks.py), served through `current`.
        walking_network = str(served_network(foot_out, network_name(walking_extract)))
    if not commit:
        try:
            with transaction.atomic():
                _swap(summary, timetable, current, walking_network)
                raise _DryRun
        except _DryRun:
            pass
        summary.seconds = round(time.perf_counter() - started, 2)
        return summary
    timetable_write(timetable, timetable_file)
    if walking_extract is not None:
        try:
            road_network_build(pbf=walking_extract, out=foot_out, commit=True, profile="foot")
        except RoadNetworkError as exc:
            timetable_file.unlink(missing_ok=True)
            raise TransitImportError(f"Foot network: {exc}") from exc
    with transaction.atomic():
        _swap(summary, timetable, current, walking_network)
        if current is not None:
            old = current
            transaction.on_commit(lambda: _remove_files(old, keep=timetable_file))
    summary.seconds = round(time.perf_counter() - started, 2)
    return summary


def _fill(
    summary: TransitImportSummary,
    timetable: Timetable,
    rows: dict[str, int],
    rejected: dict[str, int],
    errors: list[dict[str, object]],
) -> None:
    summary.stops = len(timetable.stop_ids)
    summary.routes = timetable.routes
    summary.trips = len({timetable.trip[i] for i in range(len(timetable.trip))})
    summary.connections = len(timetable.dep)
    summary.transfers = sum(len(near) for near in timetable.transfers)
    summary.valid_from = timetable.valid_from.isoformat()
    summary.valid_to = timetable.valid_to.isoformat()
    summary.rows = rows
    summary.rejected_by_file = rejected
    summary.rejected = sum(rejected.values())
    summary.errors = errors


def _swap(
    summary: TransitImportSummary,
    timetable: Timetable,
    current: TransitFeed | None,
    walking_network: str,
) -> None:
    west, south, east, north = timetable.extent
    if west == east or south == north:  # one stop, or stops in a line: still a polygon
        west, south, east, north = west - 1e-4, south - 1e-4, east + 1e-4, north + 1e-4
    feed = TransitFeed.objects.create(
        name=summary.name,
        slug=summary.slug,
        source=summary.source[:500],
        sha256=summary.sha256,
        imported_at=timezone.now(),
        valid_from=timetable.valid_from,
        valid_to=timetable.valid_to,
        stops=summary.stops,
        routes=summary.routes,
        trips=summary.trips,
        connections=summary.connections,
        extent=Polygon.from_bbox((west, south, east, north)),
        walking=summary.walking,
        walking_network=walking_network,
        timetable_path=summary.timetable_path,
        active=False,
    )
    TransitStop.objects.bulk_create(
        TransitStop(
            feed=feed,
            stop_id=stop_id,
            name=timetable.stop_names[i][:200],
            point=Point(timetable.stop_lons[i], timetable.stop_lats[i], srid=4326),
        )
        for i, stop_id in enumerate(timetable.stop_ids)
    )
    if current is not None:
        TransitFeed.objects.filter(pk=current.pk).update(active=False)
        TransitStop.objects.filter(feed=current).delete()
    TransitFeed.objects.filter(pk=feed.pk).update(active=True)


def _remove_files(old: TransitFeed, *, keep: Path) -> None:
    """The replaced version's timetable and foot network, once the new one is active."""
    path = Path(old.timetable_path)
    if path != keep:
        path.unlink(missing_ok=True)
    if old.walking_network:
        folder = Path(old.walking_network).parent
        if folder.name.startswith("foot-") and folder.is_dir() and folder != keep.parent:
            shutil.rmtree(folder, ignore_errors=True)


def transit_feeds_refresh(*, sources: list[str]) -> list[TransitImportSummary]:
    """Re-import each source (skipped by its hash when unchanged). One failing source does not
    stop the others: its error is raised after the rest have run."""
    summaries, failures = [], []
    for source in sources:
        try:
            summaries.append(transit_feed_import(source=source, commit=True))
        except TransitImportError as exc:
            failures.append(f"{source}: {exc}")
    if failures:
        raise TransitImportError("; ".join(failures))
    return summaries
