"""The referral pages: a provider reads a referral and answers it, both sides ask and reply, and
once it is closed the provider sees only the setting, what happened and its own answer.

The data is made by the services (`referral_send`), so the referral is what an officer would
really send. Each POST runs its on-commit work (queueing the emails), as a real commit would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation, Role, User
from brokerage.models import Referral, ReferralMessage
from brokerage.referral_selectors import referrals_waiting_count
from brokerage.referrals import Shortlisted, referral_send
from placements.models import PlacementRequest
from providers.models import Setting
from tests.factories import OrganisationFactory, UserFactory
from tests.placements.builders import Map, child, home, make_world_map


@dataclass
class Scene:
    map: Map
    officer: User
    manager: User
    request: PlacementRequest
    provider: Organisation
    provider_admin: User
    provider_user: User
    home: Setting
    other_provider: Organisation
    other_provider_user: User
    other_home: Setting


def make_scene() -> Scene:
    """One LA's request for a 14-year-old girl, and two providers each running a home."""
    world_map = make_world_map()
    la = world_map.la
    officer = UserFactory(
        organisation=la, role=Role.PLACEMENT_OFFICER, email="officer@la.example", full_name="Olu"
    )
    manager = UserFactory(organisation=la, role=Role.LA_MANAGER, email="manager@la.example")
    provider = OrganisationFactory(
        region=la.region, kind=Organisation.Kind.PROVIDER, name="Oak Care"
    )
    other = OrganisationFactory(region=la.region, kind=Organisation.Kind.PROVIDER, name="Elm Homes")
    scene = Scene(
        map=world_map,
        officer=officer,
        manager=manager,
        request=child(world_map, risks=["going_missing"], needs=["autism"], reference="LAC-77"),
        provider=provider,
        provider_admin=UserFactory(
            organisation=provider, role=Role.PROVIDER_ADMIN, email="admin@oak.example"
        ),
        provider_user=UserFactory(
            organisation=provider,
            role=Role.PROVIDER_USER,
            email="keyworker@oak.example",
            full_name="Pat",
        ),
        home=home(world_map, name="Oak House", provider_organisation=provider),
        other_provider=other,
        other_provider_user=UserFactory(
            organisation=other, role=Role.PROVIDER_USER, email="keyworker@elm.example"
        ),
        other_home=home(world_map, name="Elm House", provider_organisation=other),
    )
    return scene


def send(
    scene: Scene, *settings: Setting, hours: float = 24, note: str = "Near her school"
) -> list[Referral]:
    return referral_send(
        actor=scene.officer,
        request=scene.request,
        shortlist=[Shortlisted(s) for s in settings or (scene.home,)],
        deadline=timezone.now() + timedelta(hours=hours),
        note=note,
    )


@pytest.fixture
def scene(db, settings) -> Scene:
    settings.TRAVEL_ENGINE = "estimate"
    return make_scene()


