"""Every URL name the code and templates use is namespaced ("app:name") and exists, and the
addresses people know have not moved."""

import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "accounts",
    "brokerage",
    "commissioning",
    "common",
    "config",
    "demo",
    "geo",
    "insight",
    "placements",
    "providers",
)
TEMPLATE_DIRS = ("templates", *(f"{app}/templates" for app in APPS))

TEMPLATE_URL = re.compile(r"""\{%\s*url\s+["']([^"']+)["']""")
PY_URL = re.compile(
    r"""\b(?:reverse|reverse_lazy|redirect|resolve_url)\(\s*["']([A-Za-z_][\w:-]*)["']"""
)


def _names(patterns, namespace: str = "") -> set[str]:
    found: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = pattern.namespace or namespace
            found |= _names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return found


def _used(paths, regex) -> list[tuple[str, str]]:
    return [
        (str(path.relative_to(ROOT)), name)
        for path in paths
        for name in regex.findall(path.read_text())
    ]


def _template_files():
    for folder in TEMPLATE_DIRS:
        for suffix in ("*.html", "*.txt"):
            yield from (ROOT / folder).rglob(suffix)


def _python_files():
    for app in (*APPS, "tests"):
        yield from (ROOT / app).rglob("*.py")


def test_every_url_name_belongs_to_an_app_namespace():
    names = _names(get_resolver().url_patterns)
    assert {name for name in names if ":" not in name} == {"healthz"}
    assert {name.split(":")[0] for name in names} - {"healthz"} == {
        "accounts",
        "api",
        "brokerage",
        "commissioning",
        "insight",
        "placements",
        "providers",
    }


def test_templates_only_use_namespaced_names_that_exist():
    names = _names(get_resolver().url_patterns)
    used = _used(_template_files(), TEMPLATE_URL)
    assert len(used) > 100  # the scan found the templates
    assert [(path, name) for path, name in used if name not in names] == []


def test_python_only_reverses_namespaced_names_that_exist():
    names = _names(get_resolver().url_patterns) | {"admin:index"}
    used = _used(_python_files(), PY_URL)
    assert len(used) > 100
    assert [(path, name) for path, name in used if name not in names] == []


def test_auth_settings_name_namespaced_pages(settings):
    assert reverse(settings.LOGIN_URL) == "/sign-in/"
    assert reverse(settings.LOGIN_REDIRECT_URL) == "/"
    assert reverse(settings.LOGOUT_REDIRECT_URL) == "/sign-in/"


@pytest.mark.parametrize(
    ("name", "kwargs", "path"),
    [
        ("providers:vacancy_link", {"token": "abc"}, "/vacancy/abc/"),
        ("providers:api_token_list", {}, "/providers/api-tokens/"),
        ("providers:household_list", {"urn": "SC123456"}, "/providers/SC123456/households/"),
        ("providers:ofsted_import_list", {}, "/providers/imports/"),
        ("providers:ofsted_import_detail", {"pk": 3}, "/providers/imports/3/"),
        ("providers:setting_detail", {"urn": "SC123456"}, "/providers/SC123456/"),
        ("providers:provider_settings", {}, "/providers/yours/"),
        ("placements:placement_request_list", {}, "/placements/"),
        ("placements:placement_search", {"pk": 4}, "/placements/4/search/"),
        ("brokerage:placement_request_detail", {"pk": 4}, "/placements/4/"),
        ("brokerage:referral_overview", {"pk": 4}, "/placements/4/referrals/"),
        ("brokerage:la_referral_list", {}, "/placements/referrals/"),
        ("brokerage:region_demand", {}, "/placements/region/"),
        ("brokerage:referral_detail", {"pk": 5}, "/referrals/5/"),
        ("brokerage:home", {}, "/"),
        ("brokerage:notification_preferences", {}, "/account/notifications/"),
        ("accounts:account", {}, "/account/"),
        ("accounts:login", {}, "/sign-in/"),
        ("accounts:user_detail", {"pk": 6}, "/users/6/"),
        ("insight:dashboard", {"slug": "distance"}, "/insight/distance/"),
        ("api:api_setting-list", {}, "/api/v1/settings/"),
        ("api:api_docs", {}, "/api/docs/"),
    ],
)
def test_addresses_stay_where_people_know_them(name, kwargs, path):
    assert reverse(name, kwargs=kwargs) == path


def test_prefixes_shared_by_two_apps_still_reach_each_page():
    assert resolve("/providers/imports/").view_name == "providers:ofsted_import_list"
    assert resolve("/providers/SC123456/").view_name == "providers:setting_detail"
    assert resolve("/placements/referrals/").view_name == "brokerage:la_referral_list"


REFERRAL = SimpleNamespace(
    pk=5,
    request_id=4,
    deadline=datetime(2026, 3, 2, 12, 14, tzinfo=UTC),
    setting=SimpleNamespace(urn="SC123456"),
)


@pytest.mark.parametrize(
    ("template", "context", "link"),
    [
        ("brokerage/email/referral_received.txt", {"referral": REFERRAL}, "/referrals/5/"),
        ("brokerage/email/referral_reminder.txt", {"referral": REFERRAL}, "/referrals/5/"),
        ("brokerage/email/referral_message.txt", {"referral": REFERRAL}, "/referrals/5/"),
        ("brokerage/email/referral_placed.txt", {"referral": REFERRAL}, "/referrals/5/"),
        ("brokerage/email/referral_expired_provider.txt", {"referral": REFERRAL}, "/referrals/5/"),
        (
            "brokerage/email/referral_expired_officer.txt",
            {"referral": REFERRAL},
            "/placements/4/referrals/",
        ),
        (
            "brokerage/email/referral_answered.txt",
            {"referral": REFERRAL},
            "/placements/4/referrals/",
        ),
        (
            "brokerage/email/digest.txt",
            {"notifications": [SimpleNamespace(referral_id=5, subject="A referral")]},
            "/referrals/5/",
        ),
        (
            "providers/email/setting_transferred_to.txt",
            {"setting": REFERRAL.setting},
            "/providers/SC123456/manage/",
        ),
        (
            "providers/email/ofsted_digest.txt",
            {"events": [SimpleNamespace(setting=REFERRAL.setting)]},
            "/providers/SC123456/",
        ),
    ],
)
def test_email_links_are_the_pages_addresses(template, context, link):
    text = render_to_string(template, {**context, "site_url": "https://placements.example"})
    assert f"https://placements.example{link}" in text


HARD_CODED = re.compile(
    r"""(["'=]|\{\{ site_url \}\})/(placements|referrals|providers|vacancy|users|region|account"""
    r"""|password|invitations|sign-in|sign-out)/"""
)


def test_no_page_address_is_written_out_by_hand():
    """Links are reversed from their names, so moving a page cannot leave a link behind."""
    files = [
        path
        for path in (*_python_files(), *_template_files())
        if not str(path.relative_to(ROOT)).startswith("tests/")
    ]
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if HARD_CODED.search(line)
    ]
    assert found == []
