"""The model validation the referral services rely on: an answer, a message and an outcome say what
is wrong in the words a user reads beside the field, whoever saves them (a service, the admin, a
script), and a list of choices says so in one plain sentence."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Organisation, Role
from brokerage.models import PlacementOutcome, Referral, ReferralMessage
from brokerage.referrals import Shortlisted, referral_send
from tests.factories import OrganisationFactory, UserFactory
from tests.placements.builders import child, home, make_world_map

NOW = timezone.make_aware(datetime(2026, 11, 24, 9, 0))


@pytest.fixture
def referral(db, settings) -> Referral:
    settings.TRAVEL_ENGINE = "estimate"
    world_map = make_world_map()
    officer = UserFactory(organisation=world_map.la, role=Role.PLACEMENT_OFFICER)
    provider = OrganisationFactory(region=world_map.la.region, kind=Organisation.Kind.PROVIDER)
    setting = home(world_map, name="Home 0", provider_organisation=provider)
    (sent,) = referral_send(
        actor=officer,
        request=child(world_map),
        shortlist=[Shortlisted(setting)],
        deadline=NOW + timedelta(hours=24),
        now=NOW,
    )
    return sent


def errors_of(instance: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        instance.full_clean()
    return raised.value.message_dict


# --- An answer ---------------------------------------------------------------------------------


def test_an_interested_answer_needs_a_price_a_start_and_what_the_price_includes(referral):
    referral.status = Referral.Status.INTERESTED

    assert errors_of(referral) == {
        "weekly_price": ["Enter the weekly price, like 4250"],
        "start_date": ["Enter the date the placement could start"],
        "price_includes": ["Say what the weekly price includes"],
    }


@pytest.mark.parametrize(
    ("price", "message"),
    [
        (Decimal("0"), "Enter a weekly price above £0"),
        (Decimal("-10"), "Enter a weekly price above £0"),
        (Decimal("100000.01"), "Enter a weekly price of £100,000 or less"),
    ],
)
def test_an_offer_price_is_above_nothing_and_not_absurd(referral, price, message):
    referral.status = Referral.Status.INTERESTED
    referral.weekly_price, referral.start_date = price, date(2026, 12, 1)
    referral.price_includes = ["core"]

    # The database's own check (price above zero) is not reported twice, in Django's words.
    assert errors_of(referral) == {"weekly_price": [message]}


def test_a_price_including_something_off_the_list_says_so_in_one_plain_sentence(referral):
    referral.status = Referral.Status.INTERESTED
    referral.weekly_price, referral.start_date = Decimal("4250"), date(2026, 12, 1)
    referral.price_includes = ["core", "massage"]

    assert errors_of(referral) == {
        "price_includes": ["Choose what the price includes from the list"]
    }


def test_the_highest_price_with_a_whole_offer_is_valid(referral):
    referral.status = Referral.Status.INTERESTED
    referral.weekly_price, referral.start_date = Decimal("100000"), date(2026, 12, 1)
    referral.price_includes = ["core", "therapy"]

    referral.full_clean()


@pytest.mark.parametrize(
    ("reason", "note", "errors"),
    [
        ("", "", {"not_able_reason": ["Choose why you are not able to offer a placement"]}),
        ("busy", "", {"not_able_reason": ["Choose why you are not able to offer a placement"]}),
        ("other", "  ", {"answer_note": ["Say why you are not able to offer a placement"]}),
    ],
)
def test_not_able_needs_a_reason_from_the_list_and_other_needs_words(
    referral, reason, note, errors
):
    referral.status = Referral.Status.NOT_ABLE
    referral.not_able_reason, referral.answer_note = reason, note

    assert errors_of(referral) == errors


def test_a_waiting_referral_needs_no_answer(referral):
    referral.full_clean()


# --- A message ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Enter your message"),
        ("x" * 2001, "Your message must be 2,000 characters or fewer"),
    ],
)
def test_a_message_has_words_and_not_too_many(referral, body, message):
    errors = errors_of(
        ReferralMessage(referral=referral, author=None, from_provider=True, body=body)
    )

    assert errors["body"] == [message]


# --- An outcome --------------------------------------------------------------------------------


def outcome(referral: Referral, **terms: Any) -> PlacementOutcome:
    values: dict[str, Any] = {
        "start_date": date(2026, 12, 1),
        "weekly_cost": Decimal("5250"),
        "services_included": ["core", "education"],
        "social_care_weekly": Decimal("4250"),
        "education_weekly": Decimal("1000"),
        "health_weekly": Decimal("0"),
        "commercial_route": "spot",
    }
    return PlacementOutcome(
        request=referral.request,
        referral=referral,
        setting=referral.setting,
        urn=referral.setting.urn,
        decided_by=referral.sent_by,
        **(values | terms),
    )


def test_whole_terms_are_a_valid_outcome(referral):
    outcome(referral).full_clean()


def test_an_outcome_says_what_is_wrong_with_each_term_in_the_officers_words(referral):
    wrong = outcome(
        referral,
        start_date=None,
        weekly_cost=Decimal("0"),
        services_included=["core", "massage"],
        social_care_weekly=Decimal("-1"),
        education_weekly=None,
        commercial_route="handshake",
    )

    assert errors_of(wrong) == {
        "start_date": ["Enter the start date"],
        "weekly_cost": ["Enter a weekly cost above £0"],
        "services_included": ["Say what the weekly cost includes"],
        "social_care_weekly": ["Enter an amount of £0 or more"],
        "education_weekly": ["Enter an amount of £0 or more"],
        "commercial_route": ["Choose how the placement was bought"],
    }


def test_an_outcome_with_nothing_included_says_what_to_do(referral):
    assert errors_of(outcome(referral, services_included=[])) == {
        "services_included": ["Say what the weekly cost includes"]
    }


def test_shares_that_do_not_make_the_cost_are_one_message_on_social_care(referral):
    """Not the database constraint's "Constraint … is violated": the officer's words, on the
    first share, with the cost they must make."""
    short = outcome(referral, education_weekly=Decimal("750"))

    assert errors_of(short) == {
        "social_care_weekly": [
            "Social care, education and health together must make the weekly cost (£5,250.00)"
        ]
    }


def test_the_shares_are_not_summed_while_a_figure_is_itself_wrong(referral):
    absurd = outcome(referral, weekly_cost=Decimal("250000"))

    assert errors_of(absurd) == {"weekly_cost": ["Enter a weekly cost of £100,000 or less"]}