@pytest.fixture
def referral(scene, django_capture_on_commit_callbacks) -> Referral:
    with django_capture_on_commit_callbacks(execute=True):
        (made,) = send(scene)
    mail.outbox.clear()
    return made


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST as `user`, running the on-commit work (the emails) as a real commit would."""

    def posting(user: User, url: str, data: dict[str, Any], **kwargs: Any) -> Any:
        client.force_login(user)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data, **kwargs)

    return posting


def answer_url(referral: Referral) -> str:
    return reverse("brokerage:referral_answer", args=[referral.pk])


def detail_url(referral: Referral) -> str:
    return reverse("brokerage:referral_detail", args=[referral.pk])


def messages_url(referral: Referral) -> str:
    return reverse("brokerage:referral_message_post", args=[referral.pk])


START = timezone.localdate() + timedelta(days=7)
OFFER = {
    "answer": "interested",
    "weekly_price": "£4,250",
    "start_date_0": str(START.day),
    "start_date_1": str(START.month),
    "start_date_2": str(START.year),
    "price_includes": ["core", "education"],
    "price_details": "Includes weekly therapy sessions",
}


def emails_to(address: str) -> list[Any]:
    return [message for message in mail.outbox if address in message.to]


def unchanged(referral: Referral) -> bool:
    before = referral
    after = Referral.objects.get(pk=referral.pk)
    return (
        after.status == before.status
        and after.answered_at == before.answered_at
        and after.weekly_price == before.weekly_price
        and after.not_able_reason == before.not_able_reason
    )


# --- Reading and answering -----------------------------------------------------------------------


def test_the_provider_sees_the_childs_profile_the_places_and_the_form(client, scene, referral):
    client.force_login(scene.provider_user)
    page = client.get(detail_url(referral)).content.decode()

    assert "Oak House" in page and scene.map.la.name in page
    assert "Going missing" in page and "Autism" in page and "Children&#x27;s home" in page
    assert "Female" in page and "In the next 5 days" in page
    # The places as postcode districts and journey times, never the postcode; the note.
    assert "LE15" in page and "LE15 6AB" not in page
    assert "Not known" in page and "45 min" in page
    assert "Near her school" in page
    # The case reference is the LA's own: the provider does not need it.
    assert "LAC-77" not in page
    for label in (
        "Can you offer a placement?",
        "Interested",
        "Not able",
        "Weekly price",
        "Date the placement could start",
        "What the price includes",
        "Details of the price (optional)",
        "Why are you not able to offer a placement?",
        "Anything else the local authority should know",
        "Send answer",
        "Ask the local authority a question",
        "Send question",
    ):
        assert label in page, label
    assert 'class="govuk-input__prefix" aria-hidden="true">£</div>' in page
    assert (
        '<nav aria-label="Back">' in page and f'href="{reverse("brokerage:referral_list")}"' in page
    )


def test_an_interested_answer_is_stored_and_the_officer_emailed(post, client, scene, referral):
    response = post(scene.provider_user, answer_url(referral), OFFER)

    assert response.status_code == 302 and response.url == detail_url(referral)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.INTERESTED
    assert referral.weekly_price == Decimal("4250.00") and referral.start_date == START
    assert referral.price_includes == ["core", "education"]
    assert referral.price_details == "Includes weekly therapy sessions"
    assert referral.answered_by == scene.provider_user
    (email,) = emails_to("officer@la.example")
    assert "interested" in email.subject
    page = client.get(detail_url(referral)).content.decode()
    assert "Your answer has been sent to" in page and "£4,250.00" in page
    assert "Change your answer" in page and "Core care, Education" in page


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    [
        ({"weekly_price": "0"}, "id_weekly_price", "Enter a weekly price above £0"),
        ({"weekly_price": "-50"}, "id_weekly_price", "Enter a weekly price above £0"),
        ({"weekly_price": ""}, "id_weekly_price", "Enter the weekly price, like 4250"),
        ({"weekly_price": "lots"}, "id_weekly_price", "Enter the weekly price as a number"),
        (
            {"start_date_0": "", "start_date_1": "", "start_date_2": ""},
            "id_start_date_0",
            "Enter the date the placement could start",
        ),
        ({"start_date_0": "31", "start_date_1": "2"}, "id_start_date_0", "must be a real date"),
        ({"start_date_1": ""}, "id_start_date_0", "must include a day, month and year"),
        ({"price_includes": []}, "id_price_includes_1", "Say what the weekly price includes"),
        ({"answer": ""}, "id_answer_0", "Choose interested or not able"),
    ],
)
def test_a_wrong_answer_shows_field_errors_and_changes_nothing(
    post, scene, referral, changes, field_id, message
):
    response = post(scene.provider_user, answer_url(referral), {**OFFER, **changes})

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and message in page
    assert f'href="#{field_id}"' in page
    assert page.count('class="govuk-error-message"') >= 1
    assert "<title>Error: " in page
    assert unchanged(referral) and mail.outbox == []


def test_a_start_date_in_the_past_is_refused(post, scene, referral):
    past = timezone.localdate() - timedelta(days=1)
    data = {
        **OFFER,
        "start_date_0": str(past.day),
        "start_date_1": str(past.month),
        "start_date_2": str(past.year),
    }
    response = post(scene.provider_user, answer_url(referral), data)
    assert "The start date must be today or later" in response.content.decode()
    assert unchanged(referral)


def test_not_able_with_a_reason_ignores_the_hidden_price_fields(post, scene, referral):
    data = {**OFFER, "answer": "not_able", "weekly_price": "junk", "not_able_reason": "matching"}
    response = post(scene.provider_user, answer_url(referral), data)

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.NOT_ABLE
    assert referral.not_able_reason == "matching" and referral.weekly_price is None
    assert len(emails_to("officer@la.example")) == 1


def test_not_able_for_another_reason_needs_a_note(post, scene, referral):
    data = {"answer": "not_able", "not_able_reason": "other", "answer_note": " "}
    response = post(scene.provider_user, answer_url(referral), data)
    page = response.content.decode()
    assert "Say why you are not able to offer a placement" in page
    assert 'href="#id_answer_note"' in page
    assert unchanged(referral)

    response = post(scene.provider_user, answer_url(referral), {"answer": "not_able"})
    page = response.content.decode()
    assert "Choose why you are not able to offer a placement" in page
    assert 'href="#id_not_able_reason_1"' in page


def test_an_answer_can_be_changed_before_the_deadline(post, client, scene, referral):
    post(scene.provider_user, answer_url(referral), OFFER)
    data = {"answer": "not_able", "not_able_reason": "no_vacancy", "answer_note": "Full now"}
    post(scene.provider_admin, answer_url(referral), data)

    referral.refresh_from_db()
    assert referral.status == Referral.Status.NOT_ABLE and referral.weekly_price is None
    assert referral.answered_by == scene.provider_admin
    assert len(emails_to("officer@la.example")) == 2
    page = client.get(detail_url(referral)).content.decode()
    assert "No vacancy" in page and "Full now" in page


def test_a_double_submitted_answer_sends_one_email(post, scene, referral):
    first = post(scene.provider_user, answer_url(referral), OFFER)
    second = post(scene.provider_user, answer_url(referral), OFFER, follow=True)

    assert first.status_code == 302 and second.status_code == 200
    assert "already has this answer: nothing has changed" in second.content.decode()
    assert len(emails_to("officer@la.example")) == 1


def test_answering_after_the_deadline_is_refused_clearly(post, scene, referral):
    Referral.objects.filter(pk=referral.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    referral.refresh_from_db()

    response = post(scene.provider_user, answer_url(referral), OFFER)

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and "The deadline for answering has passed" in page
    assert "The deadline passed without an answer" in page
    assert "Send answer" not in page and "Going missing" not in page
    assert unchanged(referral) and mail.outbox == []


def test_an_invalid_answer_after_the_deadline_says_why_not_what_was_wrong(post, scene, referral):
    Referral.objects.filter(pk=referral.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    data = {**OFFER, "weekly_price": "lots"}  # not even a number: the form itself is invalid
    response = post(scene.provider_user, answer_url(referral), data)
    page = response.content.decode()
    assert "The deadline passed without an answer: this referral can no longer be answered" in page
    assert "Enter the weekly price" not in page


def test_answering_after_the_place_was_filled_is_refused_clearly(post, scene, referral):
    Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.FILLED)
    referral.refresh_from_db()

    response = post(scene.provider_user, answer_url(referral), OFFER)

    page = response.content.decode()
    assert "The place has been filled: this referral can no longer be answered" in page
    assert unchanged(referral) and mail.outbox == []


def test_a_form_address_opened_directly_goes_to_the_referral(client, scene, referral):
    client.force_login(scene.provider_user)
    response = client.get(answer_url(referral))
    assert response.status_code == 302 and response.url == detail_url(referral)


# --- Questions and replies -----------------------------------------------------------------------


def test_a_question_and_a_reply_each_email_the_other_side(post, client, scene, referral):
    response = post(
        scene.provider_user, messages_url(referral), {"body": "Does she have a social worker?"}
    )
    assert response.status_code == 302
    assert len(emails_to("officer@la.example")) == 1
    assert emails_to("keyworker@oak.example") == []

    response = post(scene.officer, messages_url(referral), {"body": "Yes, she does."})
    assert response.status_code == 302
    assert len(emails_to("keyworker@oak.example")) == 1
    assert len(emails_to("admin@oak.example")) == 1

    thread = list(ReferralMessage.objects.filter(referral=referral))
    assert [m.from_provider for m in thread] == [True, False]

    client.force_login(scene.officer)
    page = client.get(detail_url(referral)).content.decode()
    assert "Your reply has been sent to Oak House" in page
    assert page.index("Does she have a social worker?") < page.index("Yes, she does.")
    assert "Pat, Oak Care" in page and "<strong>You</strong>" in page

    client.force_login(scene.provider_user)
    page = client.get(detail_url(referral)).content.decode()
    assert f"Olu, {scene.map.la.name}" in page and "<strong>You</strong>" in page


def test_an_empty_message_is_a_field_error(post, scene, referral):
    response = post(scene.provider_user, messages_url(referral), {"body": "  "})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter your message" in page and 'href="#id_body"' in page
    assert not ReferralMessage.objects.exists() and mail.outbox == []


def test_no_message_once_the_referral_is_closed(post, scene, referral):
    Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.EXPIRED)
    for user in (scene.provider_user, scene.officer):
        response = post(user, messages_url(referral), {"body": "Still there?"})
        page = response.content.decode()
        assert response.status_code == 200
        assert "messages can no longer be sent" in page
    assert not ReferralMessage.objects.exists() and mail.outbox == []


# --- After it is closed --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("close", "status_text"),
    [
        ("request", "The local authority has closed this request"),
        (Referral.Status.FILLED, "The place has been filled"),
        (Referral.Status.PLACED, "Placement agreed here"),
        (Referral.Status.EXPIRED, "The deadline passed without an answer"),
    ],
)
def test_a_closed_referral_shows_the_provider_only_the_setting_status_and_its_answer(
    post, client, scene, referral, close, status_text
):
    post(scene.provider_user, answer_url(referral), OFFER)
    post(scene.provider_user, messages_url(referral), {"body": "A question about school"})
    if close == "request":
        PlacementRequest.objects.filter(pk=scene.request.pk).update(
            status=PlacementRequest.Status.CLOSED, closed_at=timezone.now(), close_reason="other"
        )
    else:
        Referral.objects.filter(pk=referral.pk).update(status=close)

    client.force_login(scene.provider_user)
    page = client.get(detail_url(referral)).content.decode()

    assert "Oak House" in page and status_text in page
    assert "£4,250.00" in page  # its own answer
    for hidden in ("Going missing", "Autism", "LE15", "Near her school", "A question about"):
        assert hidden not in page, hidden
    assert "Send answer" not in page and "Send question" not in page

    client.force_login(scene.officer)
    page = client.get(detail_url(referral)).content.decode()
    for shown in ("Going missing", "LE15", "Near her school", "A question about", "LAC-77"):
        assert shown in page, shown


def test_the_la_sees_the_answer_and_a_link_to_the_requests_referrals(post, client, scene, referral):
    post(scene.provider_user, answer_url(referral), OFFER)
    client.force_login(scene.manager)
    page = client.get(detail_url(referral)).content.decode()

    assert "The provider's answer" in page
    assert "£4,250.00" in page and START.strftime("%B %Y") in page
    assert "Core care, Education" in page and "Includes weekly therapy sessions" in page
    assert "Reply to the provider" in page and "Send reply" in page
    assert "Send answer" not in page
    assert f'href="/placements/{scene.request.pk}/referrals/"' in page
    assert "LAC-77" in page  # the LA's own reference


# --- The list and the navigation -----------------------------------------------------------------


def test_the_list_shows_waiting_referrals_first_by_deadline_then_the_rest_newest_first(
    client, scene
):
    now = timezone.now()
    homes = [
        home(scene.map, name=f"Home {n}", provider_organisation=scene.provider) for n in range(4)
    ]
    soon, later, answered, expired = (
        send(scene, setting, hours=hours)[0]
        for setting, hours in zip(homes, (3, 48, 24, 24), strict=True)
    )
    Referral.objects.filter(pk=answered.pk).update(
        status=Referral.Status.NOT_ABLE, not_able_reason="location", sent_at=now - timedelta(days=1)
    )
    Referral.objects.filter(pk=expired.pk).update(
        status=Referral.Status.EXPIRED, sent_at=now - timedelta(days=2)
    )
    send(scene, scene.other_home)  # another provider's: not listed

    client.force_login(scene.provider_user)
    page = client.get(reverse("brokerage:referral_list")).content.decode()

    order = [page.index(f"Home {n}<") for n in range(4)]
    assert order == sorted(order)
    assert "Elm House" not in page
    assert "in 3 hours" in page
    assert "A 14-year-old girl" in page
    assert page.count("A 14-year-old girl") == 3  # not for the expired one
    assert "Answer needed" in page and "Deadline passed" in page
    assert scene.map.la.name in page


def test_provider_navigation_counts_referrals_waiting_in_one_query(client, scene, referral):
    client.force_login(scene.provider_user)
    labels = [
        item["label"] for item in client.get(reverse("brokerage:home")).context["navigation_items"]
    ]
    assert "Referrals (1)" in labels
    with CaptureQueriesContext(connection) as queries:
        assert referrals_waiting_count(scene.provider_user) == 1
    assert len(queries) == 1

    # The officer's "Referrals" is their LA's list across requests, with no provider's count.
    client.force_login(scene.officer)
    items = client.get(reverse("brokerage:home")).context["navigation_items"]
    referrals = [item for item in items if item["label"].startswith("Referrals")]
    assert referrals == [
        {
            "label": "Referrals",
            "url": reverse("brokerage:la_referral_list"),
            "section": "la_referrals",
        }
    ]


def test_the_referral_page_takes_the_same_queries_however_long_the_thread(
    post, client, scene, referral
):
    post(scene.provider_user, messages_url(referral), {"body": "First"})
    client.force_login(scene.provider_user)
    with CaptureQueriesContext(connection) as few:
        client.get(detail_url(referral))
    for number in range(5):
        post(scene.officer, messages_url(referral), {"body": f"Reply {number}"})
    client.force_login(scene.provider_user)
    with CaptureQueriesContext(connection) as many:
        client.get(detail_url(referral))
    assert len(many) == len(few)


def test_deadline_text():
    from brokerage.referral_views import deadline_text

    now = timezone.make_aware(datetime(2026, 11, 24, 9, 0))
    assert deadline_text(now + timedelta(hours=3), now) == "in 3 hours"
    assert deadline_text(now + timedelta(minutes=45), now) == "in 45 minutes"
    assert deadline_text(now + timedelta(days=3), now) == "27 Nov 2026, 9am"
    assert deadline_text(now - timedelta(minutes=1), now).startswith("Passed")
