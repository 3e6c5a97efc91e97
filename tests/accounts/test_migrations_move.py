"""Moving people to accounts/ and placements agreed to brokerage/ keeps every row (ADR 0011).

The database is taken back to how it was before the move (accounts/ unknown to it, the tables
named brokerage_* and placements_placementoutcome), filled through the models as they were then,
and migrated forwards with `manage.py migrate`, as a deployment would.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from accounts.models import AuditEvent, Invitation, Organisation, Region, User
from brokerage.models import Notification, PlacementOutcome, Referral
from placements.models import PlacementRequest

BEFORE = [
    ("brokerage", "0005_off_service_enquiries"),
    ("placements", "0002_referrals"),
    ("providers", "0005_vacancy_structured_restrictions"),
]
WHEN = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)


def _tables() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def _references(table: str, column: str) -> str:
    """The table a foreign key column's constraint points at."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT confrelid::regclass::text FROM pg_constraint
            WHERE contype = 'f' AND conrelid = %s::regclass
              AND conkey[1] = (SELECT attnum FROM pg_attribute
                               WHERE attrelid = %s::regclass AND attname = %s)
            """,
            [table, table, column],
        )
        return cursor.fetchone()[0]


def _seed_before(apps) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Rows of every moved model, written through the models as they were before the move."""
    region = apps.get_model("brokerage", "Region").objects.create(name="Old region")
    org = apps.get_model("brokerage", "Organisation")
    la = org.objects.create(kind="la", name="Rutland", region=region, gss_code="E06000017")
    provider = org.objects.create(kind="provider", name="Homes Ltd", region=region)
    user_model = apps.get_model("brokerage", "User")
    officer = user_model.objects.create(
        email="officer@rutland.example",
        full_name="Pat Officer",
        organisation=la,
        role="placement_officer",
        password="pbkdf2_sha256$1$salt$notreal",
    )
    answerer = user_model.objects.create(
        email="admin@homes.example",
        full_name="Sam Provider",
        organisation=provider,
        role="provider_admin",
    )
    apps.get_model("brokerage", "Invitation").objects.create(
        email="new@rutland.example",
        organisation=la,
        role="placement_officer",
        invited_by=officer,
        expires_at=WHEN + dt.timedelta(days=7),
    )
    apps.get_model("brokerage", "AuditEvent").objects.create(
        actor=officer, action="user_invited", organisation=la, target_user=answerer
    )
    setting = apps.get_model("providers", "Setting").objects.create(
        urn="SC999001",
        provision_type="Children's home",
        name="Oak House",
        provider_organisation=provider,
    )
    request = apps.get_model("placements", "PlacementRequest").objects.create(
        organisation=la,
        created_by=officer,
        reference="RUT-0001",
        age_years=14,
        sex="female",
        urgency="planned",
        accommodation=["residential"],
    )
    referral = apps.get_model("brokerage", "Referral").objects.create(
        request=request,
        setting=setting,
        provider=provider,
        sent_by=officer,
        sent_at=WHEN,
        deadline=WHEN + dt.timedelta(days=2),
        status="placed",
        profile={"age": 14},
        answered_by=answerer,
        weekly_price=Decimal("5200.00"),
    )
    apps.get_model("brokerage", "Notification").objects.create(
        recipient=answerer, referral=referral, kind="placed", key="k:1", subject="S", body="B"
    )
    apps.get_model("placements", "PlacementOutcome").objects.create(
        request=request,
        referral=referral,
        setting=setting,
        urn=setting.urn,
        start_date=dt.date(2026, 11, 9),
        weekly_cost=Decimal("5200.00"),
        social_care_weekly=Decimal("5200.00"),
        commercial_route="spot",
        decided_by=officer,
    )
    return {"officer": officer.pk, "answerer": answerer.pk, "la": la.pk, "region": region.pk}


@pytest.mark.django_db(transaction=True)
def test_rows_survive_the_move_to_accounts_and_brokerage():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        # A database made before the move never heard of accounts/.
        MigrationRecorder(connection).record_unapplied("accounts", "0001_initial")
        old = executor.loader.project_state(BEFORE).apps
        assert {"brokerage_user", "placements_placementoutcome"} <= _tables()
        assert "accounts_user" not in _tables()
        ids = _seed_before(old)
        user_type = ContentType.objects.get(app_label="brokerage", model="user")
        LogEntry.objects.create(
            user_id=ids["officer"],
            content_type=user_type,
            object_id=str(ids["answerer"]),
            object_repr="Sam Provider",
            action_flag=ADDITION,
        )
    finally:
        out = StringIO()
        call_command("migrate", stdout=out)

    assert "Recorded accounts.0001_initial as applied" in out.getvalue()
    tables = _tables()
    assert {"accounts_user", "accounts_organisation", "accounts_region"} <= tables
    assert {"accounts_invitation", "accounts_auditevent", "accounts_user_groups"} <= tables
    assert "brokerage_placementoutcome" in tables
    assert not {"brokerage_user", "brokerage_organisation", "placements_placementoutcome"} & tables

    officer = User.objects.get(pk=ids["officer"])
    assert (officer.email, officer.full_name, officer.role) == (
        "officer@rutland.example",
        "Pat Officer",
        "placement_officer",
    )
    assert officer.organisation == Organisation.objects.get(pk=ids["la"], gss_code="E06000017")
    assert officer.organisation.region == Region.objects.get(pk=ids["region"], name="Old region")
    assert Invitation.objects.get().invited_by == officer
    event = AuditEvent.objects.get()
    assert (event.actor, event.target_user_id) == (officer, ids["answerer"])

    request = PlacementRequest.objects.get(reference="RUT-0001")
    assert request.created_by == officer
    referral = Referral.objects.get()
    assert (referral.sent_by, referral.answered_by_id) == (officer, ids["answerer"])
    assert referral.weekly_price == Decimal("5200.00")
    assert Notification.objects.get().recipient_id == ids["answerer"]
    outcome = PlacementOutcome.objects.get()
    assert (outcome.request, outcome.referral, outcome.decided_by) == (request, referral, officer)
    assert request.outcome == outcome

    # The keys still hold, now pointing at the renamed tables.
    assert _references("brokerage_referral", "sent_by_id") == "accounts_user"
    assert _references("accounts_user", "organisation_id") == "accounts_organisation"
    assert _references("brokerage_placementoutcome", "request_id") == "placements_placementrequest"
    assert _references("django_admin_log", "user_id") == "accounts_user"

    # The admin log and permissions follow the models' content types to their new app.
    entry = LogEntry.objects.get()
    assert entry.content_type.app_label == "accounts"
    assert entry.get_edited_object() == User.objects.get(pk=ids["answerer"])
    assert not ContentType.objects.filter(app_label="brokerage", model="user").exists()
    assert ContentType.objects.get_for_model(PlacementOutcome).app_label == "brokerage"

    # New rows carry on after the old ones.
    newcomer = User.objects.create_user(
        email="next@rutland.example",
        password="x" * 12,
        organisation=officer.organisation,
        role="placement_officer",
    )
    assert newcomer.pk > ids["answerer"]


@pytest.mark.django_db(transaction=True)
def test_migrate_records_nothing_on_a_database_already_in_line():
    out = StringIO()
    call_command("migrate", stdout=out)
    assert "Recorded accounts.0001_initial" not in out.getvalue()
    assert ("accounts", "0001_initial") in MigrationRecorder(connection).applied_migrations()
