"""Services for the facts providers keep about their own settings: claims, eligibility,
vacancies, exact location, foster carer capacity and API tokens.

Pages and the API call the same functions, which check permission themselves.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import AuditEvent, Organisation, Role, User
from accounts.services import audit_record
from common.permissions import require
from geo.postcodes import PostcodeError, postcode_lookup
from providers.models import (
    SEX_ORDER,
    ApiToken,
    Capability,
    CarerHousehold,
    Eligibility,
    LocationView,
    Need,
    Risk,
    Setting,
    SettingClaim,
    Vacancy,
    sexes_words,
    vacancy_restriction_words,
)
from providers.permissions import (
    can_claim_settings,
    can_decide_claims,
    can_edit_setting,
    can_hold_api_tokens,
    can_see_exact_location,
    is_member_la_user,
)
from providers.selectors import claims_decidable, setting_in_region, setting_region
from providers.signals import setting_transferred

# Every statement a provider makes about whom it can care for: each Eligibility field, so that a
# criterion added to the model is stated through the form and the API without being listed here.
ELIGIBILITY_FIELDS: tuple[str, ...] = tuple(
    field.name
    for field in Eligibility._meta.concrete_fields
    if field.name not in ("id", "setting", "created_at", "updated_at", "updated_by")
)


def _with_history_user(instance: Any, user: User | None) -> None:
    """Record who made the change in django-simple-history, whatever door it came through."""
    instance._history_user = user


# Claims ------------------------------------------------------------------------------------------


@transaction.atomic
def setting_claim_request(*, actor: User, setting: Setting, note: str = "") -> SettingClaim:
    require(can_claim_settings(actor))
    assert actor.organisation is not None
    if setting.provider_organisation_id == actor.organisation_id:
        raise ValidationError(f"{actor.organisation.name} already runs {setting.urn}.")
    if setting.status == Setting.Status.CLOSED:
        raise ValidationError(f"{setting.urn} is closed on Ofsted's register.")
    if SettingClaim.objects.filter(
        setting=setting, organisation=actor.organisation, status=SettingClaim.Status.PENDING
    ).exists():
        raise ValidationError(f"You have already claimed {setting.urn}; a hub admin will decide.")
    return SettingClaim.objects.create(
        setting=setting, organisation=actor.organisation, requested_by=actor, note=note
    )


def _lock_pending_claim(claim: SettingClaim) -> tuple[SettingClaim, Setting]:
    claim = (
        SettingClaim.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=claim.pk)
    )
    if claim.status != SettingClaim.Status.PENDING:
        raise ValidationError("This claim has already been decided.")
    setting = (
        Setting.objects.select_for_update(of=("self",))
        .select_related("provider_organisation")
        .get(pk=claim.setting_id)
    )
    return claim, setting


def _claim_approve(*, actor: User, claim: SettingClaim, setting: Setting, now: Any) -> None:
    """Hand the setting to the claim's organisation, closing every other claim on it."""
    claim.status = SettingClaim.Status.APPROVED
    claim.decided_by, claim.decided_at = actor, now
    SettingClaim.objects.filter(setting=setting, status=SettingClaim.Status.APPROVED).update(
        status=SettingClaim.Status.ENDED, updated_at=now
    )
    SettingClaim.objects.filter(setting=setting, status=SettingClaim.Status.PENDING).exclude(
        pk=claim.pk
    ).update(
        status=SettingClaim.Status.REJECTED,
        decided_by=actor,
        decided_at=now,
        updated_at=now,
        note="Another organisation's claim was approved.",
    )
    setting.provider_organisation = claim.organisation
    setting.provider_since = now
    setting.save(update_fields=["provider_organisation", "provider_since", "updated_at"])
    claim.save()


