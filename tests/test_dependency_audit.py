"""`make audit`'s verdict from pip-audit's report: a package pip-audit skipped is audited from
PyPI's list for its newest release only when it is pinned at that release, and counted as not
audited otherwise, never as clean."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location(
    "dependencies_audit", ROOT / "scripts" / "audit" / "dependencies.py"
)
assert spec and spec.loader
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)


def test_pins_read_the_exported_lock(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        "# via uv export\nDjango==5.2.19\n    # via placement-finder\n"
        "python_dateutil==2.9.0.post0 ; python_full_version >= '3.12'\n"
    )
    assert audit.pins(requirements) == {"django": "5.2.19", "python-dateutil": "2.9.0.post0"}


def test_skipped_packages_are_audited_only_at_their_newest_release():
    newest = {"celery": ("5.5.3", ["GHSA-xxxx"]), "redis": ("6.0.0", [])}

    def lookup(name, version):
        release, ids = newest[name]
        return ids if version == release else None

    report = [
        {"name": "openpyxl", "version": "3.1.5", "vulns": [{"id": "PYSEC-1"}]},
        {"name": "celery", "skip_reason": "not found on PyPI"},
        {"name": "redis", "skip_reason": "not found on PyPI"},
    ]
    summary = audit.summarise(report, {"celery": "5.5.3", "redis": "5.2.1"}, lookup)
    assert summary["packages"] == 3
    assert summary["audited"] == 2
    assert summary["not_audited_names"] == ["redis==5.2.1"]
    assert summary["found"] == ["openpyxl==3.1.5: PYSEC-1", "celery==5.5.3: GHSA-xxxx"]
