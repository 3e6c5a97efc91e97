"""A referral notification through Django's SMTP backend to a real SMTP server on loopback
(aiosmtpd, on a port the system chooses), as production sends it."""

from __future__ import annotations

import pytest

from brokerage import notifications
from brokerage.models import Notification
from tests.brokerage.test_outbox import make_scene, smtp_server, use_smtp

pytestmark = pytest.mark.django_db


def test_a_new_referral_email_goes_through_smtp(settings, django_capture_on_commit_callbacks):
    scene = make_scene(settings_count=1)
    scene.provider_admin.is_active = False
    scene.provider_admin.save()
    with smtp_server() as server:
        use_smtp(settings, server)
        with django_capture_on_commit_callbacks(execute=True):
            [referral] = scene.send()

    notification = Notification.objects.get(referral=referral)
    assert notification.sent_at is not None and notification.attempts == 1
    [message] = server.messages
    assert message["X-Envelope-To"] == scene.provider_user.email
    assert message["To"] == scene.provider_user.email
    assert message["From"] == settings.DEFAULT_FROM_EMAIL
    setting = referral.setting
    assert message["Subject"].startswith(f"New referral for {setting.display_name}: answer by ")
    assert message["Message-ID"] == notifications.message_id(notification)
    assert message["Message-ID"] == f"<notification-{notification.pk}@testserver>"
    assert message.get_content_type() == "text/plain"

    body = message.get_content()
    assert f"Dear {scene.provider_user.full_name}," in body
    assert "A 14-year-old girl: children's home, needed in the next 5 days." in body
    assert f"{referral.request.organisation.name} has sent a referral for" in body
    assert f"http://testserver/referrals/{referral.pk}/" in body
    # Nothing that identifies the child beyond age and sex: not the LA's case reference, nor
    # any postcode of the places that matter.
    assert referral.request.reference == "LAC-0001"
    assert "LAC-0001" not in body and "LAC-0001" not in message["Subject"]
    assert "LE15" not in body
    assert "School" not in body
