"""Fault: Redis, the cache and Celery's broker, is down for a while ("five minutes").

What the service does: the cache (common/cache.py) treats Redis's errors as misses, logs one
warning and stops asking for CACHE_RETRY_SECONDS, so pages answer as usual (sessions and the
sign-in lockout are in PostgreSQL; the rate limits count from zero). A referral sent meanwhile
is saved with its notifications in one transaction; queueing the email fails fast
(CELERY_BROKER_CONNECTION_TIMEOUT and the publish retry policy), is logged, and the row waits.
Once Redis is back, beat's sweep (notifications_send_unsent, every minute) queues what is
unsent and a worker sends each email once.

The outage is not five real minutes: Redis is kept down across a window in which the main pages
are requested many times (by an officer, a provider user and someone signing in) and two
referrals are sent, then started again on the same port. Where the code measures time (the
cache's pause after an error) the clock is moved on with time-machine rather than waited for;
the sweep is called as beat would call it.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache, caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from brokerage import notifications, tasks
from brokerage.models import Notification, Referral
from common import cache as degrading
from common.ratelimit import budget_spend
from placements.models import PlacementSearch
from tests.broker import celery_broker
from tests.brokerage.test_outbox import make_scene, smtp_server, start_worker, use_smtp, wait_for
from tests.factories import sign_in
from tests.faults.servers import redis_server

pytestmark = [pytest.mark.fault, pytest.mark.worker]

ROUNDS = 5  # each main page this many times during the outage


def _send(client: Client, scene, setting) -> tuple[int, float]:
    search = PlacementSearch.objects.filter(request=scene.request).latest("created_at")
    when = timezone.localtime() + timedelta(hours=24)
    started = time.monotonic()
    response = client.post(
        reverse("brokerage:referral_create", args=[scene.request.pk]),
        {"urn": [setting.urn], "search": search.pk, "note": "",
         "deadline_date": f"{when.day}/{when.month}/{when.year}",
         "deadline_time": when.strftime("%H:%M")},
    )  # fmt: skip
    return response.status_code, time.monotonic() - started


@pytest.mark.django_db(transaction=True)
def test_pages_work_while_redis_is_down_and_the_emails_go_once_it_is_back(
    tmp_path, settings, caplog
):
    settings.TRAVEL_ENGINE = "estimate"
    scene = make_scene(settings_count=2)
    officer, provider = Client(), Client()

    with (
        redis_server(tmp_path) as redis,
        smtp_server() as smtp,
        celery_broker(redis.url),
    ):
        settings.CACHES = {
            "default": {**settings.CACHES["default"], "LOCATION": redis.url,
                        "KEY_PREFIX": "fault-redis"}
        }  # fmt: skip
        settings.CELERY_BROKER_URL = redis.url  # what /healthz looks at
        use_smtp(settings, smtp)
        sign_in(officer, scene.officer.email)
        sign_in(provider, scene.provider_user.email)
        search_url = reverse("placements:placement_search", args=[scene.request.pk])
        assert officer.get(search_url).status_code == 200
        cache.set("before-the-outage", "warm")
        assert cache.get("before-the-outage") == "warm"

        # --- Redis goes down --------------------------------------------------------------
        redis.stop()
        pages = {
            officer: [
                reverse("brokerage:home"),
                search_url,
                reverse("api:api_placement_matches", args=[scene.request.pk]),
                reverse("brokerage:la_referral_list"),
            ],
            provider: [reverse("brokerage:home"), reverse("brokerage:referral_list")],
        }
        slowest = 0.0
        statuses: dict[str, set[int]] = {}
        for _ in range(ROUNDS):
            for client, urls in pages.items():
                for url in urls:
                    started = time.monotonic()
                    statuses.setdefault(url, set()).add(client.get(url).status_code)
                    slowest = max(slowest, time.monotonic() - started)
        # Someone signs in (the per-address budget is counted in the cache).
        newcomer = Client()
        signed = sign_in(newcomer, scene.provider_admin.email)
        sends = [_send(officer, scene, setting) for setting in scene.settings]
        assert cache.get("before-the-outage") is None  # a miss, not an error
        health = officer.get("/healthz")
        assert caches["default"].is_down()
        waiting = list(Notification.objects.filter(referral__request=scene.request))

        # --- Redis is back, empty (no persistence) -------------------------------------------
        redis.start()
        past_pause = timezone.now() + timedelta(seconds=degrading.CACHE_RETRY_SECONDS + 1)
        with time_machine.travel(past_pause, tick=True):
            cache.set("after-the-outage", "warm")
            assert cache.get("after-the-outage") == "warm"
            assert budget_spend(scope="fault", identifier="x", rate="5/hour").allowed
            worker = start_worker("redis-back", tmp_path=tmp_path, broker=redis.url, smtp=smtp)
            try:
                queued = tasks.notifications_send_unsent()  # what beat runs every minute
                wait_for(
                    lambda: not Notification.objects.filter(sent_at__isnull=True).exists(),
                    timeout=60,
                    what="the worker to send the notifications",
                )
                assert tasks.notifications_send_unsent() == 0  # the next minute's sweep
                for notification in waiting:
                    assert notifications.notification_send(notification_id=notification.pk) is False
            finally:
                worker.stop()

    assert statuses == {url: {200} for urls in pages.values() for url in urls}
    assert slowest < 3, slowest
    assert signed.status_code == 200 and signed.wsgi_request.user.is_authenticated
    assert [status for status, _ in sends] == [302, 302]
    assert max(seconds for _, seconds in sends) < 5, sends
    assert health.status_code == 503 and health.json()["redis"].startswith("error")
    assert "Cache (Redis) unreachable" in caplog.text
    assert "the periodic sweep will retry" in caplog.text

    # Both referrals were saved with their notifications (two provider people each), none sent
    # during the outage; afterwards each was sent once.
    assert Referral.objects.filter(request=scene.request).count() == 2
    assert len(waiting) == 4 and all(n.sent_at is None for n in waiting)
    assert queued == 4
    assert len(smtp.messages) == 4
    assert sorted(m["Message-ID"] for m in smtp.messages) == sorted(
        notifications.message_id(n) for n in waiting
    )
    assert sorted(m["To"] for m in smtp.messages) == sorted(
        [u.email for u in scene.provider_people] * 2
    )
