"""Reads: frameworks scoped to the reader's region, their lots, members and rates, the history of
changes, and a provider's own memberships."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from commissioning.models import Framework, Lot, Membership, Rate
from commissioning.permissions import can_read_frameworks, can_see_own_memberships
from common.permissions import require

if TYPE_CHECKING:
    from accounts.models import User


def _region_id(user: User) -> int:
    """The reader's region (0, matching nothing, for a user without an organisation)."""
    return user.organisation.own_region_id if user.organisation is not None else 0


def framework_list(*, user: User) -> QuerySet[Framework]:
    """The reader's region's frameworks with their lots and members counted."""
    require(can_read_frameworks(user))
    return (
        Framework.objects.filter(region_id=_region_id(user))
        .select_related("owner")
        .annotate(
            lot_count=Count("lots", distinct=True),
            member_count=Count(
                "lots__memberships__setting",
                filter=Q(lots__memberships__status=Membership.Status.ACTIVE),
                distinct=True,
            ),
        )
        .order_by("name")
    )


def framework_split(frameworks: QuerySet[Framework], *, today: date) -> dict[str, list[Framework]]:
    """Current frameworks (and ones not started yet) first; ended ones after."""
    split: dict[str, list[Framework]] = {"current": [], "ended": []}
    for framework in frameworks:
        ended = framework.ends_on is not None and framework.ends_on < today
        split["ended" if ended else "current"].append(framework)
    return split


def _members() -> Prefetch[Any]:
    return Prefetch(
        "memberships",
        queryset=Membership.objects.select_related(
            "setting", "setting__provider_organisation"
        ).prefetch_related("rates"),
    )


def framework_get(*, user: User, pk: int) -> Framework:
    """One framework of the reader's region, with lots, members and rates; 404 otherwise."""
    require(can_read_frameworks(user))
    framework = (
        Framework.objects.filter(pk=pk, region_id=_region_id(user))
        .select_related("owner", "region")
        .prefetch_related(Prefetch("lots", queryset=Lot.objects.prefetch_related(_members())))
        .first()
    )
    if framework is None:
        raise Http404("No framework of your region has this number.")
    return framework


def lot_get(*, user: User, framework: Framework, pk: int) -> Lot:
    lot = Lot.objects.filter(pk=pk, framework=framework).first()
    if lot is None:
        raise Http404("This framework has no such lot.")
    return lot


def membership_get(*, user: User, framework: Framework, pk: int) -> Membership:
    membership = (
        Membership.objects.filter(pk=pk, lot__framework=framework)
        .select_related("lot", "setting")
        .prefetch_related("rates")
        .first()
    )
    if membership is None:
        raise Http404("This framework has no such member.")
    return membership


def own_memberships(*, user: User) -> QuerySet[Membership]:
    """A provider's own settings' memberships (any region's frameworks), with lot and rates."""
    require(can_see_own_memberships(user))
    return (
        Membership.objects.filter(setting__provider_organisation_id=user.organisation_id)
        .select_related("lot", "lot__framework", "lot__framework__owner", "setting")
        .prefetch_related("rates")
        .order_by("setting__name", "lot__framework__name", "lot__number")
    )


@dataclass(frozen=True)
class Change:
    """One history record, in words: what, which action, who, when, and the fields changed."""

    when: Any
    who: str
    what: str
    action: str
    fields: list[str]


ACTIONS = {"+": "Added", "~": "Changed", "-": "Removed"}


def _describe(record: Any, kind: str) -> str:
    if kind == "framework":
        return f"Framework: {record.name}"
    if kind == "lot":
        return f"Lot {record.number}: {record.name}"
    if kind == "membership":
        setting = record.setting
        return f"Member: {setting.display_name} ({setting.urn})" if setting else "Member"
    membership = Membership.objects.filter(pk=record.membership_id).select_related("setting")
    member = membership.first()
    who = f" for {member.setting.display_name}" if member else ""
    return f"Rate{who}: {Rate(need_level=record.need_level).get_need_level_display()}"


def _changed_fields(record: Any) -> list[str]:
    previous = record.prev_record
    if record.history_type != "~" or previous is None:
        return []
    delta = record.diff_against(previous)
    names = {f.name: f.verbose_name for f in record.instance_type._meta.fields}
    return [
        f"{str(names.get(c.field, c.field)).capitalize()}: {c.old or 'none'} → {c.new or 'none'}"
        for c in delta.changes
        if c.field not in ("updated_at", "created_at", "updated_by")
    ]


def framework_changes(*, user: User, framework: Framework) -> list[Change]:
    """Every history record of the framework, its lots, their memberships and their rates,
    newest first. Lots, members or rates since removed keep their records, found by id."""
    require(can_read_frameworks(user))
    lot_ids = set(
        Lot.history.filter(framework_id=framework.pk).values_list("id", flat=True).distinct()
    )
    membership_ids = set(
        Membership.history.filter(lot_id__in=lot_ids).values_list("id", flat=True).distinct()
    )
    sources: list[tuple[str, QuerySet[Any]]] = [
        ("framework", Framework.history.filter(id=framework.pk)),
        ("lot", Lot.history.filter(id__in=lot_ids)),
        ("membership", Membership.history.filter(id__in=membership_ids)),
        ("rate", Rate.history.filter(membership_id__in=membership_ids)),
    ]
    changes: list[Change] = []
    for kind, records in sources:
        for record in records.select_related("history_user"):
            user_ = record.history_user
            changes.append(
                Change(
                    when=record.history_date,
                    who=user_.full_name if user_ else "The system",
                    what=_describe(record, kind),
                    action=ACTIONS.get(record.history_type, record.history_type),
                    fields=_changed_fields(record),
                )
            )
    changes.sort(key=lambda change: change.when, reverse=True)
    return changes


def region_memberships(*, user: User) -> QuerySet[Membership]:
    """Every membership of the reader's region's frameworks, with lot and rates."""
    require(can_read_frameworks(user))
    return (
        Membership.objects.filter(lot__framework__region_id=_region_id(user))
        .select_related("lot", "lot__framework", "setting")
        .prefetch_related("rates")
        .order_by("lot__framework__name", "lot__number", "setting__name")
    )