@transaction.atomic
def setting_claim_decide(
    *, actor: User, claim: SettingClaim, approve: bool, note: str = "", now: Any = None
) -> SettingClaim:
    """A hub admin of the setting's region (or the operator) approves or rejects a claim. Approving
    hands the setting to that organisation and rejects any other open claim for it.

    A setting another organisation already runs on the service is not handed over by a plain
    approval: that takes `setting_claim_transfer`, with a reason (code "transfer_required")."""
    require(can_decide_claims(actor) and claims_decidable(actor=actor).filter(pk=claim.pk).exists())
    claim, setting = _lock_pending_claim(claim)
    now = now or timezone.now()
    if note:
        claim.note = f"{claim.note}\n{note}".strip()
    if not approve:
        claim.status = SettingClaim.Status.REJECTED
        claim.decided_by, claim.decided_at = actor, now
        claim.save()
        _claim_audit(actor=actor, claim=claim, setting=setting)
        return claim
    current = setting.provider_organisation
    if current is not None and current.pk != claim.organisation_id:
        raise ValidationError(
            f"{setting.urn} is run on this service by {current.name}. Moving it to "
            f"{claim.organisation.name} is a transfer: give a reason on the transfer page.",
            code="transfer_required",
        )
    _claim_approve(actor=actor, claim=claim, setting=setting, now=now)
    _claim_audit(actor=actor, claim=claim, setting=setting)
    return claim


def _claim_audit(
    *,
    actor: User,
    claim: SettingClaim,
    setting: Setting,
    action: AuditEvent.Action = AuditEvent.Action.CLAIM_DECIDED,
    **detail: Any,
) -> None:
    """A decision on a claim (its `decision`), or a transfer with the `detail` given, in the
    trail of the hub where the setting is (the operator has no region of its own)."""
    audit_record(
        actor=actor,
        action=action,
        organisation=claim.organisation,
        region=setting_region(setting=setting),
        setting=setting.urn,
        claim=claim.pk,
        **(detail or {"decision": claim.status}),
    )


def _setting_facts_clear(*, actor: User, setting: Setting) -> None:
    """Remove what the previous organisation recorded about the setting, so that the new one
    starts from nothing of theirs: who it can care for, the vacancy, carer households, and the
    exact address (every private one; a public one only if the provider gave it). The
    simple-history records stay, for the hub and auditors, and are not shown to the new owner
    (they predate `provider_since`)."""
    for instance in [
        *Eligibility.objects.filter(setting=setting),
        *Vacancy.objects.filter(setting=setting),
        *CarerHousehold.objects.filter(setting=setting),
    ]:
        _with_history_user(instance, actor)
        instance.delete()
    if setting.location_is_private or setting.location_from_provider:
        setting.address_line_1 = setting.address_line_2 = setting.address_line_3 = ""
        setting.town = setting.postcode = ""
        setting.location = None
        setting.location_from_provider = False
        setting.save(
            update_fields=[
                "address_line_1",
                "address_line_2",
                "address_line_3",
                "town",
                "postcode",
                "location",
                "location_from_provider",
                "updated_at",
            ]
        )


