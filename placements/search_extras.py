"""A hook for apps above placements to add lines to the search's result cards.

placements/ may not import brokerage/ (the import contract), yet the search shows what brokerage
knows: the prices local authorities agreed. So placements offers this small registry and
brokerage fills it from its AppConfig.ready(), as providers offers `setting_transferred` and
brokerage connects to it ("a lower app offers a hook, a higher app fills it").

An annotator takes the officer, the placement request, the page's matches (at most one page of
results) and today's date, and returns, per setting pk, the extra facts to show on that card.
It must work for the whole page at once (one or two queries, never one per result)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Extra:
    """One row of a result card's facts: a label, its lines of text and an id stem for tests."""

    key: str
    label: str
    lines: list[str] = field(default_factory=list)


Annotator = Callable[[Any, Any, Sequence[Any], dt.date], dict[int, list[Extra]]]

_annotators: list[Annotator] = []


def register(annotator: Annotator) -> Annotator:
    """Add `annotator` (once, however often the app registry is readied)."""
    if annotator not in _annotators:
        _annotators.append(annotator)
    return annotator


def annotate(
    actor: Any, placement_request: Any, matches: Sequence[Any], today: dt.date
) -> dict[int, list[Extra]]:
    """Every registered annotator's extras for `matches`, per setting pk, in registration order."""
    found: dict[int, list[Extra]] = {}
    if not matches:
        return found
    for annotator in _annotators:
        for pk, extras in annotator(actor, placement_request, matches, today).items():
            found.setdefault(pk, []).extend(extras)
    return found
