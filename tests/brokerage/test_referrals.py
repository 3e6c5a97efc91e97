"""Referral services as tables of cases: sending (and what is refused), answering, questions, the
deadline clock (a controllable `now`), deciding, and the audit of each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import AuditEvent, Organisation, Role, User
from brokerage.models import Notification, PlacementOutcome, Referral
from brokerage.referrals import (
    Answer,
    Shortlisted,
    default_deadline,
    placement_decide,
    referral_answer,
    referral_deadlines_check,
    referral_message_post,
    referral_send,
)
from placements.models import PlacementRequest
from providers.models import Setting
from tests.factories import OrganisationFactory, UserFactory
from tests.placements.builders import Map, child, home, make_world_map

NOW = timezone.make_aware(datetime(2026, 11, 24, 9, 0))


@dataclass
class Scene:
    map: Map
    officer: User
    request: PlacementRequest
    homes: list[Setting]
    providers: list[Organisation]
    provider_users: list[User]


@pytest.fixture(autouse=True)
def _commits(monkeypatch, django_capture_on_commit_callbacks):
    """Each service call below runs its on-commit work (queueing the emails) as a real commit
    would: pytest-django's test transaction never commits, so it is captured and run."""
    import brokerage.referrals as referrals

    for name in (
        "referral_send",
        "referral_answer",
        "referral_message_post",
        "placement_decide",
        "_remind",
        "_expire",
    ):
        service = getattr(referrals, name)

        def committed(*args, _service=service, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return _service(*args, **kwargs)

        monkeypatch.setattr(referrals, name, committed)
        if name in globals():
            monkeypatch.setitem(globals(), name, committed)


@pytest.fixture
def scene(db, settings) -> Scene:
    settings.TRAVEL_ENGINE = "estimate"
    world_map = make_world_map()
    officer = UserFactory(
        organisation=world_map.la, role=Role.PLACEMENT_OFFICER, email="officer@la.example"
    )
    providers, users, homes = [], [], []
    for number in range(3):
        provider = OrganisationFactory(
            region=world_map.la.region, kind=Organisation.Kind.PROVIDER, name=f"Provider {number}"
        )
        users.append(
            UserFactory(
                organisation=provider,
                role=Role.PROVIDER_USER,
                email=f"keyworker{number}@provider.example",
            )
        )
        providers.append(provider)
        homes.append(home(world_map, name=f"Home {number}", provider_organisation=provider))
    request = child(world_map, risks=["going_missing"])
    return Scene(world_map, officer, request, homes, providers, users)


def send(scene: Scene, *settings: Setting, now: datetime = NOW, **kwargs: Any) -> list[Referral]:
    return referral_send(
        actor=kwargs.pop("actor", scene.officer),
        request=scene.request,
        shortlist=[s if isinstance(s, Shortlisted) else Shortlisted(s) for s in settings],
        deadline=kwargs.pop("deadline", now + timedelta(hours=24)),
        now=now,
        **kwargs,
    )


def emails_to(address: str) -> list[Any]:
    return [m for m in mail.outbox if address in m.to]


# --- Sending -----------------------------------------------------------------------------------


def test_sending_saves_one_referral_each_and_emails_only_those_providers(scene):
    first, second, third = scene.homes
    referrals = send(scene, first, second, note="Needs a school place nearby")

    assert [r.setting for r in referrals] == [first, second]
    assert {r.provider for r in referrals} == {scene.providers[0], scene.providers[1]}
    referral = referrals[0]
    assert referral.profile["age"] == 14 and referral.profile["risks"] == ["going_missing"]
    assert "reference" in referral.profile and "places" not in referral.profile
    assert referral.places == [
        {
            "label": "School",
            "district": "LE15",
            "minutes": None,
            "estimated": False,
            "max_minutes": 45,
            "mode": "car",
            "departs_at": "",
            "covered": True,
            "vehicle": "",
        }
    ]
    assert len(emails_to("keyworker0@provider.example")) == 1
    assert len(emails_to("keyworker1@provider.example")) == 1
    assert emails_to("keyworker2@provider.example") == []
    message = emails_to("keyworker0@provider.example")[0]
    assert "A 14-year-old girl" in message.body
    assert "Going missing" in message.body
    assert "LE15" not in message.body and scene.request.reference not in message.body
    assert f"/referrals/{referral.pk}/" in message.body
    assert Notification.objects.filter(sent_at__isnull=False).count() == 2
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REFERRAL_SENT).count() == 2


