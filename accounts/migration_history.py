"""Bringing a database made before accounts/ existed into line with the migration graph."""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder

ADOPTING = ("accounts", "0001_initial")
# The migration that created the tables accounts/0001 adopts, and everything it depends on.
CREATED_BY = ("brokerage", "0001_initial")


def record_adopted_tables(connection: BaseDatabaseWrapper) -> bool:
    """Record accounts/0001 (state only) as applied where brokerage/0001 already created its
    tables. True when it recorded it; False on a new database or one already in line."""
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return False
    applied = recorder.applied_migrations()
    if CREATED_BY not in applied or ADOPTING in applied:
        return False
    recorder.record_applied(*ADOPTING)
    return True
