"""A framework's members and rates from the hub's own .xlsx: read, check, preview, confirm.

The same pattern as the Ofsted import: nothing is saved until a hub admin has seen what the file
would change and confirmed it. The sheet has one row per (lot, setting, need level); a row with
no URN describes only its lot, and a row with no need level and no rate only its member.

`framework_import_preview` reads the file (whole-file problems raise `ImportFileError`), checks
every row (its cells, then the rows against each other and against what is stored) and keeps the
result as a `FrameworkImport`. `framework_import_confirm` checks the rows again against what is
stored now and saves them in one transaction, or refuses: it is all or nothing, so a file with
any problem saves nothing. The file adds and updates; it never removes a lot, member or rate that
it does not mention (a member who leaves is marked Left, so its history stays).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from accounts.models import User
from commissioning.models import (
    MAX_WEEKLY_RATE,
    MIN_WEEKLY_RATE,
    Framework,
    FrameworkImport,
    Lot,
    Membership,
    NeedLevel,
    Rate,
    RateIncludes,
)
from common.formats import pounds
from common.xlsx import FORMULA_PREFIXES, SpreadsheetTooLargeError, spreadsheet_zip_check
from providers.models import Accommodation, Setting

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
LOT_NAME_LENGTH = 200  # Lot.name's max_length
# The header row is looked for among the first few rows (a title line above it is common).
HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    required: bool  # the column must be in the file (its cells may still be optional)


COLUMNS: tuple[Column, ...] = (
    Column("lot_number", "Lot number", True),
    Column("lot_name", "Lot name", True),
    Column("kind", "Kind of placement", True),
    Column("youngest", "Youngest", True),
    Column("oldest", "Oldest", True),
    Column("lot_starts", "Lot starts", True),
    Column("lot_ends", "Lot ends", False),
    Column("urn", "URN", True),
    Column("status", "Status", False),
    Column("joined", "Joined", True),
    Column("status_changed", "Status changed", False),
    Column("need_level", "Need level", True),
    Column("weekly_rate", "Weekly rate (£)", True),
    Column("includes", "Includes", False),
    Column("solo_premium", "Solo premium (£)", False),
)
TITLES = {column.key: column.title for column in COLUMNS}

# The words the export writes and the import reads (codes and the models' labels are read too).
KIND_WORDS = {
    Accommodation.RESIDENTIAL: "Children's home",
    Accommodation.FOSTER: "Foster care",
    Accommodation.SUPPORTED: "Supported accommodation",
}
NEED_WORDS = {
    NeedLevel.STANDARD: "Standard",
    NeedLevel.ENHANCED: "Enhanced",
    NeedLevel.COMPLEX: "Complex",
    NeedLevel.SPECIALIST: "Specialist",
}
STATUS_WORDS = {
    Membership.Status.ACTIVE: "Active",
    Membership.Status.SUSPENDED: "Suspended",
    Membership.Status.LEFT: "Left",
}
NEED_ORDER = {code: index for index, code in enumerate(NEED_WORDS)}


class ImportFileError(Exception):
    """The file as a whole cannot be read: not an .xlsx, no header row, a missing column, or
    too big."""


class ImportRefused(Exception):
    """The confirm saved nothing: a row has a problem, or the framework changed since the
    preview."""


def _key(text: object) -> str:
    """A header or word compared without case, spaces or punctuation ("Weekly rate (£)")."""
    return re.sub(r"[^a-z0-9]", "", str(text).lower())


HEADER_KEYS = {_key(column.title): column.key for column in COLUMNS}
# "Weekly rate" and "Solo premium" without the (£) read the same once punctuation goes; these are
# the other spellings worth accepting.
HEADER_KEYS.update({"weeklyrate": "weekly_rate", "solopremium": "solo_premium"})


def _choices(words: dict[Any, str], labels: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Every spelling of a choice that a cell may hold -> its code: the code, the label, the label
    without its bracket ("Supported accommodation (16 and 17)"), and the export's word."""
    found: dict[str, str] = {}
    for code, label in labels:
        for spelling in (code, label, label.split(" (")[0]):
            found[_key(spelling)] = code
    for code, word in words.items():
        found[_key(word)] = str(code)
    return found


