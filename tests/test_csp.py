"""The Content-Security-Policy: on every page, no inline script but GOV.UK Frontend's snippet
(with the request's nonce), the map's tiles allowed, framing and foreign forms refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import Role
from config.settings.base import _tile_origin
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [part.strip().split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in directives}


@pytest.mark.parametrize("url", ["/sign-in/", "/healthz", "/no-such-page/", "/api/docs/"])
def test_every_response_has_the_policy(client, url):
    found = policy(client.get(url))
    assert found["default-src"] == ["'self'"]
    assert found["script-src"][0] == "'self'"
    assert "'unsafe-inline'" not in found["script-src"]
    assert "'unsafe-eval'" not in found["script-src"]
    assert found["style-src"] == ["'self'", "'unsafe-inline'"]
    assert found["img-src"] == ["'self'", "data:", "https://tile.openstreetmap.org"]
    assert found["object-src"] == ["'none'"]
    assert found["base-uri"] == ["'self'"]
    assert found["form-action"] == ["'self'"]
    assert found["frame-ancestors"] == ["'none'"]


def test_the_only_inline_script_carries_the_nonce_in_the_header(client):
    user = UserFactory(
        organisation=OrganisationFactory(local_authority=True), role=Role.PLACEMENT_OFFICER
    )
    client.force_login(user)
    response = client.get(reverse("brokerage:home"))
    html = response.content.decode()
    (nonce,) = re.findall(r"'nonce-([^']+)'", " ".join(policy(response)["script-src"]))
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline == [f' nonce="{nonce}"']
    # A new nonce each time: one seen in a page cannot be reused.
    assert nonce not in client.get(reverse("brokerage:home"))["Content-Security-Policy"]


def test_no_template_has_an_inline_script_without_the_nonce():
    """Inline code belongs in static/js (built by `npm run build`); json_script data is fine."""
    roots = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
    offenders = []
    for root in roots:
        for template in root.rglob("*.html"):
            for attributes in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", template.read_text()):
                if "csp_nonce" not in attributes:
                    offenders.append(f"{template}: <script{attributes}>")
    assert offenders == []


def test_the_tile_servers_origin_is_allowed_for_images():
    assert _tile_origin("https://tile.openstreetmap.org/{z}/{x}/{y}.png") == (
        "https://tile.openstreetmap.org"
    )
    assert _tile_origin("https://{s}.tiles.example.com/{z}/{x}/{y}.png?key=1") == (
        "https://*.tiles.example.com"
    )
    assert _tile_origin("") == ""
