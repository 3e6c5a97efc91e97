"""The Ofsted import: one core behind the command line, the upload page and the scheduled refresh.

A list is read by `providers.ofsted`, compared with what is stored, and applied in one
transaction: settings created or updated by URN, settings missing from a newer complete list
closed (never deleted), and every change recorded as a `SettingEvent` dated when Ofsted's list
says it happened. Without `commit` the same work is done and rolled back, so a preview finds
exactly what the real run would.

`ofsted_history_import` replays a folder of yearly lists through the same core, oldest first, so
each setting's events run back over the years those lists cover.
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

from accounts.models import AuditEvent, User
from accounts.services import audit_record
from common.queue import enqueue_after_commit
from geo.models import Area, Postcode
from geo.successions import Basis, Located, Resolution, authorities_resolve
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
    "judgement_scale": "judgement_scale",
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
_MONTHS = {
    name: number
    for number in range(1, 13)
    for name in (
        dt.date(2000, number, 1).strftime("%B").lower(),
        dt.date(2000, number, 1).strftime("%b").lower(),
    )
} | {"sept": 9}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
# File names seen or expected: provider_at_march_2016, 2016-03-31, 31_march_2016, march-2016.
_NAME_DATES = (
    (re.compile(r"(?<!\d)(?P<y>\d{4}) (?P<m>\d{1,2}) (?P<d>\d{1,2})(?!\d)"), "ymd"),
    (re.compile(rf"(?<!\d)(?P<d>\d{{1,2}}) (?P<m>{_MONTH}) (?P<y>\d{{4}})(?!\d)"), "dmy"),
    (re.compile(rf"(?<![a-z])(?P<m>{_MONTH}) (?P<y>\d{{4}})(?!\d)"), "my"),
)


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
    skipped: int = 0
    errors: list[dict[str, object]] = field(default_factory=list)
    # Not problems in the file, but worth saying: rows left out as not settings (Cafcass),
    # settings outside England, authorities since reorganised and how each was resolved.
    notes: list[dict[str, object]] = field(default_factory=list)
    local_authorities: dict[str, int] = field(default_factory=dict)
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


def as_at_from_name(name: str) -> dt.date | None:
    """The date a list describes, from its file name, for releases whose title gives none.

    "provider_at_march_2016.csv" and "march-2016" mean the end of that month (Ofsted's lists are
    as at the last day of one); "2016-03-31" and "31_march_2016" mean that day.
    """
    text = " ".join(re.split(r"[^0-9a-z]+", Path(name).stem.lower()))
    for pattern, form in _NAME_DATES:
        match = pattern.search(text)
        if not match:
            continue
        year = int(match["y"])
        month = int(match["m"]) if form == "ymd" else _MONTHS[match["m"]]
        if form == "my":
            following = dt.date(year + month // 12, month % 12 + 1, 1)
            return following - dt.timedelta(days=1)
        try:
            return dt.date(year, month, int(match["d"]))
        except ValueError:
            return None
    return None


def _list_date(parsed: ofsted.OfstedProviderList, name: str) -> dt.date | None:
    """The title's date ("… as at 31 March 2025") when it has one, else the file name's."""
    return _as_at(parsed.title) or as_at_from_name(name)


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


def _events_for_change(
    setting: Setting, new: dict[str, Any], as_at: dt.date | None
) -> list[SettingEvent]:
    """What changed between the stored setting and the list's row, each dated `as_at` except a
    judgement, dated by the inspection that gave it when the row says when that was."""
    events: list[SettingEvent] = []
    judged_on = new["latest_inspection_date"] or as_at

    def add(kind: str, field_name: str = "", old: object = "", new_value: object = "") -> None:
        judgement = kind in _JUDGEMENT_KINDS
        events.append(
            SettingEvent(
                setting=setting,
                kind=kind,
                field=field_name,
                old_value=str(old or ""),
                new_value=str(new_value or ""),
                occurred_on=judged_on if judgement else as_at,
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
    # A judgement where there was none is news only for a setting never judged before: for one
    # already judged it is a column an older list did not have (2016 and 2018 had no "help and
    # protection"), and a history would otherwise report thousands of "first judgements".
    judged_before = any(getattr(setting, name) for name in _ALL_JUDGEMENT_FIELDS)
    scales = (setting.judgement_scale, new["judgement_scale"])
    for name in JUDGEMENT_FIELDS:
        _judgement_event(
            add,
            name,
            getattr(setting, name),
            new[name],
            scales=scales,
            judged_before=judged_before,
        )
    _judgement_event(
        add,
        "supported_accommodation_outcome",
        setting.supported_accommodation_outcome,
        new["supported_accommodation_outcome"],
        judged_before=judged_before,
    )
    if setting.places is not None and new["places"] is not None and setting.places != new["places"]:
        add(SettingEvent.Kind.PLACES_CHANGED, "places", setting.places, new["places"])
    if (
        setting.owner_name
        and new["owner_name"]
        and owner_key(setting.owner_name) != owner_key(new["owner_name"])
    ):
        add(SettingEvent.Kind.OWNER_CHANGED, "owner", setting.owner_name, new["owner_name"])
    return events


_JUDGEMENT_KINDS = frozenset(
    {
        SettingEvent.Kind.JUDGEMENT_FIRST,
        SettingEvent.Kind.JUDGEMENT_IMPROVED,
        SettingEvent.Kind.JUDGEMENT_DECLINED,
    }
)
_ALL_JUDGEMENT_FIELDS = (*JUDGEMENT_FIELDS, "supported_accommodation_outcome")


_OWNER_NOISE = re.compile(r"\([^)]*\)|\bcompany number\b|\b\d{6,}\b")
_OWNER_FORMS = frozenset(
    {"the", "limited", "ltd", "plc", "llp", "cic", "council", "la", "uk", "metropolitan", "borough"}
)


def owner_key(name: str) -> str:
    """An owner's name as its spellings across Ofsted's lists share: "Compass Children's Homes
    Ltd" and "Compass Childrens Homes Limited", "Homes 2 Inspire Limited" and "Homes2inspire
    Limited", a company number or "(tact)" added. A new name is an owner change; a respelling
    is not (it would tell every LA placing there that the home changed hands)."""
    text = _OWNER_NOISE.sub(" ", name.casefold().replace("&", " and "))
    words = re.sub(r"[^0-9a-z ]+", "", text.replace("-", " ")).split()
    return "".join(word for word in words if word not in _OWNER_FORMS)


def _judgement_event(  # type: ignore[no-untyped-def]
    add,
    name: str,
    old: str,
    new: str,
    *,
    scales: tuple[str, str] = ("", ""),
    judged_before: bool = False,
) -> None:
    """A first, improved or declined judgement, worded on each side's own scale ("Adequate
    (older scale)" → "Good"). Points are compared, so the same point on a newer scale is no
    change; "Not judged" is no judgement to compare."""
    old = "" if old == ofsted.Judgement.NOT_JUDGED else old
    if not new or new == ofsted.Judgement.NOT_JUDGED or old == new:
        return
    enum: Any = ofsted.Judgement
    ranks: Any = JUDGEMENT_RANK
    words: tuple[str, str] | None = scales
    if name == "supported_accommodation_outcome":
        enum, ranks, words = ofsted.SupportedAccommodationOutcome, OUTCOME_RANK, None

    def label(value: str, scale: str) -> str:
        if words is None:
            return str(enum(value).label)
        return ofsted.Judgement(value).shown(scale or None)

    if not old:
        if judged_before:
            return
        add(SettingEvent.Kind.JUDGEMENT_FIRST, name, "", label(new, scales[1]))
        return
    improved = ranks[enum(new)] > ranks[enum(old)]
    kind = (
        SettingEvent.Kind.JUDGEMENT_IMPROVED if improved else SettingEvent.Kind.JUDGEMENT_DECLINED
    )
    add(kind, name, label(old, scales[0]), label(new, scales[1]))


def _located(provider: ofsted.OfstedProvider) -> Located | None:
    if not provider.local_authority:
        return None
    return Located(
        provider.local_authority, provider.postcode or "", provider.parliamentary_constituency or ""
    )


def _authority_report(
    parsed: ofsted.OfstedProviderList,
    resolved: dict[Located, Resolution],
    summary: ImportSummary,
) -> None:
    """An unknown authority is a row problem; any other name that is not one of today's
    authorities (a predecessor's, one outside England) is a note saying what was done."""
    column = parsed.columns.get("local_authority", "Local authority")
    bases: Counter[str] = Counter()
    for provider in parsed.providers:
        located = _located(provider)
        if located is None:
            continue
        resolution = resolved[located]
        bases[resolution.basis] += 1
        if resolution.basis == Basis.NAME:
            continue
        entry = {"row": provider.row, "column": column, "message": resolution.note}
        (summary.errors if resolution.basis == Basis.UNKNOWN else summary.notes).append(entry)
    summary.local_authorities = dict(sorted(bases.items()))


def _local_authorities(
    providers: Iterable[ofsted.OfstedProvider], *, as_at: dt.date | None
) -> tuple[dict[Located, Resolution], dict[str, int]]:
    """How each row's named authority resolves to one of today's (geo/successions.py), and the
    `Area` id of each GSS code found."""
    resolved = authorities_resolve(
        (located for p in providers if (located := _located(p)) is not None), as_at=as_at
    )
    codes = {r.code for r in resolved.values() if r.code}
    ids = dict(Area.objects.filter(gss_code__in=codes).values_list("gss_code", "pk"))
    return resolved, ids


def _authority_values(
    provider: ofsted.OfstedProvider,
    existing: Setting | None,
    resolved: dict[Located, Resolution],
    ids: dict[str, int],
) -> dict[str, Any]:
    located = _located(provider)
    resolution = resolved.get(located) if located is not None else None
    if (
        existing is not None
        and existing.local_authority_basis == Basis.ASSIGNED
        and resolution is not None
        and resolution.basis == Basis.TO_ASSIGN
    ):
        # The hub said which successor it is in; a list that still cannot tell keeps that.
        return {
            "local_authority_id": existing.local_authority_id,
            "local_authority_basis": existing.local_authority_basis,
            "local_authority_note": existing.local_authority_note,
        }
    if resolution is None:
        return {
            "local_authority_id": None,
            "local_authority_basis": Basis.NAME,
            "local_authority_note": "",
        }
    return {
        "local_authority_id": ids.get(resolution.code) if resolution.code else None,
        "local_authority_basis": resolution.basis,
        "local_authority_note": resolution.note,
    }


@transaction.atomic
def _apply(
    *,
    parsed: ofsted.OfstedProviderList,
    summary: ImportSummary,
    complete: bool,
    record: OfstedImport,
    authorities: tuple[dict[Located, Resolution], dict[str, int]],
    as_at: dt.date | None,
    history: bool,
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
    # A history's closures happened by the list's date, not today (a 2018 list closes in 2018).
    if history and as_at is not None:
        closed_at = timezone.make_aware(dt.datetime.combine(as_at, dt.time()))
    else:
        closed_at = timezone.now()
    to_create: list[Setting] = []
    to_update: list[Setting] = []
    events: list[SettingEvent] = []
    changed_fields: set[str] = set()

    for provider in parsed.providers:
        setting = existing.get(provider.urn)
        values = _values(provider, setting)
        values.update(_authority_values(provider, setting, *authorities))
        if setting is None:
            created = Setting(urn=provider.urn, last_import=record, **values)
            to_create.append(created)
            if not baseline:
                events.append(
                    SettingEvent(
                        setting=created,
                        kind=SettingEvent.Kind.REGISTERED,
                        occurred_on=values["registration_date"] or as_at,
                    )
                )
            continue
        differences = [name for name, value in values.items() if getattr(setting, name) != value]
        if not differences:
            summary.unchanged += 1
            continue
        events.extend(_events_for_change(setting, values, as_at))
        for name in differences:
            setattr(setting, name, values[name])
        setting.last_import = record
        changed_fields.update(differences)
        to_update.append(setting)

    if complete:
        closed = _close_missing(parsed, existing, record, closed_at=closed_at)
        to_update.extend(closed)
        if closed:
            changed_fields.update({"status", "closed_at"})
        events.extend(
            SettingEvent(setting=setting, kind=SettingEvent.Kind.CLOSED, occurred_on=as_at)
            for setting in closed
        )
        summary.closed = len(closed)

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


def _close_missing(
    parsed: ofsted.OfstedProviderList,
    existing: dict[str, Setting],
    record: OfstedImport,
    *,
    closed_at: dt.datetime,
) -> list[Setting]:
    """The settings a complete list no longer has, marked closed (not yet saved)."""
    seen = {p.urn for p in parsed.providers}
    closed = []
    for urn, setting in existing.items():
        if urn not in seen and setting.status != Setting.Status.CLOSED:
            setting.status, setting.closed_at, setting.last_import = (
                Setting.Status.CLOSED,
                closed_at,
                record,
            )
            closed.append(setting)
    return closed


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
    history: bool = False,
    parsed: ofsted.OfstedProviderList | None = None,
    alerts: bool = True,
) -> tuple[OfstedImport, ImportSummary]:
    """Read and apply one Ofsted list. Returns the import record and its summary.

    Row problems are reported and the good rows still go in, unless `strict`, when any row
    problem stops the whole import. A file that cannot be read at all raises ImportFailed, as
    does a list older than the one already imported. With `commit` all changes happen in one
    transaction: if anything fails, the stored data is exactly as it was.

    The list's date is its title's, else its file name's (`as_at_from_name`). `history` is for
    `ofsted_history_import`, which has already put the releases in order: closures are then
    dated by the list rather than today. `parsed` is `source` already read (the history reads
    each file first to date it). With `alerts` (the default) the changes are announced
    (`settings_changed_by_ofsted`) to whoever must hear of them; an old release replayed for its
    history passes False, so nobody is told about it.
    """
    record = record or OfstedImport(source=source.name, origin=origin, started_by=started_by)
    record.content_sha256 = source.sha256
    record.strict = strict
    if parsed is None:
        try:
            parsed = ofsted.read_provider_list(io.BytesIO(source.data), filename=source.name)
        except ofsted.OfstedFileError as exc:
            _record_failure(record, str(exc), None)
            raise ImportFailed(str(exc)) from exc

    summary = ImportSummary(complete=complete)
    kept_rows = {p.row for p in parsed.providers}
    summary.rejected = len({e.row for e in parsed.errors if e.row not in kept_rows})
    summary.skipped = len(parsed.notes)
    summary.rows = len(parsed.providers) + summary.rejected + summary.skipped
    summary.errors = [e.as_dict() for e in parsed.errors]
    summary.notes = [e.as_dict() for e in parsed.notes]
    summary.by_provision_type = dict(Counter(str(p.provision_type) for p in parsed.providers))
    as_at = _list_date(parsed, source.name)
    summary.as_at = as_at.isoformat() if as_at else None
    record.as_at = as_at

    authorities = _local_authorities(parsed.providers, as_at=as_at)
    _authority_report(parsed, authorities[0], summary)
    summary.errors.sort(key=lambda e: (e["row"], str(e["column"])))
    summary.notes.sort(key=lambda e: (e["row"], str(e["column"])))

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
                authorities=authorities,
                as_at=as_at,
                history=history,
                alerts=alerts,
            )
            summary.committed = commit
            record.summary = summary.as_dict()
            record.committed_at = timezone.now() if commit else None
            record.save(update_fields=["summary", "committed_at", "updated_at"])
            if not commit:
                raise _Rollback
            if started_by is not None:  # a person's upload; the command line is the operator's
                audit_record(
                    actor=started_by,
                    action=AuditEvent.Action.OFSTED_IMPORTED,
                    organisation=started_by.organisation,
                    ofsted_import=record.pk,
                    source=record.source,
                    as_at=as_at.isoformat() if as_at else None,
                    created=summary.created,
                    updated=summary.updated,
                    closed=summary.closed,
                    rejected=summary.rejected,
                )
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


