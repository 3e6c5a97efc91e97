from __future__ import annotations

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def health_check() -> dict[str, str]:
    """Each dependency is 'ok' or a short reason it is not."""
    status: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT PostGIS_Lib_Version()")
            cursor.fetchone()
        status["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not healthy
        status["database"] = f"error: {type(exc).__name__}"
    try:
        client = redis.Redis.from_url(
            settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
        status["redis"] = "ok"
    except Exception as exc:  # noqa: BLE001
        status["redis"] = f"error: {type(exc).__name__}"
    return status


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = health_check()
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )
