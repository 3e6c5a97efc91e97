"""The cache (Redis), degraded rather than fatal when Redis is unreachable.

Django's RedisCache raises redis-py's ConnectionError or TimeoutError from every call while
Redis is down, and pages that touch the cache (sign-in's rate limit, the API's throttles) would
answer 500. Nothing the cache holds is the only copy of anything: a miss costs a recomputation,
and a budget counted in Redis (common/ratelimit.py, DRF's throttles) starts from zero. So here an
error is logged and treated as a miss: `get` gives the default, `add`/`set`/`touch`/`delete`
report nothing done, `incr` raises ValueError as for a missing key. During an outage the rate
limits therefore let requests through (the per-account lockout, kept in PostgreSQL by
django-axes, still holds), which docs/faults.md records as the choice.

After an error the backend stops asking Redis for CACHE_RETRY_SECONDS (every call is a miss at
once), so a page with many cache calls pays one failed connection rather than one each, and a
Redis that hangs costs at most the short socket timeout set in settings (OPTIONS). The pause is
shared by every thread of the process and measured with time.time(), so a test can move the
clock past it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
CACHE_RETRY_SECONDS = 5.0
T = TypeVar("T")

_lock = threading.Lock()
_down_until: dict[str, float] = {}  # cache LOCATION -> time.time() until which it is not asked


class DegradingRedisCache(RedisCache):
    """RedisCache whose calls, with Redis unreachable, log a warning and answer as a miss."""

    def _location(self) -> str:
        return ",".join(getattr(self, "_servers", []))

    def is_down(self) -> bool:
        """Whether Redis failed within the last CACHE_RETRY_SECONDS (calls are misses now)."""
        return time.time() < _down_until.get(self._location(), 0.0)

    def _call(self, operation: str, call: Callable[[], T], miss: Callable[[], T]) -> T:
        if self.is_down():
            return miss()
        try:
            return call()
        except REDIS_DOWN as error:
            location = self._location()
            with _lock:
                first = not self.is_down()
                _down_until[location] = time.time() + CACHE_RETRY_SECONDS
            if first:
                logger.warning(
                    "Cache (Redis) unreachable on %s (%s); treating it as empty for %.0f s",
                    operation, error, CACHE_RETRY_SECONDS,
                )  # fmt: skip
            return miss()

    def add(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> bool:
        args = (key, value, timeout, version)
        return self._call("add", lambda: super(DegradingRedisCache, self).add(*args), _false)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._call(
            "get", lambda: super(DegradingRedisCache, self).get(key, default, version),
            lambda: default,
        )  # fmt: skip

    def set(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> None:
        args = (key, value, timeout, version)
        self._call("set", lambda: super(DegradingRedisCache, self).set(*args), _none)

    def touch(self, key: Any, timeout: Any = None, version: int | None = None) -> bool:
        args = (key, timeout, version)
        return self._call("touch", lambda: super(DegradingRedisCache, self).touch(*args), _false)

    def delete(self, key: Any, version: int | None = None) -> bool:
        args = (key, version)
        return self._call("delete", lambda: super(DegradingRedisCache, self).delete(*args), _false)

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        args = (keys, version)
        return self._call(
            "get_many", lambda: super(DegradingRedisCache, self).get_many(*args), dict
        )

    def has_key(self, key: Any, version: int | None = None) -> bool:
        args = (key, version)
        return self._call(
            "has_key", lambda: super(DegradingRedisCache, self).has_key(*args), _false
        )

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        args = (key, delta, version)

        def missing() -> int:
            raise ValueError(f"Key '{key}' not found (the cache is unreachable)")

        return self._call("incr", lambda: super(DegradingRedisCache, self).incr(*args), missing)

    def set_many(
        self, data: dict[Any, Any], timeout: Any = None, version: int | None = None
    ) -> list[Any]:
        args = (data, timeout, version)
        return self._call(
            "set_many", lambda: super(DegradingRedisCache, self).set_many(*args), lambda: list(data)
        )

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        args = (keys, version)
        self._call(
            "delete_many", lambda: super(DegradingRedisCache, self).delete_many(*args), _none
        )

    def clear(self) -> None:
        self._call("clear", lambda: super(DegradingRedisCache, self).clear(), _none)


def _false() -> bool:
    return False


def _none() -> None:
    return None
