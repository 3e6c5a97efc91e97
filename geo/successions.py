"""Which authority a setting is in when its list names one that no longer exists.

Ofsted's lists give each setting's local authority by name only. English local government keeps
changing (Bedfordshire and Cheshire split in 2009, Bournemouth and Poole merged in 2019,
Northamptonshire split in 2021, Cumbria in 2023…), so a list from before a change names an
authority today's boundaries do not have. `authorities_resolve` answers, for each name in one
list (and the setting's postcode and constituency), which of today's authorities it is in and
how that was decided (`Basis`), so the import can record it:

1. A name a succession ended *after* the list's date names the predecessor: "Dorset" in a 2016
   list is the old county, which also covered Christchurch (now in BCP).
2. Otherwise a name of one of today's authorities is that authority (geo/names.py).
3. Otherwise a predecessor's name (a list that kept an old name) is resolved as in 1.
4. A Welsh, Scottish or Northern Irish council, or a Crown dependency, is outside England: said,
   not an error. Anything else is unknown and reported.

A predecessor whose settings all went to one successor ("whole") gives that successor. A split
("location") gives the successor holding the setting's postcode (ONS Postcode Directory), else the
one listing its parliamentary constituency (only constituencies wholly inside one successor are
listed), else the successor marked as the fallback (recorded as assumed), else none: the hub must
assign it. The table is geo/data/local_authority_successions.csv, loaded by `load_la_successions`
(a migration loads the shipped copy); a hub edits a copy and loads that.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from django.db import models, transaction

from geo.models import AuthoritySuccession, Postcode
from geo.names import la_gss_codes_for_names, name_key

SUCCESSIONS_FILE: Final = Path(__file__).parent / "data" / "local_authority_successions.csv"

#: Councils Ofsted's lists name that are not in England, by country. Ofsted registers a few
#: English providers' settings there (the 2025 list has four in Wales).
OUTSIDE_ENGLAND: Final[dict[str, tuple[str, ...]]] = {
    "Wales": (
        "Blaenau Gwent",
        "Bridgend",
        "Caerphilly",
        "Cardiff",
        "Carmarthenshire",
        "Ceredigion",
        "Conwy",
        "Denbighshire",
        "Flintshire",
        "Gwynedd",
        "Isle of Anglesey",
        "Anglesey",
        "Merthyr Tydfil",
        "Monmouthshire",
        "Neath Port Talbot",
        "Newport",
        "Pembrokeshire",
        "Powys",
        "Rhondda Cynon Taf",
        "Rhondda Cynon Taff",
        "Swansea",
        "Torfaen",
        "Vale of Glamorgan",
        "The Vale of Glamorgan",
        "Wrexham",
    ),
    "Scotland": (
        "Aberdeen City",
        "Aberdeenshire",
        "Angus",
        "Argyll and Bute",
        "Clackmannanshire",
        "Dumfries and Galloway",
        "Dundee City",
        "East Ayrshire",
        "East Dunbartonshire",
        "East Lothian",
        "East Renfrewshire",
        "City of Edinburgh",
        "Edinburgh",
        "Falkirk",
        "Fife",
        "Glasgow City",
        "Glasgow",
        "Highland",
        "Inverclyde",
        "Midlothian",
        "Moray",
        "Na h-Eileanan Siar",
        "North Ayrshire",
        "North Lanarkshire",
        "Orkney Islands",
        "Perth and Kinross",
        "Renfrewshire",
        "Scottish Borders",
        "Shetland Islands",
        "South Ayrshire",
        "South Lanarkshire",
        "Stirling",
        "West Dunbartonshire",
        "West Lothian",
    ),
    "Northern Ireland": (
        "Antrim and Newtownabbey",
        "Ards and North Down",
        "Armagh City, Banbridge and Craigavon",
        "Belfast",
        "Causeway Coast and Glens",
        "Derry City and Strabane",
        "Fermanagh and Omagh",
        "Lisburn and Castlereagh",
        "Mid and East Antrim",
        "Mid Ulster",
        "Newry, Mourne and Down",
    ),
    "a Crown dependency": ("Isle of Man", "Jersey", "Guernsey"),
}
_COUNTRY_OF: Final = {
    name_key(name): country for country, names in OUTSIDE_ENGLAND.items() for name in names
}


class Basis(models.TextChoices):
    """How a setting's local authority was decided; stored with the setting."""

    NAME = "name", "Named in the list"
    SUCCESSOR = "successor", "The named authority's successor"
    POSTCODE = "postcode", "Successor holding its postcode"
    CONSTITUENCY = "constituency", "Successor holding its constituency"
    ASSUMED = "assumed", "Successor assumed (location not known)"
    TO_ASSIGN = "to_assign", "To be assigned by the hub"
    ASSIGNED = "assigned", "Assigned by the hub"
    OUTSIDE_ENGLAND = "outside_england", "Outside England"
    UNKNOWN = "unknown", "Not recognised"


