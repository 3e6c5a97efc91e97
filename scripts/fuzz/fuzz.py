"""`make fuzz`: schemathesis against the running app's OpenAPI schema, once for each role with
that role's real credentials, and a leak check on every response. Prints one JSON line.

    python scripts/fuzz/fuzz.py [--examples 10] [--seed N]

What it does:
1. scratch.py makes a scratch database (placement_fuzz) from the demo data and roles.py real
   credentials: two provider admins' API keys, a placement officer's key and signed-in session,
   the hub admin's session;
2. gunicorn serves the app with its production settings on 127.0.0.1 (API budgets raised, so
   the fuzzing measures the API, not its rate limits: tests/test_rate_limits.py checks those);
3. schemathesis (`st run`) fuzzes every operation of /api/schema/ for each role and anonymously,
   with the checks below, and fuzz_hooks.py's `no_other_organisations_data` on every response;
4. a post-pass asks, for each role, for what it must not have: another provider's settings in
   its lists, another provider's referrals, another local authority's placement request,
   another region's framework.

Exit status 0 only when there is no failure and no leak. Reports per role go to var/fuzz/.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scratch  # noqa: E402
from leaks import unexpected_urns, urns_leaked  # noqa: E402

ROOT = scratch.ROOT
OUT = ROOT / "var" / "fuzz"
SCHEMATHESIS = str(ROOT / ".venv" / "bin" / "st")
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "no_other_organisations_data",
]


def role_headers(roles: dict[str, Any], sessions: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Each fuzzed role: its request headers and the URNs it must never be shown."""
    every_run = sorted({urn for p in roles["providers"] for urn in p["urns"]})

    def cookie(email: str) -> str:
        return "; ".join(f"{name}={value}" for name, value in sessions[email].items())

    out: dict[str, Any] = {}
    for n, provider in enumerate(roles["providers"], 1):
        out[f"provider{n}"] = {
            "headers": [f"Authorization: Bearer {provider['key']}"],
            "foreign": provider["foreign_urns"],
        }
    officer = roles["officers"][0]
    out["officer"] = {
        "headers": [
            f"Authorization: Bearer {officer['key']}",
            f"Cookie: {cookie(officer['email'])}",
        ],
        "foreign": [],
    }
    out["hub_admin"] = {
        "headers": [f"Cookie: {cookie(roles['hub_admin']['email'])}"],
        "foreign": [],
    }
    out["anonymous"] = {"headers": [], "foreign": every_run}
    # The check's own proof: the first provider with its own settings counted as another's.
    # This role must find leaks; a run where it finds none has a broken check, and fails.
    first = roles["providers"][0]
    out["canary"] = {"headers": out["provider1"]["headers"], "foreign": first["urns"]}
    return out


