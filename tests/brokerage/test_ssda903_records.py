"""A recorded placement carries its SSDA903 placement type and provider code in the records .json
and .xlsx (brokerage/records.py, providers/ssda903.py): from the setting, the kind of placement
and, for a council's own home, whether the council placing is the one that runs it."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Organisation, Role
from brokerage.records import placement_record, placement_record_get
from brokerage.referrals import placement_decide
from placements.models import PlacementRequest
from providers.models import PlacementKind, Setting
from tests.factories import UserFactory, sign_in
from tests.placements.builders import Map, child, home, make_world_map
from tests.providers.factories import SettingFactory


@pytest.fixture
def world_map(db, settings) -> Map:
    settings.TRAVEL_ENGINE = "estimate"
    return make_world_map()


def _placed(la: Organisation, request: PlacementRequest, setting: Setting) -> PlacementRequest:
    """`setting` secured for `request` by one of `la`'s officers, on spot terms."""
    terms = {"weekly_cost": Decimal(1200), "social_care_weekly": Decimal(1200)}
    start = timezone.localdate() + timedelta(days=1)
    officer = UserFactory(organisation=la, role=Role.PLACEMENT_OFFICER)
    placement_decide(
        actor=officer,
        request=request,
        setting=setting,
        start_date=start,
        services_included=["core"],
        **terms,
    )
    return request


def _codes(request: PlacementRequest) -> tuple[str | None, str | None]:
    terms = placement_record(placement_record_get(request))["extensions"]["placementTerms"]
    return terms["ssda903PlacementType"], terms["ssda903PlacementProvider"]


@pytest.mark.parametrize(
    ("kind", "sector", "expected"),
    [
        (PlacementKind.EMERGENCY, "Private", ("U6", "PR4")),
        (PlacementKind.SHORT_BREAK, "Voluntary", ("U6", "PR5")),
        # Long-term fostering, fostering for adoption or neither: not recorded, so not guessed.
        (PlacementKind.PLANNED, "Private", (None, "PR4")),
    ],
)
def test_a_foster_placement_with_an_agency_is_coded_from_its_kind_and_sector(
    world_map, kind, sector, expected
):
    agency = SettingFactory(local_authority=world_map.neighbour, sector=sector)
    request = child(world_map, accommodation=["foster"], placement_kind=kind)
    assert _codes(_placed(world_map.la, request, agency)) == expected


def test_a_councils_own_home_is_pr1_when_it_places_there_and_pr2_for_another_council(world_map):
    rutland_home = home(world_map, sector="Local Authority")  # in Rutland's area
    own = child(world_map, reference="LAC-1")
    assert _codes(_placed(world_map.la, own, rutland_home)) == ("K2", "PR1")

    leicestershire = Organisation.objects.get(gss_code=world_map.neighbour.gss_code)
    theirs = child(world_map, reference="LAC-2", organisation=leicestershire)
    assert _codes(_placed(leicestershire, theirs, rutland_home)) == ("K2", "PR2")


def test_the_json_and_the_xlsx_show_the_same_codes(world_map, client):
    private_home = home(world_map, sector="Private")
    request = _placed(world_map.la, child(world_map), private_home)
    officer = UserFactory(organisation=world_map.la, role=Role.PLACEMENT_OFFICER)
    sign_in(client, officer.email)

    response = client.get(reverse("brokerage:placement_record_json", args=[request.pk]))
    (record,) = json.loads(response.content)["records"]
    placed = record["extensions"]["placementTerms"]
    assert (placed["ssda903PlacementType"], placed["ssda903PlacementProvider"]) == (
        "K2",
        "PR4",
    )

    response = client.get(reverse("brokerage:placement_record_xlsx", args=[request.pk]))
    header, row = list(load_workbook(io.BytesIO(response.content))["Requests"].values)
    values = dict(zip(header, row, strict=True))
    assert (values["SSDA903 placement type"], values["SSDA903 placement provider"]) == (
        "K2",
        "PR4",
    )
