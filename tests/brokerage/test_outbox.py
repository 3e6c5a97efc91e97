"""The notification outbox under faults: Redis down, a rolled-back change, two senders at once,
and a worker killed in the middle of talking to the mail server.

The helpers at the top (a referral to send, a Celery broker switch, an SMTP server on loopback
that records only messages it fully received, a private Redis and a real worker) are shared with
test_mail_smtp.py and test_notification_preferences.py.
"""

from __future__ import annotations

import asyncio
import email
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from smtplib import SMTPRecipientsRefused
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Organisation, Role, User
from brokerage import notifications, tasks
from brokerage.models import Notification, Referral
from brokerage.referrals import Shortlisted, referral_send
from placements.models import PlacementRequest
from providers.models import Setting
from tests.broker import DEAD_BROKER, celery_broker
from tests.factories import OrganisationFactory, UserFactory
from tests.placements.builders import child, home, make_world_map

ROOT = Path(settings.BASE_DIR)


# --- A referral to send -------------------------------------------------------------------------


@dataclass
class Scene:
    """One LA with a placement officer and a child's open request; one provider organisation
    with an admin and a user, running `settings` children's homes that admit the child."""

    officer: User
    provider: Organisation
    provider_admin: User
    provider_user: User
    request: PlacementRequest
    settings: list[Setting]

    @property
    def provider_people(self) -> list[User]:
        return [self.provider_admin, self.provider_user]

    def send(self, settings: list[Setting] | None = None) -> list[Referral]:
        return referral_send(
            actor=self.officer,
            request=self.request,
            shortlist=[Shortlisted(s) for s in (settings or self.settings)],
            deadline=timezone.now() + timedelta(hours=24),
        )


def make_scene(settings_count: int = 1) -> Scene:
    world_map = make_world_map()
    officer = UserFactory(
        organisation=world_map.la, role=Role.PLACEMENT_OFFICER, email="officer@example.org"
    )
    provider = OrganisationFactory(region=officer.region, name="Oak Care")
    return Scene(
        officer=officer,
        provider=provider,
        provider_admin=UserFactory(
            organisation=provider, role=Role.PROVIDER_ADMIN, email="admin@oak.example.org"
        ),
        provider_user=UserFactory(
            organisation=provider, role=Role.PROVIDER_USER, email="user@oak.example.org"
        ),
        request=child(world_map),
        settings=[home(world_map, provider_organisation=provider) for _ in range(settings_count)],
    )


@pytest.fixture
def scene(db) -> Scene:
    return make_scene(settings_count=2)


# --- Celery's broker, switched for one test -----------------------------------------------------


def wait_for(condition: Callable[[], Any], *, timeout: float, what: str | Callable[[], str]) -> Any:
    """Poll `condition` until it is truthy and return what it gave; fail after `timeout` seconds
    naming `what` (a callable is called then, to show e.g. a log as it is at that moment)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(
                f"Timed out after {timeout} s waiting for {what() if callable(what) else what}"
            )
        time.sleep(0.05)


# --- An SMTP server on loopback -----------------------------------------------------------------


@dataclass
class SmtpServer:
    """What the server received. `messages` holds only messages whose DATA completed (the
    client sent the final "." and the server answered 250): aiosmtpd calls `handle_DATA` only
    then, so a client that vanishes mid-conversation leaves nothing here.

    With `hold_first_data`, the first DATA command is held before the server answers 354, so
    the client has said who the message is for but not sent it: `data_held` is set then, and
    the server waits for `release` (or the client to disappear: `client_gone`). Addresses in
    `refuse` are refused at RCPT, as a server refuses a mailbox it does not know."""

    host: str = "127.0.0.1"
    port: int = 0
    hold_first_data: bool = False
    refuse: set[str] = field(default_factory=set)  # addresses answered "550 no such mailbox"
    messages: list[EmailMessage] = field(default_factory=list)
    data_commands: int = 0
    data_held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    client_gone: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(  # noqa: N802
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.original_content or b"", policy=default_policy)
        assert isinstance(message, EmailMessage)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"


class _HoldingSMTP(SMTP):
    def __init__(self, handler: SmtpServer, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.state = handler

    async def smtp_DATA(self, arg: str) -> None:  # noqa: N802
        state = self.state
        state.data_commands += 1
        if state.hold_first_data and state.data_commands == 1:
            state.data_held.set()
            while not state.release.is_set():
                await asyncio.sleep(0.02)  # cancelled if the client disconnects
            if self.transport is None:
                return
        await super().smtp_DATA(arg)

    def connection_lost(self, error: Exception | None) -> None:
        if self.state.data_held.is_set():
            self.state.client_gone.set()
        super().connection_lost(error)


class _Controller(Controller):
    """aiosmtpd's threaded server on a port the system chooses (it wants a fixed one)."""

    def factory(self) -> SMTP:
        return _HoldingSMTP(self.handler, **self.SMTP_kwargs)

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@contextmanager
def smtp_server(*, hold_first_data: bool = False) -> Iterator[SmtpServer]:
    state = SmtpServer(hold_first_data=hold_first_data)
    # A fixed server name: the default looks up this machine's, slow without DNS.
    controller = _Controller(state, hostname=state.host, port=0, server_hostname="localhost")
    controller.start()
    state.port = controller.port
    try:
        yield state
    finally:
        state.release.set()
        controller.stop()


