"""The framework pages: what they show, their forms' errors, and the navigation item."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Role
from commissioning.models import Framework, Lot, Membership, Rate
from tests.commissioning.factories import (
    FrameworkFactory,
    LotFactory,
    MembershipFactory,
    RateFactory,
)
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    """The page's words, without markup."""
    main = response.content.decode().split("<main", 1)[-1]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())


@pytest.fixture
def framework(world):
    framework = FrameworkFactory(
        region=world.hub_a.region, name="Residential 2025", reference="RES-25", owner=world.la_a1
    )
    lot = LotFactory(framework=framework, number=1, name="Homes for 8 to 17")
    setting = SettingFactory(
        urn="SC700001", name="Oak House", provider_organisation=world.provider_a1
    )
    membership = MembershipFactory(lot=lot, setting=setting)
    RateFactory(
        membership=membership,
        need_level="enhanced",
        weekly_rate=Decimal("6150.50"),
        includes=["core", "therapy"],
        solo_premium=Decimal("800"),
    )
    return framework


def test_list_shows_current_and_ended_with_counts(world, client, framework):
    FrameworkFactory(
        region=world.hub_a.region,
        name="Old block contract",
        kind=Framework.Kind.BLOCK,
        starts_on=dt.date(2019, 4, 1),
        ends_on=dt.date(2022, 3, 31),
    )
    FrameworkFactory(region=world.hub_b.region, name="Another region's")
    client.force_login(world.user("la_a1", Role.PLACEMENT_OFFICER))
    response = client.get(reverse("commissioning:framework_list"))
    text = _text(response)
    assert "Another region's" not in text
    assert "Add a framework" not in text  # read only
    current, ended = text.split("Current frameworks")[1].split("Ended frameworks")
    assert "Residential 2025" in current and la_name(world) in current
    assert "Old block contract" in ended and "Block contract" in ended
    assert [(f.name, f.lot_count, f.member_count) for f in response.context["current"]] == [
        ("Residential 2025", 1, 1)
    ]


def la_name(world) -> str:
    return world.la_a1.name


def test_detail_shows_lots_members_and_rates(world, client, framework):
    client.force_login(world.user("hub_a", Role.HUB_ADMIN))
    text = _text(client.get(reverse("commissioning:framework_detail", args=[framework.pk])))
    assert "Lot 1: Homes for 8 to 17" in text
    assert "Oak House (SC700001)" in text
    assert "Provider A1" in text
    assert "Enhanced £6,150.50 Core care, Therapy £800" in text
    assert "Add a member" in text and "Change status" in text
    assert "Import members and rates (.xlsx)" in text
    assert "Export members and rates (.xlsx)" in text


def test_officers_read_the_detail_without_change_links(world, client, framework):
    client.force_login(world.user("la_a1", Role.LA_MANAGER))
    text = _text(client.get(reverse("commissioning:framework_detail", args=[framework.pk])))
    assert "Oak House (SC700001)" in text
    assert "Add a member" not in text and "Change status" not in text and "Add a lot" not in text
    assert "Import members and rates" not in text
    assert "Export members and rates (.xlsx)" in text


def test_add_a_framework_shows_errors_then_saves(world, client):
    client.force_login(world.user("hub_a", Role.HUB_ADMIN))
    url = reverse("commissioning:framework_add")
    form = client.get(url).context["form"]
    owners = [label for _, label in form.fields["owner"].choices]
    assert owners == [
        f"The region ({world.hub_a.region.name})",
        *sorted([world.la_a1.name, world.la_a2.name]),
    ]
    response = client.post(
        url, {"name": "", "kind": "dps", "owner": "region", "starts_on": "31/2/2025"}
    )
    text = _text(response)
    assert "There is a problem" in text
    assert "Enter the framework's name" in text
    assert "Enter a real date, like 1/4/2025" in text
    response = client.post(
        url, {"name": "Fostering DPS", "kind": "dps", "owner": str(world.la_b1.pk)}
    )
    assert "Choose the region or one of its member local authorities" in _text(response)
    response = client.post(
        url,
        {
            "name": "Fostering DPS",
            "kind": "dps",
            "owner": str(world.la_a2.pk),
            "starts_on": "1/4/2025",
            "ends_on": "31/3/2025",
        },
    )
    assert "The end date must be the same as or after the start date" in _text(response)
    response = client.post(
        url,
        {
            "name": "Fostering DPS",
            "kind": "dps",
            "owner": str(world.la_a2.pk),
            "starts_on": "1/4/2025",
        },
    )
    framework = Framework.objects.get()
    assert response["Location"] == reverse("commissioning:framework_detail", args=[framework.pk])
    assert (framework.owner, framework.kind, framework.ends_on) == (world.la_a2, "dps", None)


def test_add_a_lot_outside_the_frameworks_dates_is_refused(world, client, framework):
    client.force_login(world.user("hub_a", Role.HUB_ADMIN))
    url = reverse("commissioning:lot_add", args=[framework.pk])
    values = {
        "number": "1",
        "name": "Solo",
        "accommodation": "residential",
        "min_age": "12",
        "max_age": "10",
        "starts_on": "1/1/2025",
        "ends_on": "31/3/2029",
    }
    text = _text(client.post(url, values))
    assert "This framework already has a lot 1. Enter another number" in text
    assert "The oldest age must be the same as or more than the youngest" in text
    assert "The lot cannot start before the framework does (1 April 2025)" in text
    response = client.post(url, {**values, "number": "2", "max_age": "17", "starts_on": "1/4/2025"})
    assert response.status_code == 302
    assert Lot.objects.get(number=2).name == "Solo"


