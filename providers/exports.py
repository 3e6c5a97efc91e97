"""The provider directory as a spreadsheet: one row per setting, the same columns every time.

Every cell goes through `common.xlsx`, so that a name from Ofsted's list like `=HYPERLINK(...)`
is shown, never run.
Private-location settings' addresses are withheld here exactly as on the pages.
The SSDA903 columns give the DfE codes a placement there would have (providers/ssda903.py): every
placement type it may be, and its provider code (for an LA-run setting, which of PR1/PR2 depends
on the placing LA, so the cell says both).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from common.xlsx import XlsxWorkbook
from providers import ssda903
from providers.models import Setting

WITHHELD = "Withheld"


def _address(setting: Setting) -> str:
    if setting.location_is_private:
        return WITHHELD
    lines = (setting.address_line_1, setting.address_line_2, setting.address_line_3)
    return ", ".join(line for line in lines if line)


def _public(value: str) -> Callable[[Setting], str]:
    def get(setting: Setting) -> str:
        return "" if setting.location_is_private else getattr(setting, value)

    return get


def _ssda903_types(setting: Setting) -> str:
    return ", ".join(ssda903.setting_placement_types(setting.provision_type))


def _ssda903_provider(setting: Setting) -> str:
    return ssda903.setting_provider_text(
        sector=setting.sector, local_authority_label=setting.local_authority_label
    )


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
    Column("SSDA903 placement types", _ssda903_types, 12),
    Column("SSDA903 placement provider", _ssda903_provider, 24),
    Column("Status", lambda s: s.get_status_display(), 11),
    Column("Registration date", lambda s: s.registration_date),
    Column("Places", lambda s: s.places, 8),
    Column("Local authority", lambda s: s.local_authority_label, 24),
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


def settings_workbook(settings: Iterable[Setting]) -> bytes:
    """An .xlsx of `settings` (select_related("local_authority") keeps this to one query)."""
    book = XlsxWorkbook()
    sheet = book.sheet("Settings", widths=[column.width for column in COLUMNS], freeze="A2")
    sheet.header(column.header for column in COLUMNS)
    for setting in settings:
        sheet.row(column.value(setting) for column in COLUMNS)
    return book.to_bytes()
