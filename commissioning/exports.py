"""A framework's lots, members and rates as an .xlsx in exactly the import's format, so the hub
can export, edit and import again (an export of an empty framework is the blank template)."""

from __future__ import annotations

import re

from commissioning.imports import COLUMNS, KIND_WORDS, NEED_ORDER, NEED_WORDS, STATUS_WORDS
from commissioning.models import Framework, Lot, Membership, NeedLevel, Rate
from common.xlsx import XlsxWorkbook
from providers.models import Accommodation

SHEET_TITLE = "Members and rates"
WIDTHS = [10, 30, 24, 10, 10, 12, 12, 11, 11, 12, 14, 13, 15, 28, 16]


def _lot_cells(lot: Lot) -> list[object]:
    return [
        lot.number,
        lot.name,
        KIND_WORDS[Accommodation(lot.accommodation)],
        lot.min_age,
        lot.max_age,
        lot.starts_on,
        lot.ends_on,
    ]


def _member_cells(member: Membership) -> list[object]:
    return [
        member.setting.urn,
        STATUS_WORDS[Membership.Status(member.status)],
        member.joined_on,
        member.status_changed_on,
    ]


def _rate_cells(rate: Rate | None) -> list[object]:
    if rate is None:
        return [None] * 4
    return [
        NEED_WORDS[NeedLevel(rate.need_level)],
        rate.weekly_rate,
        ", ".join(rate.includes),
        rate.solo_premium,
    ]


def framework_export(*, framework: Framework) -> bytes:
    """One row per (lot, member, need level); a lot with no members and a member with no rates
    get a row of their own, as the import reads them."""
    book = XlsxWorkbook()
    sheet = book.sheet(SHEET_TITLE, widths=WIDTHS, freeze="A2")
    sheet.header([column.title for column in COLUMNS])
    lots = framework.lots.order_by("number").prefetch_related(
        "memberships__setting", "memberships__rates"
    )
    for lot in lots:
        members = sorted(lot.memberships.all(), key=lambda m: m.setting.urn)
        if not members:
            sheet.row(_lot_cells(lot) + [None] * 8)
        for member in members:
            rates = sorted(member.rates.all(), key=lambda r: NEED_ORDER[NeedLevel(r.need_level)])
            row_rates: list[Rate | None] = list(rates) or [None]
            for rate in row_rates:
                sheet.row(_lot_cells(lot) + _member_cells(member) + _rate_cells(rate))
    return book.to_bytes()


def export_filename(framework: Framework) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", framework.name.lower()).strip("-") or "framework"
    return f"{slug}-members-and-rates.xlsx"
