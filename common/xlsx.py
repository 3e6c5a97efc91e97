"""Every .xlsx the service writes goes through here, so that no cell is ever a formula.

Text in a spreadsheet can come from anyone: Ofsted's list (setting and owner names), providers
(their own words), officers (case references, the labels of the places that matter, which become
column headers). A value like `=HYPERLINK(...)` would run when the file is opened (OWASP "CSV
injection"), so every text cell, headers included, is neutralised and typed as a string.

    book = XlsxWorkbook()
    sheet = book.sheet("Matches", widths=[6, 11, 36], freeze="C2")
    sheet.header(["Rank", "URN", "Name"])
    sheet.row([1, "SC000001", "=not a formula"])
    content = book.to_bytes()
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
# What a spreadsheet may read as the start of a formula, including the tab and carriage return
# some applications strip before looking.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOLD = Font(bold=True)


def neutralise(text: str) -> str:
    """A cell-safe copy of `text`: never a formula, never a character Excel refuses."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def xlsx_cell(sheet: WriteOnlyWorksheet, value: Any, *, bold: bool = False) -> WriteOnlyCell:
    """One cell: text neutralised and typed as a string, dates and times formatted (a time must
    be naive local time: a spreadsheet holds no zone), anything else as it is."""
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=neutralise(value))
        cell.data_type = "s"  # belt and braces: a string cell is never read as a formula
    elif isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
    else:
        cell = WriteOnlyCell(sheet, value=value)
    if bold:
        cell.font = BOLD
    return cell


class XlsxSheet:
    """A write-only sheet whose every cell goes through `xlsx_cell`."""

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        self._sheet = sheet

    def header(self, titles: Iterable[Any]) -> None:
        self._sheet.append([xlsx_cell(self._sheet, title, bold=True) for title in titles])

    def row(self, values: Iterable[Any]) -> None:
        self._sheet.append([xlsx_cell(self._sheet, value) for value in values])


class XlsxWorkbook:
    """A write-only workbook (rows stream out; memory stays flat for the whole of England)."""

    def __init__(self) -> None:
        self._workbook = Workbook(write_only=True)

    def sheet(
        self, title: str, *, widths: Sequence[int] = (), freeze: str | None = None
    ) -> XlsxSheet:
        sheet = self._workbook.create_sheet(title)  # always the code's own words
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        if freeze:
            sheet.freeze_panes = freeze
        return XlsxSheet(sheet)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self._workbook.save(buffer)
        return buffer.getvalue()
