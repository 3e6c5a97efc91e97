"""One search's results as a spreadsheet: the matches as ranked on the page, then the search
itself (criteria and funnel) on a second sheet, so the file makes sense on its own.

Cells go through `providers.exports` (text neutralised, dates formatted). Children's homes'
addresses never appear: only the postcode district, as on the page.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from common.formats import govuk_datetime
from placements.matching import FUNNEL_LABELS, Match, MatchResult
from placements.models import PlacementRequest, PlacementSearch
from providers.exports import xlsx_cell


def _headers(places: list[str]) -> list[tuple[str, int]]:
    travel = []
    for label in places:
        travel += [(f"Minutes from {label}", 12), (f"{label}: estimated?", 12)]
    return [
        ("Rank", 6),
        ("URN", 11),
        ("Name", 36),
        ("Provision type", 26),
        ("Local authority", 22),
        ("Postcode district", 10),
        ("Score (of 100)", 10),
        ("Confirmed", 10),
        ("Vacancy", 40),
        ("Carer households", 10),
        *travel,
        ("Ofsted overall effectiveness", 22),
        ("Why it matches", 60),
        ("Worth checking", 60),
    ]


def _values(rank: int, match: Match) -> list[Any]:
    setting = match.setting
    travel: list[Any] = []
    for leg in match.travel:
        travel += [
            None if leg.minutes is None else round(leg.minutes, 1),
            "Yes" if leg.estimated else "No",
        ]
    return [
        rank,
        setting.urn,
        setting.display_name,
        setting.get_provision_type_display(),
        match.locality,
        setting.postcode_district,
        round(match.score, 1),
        "Yes" if match.confirmed else "No",
        "" if match.vacancy is None else f"{match.vacancy.places} place(s). {match.vacancy.label}",
        match.households,
        *travel,
        setting.get_overall_effectiveness_display()
        or setting.get_supported_accommodation_outcome_display(),
        "\n".join(match.reasons),
        "\n".join(match.concerns),
    ]


def search_workbook(
    request: PlacementRequest, search: PlacementSearch, result: MatchResult
) -> bytes:
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    sheet = workbook.create_sheet("Matches")
    places = [place.label for place in request.places.all()]
    headers = _headers(places)
    for index, (_, width) in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C2"
    row = []
    for text, _ in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        row.append(cell)
    sheet.append(row)
    for rank, match in enumerate(result.matches, start=1):
        values = _values(rank, match)
        if not match.travel and places:
            # No travel times (no location): keep the columns in line.
            at = 10
            values[at:at] = [None, ""] * len(places)
        sheet.append([xlsx_cell(sheet, value) for value in values])

    about = workbook.create_sheet("Search")
    about.column_dimensions["A"].width = 50
    about.column_dimensions["B"].width = 60
    for key, value in (
        ("Request", request.reference),
        ("Searched", govuk_datetime(search.created_at)),
        ("Search number", search.pk),
        ("Travel engine", result.engine),
        *((f"Criteria: {k.replace('_', ' ')}", str(v)) for k, v in search.criteria.items()),
        *((FUNNEL_LABELS[k], v) for k, v in result.funnel.items()),
    ):
        about.append([xlsx_cell(about, key), xlsx_cell(about, value)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