@transaction.atomic
def setting_claim_transfer(
    *, actor: User, claim: SettingClaim, reason: str, now: Any = None
) -> SettingClaim:
    """Approve a claim for a setting another organisation runs on the service: the setting moves
    to the claimant, with the hub admin's reason recorded on the claim and in the audit log.

    Only a hub admin of the setting's region (or the operator) may do it. The previous organisation
    loses the setting's pages and API at once; the new one starts without the previous one's
    facts (`_setting_facts_clear`). Both organisations' provider users are emailed once,
    through the notification outbox (brokerage/, on `setting_transferred`)."""
    require(can_decide_claims(actor) and claims_decidable(actor=actor).filter(pk=claim.pk).exists())
    claim, setting = _lock_pending_claim(claim)
    previous = setting.provider_organisation
    if previous is None:
        raise ValidationError(f"Nobody runs {setting.urn} on this service: approve the claim.")
    if previous.pk == claim.organisation_id:
        raise ValidationError(f"{previous.name} already runs {setting.urn}.")
    if actor.role == Role.HUB_ADMIN:
        region = actor.region
        if not setting_in_region(setting=setting, region=region) and not (
            previous.region_links.filter(region=region).exists()
        ):
            raise ValidationError(
                f"{setting.urn} is run by {previous.name} in another region; the national "
                "operator must make the move."
            )
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Enter why the setting is moving to another provider"})
    now = now or timezone.now()
    _setting_facts_clear(actor=actor, setting=setting)
    claim.transferred_from = previous
    claim.transfer_reason = reason
    _claim_approve(actor=actor, claim=claim, setting=setting, now=now)
    _claim_audit(
        actor=actor,
        claim=claim,
        setting=setting,
        action=AuditEvent.Action.SETTING_TRANSFERRED,
        from_organisation=previous.pk,
        from_organisation_name=previous.name,
        to_organisation=claim.organisation.pk,
        to_organisation_name=claim.organisation.name,
        reason=reason,
    )
    setting_transferred.send(
        sender=SettingClaim, claim=claim, setting=setting, previous=previous, now=now
    )
    return claim


# Eligibility -------------------------------------------------------------------------------------


def eligibility_validate(values: dict[str, Any]) -> None:
    """Field-level problems as one ValidationError keyed by field, for forms and the API."""
    errors: dict[str, str] = {}
    if values.get("min_age", 0) > values.get("max_age", 17):
        errors["max_age"] = "The oldest age must be the same as or more than the youngest"
    if values.get("max_age", 17) > 25:
        errors["max_age"] = "Enter an age of 25 or under"
    for name, codes in (("risks", Risk.values), ("needs", Need.values)):
        stated = values.get(name) or {}
        unknown = sorted(set(stated) - set(codes))
        bad = sorted(k for k, v in stated.items() if v not in Capability.values)
        if unknown:
            errors[name] = f"Unknown {name[:-1]}: {', '.join(unknown)}"
        elif bad:
            errors[name] = f"Say can_meet, will_consider or cannot_meet for: {', '.join(bad)}"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def eligibility_update(*, actor: User, setting: Setting, **values: Any) -> Eligibility:
    require(can_edit_setting(actor, setting))
    unknown = set(values) - set(ELIGIBILITY_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}")
    eligibility = Eligibility.objects.filter(setting=setting).first() or Eligibility(
        setting=setting
    )
    merged = {name: getattr(eligibility, name) for name in ELIGIBILITY_FIELDS} | values
    eligibility_validate(merged)
    for name, value in values.items():
        setattr(eligibility, name, value)
    _vacancy_still_fits(setting, eligibility)
    eligibility.updated_by = actor
    _with_history_user(eligibility, actor)
    eligibility.full_clean(exclude=["setting"])
    eligibility.save()
    return eligibility


def _vacancy_still_fits(setting: Setting, eligibility: Eligibility) -> None:
    """New criteria may not contradict the current vacancy's restrictions: the provider changes
    the vacancy first, so a restriction never says what the criteria refuse."""
    vacancy = Vacancy.objects.filter(setting=setting, places__gt=0).first()
    if vacancy is None:
        return
    try:
        vacancy_restrictions_validate(
            eligibility=eligibility,
            sexes=list(vacancy.sexes),
            min_age=vacancy.min_age,
            max_age=vacancy.max_age,
        )
    except ValidationError as error:
        words = "; ".join(vacancy_view(vacancy).structured_restrictions).lower()
        message = (
            f"Your vacancy is restricted ({words}), which these criteria would not admit: "
            "change the vacancy first"
        )
        raise ValidationError(dict.fromkeys(error.message_dict, message)) from error


# Vacancies ---------------------------------------------------------------------------------------


class VacancyState:
    FRESH = "fresh"
    STALE = "stale"
    EXPIRED = "expired"
    NONE = "none"


