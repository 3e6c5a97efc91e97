"""Reads for the provider directory.

Ofsted's register is public, so every signed-in person sees every setting. What is not public is
where a children's home (or another private-location setting) is: its address and point never
leave these selectors except for settings whose location may be shown.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import reduce
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, ExtractYear, Lower, TruncDate
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation, Region, Role, User
from common.models import created_within
from geo.models import Area
from geo.successions import Basis, successors_of
from providers.filters import SettingFilter, on_frameworks_q
from providers.models import (
    PRIVATE_LOCATION_TYPES,
    LocationView,
    OfstedImport,
    ProvisionType,
    Setting,
    SettingClaim,
    SettingEvent,
)

# Enough to show where a region's settings are without sending the browser the whole country.
MAP_POINTS_LIMIT = 2_000
OTHER_SETTINGS_LIMIT = 50


def _setting_queryset() -> QuerySet[Setting]:
    # Redacted names are blank: sort them after the named settings, not first.
    return Setting.objects.select_related("local_authority").order_by(
        Case(When(name="", then=Value(1)), default=Value(0), output_field=IntegerField()),
        Lower("name"),
        "urn",
    )


def setting_filter(
    *, data: Mapping[str, Any] | None, framework_region_id: int | None = None
) -> SettingFilter:
    """The directory's filter set, bound to `data` (a request's GET); `.qs` is the result.
    `framework_region_id`: the region whose frameworks "On our frameworks" means (LA and hub
    users'); None, and the filter is not offered."""
    return SettingFilter(
        data, queryset=_setting_queryset(), framework_region_id=framework_region_id
    )


def setting_list(
    *, filters: Mapping[str, Any] | None, framework_region_id: int | None = None
) -> QuerySet[Setting]:
    """Settings matching the directory's filters, sorted by name. Invalid values are ignored."""
    return setting_filter(data=filters, framework_region_id=framework_region_id).qs


def region_member_areas(*, region_id: int | None = None) -> QuerySet[Organisation, Any]:
    """The areas of the region's current member LAs (any region's, without one), as a
    subquery: a setting whose local authority is one of them is in the region."""
    members = Organisation.objects.filter(
        kind=Organisation.Kind.LOCAL_AUTHORITY, member_until__isnull=True, area__isnull=False
    )
    if region_id is not None:
        members = members.filter(region_id=region_id)
    return members.values("area_id")


def setting_in_region(*, setting: Setting, region: Region) -> bool:
    if setting.local_authority_id is None:
        return False
    return (
        region_member_areas(region_id=region.pk).filter(area_id=setting.local_authority_id).exists()
    )


def setting_region(*, setting: Setting) -> Region | None:
    """The region whose current member LAs cover the setting's authority (None: no hub's)."""
    if setting.local_authority_id is None:
        return None
    member = (
        Organisation.objects.filter(
            kind=Organisation.Kind.LOCAL_AUTHORITY,
            member_until__isnull=True,
            area_id=setting.local_authority_id,
        )
        .select_related("region")
        .order_by("pk")
        .first()
    )
    return member.region if member is not None else None


def setting_in_no_region(*, setting: Setting) -> bool:
    """No hub's current members cover the setting's authority (or it has none)."""
    if setting.local_authority_id is None:
        return True
    return not region_member_areas().filter(area_id=setting.local_authority_id).exists()


def setting_is_hubs(*, setting: Setting, region: Region) -> bool:
    """Whether the region's hub may link the setting to a provider: it is in the region, or in
    none (so that a setting no hub covers is not left without a provider)."""
    return setting_in_region(setting=setting, region=region) or setting_in_no_region(
        setting=setting
    )


def claims_decidable(*, actor: User) -> QuerySet[SettingClaim]:
    """The claims `actor` decides. Who runs a setting is national (a provider organisation takes
    part in many regions), so it is decided where the setting is: by a hub admin of the region
    whose current member LA it lies in, whoever claims it; the national operator decides any
    claim. A setting no region's members cover is decided by the hubs of the regions the
    claimant works in, or the operator. Anything else: none."""
    claims = SettingClaim.objects.all()
    if not actor.is_active or actor.organisation is None:
        return claims.none()
    if actor.role == Role.NATIONAL_OPERATOR:
        return claims
    if actor.role != Role.HUB_ADMIN:
        return claims.none()
    region_id = actor.organisation.own_region_id
    in_any_region = region_member_areas()
    # A setting no hub's members cover: the hubs of the regions the claimant works in.
    in_no_region = Q(setting__local_authority__isnull=True) | ~Q(
        setting__local_authority_id__in=in_any_region
    )
    return claims.filter(
        Q(setting__local_authority_id__in=region_member_areas(region_id=region_id))
        | (in_no_region & Q(organisation__region_links__region_id=region_id))
    ).distinct()


def framework_region_of(user: Any) -> int | None:
    """The region whose frameworks a directory user sees: an LA's or a hub's, never a
    provider's (a region's frameworks are not one provider's business)."""
    organisation = getattr(user, "organisation", None)
    if organisation is None or organisation.kind not in ("la", "hub"):
        return None
    return int(organisation.region_id)


def framework_names(*, settings: Iterable[Setting], region_id: int) -> dict[int, list[str]]:
    """The names of the region's current frameworks each setting is an active member of, by
    setting: one query for a page of the directory."""
    names: dict[int, list[str]] = {}
    rows = (
        Setting.objects.filter(pk__in=[s.pk for s in settings])
        .filter(on_frameworks_q(region_id, timezone.localdate()))
        .values_list("pk", "memberships__lot__framework__name")
        .distinct()
        .order_by("pk", "memberships__lot__framework__name")
    )
    for pk, name in rows:
        names.setdefault(pk, []).append(name)
    return names


def setting_list_public_location(*, settings: QuerySet[Setting]) -> QuerySet[Setting]:
    """Of `settings`, those with a point that may be shown (never a children's home's)."""
    return settings.filter(location__isnull=False).exclude(
        provision_type__in=[str(t) for t in PRIVATE_LOCATION_TYPES]
    )


@dataclass(frozen=True)
class MapPoints:
    points: list[dict[str, Any]]
    total: int

    @property
    def capped(self) -> bool:
        return self.total > len(self.points)


def setting_map_points(*, settings: QuerySet[Setting], limit: int | None = None) -> MapPoints:
    """Points for the map: public-location settings only, at most `limit` of them."""
    limit = MAP_POINTS_LIMIT if limit is None else limit
    mappable = setting_list_public_location(settings=settings)
    rows = list(mappable.values_list("urn", "name", "provision_type", "location")[: limit + 1])
    total = len(rows) if len(rows) <= limit else mappable.count()
    # One reverse() for all the links, rather than one per point.
    placeholder = "SC000000"
    url_template = reverse("providers:setting_detail", args=[placeholder])
    points = [
        {
            "urn": urn,
            "name": name or f"{ProvisionType(provision_type).label} {urn}",
            "url": url_template.replace(placeholder, urn),
            "lat": round(location.y, 5),
            "lng": round(location.x, 5),
        }
        for urn, name, provision_type, location in rows[:limit]
        if location is not None  # never, given the filter; says so to the type checker
    ]
    return MapPoints(points=points, total=total)


def setting_get(*, urn: str) -> Setting:
    try:
        return Setting.objects.select_related(
            "local_authority", "vacancy", "eligibility", "provider_organisation"
        ).get(urn=urn.upper())
    except Setting.DoesNotExist as exc:
        raise Http404 from exc


def _event_date() -> Coalesce:
    # When Ofsted's list dates it; events from before `occurred_on` existed, by their import.
    return Coalesce(F("occurred_on"), TruncDate("created_at"))


def setting_event_list(*, setting: Setting) -> QuerySet[SettingEvent]:
    """The setting's history, newest first by when it happened (not when it was imported)."""
    return setting.events.alias(happened=_event_date()).order_by("-happened", "-created_at", "-id")


@dataclass(frozen=True)
class YearOfChanges:
    year: int
    registered: int
    closed: int
    improved: int
    declined: int


# The headline judgement: the overall one, or supported accommodation's single outcome.
_HEADLINE_JUDGEMENTS = ("overall_effectiveness", "supported_accommodation_outcome")
_SUMMARY_COUNTS = {
    "registered": Q(kind=SettingEvent.Kind.REGISTERED),
    "closed": Q(kind=SettingEvent.Kind.CLOSED),
    "improved": Q(kind=SettingEvent.Kind.JUDGEMENT_IMPROVED, field__in=_HEADLINE_JUDGEMENTS),
    "declined": Q(kind=SettingEvent.Kind.JUDGEMENT_DECLINED, field__in=_HEADLINE_JUDGEMENTS),
}


def _count_settings(name: str) -> Count:
    return Count("setting", filter=_SUMMARY_COUNTS[name], distinct=True)


def setting_change_summary(*, settings: QuerySet[Setting]) -> list[YearOfChanges]:
    """For `settings` (the directory's current filters), how many of them registered, closed,
    and had their headline judgement (overall, or supported accommodation's outcome) improve or
    decline in each year, newest year first: one aggregate query.

    A year is the one Ofsted's lists date the change in (`SettingEvent.occurred_on`): a list's
    "as at" date, or the inspection's date for a judgement.
    """
    rows = (
        SettingEvent.objects.filter(setting__in=settings.order_by().values("pk"))
        .filter(reduce(operator.or_, _SUMMARY_COUNTS.values()))
        .annotate(year=ExtractYear(_event_date()))
        .values("year")
        .annotate(
            registered=_count_settings("registered"),
            closed=_count_settings("closed"),
            improved=_count_settings("improved"),
            declined=_count_settings("declined"),
        )
        .order_by("-year")
    )
    return [YearOfChanges(**row) for row in rows]


@dataclass(frozen=True)
class OwnerSettings:
    settings: list[Setting]
    total: int
    include_closed: bool


def setting_list_same_owner(
    *, setting: Setting, limit: int = OTHER_SETTINGS_LIMIT
) -> OwnerSettings:
    """The owner's other settings: open ones, or the closed ones when nothing else is open."""
    if not setting.owner_name:
        return OwnerSettings(settings=[], total=0, include_closed=False)
    others = _setting_queryset().filter(owner_name=setting.owner_name).exclude(pk=setting.pk)
    open_ones = others.exclude(status=Setting.Status.CLOSED)
    include_closed = not open_ones.exists()
    chosen = others if include_closed else open_ones
    rows = list(chosen[: limit + 1])
    total = len(rows) if len(rows) <= limit else chosen.count()
    return OwnerSettings(settings=rows[:limit], total=total, include_closed=include_closed)


# A scheduled import's digest is queued when it commits; one left unsent (Redis down then, or the
# worker gave up) is sent by the sweep once it is DIGEST_SWEEP_AFTER old, so the normal path is
# not raced, and only while it is news: an import older than DIGEST_SWEEP_WITHIN (one from before
# digests existed, or from a long outage) is left alone rather than mailed out of the blue.
DIGEST_SWEEP_AFTER = timedelta(minutes=10)
DIGEST_SWEEP_WITHIN = timedelta(days=7)


def ofsted_import_ids_digest_unsent(*, now: datetime | None = None) -> list[int]:
    """Committed scheduled imports whose hub-admin digest has not gone out, oldest first."""
    now = now or timezone.now()
    return list(
        OfstedImport.objects.filter(
            origin=OfstedImport.Origin.SCHEDULE,
            status=OfstedImport.Status.COMMITTED,
            digest_sent_at__isnull=True,
            committed_at__lte=now - DIGEST_SWEEP_AFTER,
            committed_at__gt=now - DIGEST_SWEEP_WITHIN,
        )
        .order_by("committed_at", "pk")
        .values_list("pk", flat=True)
    )


@dataclass(frozen=True)
class SettingToAssign:
    setting: Setting
    candidates: list[Area]  # the successors the hub may choose from, in its region


def settings_to_assign(*, region: Region) -> list[SettingToAssign]:
    """Settings whose list named an authority since split, with no postcode or constituency
    telling which successor they are in (geo/successions.py), that the region's hub may assign:
    those with a successor among its current member LAs. Closed ones too: a region's history
    counts them."""
    members = set(
        Organisation.objects.filter(
            region=region, kind=Organisation.Kind.LOCAL_AUTHORITY, member_until__isnull=True
        ).values_list("gss_code", flat=True)
    )
    waiting = list(
        Setting.objects.filter(local_authority_basis=Basis.TO_ASSIGN).order_by(
            "local_authority_name", "status", "urn"
        )
    )
    successors = successors_of({s.local_authority_name for s in waiting})
    codes = {c.successor_code for found in successors.values() for c in found} & members
    areas = {a.gss_code: a for a in Area.objects.filter(gss_code__in=codes)}
    result = []
    for setting in waiting:
        candidates = [
            areas[c.successor_code]
            for c in successors.get(setting.local_authority_name, [])
            if c.successor_code in areas
        ]
        if candidates:
            result.append(SettingToAssign(setting, candidates))
    return result


# Who saw a provider's exact addresses ----------------------------------------------------------


def location_views_for_provider(*, organisation: Organisation) -> QuerySet[LocationView]:
    """Sights of the exact address of the settings `organisation` runs
    (`Setting.provider_organisation`), newest first, since it has run each one: a provider
    taking a setting over does not see who looked at it before (nor the previous provider's
    facts)."""
    return (
        LocationView.objects.filter(setting__provider_organisation=organisation)
        .filter(
            Q(setting__provider_since__isnull=True)
            | Q(created_at__gte=F("setting__provider_since"))
        )
        .select_related("setting", "user__organisation")
        .order_by("-created_at", "-pk")
    )


def location_view_list(
    *,
    organisation: Organisation,
    setting: str = "",
    start: date | None = None,
    end: date | None = None,
) -> QuerySet[LocationView]:
    """`location_views_for_provider`, filtered by the setting's URN and whole local days."""
    views = location_views_for_provider(organisation=organisation)
    if setting:
        views = views.filter(setting__urn=setting)
    return created_within(views, start=start, end=end)
