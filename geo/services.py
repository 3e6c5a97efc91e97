"""Loading ONS boundaries. One core, used by the command line (and later by web uploads)."""

from __future__ import annotations

import json
import tempfile
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.db import transaction

from geo.models import Area

# GSS entity codes: what each prefix is, for the English areas this service uses.
KIND_BY_PREFIX = {
    "E12": Area.Kind.REGION,
    "E06": Area.Kind.UPPER_TIER_LA,  # unitary authority
    "E08": Area.Kind.UPPER_TIER_LA,  # metropolitan district
    "E09": Area.Kind.UPPER_TIER_LA,  # London borough (and the City of London)
    "E10": Area.Kind.UPPER_TIER_LA,  # county
    "E07": Area.Kind.LOWER_TIER_LA,  # non-metropolitan district
}


class BoundaryFileError(Exception):
    """The file cannot be loaded at all; the message says why, for the person running it."""


@dataclass
class BoundaryLoadSummary:
    features: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[dict[str, object]] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class _DryRun(Exception):
    pass


def _read_source(source: str) -> dict[str, Any]:
    if source.startswith(("http://", "https://")):
        with tempfile.TemporaryFile() as handle:
            with urllib.request.urlopen(source, timeout=60) as response:  # noqa: S310 - http(s) only
                handle.write(response.read())
            handle.seek(0)
            raw = handle.read()
    else:
        path = Path(source)
        if not path.is_file():
            raise BoundaryFileError(f"No file at {source}")
        raw = path.read_bytes()
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BoundaryFileError(f"{source} is not GeoJSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise BoundaryFileError(f"{source} is not a GeoJSON FeatureCollection")
    return data


def _properties_code_name(properties: dict[str, object]) -> tuple[str, str]:
    """ONS files name their columns after the year (LAD24CD, areacd…): find the code and name."""
    code = name = ""
    for key, value in properties.items():
        lowered = key.lower()
        if lowered.endswith("cd") and isinstance(value, str) and not code:
            code = value.strip()
        elif lowered.endswith("nm") and isinstance(value, str) and not name:
            name = value.strip()
    return code, name


def boundaries_load(*, source: str, commit: bool) -> BoundaryLoadSummary:
    """Create or update areas from an ONS GeoJSON file of regions or local authorities.

    All-or-nothing: without `commit`, or if anything fails, the database is left as it was.
    Upper-tier authorities are linked to the region that contains them.
    """
    data = _read_source(source)
    summary = BoundaryLoadSummary()
    try:
        with transaction.atomic():
            for number, feature in enumerate(data.get("features") or [], start=1):
                summary.features += 1
                _load_feature(number, feature, summary)
            _link_parents()
            if not commit:
                raise _DryRun
    except _DryRun:
        pass
    return summary


def _load_feature(number: int, feature: dict[str, Any], summary: BoundaryLoadSummary) -> None:
    properties = feature.get("properties") or {}
    assert isinstance(properties, dict)
    code, name = _properties_code_name(properties)
    kind = KIND_BY_PREFIX.get(code[:3])
    if not code or not name or kind is None:
        summary.rejected += 1
        summary.errors.append(
            {"feature": number, "message": f"Not an English region or authority: {code or '?'}"}
        )
        return
    try:
        geometry = GEOSGeometry(json.dumps(feature.get("geometry")), srid=4326)
    except Exception as exc:  # noqa: BLE001 - GEOS raises several kinds for bad geometry
        summary.rejected += 1
        summary.errors.append({"feature": number, "message": f"{code}: bad geometry ({exc})"})
        return
    if geometry.geom_type == "Polygon":
        geometry = MultiPolygon(cast(Polygon, geometry), srid=4326)
    if not isinstance(geometry, MultiPolygon):
        summary.rejected += 1
        summary.errors.append({"feature": number, "message": f"{code}: not a polygon"})
        return
    summary.by_kind[kind] = summary.by_kind.get(kind, 0) + 1
    area = Area.objects.filter(gss_code=code).first()
    if area is None:
        Area.objects.create(gss_code=code, name=name, kind=kind, boundary=geometry)
        summary.created += 1
    elif area.name != name or area.kind != kind or not area.boundary.equals_exact(geometry, 1e-9):
        area.name, area.kind, area.boundary = name, kind, geometry
        area.save()
        summary.updated += 1
    else:
        summary.unchanged += 1


def _link_parents() -> None:
    """Each authority's parent is the region containing a point inside it."""
    regions = list(Area.objects.filter(kind=Area.Kind.REGION))
    if not regions:
        return
    for area in Area.objects.exclude(kind=Area.Kind.REGION).filter(parent__isnull=True):
        point = area.boundary.point_on_surface
        parent = next((r for r in regions if r.boundary.contains(point)), None)
        if parent is not None:
            area.parent = parent
            area.save(update_fields=["parent", "updated_at"])
