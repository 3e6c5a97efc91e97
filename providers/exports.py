"""The provider directory as a spreadsheet: one row per setting, the same columns every time.

Text that came from a file we do not control (Ofsted's list, a provider's own words) is
neutralised before it reaches a cell, so that a name like `=HYPERLINK(...)` is shown, never run.
Private-location settings' addresses are withheld here exactly as on the pages.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from providers.models import Setting

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "dd/mm/yyyy"
# What a spreadsheet may read as the start of a formula (OWASP "CSV injection"), including the
# tab and carriage return some applications strip before looking.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
WITHHELD = "Withheld"


def neutralise(text: str) -> str:
    """A cell-safe copy of `text`: never a formula, never a character Excel refuses."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _address(setting: Setting) -> str:
    if setting.location_is_private:
        return WITHHELD
    lines = (setting.address_line_1, setting.address_line_2, setting.address_line_3)
    return ", ".join(line for line in lines if line)


def _public(value: str) -> Callable[[Setting], str]:
    def get(setting: Setting) -> str:
        return "" if setting.location_is_private else getattr(setting, value)

    return get


def _local_authority(setting: Setting) -> str:
    if setting.local_authority is not None:
        return setting.local_authority.name
    return setting.local_authority_name


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Setting], Any]
    width: int = 14


COLUMNS: tuple[Column, ...] = (
    Column("URN", lambda s: s.urn, 11),
    Column("Name", lambda s: s.display_name, 40),
    Column("Provision type", lambda s: s.get_provision_type_display(), 30),
    Column("Sector", lambda s: s.sector),
    Column("Status", lambda s: s.get_status_display(), 11),
    Column("Registration date", lambda s: s.registration_date),
    Column("Places", lambda s: s.places, 8),
    Column("Local authority", _local_authority, 24),
    Column("Ofsted region", lambda s: s.ofsted_region, 20),
    Column("Owner", lambda s: s.owner_name, 36),
    Column("Address", _address, 40),
    Column("Town", _public("town"), 18),
    Column("Postcode", _public("postcode"), 10),
    Column("Postcode district", lambda s: s.postcode_district, 10),
    Column("Latest inspection", lambda s: s.latest_inspection_type, 24),
    Column("Inspection date", lambda s: s.latest_inspection_date),
    Column("Report published", lambda s: s.latest_inspection_published),
    Column("Overall effectiveness", lambda s: s.get_overall_effectiveness_display(), 22),
    Column("Help and protection", lambda s: s.get_help_and_protection_display(), 22),
    Column("Leadership and management", lambda s: s.get_leadership_and_management_display(), 22),
    Column(
        "Supported accommodation outcome",
        lambda s: s.get_supported_accommodation_outcome_display(),
        22,
    ),
    Column("Ofsted reports", lambda s: s.ofsted_url, 44),
)


def xlsx_cell(sheet: WriteOnlyWorksheet, value: Any) -> WriteOnlyCell | Any:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=neutralise(value))
        cell.data_type = "s"  # belt and braces: a string cell is never read as a formula
        return cell
    return value


def settings_workbook(settings: Iterable[Setting]) -> bytes:
    """An .xlsx of `settings` (select_related("local_authority") keeps this to one query)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Settings")
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for setting in settings:
        sheet.append([xlsx_cell(sheet, column.value(setting)) for column in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
