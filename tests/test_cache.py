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
from tests.faults.servers import free_port


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