def test_add_a_member_with_rates(world, client, framework):
    client.force_login(world.user("hub_a", Role.HUB_ADMIN))
    lot = framework.lots.get()
    SettingFactory(urn="SC700002", name="Birch Lodge")
    url = reverse("commissioning:member_add", args=[framework.pk, lot.pk])
    base = {"urn": "SC700002", "joined_on": "1/5/2025"}
    text = _text(client.post(url, {**base, "rate_standard": "five thousand"}))
    assert "Enter an amount in pounds, like 5200 or 5200.50" in text
    text = _text(client.post(url, {**base, "rate_standard": "0"}))
    assert "Enter a weekly rate between £1 and £100,000" in text
    text = _text(client.post(url, {**base, "urn": "SC000000", "rate_standard": "5200"}))
    assert "No setting has the URN SC000000. Check the Ofsted URN" in text
    assert Membership.objects.count() == 1
    response = client.post(
        url,
        {
            **base,
            "rate_standard": "5200",
            "includes_standard": ["core", "education"],
            "rate_complex": "7400",
            "solo_complex": "1000",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(setting__urn="SC700002")
    assert sorted(membership.rates.values_list("need_level", "weekly_rate", "solo_premium")) == [
        ("complex", Decimal("7400.00"), Decimal("1000.00")),
        ("standard", Decimal("5200.00"), None),
    ]


def test_change_status_asks_to_confirm(world, client, framework):
    client.force_login(world.user("hub_a", Role.HUB_ADMIN))
    membership = Membership.objects.get()
    url = reverse("commissioning:member_status", args=[framework.pk, membership.pk])
    choices = [value for value, _ in client.get(url).context["form"].fields["status"].choices]
    assert choices == ["suspended", "left"]
    response = client.post(url, {"status": "suspended", "on": "1/9/2025"})
    text = _text(response)
    assert "Confirm the change for Oak House" in text and "Suspend it" in text
    assert "1 September 2025" in text
    membership.refresh_from_db()
    assert membership.status == "active"
    response = client.post(url, {"status": "suspended", "on": "2025-09-01", "confirm": "1"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.status, membership.status_changed_on) == ("suspended", dt.date(2025, 9, 1))


def test_change_rates_page_prefills_and_removes(world, client, framework):
    client.force_login(world.user("hub_a", Role.HUB_ADMIN))
    membership = Membership.objects.get()
    url = reverse("commissioning:member_rates", args=[framework.pk, membership.pk])
    assert client.get(url).context["form"].initial["rate_enhanced"] == Decimal("6150.50")
    response = client.post(url, {"rate_specialist": "9000", "includes_specialist": ["core"]})
    assert response.status_code == 302
    assert list(Rate.objects.values_list("need_level", flat=True)) == ["specialist"]


def test_changes_page_lists_who_and_when(world, client, framework):
    admin = world.user("hub_a", Role.HUB_ADMIN)
    client.force_login(admin)
    client.post(
        reverse("commissioning:framework_change", args=[framework.pk]),
        {
            "name": "Residential 2025 to 2029",
            "kind": "framework",
            "owner": "region",
            "starts_on": "1/4/2025",
            "ends_on": "31/3/2029",
        },
    )
    text = _text(client.get(reverse("commissioning:framework_changes", args=[framework.pk])))
    assert "Framework: Residential 2025 to 2029" in text
    assert admin.full_name in text
    assert "Name: Residential 2025 → Residential 2025 to 2029" in text
    assert "Member: Oak House (SC700001)" in text


def test_providers_see_only_their_own_memberships(world, client, framework):
    other = MembershipFactory(
        lot=framework.lots.get(),
        setting=SettingFactory(
            urn="SC700009", name="Elm Court", provider_organisation=world.provider_a2
        ),
    )
    RateFactory(membership=other, weekly_rate=Decimal("9999"))
    client.force_login(world.user("provider_a1", Role.PROVIDER_USER))
    text = _text(client.get(reverse("commissioning:own_memberships")))
    assert "Oak House (SC700001): Residential 2025, lot 1" in text
    assert "£6,150.50" in text
    assert "Elm Court" not in text and "£9,999" not in text


@pytest.mark.parametrize(
    ("role", "org", "url_name"),
    [
        (Role.HUB_ADMIN, "hub_a", "commissioning:framework_list"),
        (Role.PLACEMENT_OFFICER, "la_a1", "commissioning:framework_list"),
        (Role.LA_MANAGER, "la_a1", "commissioning:framework_list"),
        (Role.PROVIDER_USER, "provider_a1", "commissioning:own_memberships"),
    ],
)
def test_navigation_has_frameworks(world, client, role, org, url_name):
    client.force_login(world.user(org, role))
    response = client.get(reverse(url_name))
    items = {item["label"]: item["url"] for item in response.context["navigation_items"]}
    assert items["Frameworks"] == reverse(url_name)
    assert response.context["section"] == "frameworks"
