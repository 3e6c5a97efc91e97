"""Changes to regions, organisations and people. Each service checks permission itself, so the
pages, the admin and any future API share one set of rules."""

from __future__ import annotations

import logging
import secrets
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.contrib.gis.geos import MultiPolygon
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts import selectors
from accounts.models import AuditEvent, Invitation, Organisation, Region, RegionProvider, Role, User
from accounts.permissions import (
    assignable_roles,
    can_manage_national_data,
    can_manage_organisation_users,
    can_manage_region,
)
from common import ratelimit
from common.permissions import require
from common.queue import enqueue_after_commit
from geo.models import Area

logger = logging.getLogger(__name__)

INVITATION_SALT = "brokerage.invitation"


class InvitationLinkError(Exception):
    """An invitation link that cannot be used; the message is written for the person holding it."""


def audit_record(
    *,
    actor: User | None,
    action: AuditEvent.Action,
    organisation: Organisation | None = None,
    target_user: User | None = None,
    region: Region | None = None,
    **detail: object,
) -> None:
    """Write one audit event. Its region (whose hub admins read it) is `region`, else the
    actor's hub's or LA's, else the organisation's; none for what only the operator does."""
    if region is None:
        for owner in (actor.organisation if actor else None, organisation):
            if owner is not None and owner.region_id is not None:
                region = owner.region
                break
    AuditEvent.objects.create(
        actor=actor,
        action=action,
        organisation=organisation,
        target_user=target_user,
        region=region,
        detail=detail,
    )


def _region_managed(actor: User, region: Region | None) -> Region:
    """The region `actor` changes: a hub admin's own (whatever `region` says), or for the
    national operator the one given."""
    if can_manage_national_data(actor) and region is not None:
        return region
    require(can_manage_region(actor))
    assert actor.organisation is not None
    return actor.organisation.own_region


@transaction.atomic
def hub_create(
    *,
    actor: User,
    name: str,
    hub_name: str,
    ons_region: Area | None,
    admin_full_name: str,
    admin_email: str,
) -> Invitation:
    """The national operator sets up a regional hub: the region, its hub organisation and an
    invitation for its first hub admin (who then adds its members). Returns the invitation."""
    require(can_manage_national_data(actor))
    name, hub_name = " ".join(name.split()), " ".join(hub_name.split())
    if Region.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"A region called {name} already exists."})
    if ons_region is not None and ons_region.kind != Area.Kind.REGION:
        raise ValidationError({"ons_region": "Choose an ONS region."})
    region = Region.objects.create(name=name, area=ons_region)
    hub = Organisation.objects.create(
        kind=Organisation.Kind.HUB, region=region, name=hub_name or name
    )
    audit_record(actor=actor, action=AuditEvent.Action.HUB_CREATED, organisation=hub, region=region)
    return invitation_create(
        actor=actor,
        email=admin_email,
        full_name=admin_full_name,
        organisation=hub,
        role=Role.HUB_ADMIN,
    )


def export_audit(
    *, actor: User, export: str, rows: int, filters: dict[str, object] | None = None
) -> None:
    """Record that `actor` downloaded personal or price data: which export (a stable name, e.g.
    "placement_records"), the filters that chose the rows, and how many rows it held. Every such
    download calls this, so the hub's audit trail shows who took what out of the service."""
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DATA_EXPORTED,
        organisation=actor.organisation,
        export=export,
        filters={key: value for key, value in (filters or {}).items() if value not in ("", None)},
        rows=rows,
    )


# Regions -----------------------------------------------------------------------------------------


@transaction.atomic
def region_boundary_refresh(*, region: Region) -> MultiPolygon | None:
    """Recompute the region's cached boundary (the union of its current member LAs'), save it on
    `region` and return it. Called after anything that changes who is a member; a change made
    elsewhere (a boundary import, the admin) is caught by selectors.region_boundary.

    The region's row is locked first, so two membership changes at once are applied one after
    the other: the second union is computed after the first change is committed and sees it."""
    Region.objects.select_for_update().filter(pk=region.pk).first()
    region.boundary_computed_at = timezone.now()
    region.boundary = selectors.region_boundary_union(region=region)
    region.save(update_fields=["boundary", "boundary_computed_at", "updated_at"])
    return region.boundary


