"""Emails go through Celery; nothing is lost when Redis is down."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts import services, tasks
from accounts.models import Invitation, Role
from tests.broker import DEAD_BROKER, celery_broker

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down():
    """Point Celery at a port where nothing listens, and stop running tasks inline."""
    with celery_broker(DEAD_BROKER):
        yield


def test_invitation_saved_and_sent_later_when_redis_is_down(
    world, broker_down, django_capture_on_commit_callbacks, settings, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            actor=world.user("hub_a", Role.HUB_ADMIN),
            email="later@example.org",
            full_name="Lay Ter",
            organisation=world.la_a1,
            role=Role.PLACEMENT_OFFICER,
        )
    # The admin's action stands; the email is pending, and the failure is logged.
    assert Invitation.objects.get(pk=invitation.pk).email_sent_at is None
    assert mail.outbox == []
    assert "periodic sweep will retry" in caplog.text


def test_the_sweep_sends_pending_invitation_emails_once(world):
    invitation = services.invitation_create(
        actor=world.user("hub_a", Role.HUB_ADMIN),
        email="pending@example.org",
        full_name="Pen Ding",
        organisation=world.la_a1,
        role=Role.PLACEMENT_OFFICER,
    )
    # Too recent: the normal path may still be about to send it.
    assert tasks.invitation_emails_send_unsent() == 0
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    assert tasks.invitation_emails_send_unsent() == 1
    assert [m.to for m in mail.outbox] == [["pending@example.org"]]
    assert tasks.invitation_emails_send_unsent() == 0
    assert len(mail.outbox) == 1


def test_expired_or_withdrawn_invitations_are_not_emailed(world):
    invitation = services.invitation_create(
        actor=world.user("hub_a", Role.HUB_ADMIN),
        email="gone@example.org",
        full_name="Gone",
        organisation=world.la_a1,
        role=Role.PLACEMENT_OFFICER,
    )
    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    assert tasks.invitation_email_send(invitation.pk) is False
    assert mail.outbox == []


def test_password_reset_email_for_an_inactive_user_is_not_sent(world):
    user = world.user("la_a1", Role.PLACEMENT_OFFICER)
    user.is_active = False
    user.save()
    assert tasks.password_reset_email_send(user.pk) is False
    assert mail.outbox == []


def test_password_reset_asked_while_redis_is_down_is_no_error(
    world, broker_down, django_capture_on_commit_callbacks, caplog
):
    user = world.user("la_a1", Role.PLACEMENT_OFFICER)
    with django_capture_on_commit_callbacks(execute=True):
        services.password_reset_request(email=user.email)
    # The page answers as usual; no email went (the person asks again), and it is logged.
    assert mail.outbox == []
    assert "Could not queue accounts.tasks.password_reset_email_send" in caplog.text


def test_the_invitation_sweep_with_redis_still_down_queues_nothing(world, broker_down, caplog):
    invitation = services.invitation_create(
        actor=world.user("hub_a", Role.HUB_ADMIN),
        email="waiting@example.org",
        full_name="Wai Ting",
        organisation=world.la_a1,
        role=Role.PLACEMENT_OFFICER,
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    assert tasks.invitation_emails_send_unsent() == 0
    assert "periodic sweep will retry" in caplog.text
    assert Invitation.objects.get(pk=invitation.pk).email_sent_at is None
