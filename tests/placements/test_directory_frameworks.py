"""The directory's "On our frameworks" filter and each row's frameworks: for LA and hub users of
the region, about their own region's current frameworks only; never offered to providers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from tests.commissioning.factories import FrameworkFactory, LotFactory, MembershipFactory
from tests.factories import OrganisationFactory, RegionFactory, UserFactory
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db
LIST = reverse("providers:setting_list")


def current_lot(region, name):
    today = timezone.localdate()
    framework = FrameworkFactory(
        region=region,
        name=name,
        starts_on=today - timedelta(days=365),
        ends_on=today + timedelta(days=365),
    )
    return LotFactory(framework=framework)


@pytest.fixture
def world():
    region = RegionFactory()
    ours = current_lot(region, "Our residential framework")
    theirs = current_lot(RegionFactory(), "Their framework")
    on = SettingFactory(name="Member Home", childrens_home=True)
    suspended = SettingFactory(name="Suspended Home", childrens_home=True)
    SettingFactory(name="Spot Home", childrens_home=True)
    other = SettingFactory(name="Other Region Home", childrens_home=True)
    joined = timezone.localdate() - timedelta(days=10)
    MembershipFactory(lot=ours, setting=on, joined_on=joined)
    MembershipFactory(
        lot=ours,
        setting=suspended,
        joined_on=joined,
        status="suspended",
        status_changed_on=timezone.localdate(),
    )
    MembershipFactory(lot=theirs, setting=other, joined_on=joined)
    return region


def signed_in(client, region, **organisation):
    user = UserFactory(
        organisation=OrganisationFactory(region=region, **organisation),
        role=organisation.pop("role", Role.PLACEMENT_OFFICER),
    )
    client.force_login(user)
    return client


@pytest.mark.parametrize("organisation", [{"local_authority": True}, {"hub": True}])
def test_la_and_hub_users_filter_to_their_regions_frameworks(client, world, organisation):
    signed_in(client, world, **organisation)

    everything = client.get(LIST).content.decode()
    narrowed = client.get(LIST, {"on_frameworks": "on"}).content.decode()

    assert "On our frameworks" in everything
    for name in ("Member Home", "Suspended Home", "Spot Home", "Other Region Home"):
        assert name in everything  # a setting on no framework stays findable
    assert "On Our residential framework" in everything
    assert "Their framework" not in everything  # another region's is never shown
    assert "Member Home" in narrowed
    for name in ("Suspended Home", "Spot Home", "Other Region Home"):
        assert name not in narrowed


def test_a_provider_is_not_offered_the_filter_nor_shown_a_regions_frameworks(client, world):
    user = UserFactory(organisation=OrganisationFactory(region=world), role=Role.PROVIDER_USER)
    client.force_login(user)

    html = client.get(LIST, {"on_frameworks": "on"}).content.decode()

    assert "On our frameworks" not in html
    assert "Spot Home" in html  # the filter is not applied
    assert "On Our residential framework" not in html


def test_the_rows_frameworks_are_one_query_for_the_page(client, world):
    signed_in(client, world, local_authority=True)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    lot = world.frameworks.get().lots.get()
    for number in range(6):
        MembershipFactory(
            lot=lot,
            setting=SettingFactory(name=f"More {number}", childrens_home=True),
            joined_on=timezone.localdate(),
        )
    with CaptureQueriesContext(connection) as more:
        client.get(LIST)

    assert len(more) == len(few)
