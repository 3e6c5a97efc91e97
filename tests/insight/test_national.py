"""The DfE's national distance figures, loaded from its real CSV in ../shared/data."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from insight.models import DistanceBand, NationalDistance
from insight.national import NationalFileError, national_distance_load

DFE_CSV = (
    Path(settings.BASE_DIR).parent
    / "shared"
    / "data"
    / "cla_stats"
    / "national_cla_on_31_march_by_placement_distance_and_placement_locality.csv"
)


def figure(year: int, group: str, band: str) -> NationalDistance:
    return NationalDistance.objects.get(year=year, group=group, band=band)


def test_the_published_figures_load_as_published(db):
    summary = national_distance_load(source=str(DFE_CSV))

    assert summary.years == [2020, 2021, 2022, 2023, 2024]
    # 7 groups × 8 bands × 5 years.
    assert summary.figures == NationalDistance.objects.count() == 280
    over_20 = figure(2024, "All children", DistanceBand.OVER_20)
    assert (over_20.number, over_20.percentage, over_20.accommodation) == (18040, 22, "")
    assert figure(2024, "All children", DistanceBand.WITHIN_20_INSIDE).percentage == 47
    homes = figure(2024, "Secure homes and children's homes", DistanceBand.OVER_20)
    assert (homes.percentage, homes.accommodation) == (49, "residential")
    # "k": under half a per cent, kept as not published rather than as 0.
    parents = "Placed with parents or other person with parental responsibility"
    assert figure(2024, parents, DistanceBand.NOT_KNOWN).percentage is None
    assert summary.suppressed >= 1


def test_loading_again_replaces_rather_than_adds(db):
    national_distance_load(source=str(DFE_CSV))
    NationalDistance.objects.filter(year=2024, band=DistanceBand.TOTAL).update(number=1)

    national_distance_load(source=str(DFE_CSV))

    assert NationalDistance.objects.count() == 280
    assert figure(2024, "All children", DistanceBand.TOTAL).number == 83630


def test_a_file_with_an_unknown_band_loads_nothing(db, tmp_path):
    bad = tmp_path / "distance.csv"
    header = "time_period,time_identifier,geographic_level,country_code,country_name,"
    header += "cla_group,characteristic,number,percentage\n"
    bad.write_text(
        header
        + "2024,Reporting year,National,E92000001,England,All children,1. 20 miles or less,5,69\n"
        + "2024,Reporting year,National,E92000001,England,All children,Up to 10 km,5,69\n"
    )

    with pytest.raises(NationalFileError, match="Line 3: unknown distance band 'Up to 10 km'"):
        national_distance_load(source=str(bad))
    assert not NationalDistance.objects.exists()


def test_the_command_reports_and_refuses_another_file(db, capsys):
    call_command("load_national_distance", str(DFE_CSV))
    assert "Loaded 280 national distance figures for 2020, 2021, 2022, 2023, 2024" in (
        capsys.readouterr().out
    )
    with pytest.raises(CommandError, match="is not the DfE's distance table"):
        call_command(
            "load_national_distance",
            str(DFE_CSV.parent / "cla_number_and_rate_per_10k_children.csv"),
        )