@dataclass
class RegionBoundariesSummary:
    updated: int = 0
    unchanged: int = 0
    regions: list[dict[str, object]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


class _DryRun(Exception):
    pass


def region_boundaries_refresh(*, commit: bool) -> RegionBoundariesSummary:
    """Recompute every region's boundary, e.g. after `load_boundaries` changed member LAs' areas
    (searches would also notice, one region at a time). Without `commit` nothing is written."""
    summary = RegionBoundariesSummary()
    try:
        with transaction.atomic():
            for region in Region.objects.order_by("name"):
                before = region.boundary
                after = region_boundary_refresh(region=region)
                same = (before is None and after is None) or (
                    before is not None and after is not None and before.equals_exact(after, 1e-9)
                )
                if same:
                    summary.unchanged += 1
                else:
                    summary.updated += 1
                summary.regions.append(
                    {"region": region.name, "changed": not same, "members": _members(region)}
                )
            if not commit:
                raise _DryRun
    except _DryRun:
        pass
    return summary


def _members(region: Region) -> int:
    return selectors.region_members_with_boundary(region=region).count()


# Organisations -----------------------------------------------------------------------------------


def outside_region_message(*, area: Area, own: list[Area]) -> str:
    """For example: Derbyshire is in the East Midlands, not in the hub's region (West Midlands).
    The same words for the hub admin and for the operator adding to a hub."""
    assert area.parent is not None
    return (
        f"{area.name} is in {_region_name(area.parent)}, not in the hub's region "
        f"({' or '.join(r.name for r in own)}). Add it anyway?"
    )


def _region_name(region: Area) -> str:
    # ONS names read as places: "the East Midlands", "the South West", but "London".
    bare = region.name in ("London", "Yorkshire and The Humber")
    return region.name if bare else f"the {region.name}"


@transaction.atomic
def local_authority_add(
    *,
    actor: User,
    area: Area,
    outside_region_confirmed: bool = False,
    region: Region | None = None,
) -> Organisation:
    """Make an upper-tier local authority a member of a region (again, if it left): the hub
    admin's own, or, for the national operator setting a hub up, `region`.

    Regional care co-operatives can span ONS regions, so an authority outside the hub's region
    may be added, but only when the hub admin has confirmed it (`outside_region_confirmed`);
    without that it is refused with code "outside_region"."""
    region = _region_managed(actor, region)
    if area.kind != Area.Kind.UPPER_TIER_LA:
        raise ValidationError("Choose an upper-tier local authority.")
    own = selectors.area_outside_region(area=area, region=region)
    if own is not None and not outside_region_confirmed:
        raise ValidationError(outside_region_message(area=area, own=own), code="outside_region")
    organisation, created = Organisation.objects.select_for_update().get_or_create(
        region=region,
        kind=Organisation.Kind.LOCAL_AUTHORITY,
        gss_code=area.gss_code,
        defaults={"name": area.name, "area": area},
    )
    if not created:
        if organisation.member_until is None:
            raise ValidationError(f"{area.name} is already a member of {region}.")
        organisation.member_until = None
        organisation.save(update_fields=["member_until", "updated_at"])
    region_boundary_refresh(region=region)
    if own is None:
        audit_record(actor=actor, action=AuditEvent.Action.LA_ADDED, organisation=organisation)
    else:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.LA_ADDED,
            organisation=organisation,
            outside_region=True,
            ons_region=area.parent.name if area.parent else "",
        )
    return organisation