def fuzz_role(
    base: str, name: str, role: dict[str, Any], args: argparse.Namespace
) -> dict[str, Any]:
    OUT.mkdir(parents=True, exist_ok=True)
    foreign = OUT / f"{name}.foreign"
    foreign.write_text("\n".join(role["foreign"]))
    report = OUT / f"{name}.json"
    report.unlink(missing_ok=True)
    argv = [
        SCHEMATHESIS,
        "run",
        base + "/api/schema/",
        "--url",
        base,
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(args.examples),
        "--seed",
        str(args.seed),
        "--no-shrink",
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--generation-database",
        "none",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--no-color",
    ]
    for header in role["headers"]:
        argv += ["-H", header]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "fuzz_hooks",
        "PYTHONPATH": str(Path(__file__).resolve().parent),
        "FUZZ_FOREIGN_URNS": str(foreign),
    }
    with (OUT / f"{name}.log").open("w") as log:
        subprocess.run(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
    if not report.exists():
        raise SystemExit(f"schemathesis wrote no report for {name}: see {OUT / (name + '.log')}")
    return summarise(json.loads(report.read_text()))


def summarise(report: dict[str, Any]) -> dict[str, Any]:
    """The figures of one schemathesis JSON report that `make fuzz` prints: a leak is a failure
    of fuzz_hooks.py's check, a server error schemathesis's own ServerError."""
    failures = report.get("failures", [])

    def count(match: Any) -> int:
        return sum(f["count"] for f in failures if match(f))

    return {
        "operations": report["operations"]["tested"],
        "cases": report["test_cases"]["generated"],
        "failures": count(lambda f: True),
        "server_errors": count(lambda f: f["type"] == "ServerError"),
        "leaks": count(lambda f: "no_other_organisations_data" in f["title"]),
        "failed": sorted(f"{f['title']}: {op}" for f in failures for op in f["operations"]),
        "errors": len(report.get("errors", [])),
        "seconds": round(report["running_time"], 1),
    }


def get(base: str, path: str, headers: list[str]) -> tuple[int, str]:
    request = urllib.request.Request(base + path)  # noqa: S310 (http://127.0.0.1 only)
    for header in headers:
        name, value = header.split(": ", 1)
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def providers_leaks(base: str, roles: dict[str, Any], fuzzed: dict[str, Any]) -> list[str]:
    """Each provider's lists name only its own settings; another's settings are not found."""
    leaks: list[str] = []
    for n, provider in enumerate(roles["providers"], 1):
        headers = fuzzed[f"provider{n}"]["headers"]
        for path in ["/api/v1/settings/", "/api/v1/framework-memberships/", "/api/v1/referrals/"]:
            _, text = get(base, path, headers)
            if extra := unexpected_urns(text, own=provider["urns"]):
                leaks.append(f"provider{n} {path} names {extra[:5]}")
        for urn in provider["foreign_urns"][:10]:
            for path in [f"/api/v1/settings/{urn}/", f"/api/v1/settings/{urn}/vacancy/"]:
                status, text = get(base, path, headers)
                if status != 404 or urns_leaked(text, foreign=[urn], asked=""):
                    leaks.append(f"provider{n} {path} answered {status}")
    # The referrals sent to provider 1 are not found by provider 2, nor their threads.
    headers = fuzzed["provider2"]["headers"]
    for pk in roles["referral_ids"][:5]:
        for path in [f"/api/v1/referrals/{pk}/", f"/api/v1/referrals/{pk}/messages/"]:
            status, _ = get(base, path, headers)
            if status != 404:
                leaks.append(f"provider2 {path} (provider 1's) answered {status}")
    return leaks


def regions_leaks(base: str, roles: dict[str, Any], fuzzed: dict[str, Any]) -> list[str]:
    """An officer reads no other LA's request; officer and hub admin no other region's
    framework, in the list or by its id."""
    leaks: list[str] = []
    officer = fuzzed["officer"]["headers"]
    for pk in roles["other_las_requests"][:10]:
        status, _ = get(base, f"/api/v1/placement-requests/{pk}/matches/", officer)
        if status != 404:
            leaks.append(f"officer: another LA's request {pk} answered {status}")
    others = roles["other_regions_frameworks"]
    for name in ["officer", "hub_admin"]:
        status, text = get(base, "/api/v1/frameworks/", fuzzed[name]["headers"])
        seen = {item["id"] for item in json.loads(text)} if status == 200 else set()
        if seen & set(others):
            leaks.append(f"{name}: another region's frameworks {sorted(seen & set(others))}")
        for pk in others[:5]:
            status, _ = get(base, f"/api/v1/frameworks/{pk}/", fuzzed[name]["headers"])
            if status != 404:
                leaks.append(f"{name}: another region's framework {pk} answered {status}")
    return leaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=10, help="cases per operation and phase")
    parser.add_argument("--seed", type=int, default=20261204)
    parser.add_argument("--database", default="placement_fuzz")
    parser.add_argument("--redis-db", type=int, default=14)
    parser.add_argument("--reuse", action="store_true", help="keep the last run's database")
    args = parser.parse_args()

    started = time.monotonic()
    box = scratch.Scratch(args.database, args.redis_db)
    roles = box.prepare(requests=40, providers=2, officers=1, referrals=5, reuse=args.reuse)
    prepared = time.monotonic() - started
    gunicorn = scratch.Gunicorn()
    budgets = {
        "API_RATE_LIMIT": "1000000/hour",
        "API_USER_RATE_LIMIT": "1000000/hour",
        "API_ANON_RATE_LIMIT": "1000000/hour",
        "API_SEARCH_RATE_LIMIT": "1000000/hour",
    }
    with scratch.serve(box, gunicorn, log_name="fuzz-gunicorn", **budgets) as base:
        emails = [roles["officers"][0]["email"], roles["hub_admin"]["email"]]
        sessions = {email: scratch.sign_in(base, email, roles["password"]) for email in emails}
        fuzzed = role_headers(roles, sessions)
        results = {name: fuzz_role(base, name, role, args) for name, role in fuzzed.items()}
        leaks = providers_leaks(base, roles, fuzzed) + regions_leaks(base, roles, fuzzed)
    canary = results.pop("canary")
    line = {
        "fuzz": "schemathesis",
        "schemathesis": subprocess.run(
            [SCHEMATHESIS, "--version"], capture_output=True, text=True, check=False
        ).stdout.split()[-1],
        "seed": args.seed,
        "reused_database": args.reuse,
        "examples_per_operation": args.examples,
        "checks": CHECKS,
        "roles": {
            name: {k: v for k, v in r.items() if k != "failed"} for name, r in results.items()
        },
        "operations": max(r["operations"] for r in results.values()),
        "cases": sum(r["cases"] for r in results.values()),
        "failures": sum(r["failures"] for r in results.values()),
        "server_errors": sum(r["server_errors"] for r in results.values()),
        "errors": sum(r["errors"] for r in results.values()),
        "leaks": sum(r["leaks"] for r in results.values()) + len(leaks),
        "post_pass_leaks": leaks,
        "canary_leaks_found": canary["leaks"],
        "failed": sorted({f for r in results.values() for f in r["failed"]}),
        "prepare_seconds": round(prepared, 1),
        "seconds": round(time.monotonic() - started, 1),
        "gunicorn": gunicorn.settings(box.env(production=True)),
    }
    print(json.dumps(line))
    broken = line["failures"] or line["leaks"] or line["errors"] or not canary["leaks"]
    sys.exit(1 if broken else 0)


if __name__ == "__main__":
    main()
