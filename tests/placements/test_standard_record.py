"""The Placements Data Standard v2 record: the schema built from the vendored placements.json,
every exported record valid against it, and the API's import of a record in that shape."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Organisation, Role
from brokerage import records
from brokerage.referrals import (
    Answer,
    Shortlisted,
    placement_decide,
    referral_answer,
    referral_send,
)
from geo.models import PostcodeDistrict
from placements import standard
from placements.models import PlacementRequest
from placements.services import placement_request_close
from providers import facts
from tests.factories import OrganisationFactory, UserFactory
from tests.placements.builders import child, home

URL = "/api/v1/placement-requests/standard/"


def _json(value: Any) -> Any:
    """As a consumer reads it: the export's dates and times as JSON strings."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


@pytest.fixture
def officer(world_map):
    return UserFactory(organisation=world_map.la, role=Role.PLACEMENT_OFFICER, full_name="Pat Lee")


@pytest.fixture
def provider(world_map):
    return OrganisationFactory(region=world_map.la.region, kind=Organisation.Kind.PROVIDER)


@pytest.fixture
def requests(world_map, officer, provider):
    """Four requests as an LA makes them: one never referred; one referred to two homes and
    answered both ways; one placed at a home with a school within its limit; one closed
    unplaced. Between them every risk, communication need and kind of placement."""
    # The child's home district, known to the service (an import checks it).
    PostcodeDistrict.objects.create(
        district="LE15", point=Point(-0.72, 52.67, srid=4326), postcodes=1200
    )
    provider_user = UserFactory(organisation=provider, role=Role.PROVIDER_USER)
    willow = home(world_map, name="Willow House", provider_organisation=provider)
    ash = home(world_map, name="Ash Court", provider_organisation=provider)
    plain = child(world_map, reference="LAC-0001")
    referred = child(
        world_map,
        reference="LAC-0002",
        communication=["esol", "makaton"],
        accommodation=["residential", "foster", "supported"],
        risks=["sexual_exploitation", "criminal_exploitation", "drugs_and_alcohol"],
        living_alongside="solo_only",
        age_years=16,
    )
    placed = child(
        world_map,
        reference="LAC-0003",
        siblings_to_place_together=2,
        communication=["bsl"],
        needs_adaptation=True,
        has_pet=True,
        deprivation_of_liberty=True,
        risks=["self_harm", "eating_disorder", "going_missing", "harm_to_animals"],
        needs=["autism"],
        home_district="LE15",
    )
    closed = child(
        world_map,
        reference="LAC-0004",
        accommodation=["foster"],
        risks=[
            "physical_harm_to_others",
            "sexual_harm_to_others",
            "fire_setting",
            "criminal_exploitation_of_others",
        ],
    )
    deadline = timezone.now() + timedelta(hours=24)
    sent = referral_send(
        actor=officer,
        request=referred,
        shortlist=[Shortlisted(willow), Shortlisted(ash)],
        deadline=deadline,
    )
    referral_answer(
        actor=provider_user,
        referral=sent[0],
        answer=Answer.INTERESTED,
        weekly_price=Decimal("3999.50"),
        start_date=timezone.localdate() + timedelta(days=3),
        price_includes=["core"],
    )
    referral_answer(
        actor=provider_user, referral=sent[1], answer=Answer.NOT_ABLE, not_able_reason="matching"
    )
    (offer,) = referral_send(
        actor=officer, request=placed, shortlist=[Shortlisted(willow)], deadline=deadline
    )
    referral_answer(
        actor=provider_user,
        referral=offer,
        answer=Answer.INTERESTED,
        weekly_price=Decimal("4250.50"),
        start_date=timezone.localdate() + timedelta(days=2),
        price_includes=["core", "education"],
    )
    placement_decide(
        actor=officer,
        request=placed,
        setting=willow,
        start_date=timezone.localdate() + timedelta(days=2),
        weekly_cost=Decimal("4250.50"),
        services_included=["core", "education"],
        social_care_weekly=Decimal("3250.50"),
        education_weekly=Decimal("1000"),
        health_weekly=Decimal("0"),
        commercial_route="spot",
        distance_from=placed.places.get(),
    )
    placement_request_close(actor=officer, request=closed, reason="no_longer_needed")
    return [plain, referred, placed, closed]


def _document(requests: list[PlacementRequest]) -> dict[str, Any]:
    return _json(
        records.records_document(
            [records.placement_record_get(r) for r in requests], organisation_name="Rutland"
        )
    )


# The schema, from the standard's own field list -------------------------------------------------


