"""The Ofsted digest when Redis is down: the import stands, and beat's sweep sends the digest."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Role
from providers import selectors, tasks
from providers.models import OfstedImport
from providers.services import ofsted_refresh
from tests.broker import DEAD_BROKER, celery_broker
from tests.providers.ofsted_files import row, small_csv

pytestmark = pytest.mark.django_db


def _two_refreshes(world, tmp_path, django_capture_on_commit_callbacks) -> OfstedImport:
    """A first list, then a second with a change in region A's member LA (Rutland) imported while
    Redis is down."""
    world.la_a1.gss_code = "E06000017"
    world.la_a1.save()
    path = tmp_path / "list.csv"
    shutil.copy(small_csv(tmp_path, [row("SC000001")], "a.csv"), path)
    ofsted_refresh(source=str(path))
    shutil.copy(small_csv(tmp_path, [row("SC000001"), row("SC000002")], "b.csv"), path)
    with celery_broker(DEAD_BROKER), django_capture_on_commit_callbacks(execute=True):
        return ofsted_refresh(source=str(path))


def test_import_stands_when_redis_is_down_and_the_sweep_sends_its_digest_once(
    world, boundaries, tmp_path, django_capture_on_commit_callbacks, caplog
):
    record = _two_refreshes(world, tmp_path, django_capture_on_commit_callbacks)
    record.refresh_from_db()
    assert record.status == OfstedImport.Status.COMMITTED
    assert record.digest_sent_at is None
    assert mail.outbox == []
    assert "periodic sweep will retry" in caplog.text

    # Too recent: the normal path may still be about to send it.
    assert tasks.ofsted_digests_send_unsent() == 0
    OfstedImport.objects.filter(pk=record.pk).update(
        committed_at=timezone.now() - selectors.DIGEST_SWEEP_AFTER - timedelta(minutes=1)
    )
    # Redis is back (tasks run inline in tests): the digest goes to region A's hub admin, once.
    assert tasks.ofsted_digests_send_unsent() == 1
    assert [m.to for m in mail.outbox] == [[world.user("hub_a", Role.HUB_ADMIN).email]]
    assert "Registered (1)" in mail.outbox[0].body
    record.refresh_from_db()
    assert record.digest_sent_at is not None
    assert tasks.ofsted_digests_send_unsent() == 0
    assert len(mail.outbox) == 1


def test_the_sweep_leaves_old_uploaded_and_sent_imports_alone(
    world, boundaries, tmp_path, django_capture_on_commit_callbacks
):
    record = _two_refreshes(world, tmp_path, django_capture_on_commit_callbacks)
    now = timezone.now()
    OfstedImport.objects.filter(pk=record.pk).update(
        committed_at=now - selectors.DIGEST_SWEEP_WITHIN - timedelta(minutes=1)
    )
    # The first refresh's digest went (nothing to say, but sent); the second is a week old.
    assert selectors.ofsted_import_ids_digest_unsent(now=now) == []
    OfstedImport.objects.filter(pk=record.pk).update(
        committed_at=now - timedelta(hours=1), origin=OfstedImport.Origin.UPLOAD
    )
    assert selectors.ofsted_import_ids_digest_unsent(now=now) == []
    OfstedImport.objects.filter(pk=record.pk).update(origin=OfstedImport.Origin.SCHEDULE)
    assert selectors.ofsted_import_ids_digest_unsent(now=now) == [record.pk]


def test_the_sweep_with_redis_still_down_queues_nothing_and_says_so(
    world, boundaries, tmp_path, django_capture_on_commit_callbacks, caplog
):
    record = _two_refreshes(world, tmp_path, django_capture_on_commit_callbacks)
    OfstedImport.objects.filter(pk=record.pk).update(
        committed_at=timezone.now() - timedelta(hours=1)
    )
    caplog.clear()
    with celery_broker(DEAD_BROKER):
        assert tasks.ofsted_digests_send_unsent() == 0
    assert "periodic sweep will retry" in caplog.text
    record.refresh_from_db()
    assert record.digest_sent_at is None
