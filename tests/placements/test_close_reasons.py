"""Why a request closed without a placement here (issue 13, part 1): the officer must say, and
for a child placed outside the service, what was secured, so that such placements and needs no
provider could meet still count in the region's figures."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEvent, Role
from placements import services
from placements.models import PlacementRequest
from tests.placements.factories import PlacementRequestFactory


@pytest.fixture
def officer(world):
    return world.user("la_a1", Role.PLACEMENT_OFFICER)


@pytest.fixture
def open_request(officer):
    return PlacementRequestFactory(organisation=officer.organisation)


def close_url(request: PlacementRequest) -> str:
    return reverse("placements:placement_request_close", args=[request.pk])


def test_placed_outside_keeps_what_was_secured(officer, open_request):
    services.placement_request_close(
        actor=officer,
        request=open_request,
        reason="placed_outside",
        secured_accommodation="residential",
        secured_weekly_cost=Decimal("6250.50"),
        secured_in_area=False,
        note="Found through the national framework",
    )

    open_request.refresh_from_db()
    assert open_request.status == PlacementRequest.Status.CLOSED
    assert (
        open_request.close_reason,
        open_request.secured_accommodation,
        open_request.secured_weekly_cost,
        open_request.secured_in_area,
        open_request.close_note,
    ) == (
        "placed_outside",
        "residential",
        Decimal("6250.50"),
        False,
        "Found through the national framework",
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.PLACEMENT_REQUEST_CLOSED)
    assert event.detail["reason"] == "placed_outside"


def test_what_was_secured_is_kept_only_for_placed_outside(officer, open_request):
    services.placement_request_close(
        actor=officer,
        request=open_request,
        reason="no_suitable_provider",
        secured_accommodation="residential",
        secured_weekly_cost=Decimal("5000"),
        secured_in_area=True,
    )

    open_request.refresh_from_db()
    assert open_request.close_reason == "no_suitable_provider"
    assert (open_request.secured_accommodation, open_request.secured_weekly_cost) == ("", None)
    assert open_request.secured_in_area is None


BAD_CLOSES = [
    ("no reason", {"reason": ""}, {"reason": "Select why you are closing"}),
    ("placed here is not chosen by hand", {"reason": "placed_here"}, {"reason": "Select why"}),
    ("other needs a note", {"reason": "other"}, {"note": "Say why you are closing the request"}),
    (
        "placed outside needs the terms",
        {"reason": "placed_outside"},
        {
            "secured_accommodation": "Select the kind of placement secured",
            "secured_weekly_cost": "Enter the weekly cost, like 4500",
            "secured_in_area": "Select whether it is inside your area",
        },
    ),
    (
        "a cost of nothing",
        {
            "reason": "placed_outside",
            "secured_accommodation": "foster",
            "secured_weekly_cost": Decimal("0"),
            "secured_in_area": True,
        },
        {"secured_weekly_cost": "Enter a weekly cost above £0 and no more than £100,000"},
    ),
]


@pytest.mark.parametrize(("case", "values", "messages"), BAD_CLOSES, ids=[b[0] for b in BAD_CLOSES])
def test_a_bad_close_says_every_problem_and_leaves_the_request_open(
    officer, open_request, case, values, messages
):
    with pytest.raises(ValidationError) as raised:
        services.placement_request_close(actor=officer, request=open_request, **values)

    for field, message in messages.items():
        assert message in " ".join(raised.value.message_dict[field]), field
    assert set(raised.value.message_dict) == set(messages)
    open_request.refresh_from_db()
    assert open_request.status == PlacementRequest.Status.OPEN


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (("la_a1", Role.PLACEMENT_OFFICER), 302),
        (("la_a1", Role.LA_MANAGER), 302),
        (("la_a2", Role.PLACEMENT_OFFICER), 404),
        (("hub_a", Role.HUB_ADMIN), 403),
        (("provider_a1", Role.PROVIDER_ADMIN), 403),
        (("la_b1", Role.LA_MANAGER), 404),
    ],
)
def test_only_the_requesting_la_may_close(world, client, open_request, who, status):
    user = world.user(*who)
    if status != 302:
        with pytest.raises(PermissionDenied):
            services.placement_request_close(
                actor=user, request=open_request, reason="no_longer_needed"
            )
    client.force_login(user)

    response = client.post(close_url(open_request), {"reason": "no_longer_needed"})

    assert response.status_code == status
    open_request.refresh_from_db()
    assert (open_request.status == PlacementRequest.Status.CLOSED) is (status == 302)


def test_the_page_shows_every_problem_in_the_error_summary(client, officer, open_request):
    client.force_login(officer)

    response = client.post(close_url(open_request), {"reason": "placed_outside"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    for message in (
        "Select the kind of placement secured",
        "Enter the weekly cost, like 4500",
        "Select whether it is inside your area",
    ):
        assert html.count(message) == 2, message  # in the summary and by its field
    open_request.refresh_from_db()
    assert open_request.status == PlacementRequest.Status.OPEN


def test_closing_on_the_page_records_the_reason_and_the_request_says_why(
    client, officer, open_request
):
    client.force_login(officer)

    response = client.post(
        close_url(open_request),
        {
            "reason": "placed_outside",
            "secured_accommodation": "foster",
            "secured_weekly_cost": "1050",
            "secured_in_area": "yes",
        },
    )

    assert response.status_code == 302
    open_request.refresh_from_db()
    assert (open_request.close_reason, open_request.secured_weekly_cost) == (
        "placed_outside",
        Decimal("1050"),
    )
    html = client.get(response["Location"]).content.decode()
    assert "Why it closed" in html and "Placed outside this service" in html
    assert "£1,050" in html


def test_the_records_export_carries_why_and_what_was_secured(officer, open_request):
    from brokerage import records

    services.placement_request_close(
        actor=officer,
        request=open_request,
        reason="placed_outside",
        secured_accommodation="foster",
        secured_weekly_cost=Decimal("1050"),
        secured_in_area=True,
    )

    document = records.records_document(
        [records.placement_record_get(open_request)], organisation_name="LA A1"
    )
    demand = document["records"][0]["extensions"]["demand"]
    assert demand["closeReason"] == "Placed outside this service"
    assert demand["securedOutside"] == {
        "placementType": "Foster care",
        "totalWeeklyCost": 1050,
        "insideLocalAuthority": True,
    }
    sheet = records.record_sheets(document)[0]
    row = dict(zip(sheet.headers, sheet.rows[0], strict=True))
    assert row["Why it closed"] == "Placed outside this service"
    assert row["Placed outside the service: type"] == "Foster care"
    assert row["Placed outside the service: weekly cost (£)"] == 1050
    assert row["Placed outside the service: inside the local authority"] == "Yes"
