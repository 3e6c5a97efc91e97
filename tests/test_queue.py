"""common/queue.py: tasks queued after commit, and a broker on a closed port is no error."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from common.queue import enqueue_after_commit, enqueue_each, enqueue_each_after_commit
from config.celery import app as celery_app
from tests.broker import DEAD_BROKER, celery_broker

RAN: list[tuple[object, ...]] = []


@celery_app.task(name="tests.test_queue.record")
def record(*args: object) -> None:
    RAN.append(args)


@pytest.fixture(autouse=True)
def _clear():
    RAN.clear()


@pytest.mark.django_db
def test_a_task_is_queued_only_once_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            enqueue_after_commit(record, 1, "a")
        assert RAN == []  # the test's own transaction is still open
    assert len(callbacks) == 1
    assert RAN == [(1, "a")]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_queued_for_a_transaction_that_rolls_back():
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_after_commit(record, 1)
        raise RuntimeError
    assert RAN == []
    # Outside any transaction the task is queued at once.
    enqueue_after_commit(record, 2)
    assert RAN == [(2,)]


@pytest.mark.django_db
def test_broker_down_is_logged_not_raised(django_capture_on_commit_callbacks, caplog):
    caplog.set_level(logging.WARNING, logger="common.queue")
    with celery_broker(DEAD_BROKER), django_capture_on_commit_callbacks(execute=True):
        enqueue_after_commit(record, 7)
        enqueue_each_after_commit(record, [1, 2, 3])
    assert RAN == []
    warnings = [r.getMessage() for r in caplog.records if r.name == "common.queue"]
    # One warning for the single task, one for the lot of three (it stops at the first failure).
    assert len(warnings) == 2
    assert warnings[0].startswith("Could not queue tests.test_queue.record(7,) (1 of 1 not queued)")
    assert "(3 of 3 not queued); the periodic sweep will retry" in warnings[1]
    assert all("periodic sweep will retry" in w for w in warnings)


def test_enqueue_each_says_how_many_were_queued():
    assert enqueue_each(record, [(1,), (2,)]) == 2
    assert RAN == [(1,), (2,)]
    assert enqueue_each(record, []) == 0
    with celery_broker(DEAD_BROKER):
        assert enqueue_each(record, [(3,), (4,)]) == 0
    assert RAN == [(1,), (2,)]
