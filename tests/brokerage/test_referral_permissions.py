"""Who may open the referral pages, as a table: each person × each page → the status code.

A referral goes from one LA's request to one provider's setting. Its provider answers it; the
requesting LA's officers and managers read it and reply. Everyone else gets a 404 for it (the
page never says that it exists), and the provider list is for provider roles only (403). A
refused POST changes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation, Role, User
from brokerage.models import Notification, Referral, ReferralMessage
from brokerage.referrals import referral_answer
from tests.brokerage.test_referral_pages import OFFER, Scene, make_scene, send
from tests.factories import OrganisationFactory, UserFactory

PAGES = ("list", "detail", "answer", "message")

# Who -> (list, detail, answer POST, message POST). 302 for a POST is the success redirect;
# for "signed out" it is the way to sign in.
EXPECTED: dict[str, tuple[int, int, int, int]] = {
    "hub admin": (403, 404, 404, 404),
    "officer of the requesting LA": (403, 200, 403, 302),
    "manager of the requesting LA": (403, 200, 403, 302),
    "officer of another LA": (403, 404, 404, 404),
    "officer of the LA after it left the region": (403, 404, 404, 404),
    "provider admin of the receiving organisation": (200, 200, 302, 302),
    "provider user of the receiving organisation": (200, 200, 302, 302),
    "provider user of another organisation": (200, 404, 404, 404),
    "signed out": (302, 302, 302, 302),
}
SUCCEEDS = {"answer": 302, "message": 302}


@pytest.fixture
def scene(db, settings) -> Scene:
    settings.TRAVEL_ENGINE = "estimate"
    return make_scene()


@pytest.fixture
def referral(scene) -> Referral:
    (made,) = send(scene)
    return made


def person(scene: Scene, who: str) -> User | None:
    la = scene.map.la
    if who == "hub admin":
        hub = OrganisationFactory(region=la.region, hub=True)
        return UserFactory(organisation=hub, role=Role.HUB_ADMIN)
    if who == "officer of another LA":
        other = OrganisationFactory(region=la.region, local_authority=True)
        return UserFactory(organisation=other, role=Role.PLACEMENT_OFFICER)
    if who == "officer of the LA after it left the region":
        Organisation.objects.filter(pk=la.pk).update(member_until=timezone.now())
        return scene.officer
    return {
        "officer of the requesting LA": scene.officer,
        "manager of the requesting LA": scene.manager,
        "provider admin of the receiving organisation": scene.provider_admin,
        "provider user of the receiving organisation": scene.provider_user,
        "provider user of another organisation": scene.other_provider_user,
        "signed out": None,
    }[who]


def request_page(client, page: str, referral: Referral):
    if page == "list":
        return client.get(reverse("brokerage:referral_list"))
    if page == "detail":
        return client.get(reverse("brokerage:referral_detail", args=[referral.pk]))
    if page == "answer":
        return client.post(reverse("brokerage:referral_answer", args=[referral.pk]), OFFER)
    return client.post(
        reverse("brokerage:referral_message_post", args=[referral.pk]), {"body": "Hello"}
    )


def _cases():
    for who, statuses in EXPECTED.items():
        for page, status in zip(PAGES, statuses, strict=True):
            yield pytest.param(who, page, status, id=f"{who}-{page}")


@pytest.mark.parametrize(("who", "page", "expected"), list(_cases()))
def test_referral_pages(client, scene, referral, who, page, expected):
    user = person(scene, who)
    if user is not None:
        client.force_login(user)

    response = request_page(client, page, referral)

    assert response.status_code == expected
    if expected == 302 and user is None:
        assert response.url.startswith(reverse("accounts:login"))
    if page in SUCCEEDS and (expected != SUCCEEDS[page] or user is None):
        # Refused: nothing changed, nobody told.
        referral.refresh_from_db()
        assert referral.answered_at is None and referral.status == Referral.Status.SENT
        assert not ReferralMessage.objects.exists()
        assert not Notification.objects.exclude(kind=Notification.Kind.REFERRAL_RECEIVED).exists()


def test_a_provider_never_sees_another_providers_referral_or_answer(client, scene):
    mine, theirs = send(scene, scene.home, scene.other_home)
    referral_answer(
        actor=scene.other_provider_user,
        referral=theirs,
        answer="interested",
        weekly_price=Decimal("5100"),
        start_date=timezone.localdate() + timedelta(days=3),
        price_includes=["core"],
    )

    client.force_login(scene.provider_user)
    listing = client.get(reverse("brokerage:referral_list")).content.decode()
    assert "Oak House" in listing and "Elm House" not in listing
    assert client.get(reverse("brokerage:referral_detail", args=[theirs.pk])).status_code == 404
    page = client.get(reverse("brokerage:referral_detail", args=[mine.pk])).content.decode()
    assert "Elm" not in page and "£5,100.00" not in page

    # The LA sees both answers.
    client.force_login(scene.officer)
    page = client.get(reverse("brokerage:referral_detail", args=[theirs.pk])).content.decode()
    assert "£5,100.00" in page


def test_a_referral_that_does_not_exist_is_a_404_like_one_that_is_not_yours(client, scene):
    client.force_login(scene.provider_user)
    assert client.get(reverse("brokerage:referral_detail", args=[999999])).status_code == 404