def test_the_schema_is_the_standards_field_list():
    schema = standard.record_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    spec = standard.standard()
    assert [e["name"] for e in spec["entities"]] == [
        name for name in schema["properties"] if name != "extensions"
    ]
    requirements = schema["properties"]["PlacementRequirements"]
    # 1..1 required; 0..1 optional and nullable; 1..* an array of at least one; options → enum.
    assert requirements["required"] == [
        "communicationNeeds",
        "specificCommunicationRequirements",
        "homeAdaptation",
        "culturalNeeds",
        "livingCompanions",
        "pets",
    ]
    fields = requirements["properties"]
    assert fields["pets"]["enum"] == ["Yes - must", "Yes - can", "No", "Not Known"]
    assert fields["deprivationOfLiberty"]["type"] == ["boolean", "null"]
    assert fields["specificCommunicationRequirements"]["type"] == "array"
    assert fields["specificCommunicationRequirements"]["minItems"] == 1
    assert schema["properties"]["QualityAssurance"]["properties"]["costDate"]["format"] == "date"
    assert schema["properties"]["PlacementAvailability"]["properties"]["childId"] == {
        "type": "integer",
        "description": "Child ID number.",
    }


def test_every_exported_record_is_valid_against_the_standard(world_map, requests):
    document = _document(requests)

    assert document["formatVersion"] == 2
    assert len(document["records"]) == 4
    for record in document["records"]:
        assert standard.schema_errors(record) == []
        # Without our extensions, the record is the standard's alone.
        clean = {k: v for k, v in record.items() if k != "extensions"}
        assert standard.schema_errors(clean, extensions=False) == []
    placed = document["records"][2]
    assert placed["ActualPlacement"]["totalWeeklyCost"] == 4251
    assert placed["ActualPlacement"]["educationContinuity"] is True
    assert "ActualPlacement" not in document["records"][1]
    assert len(document["records"][1]["extensions"]["referrals"]) == 2


def _record_of(world_map, **values) -> dict[str, Any]:
    return _json(records.placement_record(records.placement_record_get(child(world_map, **values))))


def test_the_schema_refuses_a_wrong_option_a_missing_field_and_a_stray_one(world_map):
    record = _record_of(world_map)
    assert standard.schema_errors(record) == []

    wrong = copy.deepcopy(record)
    wrong["PlacementRequirements"]["pets"] = "Maybe"
    del wrong["Risks"]["riskSelfHarm"]
    wrong["PlacementAvailability"]["childName"] = "Sam"

    assert [e.as_dict() for e in standard.schema_errors(wrong)] == [
        {
            "field": "PlacementAvailability.childName",
            "message": "Not a field of PlacementAvailability in the standard",
        },
        {
            "field": "PlacementRequirements.pets",
            "message": "'Maybe' is not allowed: must be one of Yes - must, Yes - can, No, "
            "Not Known",
        },
        {"field": "Risks.riskSelfHarm", "message": "This field is required"},
    ]
    # An entity of the placement stage, when present, must be whole.
    partial = copy.deepcopy(record)
    partial["QualityAssurance"] = {"referralDate": "2026-02-30"}
    fields = [e.field for e in standard.schema_errors(partial)]
    assert "QualityAssurance.placementDate" in fields
    assert "QualityAssurance.referralDate" in fields  # not a real date


# The API's import ----------------------------------------------------------------------------


def _client(user) -> APIClient:
    _, key = facts.api_token_create(actor=user, name="Our case system")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def _criteria(request: PlacementRequest) -> dict[str, Any]:
    names = [
        "urgency",
        "siblings_to_place_together",
        "communication",
        "needs_adaptation",
        "living_alongside",
        "has_pet",
        "deprivation_of_liberty",
        "accommodation",
        "risks",
    ]
    # Lists as sets: the builder stores them as given, the service in its choices' order.
    return {
        name: sorted(value) if isinstance(value := getattr(request, name), list) else value
        for name in names
    }


def test_an_exported_record_imports_back_to_the_same_criteria(world_map, requests, officer):
    document = _document(requests)
    for original, record in zip(requests, document["records"], strict=True):
        if original.status == PlacementRequest.Status.OPEN:
            placement_request_close(actor=officer, request=original, reason="no_longer_needed")
        record.pop("ActualPlacement", None)  # a new referral carries no placement
        response = _client(officer).post(URL, record, format="json")
        assert response.status_code == 201, response.json()
        made = PlacementRequest.objects.get(pk=response.json()["id"])
        assert made.organisation == original.organisation
        assert made.reference == original.reference
        assert made.status == PlacementRequest.Status.OPEN
        assert not made.searches.exists() and not made.referrals.exists()
        assert _criteria(made) == _criteria(original)
        assert (made.sex, made.age_years, made.needs) == (
            original.sex,
            original.age_years,
            original.needs,
        )