@transaction.atomic
def local_authority_remove(*, actor: User, organisation: Organisation) -> int:
    """End a local authority's membership and deactivate its users. Returns how many were active.

    Its records stay (they are the region's history); its people can no longer sign in.
    """
    require(can_manage_region(actor))
    assert actor.organisation is not None
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if (
        organisation.kind != Organisation.Kind.LOCAL_AUTHORITY
        or organisation.own_region_id != actor.organisation.own_region_id
    ):
        raise PermissionDenied
    if organisation.member_until is not None:
        raise ValidationError(f"{organisation.name} is not a member.")
    now = timezone.now()
    organisation.member_until = now
    organisation.save(update_fields=["member_until", "updated_at"])
    deactivated = organisation.users.filter(is_active=True).update(
        is_active=False, deactivated_at=now, updated_at=now
    )
    Invitation.objects.filter(
        organisation=organisation, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now, updated_at=now)
    region_boundary_refresh(region=organisation.own_region)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.LA_REMOVED,
        organisation=organisation,
        users_deactivated=deactivated,
    )
    return deactivated


@transaction.atomic
def provider_organisation_add(*, actor: User, name: str) -> Organisation:
    """Bring a provider organisation into the actor's region. Provider organisations are national:
    one already on the service (in another region) under this name takes part in this one too,
    with its people, settings, criteria and vacancies; otherwise a new one is made."""
    require(can_manage_region(actor))
    assert actor.organisation is not None
    name = " ".join(name.split())
    region = actor.organisation.own_region
    organisation = (
        Organisation.objects.select_for_update()
        .filter(kind=Organisation.Kind.PROVIDER, name__iexact=name)
        .order_by("pk")
        .first()
    )
    if organisation is not None and organisation.region_links.filter(region=region).exists():
        raise ValidationError(f"A provider called {name} already takes part in {region}.")
    joined = organisation is not None
    if organisation is None:
        organisation = Organisation.objects.create(kind=Organisation.Kind.PROVIDER, name=name)
    _take_part(actor=actor, organisation=organisation, region=region, already=joined)
    return organisation


def provider_region_join(*, actor: User, organisation: Organisation) -> bool:
    """Make a provider organisation already on the service take part in the actor's region (a
    hub linking one of its settings to it). True when it was not yet taking part."""
    require(can_manage_region(actor) and organisation.kind == Organisation.Kind.PROVIDER)
    region = actor.organisation.own_region if actor.organisation else None
    assert region is not None
    return _take_part(actor=actor, organisation=organisation, region=region, already=True)


def _take_part(*, actor: User, organisation: Organisation, region: Region, already: bool) -> bool:
    """Link the provider to the region, audited; False (nothing written) when it was linked."""
    _, created = RegionProvider.objects.get_or_create(
        region=region, organisation=organisation, defaults={"added_by": actor}
    )
    if created:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.PROVIDER_ADDED,
            organisation=organisation,
            region=region,
            already_on_the_service=already,
        )
    return created


# Invitations -------------------------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=INVITATION_SALT)


def invitation_url(invitation: Invitation) -> str:
    path = reverse("accounts:invitation_accept", kwargs={"token": invitation_token(invitation)})
    return f"{settings.SITE_URL}{path}"


@transaction.atomic
def invitation_create(
    *, actor: User, email: str, full_name: str, organisation: Organisation, role: str
) -> Invitation:
    """Invite a person to join `organisation` with `role`; the email is sent by a Celery task.

    A new invitation to the same address withdraws any earlier one, so only the newest link works.
    """
    require(can_manage_organisation_users(actor, organisation))
    if role not in assignable_roles(actor, organisation):
        raise ValidationError(
            {"role": f"A {Role(role).label.lower()} cannot belong to {organisation.name}."}
        )
    if not organisation.is_member:
        raise ValidationError({"organisation": f"{organisation.name} is no longer a member."})
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "Someone with this email address already has an account."})
    now = timezone.now()
    Invitation.objects.select_for_update().filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now, updated_at=now)
    invitation = Invitation.objects.create(
        email=email,
        full_name=" ".join(full_name.split()),
        organisation=organisation,
        role=role,
        invited_by=actor,
        nonce=secrets.token_urlsafe(32),
        expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.USER_INVITED,
        organisation=organisation,
        email=email,
        role=role,
    )
    from accounts.tasks import invitation_email_send

    enqueue_after_commit(invitation_email_send, invitation.pk)
    return invitation


@transaction.atomic
def invitation_withdraw(*, actor: User, invitation: Invitation) -> None:
    require(can_manage_organisation_users(actor, invitation.organisation))
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        revoked_at=timezone.now(), updated_at=timezone.now()
    )