# History: a folder of yearly lists, replayed oldest first --------------------------------------

# When two files in a folder are the same release (Ofsted publish an .ods; a .csv is often kept
# beside it), the first of these is imported: a CSV reads fastest and is what most people keep.
_FORMAT_PREFERENCE = {extension: rank for rank, extension in enumerate((".csv", ".xlsx", ".ods"))}


@dataclass
class HistoryRelease:
    """One file of a history run: what it is, and what became of it."""

    file: str
    as_at: dt.date
    status: str  # "imported", "would import" (a dry run) or "skipped"
    reason: str = ""
    summary: ImportSummary | None = None

    def as_dict(self) -> dict[str, Any]:
        details = self.summary.as_dict() if self.summary else {}
        return {
            **details,
            "file": self.file,
            "as_at": self.as_at.isoformat(),
            "status": self.status,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class _Release:
    path: Path
    source: Source
    parsed: ofsted.OfstedProviderList
    as_at: dt.date


def _history_releases(folder: Path) -> tuple[list[_Release], list[HistoryRelease]]:
    """The folder's lists, one per date, oldest first; and the files left out as duplicates.

    Every file is read first, so a file that cannot be read or dated stops the history before
    anything is imported, naming the file.
    """
    if not folder.is_dir():
        raise ImportFailed(f"No folder at {folder}")
    paths = sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and not p.name.startswith(".")
        and p.suffix.lower() in ofsted.SUPPORTED_EXTENSIONS
    )
    if not paths:
        raise ImportFailed(f"No .csv, .xlsx or .ods file in {folder}")
    by_date: dict[dt.date, list[_Release]] = {}
    for path in paths:
        source = source_read(path)
        try:
            parsed = ofsted.read_provider_list(io.BytesIO(source.data), filename=source.name)
        except ofsted.OfstedFileError as exc:
            raise ImportFailed(f"{path.name}: {exc} Nothing was imported.") from exc
        as_at = _list_date(parsed, path.name)
        if as_at is None:
            raise ImportFailed(
                f"Cannot tell which date {path.name} describes: its title "
                f"({parsed.title or 'none'!r}) gives no date such as '31 March 2018', nor does "
                "its name (for example provider_at_march_2018.csv or 2018-03-31.csv). Rename "
                "it and run again; nothing was imported."
            )
        by_date.setdefault(as_at, []).append(_Release(path, source, parsed, as_at))
    chosen: list[_Release] = []
    duplicates: list[HistoryRelease] = []
    for as_at in sorted(by_date):
        first, *others = sorted(
            by_date[as_at],
            key=lambda r: (_FORMAT_PREFERENCE.get(r.path.suffix.lower(), 9), r.path.name),
        )
        chosen.append(first)
        duplicates += [
            HistoryRelease(
                file=other.path.name,
                as_at=as_at,
                status="skipped",
                reason=f"the same release as {first.path.name} ({as_at:%-d %B %Y})",
            )
            for other in others
        ]
    return chosen, duplicates


