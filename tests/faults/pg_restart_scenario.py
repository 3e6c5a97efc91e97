"""One officer's referral, sent on the throwaway PostgreSQL cluster while the test restarts it.

Run by test_postgres_restart.py in a process of its own (`python -m tests.faults.pg_restart_scenario
CASE`), with DATABASE_URL on the cluster, Celery on a private Redis (not eager: a real worker
sends) and email to the test's SMTP server. Where the restart must happen it prints
`PAUSE <what>` and waits for `GO` on its standard input; at the end it prints `RESULT <json>`.

CASE:
- `before-commit`: every row of the send (referral, events, notifications) is written inside
  the transaction, then the cluster restarts before COMMIT. Afterwards the officer sends again.
- `after-commit`: the send commits, and the cluster restarts before the outbox's task is
  queued (an on_commit hook registered ahead of the outbox's), so the worker, whose connection
  the restart killed, takes the task on a dead connection.
- `mid-send`: the send commits and the worker takes the task; the test's SMTP server holds the
  first message at DATA while the cluster restarts, then accepts it. This process only waits
  (through the restart) for the emails to be recorded as sent.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any


def pause(what: str) -> None:
    print(f"PAUSE {what}", flush=True)
    answer = sys.stdin.readline().strip()
    if answer != "GO":
        raise SystemExit(f"expected GO, got {answer!r}")


def main(case: str) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.db import DatabaseError, connection, transaction

    from accounts.models import AuditEvent
    from brokerage import notifications
    from brokerage.models import Notification, Referral
    from tests.brokerage.test_outbox import make_scene

    scene = make_scene(settings_count=1)
    result: dict[str, Any] = {"case": case}

    def state() -> dict[str, Any]:
        return {
            "referrals": Referral.objects.filter(request=scene.request).count(),
            "notifications": Notification.objects.filter(referral__request=scene.request).count(),
            "audited": AuditEvent.objects.filter(action=AuditEvent.Action.REFERRAL_SENT).count(),
        }

    if case == "before-commit":
        try:
            with transaction.atomic():
                scene.send()
                result["inside"] = state()
                pause("rows written, not committed")
        except DatabaseError as error:
            result["error"] = type(error).__name__
        connection.close()  # the next request gets a new connection, as a web process would
        result["after_restart"] = state()
        scene.send()  # the officer sends again
    elif case == "mid-send":
        scene.send()
        result["after_restart"] = state()  # read before the worker reaches DATA: all committed
    elif case == "after-commit":
        with transaction.atomic():
            transaction.on_commit(lambda: pause("committed, not queued"))
            scene.send()
        connection.close()
        result["after_restart"] = state()
    else:
        raise SystemExit(f"unknown case {case!r}")

    deadline = time.monotonic() + 60
    unsent = Notification.objects.filter(referral__request=scene.request, sent_at__isnull=True)
    while time.monotonic() < deadline:
        try:
            if not unsent.exists():
                break
        except DatabaseError:  # the cluster restarting under this wait (mid-send)
            connection.close()
        time.sleep(0.1)
    result["final"] = state()
    result["unsent"] = unsent.count()
    result["message_ids"] = sorted(
        notifications.message_id(n)
        for n in Notification.objects.filter(referral__request=scene.request)
    )
    result["sweep"] = notifications.notification_ids_unsent()
    result["recipients"] = sorted(u.email for u in scene.provider_people)
    return result


if __name__ == "__main__":
    outcome = main(sys.argv[1])
    print("RESULT " + json.dumps(outcome), flush=True)