def invitation_email_send(*, invitation_id: int) -> bool:
    """Send an invitation's email once. Returns False when there was nothing to send.

    The row is locked while sending, so a retry or the sweep running at the same moment cannot
    send it twice; if the mail server fails, nothing is marked and the task retries.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("organisation", "invited_by")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None or invitation.email_sent_at is not None or not invitation.is_open:
            return False
        context = {
            "invitation": invitation,
            "url": invitation_url(invitation),
            "service_name": settings.SERVICE_NAME,
            "valid_days": settings.INVITATION_VALID_DAYS,
        }
        send_mail(
            subject=f"You have been invited to {settings.SERVICE_NAME}",
            message=render_to_string("accounts/email/invitation.txt", context),
            from_email=None,
            recipient_list=[invitation.email],
        )
        invitation.email_sent_at = timezone.now()
        invitation.save(update_fields=["email_sent_at", "updated_at"])
        return True


def invitation_from_token(token: str) -> Invitation:
    """The open invitation a link points to, or InvitationLinkError saying why it cannot be used."""
    try:
        payload = signing.loads(
            token,
            salt=INVITATION_SALT,
            max_age=timedelta(days=settings.INVITATION_VALID_DAYS),
        )
    except signing.SignatureExpired as exc:
        raise InvitationLinkError(
            "This invitation link has expired. Ask the person who invited you to send a new one."
        ) from exc
    except signing.BadSignature as exc:
        raise InvitationLinkError(
            "This invitation link is not valid. Check you copied the whole link from the email."
        ) from exc
    invitation = (
        Invitation.objects.select_related("organisation")
        .filter(pk=payload.get("i"), nonce=payload.get("n"))
        .first()
    )
    if invitation is None:
        raise InvitationLinkError(
            "This invitation link is not valid. Check you copied the whole link from the email."
        )
    if invitation.accepted_at is not None:
        raise InvitationLinkError(
            "This invitation has already been used. Sign in with the password you set, or reset it."
        )
    if invitation.revoked_at is not None:
        raise InvitationLinkError(
            "This invitation has been withdrawn or replaced by a newer one. "
            "Use the link in the most recent email, or ask for a new invitation."
        )
    if invitation.expires_at <= timezone.now():
        raise InvitationLinkError(
            "This invitation link has expired. Ask the person who invited you to send a new one."
        )
    if not invitation.organisation.is_member:
        raise InvitationLinkError(f"{invitation.organisation.name} no longer uses this service.")
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    """Create the invited person's account with the password they chose, and use up the link."""
    found = invitation_from_token(token)
    Invitation.objects.select_for_update().get(pk=found.pk)
    # Checked again under the lock: two tabs submitting at once create one account.
    invitation = invitation_from_token(token)
    candidate = User(
        email=invitation.email,
        full_name=invitation.full_name,
        organisation=invitation.organisation,
        role=invitation.role,
    )
    validate_password(password, user=candidate)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise InvitationLinkError("An account with this email address already exists. Sign in.")
    candidate.set_password(password)
    candidate.save()
    invitation.accepted_at = timezone.now()
    invitation.user = candidate
    invitation.save(update_fields=["accepted_at", "user", "updated_at"])
    audit_record(
        actor=candidate,
        action=AuditEvent.Action.INVITATION_ACCEPTED,
        organisation=invitation.organisation,
        target_user=candidate,
    )
    return candidate


# People ------------------------------------------------------------------------------------------


def _require_not_self(actor: User, user: User, message: str) -> None:
    if actor.pk == user.pk:
        raise ValidationError(message)


