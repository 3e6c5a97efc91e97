from datetime import datetime

from django.utils import timezone


def govuk_datetime(value: datetime) -> str:
    """GOV.UK style: "1 December 2026 at 2:29am" (local time)."""
    local = timezone.localtime(value)
    return f"{local.day} {local:%B %Y} at {local.hour % 12 or 12}:{local:%M}{local:%p}".replace(
        "AM", "am"
    ).replace("PM", "pm")
