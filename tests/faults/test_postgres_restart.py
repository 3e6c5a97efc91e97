"""Fault: PostgreSQL restarts while an officer sends a referral.

What the service does: a send is one transaction (the referral, its audit event and one outbox
row per provider person), and the outbox's task is queued only after COMMIT. A restart before
COMMIT loses the transaction whole: nothing is half-saved and nothing queued, and the officer's
second attempt sends each email once. A restart after COMMIT loses nothing: the worker, whose
connection the restart killed, checks its connection before each task (CONN_HEALTH_CHECKS),
reconnects and sends each notification once; the sweep finds nothing left.

The cluster is our own (initdb in a temporary folder, run as the postgres user on a free port;
the shared server is never touched), migrated once per session into a template database that
each case clones. The send runs in a process of its own on that cluster
(tests/faults/pg_restart_scenario.py), which pauses where the restart must fall; a real Celery
worker on a private Redis sends the email to an SMTP server on loopback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from brokerage import tasks
from tests.broker import celery_broker
from tests.brokerage.test_outbox import smtp_server, start_worker, wait_for
from tests.faults.servers import PostgresCluster, postgres_cluster, redis_server

pytestmark = [pytest.mark.fault, pytest.mark.worker]

ROOT = Path(django_settings.BASE_DIR)
TEMPLATE = "faults_template"


@dataclass
class Migrated:
    cluster: PostgresCluster
    migrate_seconds: float


@pytest.fixture(scope="session")
def migrated_cluster() -> Iterator[Migrated]:
    """The throwaway cluster with every migration applied once, in TEMPLATE."""
    with postgres_cluster() as cluster:
        cluster.psql("postgres", f"CREATE DATABASE {TEMPLATE}")
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=ROOT, check=True, timeout=600,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
                 "DATABASE_URL": cluster.url(TEMPLATE)},
        )  # fmt: skip
        yield Migrated(cluster, time.monotonic() - started)


def _scenario(case: str, database_url: str, redis_url: str, smtp_port: int, log: Path):
    return subprocess.Popen(
        [sys.executable, "-m", "tests.faults.pg_restart_scenario", case],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log.open("w"), text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
             "DATABASE_URL": database_url, "REDIS_TEST_URL": redis_url,
             "CELERY_TASK_ALWAYS_EAGER": "0",
             "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
             "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port)},
    )  # fmt: skip


@pytest.mark.parametrize("case", ["before-commit", "after-commit", "mid-send"])
def test_a_postgres_restart_during_a_referral_send_half_saves_nothing_and_sends_once(
    migrated_cluster, tmp_path, case
):
    cluster = migrated_cluster.cluster
    database = f"case_{case.replace('-', '_')}"
    cluster.psql("postgres", f"CREATE DATABASE {database} TEMPLATE {TEMPLATE}")
    url = cluster.url(database)
    with redis_server(tmp_path) as redis, smtp_server(hold_first_data=case == "mid-send") as smtp:
        worker = start_worker(
            f"pg-{case}", tmp_path=tmp_path, broker=redis.url, smtp=smtp, DATABASE_URL=url
        )
        try:
            # The worker's connection is open before the restart (a sweep with nothing to send).
            with celery_broker(redis.url):
                warm = tasks.notifications_send_unsent.delay()
                wait_for(lambda: f"[{warm.id}] succeeded" in worker.log, timeout=60,
                         what="the worker's first task")  # fmt: skip
            log = tmp_path / "scenario.log"
            scenario = _scenario(case, url, redis.url, smtp.port, log)
            try:
                assert scenario.stdout is not None and scenario.stdin is not None
                if case == "mid-send":
                    # The worker is in the SMTP conversation, holding the row's lock.
                    assert smtp.data_held.wait(60), worker.log + log.read_text()
                else:
                    line = scenario.stdout.readline()
                    assert line.startswith("PAUSE"), line + log.read_text()
                started = time.monotonic()
                cluster.restart()  # pg_ctl restart -m fast: every connection is cut
                restart_seconds = time.monotonic() - started
                if case == "mid-send":
                    smtp.release.set()  # the server takes the message after all
                else:
                    scenario.stdin.write("GO\n")
                    scenario.stdin.flush()
                out, _ = scenario.communicate(timeout=120)
            finally:
                if scenario.poll() is None:
                    scenario.kill()
            assert scenario.returncode == 0, out + log.read_text()
            result = json.loads(out.split("RESULT ", 1)[1])
        finally:
            worker.stop()
    if case == "mid-send":
        # The worker's commit failed with the restart; it recorded the send on a new connection.
        assert "was sent while the database was unreachable; recorded" in worker.log, worker.log
        assert smtp.data_commands == 2  # one per notification: nothing was sent again
    else:
        assert "OperationalError" not in worker.log and "InterfaceError" not in worker.log

    one = {"referrals": 1, "notifications": 2, "audited": 1}
    if case == "before-commit":
        # Written inside the transaction, gone whole with it: no referral, audit or outbox row.
        assert result["inside"] == one
        assert result["error"] in ("OperationalError", "InterfaceError")
        assert result["after_restart"] == {"referrals": 0, "notifications": 0, "audited": 0}
    else:
        assert result["after_restart"] == one  # committed before the restart: all of it
    assert result["final"] == one
    assert result["unsent"] == 0
    assert result["sweep"] == []
    # Each provider person got one email, with the outbox row's Message-ID: nothing twice.
    assert sorted(m["Message-ID"] for m in smtp.messages) == result["message_ids"]
    assert sorted(m["To"] for m in smtp.messages) == result["recipients"]
    assert restart_seconds < 10
    assert migrated_cluster.migrate_seconds < 240
    print(f"migrate {migrated_cluster.migrate_seconds:.1f} s, restart {restart_seconds:.2f} s")
