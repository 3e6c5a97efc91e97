"""Referrals through the providers' API: listing, reading, answering and the thread, with the
same rules and emails as the referral pages, on real PostGIS and Redis.

The referrals are made by the services (`referral_send`), as an officer sends them. The clock is
fixed (`clock`: NOW, moved on only by the test), so no test depends on today's date. Each call
that changes something runs its on-commit work (queueing the emails), as a real commit would.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditEvent, Role, User
from brokerage.models import Notification, Referral, ReferralMessage
from brokerage.referrals import Shortlisted, placement_decide, referral_send
from placements.models import CloseReason
from placements.services import placement_request_close
from providers import facts
from tests.brokerage.test_referral_pages import Scene, make_scene
from tests.brokerage.test_two_regions import two_regions  # noqa: F401 - a fixture used below
from tests.factories import UserFactory
from tests.placements.builders import child, home

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
START = NOW.date() + timedelta(days=7)
OFFER = {
    "answer": "interested",
    "weekly_price": "4250",
    "start_date": START.isoformat(),
    "price_includes": ["core", "education"],
    "price_details": "Includes weekly therapy sessions",
}


@pytest.fixture
def clock():
    """The clock at NOW (ticking), whatever today is; `clock.shift(...)` moves it on."""
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def scene(clock, settings) -> Scene:
    settings.TRAVEL_ENGINE = "estimate"
    return make_scene()


def key_client(user: User) -> APIClient:
    """A client with a new API key created by `user` (a provider admin)."""
    _, key = facts.api_token_create(actor=user, name="Our case system")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def api(scene) -> APIClient:
    return key_client(scene.provider_admin)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Call the API and run the on-commit work (the emails), as a real commit would."""

    def call(method: Any, url: str, data: dict[str, Any] | None = None) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return method(url, data, format="json")

    return call


def send(scene: Scene, *settings: Any, hours: float = 24, request: Any = None) -> list[Referral]:
    return referral_send(
        actor=scene.officer,
        request=request or scene.request,
        shortlist=[Shortlisted(s) for s in settings or (scene.home,)],
        deadline=timezone.now() + timedelta(hours=hours),
        note="Near her school",
    )


@pytest.fixture
def referral(scene, django_capture_on_commit_callbacks) -> Referral:
    """One referral to Oak House, as the pages' tests make it, its emails cleared."""
    with django_capture_on_commit_callbacks(execute=True):
        (made,) = send(scene)
    mail.outbox.clear()
    return made


def url(referral: Referral, tail: str = "") -> str:
    return f"/api/v1/referrals/{referral.pk}/{tail}"


def emails_to(address: str) -> list[Any]:
    return [message for message in mail.outbox if address in message.to]


def officer_notifications(scene: Scene) -> list[Notification]:
    return list(Notification.objects.filter(recipient=scene.officer).order_by("pk"))


# --- Listing and reading --------------------------------------------------------------------------


