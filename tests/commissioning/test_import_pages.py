"""The import and export pages: who may use them (role × own region × another region), and the
upload → preview → confirm or cancel journey through the views."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from commissioning.imports import framework_import_preview
from commissioning.models import FrameworkImport, Lot, Membership, Rate
from common.xlsx import XLSX_CONTENT_TYPE
from tests.commissioning.factories import FrameworkFactory
from tests.commissioning.import_files import row, three_lots_twelve_members, xlsx
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db

HUB, MGR, OFF, PADM, PUSR = (
    Role.HUB_ADMIN,
    Role.LA_MANAGER,
    Role.PLACEMENT_OFFICER,
    Role.PROVIDER_ADMIN,
    Role.PROVIDER_USER,
)
ALL_ROLES = (HUB, MGR, OFF, PADM, PUSR)
ACTOR_ORG = {HUB: "hub_a", MGR: "la_a1", OFF: "la_a1", PADM: "provider_a1", PUSR: "provider_a1"}
# Own region (A) or another region's (B) framework: status per role.
IMPORT_EXPECTED = {
    HUB: {"own": 200, "other": 404},
    **{role: {"own": 403, "other": 403} for role in (MGR, OFF, PADM, PUSR)},
}
EXPORT_EXPECTED = {
    **{role: {"own": 200, "other": 404} for role in (HUB, MGR, OFF)},
    PADM: {"own": 403, "other": 403},
    PUSR: {"own": 403, "other": 403},
}


@pytest.fixture
def frameworks(world):
    return {
        "own": FrameworkFactory(region=world.hub_a.region, name="Region A homes"),
        "other": FrameworkFactory(region=world.hub_b.region, name="Region B homes"),
    }


@pytest.fixture
def previews(world, frameworks):
    SettingFactory(urn="SC100001")
    return {
        scope: framework_import_preview(
            framework=framework,
            source="m.xlsx",
            data=xlsx([row()]),
            actor=world.user("hub_a" if scope == "own" else "hub_b", HUB),
        )
        for scope, framework in frameworks.items()
    }


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("scope", ["own", "other"])
def test_who_may_see_the_import_pages(world, client, frameworks, previews, role, scope):
    client.force_login(world.user(ACTOR_ORG[role], role))
    framework, record = frameworks[scope], previews[scope]
    expected = IMPORT_EXPECTED[role][scope]
    upload = reverse("commissioning:framework_import_upload", args=[framework.pk])
    detail = reverse("commissioning:framework_import_detail", args=[framework.pk, record.pk])
    assert client.get(upload).status_code == expected
    assert client.get(detail).status_code == expected


REFUSED = [
    (role, scope)
    for role in ALL_ROLES
    for scope in ("own", "other")
    if IMPORT_EXPECTED[role][scope] != 200
]


@pytest.mark.parametrize(("role", "scope"), REFUSED)
@pytest.mark.parametrize("action", ["confirm", "cancel"])
def test_a_refused_confirm_or_cancel_changes_nothing(
    world, client, frameworks, previews, role, scope, action
):
    expected = IMPORT_EXPECTED[role][scope]
    client.force_login(world.user(ACTOR_ORG[role], role))
    framework, record = frameworks[scope], previews[scope]
    url = reverse(f"commissioning:framework_import_{action}", args=[framework.pk, record.pk])
    assert client.post(url).status_code == expected
    record.refresh_from_db()
    assert record.status == FrameworkImport.Status.PREVIEWED
    assert not Lot.objects.exists()


def test_an_import_is_not_found_under_another_framework(world, client, frameworks, previews):
    """The other region's preview, addressed under our own framework: not found either."""
    client.force_login(world.user("hub_a", HUB))
    url = reverse(
        "commissioning:framework_import_confirm",
        args=[frameworks["own"].pk, previews["other"].pk],
    )
    assert client.post(url).status_code == 404
    assert not Lot.objects.exists()


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("scope", ["own", "other"])
def test_who_may_export(world, client, frameworks, role, scope):
    client.force_login(world.user(ACTOR_ORG[role], role))
    url = reverse("commissioning:framework_export", args=[frameworks[scope].pk])
    response = client.get(url)
    assert response.status_code == EXPORT_EXPECTED[role][scope]
    if response.status_code == 200:
        assert response["Content-Type"] == XLSX_CONTENT_TYPE
        assert response["Content-Disposition"] == (
            'attachment; filename="region-a-homes-members-and-rates.xlsx"'
        )
        from accounts.models import AuditEvent
        from commissioning.models import Membership

        event = AuditEvent.objects.get(action=AuditEvent.Action.DATA_EXPORTED)
        assert event.detail["export"] == "framework_members_and_rates"
        assert (
            event.detail["rows"]
            == Membership.objects.filter(lot__framework=frameworks[scope]).count()
        )
    else:
        from accounts.models import AuditEvent

        assert not AuditEvent.objects.filter(action=AuditEvent.Action.DATA_EXPORTED).exists()


