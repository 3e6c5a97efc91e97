"""The DfE's national figures on distance from home, loaded from its published CSV
(`national_cla_on_31_march_by_placement_distance_and_placement_locality.csv`, OGL v3), read from a
path or URL when loaded: the figures are never copied into the code."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from insight.models import DistanceBand, NationalDistance
from providers.models import Accommodation
from providers.services import source_read

BANDS = {
    "1. 20 miles or less": DistanceBand.WITHIN_20,
    "1.i 20 miles or less inside LA boundary": DistanceBand.WITHIN_20_INSIDE,
    "1.ii 20 miles or less outside LA boundary": DistanceBand.WITHIN_20_OUTSIDE,
    "2. Over 20 miles": DistanceBand.OVER_20,
    "2.i Over 20 miles inside LA boundary": DistanceBand.OVER_20_INSIDE,
    "2.ii Over 20 miles outside LA boundary": DistanceBand.OVER_20_OUTSIDE,
    "Distance not known or not recorded": DistanceBand.NOT_KNOWN,
    "Total": DistanceBand.TOTAL,
}
ALL_CHILDREN = "All children"
# The DfE's groups this service has a kind of placement for.
ACCOMMODATION_OF_GROUP = {
    "Foster placements": Accommodation.FOSTER,
    "Secure homes and children's homes": Accommodation.RESIDENTIAL,
    "Independent and semi-independent living arrangements/ supported accommodation": (
        Accommodation.SUPPORTED
    ),
}
COLUMNS = {"time_period", "geographic_level", "cla_group", "characteristic", "number", "percentage"}


class NationalFileError(ValueError):
    """The file is not the DfE's distance table: nothing was loaded."""


@dataclass
class NationalLoad:
    years: list[int] = field(default_factory=list)
    figures: int = 0
    suppressed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"years": self.years, "figures": self.figures, "suppressed": self.suppressed}


def _whole(text: str) -> int | None:
    """A published figure, or None where the DfE shows a symbol instead (c, k, x, z, low)."""
    cleaned = text.strip().replace(",", "")
    return int(cleaned) if cleaned.isdigit() else None


def national_distance_load(*, source: str) -> NationalLoad:
    """Replace the national figures for each year in the file with the file's. All or nothing:
    a file with an unknown band or without the DfE's columns loads nothing."""
    text = source_read(source).data.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    missing = COLUMNS - set(reader.fieldnames or [])
    if missing:
        absent = ", ".join(sorted(missing))
        raise NationalFileError(f"{source} is not the DfE's distance table: it has no {absent}")
    figures: list[NationalDistance] = []
    for line, row in enumerate(reader, start=2):
        if row["geographic_level"] != "National":
            continue
        band = BANDS.get(row["characteristic"].strip())
        if band is None:
            raise NationalFileError(
                f"Line {line}: unknown distance band {row['characteristic']!r}; nothing was loaded"
            )
        year = _whole(row["time_period"])
        if year is None:
            raise NationalFileError(f"Line {line}: the year {row['time_period']!r} is not a year")
        group = row["cla_group"].strip()
        figures.append(
            NationalDistance(
                year=year,
                group=group,
                accommodation=ACCOMMODATION_OF_GROUP.get(group, ""),
                band=band,
                number=_whole(row["number"]),
                percentage=_whole(row["percentage"]),
                source=source,
            )
        )
    if not figures:
        raise NationalFileError(f"{source} has no national figures")
    years = sorted({figure.year for figure in figures})
    with transaction.atomic():
        NationalDistance.objects.filter(year__in=years).delete()
        NationalDistance.objects.bulk_create(figures)
    suppressed = sum(1 for f in figures if f.number is None or f.percentage is None)
    return NationalLoad(years=years, figures=len(figures), suppressed=suppressed)
