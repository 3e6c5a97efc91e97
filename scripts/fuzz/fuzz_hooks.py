"""Schemathesis hooks for `make fuzz` (SCHEMATHESIS_HOOKS=fuzz_hooks, with scripts/fuzz on the
path): a check that no response names another organisation's settings. FUZZ_FOREIGN_URNS is a
file with the URNs the role must never see, one a line (fuzz.py writes it for each role)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import schemathesis
from leaks import urns_leaked


@cache
def foreign() -> frozenset[str]:
    path = os.environ.get("FUZZ_FOREIGN_URNS", "")
    return frozenset(Path(path).read_text().split()) if path else frozenset()


@schemathesis.check
def no_other_organisations_data(ctx: Any, response: Any, case: Any) -> bool | None:
    request = response.request
    body = request.body or b""
    asked = str(request.url) + (body.decode(errors="replace") if isinstance(body, bytes) else body)
    leaked = urns_leaked(response.text or "", foreign=foreign(), asked=asked)
    if leaked:
        raise AssertionError(f"Names other organisations' settings: {', '.join(leaked[:10])}")
    return None
