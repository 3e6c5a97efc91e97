"""One provider organisation working in two regions (issue 16): it answers both regions'
referrals from the same pages, and each region sees only its own: its officers' lists and
pages, its hub's audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.models import AuditEvent, Organisation, Role
from brokerage.models import Referral
from brokerage.referrals import Shortlisted, referral_send
from tests.brokerage.test_referral_pages import OFFER
from tests.factories import OrganisationFactory, RegionFactory, UserFactory
from tests.placements.builders import child, home, make_world_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_regions(settings):
    settings.TRAVEL_ENGINE = "estimate"
    world_map = make_world_map()
    region_a = world_map.la.region
    region_b = RegionFactory(name="Region B")
    la_b = OrganisationFactory(
        region=region_b, local_authority=True, area=world_map.elsewhere, name="City of London"
    )
    hub_a = UserFactory(
        organisation=OrganisationFactory(region=region_a, hub=True), role=Role.HUB_ADMIN
    )
    hub_b = UserFactory(
        organisation=OrganisationFactory(region=region_b, hub=True), role=Role.HUB_ADMIN
    )
    # Region A's hub brings Oakfield in; region B's hub, adding it by name, finds the same one.
    oakfield = account_services.provider_organisation_add(actor=hub_a, name="Oakfield Care Ltd")
    assert account_services.provider_organisation_add(actor=hub_b, name="Oakfield care LTD") == (
        oakfield
    )
    keyworker = UserFactory(organisation=oakfield, role=Role.PROVIDER_USER)
    officers = {
        "a": UserFactory(organisation=world_map.la, role=Role.PLACEMENT_OFFICER),
        "b": UserFactory(organisation=la_b, role=Role.PLACEMENT_OFFICER),
    }
    homes = {
        "a": home(world_map, name="Oak House", provider_organisation=oakfield),
        "b": home(
            world_map,
            name="Elm House",
            provider_organisation=oakfield,
            local_authority=world_map.elsewhere,
        ),
    }
    referrals = {}
    for side, la in (("a", world_map.la), ("b", la_b)):
        request = child(world_map, organisation=la, reference=f"REF-{side.upper()}")
        (referrals[side],) = referral_send(
            actor=officers[side],
            request=request,
            shortlist=[Shortlisted(homes[side])],
            deadline=timezone.now() + timedelta(hours=24),
        )
    return {
        "regions": {"a": region_a, "b": region_b},
        "hubs": {"a": hub_a, "b": hub_b},
        "oakfield": oakfield,
        "keyworker": keyworker,
        "officers": officers,
        "referrals": referrals,
    }


def test_a_provider_in_two_regions_answers_both_and_each_region_sees_its_own(client, two_regions):
    oakfield: Organisation = two_regions["oakfield"]
    assert oakfield.region is None
    assert set(oakfield.regions.all()) == set(two_regions["regions"].values())
    referrals = two_regions["referrals"]

    # The provider's one inbox holds both regions' referrals, and it answers each.
    client.force_login(two_regions["keyworker"])
    inbox = client.get(reverse("brokerage:referral_list")).content.decode()
    for referral in referrals.values():
        assert reverse("brokerage:referral_detail", args=[referral.pk]) in inbox
        response = client.post(reverse("brokerage:referral_answer", args=[referral.pk]), OFFER)
        assert response.status_code == 302
        referral.refresh_from_db()
        assert referral.status == Referral.Status.INTERESTED

    # Each region's officer sees its own referral and answer, and not the other region's.
    for side, other in (("a", "b"), ("b", "a")):
        client.force_login(two_regions["officers"][side])
        listing = client.get(reverse("brokerage:la_referral_list")).content.decode()
        assert f"REF-{side.upper()}" in listing and f"REF-{other.upper()}" not in listing
        own = reverse("brokerage:referral_detail", args=[referrals[side].pk])
        theirs = reverse("brokerage:referral_detail", args=[referrals[other].pk])
        assert client.get(own).status_code == 200
        assert client.get(theirs).status_code == 404

    # Each hub's audit trail holds its own region's sending and answer only.
    for side in ("a", "b"):
        events = account_selectors.audit_events_for_region(region=two_regions["regions"][side])
        answered = {
            e.detail["referral"]
            for e in events.filter(
                action__in=[AuditEvent.Action.REFERRAL_SENT, AuditEvent.Action.REFERRAL_ANSWERED]
            )
        }
        assert answered == {referrals[side].pk}
        client.force_login(two_regions["hubs"][side])
        trail = client.get(reverse("accounts:audit_trail")).content.decode()
        assert "Referral answered" in trail
        assert client.get(reverse("accounts:organisation_list")).status_code == 200
