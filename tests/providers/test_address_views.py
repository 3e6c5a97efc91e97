"""A provider admin's page of who saw its homes' exact addresses: which organisation, in which
role, when; only the settings it runs (Setting.provider_organisation), never anyone's name."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Role
from providers.facts import setting_exact_location
from providers.models import LocationView
from providers.selectors import location_views_for_provider
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db

URL = "/providers/address-views/"
HUB, MGR, OFF, PADM, PUSR = (
    Role.HUB_ADMIN,
    Role.LA_MANAGER,
    Role.PLACEMENT_OFFICER,
    Role.PROVIDER_ADMIN,
    Role.PROVIDER_USER,
)


def home(world, provider_key: str, urn: str):
    return SettingFactory(
        urn=urn,
        childrens_home=True,
        provider_organisation=getattr(world, provider_key),
        postcode="LE15 6AB",
        town="Oakham",
    )


def seen(world, setting, la_key: str, role=Role.PLACEMENT_OFFICER):
    location = setting_exact_location(viewer=world.user(la_key, role), setting=setting)
    assert location is not None  # a member LA's officer or manager is entitled
    return location


@pytest.fixture
def sights(world):
    """Provider A1's two homes seen from both region A's LAs and region B's; Provider A2's and
    Provider B1's homes seen too, so their rows are there to leak."""
    a1_first, a1_second = (
        home(world, "provider_a1", "SC900001"),
        home(world, "provider_a1", "SC900002"),
    )
    a2_home, b1_home = (
        home(world, "provider_a2", "SC900003"),
        home(world, "provider_b1", "SC900004"),
    )
    seen(world, a1_first, "la_a1")
    seen(world, a1_first, "la_a2", Role.LA_MANAGER)
    seen(world, a1_second, "la_b1")
    seen(world, a2_home, "la_a1")
    seen(world, b1_home, "la_b1")
    return {"a1": (a1_first, a1_second), "a2": a2_home, "b1": b1_home}


def test_an_address_view_is_recorded_for_the_provider_and_in_the_viewers_regions_trail(world):
    setting = home(world, "provider_a1", "SC900010")
    seen(world, setting, "la_a1")
    view = LocationView.objects.get()
    assert (view.setting, view.user) == (setting, world.user("la_a1", OFF))
    event = AuditEvent.objects.get(action=AuditEvent.Action.ADDRESS_VIEWED)
    assert event.organisation == world.la_a1
    assert event.actor == world.user("la_a1", OFF)
    assert event.detail == {
        "setting": "SC900010",
        "setting_name": "",
        "provider_organisation": world.provider_a1.pk,
    }


def test_the_provider_itself_seeing_its_address_is_not_a_view(world):
    setting = home(world, "provider_a1", "SC900011")
    assert setting_exact_location(viewer=world.user("provider_a1", PUSR), setting=setting)
    assert not LocationView.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ADDRESS_VIEWED).exists()


def test_the_page_lists_organisation_role_and_time_of_its_own_settings_only(world, client, sights):
    client.force_login(world.user("provider_a1", PADM))
    response = client.get(URL)
    assert response.status_code == 200
    rows = list(response.context["views"])
    assert [(v.setting.urn, v.user.organisation.name, v.user.get_role_display()) for v in rows] == [
        ("SC900002", world.la_b1.name, "Placement officer"),
        ("SC900001", world.la_a2.name, "LA manager"),
        ("SC900001", world.la_a1.name, "Placement officer"),
    ]
    body = response.content.decode()
    assert "3 times an address was seen" in body
    assert world.la_b1.name in body and "LA manager" in body
    assert "SC900003" not in body and "SC900004" not in body  # other providers' homes
    for (key, _role), user in world.users.items():  # no viewer's name or email, ever
        if not key.startswith("la_"):
            continue
        assert user.email not in body
        assert user.full_name not in body


def test_another_provider_sees_only_its_own(world, client, sights):
    client.force_login(world.user("provider_b1", PADM))
    urns = [v.setting.urn for v in client.get(URL).context["views"]]
    assert urns == ["SC900004"]
    client.force_login(world.user("provider_a2", PADM))
    assert [v.setting.urn for v in client.get(URL).context["views"]] == ["SC900003"]