def use_smtp(django_settings: Any, server: SmtpServer) -> None:
    """Send this process's email through Django's SMTP backend to `server`."""
    django_settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    django_settings.EMAIL_HOST = server.host
    django_settings.EMAIL_PORT = server.port
    django_settings.EMAIL_USE_TLS = False
    django_settings.EMAIL_TIMEOUT = 10


# --- Redis and a Celery worker of our own -------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[str]:
    """A Redis server for this test alone: the shared test Redis is flushed by every test's
    cache reset, and another test run's worker could take this test's tasks."""
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip

    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    wait_for(answers, timeout=10, what="a private Redis to answer PING")
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgis://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


def start_worker(
    name: str, *, tmp_path: Path, broker: str, smtp: SmtpServer, **extra_env: str
) -> Worker:
    """A real Celery worker (one process, so a kill stops the task) on pytest's test database,
    sending email through Django's SMTP backend to `smtp` (`extra_env`: more settings)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_TEST_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": smtp.host,
        "EMAIL_PORT": str(smtp.port),
        **extra_env,
    }
    log_path = tmp_path / f"{name}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
             "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    return Worker(process, log_path)


def _row_locked(notification_id: int) -> bool:
    """Whether another connection holds the notification's row lock."""
    with transaction.atomic():
        free = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id)
            .exists()
        )
    return not free


# --- (a) Redis down while referrals are sent ----------------------------------------------------


def test_referrals_sent_while_redis_is_down_are_saved_and_emailed_once_it_is_back(
    scene, django_capture_on_commit_callbacks, caplog
):
    with celery_broker(DEAD_BROKER), django_capture_on_commit_callbacks(execute=True):
        referrals = scene.send()

    # The officer's action stands: both referrals, and one notification per provider person
    # per referral, waiting; no email went and the failure to queue is logged.
    assert Referral.objects.filter(request=scene.request).count() == 2
    waiting = Notification.objects.filter(referral__in=referrals)
    assert waiting.count() == 4
    assert set(waiting.values_list("sent_at", flat=True)) == {None}
    assert set(waiting.values_list("kind", flat=True)) == {Notification.Kind.REFERRAL_RECEIVED}
    assert mail.outbox == []
    assert "the periodic sweep will retry" in caplog.text

    # Redis is back: beat's sweep sends each notification once.
    assert tasks.notifications_send_unsent() == 4
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [u.email for u in scene.provider_people] * 2
    )
    for setting in scene.settings:
        about = [
            m
            for m in mail.outbox
            if m.subject.startswith(f"New referral for {setting.display_name}:")
        ]
        assert sorted(m.to[0] for m in about) == sorted(u.email for u in scene.provider_people)
    assert Notification.objects.filter(sent_at__isnull=True).count() == 0

    # And again: nothing more.
    assert tasks.notifications_send_unsent() == 0
    for notification in waiting:
        assert tasks.notification_send(notification.pk) is False
    assert len(mail.outbox) == 4


# --- (b) A change that is rolled back -----------------------------------------------------------