KIND_CHOICES = _choices(KIND_WORDS, Accommodation.choices)
NEED_CHOICES = _choices(NEED_WORDS, NeedLevel.choices)
STATUS_CHOICES = _choices(STATUS_WORDS, Membership.Status.choices)
INCLUDES_CHOICES = _choices({}, RateIncludes.choices)


def money(value: Decimal | str | None) -> str:
    """A tendered rate, quoted to the penny."""
    return "" if value is None else pounds(Decimal(value), pence=True)


# Reading -----------------------------------------------------------------------------------------


def _header_row(rows: list[tuple[Any, ...]]) -> tuple[int, dict[str, int]]:
    """The index of the header row and column key -> cell index."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found: dict[str, int] = {}
        for position, cell in enumerate(row):
            key = HEADER_KEYS.get(_key(cell)) if cell is not None else None
            if key and key not in found:
                found[key] = position
        if len(found) >= 3:
            missing = [c.title for c in COLUMNS if c.required and c.key not in found]
            if missing:
                raise ImportFileError(
                    f"The file has no {_join(missing)} column. The columns are: "
                    f"{', '.join(c.title for c in COLUMNS)}."
                )
            return index, found
    raise ImportFileError(
        "The file has no header row. The first row must name the columns: "
        f"{', '.join(c.title for c in COLUMNS)}."
    )


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def sheet_read(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    """The file's rows below its header, as (spreadsheet row number, column key -> cell value),
    blank rows left out. Cached values only: a formula is never evaluated or kept."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(
            f"The file must be smaller than {MAX_FILE_BYTES // (1024 * 1024)} MB."
        )
    try:
        spreadsheet_zip_check(data)  # before openpyxl inflates anything
    except SpreadsheetTooLargeError as exc:
        raise ImportFileError(str(exc)) from exc
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ImportFileError("The file is not an .xlsx spreadsheet.") from exc
    try:
        sheet = workbook.worksheets[0]
        rows: list[tuple[Any, ...]] = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(row)
            if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
                raise ImportFileError(f"The file has more than {MAX_ROWS:,} rows. Split it up.")
    finally:
        workbook.close()
    header_index, positions = _header_row(rows)
    found = []
    for index, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        cells = {
            key: _clean(row[position]) if position < len(row) else None
            for key, position in positions.items()
        }
        if any(value is not None for value in cells.values()):
            found.append((index, cells))
    if len(found) > MAX_ROWS:
        raise ImportFileError(f"The file has more than {MAX_ROWS:,} rows. Split it up.")
    if not found:
        raise ImportFileError("The file has its header row but no rows below it.")
    return found


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


# Checking one row's cells ------------------------------------------------------------------------


