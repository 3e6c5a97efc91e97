"""The hub's audit trail: the region's events (imports, role changes, claims, exports, address
views), filtered, paged and downloadable; another region's never; the download itself audited."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts import services
from accounts.models import AuditEvent, Role, User
from accounts.selectors import audit_events_for_region
from providers import facts
from providers.services import ofsted_import, source_read
from tests.factories import OrganisationFactory, UserFactory
from tests.providers.factories import SettingFactory
from tests.providers.ofsted_files import row, small_csv

pytestmark = pytest.mark.django_db

URL = "/region/audit/"
CSV_URL = "/region/audit/download.csv"
XLSX_URL = "/region/audit/download.xlsx"
HUB, MGR, OFF, PADM, PUSR = (
    Role.HUB_ADMIN,
    Role.LA_MANAGER,
    Role.PLACEMENT_OFFICER,
    Role.PROVIDER_ADMIN,
    Role.PROVIDER_USER,
)
Action = AuditEvent.Action


@pytest.fixture
def trail(world):
    """Events of region A's organisations and of region B's, through the real services."""
    hub_a, hub_b = world.user("hub_a", HUB), world.user("hub_b", HUB)
    # A role change in each region.
    services.user_role_change(actor=hub_a, user=world.user("la_a1", OFF), role=MGR)
    services.user_role_change(actor=hub_b, user=world.user("la_b1", OFF), role=MGR)
    # A claim decided in region A.
    setting = SettingFactory(urn="SC800001", childrens_home=True, postcode="LE15 6AB")
    claim = facts.setting_claim_request(
        actor=world.user("provider_a1", PADM), setting=setting, note="Ours"
    )
    facts.setting_claim_decide(actor=hub_a, claim=claim, approve=True)
    # An address seen by region B's LA (of region A's provider's home): region B's event.
    setting.refresh_from_db()
    assert facts.setting_exact_location(viewer=world.user("la_b1", MGR), setting=setting)
    # A superuser's event, attributed to nobody: nobody's region.
    root = User.objects.create_superuser("root@example.org", "x", full_name="Root")
    services.audit_record(actor=root, action=Action.PROVIDER_ADDED)
    # An event with no organisation by a region A person: region A's.
    services.audit_record(actor=world.user("la_a2", MGR), action=Action.PASSWORD_RESET)
    return {"setting": setting, "claim": claim}


def actions(events) -> list[tuple[str, str | None]]:
    return [(e.action, e.organisation.name if e.organisation else None) for e in events]


def test_the_region_sees_its_own_events_and_never_another_regions(world, trail):
    region_a = audit_events_for_region(region=world.hub_a.region)
    assert actions(region_a) == [
        (Action.PASSWORD_RESET, None),
        (Action.CLAIM_DECIDED, "Provider A1"),
        (Action.USER_ROLE_CHANGED, world.la_a1.name),
    ]
    region_b = audit_events_for_region(region=world.hub_b.region)
    assert actions(region_b) == [
        (Action.ADDRESS_VIEWED, world.la_b1.name),
        (Action.USER_ROLE_CHANGED, world.la_b1.name),
    ]
    claim_event = region_a[1]
    assert claim_event.actor == world.user("hub_a", HUB)
    assert claim_event.detail == {
        "setting": "SC800001",
        "claim": trail["claim"].pk,
        "decision": "approved",
    }


def test_a_rejected_claim_is_audited_too(world):
    setting = SettingFactory(urn="SC800002")
    claim = facts.setting_claim_request(actor=world.user("provider_a2", PADM), setting=setting)
    facts.setting_claim_decide(actor=world.user("hub_a", HUB), claim=claim, approve=False)
    event = AuditEvent.objects.get(action=Action.CLAIM_DECIDED)
    assert (event.organisation, event.detail["decision"]) == (world.provider_a2, "rejected")


def test_an_ofsted_import_by_a_hub_admin_is_audited_and_a_preview_is_not(world, tmp_path):
    path = small_csv(tmp_path, [row("SC700001"), row("SC700002")])
    hub_a = world.user("hub_a", HUB)
    ofsted_import(source=source_read(path), commit=False, origin="upload", started_by=hub_a)
    assert not AuditEvent.objects.filter(action=Action.OFSTED_IMPORTED).exists()
    record, summary = ofsted_import(
        source=source_read(path), commit=True, origin="upload", started_by=hub_a
    )
    event = AuditEvent.objects.get(action=Action.OFSTED_IMPORTED)
    assert (event.actor, event.organisation) == (hub_a, world.hub_a)
    assert event.detail["ofsted_import"] == record.pk
    assert (event.detail["created"], event.detail["updated"]) == (summary.created, 0)
    assert summary.created == 2
    assert event.detail["as_at"] == "2025-03-31"
    assert list(audit_events_for_region(region=world.hub_a.region)) == [event]


def test_the_page_lists_the_regions_events_newest_first(world, client, trail):
    client.force_login(world.user("hub_a", HUB))
    response = client.get(URL)
    assert response.status_code == 200
    assert [e for e, _ in response.context["rows"]] == list(
        audit_events_for_region(region=world.hub_a.region)
    )
    body = response.content.decode()
    assert "3 events" in body
    assert "Claim to run a setting decided" in body
    # jsonb keeps its own key order
    assert f"claim: {trail['claim'].pk}; setting: SC800001; decision: approved" in body
    assert world.la_b1.name not in body
    table = body[body.index("<table") :]
    assert "Exact address of a private setting seen" not in table  # region B's


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"action": Action.CLAIM_DECIDED}, [Action.CLAIM_DECIDED]),
        ({"organisation": "la_a1"}, [Action.USER_ROLE_CHANGED]),
        ({"actor": ("la_a2", MGR)}, [Action.PASSWORD_RESET]),
        ({"actor": ("hub_a", HUB)}, [Action.CLAIM_DECIDED, Action.USER_ROLE_CHANGED]),
    ],
)
def test_filters(world, client, trail, query, expected):
    if "organisation" in query:
        query = {"organisation": getattr(world, query["organisation"]).pk}
    if "actor" in query:
        query = {"actor": world.user(*query["actor"]).pk}
    client.force_login(world.user("hub_a", HUB))
    response = client.get(URL, query)
    assert [e.action for e, _ in response.context["rows"]] == expected


def test_filter_by_day(world, client, trail):
    week_ago = timezone.now() - dt.timedelta(days=7)
    AuditEvent.objects.filter(action=Action.USER_ROLE_CHANGED).update(created_at=week_ago)
    client.force_login(world.user("hub_a", HUB))
    day = f"{timezone.localtime(week_ago):%d/%m/%Y}"
    response = client.get(URL, {"from": day, "to": day})
    assert [e.action for e, _ in response.context["rows"]] == [Action.USER_ROLE_CHANGED]
    response = client.get(URL, {"from": f"{timezone.localdate():%d/%m/%Y}"})
    assert [e.action for e, _ in response.context["rows"]] == [
        Action.PASSWORD_RESET,
        Action.CLAIM_DECIDED,
    ]


def test_another_regions_organisation_or_person_is_not_a_choice(world, client, trail):
    client.force_login(world.user("hub_a", HUB))
    for query in ({"organisation": world.la_b1.pk}, {"actor": world.user("la_b1", MGR).pk}):
        response = client.get(URL, query)
        assert response.context["count"] == 0
        assert "Select a valid choice" in response.content.decode()


def test_pages_of_fifty(world, client):
    hub_a = world.user("hub_a", HUB)
    AuditEvent.objects.bulk_create(
        AuditEvent(actor=hub_a, action=Action.LA_ADDED, organisation=world.hub_a) for _ in range(51)
    )
    client.force_login(hub_a)
    assert len(client.get(URL).context["rows"]) == 50
    assert len(client.get(URL, {"page": 2}).context["rows"]) == 1


def test_the_csv_download_holds_the_filtered_rows_and_is_audited(world, client, trail):
    hub_a = world.user("hub_a", HUB)
    client.force_login(hub_a)
    response = client.get(CSV_URL, {"actor": hub_a.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-trail-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "When", "What was done", "Organisation", "Done by", "Their role", "About", "Details"
    ]  # fmt: skip
    assert [r[1:5] for r in rows[1:]] == [
        ["Claim to run a setting decided", "Provider A1", hub_a.full_name, "Hub admin"],
        ["Role changed", world.la_a1.name, hub_a.full_name, "Hub admin"],
    ]
    assert rows[2][5] == world.user("la_a1", OFF).full_name
    event = AuditEvent.objects.get(action=Action.DATA_EXPORTED)
    assert (event.actor, event.organisation) == (hub_a, world.hub_a)
    assert event.detail == {
        "export": "audit_trail",
        "filters": {"actor": hub_a.pk, "format": "csv"},
        "rows": 2,
    }
    # The download is now in the trail itself.
    assert audit_events_for_region(region=world.hub_a.region).first() == event


def test_the_xlsx_download_matches_the_page_and_is_audited(world, client, trail):
    client.force_login(world.user("hub_a", HUB))
    response = client.get(XLSX_URL, {"action": Action.CLAIM_DECIDED})
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [[cell.value for cell in r] for r in sheet.iter_rows()]
    assert cells[0][:3] == ["When", "What was done", "Organisation"]
    assert len(cells) == 2
    assert cells[1][1:3] == ["Claim to run a setting decided", "Provider A1"]
    assert isinstance(cells[1][0], dt.datetime)
    event = AuditEvent.objects.get(action=Action.DATA_EXPORTED)
    assert event.detail["filters"] == {"action": "claim_decided", "format": "xlsx"}
    assert event.detail["rows"] == 1


def test_a_formula_in_a_detail_is_neutralised_in_the_csv(world, client):
    hub_a = world.user("hub_a", HUB)
    services.audit_record(actor=hub_a, action=Action.LA_ADDED, organisation=world.hub_a)
    AuditEvent.objects.update(detail={"note": "x"})
    services.audit_record(
        actor=world.user("la_a1", MGR), action=Action.PASSWORD_RESET, target_user=None
    )
    User.objects.filter(pk=world.user("la_a1", MGR).pk).update(full_name="=cmd|' /C calc'!A0")
    client.force_login(hub_a)
    rows = list(csv.reader(io.StringIO(client.get(CSV_URL).content.decode("utf-8-sig"))))
    assert rows[1][3] == "'=cmd|' /C calc'!A0"


# Who may open the trail and its downloads: role × own/other organisation × own/other region -----


@pytest.mark.parametrize("url", [URL, CSV_URL, XLSX_URL])
@pytest.mark.parametrize(
    ("org", "role", "expected"),
    [
        ("hub_a", HUB, 200),
        ("hub_b", HUB, 200),  # another region's hub: its own region's trail
        ("la_a1", MGR, 403),
        ("la_a1", OFF, 403),
        ("la_b1", MGR, 403),
        ("provider_a1", PADM, 403),
        ("provider_a1", PUSR, 403),
    ],
)
def test_who_may_open_it(world, client, trail, url, org, role, expected):
    client.force_login(world.user(org, role))
    response = client.get(url)
    assert response.status_code == expected
    if url == URL and expected == 200:
        region = getattr(world, org).region
        assert [e for e, _ in response.context["rows"]] == list(
            audit_events_for_region(region=region)
        )
    if expected == 403:
        assert not AuditEvent.objects.filter(action=Action.DATA_EXPORTED).exists()


@pytest.mark.parametrize("url", [URL, CSV_URL, XLSX_URL])
def test_signed_out_people_are_sent_to_sign_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_hub_admins_have_it_in_their_navigation(world, client):
    client.force_login(world.user("hub_a", HUB))
    labels = [
        item["label"] for item in client.get(reverse("brokerage:home")).context["navigation_items"]
    ]
    assert "Audit" in labels
    client.force_login(world.user("la_a1", MGR))
    labels = [
        item["label"] for item in client.get(reverse("brokerage:home")).context["navigation_items"]
    ]
    assert "Audit" not in labels


def test_the_operators_claim_decision_is_in_the_trail_of_the_hub_where_the_setting_is(world):
    # The operator has no region of its own: the event belongs to the setting's region.
    operator = UserFactory(
        organisation=OrganisationFactory(operator=True), role=Role.NATIONAL_OPERATOR
    )
    setting = SettingFactory(urn="SC800003", local_authority=world.la_b1.area)
    claim = facts.setting_claim_request(actor=world.user("provider_a1", PADM), setting=setting)
    facts.setting_claim_decide(actor=operator, claim=claim, approve=True)
    event = AuditEvent.objects.get(action=Action.CLAIM_DECIDED)
    assert event.region == world.la_b1.region
    assert event in audit_events_for_region(region=world.la_b1.region)
    assert event not in audit_events_for_region(region=world.hub_a.region)