def _errors(response) -> dict[str, str]:
    assert response.status_code == 400
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_bad_records_get_field_level_errors(world_map, officer):
    record = _record_of(world_map, reference="LAC-0100")
    record["extensions"]["localIdentifier"] = "LAC-0200"
    client = _client(officer)

    # 1. Not the standard: a wrong option, a missing required field.
    wrong = copy.deepcopy(record)
    wrong["PlacementRequirements"]["pets"] = "Sometimes"
    del wrong["PlacementRecommendation"]["fosterCareSuitability"]
    errors = _errors(client.post(URL, wrong, format="json"))
    assert set(errors) == {
        "PlacementRequirements.pets",
        "PlacementRecommendation.fosterCareSuitability",
    }
    assert (
        "must be one of Yes - must, Yes - can, No, Not Known"
        in errors["PlacementRequirements.pets"]
    )

    # 2. The standard, but not what we can keep: free text about the child, "Other" needs.
    ours = copy.deepcopy(record)
    ours["Risks"]["riskOther"] = "Climbs onto roofs"
    ours["PlacementRequirements"]["specificCommunicationRequirements"] = ["BSL", "Other"]
    ours["PlacementRequirements"]["communicationNeeds"] = "Y"
    errors = _errors(client.post(URL, ours, format="json"))
    assert set(errors) == {
        "Risks.riskOther",
        "PlacementRequirements.specificCommunicationRequirements[1]",
    }

    # 3. Our service's rules: no kind of placement suits, no sex, an age out of range.
    service = copy.deepcopy(record)
    for name in standard.SUITABILITY:
        service["PlacementRecommendation"][name] = "Unsuitable"
    service["extensions"]["profile"]["ageYears"] = 40
    errors = _errors(client.post(URL, service, format="json"))
    assert set(errors) == {"PlacementRecommendation", "extensions.profile.ageYears"}
    unsexed = copy.deepcopy(record)
    del unsexed["extensions"]["profile"]["sex"]
    assert set(_errors(client.post(URL, unsexed, format="json"))) == {"extensions.profile.sex"}

    assert not PlacementRequest.objects.filter(reference="LAC-0200").exists()


def test_a_body_that_is_not_json_gets_the_same_shape_of_error(officer):
    # Found by `make fuzz`: the parser's own 400 was {"detail": …}, not the documented shape.
    response = _client(officer).post(URL, data=b"\xd9W\x15", content_type="application/json")
    (error,) = response.json()["errors"]
    assert response.status_code == 400
    assert error["field"] == ""
    assert "JSON parse error" in error["message"]
    assert not PlacementRequest.objects.exists()


def test_who_may_import(world_map, officer):
    la = world_map.la
    manager = UserFactory(organisation=la, role=Role.LA_MANAGER)
    provider = OrganisationFactory(region=la.region, kind=Organisation.Kind.PROVIDER)
    provider_admin = UserFactory(organisation=provider, role=Role.PROVIDER_ADMIN)
    hub = OrganisationFactory(region=la.region, kind=Organisation.Kind.HUB)
    hub_admin = UserFactory(organisation=hub, role=Role.HUB_ADMIN)
    record = _record_of(world_map, reference="LAC-0300")

    def post(client: APIClient, reference: str) -> int:
        record["extensions"]["localIdentifier"] = reference
        return client.post(URL, record, format="json").status_code

    assert post(_client(officer), "LAC-0301") == 201
    assert post(_client(manager), "LAC-0302") == 201
    assert post(_client(provider_admin), "LAC-0303") == 403
    assert post(_client(hub_admin), "LAC-0304") == 403
    assert post(APIClient(), "LAC-0305") == 401
    made = PlacementRequest.objects.filter(reference__in=["LAC-0301", "LAC-0302"])
    assert {r.organisation for r in made} == {la}
    assert {r.created_by for r in made} == {officer, manager}
    assert not PlacementRequest.objects.filter(reference__in=["LAC-0303", "LAC-0304"]).exists()

    # Another LA of the region cannot see it.
    other = OrganisationFactory(region=la.region, local_authority=True)
    stranger = UserFactory(organisation=other, role=Role.PLACEMENT_OFFICER)
    client = APIClient()
    client.force_login(stranger)
    created = made.get(reference="LAC-0301")
    response = client.get(f"/api/v1/placement-requests/{created.pk}/matches/")
    assert response.status_code == 404
    # And a provider's own API still refuses an LA's key.
    assert _client(officer).get("/api/v1/settings/").status_code == 403
