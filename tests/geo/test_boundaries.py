"""ONS boundaries from the real files in ../shared/data/boundaries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from geo.models import Area
from geo.services import BoundaryFileError, boundaries_load

pytestmark = pytest.mark.django_db

BOUNDARIES = Path(settings.DEMO_BOUNDARIES)
UTLA = str(BOUNDARIES / "england_utla_2025_bsc.geojson")
REGIONS = str(BOUNDARIES / "england_rgn_2025_bsc.geojson")


def test_load_regions_and_upper_tier_authorities():
    summary = boundaries_load(source=UTLA, commit=True)
    assert (summary.features, summary.created, summary.rejected) == (153, 153, 0)
    regions = boundaries_load(source=REGIONS, commit=True)
    assert (regions.features, regions.created) == (9, 9)
    assert Area.objects.filter(kind=Area.Kind.UPPER_TIER_LA).count() == 153
    rutland = Area.objects.get(gss_code="E06000017")
    assert rutland.name == "Rutland"
    assert rutland.parent.name == "East Midlands"
    east_midlands = Area.objects.get(gss_code="E12000004")
    assert sorted(east_midlands.children.values_list("name", flat=True)) == [
        "Derby", "Derbyshire", "Leicester", "Leicestershire", "Lincolnshire",
        "North Northamptonshire", "Nottingham", "Nottinghamshire", "Rutland",
        "West Northamptonshire",
    ]  # fmt: skip
    # Every authority lies in exactly one region.
    assert not Area.objects.filter(kind=Area.Kind.UPPER_TIER_LA, parent__isnull=True).exists()

    again = boundaries_load(source=UTLA, commit=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 153)


def test_dry_run_writes_nothing():
    summary = boundaries_load(source=REGIONS, commit=False)
    assert summary.created == 9
    assert not Area.objects.exists()


def test_command_reports_counts_as_json(capsys):
    call_command("load_boundaries", REGIONS, "--commit", "--json")
    result = json.loads(capsys.readouterr().out)
    assert result["created"] == 9
    assert result["by_kind"] == {"region": 9}
    assert result["committed"] is True


def test_bad_files_get_clear_messages(tmp_path):
    with pytest.raises(BoundaryFileError, match="No file at"):
        boundaries_load(source=str(tmp_path / "missing.geojson"), commit=True)
    not_json = tmp_path / "x.geojson"
    not_json.write_text("hello")
    with pytest.raises(BoundaryFileError, match="not GeoJSON"):
        boundaries_load(source=str(not_json), commit=True)
    with pytest.raises(CommandError, match="not GeoJSON"):
        call_command("load_boundaries", str(not_json))


def test_features_that_are_not_english_authorities_are_rejected(tmp_path):
    square = [[[0, 52], [0.1, 52], [0.1, 52.1], [0, 52.1], [0, 52]]]
    features = [
        {"type": "Feature", "properties": {"areacd": "W06000001", "areanm": "Isle of Anglesey"},
         "geometry": {"type": "Polygon", "coordinates": square}},
        {"type": "Feature", "properties": {"LAD24CD": "E06000099", "LAD24NM": "Testshire"},
         "geometry": {"type": "Polygon", "coordinates": square}},
    ]  # fmt: skip
    path = tmp_path / "mixed.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    summary = boundaries_load(source=str(path), commit=True)
    assert (summary.created, summary.rejected) == (1, 1)
    assert summary.errors[0]["feature"] == 1
    assert Area.objects.get().boundary.geom_type == "MultiPolygon"
