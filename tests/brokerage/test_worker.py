"""One invitation email through a real Celery worker and Redis, as in the running app.

The worker is a separate process, so it cannot see a test's uncommitted transaction: this test
commits (transactional_db) and points the worker at pytest's test database.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from accounts import services
from accounts.models import Invitation, Role
from config.celery import app as celery_app
from tests.factories import PASSWORD, OrganisationFactory, RegionFactory, UserFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(settings.BASE_DIR)


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgis://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    conf = celery_app.conf
    conf.task_always_eager = False
    yield tmp_path
    conf.task_always_eager = True
    process.terminate()
    process.wait(timeout=20)
    log.close()


def test_invitation_email_goes_through_redis_and_a_real_worker(worker):
    region = RegionFactory()
    admin = UserFactory(
        organisation=OrganisationFactory(region=region, hub=True), role=Role.HUB_ADMIN
    )
    la = OrganisationFactory(region=region, local_authority=True)

    invitation = services.invitation_create(
        actor=admin,
        email="via.worker@example.org",
        full_name="Via Worker",
        organisation=la,
        role=Role.PLACEMENT_OFFICER,
    )

    mail_dir = worker / "mail"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (mail_dir.exists() and any(mail_dir.iterdir())):
        time.sleep(0.2)
    files = list(mail_dir.iterdir()) if mail_dir.exists() else []
    log = (worker / "worker.log").read_text()
    assert len(files) == 1, f"no email from the worker within 60 s; its log:\n{log}"
    message = files[0].read_text()
    assert "To: via.worker@example.org" in message
    token = re.search(r"/invitations/([^/\s]+)/", message).group(1)
    assert "invitation_email_send" in log and "succeeded" in log

    invitation.refresh_from_db()
    assert invitation.email_sent_at is not None
    user = services.invitation_accept(token=token, password=PASSWORD)
    assert user.organisation == la
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is not None