def test_the_list_shows_only_the_organisations_referrals_newest_first(clock, scene, api):
    first, theirs = send(scene, scene.home, scene.other_home)
    clock.shift(timedelta(hours=1))
    later_request = child(scene.map, reference="LAC-78", age_years=9, sex="male")
    (later,) = send(scene, request=later_request)

    response = api.get("/api/v1/referrals/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and body["next"] is None
    assert [row["id"] for row in body["results"]] == [later.pk, first.pk]
    row = body["results"][1]
    assert row["setting"] == {"urn": scene.home.urn, "name": "Oak House"}
    assert row["local_authority"] == scene.map.la.name
    assert row["child"] == "A 14-year-old girl"
    assert body["results"][0]["child"] == "A 9-year-old boy"
    assert (row["status"], row["state"], row["state_label"]) == (
        "sent",
        "waiting",
        "Waiting for your answer",
    )
    assert row["can_answer"] is True and row["can_message"] is True and row["answer"] is None
    assert datetime.fromisoformat(row["deadline"]) == first.deadline
    assert row["url"] == f"http://testserver/referrals/{first.pk}/"
    # Never the LA's case reference, never another provider's referral.
    assert "LAC-77" not in response.content.decode() and theirs.pk not in [
        r["id"] for r in body["results"]
    ]


def test_a_page_past_the_last_is_a_404_the_schema_documents(clock, scene, api, referral):
    # Found by `make fuzz`: DRF's "Invalid page." was a status the schema did not list.
    assert api.get("/api/v1/referrals/?page=1").status_code == 200
    for page in ("2", "x"):
        response = api.get(f"/api/v1/referrals/?page={page}")
        assert (response.status_code, response.json()) == (404, {"detail": "Invalid page."})
    schema = json.loads(APIClient().get("/api/schema/?format=json").content)
    assert "404" in schema["paths"]["/api/v1/referrals/"]["get"]["responses"]


def test_the_list_filters_by_status_and_by_waiting(clock, scene, api, committed):
    first, second = send(scene, scene.home, home(scene.map, provider_organisation=scene.provider))
    committed(
        api.post, url(second, "answer/"), {"answer": "not_able", "not_able_reason": "location"}
    )

    def ids(query: str) -> list[int]:
        response = api.get(f"/api/v1/referrals/?{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids("status=not_able") == [second.pk]
    assert ids("status=sent") == [first.pk]
    assert ids("waiting=true") == [first.pk]
    assert sorted(ids("waiting=false")) == [second.pk]
    assert sorted(ids("")) == sorted(ids("status=")) == sorted([first.pk, second.pk])
    clock.shift(timedelta(hours=25))  # the first one's deadline passes unanswered
    assert ids("waiting=true") == []
    assert api.get("/api/v1/referrals/?status=maybe").json() == {
        "status": ['"maybe" is not a valid choice.']
    }


def test_the_list_takes_as_many_queries_for_many_answered_referrals_as_for_one(
    scene, api, committed
):
    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/referrals/").status_code == 200
        return len(queries)

    (first,) = send(scene)
    committed(api.post, url(first, "answer/"), OFFER)
    one = queries_for_list()
    more = send(scene, *[home(scene.map, provider_organisation=scene.provider) for _ in range(3)])
    for referral in more:
        committed(api.post, url(referral, "answer/"), OFFER)
    assert api.get("/api/v1/referrals/").json()["count"] == 4
    assert queries_for_list() == one


def test_one_referral_shows_what_the_providers_page_shows(scene, api, referral):
    response = api.get(url(referral))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == referral.pk and body["closed_reason"] == ""
    profile = {row["label"]: row["value"] for row in body["profile"]}
    assert profile["Age"].startswith("14") and profile["Sex"] == "Female"
    assert "Going missing" in profile.values().__str__() and "Autism" in str(profile.values())
    assert body["places"] == [
        {"label": "School", "district": "LE15", "journey": "Not known", "max_minutes": 45}
    ]
    assert body["note"] == "Near her school"
    text = response.content.decode()
    # The postcode, the LA's case reference, the officer and what only the LA sees: never.
    for secret in ("LE15 6AB", "LAC-77", "Olu", "exclusions", "override_reason", "sent_by"):
        assert secret not in text, secret


def test_a_closed_referral_shows_only_the_setting_its_state_and_the_answer(scene, api, referral):
    other = send(scene, scene.other_home)[0]
    placement_decide(
        actor=scene.officer,
        request=scene.request,
        setting=scene.other_home,
        start_date=START,
        weekly_cost=Decimal("4000"),
        services_included=["core"],
        social_care_weekly=Decimal("4000"),
    )
    assert Referral.objects.get(pk=other.pk).status == Referral.Status.PLACED

    body = api.get(url(referral)).json()

    assert (body["state"], body["state_label"]) == ("filled", "The place has been filled")
    assert body["child"] is None and body["profile"] is None
    assert body["places"] is None and body["note"] is None
    assert body["can_answer"] is False and body["can_message"] is False
    assert "can no longer be answered" in body["closed_reason"]
    thread = api.get(url(referral, "messages/"))
    assert thread.status_code == 409
    assert thread.json()["detail"] == (
        "The referral is closed, so the child's details and the messages are no longer shown."
    )


# --- Who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "tail", "data"),
    [
        ("get", "", None),
        ("post", "answer/", OFFER),
        ("get", "messages/", None),
        ("post", "messages/", {"body": "Is she at school?"}),
    ],
)
def test_another_providers_referral_is_not_found(scene, referral, method, tail, data):
    other_admin = UserFactory(organisation=scene.other_provider, role=Role.PROVIDER_ADMIN)
    response = getattr(key_client(other_admin), method)(url(referral, tail), data, format="json")

    assert response.status_code == 404
    assert response.json() == {"detail": f"Your organisation has no referral {referral.pk}."}
    assert Referral.objects.get(pk=referral.pk).answered_at is None
    assert not ReferralMessage.objects.exists() and mail.outbox == []


def test_a_referral_that_does_not_exist_is_not_found(api, referral):
    assert api.get(f"/api/v1/referrals/{referral.pk + 1000}/").status_code == 404


def test_no_key_a_session_and_an_la_key_are_refused(scene, referral, client):
    anonymous = APIClient()
    response = anonymous.get("/api/v1/referrals/")
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert anonymous.get(url(referral)).status_code == 401
    # The LA's officer reads the referral on the page; the API takes no session, not even theirs.
    client.force_login(scene.officer)
    assert client.get(reverse("brokerage:referral_detail", args=[referral.pk])).status_code == 200
    assert client.get(url(referral)).status_code == 401
    client.force_login(scene.provider_admin)
    assert client.get("/api/v1/referrals/").status_code == 401
    # An LA's key is not a provider's.
    officer_key = key_client(scene.officer)
    assert officer_key.get("/api/v1/referrals/").status_code == 403
    assert officer_key.get(url(referral)).status_code == 403
    assert officer_key.post(url(referral, "answer/"), OFFER, format="json").status_code == 403
    assert Referral.objects.get(pk=referral.pk).answered_at is None


# --- Answering --------------------------------------------------------------------------------


def test_an_interested_answer_is_saved_and_the_officer_told_as_from_the_page(
    scene, api, committed, client, django_capture_on_commit_callbacks
):
    """Two referrals of one request to two of the provider's homes: one answered on the page,
    one through the API with the same offer. The officer's notifications and emails are the
    same but for the home's name and URN."""
    lodge = home(scene.map, name="Oak Lodge", provider_organisation=scene.provider)
    with django_capture_on_commit_callbacks(execute=True):
        on_page, by_api = send(scene, scene.home, lodge)
    mail.outbox.clear()

    client.force_login(scene.provider_user)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            reverse("brokerage:referral_answer", args=[on_page.pk]),
            {
                **{k: v for k, v in OFFER.items() if k != "start_date"},
                "start_date_0": str(START.day),
                "start_date_1": str(START.month),
                "start_date_2": str(START.year),
            },
        )
    assert page.status_code == 302
    response = committed(api.post, url(by_api, "answer/"), OFFER)

    assert response.status_code == 200
    body = response.json()
    assert body["changed"] is True
    assert body["message"] == (
        f"Your answer has been sent to {scene.map.la.name}: interested, £4,250.00 a week, "
        f"starting {START.day} {START:%B %Y}."
    )
    assert body["referral"]["state"] == "interested"
    assert body["referral"]["answer"] == {
        "answer": "interested",
        "weekly_price": "4250.00",
        "start_date": START.isoformat(),
        "price_includes": ["core", "education"],
        "price_details": "Includes weekly therapy sessions",
        "not_able_reason": "",
        "answer_note": "",
        "answered_at": body["referral"]["answer"]["answered_at"],
        "answered_by": scene.provider_admin.full_name,
    }
    answered = Referral.objects.get(pk=by_api.pk)
    assert answered.status == Referral.Status.INTERESTED
    assert (answered.weekly_price, answered.start_date) == (Decimal("4250.00"), START)
    assert answered.answered_by == scene.provider_admin  # the key's creator
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.REFERRAL_ANSWERED, actor=scene.provider_admin
    ).exists()

    from_page, from_api = officer_notifications(scene)
    assert (from_page.kind, from_api.kind) == (Notification.Kind.ANSWERED,) * 2
    assert from_page.sent_at and from_api.sent_at

    def as_lodge(text: str) -> str:
        return text.replace("Oak House", "Oak Lodge").replace(scene.home.urn, lodge.urn)

    assert from_api.subject == as_lodge(from_page.subject)
    assert from_api.body == as_lodge(from_page.body)
    assert from_api.subject == "Oak Lodge answered your referral for LAC-77: interested"
    assert [m.subject for m in emails_to("officer@la.example")] == [
        from_page.subject,
        from_api.subject,
    ]


