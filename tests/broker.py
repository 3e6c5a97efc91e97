"""Celery's broker switched for one test: a real Redis URL, or DEAD_BROKER (a closed port)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kombu import pools
from kombu.utils.collections import eqhash

from config.celery import app as celery_app

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@contextmanager
def celery_broker(url: str, *, eager: bool = False) -> Iterator[None]:
    """Point Celery at `url` (tasks go through it, not inline, unless `eager`).

    Celery caches its connection pools, and kombu keeps one per URL for the whole process: the
    app's are set aside and put back afterwards, and kombu's for `url` are dropped before (another
    test may have left them closed) and after (so a later use of `url` starts afresh).
    """
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager, celery_app._pool)
    saved_producers = celery_app.amqp._producer_pool
    saved_key = eqhash(celery_app.connection_for_write())
    celery_app._pool = celery_app.amqp._producer_pool = None
    conf.broker_url, conf.task_always_eager = url, eager
    key = eqhash(celery_app.connection_for_write())

    def drop_pools() -> None:
        if key == saved_key:
            return  # the pools the other tests use
        for group in (pools.producers, pools.connections):
            pool = dict.pop(group, key, None)
            if pool is not None:
                pool.force_close_all()

    drop_pools()
    try:
        yield
    finally:
        drop_pools()
        conf.broker_url, conf.task_always_eager, celery_app._pool = saved
        celery_app.amqp._producer_pool = saved_producers