class _Cells:
    """Reads one row's cells into JSON-safe values, collecting a message for each bad cell."""

    def __init__(self, cells: dict[str, Any]) -> None:
        self.cells = cells
        self.errors: list[dict[str, str]] = []

    def error(self, key: str, message: str) -> None:
        self.errors.append({"column": TITLES[key], "message": message})

    def present(self, key: str) -> bool:
        return self.cells.get(key) is not None

    def required(self, key: str, read: Callable[[str], Any]) -> Any:
        if not self.present(key):
            self.error(key, f"{TITLES[key]} is missing.")
            return None
        return read(key)

    def text(self, key: str, longest: int | None = None) -> str | None:
        value = self.cells.get(key)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if value is None:
            return None
        text = str(value)
        if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
            # Our own export wrote it so (common/xlsx.py neutralise): read back what was meant.
            text = text[1:]
        if longest is not None and len(text) > longest:
            self.error(key, f"{TITLES[key]} must be {longest} characters or fewer.")
            return None
        return text

    def whole(self, key: str, low: int = 0, high: int = 32767) -> int | None:
        value = self.cells.get(key)
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.error(key, f"{TITLES[key]} must be a whole number from {low} to {high}.")
            return None
        return value

    def date(self, key: str) -> str | None:
        value = self.cells.get(key)
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y"):
            try:
                return dt.datetime.strptime(str(value), pattern).date().isoformat()
            except ValueError:
                continue
        self.error(key, f"{TITLES[key]} must be a date, like 01/04/2025. It says “{value}”.")
        return None

    def choice(self, key: str, choices: dict[str, str], words: Iterable[str]) -> str | None:
        value = self.cells.get(key)
        code = choices.get(_key(value))
        if code is None:
            self.error(
                key, f"{TITLES[key]} must be one of {_join(list(words))}. It says “{value}”."
            )
        return code

    def price(self, key: str, low: Decimal) -> str | None:
        value = self.cells.get(key)
        if value is None:
            return None
        if isinstance(value, bool):
            amount = None
        elif isinstance(value, int | float | Decimal):
            amount = Decimal(str(value))
        else:
            try:
                amount = Decimal(str(value).replace("£", "").replace(",", "").strip())
            except InvalidOperation:
                amount = None
        if amount is None or not amount.is_finite():
            self.error(
                key, f"{TITLES[key]} must be a number of pounds, like 5200. It says “{value}”."
            )
            return None
        if amount != amount.quantize(Decimal("0.01")):
            self.error(key, f"{TITLES[key]} must be in pounds and pence. It says {value}.")
            return None
        if not low <= amount <= MAX_WEEKLY_RATE:
            self.error(
                key,
                f"{TITLES[key]} must be from {pounds(low)} to {pounds(MAX_WEEKLY_RATE)} a week. "
                f"It says {pounds(amount)}.",
            )
            return None
        return str(amount.quantize(Decimal("0.01")))

    def includes(self, key: str) -> list[str]:
        value = self.cells.get(key)
        if value is None:
            return []
        codes: list[str] = []
        for part in str(value).split(","):
            if not part.strip():
                continue
            code = INCLUDES_CHOICES.get(_key(part))
            if code is None:
                words = [code for code, _ in RateIncludes.choices]
                self.error(key, f"Includes can list only {_join(words)}. It says “{part.strip()}”.")
            elif code not in codes:
                codes.append(code)
        return sorted(codes, key=[code for code, _ in RateIncludes.choices].index)


