"""The national operator's upload → preview → confirm (hub admins read the imports, never make
them: Ofsted's register is national), and the scheduled refresh with its digest."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.urls import reverse

from accounts.models import Organisation, Role, User
from providers.models import OfstedImport, Setting, SettingEvent
from providers.services import REFRESH_LOCK_KEY, ofsted_refresh, ofsted_uploads_clean_up
from providers.tasks import ofsted_digest_send
from tests.factories import OrganisationFactory, UserFactory
from tests.providers.ofsted_files import row, small_csv

pytestmark = pytest.mark.django_db

ALL_ROLES = [
    Role.NATIONAL_OPERATOR,
    Role.HUB_ADMIN,
    Role.LA_MANAGER,
    Role.PLACEMENT_OFFICER,
    Role.PROVIDER_ADMIN,
    Role.PROVIDER_USER,
]
ORG = {
    Role.HUB_ADMIN: "hub_a",
    Role.LA_MANAGER: "la_a1",
    Role.PLACEMENT_OFFICER: "la_a1",
    Role.PROVIDER_ADMIN: "provider_a1",
    Role.PROVIDER_USER: "provider_a1",
}


def operator() -> User:
    organisation = Organisation.objects.filter(kind=Organisation.Kind.OPERATOR).first()
    if organisation is None:
        organisation = OrganisationFactory(operator=True)
    return organisation.users.first() or UserFactory(
        organisation=organisation, role=Role.NATIONAL_OPERATOR
    )


def _user(world, role: Role) -> User:
    return operator() if role == Role.NATIONAL_OPERATOR else world.user(ORG[role], role)


def upload(client, path: Path, **extra):
    with path.open("rb") as handle:
        file = SimpleUploadedFile(path.name, handle.read())
    return client.post(
        reverse("providers:ofsted_import_upload"), {"file": file, **extra}, follow=True
    )


def _stored(settings) -> list[str]:
    """The uploaded files left under MEDIA_ROOT."""
    folder = Path(settings.MEDIA_ROOT) / "ofsted-imports"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("page", ["providers:ofsted_import_list", "providers:ofsted_import_upload"])
def test_only_the_operator_imports_and_hub_admins_read(world, client, role, page):
    client.force_login(_user(world, role))
    readers = {Role.NATIONAL_OPERATOR, Role.HUB_ADMIN}
    allowed = readers if page == "providers:ofsted_import_list" else {Role.NATIONAL_OPERATOR}
    assert client.get(reverse(page)).status_code == (200 if role in allowed else 403)


def test_upload_preview_then_confirm(world, client, boundaries, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(operator())
    path = small_csv(
        tmp_path, [row("SC000001"), row("SC000002", **{"Local authority": "Atlantis"})]
    )
    preview = upload(client, path)
    html = preview.content.decode()
    assert "Check the import before confirming" in html
    assert "Unknown local authority &#x27;Atlantis&#x27;" in html
    assert not Setting.objects.exists()
    record = OfstedImport.objects.get()
    assert record.status == OfstedImport.Status.PREVIEWED
    assert record.summary["created"] == 2

    confirmed = client.post(
        reverse("providers:ofsted_import_confirm", args=[record.pk]), follow=True
    )
    assert "The list has been imported." in confirmed.content.decode()
    assert Setting.objects.count() == 2
    record.refresh_from_db()
    assert record.status == OfstedImport.Status.COMMITTED
    assert not record.upload  # the uploaded copy is not kept once imported
    assert _stored(settings) == []

    again = client.post(reverse("providers:ofsted_import_confirm", args=[record.pk]), follow=True)
    assert "already been used" in again.content.decode()
    assert Setting.objects.count() == 2


def test_upload_of_the_wrong_file_is_a_form_error(world, client, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(operator())
    other = tmp_path / "people.csv"
    other.write_text("name,email\nA,a@example.org\n")
    response = upload(client, other)
    assert "govuk-error-summary" in response.content.decode()
    assert "doesn&#x27;t look like an Ofsted provider list" in response.content.decode()
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    response = upload(client, notes)
    assert "must be a .csv, .xlsx or .ods" in response.content.decode()
    assert not Setting.objects.exists()
    # What it found is recorded; the file itself is not kept.
    assert OfstedImport.objects.get().status == OfstedImport.Status.FAILED
    assert not OfstedImport.objects.get().upload
    assert _stored(settings) == []


def test_strict_upload_shows_problems_and_cannot_be_confirmed(
    world, client, boundaries, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(operator())
    path = small_csv(tmp_path, [row("SC000001", **{"Registration date": "31/02/2020"})])
    response = upload(client, path, strict="on")
    html = response.content.decode()
    assert "The import failed" in html
    assert "Row 5, Registration date" in html
    assert "Confirm and import" not in html
    assert not Setting.objects.exists()
    assert not OfstedImport.objects.get().upload
    assert _stored(settings) == []


def test_a_cancelled_preview_deletes_its_upload(world, client, boundaries, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(operator())
    upload(client, small_csv(tmp_path, [row("SC000001")]))
    record = OfstedImport.objects.get()
    assert record.upload and len(_stored(settings)) == 1
    cancelled = client.post(
        reverse("providers:ofsted_import_cancel", args=[record.pk]), follow=True
    )
    assert "The import was cancelled. Nothing was imported." in cancelled.content.decode()
    assert _stored(settings) == []
    page = client.get(reverse("providers:ofsted_import_detail", args=[record.pk])).content.decode()
    assert "Not imported" in page and "Confirm and import" not in page
    refused = client.post(reverse("providers:ofsted_import_confirm", args=[record.pk]), follow=True)
    assert "already been used" in refused.content.decode()
    assert not Setting.objects.exists()


def test_a_preview_refused_as_older_than_the_last_import_keeps_no_file(
    world, client, boundaries, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    OfstedImport.objects.create(
        source="newer.xlsx",
        origin="path",
        status="committed",
        content_sha256="0" * 64,
        as_at=date(2099, 1, 1),
    )
    client.force_login(operator())
    response = upload(client, small_csv(tmp_path, [row("SC000001")]))
    assert "older than the list already imported" in response.content.decode()
    assert _stored(settings) == []


@pytest.mark.parametrize("role", ALL_ROLES[1:])
def test_only_the_operator_cancels(world, client, boundaries, tmp_path, settings, role):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(operator())
    upload(client, small_csv(tmp_path, [row("SC000001")]))
    record = OfstedImport.objects.get()
    client.force_login(_user(world, role))
    assert (
        client.post(reverse("providers:ofsted_import_cancel", args=[record.pk])).status_code == 403
    )
    assert len(_stored(settings)) == 1


def test_previews_left_unconfirmed_lose_their_upload_after_a_day(
    world, client, boundaries, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(operator())
    upload(client, small_csv(tmp_path, [row("SC000001")]))
    record = OfstedImport.objects.get()
    now = record.created_at + timedelta(hours=23)
    assert ofsted_uploads_clean_up(now=now) == 0
    assert len(_stored(settings)) == 1
    assert ofsted_uploads_clean_up(now=now + timedelta(hours=2)) == 1
    assert _stored(settings) == []
    record.refresh_from_db()
    assert record.status == OfstedImport.Status.PREVIEWED and not record.upload


class TestScheduledRefresh:
    def test_imports_then_skips_the_unchanged_file(self, boundaries, tmp_path):
        folder = tmp_path / "ofsted"
        folder.mkdir()
        small_csv(folder, [row("SC000001")], "list.csv")
        first = ofsted_refresh(source=str(folder))
        assert first.status == OfstedImport.Status.COMMITTED
        second = ofsted_refresh(source=str(folder))
        assert second.status == OfstedImport.Status.SKIPPED
        assert Setting.objects.count() == 1

    def test_a_second_run_does_nothing_while_one_holds_the_lock(self, boundaries, tmp_path):
        path = small_csv(tmp_path, [row("SC000001")], "list.csv")
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [REFRESH_LOCK_KEY])
            assert ofsted_refresh(source=str(path)) is None
            assert not OfstedImport.objects.exists()
            # Unlock explicitly: closing only releases it when the server process has gone.
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [REFRESH_LOCK_KEY])
        finally:
            other.close()
        assert ofsted_refresh(source=str(path)).status == OfstedImport.Status.COMMITTED

    def test_digest_goes_to_hub_admins_of_the_region_with_changes(
        self, world, boundaries, tmp_path, django_capture_on_commit_callbacks
    ):
        # Region A's member LA is Rutland; region B's is elsewhere.
        rutland = world.la_a1
        rutland.gss_code = "E06000017"
        rutland.save()
        path = tmp_path / "list.csv"
        shutil.copy(small_csv(tmp_path, [row("SC000001"), row("SC000002")], "a.csv"), path)
        ofsted_refresh(source=str(path))
        shutil.copy(
            small_csv(
                tmp_path,
                [
                    row("SC000001", **{"Registration status": "Suspended"}),
                    row("SC000003"),
                ],
                "b.csv",
            ),
            path,
        )
        with django_capture_on_commit_callbacks(execute=True):
            record = ofsted_refresh(source=str(path))
        assert set(
            SettingEvent.objects.filter(ofsted_import=record).values_list("kind", flat=True)
        ) == {
            "suspended",
            "closed",
            "registered",
        }
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == [world.user("hub_a", Role.HUB_ADMIN).email]
        assert "Suspended (1)" in message.body
        assert "Closed (1)" in message.body
        assert "Registered (1)" in message.body
        assert "/providers/SC000003/" in message.body
        # A retry of the task sends nothing more.
        assert ofsted_digest_send(record.pk) == 0
        assert len(mail.outbox) == 1


def test_refresh_lock_is_released(boundaries, tmp_path):
    path = small_csv(tmp_path, [row("SC000001")], "list.csv")
    ofsted_refresh(source=str(path))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [REFRESH_LOCK_KEY])
        assert cursor.fetchone()[0] is True
        cursor.execute("SELECT pg_advisory_unlock(%s)", [REFRESH_LOCK_KEY])
