"""Settings in authorities that have since been reorganised, on the real lists' own rows."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from geo.models import AuthoritySuccession
from geo.postcodes import postcodes_load
from geo.successions import (
    SUCCESSIONS_FILE,
    Basis,
    Located,
    SuccessionFileError,
    authorities_resolve,
    successions_read,
)
from providers import ofsted
from providers.models import Setting
from providers.services import ofsted_import, source_read
from tests.providers.ofsted_files import DATA, LIST_2025, row, small_csv

LIST_2016 = DATA / "ofsted" / "provider_at_march_2016.csv"
LIST_2018 = DATA / "ofsted" / "provider_at_march_2018.csv"

pytestmark = pytest.mark.skipif(not LIST_2018.exists(), reason="Ofsted lists not present")


def _import(path, **kwargs):
    return ofsted_import(source=source_read(path), commit=True, origin="command", **kwargs)


def _setting(urn: str) -> Setting:
    return Setting.objects.select_related("local_authority").get(urn=urn)


def _raw_row(path, urn: str) -> ofsted.OfstedProvider:
    return next(p for p in ofsted.read_provider_list(path) if p.urn == urn)


def test_the_shipped_table_is_loaded_by_migrate_and_covers_every_change_since_2009(db):
    loaded = {(s.predecessor_name, s.successor_code) for s in AuthoritySuccession.objects.all()}
    assert len(loaded) == len(successions_read(SUCCESSIONS_FILE.read_text())) == 19
    for change in [
        ("Bedfordshire", "E06000055"),
        ("Cheshire", "E06000050"),
        ("Bournemouth", "E06000058"),
        ("Poole", "E06000058"),
        ("Northamptonshire", "E06000061"),
        ("Northamptonshire", "E06000062"),
        ("Cumbria", "E06000063"),
        ("Cumbria", "E06000064"),
        ("Buckinghamshire", "E06000060"),
        ("North Yorkshire", "E06000065"),
        ("Somerset", "E06000066"),
    ]:
        assert change in loaded


def test_bournemouth_and_poole_in_2016_are_now_bcp(boundaries):
    # Real 2016 rows: SC442553 (an IFA in Bournemouth, BH9) and SC041848 (a college in Poole).
    assert _raw_row(LIST_2016, "SC442553").local_authority == "Bournemouth"
    _, summary = _import(LIST_2016)
    for urn, named in [("SC442553", "Bournemouth"), ("SC041848", "Poole")]:
        setting = _setting(urn)
        assert setting.local_authority.gss_code == "E06000058"
        assert setting.local_authority_label == "Bournemouth, Christchurch and Poole"
        assert setting.local_authority_name == named  # what the list said is kept
        assert setting.local_authority_basis == Basis.SUCCESSOR
        assert setting.local_authority_note == (
            f"{named} ended on 1 April 2019: Bournemouth, Christchurch and Poole took over"
        )
    assert not [e for e in summary.errors if "local authority" in str(e["message"]).lower()]
    assert summary.local_authorities[Basis.SUCCESSOR] == 99


def test_same_name_unitaries_take_over_the_old_county(boundaries):
    # Somerset, North Yorkshire and Buckinghamshire became unitaries under the same name.
    _import(LIST_2016)
    somerset = _setting("SC033016")  # a residential special school, BA11 3RG
    assert somerset.local_authority.gss_code == "E06000066"
    assert somerset.local_authority_note == "Somerset ended on 1 April 2023: Somerset took over"


def test_northamptonshire_and_cumbria_in_2018_split_by_constituency(boundaries):
    _, summary = _import(LIST_2018)
    cases = {
        "1244627": ("Corby", "E06000061", "North Northamptonshire"),
        "1247244": ("Daventry", "E06000062", "West Northamptonshire"),  # a children's home
        "1233899": ("Carlisle", "E06000063", "Cumberland"),
        "1247386": ("Barrow and Furness", "E06000064", "Westmorland and Furness"),
    }
    for urn, (constituency, code, name) in cases.items():
        assert _raw_row(LIST_2018, urn).parliamentary_constituency == constituency
        setting = _setting(urn)
        assert setting.local_authority.gss_code == code
        assert setting.local_authority_basis == Basis.CONSTITUENCY
        assert f"in {name} by its constituency" in setting.local_authority_note
    # Penrith and The Border spans both Cumbrian successors: the hub must say which.
    penrith = _setting("1247885")
    assert penrith.local_authority is None
    assert penrith.local_authority_basis == Basis.TO_ASSIGN
    assert penrith.local_authority_note == (
        "Cumbria ended on 1 April 2023: the hub must say whether it is in Cumberland or "
        "Westmorland and Furness"
    )
    assert summary.local_authorities[Basis.TO_ASSIGN] == 13
    # None of these is a problem in the file: they are notes.
    assert summary.errors == []
    assert any(n["row"] == penrith_row(LIST_2018, "1247885") for n in summary.notes)


def penrith_row(path, urn: str) -> int:
    return _raw_row(path, urn).row


def test_a_split_follows_the_postcode_when_the_directory_has_it(boundaries):
    # The real ONS Postcode Directory for the Cumbrian, Northamptonshire and Dorset areas.
    postcodes_load(areas=["CA", "LA", "NN", "BH"], commit=True)
    _import(LIST_2016)
    cases = {
        "SC468924": ("CA3 8RY", "E06000063"),  # an IFA in Carlisle
        "SC040063": ("LA11 6SD", "E06000064"),  # a residential special school, Grange
        "SC043094": ("NN15 7HH", "E06000061"),  # an IFA in Kettering
        "SC033794": ("NN4 0NB", "E06000062"),  # an IFA in Northampton
    }
    for urn, (postcode, code) in cases.items():
        setting = _setting(urn)
        assert setting.postcode == postcode
        assert setting.local_authority.gss_code == code
        assert setting.local_authority_basis == Basis.POSTCODE
    # A redacted children's home in Cumbria in 2016 (no postcode, no constituency column).
    home = Setting.objects.filter(
        local_authority_name="Cumbria", provision_type="childrens_home"
    ).first()
    assert home.local_authority is None and home.local_authority_basis == Basis.TO_ASSIGN


def test_dorset_before_2019_is_the_old_county_and_is_assumed_without_a_location(boundaries):
    located = [
        Located("Dorset", constituency="West Dorset"),
        Located("Dorset", constituency="Christchurch"),  # split between Dorset and BCP
        Located("Dorset"),
    ]
    before = authorities_resolve(located, as_at=ofsted_date(2018))
    assert before[located[0]].basis == Basis.CONSTITUENCY
    assert before[located[1]].basis == before[located[2]].basis == Basis.ASSUMED
    assert before[located[2]].code == "E06000059"
    # In a list after the change "Dorset" is today's Dorset, by its name.
    after = authorities_resolve(located, as_at=ofsted_date(2025))
    assert {r.basis for r in after.values()} == {Basis.NAME}


def ofsted_date(year: int):
    import datetime as dt

    return dt.date(year, 3, 31)


def test_welsh_councils_are_outside_england_not_problems(boundaries):
    _, summary = _import(LIST_2025)
    welsh = Setting.objects.filter(local_authority_basis=Basis.OUTSIDE_ENGLAND)
    assert sorted(welsh.values_list("local_authority_name", flat=True)) == [
        "Cardiff",
        "Conwy",
        "Newport",
        "Wrexham",
    ]
    assert all(s.local_authority is None for s in welsh)
    assert welsh.get(local_authority_name="Newport").local_authority_note == (
        "Newport is in Wales, outside England"
    )
    assert summary.errors == []
    assert len([n for n in summary.notes if "outside England" in str(n["message"])]) == 4


def test_an_unknown_name_is_still_a_problem(boundaries, tmp_path):
    path = small_csv(tmp_path, [row("SC900001", **{"Local authority": "Narnia"})])
    _, summary = _import(path, complete=False)
    assert [e["message"] for e in summary.errors] == ["Unknown local authority 'Narnia'"]
    assert _setting("SC900001").local_authority_basis == Basis.UNKNOWN


def test_the_hub_loads_its_own_table_and_the_import_uses_it(boundaries, tmp_path, capsys):
    # A reorganisation the shipped table does not know (made up, dated in the future).
    table = tmp_path / "successions.csv"
    table.write_text(
        SUCCESSIONS_FILE.read_text()
        + "Rutland,E06000017,2030-04-01,Leicestershire,E10000018,whole,,\n"
    )
    call_command("load_la_successions", str(table))
    assert "Loaded 20 local authority successions" in capsys.readouterr().out
    path = small_csv(tmp_path, [row("SC900002", **{"Local authority": "Rutland"})])
    # The small file is titled "as at 31 March 2025", before the change: Rutland is the
    # predecessor, so its successor is used.
    _import(path, complete=False)
    setting = _setting("SC900002")
    assert setting.local_authority.gss_code == "E10000018"
    assert setting.local_authority_basis == Basis.SUCCESSOR


def test_a_bad_table_is_refused_with_its_row(tmp_path):
    with pytest.raises(SuccessionFileError, match="Row 2: ended_on 'soon' is not a date"):
        successions_read(
            "predecessor_name,predecessor_code,ended_on,successor_name,successor_code,rule,"
            "constituencies,fallback\nCumbria,,soon,Cumberland,E06000063,whole,,\n"
        )
    with pytest.raises(SuccessionFileError, match="not an English GSS code"):
        successions_read(
            "predecessor_name,predecessor_code,ended_on,successor_name,successor_code,rule,"
            "constituencies,fallback\nCumbria,,2023-04-01,Cumberland,W06000063,whole,,\n"
        )