def test_a_rolled_back_referral_leaves_no_notification_and_sends_no_email(
    scene, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        scene.send()
        assert Notification.objects.count() == 4  # written inside the transaction…
        raise RuntimeError("the officer's request failed after sending")

    assert callbacks == []
    assert Referral.objects.count() == 0
    assert Notification.objects.count() == 0  # …and gone with it
    assert tasks.notifications_send_unsent() == 0
    assert mail.outbox == []


def test_a_refused_shortlist_sends_nothing_to_any_setting(
    scene, django_capture_on_commit_callbacks
):
    """All or none: one suspended setting in the shortlist and no referral, row or email."""
    scene.settings[1].status = Setting.Status.SUSPENDED
    scene.settings[1].save()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError) as refused,
    ):
        scene.send()
    assert "cannot take referrals" in str(refused.value)
    assert Referral.objects.count() == 0
    assert Notification.objects.count() == 0
    assert mail.outbox == []


# --- A mail server that refuses ----------------------------------------------------------------


def test_a_refused_notification_is_retried_later_and_does_not_hold_up_the_rest(db, settings):
    """The failure is written on the row; the sweep sends fresh notifications first and tries the
    refused one again only after RETRY_AFTER, so a few that always fail block nothing."""
    scene = make_scene(settings_count=1)
    with celery_broker(DEAD_BROKER):
        scene.send()
    refused = Notification.objects.filter(recipient=scene.provider_user).order_by("pk").first()
    assert refused is not None
    with smtp_server() as server:
        server.refuse.add(scene.provider_user.email)
        use_smtp(settings, server)
        with pytest.raises(SMTPRecipientsRefused):
            notifications.notification_send(notification_id=refused.pk)
        refused.refresh_from_db()
        assert refused.sent_at is None and refused.attempts == 1
        assert refused.last_error.startswith("SMTPRecipientsRefused")

        others = list(Notification.objects.exclude(pk=refused.pk).order_by("created_at", "pk"))
        assert notifications.notification_ids_unsent() == [n.pk for n in others]
        later = timezone.now() + notifications.RETRY_AFTER
        assert notifications.notification_ids_unsent(now=later) == [
            *[n.pk for n in others],
            refused.pk,
        ]

        # The sweep (eager here) sends the others; the refused one waits its turn.
        assert tasks.notifications_send_unsent() == 1
        assert [m["To"] for m in server.messages] == [scene.provider_admin.email]
        refused.refresh_from_db()
        assert refused.sent_at is None and refused.attempts == 1


def test_a_refused_digest_stays_held_and_the_others_still_go(scene, settings):
    for person in scene.provider_people:
        notifications.notification_preference_save(
            actor=person, all_settings=True, settings=[], daily_digest=True
        )
    with celery_broker(DEAD_BROKER):
        scene.send()
    assert Notification.objects.filter(for_digest=True, sent_at__isnull=True).count() == 4
    with smtp_server() as server:
        server.refuse.add(scene.provider_user.email)
        use_smtp(settings, server)
        with pytest.raises(SMTPRecipientsRefused):
            notifications.notification_digests_send()
        assert [m["To"] for m in server.messages] == [scene.provider_admin.email]
        held = Notification.objects.filter(sent_at__isnull=True)
        assert set(held.values_list("recipient", flat=True)) == {scene.provider_user.pk}
        assert held.count() == 2

        server.refuse.clear()  # the retry sends what is left, and nothing twice
        assert notifications.notification_digests_send() == 1
        assert notifications.notification_digests_send() == 0
        assert sorted(m["To"] for m in server.messages) == sorted(
            u.email for u in scene.provider_people
        )


# --- (c) Two senders at once --------------------------------------------------------------------


