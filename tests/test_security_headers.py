"""Headers, cookies and CSRF as production sends them (config.settings.production, in its own
process with only the environment production would have, as tests/test_settings.py runs it),
and CSRF refusals on real forms in this process."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from tests.factories import PASSWORD
from tests.test_settings import PRODUCTION_ENV, _manage

HOST = "placements.example.gov.uk"

# Runs inside `manage.py shell` with the production settings: real responses from the real
# middleware, printed as JSON. No database: the pages fetched need none. Static files are named
# without collectstatic's manifest (which a test run has not built); nothing else is changed.
PROBE = f"""
import json
from django.conf import settings
from django.test import Client, override_settings

override_settings(STORAGES={{
    **settings.STORAGES,
    "staticfiles": {{"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
}}).enable()

def seen(response):
    cookies = {{
        name: {{k: v for k, v in morsel.items() if v != ""}}
        for name, morsel in response.cookies.items()
    }}
    return {{"status": response.status_code, "headers": dict(response.items()), "cookies": cookies}}

# Behind the proxy, as production runs: it terminates TLS and says so in X-Forwarded-Proto.
HTTPS = dict(HTTP_HOST="{HOST}", HTTP_X_FORWARDED_PROTO="https")
secure = Client(**HTTPS)
sign_in = secure.get("/sign-in/")
result = {{
    "sign_in": seen(sign_in),
    "api_schema": seen(secure.get("/api/schema/?format=json")),
    "plain_http": seen(Client(HTTP_HOST="{HOST}").get("/sign-in/")),
    "sign_in_post_without_token": seen(
        Client(**HTTPS, enforce_csrf_checks=True).post(
            "/sign-in/", {{"username": "a@example.org", "password": "x"}}
        )
    ),
    "settings": {{
        name: getattr(settings, name)
        for name in (
            "SESSION_COOKIE_AGE", "SESSION_EXPIRE_AT_BROWSER_CLOSE", "SESSION_COOKIE_SECURE",
            "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "SESSION_COOKIE_NAME",
            "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "CSRF_TRUSTED_ORIGINS", "DEBUG",
        )
    }},
    "throttle_rates": settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
}}
print("PROBE" + json.dumps(result))
"""


def _probe(**env: str) -> dict:
    # The tests' own Redis, for the API's throttle counts.
    redis = {"REDIS_URL": settings.CACHES["default"]["LOCATION"]}
    result = _manage("shell", "-c", PROBE, env={**PRODUCTION_ENV, **redis, **env})
    assert result.returncode == 0, result.stdout + result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("PROBE")]
    return json.loads(line.removeprefix("PROBE"))


@pytest.fixture(scope="module")
def production() -> dict:
    return _probe(API_RATE_LIMIT="5000/minute", API_USER_RATE_LIMIT="4000/minute")


def _policy(header: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (p.split() for p in header.split(";") if p.strip())}


def test_plain_http_is_sent_to_https(production):
    response = production["plain_http"]
    assert response["status"] == 301
    assert response["headers"]["Location"] == f"https://{HOST}/sign-in/"


def test_html_pages_have_the_protective_headers(production):
    response = production["sign_in"]
    headers = response["headers"]
    assert response["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_html_pages_have_a_csp_with_a_nonce_and_no_inline_script(production):
    headers = production["sign_in"]["headers"]
    policy = _policy(headers["Content-Security-Policy"])
    script = policy["script-src"]
    assert script[0] == "'self'"
    assert len([s for s in script if re.fullmatch(r"'nonce-[A-Za-z0-9+/=_-]{16,}'", s)]) == 1
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    # The API's JSON has the same headers.
    api = production["api_schema"]["headers"]
    assert api["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" in api


def test_the_csrf_cookie_is_secure_httponly_and_host_only(production):
    cookie = production["sign_in"]["cookies"]["__Host-csrftoken"]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert "domain" not in cookie  # __Host-: for this host only, which the browser enforces


def test_the_session_and_csrf_settings_are_strict(production):
    found = production["settings"]
    assert found["DEBUG"] is False
    assert found["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert found["SESSION_COOKIE_SECURE"] is True
    assert found["SESSION_COOKIE_HTTPONLY"] is True
    assert found["SESSION_COOKIE_SAMESITE"] == "Lax"
    # A session lasts one working day at most, and ends when the browser closes.
    assert found["SESSION_COOKIE_AGE"] == 8 * 60 * 60
    assert found["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True
    assert found["CSRF_COOKIE_SECURE"] is True
    assert found["CSRF_COOKIE_HTTPONLY"] is True
    assert found["CSRF_TRUSTED_ORIGINS"] == [f"https://{HOST}"]


def test_a_sign_in_without_a_csrf_token_is_refused(production):
    assert production["sign_in_post_without_token"]["status"] == 403


def test_extra_trusted_origins_must_be_https():
    fine = _probe(DJANGO_CSRF_TRUSTED_ORIGINS="https://placements.example.org")
    assert fine["settings"]["CSRF_TRUSTED_ORIGINS"] == [
        f"https://{HOST}",
        "https://placements.example.org",
    ]
    for bad in ("http://placements.example.org", "https://*.example.org"):
        result = _manage("check", env={**PRODUCTION_ENV, "DJANGO_CSRF_TRUSTED_ORIGINS": bad})
        assert result.returncode != 0
        assert "must be https:// origins, without wildcards" in result.stderr


def test_the_api_rates_come_from_the_environment(production):
    rates = production["throttle_rates"]
    assert rates["api_token"] == "5000/minute"
    assert rates["api_user"] == "4000/minute"
    assert rates["api_anon"] == "60/minute"  # the default, not overridden here
    assert rates["placement_search"] == "120/minute"


# In this process (the test settings, over http): the same CSRF middleware on real forms ------


@pytest.mark.django_db
def test_a_real_sign_in_without_its_token_is_refused_and_with_it_works(world):
    user = world.user("la_a1", Role.PLACEMENT_OFFICER)
    client = Client(enforce_csrf_checks=True)
    refused = client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    assert refused.status_code == 403
    assert not refused.wsgi_request.user.is_authenticated
    page = client.get(reverse("accounts:login"))
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert found is not None
    token = found[1]
    signed_in = client.post(
        reverse("accounts:login"),
        {"username": user.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert signed_in.status_code == 302
    assert client.session.get_expiry_age() == 8 * 60 * 60
    assert client.session.get_expire_at_browser_close() is True


@pytest.mark.django_db
def test_a_signed_in_form_without_its_token_changes_nothing(world):
    user = world.user("la_a1", Role.PLACEMENT_OFFICER)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    new = "a-completely-new-password"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 403
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    # Signing out is a form too.
    assert client.post(reverse("accounts:logout")).status_code == 403
    assert client.get(reverse("accounts:account")).status_code == 200
