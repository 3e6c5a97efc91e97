"""Local authority names to GSS codes, for sources that give names only (Ofsted's lists).

A name resolves to an upper-tier authority (`Area` of kind `utla`) when, after normalising,
it equals that authority's ONS name or one of the forms below; anything else resolves to
None and is reported, never guessed: no fuzzy matching, because a near miss between two real
authorities (Richmond and Richmondshire, Newcastle and Newcastle-under-Lyme) would put
children's data in the wrong council.

Normalising: case, accents, "&" for "and", punctuation and hyphens ("St. Helens",
"Southend on Sea"), a council's own style ("Leicestershire County Council", "London Borough
of Camden", "Royal Borough of Greenwich"), and ONS's inverted forms ("Bristol, City of" also
answers to "Bristol" and "City of Bristol"; "Herefordshire, County of" to "Herefordshire").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from geo.models import Area

# Names in use that normalising alone does not map to the ONS name. Keys and values are
# compared after normalising. Add a row only for a name that can mean one authority alone.
KNOWN_MISMATCHES = {
    # Ofsted's provider lists (2024, 2025) say "Durham".
    "Durham": "County Durham",
    # The council's own name, and the everyday one.
    "City of York": "York",
    "Hull": "Kingston upon Hull, City of",
    "BCP": "Bournemouth, Christchurch and Poole",
}

_INVERTED = re.compile(r"^(?P<name>.+?),\s*(?P<kind>city|county) of$")
_PREFIXES = (
    "london borough of ",
    "royal borough of ",
    "metropolitan borough of ",
    "borough of ",
)
_COUNCIL = re.compile(
    r" (?:(?:metropolitan )?borough|(?:metropolitan )?district|county|city) council$"
    r"| council$"
)


def _key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("&", " and ")
    text = re.sub(r"[^a-z0-9,]+", " ", text)
    return re.sub(r"\s+", " ", text).strip(" ,")


def _plain(key: str) -> str:
    """A council's style stripped: "london borough of camden", "kent county council"."""
    key = key.replace(",", "")
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            key = key.removeprefix(prefix)
            break
    return _COUNCIL.sub("", key).strip()


def _forms(ons_name: str) -> set[str]:
    """The keys an authority answers to, from its ONS name."""
    key = _key(ons_name)
    forms = {_plain(key)}
    inverted = _INVERTED.match(key)
    if inverted:
        base = inverted["name"]
        forms |= {_plain(base), _plain(f"{inverted['kind']} of {base}")}
    return forms


def _index() -> dict[str, str]:
    codes_by_name = dict(
        Area.objects.filter(kind=Area.Kind.UPPER_TIER_LA).values_list("name", "gss_code")
    )
    index: dict[str, str] = {}
    ambiguous: set[str] = set()
    for name, code in codes_by_name.items():
        for form in _forms(name):
            if index.get(form, code) != code:
                ambiguous.add(form)
            index[form] = code
    for alias, ons_name in KNOWN_MISMATCHES.items():
        if ons_name in codes_by_name:
            index.setdefault(_plain(_key(alias)), codes_by_name[ons_name])
    # Two authorities answering to one form: neither gets it.
    for form in ambiguous:
        del index[form]
    return index


def name_key(name: str) -> str:
    """The form two spellings of one authority's name share ("St. Helens", "St Helens
    Council"), for matching names in other tables (geo/successions.py)."""
    return _plain(_key(name))


def la_gss_codes_for_names(names: Iterable[str]) -> dict[str, str | None]:
    """Each name's upper-tier GSS code, or None where it names no English upper-tier
    authority (a Welsh council, an abolished county, a typo). One query, however many names.
    """
    names = set(names)
    if not names:
        return {}
    index = _index()
    return {name: index.get(_plain(_key(name))) for name in names}


def la_gss_code_for_name(name: str) -> str | None:
    """The upper-tier GSS code for a local authority name, or None if it cannot be told."""
    return la_gss_codes_for_names([name])[name]


def local_authority_name(area: Area | None, stated: str = "", *, default: str = "") -> str:
    """The name a local authority is shown by, on pages, exports and records alike: the ONS name
    of the authority it was matched to (its `Area`, keyed by GSS code) when there is one; else
    the name as its source stated it (Ofsted's list, an organisation's own name); else
    `default` ("Not known", "your local authority")."""
    if area is not None:
        return area.name
    return stated or default