@dataclass(frozen=True)
class VacancyView:
    """A vacancy as people see it: never an unlabelled number."""

    places: int
    available_from: date | None
    restriction: str
    confirmed_days_ago: int | None
    state: str
    sexes: tuple[str, ...] = ()
    min_age: int | None = None
    max_age: int | None = None
    solo_only: bool = False

    @property
    def label(self) -> str:
        if self.state == VacancyState.NONE:
            return "The provider has not said whether it has a vacancy"
        days = self.confirmed_days_ago or 0
        when = "today" if days == 0 else f"{days} day{'s' if days != 1 else ''} ago"
        return f"Vacancy confirmed {when} by the provider"

    @property
    def structured_restrictions(self) -> list[str]:
        """The restrictions matching applies, in words (empty: none)."""
        return vacancy_restriction_words(
            sexes=self.sexes, min_age=self.min_age, max_age=self.max_age, solo_only=self.solo_only
        )

    @property
    def restrictions(self) -> list[str]:
        """The structured restrictions in words, then the provider's own text (empty: none)."""
        words = self.structured_restrictions
        return [*words, self.restriction] if self.restriction else words

    @property
    def restrictions_display(self) -> str:
        return "; ".join(self.restrictions)


def vacancy_view(vacancy: Vacancy | None, *, now: Any = None) -> VacancyView:
    if vacancy is None:
        return VacancyView(0, None, "", None, VacancyState.NONE)
    now = now or timezone.now()
    days = (timezone.localdate(now) - timezone.localdate(vacancy.confirmed_at)).days
    if days >= django_settings.VACANCY_EXPIRE_DAYS:
        state = VacancyState.EXPIRED
    elif days >= django_settings.VACANCY_STALE_DAYS:
        state = VacancyState.STALE
    else:
        state = VacancyState.FRESH
    return VacancyView(
        vacancy.places,
        vacancy.available_from,
        vacancy.restriction,
        days,
        state,
        sexes=tuple(code for code in SEX_ORDER if code in vacancy.sexes),
        min_age=vacancy.min_age,
        max_age=vacancy.max_age,
        solo_only=vacancy.solo_only,
    )


def vacancy_statement(vacancy: Vacancy) -> dict[str, Any]:
    """What `vacancy_confirm` needs to say the same again ("Still accurate", the email link)."""
    return {
        "places": vacancy.places,
        "available_from": vacancy.available_from,
        "sexes": list(vacancy.sexes),
        "min_age": vacancy.min_age,
        "max_age": vacancy.max_age,
        "solo_only": vacancy.solo_only,
        "restriction": vacancy.restriction,
    }