@transaction.atomic
def user_role_change(*, actor: User, user: User, role: str) -> User:
    assert user.organisation is not None
    require(can_manage_organisation_users(actor, user.organisation))
    _require_not_self(actor, user, "You cannot change your own role. Ask another admin.")
    if role not in assignable_roles(actor, user.organisation):
        raise ValidationError(
            {"role": f"A {Role(role).label.lower()} cannot belong to {user.organisation.name}."}
        )
    if role == user.role:
        return user
    previous = user.role
    user.role = role
    user.save(update_fields=["role", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.USER_ROLE_CHANGED,
        organisation=user.organisation,
        target_user=user,
        previous=previous,
        role=role,
    )
    return user


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> User:
    """Stop a person signing in; their sessions end at their next request. Their history stays."""
    assert user.organisation is not None
    require(can_manage_organisation_users(actor, user.organisation))
    _require_not_self(actor, user, "You cannot deactivate your own account. Ask another admin.")
    if not user.is_active:
        return user
    user.is_active = False
    user.deactivated_at = timezone.now()
    user.save(update_fields=["is_active", "deactivated_at", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.USER_DEACTIVATED,
        organisation=user.organisation,
        target_user=user,
    )
    return user


@transaction.atomic
def user_reactivate(*, actor: User, user: User) -> User:
    assert user.organisation is not None
    require(can_manage_organisation_users(actor, user.organisation))
    if user.is_active:
        return user
    if not user.organisation.is_member:
        raise ValidationError(f"{user.organisation.name} is no longer a member of the region.")
    user.is_active = True
    user.deactivated_at = None
    user.save(update_fields=["is_active", "deactivated_at", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.USER_REACTIVATED,
        organisation=user.organisation,
        target_user=user,
    )
    return user


# Passwords ---------------------------------------------------------------------------------------


class TooManyRequests(Exception):
    """Over a rate limit (common/ratelimit.py): try again in `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many requests: try again in {retry_after} seconds.")
        self.retry_after = retry_after


def sign_in_address_check(*, client_address: str) -> None:
    """Refuse any sign-in from an address that has failed too often (SIGN_IN_RATE_PER_ADDRESS),
    across all accounts: the per-account lockout (axes) cannot see one address trying a few
    passwords on each of many accounts."""
    budget = ratelimit.budget_check(
        scope="sign-in-address", identifier=client_address, rate=settings.SIGN_IN_RATE_PER_ADDRESS
    )
    if not budget.allowed:
        raise TooManyRequests(budget.retry_after)


def sign_in_failed(*, client_address: str) -> None:
    ratelimit.budget_spend(
        scope="sign-in-address", identifier=client_address, rate=settings.SIGN_IN_RATE_PER_ADDRESS
    )


def password_reset_request(*, email: str, client_address: str | None = None) -> None:
    """Queue a reset email if an active account has this address. Says nothing either way, so
    the form cannot be used to find out who has an account: the limits (so many requests per
    address typed and per client address, PASSWORD_RESET_RATE_PER_*) count every request, for
    an account or not, and refuse alike."""
    limits = [("password-reset-email", email, settings.PASSWORD_RESET_RATE_PER_EMAIL)]
    if client_address is not None:
        limits.append(
            ("password-reset-address", client_address, settings.PASSWORD_RESET_RATE_PER_ADDRESS)
        )
    refused = [
        budget
        for scope, identifier, rate in limits
        if not (
            budget := ratelimit.budget_spend(scope=scope, identifier=identifier, rate=rate)
        ).allowed
    ]
    if refused:
        logger.info("Password reset refused: over its rate limit")
        raise TooManyRequests(max(budget.retry_after for budget in refused))
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        logger.info("Password reset asked for an address with no active account")
        return
    from accounts.tasks import password_reset_email_send

    enqueue_after_commit(password_reset_email_send, user.pk)


def password_reset_email_send(*, user_id: int) -> bool:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {
        "user": user,
        "url": f"{settings.SITE_URL}{path}",
        "service_name": settings.SERVICE_NAME,
        "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }
    send_mail(
        subject=f"Reset your password for {settings.SERVICE_NAME}",
        message=render_to_string("accounts/email/password_reset.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
    return True


def password_reset_complete(*, user: User) -> None:
    """After a successful reset, lift any lockout so the person can sign in at once."""
    axes_reset(username=user.email.lower())
    audit_record(
        actor=user,
        action=AuditEvent.Action.PASSWORD_RESET,
        organisation=user.organisation,
        target_user=user,
    )
