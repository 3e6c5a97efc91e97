from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def created_within(
    queryset: models.QuerySet[Any], *, start: date | None, end: date | None
) -> models.QuerySet[Any]:
    """Rows whose `created_at` falls on a local day from `start` to `end`, both included; an
    open end (None) is no bound. For list pages filtered by PeriodFilterForm."""
    if start:
        queryset = queryset.filter(created_at__date__gte=start)
    if end:
        queryset = queryset.filter(created_at__date__lte=end)
    return queryset


def validate_fields(
    instance: models.Model,
    *,
    fields: Iterable[str],
    errors: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Model validation (field validators and choices, `clean`, check constraints) of the fields a
    service sets, raised as one ValidationError together with `errors` from the service's own rules,
    so that a form shows everything to put right at once.

    The other fields (relations the service has loaded and checked, values it computed) are left
    out, and so is the unique check: a service guards that under a lock, with its own words."""
    exclude = {field.name for field in instance._meta.concrete_fields} - set(fields)
    found = {name: list(messages) for name, messages in (errors or {}).items()}
    try:
        instance.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            found.setdefault(name, []).extend(messages)
    if found:
        raise ValidationError(found)
