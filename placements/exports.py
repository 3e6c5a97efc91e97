"""One search's results as a spreadsheet: the matches as ranked on the page, then the search
itself (criteria and funnel) on a second sheet, so the file makes sense on its own.

Cells go through `common.xlsx` (text neutralised, headers too: a place's label is one).
Children's homes' addresses never appear: only the postcode district, as on the page.
"""

from __future__ import annotations

from typing import Any

from common.formats import govuk_datetime, yes_no
from common.xlsx import XlsxWorkbook
from geo.journeys import estimate_range_text, journey_summary, whole_minutes
from geo.modes import TravelMode, timetable_words
from placements.matching import FUNNEL_LABELS, Match, MatchResult
from placements.models import PlacementRequest, PlacementSearch

# Columns each place that matters adds to a row.
TRAVEL_COLUMNS = 4


def _headers(places: list[str]) -> list[tuple[str, int]]:
    travel = []
    for label in places:
        # Whole minutes, as on the page; "estimated" (Yes) is a straight line, not a road route
        # (for public transport: the walk at each end); for an estimate by road the range a road
        # time is likely to fall in, as the page reads it ("35–65"); then the journey in the
        # page's own words, with its mode ("by bus, 34 min, leaving 08:00").
        travel += [
            (f"Minutes from {label}", 12),
            (f"{label}: estimated?", 12),
            (f"{label}: likely minutes if estimated", 14),
            (f"{label}: journey", 34),
        ]
    return [
        ("Rank", 6),
        ("URN", 11),
        ("Name", 36),
        ("Provision type", 26),
        ("Owner on Ofsted's list", 30),
        ("On the service (can be sent a referral)", 12),
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
            whole_minutes(leg.minutes),
            yes_no(leg.estimated),
            estimate_range_text(leg.minutes)
            if leg.estimated and leg.mode == TravelMode.CAR
            else "",
            leg.words,
        ]
    return [
        rank,
        setting.urn,
        setting.display_name,
        setting.get_provision_type_display(),
        setting.owner_name,
        yes_no(setting.provider_organisation_id is not None),
        match.locality,
        setting.postcode_district,
        round(match.score, 1),
        yes_no(match.confirmed),
        "" if match.vacancy is None else f"{match.vacancy.places} place(s). {match.vacancy.label}",
        match.households,
        *travel,
        setting.get_overall_effectiveness_display()
        or setting.get_supported_accommodation_outcome_display(),
        "\n".join(match.reasons),
        "\n".join(match.concerns),
    ]


def _timetable_words(result: MatchResult, place_id: int) -> str:
    timetable = result.timetables.get(place_id)
    return f" ({timetable_words(timetable)})" if timetable else ""


def search_workbook(
    request: PlacementRequest, search: PlacementSearch, result: MatchResult
) -> bytes:
    book = XlsxWorkbook()
    request_places = list(request.places.all())
    places = [place.label for place in request_places]
    headers = _headers(places)
    sheet = book.sheet("Matches", widths=[width for _, width in headers], freeze="C2")
    sheet.header(text for text, _ in headers)
    for rank, match in enumerate(result.matches, start=1):
        values = _values(rank, match)
        if not match.travel and places:
            # No travel times (no location): keep the columns in line.
            at = 12  # after "Carer households"
            values[at:at] = [None, "", "", ""] * len(places)
        sheet.row(values)

    about = book.sheet("Search", widths=[50, 60])
    for key, value in (
        ("Request", request.reference),
        ("Searched", govuk_datetime(search.created_at)),
        ("Search number", search.pk),
        ("Travel engine", result.engine),
        ("Journey times", journey_summary(result.journeys, engine=result.engine) or "None"),
        *(
            (f"How to {place.label}", place.mode_words + _timetable_words(result, place.pk))
            for place in request_places
        ),
        *((f"Criteria: {k.replace('_', ' ')}", str(v)) for k, v in search.criteria.items()),
        *((FUNNEL_LABELS[k], v) for k, v in result.funnel.items()),
    ):
        about.row([key, value])
    return book.to_bytes()
