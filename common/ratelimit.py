"""Request budgets counted in the cache (Redis), so every web process shares one count.

Used by the sign-in page (failures per client address) and the password reset page (requests per
address typed and per client address); the API's budgets are DRF throttles (providers/api_auth.py)
on the same cache. docs/security.md lists every limit and its figures.

A budget is a fixed window on the clock (each hour from the hour, for "5/hour"): simple, one
counter per window in Redis, and a wait that is easy to state. A client can spend up to twice the
limit across a window's end; every limit here is set with that in mind.

The identifier (an email address, an IP address) is hashed before it becomes a key, so Redis
holds no personal data in clear.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

RATE = re.compile(r"(\d+)/(\d*)([smhd])[a-z]*")
PERIODS = {"s": 1, "m": 60, "h": 60 * 60, "d": 24 * 60 * 60}


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds

    @classmethod
    def parse(cls, rate: str) -> Rate:
        """ "5/hour", "100/15m", "3/minute": the same spelling as DRF's throttle rates, with an
        optional count of units ("15m") for windows DRF cannot express."""
        match = RATE.fullmatch(rate.strip())
        if match is None:
            raise ValueError(f"Not a rate: {rate!r} (write it as e.g. '5/hour' or '100/15m').")
        count, units, unit = match.groups()
        return cls(limit=int(count), period=int(units or 1) * PERIODS[unit])


@dataclass(frozen=True)
class Budget:
    allowed: bool
    retry_after: int  # seconds until the window ends; 0 while allowed


def client_address(request: HttpRequest) -> str:
    """The client's IP address: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT proxies in front, the
    address the outermost trusted proxy saw (counted from the right of X-Forwarded-For, which a
    client can prepend to but not append to). DRF's NUM_PROXIES and axes use the same rule."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return str(request.META.get("REMOTE_ADDR", ""))


def _window(scope: str, identifier: str, rate: Rate) -> tuple[str, int]:
    """The cache key of the identifier's current window, and the seconds left in it."""
    now = time.time()
    digest = hashlib.sha256(identifier.strip().lower().encode()).hexdigest()[:32]
    window, elapsed = divmod(now, rate.period)
    return f"ratelimit:{scope}:{digest}:{int(window)}", max(1, math.ceil(rate.period - elapsed))


def budget_check(*, scope: str, identifier: str, rate: str) -> Budget:
    """Whether `identifier` has any of its budget left, without spending it."""
    parsed = Rate.parse(rate)
    key, left = _window(scope, identifier, parsed)
    if cache.get(key, 0) < parsed.limit:
        return Budget(allowed=True, retry_after=0)
    return Budget(allowed=False, retry_after=left)


def budget_spend(*, scope: str, identifier: str, rate: str) -> Budget:
    """Count one hit; not allowed once the count passes the limit (the hit is still counted)."""
    parsed = Rate.parse(rate)
    key, left = _window(scope, identifier, parsed)
    # add() creates the count only if there is none, expiring with its window; incr() is atomic
    # in Redis, so concurrent hits from several web processes all count.
    cache.add(key, 0, timeout=left + 1)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add() and incr(): the window has just ended
        cache.add(key, 1, timeout=left + 1)
        used = 1
    if used <= parsed.limit:
        return Budget(allowed=True, retry_after=0)
    return Budget(allowed=False, retry_after=left)