def _in_thread(target: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Run `target` on its own database connection; its result or exception goes in the list."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(target())
        except Exception as exc:  # handed to the test to raise
            outcome.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.mark.django_db(transaction=True)
def test_a_second_sender_skips_a_notification_being_sent(settings):
    """While one sender holds the row (its SMTP conversation is held before DATA), another
    skips it at once rather than waiting or sending a copy; when the first finishes, the row is
    sent and nobody sends it again."""
    scene = make_scene(settings_count=1)
    with smtp_server(hold_first_data=True) as server:
        use_smtp(settings, server)
        with celery_broker(DEAD_BROKER, eager=False):
            scene.send()
        first, second = Notification.objects.order_by("pk")
        thread, outcome = _in_thread(
            lambda: notifications.notification_send(notification_id=first.pk)
        )
        assert server.data_held.wait(10), "the first sender never reached DATA"

        assert _row_locked(first.pk)
        assert notifications.notification_send(notification_id=first.pk) is False
        assert notifications.notification_ids_unsent() == [first.pk, second.pk]

        server.release.set()
        thread.join(10)
        assert outcome == [True]
        assert len(server.messages) == 1
        assert notifications.notification_send(notification_id=first.pk) is False
        assert len(server.messages) == 1
        assert Notification.objects.get(pk=first.pk).sent_at is not None
        assert notifications.notification_ids_unsent() == [second.pk]


@pytest.mark.django_db(transaction=True)
def test_many_senders_at_once_send_one_email():
    scene = make_scene(settings_count=1)
    with celery_broker(DEAD_BROKER, eager=False):
        scene.send()
    notification = Notification.objects.order_by("pk").first()
    assert notification is not None
    barrier = threading.Barrier(6)

    def send() -> bool:
        barrier.wait(5)
        return notifications.notification_send(notification_id=notification.pk)

    started = [_in_thread(send) for _ in range(6)]
    results = []
    for thread, outcome in started:
        thread.join(20)
        results.extend(outcome)
    assert sorted(results) == [False] * 5 + [True]
    assert [m.to for m in mail.outbox] == [[notification.recipient.email]]


# --- (d) A worker killed in the middle of sending -----------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_leaves_the_notification_to_be_sent_once(
    tmp_path, private_redis, settings
):
    """A real worker takes the notification, locks its row and starts the SMTP conversation;
    the server holds DATA; the worker is killed (SIGKILL, no clean-up). The server got no
    message, the row is unsent, unlocked and its attempt undone. A new worker's sweep sends it:
    exactly one message in all, and a redelivered task for it sends nothing."""
    scene = make_scene(settings_count=1)
    scene.provider_admin.is_active = False  # one recipient, one notification
    scene.provider_admin.save()
    with smtp_server(hold_first_data=True) as server, celery_broker(private_redis):
        first = start_worker("outbox-first", tmp_path=tmp_path, broker=private_redis, smtp=server)
        try:
            scene.send()  # commits (transactional test): on commit the task goes to Redis
            notification = Notification.objects.get()
            assert server.data_held.wait(30), f"the worker never reached DATA:\n{first.log}"
            assert _row_locked(notification.pk)

            first.process.send_signal(signal.SIGKILL)
            assert first.process.wait(10) == -signal.SIGKILL
        finally:
            first.stop()
        assert server.client_gone.wait(10), "the server did not see the worker's connection go"
        server.release.set()
        wait_for(
            lambda: not _row_locked(notification.pk),
            timeout=10,
            what="PostgreSQL to end the killed worker's transaction",
        )
        assert server.messages == []
        notification.refresh_from_db()
        assert notification.sent_at is None
        assert notification.attempts == 0

        second = start_worker("outbox-second", tmp_path=tmp_path, broker=private_redis, smtp=server)
        try:
            tasks.notifications_send_unsent.delay()
            wait_for(
                lambda: Notification.objects.filter(
                    pk=notification.pk, sent_at__isnull=False
                ).exists(),
                timeout=30,
                what=lambda: f"the second worker to send the notification; log:\n{second.log}",
            )
            # As Redis would redeliver the killed worker's unacknowledged task: nothing more.
            again = tasks.notification_send.delay(notification.pk)
            line = wait_for(
                lambda: next(
                    (x for x in second.log.splitlines() if f"[{again.id}] succeeded" in x), None
                ),
                timeout=30,
                what=lambda: f"the redelivered task to finish; log:\n{second.log}",
            )
            assert line.endswith(": False")
        finally:
            second.stop()

    assert server.data_commands == 2  # the killed attempt and the one that went
    assert len(server.messages) == 1
    message = server.messages[0]
    assert message["To"] == scene.provider_user.email
    assert message["Message-ID"] == notifications.message_id(notification)