def test_not_able_with_a_reason_ignores_the_price_fields(scene, api, committed, referral):
    response = committed(
        api.post,
        url(referral, "answer/"),
        {
            "answer": "not_able",
            "not_able_reason": "no_vacancy",
            "answer_note": "Full until March",
            "weekly_price": "lots",  # the other kind of answer's field: ignored, as on the page
        },
    )

    assert response.status_code == 200, response.json()
    assert response.json()["message"] == (
        f"Your answer has been sent to {scene.map.la.name}: not able to offer a placement."
    )
    answer = response.json()["referral"]["answer"]
    assert (answer["answer"], answer["not_able_reason"], answer["answer_note"]) == (
        "not_able",
        "no_vacancy",
        "Full until March",
    )
    assert answer["weekly_price"] is None
    referral.refresh_from_db()
    assert referral.status == Referral.Status.NOT_ABLE and referral.weekly_price is None
    (email,) = emails_to("officer@la.example")
    assert email.subject.endswith(": not able")


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"weekly_price": "0"}, {"weekly_price": ["Enter a weekly price above £0"]}),
        ({"weekly_price": -50}, {"weekly_price": ["Enter a weekly price above £0"]}),
        ({"weekly_price": None}, {"weekly_price": ["Enter the weekly price, like 4250"]}),
        (
            {"weekly_price": "lots"},
            {"weekly_price": ["Enter the weekly price as a number, like 4250"]},
        ),
        (
            {"weekly_price": "100000.01"},
            {"weekly_price": ["Enter a weekly price of £100,000 or less"]},
        ),
        (
            {"weekly_price": "4250.505"},
            {"weekly_price": ["Enter the weekly price in pounds and pence, like 4250.50"]},
        ),
        ({"start_date": None}, {"start_date": ["Enter the date the placement could start"]}),
        (
            {"start_date": "31/02/2026"},
            {"start_date": ["Enter the start date as YYYY-MM-DD, like 2026-11-27"]},
        ),
        (
            {"start_date": (NOW.date() - timedelta(days=1)).isoformat()},
            {"start_date": ["The start date must be today or later"]},
        ),
        ({"price_includes": []}, {"price_includes": ["Say what the weekly price includes"]}),
        (
            {"price_includes": ["caviar"]},
            {"price_includes": {"0": ["Choose what the price includes from the list"]}},
        ),
        ({"answer": "maybe"}, {"answer": ["Choose interested or not able"]}),
        (
            {"answer": "not_able"},
            {"not_able_reason": ["Choose why you are not able to offer a placement"]},
        ),
        (
            {"answer": "not_able", "not_able_reason": "other"},
            {"answer_note": ["Say why you are not able to offer a placement"]},
        ),
        (
            {"answer": "not_able", "not_able_reason": "busy"},
            {"not_able_reason": ["Choose why you are not able to offer a placement"]},
        ),
    ],
)
def test_a_wrong_answer_is_400_by_field_with_the_pages_words_and_changes_nothing(
    scene, api, committed, referral, changes, errors
):
    response = committed(api.post, url(referral, "answer/"), {**OFFER, **changes})

    assert response.status_code == 400
    assert response.json() == errors
    unchanged = Referral.objects.get(pk=referral.pk)
    assert unchanged.status == Referral.Status.SENT and unchanged.answered_at is None
    assert mail.outbox == [] and not officer_notifications(scene)


