"""Fault: the mail server is slow: it takes the connection and the recipient, then stalls.

What the service does: no web request talks to the mail server (every email is an outbox row
sent by a Celery worker after the commit), so pages stay quick whatever the mail server does.
The worker's SMTP conversation gives up after EMAIL_TIMEOUT (1 s here; 30 s by default), writes
the failure on the notification row and rolls its send back, so the row stays unsent; the task
retries with a backoff, and beat's sweep tries again after RETRY_AFTER. When the server is fast
again the email goes, once: the row lock and `sent_at` stop the retry and the sweep both sending.

The test runs a real worker on a private Redis against aiosmtpd on loopback. The clock is moved
past RETRY_AFTER (15 minutes) for the sweep rather than waited for; the task's own retry
(a random 0-30 s backoff) is waited for, so that the test sees it send nothing a second time.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from brokerage import notifications, tasks
from brokerage.models import Notification, Referral
from placements.models import PlacementSearch
from tests.broker import celery_broker
from tests.brokerage.test_outbox import make_scene, smtp_server, start_worker, use_smtp, wait_for
from tests.factories import sign_in
from tests.faults.servers import redis_server

pytestmark = [pytest.mark.fault, pytest.mark.worker]

EMAIL_TIMEOUT = 1  # seconds, in the worker


@pytest.mark.django_db(transaction=True)
def test_a_stalled_mail_server_hangs_no_request_and_the_email_goes_once_when_it_is_fast(
    tmp_path, client, settings
):
    settings.TRAVEL_ENGINE = "estimate"
    scene = make_scene(settings_count=1)
    scene.provider_admin.is_active = False  # one recipient: one notification, one email
    scene.provider_admin.save()
    setting = scene.settings[0]
    sign_in(client, scene.officer.email)

    with (
        redis_server(tmp_path) as redis,
        smtp_server(hold_first_data=True) as smtp,
        celery_broker(redis.url),
    ):
        use_smtp(settings, smtp)
        worker = start_worker(
            "slow-smtp", tmp_path=tmp_path, broker=redis.url, smtp=smtp,
            EMAIL_TIMEOUT=str(EMAIL_TIMEOUT),
        )  # fmt: skip
        try:
            # The officer searches and sends: the page answers at once, the email is queued.
            assert client.get(
                reverse("placements:placement_search", args=[scene.request.pk])
            ).status_code == 200  # fmt: skip
            search = PlacementSearch.objects.filter(request=scene.request).latest("created_at")
            when = timezone.localtime() + timedelta(hours=24)
            started = time.monotonic()
            sent = client.post(
                reverse("brokerage:referral_create", args=[scene.request.pk]),
                {"urn": [setting.urn], "search": search.pk, "note": "",
                 "deadline_date": f"{when.day}/{when.month}/{when.year}",
                 "deadline_time": when.strftime("%H:%M")},
            )  # fmt: skip
            send_seconds = time.monotonic() - started
            assert sent.status_code == 302, sent.content.decode()[:2000]
            referral = Referral.objects.get(request=scene.request)
            notification = Notification.objects.get(referral=referral)

            # The worker reaches DATA and the server stalls: pages stay quick meanwhile.
            assert smtp.data_held.wait(30), f"the worker never reached DATA:\n{worker.log}"
            page_seconds = []
            for url in (
                reverse("brokerage:home"),
                reverse("brokerage:referral_detail", args=[referral.pk]),
                reverse("placements:placement_search", args=[scene.request.pk]),
            ):
                started = time.monotonic()
                assert client.get(url).status_code == 200, url
                page_seconds.append(time.monotonic() - started)

            # EMAIL_TIMEOUT later the worker gives up: the failure is on the row, still unsent.
            assert smtp.client_gone.wait(EMAIL_TIMEOUT + 10), worker.log
            failed = wait_for(
                lambda: Notification.objects.filter(pk=notification.pk, attempts=1).first(),
                timeout=10,
                what="the failed attempt to be written on the notification",
            )
            assert failed.sent_at is None
            assert re.match(r"(TimeoutError|SMTPServerDisconnected)", failed.last_error)
            assert smtp.messages == []
            retry = wait_for(
                lambda: re.search(r"notification_send\[([0-9a-f-]+)\] retry: Retry in", worker.log),
                timeout=10,
                what="the task to schedule its retry",
            )
            task_id = retry.group(1)

            # The server is fast again. The sweep, RETRY_AFTER on, sends it; the task's own
            # retry, when its backoff ends, finds it sent (or sent it first; then the sweep
            # found nothing to send). Either way: one message.
            smtp.release.set()
            later = timezone.now() + notifications.RETRY_AFTER + timedelta(minutes=1)
            with time_machine.travel(later, tick=True):
                queued = tasks.notifications_send_unsent()
            wait_for(
                lambda: Notification.objects.filter(
                    pk=notification.pk, sent_at__isnull=False
                ).exists(),
                timeout=40,
                what="the notification to be sent",
            )
            wait_for(
                lambda: f"[{task_id}] succeeded" in worker.log,
                timeout=40,
                what="the task's retry to finish",
            )
        finally:
            worker.stop()

    assert send_seconds < 2, send_seconds
    assert max(page_seconds) < 2, page_seconds
    assert queued in (0, 1)
    notification.refresh_from_db()
    assert notification.attempts == 2  # the stalled one and the one that went
    assert smtp.data_commands == 2
    assert len(smtp.messages) == 1
    (message,) = smtp.messages
    assert message["To"] == scene.provider_user.email
    assert message["Message-ID"] == notifications.message_id(notification)
    assert message["Subject"].startswith(f"New referral for {setting.display_name}:")
    assert notifications.notification_ids_unsent(now=later + timedelta(hours=1)) == []
