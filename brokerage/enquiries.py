"""Enquiries outside the service: an officer phoned or emailed a setting whose provider is not on
this service (so it cannot be sent a referral here) and records what they said.

They are demand evidence like referrals: listed beside them on the request's referrals page,
kept in the request's record and counted on the hub's Demand page. Services check permission
themselves (only the request's own LA's placement officers and managers) and take `now`.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import AuditEvent, User
from accounts.services import audit_record
from brokerage.models import OffServiceEnquiry
from common.models import validate_fields
from common.permissions import require
from placements.models import PlacementRequest
from placements.permissions import can_see_request
from providers.models import Setting


def off_service_enquiry_blocker(setting: Setting) -> str | None:
    """Why an enquiry outside the service is not the way to ask this setting (None: it is)."""
    if setting.provider_organisation_id is not None:
        return f"{setting.display_name}'s provider uses this service: send it a referral instead"
    if setting.status == Setting.Status.CLOSED:
        return f"{setting.display_name} is closed on Ofsted's register"
    return None


@transaction.atomic
def off_service_enquiry_record(
    *,
    actor: User,
    request: PlacementRequest,
    setting: Setting,
    method: str,
    result: str,
    contacted_on: date | None = None,
    note: str = "",
    now: datetime | None = None,
) -> OffServiceEnquiry:
    """Record that `actor` asked `setting` about `request` outside the service, and the answer.

    Raises ValidationError keyed by field (`setting`, `method`, `result`, `contacted_on`,
    `note`) for anything the officer can put right."""
    require(can_see_request(actor, request))
    now = now or timezone.now()
    request = PlacementRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != PlacementRequest.Status.OPEN:
        raise ValidationError("This request is closed, so no more enquiries can be recorded.")
    enquiry = OffServiceEnquiry(
        request=request,
        setting=setting,
        made_by=actor,
        contacted_on=contacted_on or timezone.localdate(now),
        method=method,
        result=result,
        note=note.strip(),
    )
    validate_fields(
        enquiry,
        fields=["method", "result", "note"],
        errors=_enquiry_errors(enquiry, today=timezone.localdate(now)),
    )
    enquiry.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.OFF_SERVICE_ENQUIRY,
        organisation=request.organisation,
        request=request.pk,
        enquiry=enquiry.pk,
        urn=setting.urn,
        method=method,
        result=result,
    )
    return enquiry


def _enquiry_errors(enquiry: OffServiceEnquiry, *, today: date) -> dict[str, list[str]]:
    """The enquiry's own rules, beside its fields' validation: a setting it is the way to ask, on
    a day between the request being made and today."""
    errors: dict[str, list[str]] = {}
    blocker = off_service_enquiry_blocker(enquiry.setting)
    if blocker:
        errors["setting"] = [blocker]
    if enquiry.contacted_on > today:
        errors["contacted_on"] = ["The day you contacted them must be today or in the past"]
    elif enquiry.contacted_on < timezone.localdate(enquiry.request.created_at):
        errors["contacted_on"] = ["The day you contacted them must be after the request was made"]
    return errors


def off_service_enquiry_list(request: PlacementRequest) -> QuerySet[OffServiceEnquiry]:
    """The request's enquiries outside the service, in the order they were made. The caller has
    got the request through `placement_request_get`, so may see it."""
    return OffServiceEnquiry.objects.filter(request=request).select_related(
        "setting", "setting__local_authority", "made_by"
    )
