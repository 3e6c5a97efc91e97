"""No export ever writes a formula: every .xlsx the service serves (the directory, a search's
results, a request's record, a period's records), with formula-like text in every text field
that reaches it (setting and owner names from Ofsted's list, the officer's case reference and
place labels, which are column headers, people's and organisations' names).
"""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Organisation, Role
from brokerage.referrals import (
    Answer,
    Shortlisted,
    placement_decide,
    referral_answer,
    referral_send,
)
from common.xlsx import FORMULA_PREFIXES, XlsxWorkbook, neutralise
from placements.models import PlacementSearch
from tests.factories import OrganisationFactory, UserFactory, sign_in
from tests.placements.builders import SCHOOL, child, home

PAYLOADS = ('=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(1)", "\t=1+1", "\r=1+1")


def formula_cells(content: bytes) -> list[str]:
    """Every cell of every sheet that a spreadsheet would run, or read as a formula."""
    found = []
    workbook = load_workbook(io.BytesIO(content))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (
                    isinstance(cell.value, str) and cell.value.startswith(FORMULA_PREFIXES)
                ):
                    found.append(f"{sheet.title}!{cell.coordinate}: {cell.value!r}")
    return found


def as_read(text: str) -> str:
    """As read back: XML turns a carriage return into a line feed."""
    return text.replace("\r", "\n")


def texts(content: bytes) -> set[str]:
    workbook = load_workbook(io.BytesIO(content))
    return {
        cell.value
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    }


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_export_writes_a_formula(world_map, client, payload):
    la = world_map.la
    la.name = payload
    la.save()
    officer = UserFactory(organisation=la, role=Role.PLACEMENT_OFFICER, full_name=payload)
    provider = OrganisationFactory(region=la.region, kind=Organisation.Kind.PROVIDER, name=payload)
    provider_user = UserFactory(organisation=provider, role=Role.PROVIDER_USER)
    dangerous = home(
        world_map,
        name=payload,
        owner_name=payload,
        sector=payload,
        town=payload,
        provider_organisation=provider,
    )
    request = child(
        world_map,
        reference=payload,
        places=[(payload, SCHOOL, 45), (f"{payload} gran", SCHOOL, None)],
    )
    sign_in(client, officer.email)

    search = client.get(reverse("placements:placement_search_export", args=[request.pk]))
    searched = PlacementSearch.objects.filter(request=request).latest("created_at")
    (referral,) = referral_send(
        actor=officer,
        request=request,
        shortlist=[Shortlisted(dangerous)],
        deadline=timezone.now() + timedelta(hours=24),
        search=searched,
        note=payload,
    )
    start = timezone.localdate() + timedelta(days=2)
    referral_answer(
        actor=provider_user,
        referral=referral,
        answer=Answer.INTERESTED,
        weekly_price=Decimal("4250"),
        start_date=start,
        price_includes=["core"],
        price_details=payload,
    )
    placement_decide(
        actor=officer,
        request=request,
        setting=dangerous,
        start_date=start,
        weekly_cost=Decimal("4250"),
        services_included=["core"],
        social_care_weekly=Decimal("4250"),
        commercial_route="spot",
        distance_from=request.places.first(),
    )
    today = timezone.localdate()
    exports = {
        "directory": client.get(
            f"{reverse('providers:setting_export')}?status=active&status=closed"
        ),
        "search": search,
        "record": client.get(reverse("brokerage:placement_record_xlsx", args=[request.pk])),
        "period": client.get(
            reverse("brokerage:placement_records_export"),
            {
                "from": (today - timedelta(days=7)).isoformat(),
                "to": (today + timedelta(days=7)).isoformat(),
                "format": "xlsx",
            },
        ),
    }

    for name, response in exports.items():
        assert response.status_code == 200, name
        assert formula_cells(response.content) == [], name
        # The text is there, shown as text.
        assert as_read(neutralise(payload)) in texts(response.content), name
    # The place's label starts a column header of the results.
    headers = next(load_workbook(io.BytesIO(search.content))["Matches"].iter_rows(max_row=1))
    assert as_read(f"'{payload}: estimated?") in [cell.value for cell in headers]


def test_headers_are_neutralised_too():
    book = XlsxWorkbook()
    sheet = book.sheet("Sheet", widths=[10, 10])
    sheet.header(["=1+1", "Name"])
    sheet.row(["@SUM(1)", 3])

    workbook = load_workbook(io.BytesIO(book.to_bytes()))
    cells = [cell for row in workbook["Sheet"].iter_rows() for cell in row]
    assert [(cell.value, cell.data_type) for cell in cells] == [
        ("'=1+1", "s"),
        ("Name", "s"),
        ("'@SUM(1)", "s"),
        (3, "n"),
    ]
    assert cells[0].font.bold and not cells[2].font.bold
