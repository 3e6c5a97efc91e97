"""The Ofsted import: one core behind the command line, the upload page and the scheduled refresh.

A list is read by `providers.ofsted`, compared with what is stored, and applied in one
transaction: settings created or updated by URN, settings missing from a newer complete list
closed (never deleted), and every change recorded as a `SettingEvent`. Without `commit` the same
work is done and rolled back, so a preview finds exactly what the real run would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import re
import urllib.request
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import OuterRef, Q, Subquery
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from common.queue import enqueue_after_commit
from geo.models import Area, Postcode
from geo.names import la_gss_codes_for_names
from providers import ofsted
from providers.models import JUDGEMENT_RANK, OUTCOME_RANK, OfstedImport, Setting, SettingEvent
from providers.signals import settings_changed_by_ofsted

logger = logging.getLogger(__name__)

# Serialises imports (command, upload and schedule) so two never interleave their writes.
IMPORT_LOCK_KEY = 7_300_001

# Reader field -> Setting field. Every field here is copied from the list on each import.
FIELD_MAP: dict[str, str] = {
    "provision_type": "provision_type",
    "setting_name": "name",
    "organisation_name": "owner_name",
    "sector": "sector",
    "registration_date": "registration_date",
    "places": "places",
    "short_break_only": "short_break_only",
    "multi_building": "multi_building",
    "supported_accommodation_premises": "supported_accommodation_premises",
    "linked_education_urn": "linked_education_urn",
    "local_authority": "local_authority_name",
    "ofsted_region": "ofsted_region",
    "parliamentary_constituency": "parliamentary_constituency",
    "address_line_1": "address_line_1",
    "address_line_2": "address_line_2",
    "address_line_3": "address_line_3",
    "town": "town",
    "county": "county",
    "postcode": "postcode",
    "latest_inspection_event_type": "latest_inspection_type",
    "latest_inspection_date": "latest_inspection_date",
    "latest_inspection_publication_date": "latest_inspection_published",
    "overall_effectiveness": "overall_effectiveness",
    "help_and_protection": "help_and_protection",
    "leadership_and_management": "leadership_and_management",
    "outcomes_in_education": "outcomes_in_education",
    "health_services": "health_services",
    "supported_accommodation_outcome": "supported_accommodation_outcome",
}
JUDGEMENT_FIELDS = (
    "overall_effectiveness",
    "help_and_protection",
    "leadership_and_management",
    "outcomes_in_education",
    "health_services",
)
# Once a provider has given its own address, Ofsted's list no longer changes it.
PROVIDER_ADDRESS_FIELDS = frozenset(
    {"address_line_1", "address_line_2", "address_line_3", "town", "county", "postcode"}
)
_AS_AT = re.compile(r"(\d{1,2})\s+([A-Za-z]+)\s+(\d{4})")


class ImportFailed(Exception):
    """The file cannot be imported; the message is written for the person importing it."""

    def __init__(self, message: str, summary: ImportSummary | None = None) -> None:
        super().__init__(message)
        self.summary = summary


@dataclass
class ImportSummary:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0
    rejected: int = 0
    errors: list[dict[str, object]] = field(default_factory=list)
    by_provision_type: dict[str, int] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)
    as_at: str | None = None
    complete: bool = True
    committed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Rollback(Exception):
    """Raised inside the transaction to undo a dry run."""


@dataclass(frozen=True)
class Source:
    name: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def source_read(source: str | Path) -> Source:
    """The bytes of a path or an http(s) URL, with a name that says the file type."""
    text = str(source)
    if text.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(text, timeout=120) as response:  # noqa: S310 - http(s)
                return Source(name=text.split("?")[0], data=response.read())
        except OSError as exc:
            raise ImportFailed(f"Could not download {text}: {exc}") from exc
    path = Path(text)
    if not path.is_file():
        raise ImportFailed(f"No file at {text}")
    return Source(name=path.name, data=path.read_bytes())


def _as_at(title: str | None) -> dt.date | None:
    """The date a list describes, from its title line ("… at 31 March 2025")."""
    match = _AS_AT.search(title or "")
    if not match:
        return None
    try:
        return dt.datetime.strptime(" ".join(match.groups()), "%d %B %Y").date()
    except ValueError:
        return None


def _values(provider: ofsted.OfstedProvider, existing: Setting | None) -> dict[str, Any]:
    """The Setting field values a row says, keeping stored values the list redacted."""
    values: dict[str, Any] = {}
    keep_address = existing is not None and existing.location_from_provider
    for source_field, model_field in FIELD_MAP.items():
        if existing is not None and (
            source_field in provider.redacted_fields
            or (keep_address and model_field in PROVIDER_ADDRESS_FIELDS)
        ):
            values[model_field] = getattr(existing, model_field)
            continue
        value = getattr(provider, source_field)
        if value is None and model_field not in ("places", "registration_date"):
            value = _blank(model_field)
        values[model_field] = value.value if hasattr(value, "value") else value
    status = (provider.registration_status or "").strip().lower()
    values["status"] = Setting.Status.SUSPENDED if status == "suspended" else Setting.Status.ACTIVE
    values["closed_at"] = None
    return values


def _blank(model_field: str) -> Any:
    django_field = Setting._meta.get_field(model_field)
    return None if django_field.null else ""


def _events_for_change(setting: Setting, new: dict[str, Any]) -> list[SettingEvent]:
    events: list[SettingEvent] = []

    def add(kind: str, field_name: str = "", old: object = "", new_value: object = "") -> None:
        events.append(
            SettingEvent(
                setting=setting,
                kind=kind,
                field=field_name,
                old_value=str(old or ""),
                new_value=str(new_value or ""),
            )
        )

    old_status, new_status = setting.status, new["status"]
    if old_status != new_status:
        if old_status == Setting.Status.CLOSED:
            add(SettingEvent.Kind.REOPENED)
        elif new_status == Setting.Status.SUSPENDED:
            add(SettingEvent.Kind.SUSPENDED)
        else:
            add(SettingEvent.Kind.REINSTATED)
    for name in JUDGEMENT_FIELDS:
        _judgement_event(
            add, name, getattr(setting, name), new[name], JUDGEMENT_RANK, ofsted.Judgement
        )
    _judgement_event(
        add,
        "supported_accommodation_outcome",
        setting.supported_accommodation_outcome,
        new["supported_accommodation_outcome"],
        OUTCOME_RANK,
        ofsted.SupportedAccommodationOutcome,
    )
    if setting.places is not None and new["places"] is not None and setting.places != new["places"]:
        add(SettingEvent.Kind.PLACES_CHANGED, "places", setting.places, new["places"])
    if (
        setting.owner_name
        and new["owner_name"]
        and setting.owner_name.casefold() != new["owner_name"].casefold()
    ):
        add(SettingEvent.Kind.OWNER_CHANGED, "owner", setting.owner_name, new["owner_name"])
    return events


def _judgement_event(add, name, old, new, ranks, enum) -> None:  # type: ignore[no-untyped-def]
    if not new or old == new:
        return
    if not old:
        add(SettingEvent.Kind.JUDGEMENT_FIRST, name, "", enum(new).label)
        return
    improved = ranks[enum(new)] > ranks[enum(old)]
    kind = (
        SettingEvent.Kind.JUDGEMENT_IMPROVED if improved else SettingEvent.Kind.JUDGEMENT_DECLINED
    )
    add(kind, name, enum(old).label, enum(new).label)


def _local_authorities(
    providers: Iterable[ofsted.OfstedProvider],
) -> tuple[dict[str, int | None], dict[str, str | None]]:
    """Area ids for each distinct LA name in the list, and the GSS code (or None) per name."""
    names = {p.local_authority for p in providers if p.local_authority}
    codes = la_gss_codes_for_names(names)
    ids = dict(
        Area.objects.filter(gss_code__in=[c for c in codes.values() if c]).values_list(
            "gss_code", "pk"
        )
    )
    return {name: ids.get(code) if code else None for name, code in codes.items()}, codes


@transaction.atomic
def _apply(
    *,
    parsed: ofsted.OfstedProviderList,
    summary: ImportSummary,
    complete: bool,
    record: OfstedImport,
    la_ids: dict[str, int | None],
    alerts: bool = True,
) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])
    baseline = (
        not OfstedImport.objects.filter(status=OfstedImport.Status.COMMITTED)
        .exclude(pk=record.pk)
        .exists()
    )
    existing = {s.urn: s for s in Setting.objects.all()}
    now = timezone.now()
    to_create: list[Setting] = []
    to_update: list[Setting] = []
    events: list[SettingEvent] = []
    changed_fields: set[str] = set()

    for provider in parsed.providers:
        setting = existing.get(provider.urn)
        values = _values(provider, setting)
        values["local_authority_id"] = la_ids.get(provider.local_authority or "")
        if setting is None:
            created = Setting(urn=provider.urn, last_import=record, **values)
            to_create.append(created)
            if not baseline:
                events.append(SettingEvent(setting=created, kind=SettingEvent.Kind.REGISTERED))
            continue
        differences = [name for name, value in values.items() if getattr(setting, name) != value]
        if not differences:
            summary.unchanged += 1
            continue
        events.extend(_events_for_change(setting, values))
        for name in differences:
            setattr(setting, name, values[name])
        setting.last_import = record
        changed_fields.update(differences)
        to_update.append(setting)

    if complete:
        seen = {p.urn for p in parsed.providers}
        for urn, setting in existing.items():
            if urn not in seen and setting.status != Setting.Status.CLOSED:
                setting.status, setting.closed_at, setting.last_import = (
                    Setting.Status.CLOSED,
                    now,
                    record,
                )
                to_update.append(setting)
                changed_fields.update({"status", "closed_at"})
                events.append(SettingEvent(setting=setting, kind=SettingEvent.Kind.CLOSED))
                summary.closed += 1

    Setting.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        Setting.objects.bulk_update(
            to_update, [*sorted(changed_fields), "last_import", "updated_at"], batch_size=500
        )
    for event in events:
        event.ofsted_import = record
        event.setting_id = event.setting.pk
    SettingEvent.objects.bulk_create(events, batch_size=1000)
    _locate(record)
    if alerts and events:
        settings_changed_by_ofsted.send(sender=OfstedImport, record=record, events=events)
    summary.created = len(to_create)
    summary.updated = len(to_update) - summary.closed
    summary.events = dict(Counter(str(e.kind) for e in events))


def _locate(record: OfstedImport) -> None:
    """Place settings at their postcode's point (ONS Postcode Directory), in one UPDATE.

    Only settings this import touched, or not yet placed, are looked at. Whether a location may
    be shown is decided where it is shown (`Setting.location_is_private`), not here.
    """
    point = Postcode.objects.filter(pk=OuterRef("postcode")).values("point")[:1]
    (
        Setting.objects.exclude(postcode="")
        .filter(Q(last_import=record) | Q(location__isnull=True))
        .update(location=Subquery(point))
    )


def ofsted_import(
    *,
    source: Source,
    commit: bool,
    origin: str,
    strict: bool = False,
    complete: bool = True,
    started_by: User | None = None,
    record: OfstedImport | None = None,
    alerts: bool = True,
) -> tuple[OfstedImport, ImportSummary]:
    """Read and apply one Ofsted list. Returns the import record and its summary.

    Row problems are reported and the good rows still go in, unless `strict`, when any row
    problem stops the whole import. A file that cannot be read at all raises ImportFailed, as
    does a list older than the one already imported. With `commit` all changes happen in one
    transaction: if anything fails, the stored data is exactly as it was. With `alerts` (the
    default) the changes are announced (`settings_changed_by_ofsted`) to whoever must hear of
    them; an old release replayed for its history passes False, so nobody is told about it.
    """
    record = record or OfstedImport(source=source.name, origin=origin, started_by=started_by)
    record.content_sha256 = source.sha256
    record.strict = strict
    try:
        parsed = ofsted.read_provider_list(io.BytesIO(source.data), filename=source.name)
    except ofsted.OfstedFileError as exc:
        _record_failure(record, str(exc), None)
        raise ImportFailed(str(exc)) from exc

    summary = ImportSummary(complete=complete)
    kept_rows = {p.row for p in parsed.providers}
    summary.rejected = len({e.row for e in parsed.errors if e.row not in kept_rows})
    summary.rows = len(parsed.providers) + summary.rejected
    summary.errors = [e.as_dict() for e in parsed.errors]
    summary.by_provision_type = dict(Counter(str(p.provision_type) for p in parsed.providers))
    as_at = _as_at(parsed.title)
    summary.as_at = as_at.isoformat() if as_at else None
    record.as_at = as_at

    la_ids, codes = _local_authorities(parsed.providers)
    la_column = parsed.columns.get("local_authority", "Local authority")
    for provider in parsed.providers:
        if provider.local_authority and codes.get(provider.local_authority) is None:
            summary.errors.append(
                {
                    "row": provider.row,
                    "column": la_column,
                    "message": f"Unknown local authority '{provider.local_authority}'",
                }
            )
    summary.errors.sort(key=lambda e: (e["row"], str(e["column"])))

    latest = (
        OfstedImport.objects.filter(status=OfstedImport.Status.COMMITTED, as_at__isnull=False)
        .order_by("-as_at")
        .first()
    )
    if as_at and latest and latest.as_at and as_at < latest.as_at:
        message = (
            f"This list describes {as_at:%-d %B %Y}, which is older than the list already "
            f"imported ({latest.as_at:%-d %B %Y}). Nothing was imported."
        )
        _record_failure(record, message, summary)
        raise ImportFailed(message, summary)
    if strict and summary.errors:
        message = (
            f"{len(summary.errors)} problem{'s' if len(summary.errors) != 1 else ''} in the file; "
            "in strict mode nothing is imported until they are fixed."
        )
        _record_failure(record, message, summary)
        raise ImportFailed(message, summary)

    persisted = record.pk is not None
    try:
        with transaction.atomic():
            record.status = (
                OfstedImport.Status.COMMITTED if commit else OfstedImport.Status.PREVIEWED
            )
            record.save()
            _apply(
                parsed=parsed,
                summary=summary,
                complete=complete,
                record=record,
                la_ids=la_ids,
                alerts=alerts,
            )
            summary.committed = commit
            record.summary = summary.as_dict()
            record.committed_at = timezone.now() if commit else None
            record.save(update_fields=["summary", "committed_at", "updated_at"])
            if not commit:
                raise _Rollback
    except _Rollback:
        # The preview's changes are undone; its record (what it found) is kept.
        record.pk, record._state.adding = (record.pk if persisted else None), not persisted
        record.save()
    except Exception as exc:
        if not persisted:
            record.pk, record._state.adding = None, True
        _record_failure(record, f"The import failed and nothing was changed: {exc}", summary)
        raise
    logger.info(
        "Ofsted import %s %s: %s rows, %s created, %s updated, %s closed, %s problems",
        record.pk,
        record.status,
        summary.rows,
        summary.created,
        summary.updated,
        summary.closed,
        len(summary.errors),
    )
    return record, summary


# How long an uploaded list waits for its preview to be confirmed or cancelled. After that the
# stored copy is deleted (ofsted_uploads_clean_up, daily) and the preview can no longer be
# confirmed: the file is Ofsted's list, and may be an LA's unredacted copy with home addresses.
OFSTED_PREVIEW_KEEP = dt.timedelta(hours=24)


def ofsted_upload_discard(*, record: OfstedImport) -> bool:
    """Delete the stored copy of an uploaded list; the record of what it found stays. Called
    when a preview fails, is refused, confirmed or cancelled. True if there was a file."""
    if not record.upload:
        return False
    record.upload.delete(save=record.pk is not None)
    return True


def ofsted_uploads_clean_up(*, now: dt.datetime | None = None) -> int:
    """Delete the uploads nothing can use any more: those of imports that are not a preview
    (failed, refused, done) and of previews left unconfirmed for OFSTED_PREVIEW_KEEP.
    Returns how many files were deleted."""
    cutoff = (now or timezone.now()) - OFSTED_PREVIEW_KEEP
    unused = OfstedImport.objects.exclude(upload="").filter(
        ~Q(status=OfstedImport.Status.PREVIEWED) | Q(created_at__lt=cutoff)
    )
    return sum(ofsted_upload_discard(record=record) for record in unused)


def _record_failure(record: OfstedImport, message: str, summary: ImportSummary | None) -> None:
    record.status = OfstedImport.Status.FAILED
    record.message = message
    record.summary = summary.as_dict() if summary else {}
    record.save()


# Scheduled refresh -------------------------------------------------------------------------------

REFRESH_LOCK_KEY = 7_300_002
DIGEST_KINDS = (
    SettingEvent.Kind.REGISTERED,
    SettingEvent.Kind.CLOSED,
    SettingEvent.Kind.SUSPENDED,
    SettingEvent.Kind.JUDGEMENT_DECLINED,
)


def _newest_in_folder(folder: Path) -> Path:
    files = [
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in ofsted.SUPPORTED_EXTENSIONS
    ]
    if not files:
        raise ImportFailed(f"No .csv, .xlsx or .ods file in {folder}")
    return max(files, key=lambda p: (p.stat().st_mtime, p.name))


def ofsted_refresh(*, source: str) -> OfstedImport | None:
    """Fetch the configured list and import it if it changed. Returns the import record, or None
    when another refresh holds the lock.

    `source` is a URL, a file, or a folder (its newest list is used). An unchanged file (same
    SHA-256 as the last committed import) is recorded as skipped and changes nothing.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [REFRESH_LOCK_KEY])
        (locked,) = cursor.fetchone()
    if not locked:
        logger.info("Ofsted refresh already running; this run does nothing")
        return None
    try:
        path = Path(source)
        fetched = source_read(_newest_in_folder(path) if path.is_dir() else source)
        last = (
            OfstedImport.objects.filter(status=OfstedImport.Status.COMMITTED)
            .order_by("-committed_at")
            .first()
        )
        if last is not None and last.content_sha256 == fetched.sha256:
            return OfstedImport.objects.create(
                source=fetched.name,
                origin=OfstedImport.Origin.SCHEDULE,
                status=OfstedImport.Status.SKIPPED,
                content_sha256=fetched.sha256,
                as_at=last.as_at,
                message=f"Same file as import {last.pk}",
            )
        record, _ = ofsted_import(source=fetched, commit=True, origin=OfstedImport.Origin.SCHEDULE)
        from providers.tasks import ofsted_digest_send

        enqueue_after_commit(ofsted_digest_send, record.pk)
        return record
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [REFRESH_LOCK_KEY])