@dataclass(frozen=True, slots=True)
class Located:
    """What one row says about where a setting is."""

    name: str
    postcode: str = ""
    constituency: str = ""


@dataclass(frozen=True, slots=True)
class Resolution:
    code: str | None
    basis: Basis
    note: str = ""


class SuccessionFileError(ValueError):
    """The successions file cannot be loaded; the message says which line and why."""


# Loading -----------------------------------------------------------------------------------


#: The file's columns, which are also AuthoritySuccession's fields.
SUCCESSION_FIELDS: Final = (
    "predecessor_name",
    "predecessor_code",
    "ended_on",
    "successor_name",
    "successor_code",
    "rule",
    "constituencies",
    "fallback",
)


def successions_read(text: str) -> list[AuthoritySuccession]:
    """The rows of a successions file (lines starting "#" are comments), checked."""
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    missing = [c for c in SUCCESSION_FIELDS if c not in (reader.fieldnames or [])]
    if missing:
        raise SuccessionFileError(f"The file has no {', '.join(missing)} column.")
    rows: list[AuthoritySuccession] = []
    for number, cells in enumerate(reader, start=2):
        row = {column: (cells.get(column) or "") for column in SUCCESSION_FIELDS}
        try:
            ended_on = dt.date.fromisoformat(row["ended_on"].strip())
        except ValueError:
            raise SuccessionFileError(
                f"Row {number}: ended_on {row['ended_on']!r} is not a date (YYYY-MM-DD)."
            ) from None
        rule = row["rule"].strip()
        if rule not in AuthoritySuccession.Rule.values:
            raise SuccessionFileError(f"Row {number}: rule must be whole or location.")
        code = row["successor_code"].strip()
        if not (len(code) == 9 and code[0] == "E" and code[1:].isdigit()):
            raise SuccessionFileError(f"Row {number}: {code!r} is not an English GSS code.")
        rows.append(
            AuthoritySuccession(
                predecessor_name=row["predecessor_name"].strip(),
                predecessor_code=row["predecessor_code"].strip(),
                ended_on=ended_on,
                successor_name=row["successor_name"].strip(),
                successor_code=code,
                rule=rule,
                constituencies=[c.strip() for c in row["constituencies"].split(";") if c.strip()],
                fallback=row["fallback"].strip().lower() in ("yes", "y", "true"),
            )
        )
    return rows


@transaction.atomic
def successions_load(path: Path | str = SUCCESSIONS_FILE) -> int:
    """Replace the table with a file's rows. Returns how many were loaded."""
    rows = successions_read(Path(path).read_text(encoding="utf-8-sig"))
    AuthoritySuccession.objects.all().delete()
    AuthoritySuccession.objects.bulk_create(rows)
    return len(rows)