def test_the_places_carry_the_journey_times_of_the_search_shortlisted_from(scene):
    from placements.matching import SearchCriteria
    from placements.services import placement_search_run

    search, _ = placement_search_run(
        actor=scene.officer, request=scene.request, criteria=SearchCriteria()
    )
    (referral,) = send(scene, scene.homes[0], search=search)
    (place,) = referral.places
    assert place["district"] == "LE15" and place["estimated"] is True
    assert place["minutes"] == pytest.approx(1.1, abs=0.1)


def _closed(scene):
    scene.homes[0].status = Setting.Status.CLOSED
    scene.homes[0].closed_at = NOW
    scene.homes[0].save()


def _suspended(scene):
    Setting.objects.filter(pk=scene.homes[0].pk).update(status=Setting.Status.SUSPENDED)
    scene.homes[0].refresh_from_db()


def _no_provider(scene):
    Setting.objects.filter(pk=scene.homes[0].pk).update(provider_organisation=None)
    scene.homes[0].refresh_from_db()


def _already_sent(scene):
    send(scene, scene.homes[0])
    mail.outbox.clear()


def _request_closed(scene):
    PlacementRequest.objects.filter(pk=scene.request.pk).update(
        status="closed", closed_at=NOW, close_reason="other"
    )


REFUSALS = [
    ("closed provider", _closed, {}, "closed on Ofsted's register"),
    ("suspended", _suspended, {}, "suspended on Ofsted's register"),
    ("provider not on the service", _no_provider, {}, "does not use this service yet"),
    ("already sent (double submit)", _already_sent, {}, "has already been sent this referral"),
    ("request closed", _request_closed, {}, "This request is closed"),
    ("deadline in the past", None, {"deadline": NOW - timedelta(hours=1)}, "at least 30 minutes"),
    ("deadline too soon", None, {"deadline": NOW + timedelta(minutes=10)}, "at least 30 minutes"),
    ("deadline too far", None, {"deadline": NOW + timedelta(days=20)}, "within 14 days"),
]


@pytest.mark.parametrize(
    ("case", "arrange", "kwargs", "message"), REFUSALS, ids=[r[0] for r in REFUSALS]
)
def test_a_refused_send_says_why_and_saves_and_sends_nothing(scene, case, arrange, kwargs, message):
    if arrange:
        arrange(scene)
    before = Referral.objects.count()

    with pytest.raises(ValidationError) as raised:
        send(scene, scene.homes[0], scene.homes[1], **kwargs)

    assert message in " ".join(raised.value.messages)
    assert Referral.objects.count() == before
    assert mail.outbox == []


def test_criteria_that_exclude_the_child_need_a_recorded_reason(scene):
    excluded = home(
        scene.map,
        name="Boys Home",
        provider_organisation=scene.providers[2],
        eligibility={"sexes": ["male"]},
    )

    with pytest.raises(ValidationError) as raised:
        send(scene, scene.homes[0], excluded)
    assert (
        "Boys Home's stated criteria exclude this child (It takes boys)" in raised.value.messages[0]
    )
    assert not Referral.objects.exists()

    referrals = send(
        scene, scene.homes[0], Shortlisted(excluded, override_reason="Her brother lives there")
    )
    overridden = referrals[1]
    assert overridden.exclusions == ["It takes boys"]
    assert overridden.override_reason == "Her brother lives there"
    (event,) = AuditEvent.objects.filter(action=AuditEvent.Action.REFERRAL_OVERRIDE)
    assert event.detail["reason"] == "Her brother lives there" and event.actor == scene.officer


