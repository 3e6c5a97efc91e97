"""`migrate`, first recording accounts/0001 as applied on a database that already has its tables.

accounts/0001 only tells Django that the tables brokerage/0001 created now belong to accounts/
(state only, no SQL). A database made before the move has those tables and an admin log that
depends on the user model's first migration, so Django would refuse to migrate it
("admin.0001_initial is applied before its dependency accounts.0001_initial"). Recording the
state-only migration as applied is exactly true for such a database. ADR 0011.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import migrate
from django.db import DEFAULT_DB_ALIAS, connections

from accounts.migration_history import record_adopted_tables


class Command(migrate.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        if record_adopted_tables(connection) and options.get("verbosity", 1) >= 1:
            self.stdout.write(
                "Recorded accounts.0001_initial as applied: this database already has its tables."
            )
        super().handle(*args, **options)
