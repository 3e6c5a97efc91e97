"""Queue Celery work once the database transaction commits, without failing when Redis is down.

The one way the project queues a task. A task queued inside a transaction that then rolls back
would act on rows that do not exist, so the task is sent from `transaction.on_commit` (at once
when no transaction is open). If the broker cannot be reached, the caller's work still stands:
what the task would have done is recorded as pending in the database (an invitation without
`email_sent_at`, a notification without `sent_at`, an Ofsted import without `digest_sent_at`),
a warning is logged, and a periodic sweep (config/celery.py) queues it again.

What actually raises with the broker down: kombu's OperationalError (it wraps redis-py's
ConnectionError once the publish retry policy, CELERY_TASK_PUBLISH_RETRY_POLICY, gives up);
redis-py's own ConnectionError and TimeoutError are caught too, for a connection that drops
outside kombu's retry.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

BROKER_DOWN = (OperationalError, RedisConnectionError, RedisTimeoutError)


def enqueue_each(task: Any, calls: Iterable[tuple[object, ...]]) -> int:
    """Queue `task.delay(*args)` for each args now; at the first broker failure, log one warning
    and stop (the rest would fail the same way). Returns how many were queued.

    For a periodic sweep, which holds no transaction; anything else uses enqueue_after_commit.
    """
    pending = list(calls)
    for done, args in enumerate(pending):
        try:
            task.delay(*args)
        except BROKER_DOWN as error:
            logger.warning(
                "Could not queue %s%r (%s of %s not queued); the periodic sweep will retry: %s",
                getattr(task, "name", task),
                args,
                len(pending) - done,
                len(pending),
                error,
            )
            return done
    return len(pending)


def enqueue_after_commit(task: Any, *args: object) -> None:
    """Queue `task.delay(*args)` once the current transaction commits."""
    transaction.on_commit(lambda: enqueue_each(task, [args]))


def enqueue_each_after_commit(task: Any, ids: Iterable[object]) -> None:
    """Queue `task.delay(id)` for each id once the current transaction commits (with the broker
    down, one warning for the lot)."""
    calls = [(i,) for i in ids]
    if calls:
        transaction.on_commit(lambda: enqueue_each(task, calls))