def test_a_vacancy_restriction_that_excludes_the_child_needs_a_recorded_reason(scene):
    """The request is for a girl: a place for boys only is excluded like criteria for boys."""
    boys_place = home(
        scene.map,
        name="Boys Place",
        provider_organisation=scene.providers[2],
        vacancy={"sexes": ["male"], "confirmed_at": NOW},
    )

    with pytest.raises(ValidationError) as raised:
        send(scene, scene.homes[0], boys_place)
    assert (
        "Boys Place's stated criteria exclude this child (Its vacancy is for boys only)"
        in (raised.value.messages[0])
    )

    referrals = send(
        scene, scene.homes[0], Shortlisted(boys_place, override_reason="The home asked for her")
    )
    assert referrals[1].exclusions == ["Its vacancy is for boys only"]


@pytest.mark.parametrize("who", ["officer of another LA", "provider user", "hub admin"])
def test_only_the_requesting_las_people_may_send(scene, who):
    region = scene.map.la.region
    actor = {
        "officer of another LA": lambda: UserFactory(
            organisation=OrganisationFactory(region=region, local_authority=True),
            role=Role.PLACEMENT_OFFICER,
        ),
        "provider user": lambda: scene.provider_users[0],
        "hub admin": lambda: UserFactory(
            organisation=OrganisationFactory(region=region, hub=True), role=Role.HUB_ADMIN
        ),
    }[who]()
    with pytest.raises(PermissionDenied):
        send(scene, scene.homes[0], actor=actor)
    assert not Referral.objects.exists()


def test_the_default_deadline_follows_the_urgency(scene):
    for urgency, hours in (("today", 3), ("within_5_days", 24), ("over_5_days", 72)):
        scene.request.urgency = urgency
        assert default_deadline(scene.request, now=NOW) == NOW + timedelta(hours=hours)


# --- Answering -----------------------------------------------------------------------------------


@pytest.fixture
def referral(scene) -> Referral:
    (made,) = send(scene, scene.homes[0])
    mail.outbox.clear()
    return made


def answer(scene, referral, now=NOW + timedelta(hours=1), actor=None, **values):
    return referral_answer(
        actor=actor or scene.provider_users[0], referral=referral, now=now, **values
    )


OFFER = {
    "answer": Answer.INTERESTED,
    "weekly_price": Decimal("5250.00"),
    "start_date": date(2026, 11, 30),
    "price_includes": ["core", "education"],
}

BAD_ANSWERS = [
    ("zero price", {**OFFER, "weekly_price": Decimal("0")}, "weekly_price", "above £0"),
    ("negative price", {**OFFER, "weekly_price": Decimal("-10")}, "weekly_price", "above £0"),
    ("no price", {**OFFER, "weekly_price": None}, "weekly_price", "Enter the weekly price"),
    (
        "absurd price",
        {**OFFER, "weekly_price": Decimal("250000")},
        "weekly_price",
        "£100,000 or less",
    ),
    ("no start", {**OFFER, "start_date": None}, "start_date", "Enter the date"),
    (
        "start in the past",
        {**OFFER, "start_date": date(2026, 11, 1)},
        "start_date",
        "today or later",
    ),
    (
        "nothing included",
        {**OFFER, "price_includes": []},
        "price_includes",
        "what the weekly price includes",
    ),
    ("no reason", {"answer": Answer.NOT_ABLE}, "not_able_reason", "Choose why"),
    (
        "other without words",
        {"answer": Answer.NOT_ABLE, "not_able_reason": "other"},
        "answer_note",
        "Say why",
    ),
    ("no answer", {"answer": "maybe"}, "answer", "interested or not able"),
]


