"""Every yearly Ofsted release, each imported (as a preview) into a database holding only the
boundaries: the row counts the files have, and only the problems that are really in them.

The releases here are ../shared/data/ofsted (2016, 2018, 2024, 2025). Set OFSTED_RELEASES_DIR to
a folder of more years (Ofsted's releases 2015-2025, named provider_at_march_YYYY.csv) to run
the same test on each of them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from providers.services import ofsted_import, source_read
from tests.providers.ofsted_files import DATA

FOLDER = Path(os.environ.get("OFSTED_RELEASES_DIR") or DATA / "ofsted")
RELEASES = sorted(FOLDER.glob("provider_at_march_20[12][0-9].csv")) if FOLDER.is_dir() else []

# Rows in each file under its header that are providers (counted in the files; the README of
# ../shared/data gives 2016, 2018, 2024 and 2025).
ROWS = {
    2015: 2605,
    2016: 2647,
    2017: 2688,
    2018: 2797,
    2019: 2864,
    2020: 2971,
    2021: 3402,
    2022: 3576,
    2023: 3546,
    2024: 3876,
    2025: 5600,
}
# The real problems: 2015 lists four secure training centres under six-digit URNs (their old
# education URNs), which are not social care URNs; later lists give them seven-digit ones.
PROBLEMS = {2015: {"128768", "128851", "128932", "129050"}}
# Rows that are not settings: Cafcass, on the 2018 list.
SKIPPED = {2018: 1}


@pytest.mark.skipif(not RELEASES, reason="no Ofsted releases here")
@pytest.mark.parametrize("path", RELEASES, ids=[p.stem[-4:] for p in RELEASES])
def test_each_release_imports_with_only_its_real_problems(boundaries, path):
    year = int(path.stem[-4:])
    record, summary = ofsted_import(source=source_read(path), commit=False, origin="command")
    assert record.as_at.year == year
    assert summary.rows == ROWS[year]
    assert summary.skipped == SKIPPED.get(year, 0)
    assert summary.rejected == len(PROBLEMS.get(year, ()))
    expected = PROBLEMS.get(year, set())
    assert len(summary.errors) == len(expected)
    assert all(any(urn in str(error["message"]) for urn in expected) for error in summary.errors), (
        summary.errors
    )
    # Every setting has today's authority, or a note saying why not.
    assert "unknown" not in summary.local_authorities
    assert (
        sum(summary.local_authorities.values()) == summary.rows - summary.rejected - summary.skipped
    )


@pytest.mark.skipif(len(RELEASES) < 4, reason="not all the releases are here")
def test_all_releases_together_have_at_most_fifty_problems(boundaries):
    total = 0
    for path in RELEASES:
        _, summary = ofsted_import(source=source_read(path), commit=False, origin="command")
        total += len(summary.errors)
    assert total <= 50
    assert total == sum(len(PROBLEMS.get(int(p.stem[-4:]), ())) for p in RELEASES)