def ofsted_digest_send(*, import_id: int) -> int:
    """Email each region's hub admins the changes in their member LAs, once per import.
    Returns how many regions were emailed."""
    with transaction.atomic():
        record = OfstedImport.objects.select_for_update().get(pk=import_id)
        if record.digest_sent_at is not None or record.status != OfstedImport.Status.COMMITTED:
            return 0
        sent = _digest_send(record)
        record.digest_sent_at = timezone.now()
        record.save(update_fields=["digest_sent_at", "updated_at"])
        return sent


def _digest_send(record: OfstedImport) -> int:
    from accounts.models import Organisation, Region, Role

    sent = 0
    for region in Region.objects.all():
        codes = Organisation.objects.filter(
            region=region, kind=Organisation.Kind.LOCAL_AUTHORITY, member_until__isnull=True
        ).values("gss_code")
        events = (
            SettingEvent.objects.filter(
                ofsted_import=record,
                kind__in=DIGEST_KINDS,
                setting__local_authority__gss_code__in=codes,
            )
            .select_related("setting", "setting__local_authority")
            .order_by("kind", "setting__local_authority__name", "setting__urn")
        )
        if not events:
            continue
        recipients = list(
            User.objects.filter(
                organisation__region=region, role=Role.HUB_ADMIN, is_active=True
            ).values_list("email", flat=True)
        )
        if not recipients:
            continue
        context = {
            "region": region,
            "record": record,
            "events": events,
            "site_url": settings.SITE_URL,
        }
        send_mail(
            subject=f"Ofsted changes in {region.name}: {len(events)} to review",
            message=render_to_string("providers/email/ofsted_digest.txt", context),
            from_email=None,
            recipient_list=recipients,
        )
        sent += 1
    return sent