@pytest.mark.parametrize(
    ("case", "values", "field", "message"), BAD_ANSWERS, ids=[b[0] for b in BAD_ANSWERS]
)
def test_a_bad_answer_is_a_field_message_and_changes_nothing(
    scene, referral, case, values, field, message
):
    with pytest.raises(ValidationError) as raised:
        answer(scene, referral, **values)
    assert message in " ".join(raised.value.message_dict[field])
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT and referral.answered_at is None
    assert mail.outbox == []


def test_an_interested_answer_is_kept_and_the_officer_told_once_even_if_submitted_twice(
    scene, referral
):
    answer(scene, referral, **OFFER)
    answer(scene, referral, **OFFER)  # the form sent twice

    referral.refresh_from_db()
    assert referral.status == Referral.Status.INTERESTED
    assert (
        referral.weekly_price == Decimal("5250.00")
        and referral.answered_by == scene.provider_users[0]
    )
    (email,) = emails_to("officer@la.example")
    assert "answered your referral" in email.subject and "interested" in email.subject
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REFERRAL_ANSWERED).count() == 1


def test_a_changed_answer_before_the_deadline_replaces_the_offer(scene, referral):
    answer(scene, referral, **OFFER)
    answer(
        scene, referral, answer=Answer.NOT_ABLE, not_able_reason="matching", note="Two older boys"
    )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.NOT_ABLE
    assert referral.weekly_price is None and referral.not_able_reason == "matching"
    assert len(emails_to("officer@la.example")) == 2


def test_answers_after_the_deadline_or_the_placement_are_refused(scene, referral):
    with pytest.raises(ValidationError, match="deadline for answering has passed"):
        answer(scene, referral, now=referral.deadline + timedelta(minutes=1), **OFFER)
    Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.FILLED)
    referral.refresh_from_db()
    with pytest.raises(ValidationError, match="place has been filled"):
        answer(scene, referral, **OFFER)


@pytest.mark.parametrize("who", ["another provider", "the officer"])
def test_only_the_receiving_provider_may_answer(scene, referral, who):
    actor = scene.provider_users[1] if who == "another provider" else scene.officer
    with pytest.raises(PermissionDenied):
        answer(scene, referral, actor=actor, **OFFER)


# --- Questions -----------------------------------------------------------------------------------


def test_a_question_and_its_reply_each_tell_the_other_side(scene, referral):
    asked = NOW + timedelta(hours=1)  # the referral was sent at NOW; its deadline is NOW + 24 h
    referral_message_post(
        actor=scene.provider_users[0],
        referral=referral,
        body="Does she need a school place?",
        now=asked,
    )
    referral_message_post(
        actor=scene.officer, referral=referral, body="Yes, Year 9", now=asked + timedelta(hours=1)
    )

    assert [m.from_provider for m in referral.messages.all()] == [True, False]
    assert len(emails_to("officer@la.example")) == 1
    assert len(emails_to("keyworker0@provider.example")) == 1
    with pytest.raises(PermissionDenied):
        referral_message_post(
            actor=scene.provider_users[1], referral=referral, body="Hello?", now=asked
        )
    with pytest.raises(ValidationError):
        referral_message_post(actor=scene.officer, referral=referral, body="   ", now=asked)


# --- The deadline clock -------------------------------------------------------------------------


def test_the_clock_reminds_once_before_the_deadline_then_expires_telling_both_sides(
    scene, referral, settings
):
    settings.REFERRAL_REMINDER_HOURS = 4
    deadline = referral.deadline  # NOW + 24 h

    assert referral_deadlines_check(now=deadline - timedelta(hours=5)) == {
        "reminded": 0,
        "expired": 0,
    }
    assert referral_deadlines_check(now=deadline - timedelta(hours=3)) == {
        "reminded": 1,
        "expired": 0,
    }
    assert referral_deadlines_check(now=deadline - timedelta(hours=2)) == {
        "reminded": 0,
        "expired": 0,
    }
    (reminder,) = emails_to("keyworker0@provider.example")
    assert reminder.subject.startswith("Reminder: referral for Home 0")

    assert referral_deadlines_check(now=deadline + timedelta(minutes=1)) == {
        "reminded": 0,
        "expired": 1,
    }
    assert referral_deadlines_check(now=deadline + timedelta(hours=1)) == {
        "reminded": 0,
        "expired": 0,
    }
    referral.refresh_from_db()
    assert referral.status == Referral.Status.EXPIRED
    assert len(emails_to("keyworker0@provider.example")) == 2
    assert len(emails_to("officer@la.example")) == 1