def vacancy_restrictions_validate(
    *,
    eligibility: Eligibility | None,
    sexes: list[str],
    min_age: int | None,
    max_age: int | None,
) -> None:
    """A restriction narrows the setting's criteria; one that contradicts them is refused, with
    the field it is about. Without stated criteria only the restriction's own sense is checked."""
    errors: dict[str, str] = {}
    unknown = sorted(set(sexes) - set(SEX_ORDER))
    if unknown:
        errors["sexes"] = f"Unknown sex: {', '.join(unknown)}"
    elif eligibility is not None and set(sexes) - set(eligibility.sexes):
        if eligibility.sexes:
            errors["sexes"] = (
                f"This setting's criteria admit only {sexes_words(eligibility.sexes)}; a vacancy "
                f"cannot be for {sexes_words(set(sexes) - set(eligibility.sexes))}"
            )
        else:
            errors["sexes"] = (
                "This setting's criteria admit no sex yet; say whom it can care for first"
            )
    for name, value in (("min_age", min_age), ("max_age", max_age)):
        if value is not None and not 0 <= value <= 25:
            errors[name] = "Enter an age from 0 to 25"
    if "min_age" not in errors and "max_age" not in errors:
        if min_age is not None and max_age is not None and min_age > max_age:
            errors["max_age"] = "The oldest age must be the same as or more than the youngest"
        elif eligibility is not None:
            low, high = eligibility.min_age, eligibility.max_age
            admits = f"This setting's criteria admit ages {low} to {high}"
            if min_age is not None and not low <= min_age <= high:
                errors["min_age"] = f"{admits}; a vacancy cannot be for a child aged {min_age}"
            if max_age is not None and not low <= max_age <= high:
                errors["max_age"] = f"{admits}; a vacancy cannot be for a child aged {max_age}"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def vacancy_confirm(
    *,
    actor: User | None,
    setting: Setting,
    places: int,
    available_from: date | None = None,
    restriction: str = "",
    sexes: list[str] | None = None,
    min_age: int | None = None,
    max_age: int | None = None,
    solo_only: bool = False,
    via_link: bool = False,
    now: Any = None,
) -> Vacancy:
    """Say (or re-say) how many places are free, from when and for whom. `actor` is None only
    for a signed email link, which has already been checked by the caller (`via_link`).

    A start date on or before today is stored as "now" (empty): re-confirming a statement whose
    date has passed means the place is free now. Restrictions must fit the setting's criteria
    (`vacancy_restrictions_validate`); with no places there is nothing to restrict.
    """
    require(via_link or (actor is not None and can_edit_setting(actor, setting)))
    now = now or timezone.now()
    sexes = sorted(set(sexes or []), key=lambda code: (code not in SEX_ORDER, code))
    if places < 0:
        raise ValidationError({"places": "Places cannot be negative"})
    if setting.places is not None and places > setting.places:
        raise ValidationError(
            {"places": f"Ofsted registers {setting.places} places here; enter that or fewer"}
        )
    if places:
        vacancy_restrictions_validate(
            eligibility=Eligibility.objects.filter(setting=setting).first(),
            sexes=sexes,
            min_age=min_age,
            max_age=max_age,
        )
    vacancy = Vacancy.objects.select_for_update().filter(setting=setting).first() or Vacancy(
        setting=setting
    )
    vacancy.places = places
    in_future = available_from is not None and available_from > timezone.localdate(now)
    vacancy.available_from = available_from if places and in_future else None
    vacancy.restriction = restriction.strip() if places else ""
    vacancy.sexes = sexes if places else []
    vacancy.min_age = min_age if places else None
    vacancy.max_age = max_age if places else None
    vacancy.solo_only = solo_only if places else False
    vacancy.confirmed_at = now
    vacancy.confirmed_by = actor
    vacancy.reminder_sent_at = None
    _with_history_user(vacancy, actor)
    vacancy.save()
    return vacancy


# Exact location ----------------------------------------------------------------------------------


@transaction.atomic
def setting_location_update(
    *,
    actor: User,
    setting: Setting,
    address_line_1: str,
    address_line_2: str = "",
    town: str = "",
    postcode: str,
) -> Setting:
    """The provider's own address for a setting, placed at its postcode. Raises ValidationError
    (on `postcode`) for a malformed, unknown or non-English postcode."""
    require(can_edit_setting(actor, setting))
    try:
        found = postcode_lookup(postcode)
    except PostcodeError as exc:
        raise ValidationError({"postcode": str(exc)}) from exc
    setting.address_line_1 = address_line_1.strip()
    setting.address_line_2 = address_line_2.strip()
    setting.address_line_3 = ""
    setting.town = town.strip()
    setting.postcode = found.postcode
    setting.location = found.point
    setting.location_from_provider = True
    setting.save()
    return setting


@dataclass(frozen=True)
class ExactLocation:
    address: list[str]
    postcode: str
    latitude: float | None
    longitude: float | None


