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

And every uploaded .xlsx/.ods is checked here before it is read (`spreadsheet_zip_check`): a
zip that would expand past what the service reads is refused with a message, never inflated.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
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


# --- Reading: a spreadsheet is a zip, and a zip can be a bomb ----------------------------------

# An .xlsx or .ods is a zip of XML. A few hundred kilobytes can expand to gigabytes ("zip bomb"),
# which the readers (openpyxl, calamine) would inflate into memory. Real spreadsheets compress
# 5-25 times (Ofsted's 3.2 MB .ods of March 2025 holds 76 MB of XML: 23 times); these limits
# are several times that. Both readers go through `spreadsheet_zip_check` first.
SPREADSHEET_MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024
SPREADSHEET_MAX_RATIO = 100


class SpreadsheetTooLargeError(ValueError):
    """The spreadsheet expands to more than the service reads; the message is for the uploader."""


def spreadsheet_zip_check(
    data: bytes,
    *,
    max_uncompressed: int = SPREADSHEET_MAX_UNCOMPRESSED_BYTES,
    max_ratio: float = SPREADSHEET_MAX_RATIO,
) -> None:
    """Refuse an .xlsx/.ods whose members would expand past `max_uncompressed` bytes in all or
    more than `max_ratio` times their compressed size, before any reader opens it.

    The sizes a zip declares are checked first (no decompression: instant); then every member is
    decompressed in chunks and thrown away, up to what it declared, and its checksum compared
    (`testzip`), so one that declares less than it holds is refused as damaged, not inflated.
    Not a zip at all: nothing to check here (the reader says what is wrong with it).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return
    with archive:
        members = archive.infolist()
        expanded = sum(member.file_size for member in members)
        compressed = max(1, sum(member.compress_size for member in members))
        if expanded > max_uncompressed or expanded / compressed > max_ratio:
            raise SpreadsheetTooLargeError(
                f"This spreadsheet expands to {expanded / 1024 / 1024:,.0f} MB "
                f"({expanded / compressed:,.0f} times its size), more than the "
                f"{max_uncompressed // (1024 * 1024)} MB the service reads. It may not be a real "
                "spreadsheet; if it is, save it again without the extra content, or split it up."
            )
        try:
            damaged = archive.testzip()
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
            damaged = "?"
        if damaged is not None:
            raise SpreadsheetTooLargeError(
                "This spreadsheet could not be opened: it is damaged (its contents do not match "
                "what it says they are)."
            )
