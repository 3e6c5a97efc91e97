"""One time format everywhere: "12:14pm" (common/formats.py), never Django's "12:14 p.m.".

Two halves: no template or Python text formats a time with Django's own formats (which give
"a.m."/"p.m."), and the pages and text that show a time, rendered, say "pm".
"""

from __future__ import annotations

import ast
import re
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from brokerage.referral_views import deadline_text
from providers.models import ApiToken, OfstedImport

ROOT = Path(settings.BASE_DIR)
SKIP = {".venv", "node_modules", "static", "var", "tests", ".git", "staticfiles"}
# Django date-format characters that write a time (or a whole date-time) rather than a day.
TIME_CHARS = set("aABfgGhHisuPeIOTZcrU")
FILTER = re.compile(r"\|\s*(date|time)\b(?:\s*:\s*(\"[^\"]*\"|'[^']*'))?")
# A datetime these tests render: 12:14 in the afternoon in London (GMT in November).
AFTERNOON = timezone.make_aware(datetime(2026, 11, 24, 12, 14))


def _project_files(*suffixes: str) -> list[Path]:
    return [
        path
        for path in ROOT.rglob("*")
        if path.suffix in suffixes
        and not SKIP.intersection(path.relative_to(ROOT).parts)
        and path.is_file()
    ]


def _writes_a_time(day_format: str) -> bool:
    plain = re.sub(r"\\.", "", day_format)  # backslash-escaped characters are literal
    return bool(TIME_CHARS.intersection(plain))


def test_no_template_formats_a_time_with_djangos_filters():
    found = []
    for path in _project_files(".html", ".txt"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for match in FILTER.finditer(line):
                name, argument = match.groups()
                if name == "time" or (argument and _writes_a_time(argument[1:-1])):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {match.group(0)}")
    assert found == [], "use govuk_time / govuk_datetime instead:\n" + "\n".join(found)


def test_no_python_text_formats_a_time_with_djangos_formats():
    found = []
    for path in _project_files(".py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name == "time_format":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if name not in {"date_format", "date_filter"}:
                continue
            arguments = node.args[1:2] + [k.value for k in node.keywords if k.arg == "format"]
            if any(
                isinstance(arg, ast.Constant) and _writes_a_time(str(arg.value))
                for arg in arguments
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == [], "use common.formats.govuk_datetime instead:\n" + "\n".join(found)


def test_the_fallback_formats_never_write_am_or_pm():
    assert not {"a", "A", "P"} & set(settings.DATETIME_FORMAT + settings.TIME_FORMAT)


def test_a_referral_deadline_in_text():
    assert deadline_text(AFTERNOON, AFTERNOON + timedelta(hours=1)) == (
        "Passed (24 Nov 2026, 12:14pm)"
    )
    assert deadline_text(AFTERNOON, AFTERNOON - timedelta(days=2)) == "24 Nov 2026, 12:14pm"


@pytest.mark.django_db
def test_pages_with_times_say_pm(world, client):
    ApiToken.objects.create(
        organisation=world.provider_a1,
        name="Our care system",
        key_prefix="pf_abcde",
        key_sha256="0" * 64,
        last_used_at=AFTERNOON,
    )
    client.force_login(world.user("provider_a1", Role.PROVIDER_ADMIN))
    tokens = client.get(reverse("providers:api_token_list")).content.decode()
    assert "24 Nov 2026, 12:14pm" in tokens

    record = OfstedImport.objects.create(
        source="ofsted.xlsx", origin="upload", status="failed", content_sha256="1" * 64
    )
    OfstedImport.objects.filter(pk=record.pk).update(created_at=AFTERNOON)
    client.force_login(world.user("hub_a", Role.HUB_ADMIN))
    imports = client.get(reverse("providers:ofsted_import_list")).content.decode()
    assert "24 Nov 2026, 12:14pm" in imports
    for page in (tokens, imports):
        assert "a.m." not in page and "p.m." not in page


@pytest.mark.parametrize(
    "template",
    [
        "brokerage/email/referral_received.txt",
        "brokerage/email/referral_reminder.txt",
        "brokerage/email/referral_expired_officer.txt",
    ],
)
def test_emails_with_a_deadline_say_pm(template):
    referral = SimpleNamespace(
        pk=1,
        request_id=2,
        deadline=AFTERNOON,
        setting=SimpleNamespace(display_name="Oak House", urn="SC000001"),
        request=SimpleNamespace(reference="LAC-1", organisation=SimpleNamespace(name="Rutland")),
    )
    text = render_to_string(template, {"referral": referral, "site_url": "http://testserver"})
    assert "12:14pm" in text
    assert "a.m." not in text and "p.m." not in text
