"""The dependency audit `make audit` (and so `make test`) runs: every package the lock file pins,
checked for known vulnerabilities; one JSON line, and exit 1 if any is found.

pip-audit asks PyPI about each pinned version (/pypi/<name>/<version>/json). Where PyPI answers
that, pip-audit's verdict stands. Where it does not (on these machines every such address
answers 404, so pip-audit skips the package and still says "No known vulnerabilities found"),
PyPI's page for the project (/pypi/<name>/json) lists the vulnerabilities of its newest release:
a package pinned at its newest release is audited from that; any other is counted as not
audited, by name, never as clean.

    python scripts/audit/dependencies.py REQUIREMENTS [--strict]
    (REQUIREMENTS: `uv export --frozen --format requirements-txt --no-hashes`; --strict: a
    package that could not be audited fails too)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

PYPI = "https://pypi.org/pypi/{name}/json"
TIMEOUT = 20


def pip_audit(requirements: Path, folder: Path) -> list[dict]:
    report = folder / "audit.json"
    subprocess.run(
        [sys.executable, "-m", "pip_audit", "-r", str(requirements), "--no-deps", "--disable-pip",
         "-f", "json", "-o", str(report)],
        check=False, capture_output=True, text=True,
    )  # fmt: skip
    if not report.exists():
        return []
    return list(json.loads(report.read_text()).get("dependencies", []))


def newest_release_vulnerabilities(name: str, version: str) -> list[str] | None:
    """The vulnerabilities PyPI lists for `name` when `version` is its newest release; None when
    it is not (or PyPI cannot be asked): not audited."""
    try:
        with urllib.request.urlopen(PYPI.format(name=name), timeout=TIMEOUT) as response:  # noqa: S310
            page = json.load(response)
    except OSError:
        return None
    if page.get("info", {}).get("version") != version:
        return None
    return [v.get("id", "?") for v in page.get("vulnerabilities") or []]


def pins(requirements: Path) -> dict[str, str]:
    """name (normalised) -> the pinned version, from an exported requirements file."""
    found = {}
    for line in requirements.read_text().splitlines():
        line = line.split(";")[0].split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            found[normalise(name)] = version.strip()
    return found


def normalise(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(".", "-")


def summarise(
    dependencies: list[dict], pinned: dict[str, str], lookup=newest_release_vulnerabilities
) -> dict:
    audited, unaudited, found = 0, [], []
    for dependency in dependencies:
        name = dependency["name"]
        version = dependency.get("version") or pinned.get(normalise(name), "")
        if "skip_reason" not in dependency:
            audited += 1
            found += [f"{name}=={version}: {v['id']}" for v in dependency.get("vulns", [])]
            continue
        ids = lookup(name, version) if version else None
        if ids is None:
            unaudited.append(f"{name}=={version}")
            continue
        audited += 1
        found += [f"{name}=={version}: {i}" for i in ids]
    return {
        "audit": "dependencies",
        "packages": len(dependencies),
        "audited": audited,
        "not_audited": len(unaudited),
        "vulnerabilities": len(found),
        "found": found,
        "not_audited_names": unaudited,
    }


def main() -> int:
    strict = "--strict" in sys.argv[1:]
    requirements = Path(next(a for a in sys.argv[1:] if not a.startswith("--")))
    with tempfile.TemporaryDirectory() as folder:
        summary = summarise(pip_audit(requirements, Path(folder)), pins(requirements))
    print(json.dumps(summary))
    return 1 if summary["vulnerabilities"] or (strict and summary["not_audited"]) else 0


if __name__ == "__main__":
    raise SystemExit(main())