def successors_of(names: Iterable[str]) -> dict[str, list[AuthoritySuccession]]:
    """Each predecessor name's successors at its latest change (a split's candidates, for the hub
    to choose from), keyed by the name as given. One query."""
    wanted = {name_key(name): name for name in names}
    found: dict[str, list[AuthoritySuccession]] = {}
    for succession in AuthoritySuccession.objects.order_by("-ended_on", "successor_name"):
        name = wanted.get(name_key(succession.predecessor_name))
        if name is None:
            continue
        latest = found.setdefault(name, [])
        if not latest or latest[0].ended_on == succession.ended_on:
            latest.append(succession)
    return found


# Resolving ---------------------------------------------------------------------------------


def _resolve_predecessor(
    row: Located, successors: list[AuthoritySuccession], utla_of: dict[str, str]
) -> Resolution:
    ended = successors[0]
    changed = f"{ended.predecessor_name} ended on {ended.ended_on:%-d %B %Y}"
    if len(successors) == 1 and ended.rule == AuthoritySuccession.Rule.WHOLE:
        return Resolution(
            ended.successor_code, Basis.SUCCESSOR, f"{changed}: {ended.successor_name} took over"
        )
    codes = {s.successor_code: s for s in successors}
    if (found := utla_of.get(row.postcode)) in codes:
        name = codes[found].successor_name
        return Resolution(found, Basis.POSTCODE, f"{changed}: in {name} by its postcode")
    constituency = name_key(row.constituency) if row.constituency else ""
    for successor in successors:
        if constituency and constituency in {name_key(c) for c in successor.constituencies}:
            return Resolution(
                successor.successor_code,
                Basis.CONSTITUENCY,
                f"{changed}: in {successor.successor_name} by its constituency",
            )
    for successor in successors:
        if successor.fallback:
            return Resolution(
                successor.successor_code,
                Basis.ASSUMED,
                f"{changed}: assumed to be in {successor.successor_name} (location not known)",
            )
    names = " or ".join(s.successor_name for s in successors)
    return Resolution(
        None, Basis.TO_ASSIGN, f"{changed}: the hub must say whether it is in {names}"
    )


def authorities_resolve(
    rows: Iterable[Located], *, as_at: dt.date | None = None
) -> dict[Located, Resolution]:
    """Today's authority (GSS code) for each row, and how it was decided. A few queries,
    however many rows: the names, the successions and the rows' postcodes."""
    rows = set(rows)
    names = {row.name for row in rows}
    current = la_gss_codes_for_names(names)
    by_name: dict[str, list[AuthoritySuccession]] = {}
    for succession in AuthoritySuccession.objects.order_by("ended_on", "pk"):
        by_name.setdefault(name_key(succession.predecessor_name), []).append(succession)
    postcodes = {row.postcode for row in rows if row.postcode}
    utla_of = dict(
        Postcode.objects.filter(postcode__in=postcodes).values_list("postcode", "utla_code")
    )

    def successors_for(name: str, *, after: dt.date | None) -> list[AuthoritySuccession]:
        candidates = by_name.get(name_key(name), [])
        if after is not None:
            candidates = [s for s in candidates if s.ended_on > after]
        if not candidates:
            return []
        first = candidates[0].ended_on  # the first change after the list's date
        return [s for s in candidates if s.ended_on == first]

    resolved: dict[Located, Resolution] = {}
    for row in rows:
        earlier = successors_for(row.name, after=as_at) if as_at is not None else []
        if earlier:
            resolved[row] = _resolve_predecessor(row, earlier, utla_of)
        elif current.get(row.name):
            resolved[row] = Resolution(current[row.name], Basis.NAME)
        elif later := successors_for(row.name, after=None):
            resolved[row] = _resolve_predecessor(row, later, utla_of)
        elif country := _COUNTRY_OF.get(name_key(row.name)):
            resolved[row] = Resolution(
                None, Basis.OUTSIDE_ENGLAND, f"{row.name} is in {country}, outside England"
            )
        else:
            resolved[row] = Resolution(None, Basis.UNKNOWN, f"Unknown local authority '{row.name}'")
    return resolved