def setting_exact_location(*, viewer: User, setting: Setting) -> ExactLocation | None:
    """The address, if `viewer` may see it (None otherwise). A member LA user seeing a private
    setting's address is written to the audit log, every time."""
    if not can_see_exact_location(viewer, setting):
        return None
    lines = [
        line
        for line in (
            setting.address_line_1,
            setting.address_line_2,
            setting.address_line_3,
            setting.town,
        )
        if line
    ]
    if not lines and not setting.postcode:
        return None
    if setting.location_is_private and is_member_la_user(viewer):
        LocationView.objects.create(setting=setting, user=viewer)
        # The same sight in the viewer's region's audit trail (the provider's own page reads
        # LocationView, scoped by who runs the setting).
        audit_record(
            actor=viewer,
            action=AuditEvent.Action.ADDRESS_VIEWED,
            organisation=viewer.organisation,
            setting=setting.urn,
            setting_name=setting.name,
            provider_organisation=setting.provider_organisation_id,
        )
    point = setting.location
    return ExactLocation(
        address=lines,
        postcode=setting.postcode,
        latitude=point.y if point else None,
        longitude=point.x if point else None,
    )


# Foster carer households (IFAs) ------------------------------------------------------------------


def _require_ifa(setting: Setting) -> None:
    if setting.provision_type != "independent_fostering_agency":
        raise ValidationError("Only fostering agencies describe carer households.")


@transaction.atomic
def household_save(
    *, actor: User, setting: Setting, household: CarerHousehold | None = None, **values: Any
) -> CarerHousehold:
    """Create or change an anonymous carer household. The district is checked to be a real
    English postcode district; nothing that identifies a carer is accepted."""
    require(can_edit_setting(actor, setting))
    _require_ifa(setting)
    household = household or CarerHousehold(setting=setting)
    if household.setting_id != setting.pk:
        raise PermissionDenied
    district = str(values.get("postcode_district", household.postcode_district)).strip().upper()
    from geo.models import Postcode

    # A prefix search on the primary key uses its index; the generated district column has none.
    if not Postcode.objects.filter(postcode__startswith=f"{district} ").exists():
        raise ValidationError(
            {"postcode_district": f"{district} is not an English postcode district"}
        )
    values["postcode_district"] = district
    reference = str(values.get("reference", household.reference)).strip()
    if (
        CarerHousehold.objects.filter(setting=setting, reference__iexact=reference)
        .exclude(pk=household.pk)
        .exists()
    ):
        raise ValidationError(
            {
                "reference": f"You already have a household with the reference {reference}. "
                "Enter a different reference"
            }
        )
    for name, value in values.items():
        setattr(household, name, value)
    if household.min_age > household.max_age:
        raise ValidationError(
            {"max_age": "The oldest age must be the same as or more than the youngest"}
        )
    _with_history_user(household, actor)
    household.full_clean(exclude=["setting"])
    household.save()
    return household


@transaction.atomic
def household_delete(*, actor: User, household: CarerHousehold) -> None:
    require(can_edit_setting(actor, household.setting))
    _require_ifa(household.setting)
    _with_history_user(household, actor)
    household.delete()


# API tokens --------------------------------------------------------------------------------------


def _token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """A new token for the actor's organisation. The key is returned once and never stored."""
    require(can_hold_api_tokens(actor))
    assert actor.organisation is not None
    key = "pf_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        organisation=actor.organisation,
        name=name.strip(),
        key_prefix=key[:8],
        key_sha256=_token_hash(key),
        created_by=actor,
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> None:
    require(can_hold_api_tokens(actor) and token.organisation_id == actor.organisation_id)
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_token_get(key: str) -> ApiToken | None:
    """The live token for a key (its organisation and creator loaded), or None. Any kind of
    organisation's: each endpoint says which kinds it takes (providers.api_auth)."""
    return (
        ApiToken.objects.select_related("organisation", "created_by__organisation")
        .filter(key_sha256=_token_hash(key), revoked_at__isnull=True)
        .first()
    )


def api_token_used(token: ApiToken) -> None:
    """Note that an accepted request used the token."""
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())


def settings_run_by(organisation: Organisation) -> Any:
    return Setting.objects.filter(provider_organisation=organisation).order_by("name", "urn")
