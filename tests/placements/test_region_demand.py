"""The hub admin's view of the region's demand: counts per member LA, never a child's request,
a referral or one placement's price."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from brokerage.models import Organisation, Role
from brokerage.referrals import Shortlisted, placement_decide, referral_send
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

    html = client.get(reverse("region_demand")).content.decode()

    assert "Rutland" in html
    assert "3 (1)" in html  # requests (open)
    assert "£4,500" not in html and "£4,000" not in html  # two placements: no median
    assert "LAC-100" not in html  # no child's request

    place(world_map, officer, provider, "6000", "LAC-1004")
    html = client.get(reverse("region_demand")).content.decode()
    assert "£5,000" in html  # the median of three


@pytest.mark.parametrize("role", [Role.PLACEMENT_OFFICER, Role.LA_MANAGER, Role.PROVIDER_USER])
def test_only_hub_admins_see_it(world_map, client, role):
    kind = Organisation.Kind.PROVIDER if role == Role.PROVIDER_USER else None
    organisation = (
        OrganisationFactory(region=world_map.la.region, kind=kind) if kind else world_map.la
    )
    sign_in(client, UserFactory(organisation=organisation, role=role).email)
    assert client.get(reverse("region_demand")).status_code == 403
