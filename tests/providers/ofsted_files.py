"""Ofsted list files for tests: the real releases, and small files with the real 2025 header."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.conf import settings

DATA = Path(settings.BASE_DIR).parent / "shared" / "data"
LIST_2025 = DATA / "ofsted" / "provider_at_march_2025.csv"
LIST_2024 = DATA / "ofsted" / "provider_at_march_2024.csv"
ODS_2025 = DATA / "ofsted" / "provider_at_march_2025.ods"
UTLA = DATA / "boundaries" / "england_utla_2025_bsc.geojson"


def small_csv(tmp_path: Path, rows: list[dict[str, str]], name: str = "small.csv") -> Path:
    """A file with the real 2025 title lines and header, and rows we write."""
    lines = LIST_2025.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    head = "".join(lines[:3])
    header = next(csv.reader(io.StringIO("".join(lines[3:]))))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column.strip(), "") for column in header])
    path = tmp_path / name
    path.write_text(head + out.getvalue(), encoding="utf-8")
    return path


def row(urn: str, **fields: str) -> dict[str, str]:
    base = {
        "URN": urn,
        "Provision type": "Children's home",
        "Registration status": "Active",
        "Name": "REDACTED",
        "Local authority": "Rutland",
        "Places": "3",
        "Organisation which owns the provider": "Oak Ltd",
    }
    base.update(fields)
    return base


def region_with_cumbrias_successors(name: str = "North West"):
    """A region whose member LAs are Cumberland and Westmorland and Furness (boundaries loaded),
    the two authorities Cumbria was split into in 2023."""
    from accounts.models import Organisation
    from geo.models import Area
    from tests.factories import OrganisationFactory, RegionFactory

    region = RegionFactory(name=name)
    for area in Area.objects.filter(gss_code__in=["E06000063", "E06000064"]):
        OrganisationFactory(
            region=region,
            kind=Organisation.Kind.LOCAL_AUTHORITY,
            area=area,
            gss_code=area.gss_code,
            name=area.name,
        )
    return region