def ofsted_history_import(
    *,
    folder: str | Path,
    commit: bool,
    origin: str = OfstedImport.Origin.COMMAND,
    strict: bool = False,
    started_by: User | None = None,
) -> list[HistoryRelease]:
    """Import a folder of yearly Ofsted lists oldest first, building each setting's history.

    Each file is dated by its title, else its name; of two files with the same date (the same
    release as .csv and .ods) only one is imported, a CSV by preference. Each release goes
    through `ofsted_import` in its own transaction, the first into an empty database being the
    baseline (no "registered" for everyone); later ones record registrations, closures (dated
    by the list) and changes of judgement.

    Running it again is harmless: a release already imported (same SHA-256, or a list of the
    same date) is skipped. Otherwise a history only moves forward: if the database holds a list
    newer than a release still to import, nothing is imported. A failure stops the run at that
    file, the releases before it staying imported. Without `commit` the whole run is done in one
    transaction and rolled back, so each release is compared with the ones before it.

    Returns one entry per file, in the order they were considered, duplicates included.
    """
    releases, duplicates = _history_releases(Path(folder))
    committed = OfstedImport.objects.filter(status=OfstedImport.Status.COMMITTED)
    known_sha = set(committed.values_list("content_sha256", flat=True))
    known_dates = {d for d in committed.values_list("as_at", flat=True) if d is not None}
    newest = max(known_dates, default=None)
    results: list[HistoryRelease] = []
    pending: list[_Release] = []
    for release in releases:
        if release.source.sha256 in known_sha:
            reason = "already imported (the same file)"
        elif release.as_at in known_dates:
            reason = f"a list at {release.as_at:%-d %B %Y} is already imported"
        else:
            pending.append(release)
            continue
        results.append(
            HistoryRelease(release.path.name, release.as_at, status="skipped", reason=reason)
        )
    if pending and newest is not None and pending[0].as_at < newest:
        raise ImportFailed(
            f"{pending[0].path.name} describes {pending[0].as_at:%-d %B %Y}, older than the "
            f"newest list already imported ({newest:%-d %B %Y}). A history is replayed from the "
            "oldest list into a database holding nothing newer; nothing was imported."
        )

    def replay() -> None:
        for release in pending:
            try:
                _, summary = ofsted_import(
                    source=release.source,
                    parsed=release.parsed,
                    commit=True,
                    origin=origin,
                    strict=strict,
                    started_by=started_by,
                    history=True,
                    alerts=False,
                )
            except ImportFailed as exc:
                raise ImportFailed(f"{release.path.name}: {exc}", exc.summary) from exc
            except Exception as exc:
                raise ImportFailed(f"{release.path.name}: the import failed ({exc})") from exc
            summary.committed = commit
            results.append(
                HistoryRelease(
                    release.path.name,
                    release.as_at,
                    status="imported" if commit else "would import",
                    summary=summary,
                )
            )

    if commit:
        replay()
    else:
        try:
            with transaction.atomic():
                replay()
                raise _Rollback
        except _Rollback:
            pass
    return sorted(results + duplicates, key=lambda r: (r.as_at, r.status == "skipped", r.file))


