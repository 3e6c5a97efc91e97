"""The one guard every demo seeder calls first."""

from __future__ import annotations

from django.conf import settings


class DemoRefused(Exception):
    """Demo data was asked for where it is not allowed."""


def require_demo_allowed() -> None:
    if not settings.DEMO_DATA_ALLOWED:
        raise DemoRefused("Demo data is not allowed here (DEMO_DATA_ALLOWED is false).")