def test_an_answered_referral_is_neither_reminded_nor_expired(scene, referral):
    answer(scene, referral, **OFFER)
    mail.outbox.clear()
    assert referral_deadlines_check(now=referral.deadline + timedelta(hours=1)) == {
        "reminded": 0,
        "expired": 0,
    }
    assert mail.outbox == []


def test_a_short_deadline_is_reminded_half_way(scene):
    (short,) = send(scene, scene.homes[1], deadline=NOW + timedelta(hours=2))
    assert referral_deadlines_check(now=NOW + timedelta(minutes=50)) == {
        "reminded": 0,
        "expired": 0,
    }
    assert referral_deadlines_check(now=NOW + timedelta(minutes=61)) == {
        "reminded": 1,
        "expired": 0,
    }


# --- Deciding --------------------------------------------------------------------------------


def decide(scene, setting, **values):
    terms = {
        "start_date": date(2026, 12, 1),
        "weekly_cost": Decimal("5250"),
        "services_included": ["core", "education"],
        "social_care_weekly": Decimal("4250"),
        "education_weekly": Decimal("1000"),
        "health_weekly": Decimal("0"),
        "commercial_route": "spot",
        "distance_from": scene.request.places.get(),
    }
    terms.update(values)
    return placement_decide(
        actor=scene.officer,
        request=scene.request,
        setting=setting,
        now=NOW + timedelta(hours=2),
        **terms,
    )


def test_deciding_records_the_outcome_closes_the_request_and_tells_the_others_without_detail(scene):
    chosen, declined, silent = send(scene, *scene.homes)
    answer(scene, chosen, **OFFER)
    referral_answer(
        actor=scene.provider_users[1],
        referral=declined,
        answer=Answer.NOT_ABLE,
        not_able_reason="no_vacancy",
        now=NOW,
    )
    mail.outbox.clear()

    outcome = decide(scene, scene.homes[0])

    assert outcome.urn == scene.homes[0].urn and outcome.referral == chosen
    assert outcome.distance_from_home_miles == Decimal("0.4") and outcome.distance_from == "School"
    # Inside Rutland, the LA and the region's only member; 0.7 km from school, 1 minute by the
    # estimate (674 m × 1.3 at 800 m a minute); no home district was given.
    assert (outcome.inside_la, outcome.inside_region, outcome.school_minutes) == (True, True, 1)
    assert (outcome.home_district, outcome.home_miles, outcome.over_20_miles) == ("", None, None)
    assert (outcome.travel_engine, outcome.travel_estimated) == ("estimate", True)
    scene.request.refresh_from_db()
    assert (scene.request.status, scene.request.close_reason) == ("closed", "placed_here")
    statuses = dict(Referral.objects.values_list("setting__name", "status"))
    # The "not able" answer stays as given; both are told the place is filled.
    assert statuses == {"Home 0": "placed", "Home 1": "not_able", "Home 2": "filled"}
    for number in (1, 2):
        (filled,) = emails_to(f"keyworker{number}@provider.example")
        assert "the place has been filled" in filled.subject
        assert "£" not in filled.body and "Home 0" not in filled.body
    (placed,) = emails_to("keyworker0@provider.example")
    assert "Placement agreed" in placed.subject
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PLACEMENT_DECIDED).count() == 1


