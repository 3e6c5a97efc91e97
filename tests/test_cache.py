"""The cache with Redis unreachable (common/cache.py): every call a miss, one warning, no error."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from common import cache as degrading
from common.ratelimit import budget_spend
from tests.faults.servers import free_port, silent_server


@pytest.fixture
def dead_cache(settings):
    location = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": location}}
    yield cache
    degrading._down_until.pop(location, None)


def test_with_redis_unreachable_every_call_is_a_miss_and_one_warning_is_logged(dead_cache, caplog):
    caplog.set_level(logging.WARNING, logger="common.cache")
    started = time.monotonic()
    assert dead_cache.get("k", "default") == "default"
    assert dead_cache.add("k", 1) is False
    dead_cache.set("k", 1)
    assert dead_cache.get_many(["k", "j"]) == {}
    assert dead_cache.set_many({"k": 1}) == ["k"]
    assert dead_cache.has_key("k") is False
    assert dead_cache.delete("k") is False
    dead_cache.delete_many(["k"])
    dead_cache.clear()
    with pytest.raises(ValueError, match="not found"):
        dead_cache.incr("k")
    # A rate limit counted in the cache lets the request through rather than failing it.
    assert budget_spend(scope="test", identifier="someone", rate="1/hour").allowed
    assert time.monotonic() - started < 1
    warnings = [r for r in caplog.records if r.name == "common.cache"]
    assert len(warnings) == 1
    assert "treating it as empty for 5 s" in warnings[0].getMessage()


def test_after_an_error_redis_is_not_asked_again_until_the_pause_ends(dead_cache, caplog):
    caplog.set_level(logging.WARNING, logger="common.cache")
    assert dead_cache.get("k") is None
    assert dead_cache.is_down()
    later = timezone.now() + timedelta(seconds=degrading.CACHE_RETRY_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        assert not dead_cache.is_down()  # the pause is over: the next call asks Redis again
        assert dead_cache.get("k") is None
        assert dead_cache.is_down()
    assert len([r for r in caplog.records if r.name == "common.cache"]) == 2


def test_a_redis_that_hangs_costs_one_socket_timeout_then_nothing(settings, caplog):
    """A Redis that accepts and never answers: the first call waits CACHE_SOCKET_TIMEOUT
    (0.5 s), the rest of the pause costs nothing."""
    with silent_server() as hanging:
        location = f"redis://127.0.0.1:{hanging.port}/0"
        settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": location}}
        try:
            started = time.monotonic()
            assert cache.get("k", "default") == "default"
            first = time.monotonic() - started
            started = time.monotonic()
            for _ in range(50):
                assert cache.get("k") is None
            rest = time.monotonic() - started
        finally:
            degrading._down_until.pop(location, None)
    assert hanging.connections == 1
    assert settings.CACHE_SOCKET_TIMEOUT <= first < settings.CACHE_SOCKET_TIMEOUT * 2 + 1
    assert rest < 0.1
