"""The leak check of `make fuzz`: no response to one organisation's credentials names a setting
another provider organisation runs, nor another local authority's placement request.

Pure functions, so that tests/test_proof_drivers.py can try them on real responses; fuzz_hooks.py
runs `urns_leaked` on every response schemathesis gets, and fuzz.py's post-pass on every list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# An Ofsted URN as a JSON string: SC and six digits, or seven digits (the newer numbering).
URN_IN_JSON = re.compile(r'"(SC[0-9]{6}|[0-9]{7})"')


def urns_in(text: str) -> set[str]:
    return set(URN_IN_JSON.findall(text))


def urns_leaked(text: str, *, foreign: Iterable[str], asked: str = "") -> list[str]:
    """The other organisations' URNs a response names, except any the request itself sent (a
    404 may say which URN it did not find: that tells nothing the caller did not know)."""
    asked_for = {urn.upper() for urn in re.findall(r"SC[0-9]{6}|[0-9]{7}", asked, re.I)}
    return sorted((urns_in(text) & set(foreign)) - asked_for)


def unexpected_urns(text: str, *, own: Iterable[str]) -> list[str]:
    """Every URN a provider-key response names that its organisation does not run (for the
    lists, which name only the caller's own settings)."""
    return sorted(urns_in(text) - set(own))
