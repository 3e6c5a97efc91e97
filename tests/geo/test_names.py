"""Local authority names (as Ofsted writes them) to upper-tier GSS codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings

from geo.names import KNOWN_MISMATCHES, la_gss_code_for_name, la_gss_codes_for_names
from geo.services import boundaries_load
from providers.ofsted import read_provider_list

pytestmark = pytest.mark.django_db

DATA = Path(settings.DEMO_BOUNDARIES).parent
UTLA = DATA / "boundaries" / "england_utla_2025_bsc.geojson"
OFSTED = [DATA / "ofsted" / f"provider_at_march_{year}.csv" for year in (2024, 2025)]
# Welsh councils that Ofsted lists for a few providers: not English, so no code.
WELSH = ["Cardiff", "Conwy", "Newport", "Wrexham"]


@pytest.fixture
def upper_tier():
    boundaries_load(source=str(UTLA), commit=True)


@pytest.fixture(scope="module")
def ofsted_names() -> set[str]:
    names: set[str] = set()
    for path in OFSTED:
        names |= {
            p.local_authority for p in read_provider_list(path).providers if p.local_authority
        }
    return names


def test_every_english_ofsted_authority_resolves(
    upper_tier, ofsted_names, django_assert_num_queries
):
    assert len(ofsted_names) == 157
    with django_assert_num_queries(1):
        codes = la_gss_codes_for_names(ofsted_names)
    assert sorted(name for name, code in codes.items() if code is None) == WELSH
    resolved = {code for code in codes.values() if code}
    assert all(code.startswith("E") for code in resolved)
    # Every children's services authority in England runs at least one setting, and no two
    # of Ofsted's names land on the same one.
    assert len(resolved) == 153 == len(ofsted_names) - len(WELSH)


# Forms a name is written in, and the authority each means. One test for them all, as each
# test loads the boundaries afresh.
OTHER_FORMS = {
    "Durham": "E06000047",  # ONS: County Durham
    "County Durham": "E06000047",
    "Bristol": "E06000023",  # ONS: Bristol, City of
    "Bristol, City of": "E06000023",
    "City of Bristol": "E06000023",
    "Bristol City Council": "E06000023",
    "Herefordshire": "E06000019",  # ONS: Herefordshire, County of
    "Kingston upon Hull": "E06000010",  # ONS: Kingston upon Hull, City of
    "Kingston-upon-Hull": "E06000010",
    "Hull": "E06000010",
    "St Helens": "E08000013",  # ONS: St. Helens
    "Southend on Sea": "E06000033",  # ONS: Southend-on-Sea
    "Bournemouth, Christchurch & Poole": "E06000058",  # ONS: … and Poole
    "Telford & Wrekin": "E06000020",
    "  rutland ": "E06000017",
    "ISLES OF SCILLY": "E06000053",
    "City of London": "E09000001",
    "London Borough of Camden": "E09000007",
    "Royal Borough of Kensington and Chelsea": "E09000020",
    "Leicestershire County Council": "E10000018",
    "Durham County Council": "E06000047",
    "City of York": "E06000014",
}
# Reported as unknown rather than guessed.
NOT_GUESSED = [
    "",
    "London",  # not the City of London
    "Cumbria",  # abolished in 2023: Cumberland, or Westmorland and Furness?
    "Northamptonshire",  # split in 2021
    "Newcastle",  # upon Tyne, or under-Lyme (a district)?
    "Richmond",  # upon Thames, or Richmondshire (a district)?
    "Leicestershir",  # a typo is reported, not corrected
    "Melton",  # a lower-tier district, not a children's services authority
    "Cardiff",
]


def test_names_in_other_forms(upper_tier):
    assert la_gss_codes_for_names(OTHER_FORMS) == OTHER_FORMS
    assert la_gss_code_for_name("Durham") == "E06000047"


def test_names_that_are_not_guessed(upper_tier):
    assert la_gss_codes_for_names(NOT_GUESSED) == dict.fromkeys(NOT_GUESSED)
    assert la_gss_code_for_name("Cumbria") is None


def test_every_ons_name_resolves_to_its_own_code(upper_tier):
    features = json.loads(UTLA.read_text())["features"]
    ons = {f["properties"]["areanm"]: f["properties"]["areacd"] for f in features}
    assert la_gss_codes_for_names(ons) == ons


def test_known_mismatches_point_at_real_authorities(upper_tier):
    codes = la_gss_codes_for_names(KNOWN_MISMATCHES.values())
    assert None not in codes.values()


def test_nothing_resolves_before_boundaries_are_loaded():
    assert la_gss_codes_for_names(["Rutland", "Durham"]) == {"Rutland": None, "Durham": None}
    assert la_gss_codes_for_names([]) == {}


def test_local_authority_shown_by_its_ons_name_else_as_stated():
    from geo.models import Area
    from geo.names import local_authority_name

    rutland = Area(gss_code="E06000017", name="Rutland", kind=Area.Kind.UPPER_TIER_LA)
    assert local_authority_name(rutland, "Rutland County Council") == "Rutland"
    assert local_authority_name(None, "Rutland County Council") == "Rutland County Council"
    assert local_authority_name(None, "") == ""
    assert local_authority_name(None, "", default="Not known") == "Not known"
    assert local_authority_name(rutland, default="your local authority") == "Rutland"


def test_a_setting_names_its_local_authority_the_same_way():
    from geo.models import Area
    from providers.models import Setting

    rutland = Area(gss_code="E06000017", name="Rutland", kind=Area.Kind.UPPER_TIER_LA)
    matched = Setting(local_authority=rutland, local_authority_name="Rutland County Council")
    unmatched = Setting(local_authority_name="Isle of Anglesey")
    assert matched.local_authority_label == "Rutland"
    assert unmatched.local_authority_label == "Isle of Anglesey"
    assert Setting().local_authority_label == ""
