"""Building road networks for geo/travel.py: versioned folders, a checked swap, no rebuild of an
unchanged extract, extracts by path or by http(s) URL.

    road_network_build(pbf="…/rutland-latest-2021.osm.pbf" or "https://…", out=None, commit=True)

One network's folder (`ROAD_NETWORKS_DIR/<name>/`, i.e. `var/osrm/<name>/`, or `out`):

    current -> 3f2a9c1e        the version served: a relative symlink, replaced with os.replace
    3f2a9c1e/<name>.osrm.*     one build, named by the first 8 hex digits of the extract's sha256
    3f2a9c1e/<name>.osrm.extent.json, 3f2a9c1e/build.json (source, sha256, ETag, Last-Modified)
    0b7d55aa/                  the version served before, kept until the next build

`TRAVEL_NETWORKS` names `<folder>/current/<name>.osrm`; each process reads where the symlink
points at most every `TRAVEL_NETWORK_RECHECK_SECONDS` and loads the new version (travel.py).

A build goes: obtain the extract (a download is streamed to a temporary file, at most
`ROAD_EXTRACT_MAX_BYTES`, conditional on the last ETag/Last-Modified) → stop here, "unchanged",
if its sha256 is the served version's → `osrm-extract`, `osrm-contract` into the new version's
folder → write its extent → check, in a separate process, that it answers a table between two
points inside its extent → swap `current` → delete versions older than the previous one. Any
failure before the swap deletes the new folder and leaves the served network as it was; an
osrm-routed or a process that has not yet looked again keeps using the previous version's files,
which is why that one is kept.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings

from geo.travel import (
    Extent,
    RoadNetworkError,
    car_profile,
    extent_path,
    graph_extent,
    network_name,
    osrm_profile,
    osrm_tool,
    pbf_extent,
)

logger = logging.getLogger(__name__)

CURRENT = "current"
BUILD_FILE = "build.json"
_VERSION = re.compile(r"^[0-9a-f]{8}$")


@dataclass
class NetworkBuildStep:
    name: str
    command: list[str]
    seconds: float = 0.0
    peak_rss_mb: float = 0.0


@dataclass
class NetworkBuildSummary:
    pbf: str  # the extract's path or URL
    input_bytes: int
    out: str
    network: str  # the base path through `current`: TRAVEL_NETWORKS and osrm-routed take this
    committed: bool
    replaced_files: int  # earlier version folders (and old-layout files) deleted
    steps: list[NetworkBuildStep] = field(default_factory=list)
    # The extract's declared bounding box (else its road graph's), written beside the network:
    # points outside it are estimated without asking OSRM.
    extent: dict[str, float] | None = None
    unchanged: bool = False  # the served version was built from this very extract
    version: str = ""  # first 8 hex digits of the extract's sha256 ("" for a URL's dry run)
    sha256: str = ""
    previous: str | None = None  # the version served before this build (kept)
    removed: list[str] = field(default_factory=list)  # versions deleted
    check: dict[str, Any] | None = None  # the new network's answer before the swap
    reused: bool = False  # swapped back to the kept previous version built from this extract
    profile: str = "car"  # OSRM's profile: "car" for roads, "foot" for walks (geo/transit/)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def is_url(source: str | Path) -> bool:
    return str(source).startswith(("http://", "https://"))


def source_name(source: str | Path) -> str:
    """The network's name: the extract's file name (a URL's last path segment) without
    `.osm.pbf`."""
    if is_url(source):
        return network_name(Path(urllib.parse.urlparse(str(source)).path or "extract"))
    return network_name(Path(source))


def network_folder(source: str | Path, out: Path | None = None) -> Path:
    return out or Path(settings.ROAD_NETWORKS_DIR) / source_name(source)


def served_network(folder: Path, name: str) -> Path:
    """The base path the app is given: through `current`, so that a swap needs no new setting."""
    return folder / CURRENT / f"{name}.osrm"


def served_version(folder: Path, name: str) -> tuple[str, dict[str, Any]] | None:
    """The version `current` points at and its build.json, if it is a complete build."""
    link = folder / CURRENT
    if not link.is_symlink():
        return None
    version = os.readlink(link)
    if not (folder / version / f"{name}.osrm.hsgr").is_file():
        return None
    try:
        meta = json.loads((folder / version / BUILD_FILE).read_text())
    except (OSError, ValueError):
        return None
    return version, meta


def road_network_build(
    *, pbf: str | Path, out: Path | None, commit: bool, profile: str = "car"
) -> NetworkBuildSummary:
    """Build an OSRM car network (CH) from an OpenStreetMap extract (path or URL) into a new
    version and swap it in once it answers; "unchanged" when the served version has its sha256.
    `profile` "foot" builds a walking network instead (geo/transit/ walks on one).

    Without `commit`, says what it would do and writes nothing (a URL is not downloaded).
    """
    source = str(pbf)
    name = source_name(source)
    folder = network_folder(source, out)
    summary = NetworkBuildSummary(
        pbf=source,
        input_bytes=0,
        out=str(folder),
        network=str(served_network(folder, name)),
        committed=commit,
        replaced_files=0,
        profile=profile,
    )
    served = served_version(folder, name) if folder.is_dir() else None
    summary.previous = served[0] if served else None
    if not commit:
        if not is_url(source):
            path = _local_extract(source)
            summary.input_bytes = path.stat().st_size
            summary.sha256 = _sha256(path)
            summary.version = summary.sha256[:8]
            summary.unchanged = served is not None and served[1].get("sha256") == summary.sha256
        summary.steps = _steps(Path(source), folder / (summary.version or "<sha8>"), name, profile)
        return summary
    folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder):
        # Read again under the lock: another build (the scheduled one) may have just swapped.
        served = served_version(folder, name)
        summary.previous = served[0] if served else None
        with _extract(source, folder, served[1] if served else None) as fetched:
            if fetched is None:  # the server said 304 Not Modified
                return _unchanged(summary, served)
            path, meta = fetched
            summary.input_bytes = meta["input_bytes"]
            summary.sha256 = meta["sha256"]
            if served is not None and served[1].get("sha256") == summary.sha256:
                return _unchanged(summary, served)
            summary.version = summary.sha256[:8]
            _build_version(summary, path, folder, name, meta)
    return summary


def _unchanged(
    summary: NetworkBuildSummary, served: tuple[str, dict[str, Any]] | None
) -> NetworkBuildSummary:
    assert served is not None  # noqa: S101 - a 304 is only asked for with a served version
    summary.unchanged = True
    summary.version, meta = served
    summary.sha256 = meta.get("sha256", "")
    summary.input_bytes = summary.input_bytes or meta.get("input_bytes", 0)
    summary.extent = meta.get("extent")
    return summary


def _build_version(
    summary: NetworkBuildSummary, pbf: Path, folder: Path, name: str, meta: dict[str, Any]
) -> None:
    version_dir = folder / summary.version
    base = version_dir / f"{name}.osrm"
    kept = _complete_build(version_dir, name, summary.sha256)
    if kept is not None:
        # The previous version built from this very extract (a rollback to it): checked, not
        # rebuilt.
        summary.reused = True
        summary.extent = kept.get("extent")
        extent = Extent(**summary.extent) if summary.extent else None
        summary.check = network_check(base, extent)
    else:
        _build_new_version(summary, pbf, version_dir, name, meta)
    _swap(folder, summary.version)
    summary.removed, summary.replaced_files = _clean_up(
        folder, name, keep={summary.version, summary.previous}
    )


def _complete_build(version_dir: Path, name: str, sha256: str) -> dict[str, Any] | None:
    try:
        meta: dict[str, Any] = json.loads((version_dir / BUILD_FILE).read_text())
    except (OSError, ValueError):
        return None
    if meta.get("sha256") != sha256 or not (version_dir / f"{name}.osrm.hsgr").is_file():
        return None
    return meta


def _build_new_version(
    summary: NetworkBuildSummary, pbf: Path, version_dir: Path, name: str, meta: dict[str, Any]
) -> None:
    if version_dir.exists():  # left by a build that failed or was killed: never the served one
        shutil.rmtree(version_dir)
    version_dir.mkdir()
    base = version_dir / f"{name}.osrm"
    try:
        summary.steps = _steps(pbf, version_dir, name, summary.profile)
        for step in summary.steps:
            step.seconds, step.peak_rss_mb = _run_measured(step.command)
        extent = pbf_extent(pbf) or graph_extent(str(base))
        if extent is not None:
            extent_path(str(base)).write_text(json.dumps(asdict(extent)))
        summary.extent = asdict(extent) if extent is not None else None
        summary.check = network_check(base, extent)
        (version_dir / BUILD_FILE).write_text(
            json.dumps(
                {
                    **meta,
                    "version": summary.version,
                    "built_at": datetime.now(tz=UTC).isoformat(timespec="seconds"),
                    "extent": summary.extent,
                    "steps": [asdict(step) for step in summary.steps],
                    "check": summary.check,
                },
                indent=2,
            )
        )
    except BaseException:
        shutil.rmtree(version_dir, ignore_errors=True)
        raise


def _steps(pbf: Path, version_dir: Path, name: str, profile: str) -> list[NetworkBuildStep]:
    threads = str(os.cpu_count() or 2)
    base = version_dir / f"{name}.osrm"
    return [
        NetworkBuildStep(
            "extract",
            [
                str(osrm_tool("osrm-extract")),
                "-p",
                str(car_profile() if profile == "car" else osrm_profile(profile)),
                "-t",
                threads,
                "-o",
                str(version_dir / name),
                str(pbf),
            ],
        ),  # fmt: skip
        NetworkBuildStep("contract", [str(osrm_tool("osrm-contract")), "-t", threads, str(base)]),
    ]


def _swap(folder: Path, version: str) -> None:
    """Point `current` at `version` in one step: a new symlink renamed over the old one."""
    staged = folder / f".{CURRENT}-{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        staged.unlink()
    staged.symlink_to(version)  # relative, so the folder can be moved or mounted elsewhere
    os.replace(staged, folder / CURRENT)


def _clean_up(folder: Path, name: str, *, keep: set[str | None]) -> tuple[list[str], int]:
    """Delete version folders other than `keep`, and files of the layout before versions."""
    removed = sorted(
        p.name for p in folder.iterdir() if p.is_dir() and not p.is_symlink()
        and _VERSION.match(p.name) and p.name not in keep
    )  # fmt: skip
    for version in removed:
        shutil.rmtree(folder / version, ignore_errors=True)
    old_layout = sorted(folder.glob(f"{name}.osrm*"))
    for path in old_layout:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    return removed, len(removed) + len(old_layout)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One build of a network at a time (make run and the scheduled rebuild may meet)."""
    with (folder / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# --- The extract ------------------------------------------------------------------------------


def _local_extract(source: str) -> Path:
    path = Path(source)
    if not path.is_file():
        raise RoadNetworkError(f"No OpenStreetMap extract at {path}")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def _extract(
    source: str, folder: Path, served: dict[str, Any] | None
) -> Iterator[tuple[Path, dict[str, Any]] | None]:
    """The extract as a local file and what identifies it; None when a URL is not modified. A
    download lives in the network's folder (the same disk as the build) only while it builds."""
    if not is_url(source):
        path = _local_extract(source)
        yield path, {"source": source, "sha256": _sha256(path), "input_bytes": path.stat().st_size}
        return
    download = _download(
        source, folder, served if served and served.get("source") == source else None
    )
    if download is None:
        yield None
        return
    try:
        yield download
    finally:
        download[0].unlink(missing_ok=True)


def _download(
    url: str, folder: Path, served: dict[str, Any] | None
) -> tuple[Path, dict[str, Any]] | None:
    headers = {"User-Agent": "regional-placement-finder (build_road_network)"}
    if served and served.get("etag"):
        headers["If-None-Match"] = served["etag"]
    if served and served.get("last_modified"):
        headers["If-Modified-Since"] = served["last_modified"]
    limit = settings.ROAD_EXTRACT_MAX_BYTES
    too_big = (
        f"is larger than ROAD_EXTRACT_MAX_BYTES ({limit:,} bytes); raise it to build this extract"
    )
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) checked above
    try:
        response = urllib.request.urlopen(request, timeout=settings.ROAD_EXTRACT_TIMEOUT)  # noqa: S310
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return None
        raise RoadNetworkError(f"Downloading {url} failed: HTTP {exc.code} {exc.reason}") from exc
    except OSError as exc:
        raise RoadNetworkError(f"Downloading {url} failed: {exc}") from exc
    with response:
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > limit:
            raise RoadNetworkError(f"{url} ({int(length):,} bytes) {too_big}")
        handle, name = tempfile.mkstemp(dir=folder, prefix=".download-", suffix=".osm.pbf")
        path = Path(name)
        digest = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(handle, "wb") as stream:
                while chunk := response.read(1 << 20):
                    size += len(chunk)
                    if size > limit:
                        raise RoadNetworkError(f"{url} {too_big}")
                    digest.update(chunk)
                    stream.write(chunk)
        except OSError as exc:
            path.unlink(missing_ok=True)
            raise RoadNetworkError(f"Downloading {url} failed after {size:,} bytes: {exc}") from exc
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        meta = {
            "source": url,
            "sha256": digest.hexdigest(),
            "input_bytes": size,
            "etag": response.headers.get("ETag"),
            "last_modified": response.headers.get("Last-Modified"),
        }
    return path, meta


# --- Checking a new network before it is served ------------------------------------------------

# In its own process: a network that makes OSRM crash must not take the caller (a Celery worker)
# with it. Two points 40 % and 60 % of the way across the extent's diagonal; OSRM snaps each to
# its nearest road. The answer must be a 1 × 1 table (its duration may be null: two roads that do
# not meet), with the seconds and how far each point moved.
_CHECK = """
import json, sys, osrm
base, west, south, east, north = sys.argv[1], *map(float, sys.argv[2:6])
points = [(west + (east - west) * f, south + (north - south) * f) for f in (0.4, 0.6)]
engine = osrm.OSRM(storage_config=base, algorithm="CH", use_shared_memory=False, use_mmap=True)
answer = engine.Table(osrm.TableParameters(
    coordinates=points, sources=[0], destinations=[1], generate_hints=False))
durations = answer["durations"]
assert len(durations) == 1 and len(durations[0]) == 1, durations
print(json.dumps({"points": points, "seconds": durations[0][0],
    "snapped_metres": [w["distance"] for w in [*answer["sources"], *answer["destinations"]]]}))
"""


def network_check(base: Path, extent: Extent | None) -> dict[str, Any]:
    """One table on the new network, before anything serves it; RoadNetworkError if it fails."""
    box = extent or Extent(0.0, 0.0, 0.0, 0.0)  # without an extent, anywhere (OSRM snaps)
    started = time.perf_counter()
    process = subprocess.run(  # noqa: S603 - our own argument list, no shell
        [sys.executable, "-c", _CHECK, str(base), *(str(v) for v in asdict(box).values())],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if process.returncode != 0:
        raise RoadNetworkError(
            f"The new network at {base} did not answer a table; the served one is unchanged:\n"
            f"{(process.stderr or process.stdout)[-2000:]}"
        )
    answer: dict[str, Any] = json.loads(process.stdout.strip().splitlines()[-1])
    answer["check_seconds"] = round(time.perf_counter() - started, 2)
    return answer


# --- Running an OSRM program, measured -----------------------------------------------------------

# A child's peak memory as the kernel reports it includes the memory of the process it was
# started from (here Django, ~120 MB): a small Python in between starts the OSRM program and
# reports that program's own peak as its last line.
_MEASURE = (
    "import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
    "print(f'peak_rss_kb={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}'); "
    "sys.exit(code)"
)


def _run_measured(command: list[str]) -> tuple[float, float]:
    """Run one OSRM program; return its wall time and its own peak memory (MB)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        process = subprocess.run(  # noqa: S603 - our own argument list, no shell
            [sys.executable, "-c", _MEASURE, *command],
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
        log.seek(0)
        output = log.read().decode(errors="replace")
    if process.returncode != 0:
        tail = output[-2000:]
        raise RoadNetworkError(f"{Path(command[0]).name} failed ({process.returncode}):\n{tail}")
    last = output.strip().rsplit("\n", 1)[-1]
    peak_kb = int(last.removeprefix("peak_rss_kb=")) if last.startswith("peak_rss_kb=") else 0
    return round(time.perf_counter() - started, 2), round(peak_kb / 1024, 1)


# --- Rebuilding every extract (the scheduled task) -------------------------------------------


def road_networks_rebuild(*, sources: list[str]) -> list[dict[str, object]]:
    """Rebuild each extract that changed (geo.tasks.road_networks_rebuild, weekly). One that
    fails is reported and logged and leaves its served network as it was; the others go on."""
    results: list[dict[str, object]] = []
    for source in sources:
        try:
            summary = road_network_build(pbf=source, out=None, commit=True)
        except RoadNetworkError as exc:
            logger.error("Road network from %s not rebuilt: %s", source, exc)
            results.append({"pbf": source, "error": str(exc)})
            continue
        if not summary.unchanged:
            logger.info("Road network %s rebuilt: version %s", summary.network, summary.version)
        results.append(summary.as_dict())
    return results
