"""The SSDA903 code lists and our mapping onto them, checked against the real schema and the DfE's
own published figures in ../shared/data (skipped when they are missing), so they cannot drift."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from providers import ssda903
from providers.models import Accommodation, PlacementKind, ProvisionType

DATA = Path(settings.BASE_DIR).parent / "shared" / "data"
SCHEMA = DATA / "schemas" / "liia_SSDA903_schema_2024.yml"
EPISODES = DATA / "schemas" / "liia_SSDA903_2020_episodes.csv"
PROVIDER_FIGURES = (
    DATA
    / "cla_stats"
    / "national_cla_on_31_march_by_placement_provider_placement_type_and_locality.csv"
)

needs_schema = pytest.mark.skipif(
    not SCHEMA.is_file(), reason=f"no {SCHEMA.name} in ../shared/data"
)


def _episode_categories(field: str) -> list[dict[str, str]]:
    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    categories: list[dict[str, str]] = schema["column_map"]["Episodes"][field]["category"]
    return categories


@needs_schema
@pytest.mark.parametrize(
    ("field", "ours"),
    [("PLACE", ssda903.PLACEMENT_TYPES), ("PLACE_PROVIDER", ssda903.PLACEMENT_PROVIDERS)],
)
def test_our_code_lists_are_the_schemas_with_the_same_labels(field, ours):
    categories = _episode_categories(field)
    assert list(ours) == [category["code"] for category in categories]
    # The 2024 schema names none of these codes; should a later one, its wording must be ours.
    for category in categories:
        if "name" in category:
            assert ours[category["code"]] == category["name"]


@pytest.mark.skipif(not PROVIDER_FIGURES.is_file(), reason="no DfE placement provider figures")
def test_provider_labels_are_the_dfes_published_wording():
    with PROVIDER_FIGURES.open(encoding="utf-8-sig", newline="") as file:
        published = {row["placement_provider"] for row in csv.DictReader(file)}
    assert set(ssda903.PLACEMENT_PROVIDERS.values()) <= published
    # What the DfE publish beyond them is a total and a "not reported", never a code.
    assert published - set(ssda903.PLACEMENT_PROVIDERS.values()) == {
        "All children",
        "Placement provider not reported",
    }


@pytest.mark.skipif(not EPISODES.is_file(), reason=f"no {EPISODES.name} in ../shared/data")
def test_every_code_in_a_real_episodes_file_is_known():
    with EPISODES.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert rows
    assert {row["PLACE"] for row in rows} <= set(ssda903.PLACEMENT_TYPES)
    assert {row["PLACE_PROVIDER"] for row in rows} <= set(ssda903.PLACEMENT_PROVIDERS)


def test_every_provision_type_and_kind_of_accommodation_is_mapped_to_known_codes():
    assert set(ssda903.PROVISION_TYPE_PLACEMENT_TYPES) == set(ProvisionType.values)
    assert set(ssda903.ACCOMMODATION_PLACEMENT_TYPES) == set(Accommodation.values)
    used = {
        code
        for codes in (
            *ssda903.PROVISION_TYPE_PLACEMENT_TYPES.values(),
            *ssda903.ACCOMMODATION_PLACEMENT_TYPES.values(),
        )
        for code in codes
    }
    assert used <= set(ssda903.PLACEMENT_TYPES)
    assert set(ssda903.SECTOR_PLACEMENT_PROVIDERS.values()) <= set(ssda903.PLACEMENT_PROVIDERS)


@pytest.mark.parametrize(
    ("provision_type", "expected"),
    [
        (ProvisionType.CHILDRENS_HOME, dict.fromkeys(PlacementKind.values, "K2")),
        (
            ProvisionType.RESIDENTIAL_SPECIAL_SCHOOL_CHILDRENS_HOME,
            dict.fromkeys(PlacementKind.values, "K2"),
        ),
        (ProvisionType.SUPPORTED_ACCOMMODATION, dict.fromkeys(PlacementKind.values, "H5")),
        (ProvisionType.RESIDENTIAL_FAMILY_CENTRE, dict.fromkeys(PlacementKind.values, "R3")),
        (
            ProvisionType.INDEPENDENT_FOSTERING_AGENCY,
            {"emergency": "U6", "short_break": "U6", "planned": None, "parent_and_child": None},
        ),
        (ProvisionType.VOLUNTARY_ADOPTION_AGENCY, dict.fromkeys(PlacementKind.values)),
        (ProvisionType.SECURE_TRAINING_CENTRE, dict.fromkeys(PlacementKind.values)),
    ],
)
def test_a_placements_type_is_its_settings_settled_by_its_kind(provision_type, expected):
    assert {
        kind: ssda903.placement_type(provision_type=provision_type, placement_kind=kind)
        for kind in PlacementKind.values
    } == expected


@pytest.mark.parametrize(
    ("sector", "setting_la", "placing_la", "expected"),
    [
        ("Private", "E06000017", "E06000017", "PR4"),
        ("Voluntary", None, "E06000017", "PR5"),
        ("Health Authority", None, None, "PR3"),
        ("Academy", None, None, "PR3"),
        (" local  authority ", "E06000017", "E06000017", "PR1"),  # Ofsted's case varies by year
        ("Local Authority", "E06000017", "E10000018", "PR2"),
        ("Local Authority", None, "E06000017", None),  # which council runs it is not known
        ("", None, None, None),
        ("Charity shop", None, None, None),
    ],
)
def test_a_placements_provider_is_its_sector_and_for_a_council_whether_it_placed(
    sector, setting_la, placing_la, expected
):
    assert (
        ssda903.placement_provider(
            sector=sector, setting_la_gss=setting_la, placing_la_gss=placing_la
        )
        == expected
    )
