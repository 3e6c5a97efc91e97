"""Writes: a hub admin's frameworks, lots, members and rates. Each service checks permission
itself (pages and any future caller alike) and records the actor in django-simple-history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import AuditEvent, Organisation, Region, User
from accounts.services import audit_record
from commissioning.models import MAX_WEEKLY_RATE, MIN_WEEKLY_RATE, Framework, Lot, Membership, Rate
from commissioning.permissions import can_manage_frameworks
from common.formats import pounds
from common.permissions import require
from providers.models import Setting


def _with_history_user(instance: Any, user: User) -> None:
    instance._history_user = user


def _region_id(actor: User) -> int:
    assert actor.organisation is not None  # can_manage_frameworks makes sure
    return actor.organisation.own_region_id


def _require_own_region(actor: User, framework: Framework) -> None:
    require(can_manage_frameworks(actor))
    if framework.pk and framework.region_id != _region_id(actor):
        raise PermissionDenied


def _d(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


@transaction.atomic
def framework_save(*, actor: User, framework: Framework | None = None, **values: Any) -> Framework:
    """Add or change a framework of the actor's region. The owner is the region (None) or one
    member LA of it; the dates must still hold every lot."""
    require(can_manage_frameworks(actor))
    framework = framework or Framework(region_id=_region_id(actor))
    _require_own_region(actor, framework)
    for name, value in values.items():
        setattr(framework, name, value)
    owner: Organisation | None = framework.owner
    if owner is not None and (
        owner.region_id != framework.region_id
        or owner.kind != Organisation.Kind.LOCAL_AUTHORITY
        or not owner.is_member
    ):
        raise ValidationError({"owner": "Choose the region or one of its member local authorities"})
    if framework.ends_on is not None and framework.ends_on < framework.starts_on:
        raise ValidationError(
            {"ends_on": "The end date must be the same as or after the start date"}
        )
    duplicate = Framework.objects.filter(
        region_id=framework.region_id, name__iexact=framework.name
    ).exclude(pk=framework.pk)
    if duplicate.exists():
        raise ValidationError(
            {"name": f"Your region already has a framework called {framework.name}"}
        )
    if framework.pk:
        for lot in framework.lots.all():
            if lot.starts_on < framework.starts_on or (
                framework.ends_on is not None and (lot.ends_on or lot.starts_on) > framework.ends_on
            ):
                raise ValidationError(
                    f"Lot {lot.number} runs outside these dates: change the lot's dates first"
                )
    _with_history_user(framework, actor)
    framework.full_clean(exclude=["region", "owner"])
    framework.save()
    return framework


@transaction.atomic
def lot_save(*, actor: User, framework: Framework, lot: Lot | None = None, **values: Any) -> Lot:
    """Add or change a lot: its dates inside the framework's, its ages in order, its number
    used once in the framework."""
    _require_own_region(actor, framework)
    lot = lot or Lot(framework=framework)
    if lot.framework_id != framework.pk:
        raise PermissionDenied
    for name, value in values.items():
        setattr(lot, name, value)
    errors: dict[str, str] = {}
    if lot.max_age < lot.min_age:
        errors["max_age"] = "The oldest age must be the same as or more than the youngest"
    if lot.starts_on < framework.starts_on:
        errors["starts_on"] = (
            f"The lot cannot start before the framework does ({_d(framework.starts_on)})"
        )
    if lot.ends_on is not None and lot.ends_on < lot.starts_on:
        errors["ends_on"] = "The end date must be the same as or after the start date"
    elif framework.ends_on is not None and (lot.ends_on is None or lot.ends_on > framework.ends_on):
        errors["ends_on"] = (
            f"The lot must end by the day the framework does ({_d(framework.ends_on)})"
        )
    if Lot.objects.filter(framework=framework, number=lot.number).exclude(pk=lot.pk).exists():
        errors["number"] = f"This framework already has a lot {lot.number}. Enter another number"
    if errors:
        raise ValidationError(errors)
    _with_history_user(lot, actor)
    lot.full_clean(exclude=["framework"])
    lot.save()
    return lot


@dataclass(frozen=True)
class RateInput:
    need_level: str
    weekly_rate: Decimal
    includes: list[str]
    solo_premium: Decimal | None = None


def _check_rates(rates: list[RateInput]) -> None:
    levels = [rate.need_level for rate in rates]
    if len(levels) != len(set(levels)):
        raise ValidationError("Give each need level one rate")
    for rate in rates:
        if not MIN_WEEKLY_RATE <= rate.weekly_rate <= MAX_WEEKLY_RATE:
            raise ValidationError(
                {
                    f"rate_{rate.need_level}": f"Enter a weekly rate between "
                    f"{pounds(MIN_WEEKLY_RATE)} and {pounds(MAX_WEEKLY_RATE)}"
                }
            )


def _rates_replace(*, actor: User, membership: Membership, rates: list[RateInput]) -> None:
    """Set the member's rates to exactly these: change the ones that differ, add new levels,
    remove levels no longer given. Unchanged rates get no history record."""
    _check_rates(rates)
    existing = {rate.need_level: rate for rate in membership.rates.all()}
    for given in rates:
        rate = existing.pop(given.need_level, None) or Rate(
            membership=membership, need_level=given.need_level
        )
        new = (given.weekly_rate, sorted(given.includes), given.solo_premium)
        if rate.pk and (rate.weekly_rate, sorted(rate.includes), rate.solo_premium) == new:
            continue
        rate.weekly_rate, rate.includes, rate.solo_premium = new
        _with_history_user(rate, actor)
        rate.full_clean(exclude=["membership"])
        rate.save()
    for rate in existing.values():
        _with_history_user(rate, actor)
        rate.delete()


@transaction.atomic
def membership_add(
    *, actor: User, lot: Lot, urn: str, joined_on: date, rates: list[RateInput]
) -> Membership:
    """Put a setting (by Ofsted URN) on a lot from a date, with its tendered rates."""
    _require_own_region(actor, lot.framework)
    urn = urn.strip().upper()
    setting = Setting.objects.filter(urn=urn).first()
    if setting is None:
        raise ValidationError({"urn": f"No setting has the URN {urn}. Check the Ofsted URN"})
    if setting.status == Setting.Status.CLOSED:
        raise ValidationError({"urn": f"{setting.name} ({urn}) has closed: it cannot join a lot"})
    if Membership.objects.filter(lot=lot, setting=setting).exists():
        raise ValidationError({"urn": f"{setting.name} ({urn}) is already a member of this lot"})
    if joined_on < lot.starts_on or (lot.ends_on is not None and joined_on > lot.ends_on):
        raise ValidationError({"joined_on": "The date it joined must be within the lot's dates"})
    membership = Membership(lot=lot, setting=setting, joined_on=joined_on, updated_by=actor)
    _with_history_user(membership, actor)
    membership.full_clean(exclude=["lot", "setting"])
    membership.save()
    _rates_replace(actor=actor, membership=membership, rates=rates)
    return membership


@transaction.atomic
def membership_rates_save(
    *, actor: User, membership: Membership, rates: list[RateInput]
) -> Membership:
    _require_own_region(actor, membership.lot.framework)
    _rates_replace(actor=actor, membership=membership, rates=rates)
    membership.updated_by = actor
    _with_history_user(membership, actor)
    membership.save(update_fields=["updated_by", "updated_at"])
    return membership


@transaction.atomic
def membership_status_change(
    *, actor: User, membership: Membership, status: str, on: date
) -> Membership:
    """Suspend, leave or reinstate a member from a date (never before it joined)."""
    _require_own_region(actor, membership.lot.framework)
    if status not in Membership.Status.values:
        raise ValidationError({"status": "Choose what has happened"})
    if status == membership.status:
        label = Membership.Status(status).label.lower()
        raise ValidationError({"status": f"The member is already {label}"})
    if on < membership.joined_on:
        raise ValidationError(
            {"on": f"The date cannot be before it joined ({_d(membership.joined_on)})"}
        )
    membership.status = status
    membership.status_changed_on = on
    membership.updated_by = actor
    _with_history_user(membership, actor)
    membership.full_clean(exclude=["lot", "setting"])
    membership.save()
    return membership


# The region's weight of framework membership in the search's score -----------------------------

MAX_FRAMEWORK_WEIGHT = 50


def framework_weight_set(*, actor: User, weight: int) -> bool:
    """The hub admin sets how much being on one of the region's frameworks counts in the search's
    score (0 to 50 points beside the other parts' 100; 0 turns it off). Audited with the old and
    new weight. True if it changed."""
    require(can_manage_frameworks(actor))
    if not 0 <= weight <= MAX_FRAMEWORK_WEIGHT:
        raise ValidationError({"weight": f"Enter a whole number from 0 to {MAX_FRAMEWORK_WEIGHT}"})
    with transaction.atomic():
        region = Region.objects.select_for_update().get(pk=_region_id(actor))
        old = region.framework_weight
        if old == weight:
            return False
        region.framework_weight = weight
        region.save(update_fields=["framework_weight", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.FRAMEWORK_WEIGHT_CHANGED,
            organisation=actor.organisation,
            region=region,
            old=old,
            new=weight,
        )
    return True
