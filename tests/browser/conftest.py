"""Playwright driving Debian's Chromium (playwright cannot download browsers here)."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop; Django refuses ORM calls from it unless told.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


@functools.cache
def AXE_SOURCE() -> str:  # noqa: N802 (a constant, read once)
    return AXE.read_text()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    """A fresh page; the test fails if the browser reports a Content-Security-Policy violation
    (something the policy blocked: an inline script or style the page needed, a remote image),
    unless it is marked `allow_csp_violations`."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{message.text} ({page.url})")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()
    if not request.node.get_closest_marker("allow_csp_violations"):
        assert violations == [], "the Content-Security-Policy blocked:\n" + "\n".join(violations)


class Accessibility:
    """Runs axe-core on the page and fails on any violation, saying which and where."""

    def __init__(self, page):
        self.page = page
        self.checked: list[str] = []

    def check(self, name: str) -> None:
        # Evaluated (as the browser's devtools would), not added as a <script> element: the
        # Content-Security-Policy rightly refuses an inline script without the page's nonce.
        self.page.evaluate(AXE_SOURCE())
        result = self.page.evaluate(
            "async () => await axe.run(document, {resultTypes: ['violations']})"
        )
        violations = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in nodes]}"
            for v in result["violations"]
            if (nodes := [n for n in v["nodes"] if not _govuk_conditional_radio(v["id"], n)])
        ]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        assert violations == [], f"axe found problems on {name} ({self.page.url}):\n" + "\n".join(
            violations
        )
        self.checked.append(name)


def _govuk_conditional_radio(rule: str, node: dict) -> bool:
    """GOV.UK Frontend's conditional-reveal radios and checkboxes carry aria-expanded, which axe
    reports as not allowed on a radio. GOV.UK keep it on purpose, having tested it with screen
    readers (alphagov/govuk-frontend#979); this is the only violation ever let through."""
    html = node.get("html", "")
    return (
        rule == "aria-allowed-attr"
        and html.startswith("<input")
        and "aria-expanded" in html
        and ('type="radio"' in html or 'type="checkbox"' in html)
    )


@pytest.fixture
def axe(page):
    return Accessibility(page)