def row_read(cells: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """One row's values (JSON-safe: dates ISO, money as text) and its cells' problems."""
    read = _Cells(cells)
    values: dict[str, Any] = {
        "lot_number": read.required("lot_number", lambda k: read.whole(k, 1, 999)),
        "lot_name": read.required("lot_name", lambda k: read.text(k, LOT_NAME_LENGTH)),
        "kind": read.required("kind", lambda k: read.choice(k, KIND_CHOICES, KIND_WORDS.values())),
        "youngest": read.required("youngest", lambda k: read.whole(k, 0, 25)),
        "oldest": read.required("oldest", lambda k: read.whole(k, 0, 25)),
        "lot_starts": read.required("lot_starts", read.date),
        "lot_ends": read.date("lot_ends"),
        "urn": read.text("urn"),
    }
    youngest, oldest = values["youngest"], values["oldest"]
    if youngest is not None and oldest is not None and oldest < youngest:
        read.error("oldest", f"Oldest ({oldest}) is younger than Youngest ({youngest}).")
    if values["lot_starts"] and values["lot_ends"] and values["lot_ends"] < values["lot_starts"]:
        read.error("lot_ends", "Lot ends is before Lot starts.")
    member_keys = (
        "status",
        "joined",
        "status_changed",
        "need_level",
        "weekly_rate",
        "includes",
        "solo_premium",
    )
    if values["urn"] is None:
        # A row for the lot alone: nothing about a member may be on it.
        for key in member_keys:
            if read.present(key):
                read.error("urn", "URN is missing.")
                break
        values.update(dict.fromkeys(member_keys))
        values["includes"] = []
        return values, read.errors
    values["status"] = (
        read.choice("status", STATUS_CHOICES, STATUS_WORDS.values())
        if read.present("status")
        else Membership.Status.ACTIVE.value
    )
    values["joined"] = read.required("joined", read.date)
    values["status_changed"] = read.date("status_changed")
    if values["status"] in ("suspended", "left") and not read.present("status_changed"):
        read.error(
            "status_changed",
            f"Status changed is missing: say when the member was {values['status']}.",
        )
    rate_keys = ("weekly_rate", "includes", "solo_premium")
    if not read.present("need_level") and not any(read.present(k) for k in rate_keys):
        # A row for the member alone, with no rate.
        values.update(
            {"need_level": None, "weekly_rate": None, "includes": [], "solo_premium": None}
        )
        return values, read.errors
    values["need_level"] = read.required(
        "need_level", lambda k: read.choice(k, NEED_CHOICES, NEED_WORDS.values())
    )
    values["weekly_rate"] = read.required("weekly_rate", lambda k: read.price(k, MIN_WEEKLY_RATE))
    values["includes"] = read.includes("includes")
    values["solo_premium"] = read.price("solo_premium", Decimal("0"))
    return values, read.errors


# Checking the rows together and against what is stored -----------------------------------------

LOT_FIELDS = ("lot_name", "kind", "youngest", "oldest", "lot_starts", "lot_ends")
MEMBER_FIELDS = ("status", "joined", "status_changed")


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _day(value: str | dt.date | None) -> str:
    if value is None:
        return "open-ended"
    day = _date(value) if isinstance(value, str) else value
    return f"{day.day} {day:%B %Y}" if day else "open-ended"


def _lot_fields(values: dict[str, Any]) -> dict[str, Any]:
    """The row's lot as Lot's fields."""
    return {
        "name": values["lot_name"],
        "accommodation": values["kind"],
        "min_age": values["youngest"],
        "max_age": values["oldest"],
        "starts_on": _date(values["lot_starts"]),
        "ends_on": _date(values["lot_ends"]),
    }


def _member_fields(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": values["status"],
        "joined_on": _date(values["joined"]),
        "status_changed_on": _date(values["status_changed"]),
    }


def _rate_fields(values: dict[str, Any]) -> dict[str, Any]:
    premium = values["solo_premium"]
    return {
        "weekly_rate": Decimal(values["weekly_rate"]),
        "includes": list(values["includes"]),
        "solo_premium": None if premium is None else Decimal(premium),
    }


def _changed(instance: Any, fields: dict[str, Any]) -> list[str]:
    return [name for name, value in fields.items() if getattr(instance, name) != value]


def _lot_outside_framework(values: dict[str, Any], framework: Framework) -> str | None:
    starts, ends = _date(values["lot_starts"]), _date(values["lot_ends"])
    assert starts is not None
    if starts < framework.starts_on:
        return (
            f"Lot starts ({_day(starts)}) is before the framework starts "
            f"({_day(framework.starts_on)})."
        )
    if framework.ends_on and starts > framework.ends_on:
        return (
            f"Lot starts ({_day(starts)}) is after the framework ends ({_day(framework.ends_on)})."
        )
    if framework.ends_on and ends and ends > framework.ends_on:
        return f"Lot ends ({_day(ends)}) is after the framework ends ({_day(framework.ends_on)})."
    return None


class _Stored:
    """What the framework has now, keyed as the sheet keys it."""

    def __init__(self, framework: Framework, urns: set[str]) -> None:
        self.settings = {s.urn: s for s in Setting.objects.filter(urn__in=urns)}
        self.lots = {lot.number: lot for lot in framework.lots.all()}
        memberships = Membership.objects.filter(lot__framework=framework).select_related(
            "lot", "setting"
        )
        self.members = {(m.lot.number, m.setting.urn): m for m in memberships}
        rates = Rate.objects.filter(membership__lot__framework=framework).select_related(
            "membership__lot", "membership__setting"
        )
        self.rates = {
            (r.membership.lot.number, r.membership.setting.urn, r.need_level): r for r in rates
        }


def _lot_action(values: dict[str, Any], stored: _Stored) -> str:
    number = values["lot_number"]
    lot = stored.lots.get(number)
    if lot is None:
        return f"New lot {number}: {values['lot_name']}"
    changed = _changed(lot, _lot_fields(values))
    if not changed:
        return ""
    words = {
        "name": "name",
        "accommodation": "kind of placement",
        "min_age": "ages",
        "max_age": "ages",
        "starts_on": "dates",
        "ends_on": "dates",
    }
    return f"Lot {number} changes its {_join(sorted({words[name] for name in changed}))}"


def _member_action(values: dict[str, Any], stored: _Stored) -> str:
    member = stored.members.get((values["lot_number"], values["urn"]))
    status = STATUS_WORDS[Membership.Status(values["status"])]
    if member is None:
        return f"New member ({status})"
    changed = _changed(member, _member_fields(values))
    if "status" in changed:
        return f"Status changes from {STATUS_WORDS[Membership.Status(member.status)]} to {status}"
    if changed:
        return "Member's dates change"
    return ""


def _rate_action(values: dict[str, Any], stored: _Stored) -> str:
    key = (values["lot_number"], values["urn"], values["need_level"])
    rate = stored.rates.get(key)
    level = NEED_WORDS[NeedLevel(values["need_level"])]
    if rate is None:
        return f"New {level} rate {money(values['weekly_rate'])}"
    changed = _changed(rate, _rate_fields(values))
    if "weekly_rate" in changed:
        return (
            f"{level} rate changes from {money(rate.weekly_rate)} to {money(values['weekly_rate'])}"
        )
    if changed:
        words = {"includes": "what it includes", "solo_premium": "solo premium"}
        return f"{level} rate changes its {_join([words[name] for name in changed])}"
    return ""


_Error = Callable[[str, str], None]


class _Checker:
    """The problems that only show across rows or against what is stored, and what each row does."""

    def __init__(self, framework: Framework, stored: _Stored) -> None:
        self.framework = framework
        self.stored = stored
        self.lots: dict[int, tuple[int, dict[str, Any]]] = {}
        self.members: dict[tuple[int, str], tuple[int, dict[str, Any]]] = {}
        self.rates: dict[tuple[int, str, str], int] = {}
        self.counts = dict.fromkeys(
            (
                "new_lots",
                "changed_lots",
                "new_members",
                "changed_members",
                "new_rates",
                "changed_rates",
            ),
            0,
        )

    def check(self, row: dict[str, Any]) -> tuple[list[dict[str, str]], list[str]]:
        values = row["values"]
        errors: list[dict[str, str]] = []
        actions: list[str] = []

        def error(key: str, message: str) -> None:
            errors.append({"column": TITLES[key], "message": message})

        self._check_lot(row, error, actions)
        if values["urn"] is not None:
            self._check_member(row, error, actions)
            if values["need_level"] is not None:
                self._check_rate(row, error, actions)
        return errors, actions

    def _count(self, action: str, kind: str) -> None:
        self.counts[f"new_{kind}" if action.startswith("New") else f"changed_{kind}"] += 1

    def _check_lot(self, row: dict[str, Any], error: _Error, actions: list[str]) -> None:
        values = row["values"]
        number = values["lot_number"]
        lot = {key: values[key] for key in LOT_FIELDS}
        if number not in self.lots:
            self.lots[number] = (row["row"], lot)
            outside = _lot_outside_framework(values, self.framework)
            if outside:
                error("lot_starts", outside)
            action = _lot_action(values, self.stored)
            if action:
                actions.append(action)
                self._count(action, "lots")
            return
        first_row, first = self.lots[number]
        if (first["lot_starts"], first["lot_ends"]) != (lot["lot_starts"], lot["lot_ends"]):
            error(
                "lot_starts",
                f"Lot {number} runs from {_day(lot['lot_starts'])} to {_day(lot['lot_ends'])} "
                f"here but from {_day(first['lot_starts'])} to {_day(first['lot_ends'])} on "
                f"row {first_row}. A lot has one date range.",
            )
        others = [TITLES[k] for k in LOT_FIELDS[:4] if first[k] != lot[k]]
        if others:
            error(
                "lot_number",
                f"Lot {number} has a different {_join(others)} here than on row {first_row}.",
            )

    def _check_member(self, row: dict[str, Any], error: _Error, actions: list[str]) -> None:
        values = row["values"]
        number, urn = values["lot_number"], values["urn"]
        setting = self.stored.settings.get(urn)
        if setting is None:
            error("urn", f"No setting with URN {urn} on Ofsted's list.")
        elif setting.status == Setting.Status.CLOSED and values["status"] != "left":
            error("urn", f"{setting.name} ({urn}) is closed: it can only be on a lot as Left.")
        member_key = (number, urn)
        member = {key: values[key] for key in MEMBER_FIELDS}
        if member_key not in self.members:
            self.members[member_key] = (row["row"], member)
            action = _member_action(values, self.stored)
            if action:
                actions.append(action)
                self._count(action, "members")
        elif self.members[member_key][1] != member:
            error(
                "status",
                f"{urn} on lot {number} has a different status or dates here than on row "
                f"{self.members[member_key][0]}.",
            )

    def _check_rate(self, row: dict[str, Any], error: _Error, actions: list[str]) -> None:
        values = row["values"]
        number, urn, level = values["lot_number"], values["urn"], values["need_level"]
        rate_key = (number, urn, level)
        if rate_key in self.rates:
            error(
                "need_level",
                f"Row {self.rates[rate_key]} already gives {urn}'s "
                f"{NEED_WORDS[NeedLevel(level)]} rate on lot {number}.",
            )
            return
        self.rates[rate_key] = row["row"]
        action = _rate_action(values, self.stored)
        if action:
            actions.append(action)
            self._count(action, "rates")


def rows_check(
    *, framework: Framework, rows: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Each row with its problems and what saving it would do, and the file's summary. Rows whose
    cells cannot be read are left out of the checks across rows (they have their problem)."""
    urns = {row["values"]["urn"] for row in rows if row["values"].get("urn")}
    checker = _Checker(framework, _Stored(framework, urns))
    checked = []
    for row in rows:
        errors: list[dict[str, str]] = list(row["cell_errors"])
        actions: list[str] = []
        setting = checker.stored.settings.get(row["values"].get("urn") or "")
        if not errors:
            errors, actions = checker.check(row)
        checked.append(
            {
                **row,
                "errors": errors,
                "actions": actions,
                "setting": setting.name if setting else "",
            }
        )
    summary = {
        "rows": len(rows),
        "lots": len(checker.lots),
        "members": len(checker.members),
        "rates": len(checker.rates),
        "problem_rows": sum(1 for row in checked if row["errors"]),
        **checker.counts,
    }
    return checked, summary


def summary_sentence(summary: dict[str, Any]) -> str:
    """ "12 members on 3 lots, 36 rates; 2 rows have problems"."""

    def count(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    text = f"{count(summary['members'], 'member')} on {count(summary['lots'], 'lot')}, "
    text += count(summary["rates"], "rate")
    problems = summary["problem_rows"]
    if problems:
        text += (
            f"; {count(problems, 'row')} {'has a problem' if problems == 1 else 'have problems'}"
        )
    return text


# Preview, confirm, cancel ------------------------------------------------------------------------


def framework_import_preview(
    *, framework: Framework, source: str, data: bytes, actor: User
) -> FrameworkImport:
    """Read and check the file and keep what it would do. Saves nothing in the framework."""
    rows = []
    for number, cells in sheet_read(data):
        values, errors = row_read(cells)
        rows.append({"row": number, "values": values, "cell_errors": errors})
    checked, summary = rows_check(framework=framework, rows=rows)
    return FrameworkImport.objects.create(
        framework=framework,
        source=source[:255],
        rows=checked,
        summary=summary,
        created_by=actor,
    )


def _save(instance: Any, actor: User) -> None:
    # The history names the hub admin who confirmed, whether or not a request is around.
    instance._history_user = actor
    instance.save()


def _put(instance: Any, fields: dict[str, Any], actor: User) -> None:
    """Save `instance` with `fields` if it is new or any differs: an unchanged row writes
    nothing, not even a history record."""
    if instance.pk is not None and not _changed(instance, fields):
        return
    for name, value in fields.items():
        setattr(instance, name, value)
    if isinstance(instance, Membership):
        instance.updated_by = actor
    _save(instance, actor)


def _apply(framework: Framework, rows: list[dict[str, Any]], actor: User) -> None:
    urns = {row["values"]["urn"] for row in rows if row["values"]["urn"]}
    stored = _Stored(framework, urns)
    for row in rows:
        values = row["values"]
        number = values["lot_number"]
        lot = stored.lots.setdefault(number, Lot(framework=framework, number=number))
        _put(lot, _lot_fields(values), actor)
        if values["urn"] is None:
            continue
        key = (number, values["urn"])
        if key not in stored.members:
            stored.members[key] = Membership(lot=lot, setting=stored.settings[values["urn"]])
        member = stored.members[key]
        _put(member, _member_fields(values), actor)
        if values["need_level"] is not None:
            rate_key = (*key, values["need_level"])
            if rate_key not in stored.rates:
                stored.rates[rate_key] = Rate(membership=member, need_level=values["need_level"])
            _put(stored.rates[rate_key], _rate_fields(values), actor)


def framework_import_confirm(
    *, record: FrameworkImport, actor: User, now: dt.datetime | None = None
) -> FrameworkImport:
    """Save a previewed file, all of it in one transaction, or nothing (ImportRefused): when a row
    has a problem, or when the framework has changed since the preview so that the file would
    now do something other than what the hub admin saw."""
    with transaction.atomic():
        record = FrameworkImport.objects.select_for_update().get(pk=record.pk)
        if record.status != FrameworkImport.Status.PREVIEWED:
            raise ImportRefused("This preview has already been used. Upload the file again.")
        framework = Framework.objects.select_for_update().get(pk=record.framework_id)
        rows, summary = rows_check(framework=framework, rows=record.rows)
        if summary["problem_rows"]:
            raise ImportRefused(
                "Nothing was saved: fix the rows with problems in the file and upload it again."
            )
        previewed = [row["actions"] for row in record.rows]
        if summary != record.summary or [row["actions"] for row in rows] != previewed:
            raise ImportRefused(
                "Nothing was saved: the framework has changed since this preview. Upload the "
                "file again to see what it would change now."
            )
        _apply(framework, rows, actor)
        record.status = FrameworkImport.Status.COMMITTED
        record.committed_by = actor
        record.committed_at = now or timezone.now()
        record.save(update_fields=["status", "committed_by", "committed_at", "updated_at"])
    return record


def framework_import_cancel(*, record: FrameworkImport) -> bool:
    """Discard a preview: its rows are dropped, only its summary stays. True if it was one."""
    with transaction.atomic():
        record = FrameworkImport.objects.select_for_update().get(pk=record.pk)
        if record.status != FrameworkImport.Status.PREVIEWED:
            return False
        record.status = FrameworkImport.Status.CANCELLED
        record.rows = []
        record.save(update_fields=["status", "rows", "updated_at"])
    return True