class AssignRefused(ValueError):
    """The setting cannot be assigned to that authority; the message says why."""


def setting_authority_assign(
    *, actor: User, setting: Setting, area: Area, candidates: Iterable[Area]
) -> None:
    """The hub says which successor of a split authority a setting is in, when the list could
    not tell (`selectors.settings_to_assign` gives the candidates its region may choose). Later
    lists that still cannot tell keep it (`_authority_values`); one that can, decides."""
    if setting.local_authority_basis != Basis.TO_ASSIGN:
        raise AssignRefused(f"{setting.display_name} is no longer waiting to be assigned.")
    if area.pk not in {c.pk for c in candidates}:
        raise AssignRefused(f"{area.name} is not one of the authorities it can be in.")
    today = timezone.localdate()
    setting.local_authority = area
    setting.local_authority_basis = Basis.ASSIGNED
    setting.local_authority_note = (
        f"{setting.local_authority_name} has since been split: assigned to {area.name} by "
        f"{actor.full_name} ({actor.organisation}) on {today:%-d %B %Y}"
    )[:255]
    setting.save(
        update_fields=[
            "local_authority",
            "local_authority_basis",
            "local_authority_note",
            "updated_at",
        ]
    )
    logger.info("Setting %s assigned to %s by user %s", setting.urn, area.gss_code, actor.pk)


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
