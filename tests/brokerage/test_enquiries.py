"""Enquiries outside the service (brokerage/enquiries.py): who may record one, what is checked,
what is kept and audited."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import AuditEvent, Role
from brokerage.enquiries import off_service_enquiry_list, off_service_enquiry_record
from brokerage.models import OffServiceEnquiry
from tests.placements.factories import PlacementRequestFactory
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime(2026, 3, 10, 14, 30))


@pytest.fixture
def request_a1(world):
    request = PlacementRequestFactory(organisation=world.la_a1, reference="CIC/7")
    # Made a week before NOW, so that NOW's "today" is after it.
    request.created_at = NOW - timedelta(days=7)
    request.save(update_fields=["created_at"])
    return request


@pytest.fixture
def off_service():
    return SettingFactory(childrens_home=True, owner_name="Homes2inspire Limited")


def _record(actor, request, setting, **values):
    fields = {"method": "phone", "result": "interested", "now": NOW} | values
    return off_service_enquiry_record(actor=actor, request=request, setting=setting, **fields)


@pytest.mark.parametrize("role", [Role.PLACEMENT_OFFICER, Role.LA_MANAGER])
def test_the_requests_own_officers_and_managers_record_an_enquiry(
    world, request_a1, off_service, role
):
    actor = world.user("la_a1", role)

    enquiry = _record(
        actor, request_a1, off_service, method="email", result="no_answer", note="  Call back  "
    )

    enquiry.refresh_from_db()
    assert (enquiry.request, enquiry.setting, enquiry.made_by) == (request_a1, off_service, actor)
    assert (enquiry.method, enquiry.result, enquiry.note) == ("email", "no_answer", "Call back")
    assert enquiry.contacted_on == date(2026, 3, 10)  # today, by the clock given
    assert enquiry.created_at is not None and enquiry.updated_at is not None
    event = AuditEvent.objects.get(action=AuditEvent.Action.OFF_SERVICE_ENQUIRY)
    assert event.actor == actor and event.organisation == world.la_a1
    assert event.detail == {
        "request": request_a1.pk,
        "enquiry": enquiry.pk,
        "urn": off_service.urn,
        "method": "email",
        "result": "no_answer",
    }
    assert list(off_service_enquiry_list(request_a1)) == [enquiry]


@pytest.mark.parametrize(
    ("org", "role"),
    [
        ("la_a2", Role.PLACEMENT_OFFICER),  # another LA of the region
        ("la_a2", Role.LA_MANAGER),
        ("la_b1", Role.PLACEMENT_OFFICER),  # an LA of another region
        ("hub_a", Role.HUB_ADMIN),
        ("provider_a1", Role.PROVIDER_ADMIN),
        ("provider_a1", Role.PROVIDER_USER),
    ],
)
def test_nobody_else_may_record_one(world, request_a1, off_service, org, role):
    with pytest.raises(PermissionDenied):
        _record(world.user(org, role), request_a1, off_service)
    assert not OffServiceEnquiry.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.OFF_SERVICE_ENQUIRY).exists()


def test_an_inactive_officer_may_not_record_one(world, request_a1, off_service):
    officer = world.user("la_a1", Role.PLACEMENT_OFFICER)
    officer.is_active = False
    officer.save()
    with pytest.raises(PermissionDenied):
        _record(officer, request_a1, off_service)


def _errors(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def test_a_setting_whose_provider_is_on_the_service_is_sent_a_referral_instead(world, request_a1):
    on_service = SettingFactory(provider_organisation=world.provider_a1, name="Willow House")
    with pytest.raises(ValidationError) as excinfo:
        _record(world.user("la_a1", Role.PLACEMENT_OFFICER), request_a1, on_service)
    assert _errors(excinfo) == {
        "setting": ["Willow House's provider uses this service: send it a referral instead"]
    }


def test_a_closed_setting_cannot_be_asked(world, request_a1):
    closed = SettingFactory(closed=True, name="Gone House")
    with pytest.raises(ValidationError) as excinfo:
        _record(world.user("la_a1", Role.PLACEMENT_OFFICER), request_a1, closed)
    assert _errors(excinfo) == {"setting": ["Gone House is closed on Ofsted's register"]}


def test_each_field_is_checked_and_nothing_is_saved(world, request_a1, off_service):
    officer = world.user("la_a1", Role.PLACEMENT_OFFICER)
    with pytest.raises(ValidationError) as excinfo:
        _record(
            officer,
            request_a1,
            off_service,
            method="carrier_pigeon",
            result="maybe",
            contacted_on=date(2026, 3, 11),  # tomorrow
            note="x" * 1001,
        )
    assert _errors(excinfo) == {
        "method": ["Choose how you contacted them"],
        "result": ["Choose what they said"],
        "contacted_on": ["The day you contacted them must be today or in the past"],
        "note": ["The note must be 1000 characters or fewer"],
    }
    with pytest.raises(ValidationError) as excinfo:
        _record(officer, request_a1, off_service, contacted_on=date(2026, 3, 2))
    assert _errors(excinfo) == {
        "contacted_on": ["The day you contacted them must be after the request was made"]
    }
    assert not OffServiceEnquiry.objects.exists()


def test_the_enquiry_itself_says_what_is_wrong_in_the_officers_words(
    world, request_a1, off_service
):
    """Whoever saves an enquiry (this service, the admin, a script) gets the page's words, not
    Django's "Value 'x' is not a valid choice" or the database's constraint name."""
    enquiry = OffServiceEnquiry(
        request=request_a1,
        setting=off_service,
        made_by=world.user("la_a1", Role.PLACEMENT_OFFICER),
        contacted_on=date(2026, 3, 10),
        method="carrier_pigeon",
        result="",
        note="x" * 1001,
    )
    with pytest.raises(ValidationError) as excinfo:
        enquiry.full_clean()
    assert _errors(excinfo) == {
        "method": ["Choose how you contacted them"],
        "result": ["Choose what they said"],
        "note": ["The note must be 1000 characters or fewer"],
    }


def test_a_closed_request_takes_no_more_enquiries(world, off_service):
    closed = PlacementRequestFactory(organisation=world.la_a1, closed=True)
    with pytest.raises(ValidationError, match="This request is closed"):
        _record(world.user("la_a1", Role.PLACEMENT_OFFICER), closed, off_service)


def test_the_same_setting_may_be_asked_again(world, request_a1, off_service):
    officer = world.user("la_a1", Role.PLACEMENT_OFFICER)
    first = _record(officer, request_a1, off_service, result="no_answer")
    second = _record(officer, request_a1, off_service, result="not_able", method="other")
    assert list(off_service_enquiry_list(request_a1)) == [first, second]
