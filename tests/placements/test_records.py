"""A request's full record and a period's records, as JSON in the shape of the Placements Data
Standard v2 and as .xlsx, built from a whole loop through the real services."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Organisation, Role
from brokerage.referrals import (
    Answer,
    Shortlisted,
    placement_decide,
    referral_answer,
    referral_send,
)
from placements.models import PlacementRequest, PlacementSearch
from tests.factories import OrganisationFactory, UserFactory, sign_in
from tests.placements.builders import child, home


@pytest.fixture
def officer(world_map):
    return UserFactory(organisation=world_map.la, role=Role.PLACEMENT_OFFICER, full_name="Pat Lee")


@pytest.fixture
def signed_in(client, officer):
    sign_in(client, officer.email)
    return client


@pytest.fixture
def provider(world_map):
    return OrganisationFactory(region=world_map.la.region, kind=Organisation.Kind.PROVIDER)


@pytest.fixture
def provider_user(provider):
    return UserFactory(organisation=provider, role=Role.PROVIDER_USER)


@pytest.fixture
def full_loop(world_map, signed_in, officer, provider, provider_user):
    """A request searched, referred to three homes (one of them named like a formula), answered
    twice, and placed at the first."""
    willow = home(world_map, name="Willow House", provider_organisation=provider)
    formula = home(world_map, name="=HYPERLINK(1)", provider_organisation=provider)
    ash = home(world_map, name="Ash Court", provider_organisation=provider)
    request = child(
        world_map,
        reference="LAC-0042",
        siblings_to_place_together=1,
        communication=["bsl"],
        needs_adaptation=True,
        living_alongside="only_older",
        has_pet=True,
        deprivation_of_liberty=True,
        accommodation=["residential", "foster"],
        risks=["self_harm", "going_missing", "fire_setting"],
        needs=["autism"],
    )
    signed_in.get(reverse("placements:placement_search", args=[request.pk]))
    search = PlacementSearch.objects.get(request=request)
    sent = referral_send(
        actor=officer,
        request=request,
        shortlist=[Shortlisted(willow), Shortlisted(formula), Shortlisted(ash)],
        deadline=timezone.now() + timedelta(hours=24),
        search=search,
    )
    start = timezone.localdate() + timedelta(days=2)
    referral_answer(
        actor=provider_user,
        referral=sent[0],
        answer=Answer.INTERESTED,
        weekly_price=Decimal("4250.50"),
        start_date=start,
        price_includes=["core", "education"],
    )
    referral_answer(
        actor=provider_user, referral=sent[2], answer=Answer.NOT_ABLE, not_able_reason="matching"
    )
    placement_decide(
        actor=officer,
        request=request,
        setting=willow,
        start_date=start,
        weekly_cost=Decimal("4250.50"),
        services_included=["core", "education"],
        social_care_weekly=Decimal("3250.50"),
        education_weekly=Decimal("1000"),
        health_weekly=Decimal("0"),
        commercial_route="framework",
        distance_from=request.places.get(),
    )
    return request, willow, start


def test_the_json_record_is_in_the_shape_of_the_placements_data_standard(
    world_map, signed_in, full_loop
):
    request, willow, start = full_loop

    response = signed_in.get(reverse("brokerage:placement_record_json", args=[request.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert f'filename="placement-record-{request.pk}.json"' in response["Content-Disposition"]
    document = json.loads(response.content)
    assert document["standard"] == "Placements Data Standard v2"
    assert document["formatVersion"] == 2
    assert document["localAuthority"] == "Rutland"
    (record,) = document["records"]
    # The standard's entities by their own names, then ours, apart.
    assert list(record) == [
        "PlacementAvailability",
        "PlacementRequirements",
        "PlacementRecommendation",
        "Risks",
        "ActualPlacement",
        "QualityAssurance",
        "extensions",
    ]
    assert record["PlacementAvailability"] == {
        "childId": request.pk,
        "neededBy": "in less than 5 days",
        "siblingCount": 1,
        "preferredLocation": "Anywhere in England",
    }
    assert record["PlacementRequirements"] == {
        "communicationNeeds": "Y",
        "specificCommunicationRequirements": ["BSL"],
        "homeAdaptation": True,
        "culturalNeeds": "Not Known",
        "livingCompanions": "Only with other older children",
        "pets": "Yes - must",
        "additionalSupport": None,
        "deprivationOfLiberty": True,
    }
    assert record["PlacementRecommendation"] == {
        "fosterCareSuitability": "Suitable but not preferred",
        "residentialCareSuitability": "Suitable but not preferred",
        "supportedAccommodationSuitability": "Unsuitable",
    }
    risks = record["Risks"]
    assert len(risks) == 13
    assert risks["riskSelfHarm"] == "Risk Present"
    assert risks["riskMissing"] == "Risk Present"
    assert risks["riskToOthersFire"] == "Risk Present"
    assert risks["riskSexualExploitation"] == "No known risk"
    assert risks["riskOther"] is None and risks["riskToOthersOther"] is None
    # The standard's cost is whole pounds (4250.50 rounds half up); the exact one is ours.
    assert record["ActualPlacement"] == {
        "totalWeeklyCost": 4251,
        "placementLocation": f"Rutland, {willow.postcode_district}",
        "preferabilityLocation": True,
        "educationContinuity": True,
        "providerURN": willow.urn,
        "siblingsPlacedTogether": 1,
        "placementType": "Residential",
    }
    extensions = record["extensions"]
    assert extensions["localIdentifier"] == "LAC-0042"
    placed = extensions["placementTerms"]
    assert placed["weeklyCost"] == 4250.5
    assert placed["startDate"] == start.isoformat()
    assert placed["servicesIncluded"] == ["Core care", "Education"]
    assert placed["fundingSplit"] == {
        "socialCareWeekly": 3250.5,
        "educationWeekly": 1000,
        "healthWeekly": 0,
    }
    assert placed["commercialRoute"] == "Framework"
    assert placed["distanceFromHomeMiles"] is not None
    assert placed["distanceMeasuredFrom"] == "School"
    today = timezone.localdate().isoformat()
    assert record["QualityAssurance"] == {
        "referralOfficerName": "Pat Lee",
        "referralDate": today,
        "placementOfficerName": "Pat Lee",
        "placementDate": today,
        "costOfficerName": "Pat Lee",
        "costDate": today,
    }
    referrals = extensions["referrals"]
    assert [r["providerURN"] for r in referrals][0] == willow.urn
    assert [r["response"] for r in referrals] == ["Interested", "No answer", "Not able"]
    assert [r["status"] for r in referrals] == [
        "Placement agreed here",
        "Place filled elsewhere",
        "Not able",
    ]
    assert referrals[0]["weeklyPrice"] == 4250.5
    assert referrals[0]["referralDate"] == today
    assert referrals[2]["notAbleReason"] == "Matching with the children already there"
    demand = extensions["demand"]
    assert demand["status"] == "Closed"
    assert demand["places"] == [
        {
            "label": "School",
            "district": "LE15",
            "maxMinutes": 45,
            "mode": "car",
            "departsAt": None,
            "day": None,
        }
    ]
    assert demand["needs"] == ["Autism"]
    assert extensions["profile"]["needs"] == ["autism"]
    assert demand["searches"]["count"] == 1
    funnel = demand["searches"]["latest"]["funnel"]
    assert [step["check"] for step in funnel] == [
        "registered",
        "criteria",
        "available",
        "where",
        "travel",
        "on_service",
    ]
    # Places only as districts, and never the full postcode.
    assert "LE15 6AB" not in response.content.decode()


def test_the_xlsx_record_has_a_row_for_the_request_and_one_per_referral(
    world_map, signed_in, full_loop
):
    request, willow, start = full_loop

    response = signed_in.get(reverse("brokerage:placement_record_xlsx", args=[request.pk]))

    assert response.status_code == 200
    assert f'filename="placement-record-{request.pk}.xlsx"' in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Requests", "Referrals", "Asked outside the service"]
    from accounts.models import AuditEvent

    event = AuditEvent.objects.get(action=AuditEvent.Action.DATA_EXPORTED)
    assert event.detail == {
        "export": "placement_record",
        "filters": {"placement_request": request.pk, "format": "xlsx"},
        "rows": 1,
    }
    requests = list(workbook["Requests"].values)
    header, row = requests[0], requests[1]
    assert len(requests) == 2
    values = dict(zip(header, row, strict=True))
    assert values["Child ID"] == request.pk
    assert values["Local identifier"] == "LAC-0042"
    assert values["Needed by"] == "in less than 5 days"
    assert values["Risk to child: Self-harm"] == "Risk Present"
    assert values["Deprivation of liberty order"] == "Yes"
    assert values["Places that matter (districts)"] == "School: LE15, by car"
    assert values["Referrals sent"] == 3 and values["Interested"] == 1
    assert values["Provider URN"] == willow.urn
    assert values["Total weekly cost (£)"] == 4250.5
    assert values["Start date"] == datetime.combine(start, datetime.min.time())
    assert values["Commercial route"] == "Framework"
    referrals = list(workbook["Referrals"].values)
    assert len(referrals) == 4
    names = [dict(zip(referrals[0], r, strict=True))["Setting"] for r in referrals[1:]]
    # A name that a spreadsheet would run as a formula is shown as text.
    assert names == ["Willow House", "'=HYPERLINK(1)", "Ash Court"]


def _aged(request: PlacementRequest, day: date) -> PlacementRequest:
    created = timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=9)
    PlacementRequest.objects.filter(pk=request.pk).update(created_at=created)
    return request


def test_the_period_export_holds_only_the_authoritys_requests_started_in_the_period(
    world_map, signed_in
):
    inside = _aged(child(world_map, reference="IN-1"), date(2025, 4, 1))
    last_day = _aged(child(world_map, reference="IN-2"), date(2025, 6, 30))
    _aged(child(world_map, reference="BEFORE-1"), date(2025, 3, 31))
    _aged(child(world_map, reference="AFTER-1"), date(2025, 7, 1))
    other_la = OrganisationFactory(region=world_map.la.region, local_authority=True)
    _aged(child(world_map, reference="THEIRS-1", organisation=other_la), date(2025, 5, 1))
    url = reverse("brokerage:placement_records_export")

    response = signed_in.get(url, {"from": "2025-04-01", "to": "2025-06-30", "format": "json"})

    assert response.status_code == 200
    assert (
        'filename="placement-records-2025-04-01-to-2025-06-30.json"'
        in (response["Content-Disposition"])
    )
    document = json.loads(response.content)
    from accounts.models import AuditEvent

    event = AuditEvent.objects.get(action=AuditEvent.Action.DATA_EXPORTED)
    assert event.detail == {
        "export": "placement_records",
        "filters": {"from": "2025-04-01", "to": "2025-06-30", "format": "json"},
        "rows": len(document["records"]),
    }
    assert event.detail["rows"] == 2  # IN-1 and IN-2
    assert document["standard"] == "Placements Data Standard v2"
    assert document["period"] == {"from": "2025-04-01", "to": "2025-06-30"}
    ids = [r["PlacementAvailability"]["childId"] for r in document["records"]]
    assert ids == [inside.pk, last_day.pk]

    sheet = signed_in.get(url, {"from": "2025-04-01", "to": "2025-06-30", "format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(sheet.content))["Requests"].values)
    assert [row[1] for row in rows[1:]] == ["IN-1", "IN-2"]


def test_the_period_page_without_dates_is_a_form(world_map, signed_in):
    response = signed_in.get(reverse("brokerage:placement_records_export"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Download placement records" in html
    assert 'name="from"' in html and 'name="to"' in html and 'name="format"' in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "2025-04-01"}, "Enter the last day of the period"),
        ({"from": "2025-02-30", "to": "2025-04-01"}, "Enter a real date, like 27/3/2026"),
        ({"from": "yesterday", "to": "2025-04-01"}, "Enter a real date, like 27/3/2026"),
        (
            {"from": "2025-06-30", "to": "2025-04-01"},
            "The last day must be the same as or after the first day",
        ),
        ({"from": "2024-01-01", "to": "2025-01-01"}, "Choose a period of 366 days or less"),
        (
            {"from": "2025-04-01", "to": "2025-04-02", "format": "csv"},
            "Choose a spreadsheet or JSON",
        ),
    ],
)
def test_bad_dates_are_shown_with_what_to_do(world_map, signed_in, query, message):
    response = signed_in.get(
        reverse("brokerage:placement_records_export"), {"format": "json", **query}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and message in html
    assert response["Content-Type"].startswith("text/html")


def test_a_full_year_of_366_days_is_allowed(world_map, signed_in):
    response = signed_in.get(
        reverse("brokerage:placement_records_export"),
        {"from": "2024-01-01", "to": "2024-12-31", "format": "json"},
    )

    assert response.status_code == 200
    assert json.loads(response.content)["records"] == []


def test_another_authoritys_record_is_not_found_and_hub_admins_are_refused(world_map, client):
    request = child(world_map)
    other_la = OrganisationFactory(region=world_map.la.region, local_authority=True)
    stranger = UserFactory(organisation=other_la, role=Role.PLACEMENT_OFFICER)
    hub = OrganisationFactory(region=world_map.la.region, hub=True)
    admin = UserFactory(organisation=hub, role=Role.HUB_ADMIN)
    record_urls = [
        reverse("brokerage:placement_record_json", args=[request.pk]),
        reverse("brokerage:placement_record_xlsx", args=[request.pk]),
    ]
    today = timezone.localdate()
    period = (
        reverse("brokerage:placement_records_export")
        + f"?from={today - timedelta(days=7):%Y-%m-%d}&to={today:%Y-%m-%d}&format=json"
    )

    sign_in(client, stranger.email)
    assert [client.get(url).status_code for url in record_urls] == [404, 404]
    records = json.loads(client.get(period).content)["records"]
    assert records == []
    client.logout()
    sign_in(client, admin.email)
    assert [client.get(url).status_code for url in [*record_urls, period]] == [403, 403, 403]


def test_the_period_export_reads_a_fixed_number_of_queries_however_many_requests(
    world_map, signed_in, officer, provider
):
    willow = home(world_map, name="Willow House", provider_organisation=provider)
    today = timezone.localdate()
    query = {"from": f"{today:%Y-%m-%d}", "to": f"{today:%Y-%m-%d}", "format": "json"}

    def add(count: int) -> None:
        for _ in range(count):
            request = child(world_map, reference=f"LAC-{PlacementRequest.objects.count() + 1:04d}")
            referral_send(
                actor=officer,
                request=request,
                shortlist=[Shortlisted(willow)],
                deadline=timezone.now() + timedelta(hours=24),
            )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert (
                signed_in.get(reverse("brokerage:placement_records_export"), query).status_code
                == 200
            )
        return len(captured)

    add(2)
    few = queries()
    add(4)
    assert queries() == few
