"""Members-and-rates spreadsheets built in the tests with openpyxl (never a file from the repo)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from openpyxl import Workbook

HEADERS = [
    "Lot number",
    "Lot name",
    "Kind of placement",
    "Youngest",
    "Oldest",
    "Lot starts",
    "Lot ends",
    "URN",
    "Status",
    "Joined",
    "Status changed",
    "Need level",
    "Weekly rate (£)",
    "Includes",
    "Solo premium (£)",
]
LOTS = {
    1: ("Children's homes", "Children's home", 8, 17),
    2: ("Foster care", "Foster care", 0, 17),
    3: ("Supported accommodation", "Supported accommodation", 16, 17),
}
LEVELS = ["Standard", "Enhanced", "Complex"]


def row(**values: Any) -> dict[str, Any]:
    """A good row (lot 1, SC100001, Standard at £5,200), with `values` by header key."""
    base = {
        "Lot number": 1,
        "Lot name": "Children's homes",
        "Kind of placement": "Children's home",
        "Youngest": 8,
        "Oldest": 17,
        "Lot starts": dt.date(2025, 4, 1),
        "Lot ends": dt.date(2029, 3, 31),
        "URN": "SC100001",
        "Status": "Active",
        "Joined": dt.date(2025, 4, 1),
        "Status changed": None,
        "Need level": "Standard",
        "Weekly rate (£)": 5200,
        "Includes": "core, education",
        "Solo premium (£)": None,
    }
    base.update(values)
    return base


def xlsx(rows: list[dict[str, Any]], headers: list[str] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    headers = HEADERS if headers is None else headers
    sheet.append(headers)
    for values in rows:
        sheet.append([values.get(header) for header in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def three_lots_twelve_members(urns: list[str]) -> list[dict[str, Any]]:
    """3 lots, 4 members each (12 memberships of 12 settings), 3 rates each: 36 rows."""
    rows = []
    for index, urn in enumerate(urns):
        number = index // 4 + 1
        name, kind, youngest, oldest = LOTS[number]
        for step, level in enumerate(LEVELS):
            rows.append(
                row(
                    **{
                        "Lot number": number,
                        "Lot name": name,
                        "Kind of placement": kind,
                        "Youngest": youngest,
                        "Oldest": oldest,
                        "URN": urn,
                        "Need level": level,
                        "Weekly rate (£)": 4000 + 100 * index + 500 * step,
                    }
                )
            )
    return rows