def test_no_answer_at_all_is_400(api, referral):
    response = api.post(url(referral, "answer/"), {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"answer": ["Choose interested or not able"]}


def test_the_same_answer_twice_changes_nothing_and_tells_nobody_again(
    clock, scene, api, committed, referral
):
    first = committed(api.post, url(referral, "answer/"), OFFER)
    answered_at = Referral.objects.get(pk=referral.pk).answered_at
    clock.shift(timedelta(minutes=5))

    again = committed(api.post, url(referral, "answer/"), OFFER)

    assert first.status_code == again.status_code == 200
    assert again.json()["changed"] is False
    assert again.json()["message"] == (
        f"{scene.map.la.name} already has this answer: nothing has changed."
    )
    assert Referral.objects.get(pk=referral.pk).answered_at == answered_at
    assert len(officer_notifications(scene)) == 1 and len(emails_to("officer@la.example")) == 1


def test_a_changed_answer_before_the_deadline_is_saved_and_told(
    clock, scene, api, committed, referral
):
    committed(api.post, url(referral, "answer/"), OFFER)
    clock.shift(timedelta(minutes=5))
    changed = committed(api.post, url(referral, "answer/"), {**OFFER, "weekly_price": 3900})

    assert changed.status_code == 200 and changed.json()["changed"] is True
    assert Referral.objects.get(pk=referral.pk).weekly_price == Decimal("3900.00")
    assert len(officer_notifications(scene)) == 2


@pytest.mark.parametrize("answered_first", [False, True])
def test_after_the_deadline_an_answer_is_409_with_the_pages_words(
    clock, scene, api, committed, referral, answered_first
):
    if answered_first:
        committed(api.post, url(referral, "answer/"), OFFER)
    before = Referral.objects.get(pk=referral.pk)
    clock.shift(timedelta(hours=24, minutes=1))  # the deadline was 24 hours after sending

    response = committed(
        api.post, url(referral, "answer/"), {"answer": "not_able", "not_able_reason": "location"}
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": "The deadline for answering has passed. Ask the local authority if you can "
        "still help"
    }
    after = Referral.objects.get(pk=referral.pk)
    assert (after.status, after.answered_at) == (before.status, before.answered_at)
    assert len(officer_notifications(scene)) == (1 if answered_first else 0)
    detail = api.get(url(referral)).json()
    assert detail["can_answer"] is False
    assert detail["state"] == ("interested" if answered_first else "expired")


def test_a_closed_request_cannot_be_answered(scene, api, committed, referral):
    placement_request_close(
        actor=scene.officer, request=scene.request, reason=CloseReason.NO_LONGER_NEEDED
    )
    response = committed(api.post, url(referral, "answer/"), OFFER)
    assert response.status_code == 409
    assert response.json() == {"detail": "The local authority has closed this request"}


# --- Messages ---------------------------------------------------------------------------------


def test_a_question_is_posted_the_officer_told_and_the_thread_read(
    clock, scene, api, committed, referral, client, django_capture_on_commit_callbacks
):
    assert api.get(url(referral, "messages/")).json() == []

    posted = committed(api.post, url(referral, "messages/"), {"body": "  Is she at school?  "})

    assert posted.status_code == 201
    question = ReferralMessage.objects.get()
    assert (question.author, question.from_provider, question.body) == (
        scene.provider_admin,
        True,
        "Is she at school?",
    )
    assert posted.json() == {
        "id": question.pk,
        "from_provider": True,
        "author": scene.provider_admin.full_name,
        "organisation": "Oak Care",
        "created_at": posted.json()["created_at"],
        "body": "Is she at school?",
    }
    (told,) = officer_notifications(scene)
    assert told.kind == Notification.Kind.MESSAGE
    assert told.subject == "New message about the referral for LAC-77 from Oak House"
    (email,) = emails_to("officer@la.example")
    assert f"/referrals/{referral.pk}/" in email.body and "Is she at school?" not in email.body

    # The officer replies on the page; the provider's system reads both, oldest first.
    clock.shift(timedelta(minutes=10))
    client.force_login(scene.officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("brokerage:referral_message_post", args=[referral.pk]),
            {"body": "Yes, year 9 at Oakham"},
        )
    thread = api.get(url(referral, "messages/"))
    assert thread.status_code == 200
    assert [
        (m["from_provider"], m["author"], m["organisation"], m["body"]) for m in thread.json()
    ] == [
        (True, scene.provider_admin.full_name, "Oak Care", "Is she at school?"),
        (False, "Olu", scene.map.la.name, "Yes, year 9 at Oakham"),
    ]
    # The provider's people are told of the reply, not the officer who wrote it.
    assert len(emails_to("keyworker@oak.example")) == 1
    assert len(emails_to("officer@la.example")) == 1


@pytest.mark.parametrize(
    ("body", "error"),
    [("   ", "Enter your message"), ("x" * 2001, "Your message must be 2,000 characters or fewer")],
)
def test_an_empty_or_long_message_is_400(scene, api, committed, referral, body, error):
    response = committed(api.post, url(referral, "messages/"), {"body": body})
    assert response.status_code == 400
    assert response.json() == {"body": [error]}
    assert not ReferralMessage.objects.exists() and mail.outbox == []


def test_no_message_once_the_deadline_passes_unanswered(clock, scene, api, committed, referral):
    clock.shift(timedelta(hours=25))
    response = committed(api.post, url(referral, "messages/"), {"body": "Still free?"})
    assert response.status_code == 409
    assert response.json() == {"detail": "This referral is closed: messages can no longer be sent"}
    assert not ReferralMessage.objects.exists() and mail.outbox == []


# --- A provider in two regions ------------------------------------------------------------------


def test_a_provider_in_two_regions_lists_reads_and_answers_both_regions_referrals(
    clock,
    two_regions,  # noqa: F811 - the fixture imported above
    committed,
):
    oakfield = two_regions["oakfield"]
    admin = UserFactory(organisation=oakfield, role=Role.PROVIDER_ADMIN)
    api = key_client(admin)
    referrals = two_regions["referrals"]

    body = api.get("/api/v1/referrals/").json()

    assert sorted(row["id"] for row in body["results"]) == sorted(r.pk for r in referrals.values())
    by_id = {row["id"]: row for row in body["results"]}
    assert by_id[referrals["b"].pk]["local_authority"] == "City of London"
    assert by_id[referrals["b"].pk]["setting"]["name"] == "Elm House"
    for side in ("a", "b"):
        response = committed(api.post, url(referrals[side], "answer/"), OFFER)
        assert response.status_code == 200, response.json()
        officer = two_regions["officers"][side]
        (told,) = Notification.objects.filter(recipient=officer, kind=Notification.Kind.ANSWERED)
        assert re.search(rf"REF-{side.upper()}: interested$", told.subject)
    # Each region's audit trail has its own answer.
    regions = AuditEvent.objects.filter(action=AuditEvent.Action.REFERRAL_ANSWERED).values_list(
        "region", flat=True
    )
    assert sorted(regions) == sorted(r.pk for r in two_regions["regions"].values())


# --- The schema -------------------------------------------------------------------------------


def test_the_schema_has_the_referral_endpoints_and_generates_without_warnings(db, tmp_path):
    from django.core.management import call_command

    schema_file = tmp_path / "schema.json"
    # --fail-on-warn: a warning (an unresolved enum name, a view it cannot describe) fails this.
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--format=openapi-json",
        f"--file={schema_file}",
    )
    schema = json.loads(schema_file.read_text())
    paths = schema["paths"]
    assert set(paths["/api/v1/referrals/"]) == {"get"}
    assert set(paths["/api/v1/referrals/{id}/"]) == {"get"}
    assert set(paths["/api/v1/referrals/{id}/answer/"]) == {"post"}
    assert set(paths["/api/v1/referrals/{id}/messages/"]) == {"get", "post"}
    thread = paths["/api/v1/referrals/{id}/messages/"]["get"]["responses"]["200"]
    assert thread["content"]["application/json"]["schema"]["type"] == "array"  # not paginated
    answer = schema["components"]["schemas"]["ReferralAnswerRequest"]
    assert answer["required"] == ["answer"]
    assert set(schema["components"]["schemas"]["ReferralDetail"]["properties"]) >= {
        "profile",
        "places",
        "note",
        "answer",
        "closed_reason",
    }