BAD_DECISIONS = [
    ("zero cost", {"weekly_cost": Decimal("0")}, "weekly_cost", "above £0"),
    (
        "shares do not add up",
        {"education_weekly": Decimal("900")},
        "social_care_weekly",
        "must make the weekly cost",
    ),
    ("negative share", {"health_weekly": Decimal("-1")}, "health_weekly", "£0 or more"),
    ("no route", {"commercial_route": "handshake"}, "commercial_route", "Choose how"),
    ("nothing included", {"services_included": []}, "services_included", "includes"),
]


@pytest.mark.parametrize(
    ("case", "values", "field", "message"), BAD_DECISIONS, ids=[b[0] for b in BAD_DECISIONS]
)
def test_a_bad_decision_is_a_field_message_and_changes_nothing(scene, case, values, field, message):
    send(scene, scene.homes[0])
    with pytest.raises(ValidationError) as raised:
        decide(scene, scene.homes[0], **values)
    assert message in " ".join(raised.value.message_dict[field])
    assert not PlacementOutcome.objects.exists()
    scene.request.refresh_from_db()
    assert scene.request.status == "open"


def test_a_decision_says_everything_wrong_with_it_at_once(scene):
    """The shares are summed even when another term is wrong, so the officer puts it all right in
    one go; the decision's own rule (a closed setting) comes with the terms' messages."""
    send(scene, scene.homes[0])
    _closed(scene)

    with pytest.raises(ValidationError) as raised:
        decide(scene, scene.homes[0], commercial_route="handshake", education_weekly=Decimal("900"))

    assert raised.value.message_dict == {
        "setting": ["Home 0 is closed on Ofsted's register"],
        "commercial_route": ["Choose how the placement was bought"],
        "social_care_weekly": [
            "Social care, education and health together must make the weekly cost (£5,250.00)"
        ],
    }
    assert not PlacementOutcome.objects.exists()


def test_a_decision_about_another_requests_place_is_refused(scene):
    other = child(scene.map, reference="LAC-0002")
    send(scene, scene.homes[0])

    with pytest.raises(ValidationError) as raised:
        decide(scene, scene.homes[0], distance_from=other.places.get())

    assert raised.value.message_dict == {"distance_from": ["Choose one of this request's places"]}
    assert not PlacementOutcome.objects.exists()


def test_a_second_decision_is_refused(scene):
    send(scene, scene.homes[0])
    decide(scene, scene.homes[0])
    with pytest.raises(ValidationError, match="already been recorded"):
        decide(scene, scene.homes[1])
    assert PlacementOutcome.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [("   ", "Enter your message"), ("x" * 2001, "Your message must be 2,000 characters or fewer")],
)
def test_a_message_without_words_or_with_too_many_is_refused(scene, referral, body, message):
    with pytest.raises(ValidationError) as raised:
        referral_message_post(actor=scene.officer, referral=referral, body=body, now=NOW)

    assert raised.value.message_dict == {"body": [message]}
    assert not referral.messages.exists() and mail.outbox == []


def test_an_answer_with_several_things_wrong_says_them_all(scene, referral):
    with pytest.raises(ValidationError) as raised:
        answer(
            scene,
            referral,
            **OFFER | {"start_date": date(2026, 11, 1), "price_includes": ["core", "massage"]},
        )

    assert raised.value.message_dict == {
        "start_date": ["The start date must be today or later"],
        "price_includes": ["Choose what the price includes from the list"],
    }
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SENT


def test_no_messages_once_unanswered_past_the_deadline_but_an_interested_thread_goes_on(
    scene, referral
):
    late = referral.deadline
    with pytest.raises(ValidationError, match="closed"):
        referral_message_post(actor=scene.officer, referral=referral, body="Still there?", now=late)
    answer(scene, referral, **OFFER)
    referral.refresh_from_db()
    referral_message_post(
        actor=scene.officer, referral=referral, body="When can we visit?", now=late
    )
    assert referral.messages.count() == 1
