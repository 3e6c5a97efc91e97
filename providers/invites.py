"""A hub admin brings a setting's provider onto the service from the setting's own page.

Most settings a search finds are run by providers that do not use the service yet, so they cannot
be sent a referral. From such a setting's page a hub admin adds the provider organisation (named,
by default, as Ofsted's list names the owner), invites its first provider admin, and the setting
is linked to the organisation at once, recorded as an approved claim decided by that hub admin.

Why an approved claim rather than a pending one: approving claims is the hub admin's own job, so
a pending claim would only wait for the same person to approve it on another page. The setting
has no provider on the service, so nothing is taken from anyone (a setting that has one, or has
another organisation's claim waiting, is refused: that is the claims page's decision).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import AuditEvent, Invitation, Organisation, Role, User
from accounts.permissions import can_manage_organisation_users, can_manage_region
from accounts.services import (
    audit_record,
    invitation_create,
    provider_organisation_add,
    provider_region_join,
)
from common.permissions import require
from providers.facts import _claim_approve
from providers.models import Setting, SettingClaim
from providers.selectors import setting_is_hubs

INVITED_CLAIM_NOTE = "Provider invited by the hub from the setting's page."


def setting_provider_invite_blocker(setting: Setting) -> str | None:
    """Why a provider cannot be invited from this setting (None: it can)."""
    if setting.provider_organisation_id is not None:
        return f"{setting.display_name} is already run on the service by its provider"
    if setting.status == Setting.Status.CLOSED:
        return f"{setting.display_name} is closed on Ofsted's register"
    pending = (
        SettingClaim.objects.filter(setting=setting, status=SettingClaim.Status.PENDING)
        .select_related("organisation")
        .first()
    )
    if pending is not None:
        return (
            f"{pending.organisation.name} has claimed {setting.display_name}: decide that claim "
            "on the claims page first"
        )
    return None


@transaction.atomic
def setting_provider_invite(
    *,
    actor: User,
    setting: Setting,
    organisation_name: str,
    full_name: str = "",
    email: str = "",
    now: datetime | None = None,
) -> tuple[Organisation, Invitation | None]:
    """Add (or find) the provider organisation `organisation_name` in the actor's region, link
    `setting` to it as an approved claim, and invite `full_name` <`email`> as its provider admin.

    A new organisation needs someone to invite; an existing one may be linked without. Nothing is
    saved unless all of it is. Raises ValidationError keyed by field."""
    require(can_manage_region(actor))
    assert actor.organisation is not None
    now = now or timezone.now()
    setting = Setting.objects.select_for_update().get(pk=setting.pk)
    blocker = setting_provider_invite_blocker(setting)
    if blocker:
        raise ValidationError(blocker)
    name = " ".join(organisation_name.split())
    if not name:
        raise ValidationError({"organisation_name": "Enter the organisation's name"})
    email, full_name = email.strip(), " ".join(full_name.split())
    if not setting_is_hubs(setting=setting, region=actor.organisation.own_region):
        raise ValidationError(f"{setting.urn} is not in {actor.organisation.own_region}.")
    # Provider organisations are national: one already on the service (in any region) is found
    # by its name and takes part in this region from now on.
    organisation = (
        Organisation.objects.filter(kind=Organisation.Kind.PROVIDER, name__iexact=name)
        .order_by("pk")
        .first()
    )
    if (
        organisation is not None
        and (email or full_name)
        and not can_manage_organisation_users(actor, organisation)
    ):
        raise ValidationError(
            {
                "email": f"{organisation.name} manages its own people: leave the name and email "
                "address empty to link the setting, and its provider admin can invite them"
            }
        )
    if organisation is None or email or full_name:
        errors = {}
        if not full_name:
            errors["full_name"] = "Enter the full name of the person to invite"
        if not email:
            errors["email"] = "Enter the email address of the person to invite"
        if errors:
            raise ValidationError(errors)
    if organisation is None:
        organisation = provider_organisation_add(actor=actor, name=name)
    else:
        provider_region_join(actor=actor, organisation=organisation)
    invitation = None
    if email:
        invitation = invitation_create(
            actor=actor,
            email=email,
            full_name=full_name,
            organisation=organisation,
            role=Role.PROVIDER_ADMIN,
        )
    # Approved exactly as the claims page approves one (the same rows, `provider_since` set).
    claim = SettingClaim.objects.create(
        setting=setting, organisation=organisation, requested_by=actor, note=INVITED_CLAIM_NOTE
    )
    _claim_approve(actor=actor, claim=claim, setting=setting, now=now)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.PROVIDER_INVITED_FROM_SETTING,
        organisation=organisation,
        urn=setting.urn,
        email=email,
    )
    return organisation, invitation
