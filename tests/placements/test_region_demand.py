"""The hub admin's view of the region's demand: counts per member LA, never a child's request,
a referral or one placement's price."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation, Role
from brokerage.demand import region_demand
from brokerage.referrals import (
    Answer,
    Shortlisted,
    placement_decide,
    referral_answer,
    referral_deadlines_check,
    referral_send,
)
from placements.services import placement_request_close
from tests.factories import OrganisationFactory, UserFactory, sign_in
from tests.placements.builders import child, home


@pytest.fixture
def hub_admin(world_map):
    return UserFactory(
        organisation=OrganisationFactory(region=world_map.la.region, hub=True), role=Role.HUB_ADMIN
    )


def place(world_map, officer, provider, cost: str, reference: str) -> None:
    request = child(world_map, reference=reference)
    setting = home(world_map, provider_organisation=provider)
    referral_send(
        actor=officer,
        request=request,
        shortlist=[Shortlisted(setting)],
        deadline=timezone.now() + timedelta(hours=5),
    )
    placement_decide(
        actor=officer,
        request=request,
        setting=setting,
        start_date=date.today() + timedelta(days=3),
        weekly_cost=Decimal(cost),
        services_included=["core"],
        social_care_weekly=Decimal(cost),
        commercial_route="spot",
    )


def test_the_hub_sees_counts_per_la_and_a_median_only_over_enough_placements(
    world_map, client, hub_admin
):
    officer = UserFactory(organisation=world_map.la, role=Role.PLACEMENT_OFFICER)
    provider = OrganisationFactory(region=world_map.la.region, kind=Organisation.Kind.PROVIDER)
    place(world_map, officer, provider, "4000", "LAC-1001")
    place(world_map, officer, provider, "5000", "LAC-1002")
    child(world_map, reference="LAC-1003")  # still open, no referral
    sign_in(client, hub_admin.email)

    html = client.get(reverse("brokerage:region_demand")).content.decode()

    assert "Rutland" in html
    assert "3 (1)" in html  # requests (open)
    assert "£4,500" not in html and "£4,000" not in html  # two placements: no median
    assert "LAC-100" not in html  # no child's request

    place(world_map, officer, provider, "6000", "LAC-1004")
    html = client.get(reverse("brokerage:region_demand")).content.decode()
    assert "£5,000" in html  # the median of three


@pytest.mark.parametrize("role", [Role.PLACEMENT_OFFICER, Role.LA_MANAGER, Role.PROVIDER_USER])
def test_only_hub_admins_see_it(world_map, client, role):
    kind = Organisation.Kind.PROVIDER if role == Role.PROVIDER_USER else None
    organisation = (
        OrganisationFactory(region=world_map.la.region, kind=kind) if kind else world_map.la
    )
    sign_in(client, UserFactory(organisation=organisation, role=role).email)
    assert client.get(reverse("brokerage:region_demand")).status_code == 403


def test_an_unanswered_referral_of_a_filled_place_counts_as_closed_not_as_not_answered(
    world_map, client, hub_admin
):
    """Three homes asked; one offers and is chosen, one never answers before the place is filled:
    that one is closed before an answer, not a provider's silence. A referral still waiting on an
    open request, and one whose deadline passed, are "not answered"."""
    officer = UserFactory(organisation=world_map.la, role=Role.PLACEMENT_OFFICER)
    provider = OrganisationFactory(region=world_map.la.region, kind=Organisation.Kind.PROVIDER)
    provider_user = UserFactory(organisation=provider, role=Role.PROVIDER_USER)
    now = timezone.now()
    filled = child(world_map, reference="LAC-2001")
    chosen, silent = (home(world_map, provider_organisation=provider) for _ in range(2))
    sent = referral_send(
        actor=officer,
        request=filled,
        shortlist=[Shortlisted(chosen), Shortlisted(silent)],
        deadline=now + timedelta(hours=5),
        now=now,
    )
    referral_answer(
        actor=provider_user,
        referral=sent[0],
        answer=Answer.INTERESTED,
        weekly_price=Decimal("5200"),
        start_date=date.today() + timedelta(days=2),
        price_includes=["core"],
        now=now,
    )
    placement_decide(
        actor=officer,
        request=filled,
        setting=chosen,
        start_date=date.today() + timedelta(days=2),
        weekly_cost=Decimal("5200"),
        services_included=["core"],
        social_care_weekly=Decimal("5200"),
        commercial_route="spot",
        now=now,
    )
    waiting = child(world_map, reference="LAC-2002")
    referral_send(
        actor=officer,
        request=waiting,
        shortlist=[Shortlisted(home(world_map, provider_organisation=provider))],
        deadline=now + timedelta(hours=5),
        now=now,
    )
    lapsed = child(world_map, reference="LAC-2003")
    referral_send(
        actor=officer,
        request=lapsed,
        shortlist=[Shortlisted(home(world_map, provider_organisation=provider))],
        deadline=now + timedelta(hours=1),
        now=now,
    )
    referral_deadlines_check(now=now + timedelta(hours=2))

    rows, total = region_demand(world_map.la.region)

    (row,) = [r for r in rows if r.name == world_map.la.name]
    assert (row.referrals, row.interested, row.not_able) == (4, 1, 0)
    assert row.unanswered == 2  # LAC-2002 still waiting, LAC-2003 past its deadline
    assert row.closed_unanswered == 1  # LAC-2001's second home: the place was filled
    assert (total.unanswered, total.closed_unanswered) == (2, 1)

    sign_in(client, hub_admin.email)
    html = client.get(reverse("brokerage:region_demand")).content.decode()
    assert "Closed before an answer" in html


def test_an_unanswered_referral_of_a_request_closed_without_a_placement_counts_as_closed(
    world_map, hub_admin
):
    officer = UserFactory(organisation=world_map.la, role=Role.PLACEMENT_OFFICER)
    provider = OrganisationFactory(region=world_map.la.region, kind=Organisation.Kind.PROVIDER)
    request = child(world_map, reference="LAC-3001")
    referral_send(
        actor=officer,
        request=request,
        shortlist=[Shortlisted(home(world_map, provider_organisation=provider))],
        deadline=timezone.now() + timedelta(hours=5),
    )
    placement_request_close(actor=officer, request=request, reason="placed_in_house")

    rows, _ = region_demand(world_map.la.region)

    (row,) = [r for r in rows if r.name == world_map.la.name]
    assert (row.unanswered, row.closed_unanswered) == (0, 1)