def test_a_former_member_la_may_not_export(world, client, frameworks):
    world.la_a1.member_until = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    world.la_a1.save()
    client.force_login(world.user("la_a1", OFF))
    url = reverse("commissioning:framework_export", args=[frameworks["own"].pk])
    assert client.get(url).status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client, frameworks):
    url = reverse("commissioning:framework_import_upload", args=[frameworks["own"].pk])
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def _upload(client, framework, data: bytes, name: str = "members.xlsx"):
    url = reverse("commissioning:framework_import_upload", args=[framework.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, data)}, follow=True)


def test_upload_preview_confirm(world, client, frameworks):
    framework = frameworks["own"]
    hub_admin = world.user("hub_a", HUB)
    urns = [SettingFactory(urn=f"SC{300001 + n}").urn for n in range(12)]
    client.force_login(hub_admin)

    page = client.get(reverse("commissioning:framework_import_upload", args=[framework.pk]))
    assert "Weekly rate (£)" in page.content.decode()
    response = _upload(client, framework, xlsx(three_lots_twelve_members(urns)))
    html = response.content.decode()
    assert "Check the import before confirming" in html
    assert "12 members on 3 lots, 36 rates" in html
    assert "New lot 1: Children&#x27;s homes" in html
    assert not Lot.objects.exists()

    record = FrameworkImport.objects.get()
    assert record.created_by == hub_admin
    confirm = reverse("commissioning:framework_import_confirm", args=[framework.pk, record.pk])
    html = client.post(confirm, follow=True).content.decode()
    assert "Members and rates imported" in html
    assert "The members and rates have been saved." in html
    assert Membership.objects.filter(lot__framework=framework).count() == 12
    assert Rate.objects.count() == 36
    # The request's user is the history's user too (HistoryRequestMiddleware and the service).
    assert set(Rate.history.values_list("history_user", flat=True)) == {hub_admin.pk}


def test_a_file_with_problems_cannot_be_confirmed(world, client, frameworks):
    framework = frameworks["own"]
    SettingFactory(urn="SC100001")
    client.force_login(world.user("hub_a", HUB))
    bad = [row(), row(**{"URN": "SC123456", "Weekly rate (£)": "lots"})]
    html = _upload(client, framework, xlsx(bad)).content.decode()
    assert "1 row has a problem" in html
    assert "Row 3, Weekly rate (£): Weekly rate (£) must be a number of pounds" in html
    assert "Confirm and save" not in html

    record = FrameworkImport.objects.get()
    confirm = reverse("commissioning:framework_import_confirm", args=[framework.pk, record.pk])
    html = client.post(confirm, follow=True).content.decode()
    assert "fix the rows with problems" in html
    assert not Lot.objects.exists()


def test_cancel_discards_the_preview(world, client, frameworks):
    framework = frameworks["own"]
    SettingFactory(urn="SC100001")
    client.force_login(world.user("hub_a", HUB))
    _upload(client, framework, xlsx([row()]))
    record = FrameworkImport.objects.get()
    cancel = reverse("commissioning:framework_import_cancel", args=[framework.pk, record.pk])
    html = client.post(cancel, follow=True).content.decode()
    assert "The import was cancelled. Nothing was saved." in html
    record.refresh_from_db()
    assert (record.status, record.rows) == (FrameworkImport.Status.CANCELLED, [])
    assert not Rate.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("members.csv", b"URN\nSC1\n", "The file must be an .xlsx spreadsheet"),
        ("members.xlsx", b"not a zip", "The file is not an .xlsx spreadsheet."),
        ("members.xlsx", xlsx([row()], headers=["URN", "Lot number", "Lot name"]), "no Kind"),
    ],
)
def test_whole_file_problems_are_shown_on_the_form(world, client, frameworks, name, data, message):
    client.force_login(world.user("hub_a", HUB))
    response = _upload(client, frameworks["own"], data, name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not FrameworkImport.objects.exists()


def test_the_export_downloads_what_is_stored(world, client, frameworks):
    framework = frameworks["own"]
    client.force_login(world.user("hub_a", HUB))
    SettingFactory(urn="SC100001")
    record = framework_import_preview(
        framework=framework, source="m", data=xlsx([row()]), actor=world.user("hub_a", HUB)
    )
    client.post(reverse("commissioning:framework_import_confirm", args=[framework.pk, record.pk]))
    assert Rate.objects.get().weekly_rate == Decimal("5200.00")
    response = client.get(reverse("commissioning:framework_export", args=[framework.pk]))
    again = _upload(client, framework, response.content).content.decode()
    assert "1 member on 1 lot, 1 rate" in again
    assert "No change" in again