def test_filter_by_setting_and_by_day(world, client, sights):
    client.force_login(world.user("provider_a1", PADM))
    response = client.get(URL, {"setting": "SC900001"})
    assert [v.user.organisation for v in response.context["views"]] == [world.la_a2, world.la_a1]
    # Move one sight to a week ago: a range ending yesterday finds only it.
    week_ago = timezone.now() - dt.timedelta(days=7)
    LocationView.objects.filter(user=world.user("la_a1", OFF), setting__urn="SC900001").update(
        created_at=week_ago
    )
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = client.get(
        URL,
        {"from": f"{timezone.localtime(week_ago):%d/%m/%Y}", "to": f"{yesterday:%d/%m/%Y}"},
    )
    assert [(v.setting.urn, v.user.organisation) for v in response.context["views"]] == [
        ("SC900001", world.la_a1)
    ]


def test_another_providers_setting_is_not_a_choice(world, client, sights):
    client.force_login(world.user("provider_a1", PADM))
    response = client.get(URL, {"setting": "SC900004"})
    assert response.status_code == 200
    assert list(response.context["views"]) == []
    assert "Select a valid choice" in response.content.decode()


def test_bad_dates_are_explained_and_list_nothing(world, client, sights):
    client.force_login(world.user("provider_a1", PADM))
    response = client.get(URL, {"from": "31/13/2026"})
    assert "Enter a real date, like 27/3/2026" in response.content.decode()
    assert response.context["count"] == 0
    response = client.get(URL, {"from": "2/3/2026", "to": "1/3/2026"})
    assert "The end date must be the same as or after the start date" in response.content.decode()


def test_pages_of_fifty_newest_first(world, client):
    setting = home(world, "provider_a1", "SC900020")
    officer = world.user("la_a1", OFF)
    start = timezone.now() - dt.timedelta(days=2)
    LocationView.objects.bulk_create(LocationView(setting=setting, user=officer) for _ in range(55))
    for index, view in enumerate(LocationView.objects.order_by("pk")):
        LocationView.objects.filter(pk=view.pk).update(
            created_at=start + dt.timedelta(minutes=index)
        )
    client.force_login(world.user("provider_a1", PADM))
    first = client.get(URL)
    assert first.context["count"] == 55
    times = [v.created_at for v in first.context["views"]]
    assert len(times) == 50 and times == sorted(times, reverse=True)
    assert first.context["pagination"]["next"] == f"{URL}?page=2"
    second = client.get(URL, {"page": 2})
    assert len(second.context["views"]) == 5
    assert second.context["views"][4].created_at == start


def test_a_setting_taken_over_shows_only_views_since(world):
    setting = home(world, "provider_a1", "SC900030")
    seen(world, setting, "la_a1")
    LocationView.objects.update(created_at=timezone.now() - dt.timedelta(days=3))
    setting.provider_organisation = world.provider_a2
    setting.provider_since = timezone.now() - dt.timedelta(days=1)
    setting.save()
    seen(world, setting, "la_a2")
    assert list(location_views_for_provider(organisation=world.provider_a1)) == []
    assert [
        v.user.organisation for v in location_views_for_provider(organisation=world.provider_a2)
    ] == [world.la_a2]


# Who may open the page: role × own/other organisation × own/other region -----------------------


@pytest.mark.parametrize(
    ("org", "role", "expected"),
    [
        ("hub_a", HUB, 403),
        ("la_a1", MGR, 403),
        ("la_a1", OFF, 403),
        ("provider_a1", PADM, 200),
        ("provider_a1", PUSR, 403),
        ("provider_a2", PADM, 200),  # another provider, same region: its own (empty) list
        ("provider_b1", PADM, 200),  # another region's provider: its own list
        ("hub_b", HUB, 403),
    ],
)
def test_who_may_open_it(world, client, sights, org, role, expected):
    client.force_login(world.user(org, role))
    response = client.get(URL)
    assert response.status_code == expected
    if expected == 200:
        own = set(LocationView.objects.filter(setting__provider_organisation=getattr(world, org)))
        assert set(response.context["views"]) == own


def test_signed_out_people_are_sent_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_provider_admins_settings_page_links_to_it(world, client):
    client.force_login(world.user("provider_a1", PADM))
    assert URL in client.get(reverse("providers:provider_settings")).content.decode()
    client.force_login(world.user("provider_a1", PUSR))
    assert URL not in client.get(reverse("providers:provider_settings")).content.decode()
