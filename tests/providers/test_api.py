"""The providers' JSON API, through DRF's APIClient on real PostGIS and Redis."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

import pytest
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.utils import timezone
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from accounts.models import Role, User
from geo.models import Postcode
from providers import facts
from providers.models import ApiToken, CarerHousehold, Eligibility, Setting, Vacancy
from tests.factories import OrganisationFactory, UserFactory
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db

ELIGIBILITY = {
    "min_age": 8,
    "max_age": 17,
    "sexes": ["female", "male"],
    "placement_kinds": ["planned", "emergency"],
    "minimum_notice_days": 2,
    "living_alongside": "with_others",
    "accepts_pets": False,
    "can_meet_deprivation_of_liberty": False,
    "communication": ["bsl"],
    "adapted_for_physical_disability": True,
    "risks": {"self_harm": "can_meet", "going_missing": "will_consider"},
    "needs": {"autism": "can_meet"},
    "what_we_offer": "Therapeutic care, small groups.",
    "therapeutic_support": "",
}
HOUSEHOLD = {
    "reference": "H-014",
    "postcode_district": "le15",
    "min_age": 5,
    "max_age": 12,
    "needs": ["autism"],
    "languages": ["Polish"],
    "places_now": 2,
}


@dataclass
class Api:
    admin: User
    token: ApiToken
    key: str
    client: APIClient
    home: Setting  # a children's home run by the token's organisation
    ifa: Setting  # a fostering agency run by it
    other: Setting  # another organisation's fostering agency
    other_household: CarerHousehold


def _client(key: str | None = None, scheme: str = "Bearer") -> APIClient:
    client = APIClient()
    if key is not None:
        client.credentials(HTTP_AUTHORIZATION=f"{scheme} {key}")
    return client


@pytest.fixture
def district(db):
    """LE15 is a real district because one of its postcodes is loaded."""
    return Postcode.objects.create(
        postcode="LE15 6AB",
        point=Point(-0.72, 52.67, srid=4326),
        ltla_code="E06000017",
        utla_code="E06000017",
    )


@pytest.fixture
def api(world, district) -> Api:
    admin = world.user("provider_a1", Role.PROVIDER_ADMIN)
    token, key = facts.api_token_create(actor=admin, name="Our care system")
    other = SettingFactory(places=6, provider_organisation=world.provider_a2)
    other_household = facts.household_save(
        actor=world.user("provider_a2", Role.PROVIDER_ADMIN),
        setting=other,
        reference="X-1",
        postcode_district="LE15",
    )
    return Api(
        admin=admin,
        token=token,
        key=key,
        client=_client(key),
        home=SettingFactory(childrens_home=True, places=4, provider_organisation=world.provider_a1),
        ifa=SettingFactory(places=10, provider_organisation=world.provider_a1),
        other=other,
        other_household=other_household,
    )


def _url(setting: Setting, tail: str = "") -> str:
    return f"/api/v1/settings/{setting.urn}/{tail}"


# Reading -----------------------------------------------------------------------------------------


def test_list_shows_only_the_organisations_own_settings(api):
    SettingFactory()  # nobody's
    response = api.client.get("/api/v1/settings/")
    assert response.status_code == 200
    body = response.json()
    assert sorted(s["urn"] for s in body) == sorted([api.home.urn, api.ifa.urn])
    home = next(s for s in body if s["urn"] == api.home.urn)
    assert home["provision_type"] == "childrens_home"
    assert home["places"] == 4
    assert home["status"] == "active"
    assert home["eligibility"] is None
    assert home["vacancy"]["state"] == "none"
    assert home["vacancy"]["confirmed_at"] is None
    assert home["ssda903_placement_types"] == [
        {"code": "K2", "label": "Children's Homes subject to Children's Homes Regulations"}
    ]
    ifa = next(s for s in body if s["urn"] == api.ifa.urn)
    assert [code["code"] for code in ifa["ssda903_placement_types"]] == ["U4", "U5", "U6"]


def test_the_ssda903_codes_are_still_only_for_the_organisations_own_settings(api):
    """The new field is read through the same scope: another organisation's setting is a 404,
    and the list never holds it."""
    assert api.client.get(_url(api.other)).status_code == 404
    listed = api.client.get("/api/v1/settings/").json()
    assert api.other.urn not in {s["urn"] for s in listed}
    own = api.client.get(_url(api.ifa)).json()
    assert own["ssda903_placement_types"][2] == {
        "code": "U6",
        "label": "Foster placement with other foster carer(s) - not long term or fostering for "
        "adoption/concurrent planning",
    }


def test_a_setting_shows_its_eligibility_and_vacancy(api):
    facts.eligibility_update(actor=api.admin, setting=api.home, **ELIGIBILITY)
    facts.vacancy_confirm(actor=api.admin, setting=api.home, places=1, restriction="Girls only")
    Vacancy.objects.filter(setting=api.home).update(
        confirmed_at=timezone.now() - dt.timedelta(days=8)
    )
    response = api.client.get(_url(api.home).replace(api.home.urn, api.home.urn.lower()))
    assert response.status_code == 200
    body = response.json()
    assert body["eligibility"]["risks"] == ELIGIBILITY["risks"]
    assert body["vacancy"]["places"] == 1
    assert body["vacancy"]["restriction"] == "Girls only"
    assert body["vacancy"]["confirmed_days_ago"] == 8
    assert body["vacancy"]["state"] == "stale"
    assert body["vacancy"]["confirmed_at"]


def test_using_a_key_records_when_it_was_last_used(api):
    assert api.token.last_used_at is None
    api.client.get("/api/v1/settings/")
    api.token.refresh_from_db()
    assert api.token.last_used_at is not None


ENDPOINTS = [
    ("get", ""),
    ("get", "eligibility/"),
    ("put", "eligibility/"),
    ("patch", "eligibility/"),
    ("get", "vacancy/"),
    ("put", "vacancy/"),
    ("post", "vacancy/confirm/"),
    ("get", "households/"),
    ("post", "households/"),
    ("get", "households/{id}/"),
    ("put", "households/{id}/"),
    ("patch", "households/{id}/"),
    ("delete", "households/{id}/"),
]
BODIES = {
    "eligibility/": ELIGIBILITY,
    "vacancy/": {"places": 1},
    "households/": HOUSEHOLD,
    "households/{id}/": HOUSEHOLD,
}


@pytest.mark.parametrize(("method", "tail"), ENDPOINTS)
def test_another_organisations_setting_is_not_found_on_every_endpoint(api, method, tail):
    facts.vacancy_confirm(
        actor=User.objects.get(email="provider_admin.provider_a2@example.org"),
        setting=api.other,
        places=2,
    )
    before = Vacancy.objects.get(setting=api.other).confirmed_at
    url = _url(api.other, tail.format(id=api.other_household.pk))
    response = getattr(api.client, method)(url, BODIES.get(tail), format="json")
    assert response.status_code == 404
    assert "detail" in response.json()
    assert not Eligibility.objects.filter(setting=api.other).exists()
    assert Vacancy.objects.get(setting=api.other).confirmed_at == before
    assert list(api.other.households.values_list("reference", flat=True)) == ["X-1"]


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_another_settings_household_is_not_found_through_your_own(api, method):
    url = _url(api.ifa, f"households/{api.other_household.pk}/")
    response = getattr(api.client, method)(url, HOUSEHOLD, format="json")
    assert response.status_code == 404
    assert CarerHousehold.objects.filter(pk=api.other_household.pk).exists()


# Authentication ----------------------------------------------------------------------------------


def test_no_key_is_401_with_a_json_error(api):
    response = _client().get("/api/v1/settings/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "detail" in response.json()


@pytest.mark.parametrize("key", ["pf_not-a-real-key", "", "two parts"])
def test_an_unknown_key_is_401(api, key):
    response = _client(key).get("/api/v1/settings/")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_a_revoked_key_is_401(api):
    facts.api_token_revoke(actor=api.admin, token=api.token)
    response = api.client.get("/api/v1/settings/")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_the_token_keyword_works_as_well_as_bearer(api):
    assert _client(api.key, scheme="Token").get("/api/v1/settings/").status_code == 200


def test_a_session_is_not_enough(api, client):
    client.force_login(api.admin)
    assert client.get("/api/v1/settings/").status_code == 401


@pytest.mark.parametrize("change", ["deactivated", "demoted"])
def test_a_key_stops_working_when_its_creator_is_no_longer_an_admin(api, change):
    if change == "deactivated":
        api.admin.is_active = False
    else:
        api.admin.role = Role.PROVIDER_USER
    api.admin.save()
    response = api.client.get("/api/v1/settings/")
    assert response.status_code == 401
    assert "no longer an active provider admin" in response.json()["detail"]


# Eligibility -------------------------------------------------------------------------------------


def test_eligibility_is_404_until_stated(api):
    assert api.client.get(_url(api.home, "eligibility/")).status_code == 404


def test_put_eligibility_saves_it_with_the_key_creator_in_history(api):
    response = api.client.put(_url(api.home, "eligibility/"), ELIGIBILITY, format="json")
    assert response.status_code == 200, response.json()
    eligibility = Eligibility.objects.get(setting=api.home)
    assert eligibility.min_age == 8
    assert eligibility.risks == ELIGIBILITY["risks"]
    assert eligibility.updated_by == api.admin
    assert eligibility.history.latest().history_user == api.admin
    assert response.json()["communication"] == ["bsl"]
    assert api.client.get(_url(api.home, "eligibility/")).json()["min_age"] == 8


def test_put_replaces_every_field_and_patch_only_those_sent(api):
    api.client.put(_url(api.home, "eligibility/"), ELIGIBILITY, format="json")
    required = {k: ELIGIBILITY[k] for k in ("min_age", "max_age", "sexes", "placement_kinds")}
    response = api.client.put(
        _url(api.home, "eligibility/"),
        {**required, "living_alongside": "solo_only"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["risks"] == {}
    assert response.json()["communication"] == []

    response = api.client.patch(
        _url(api.home, "eligibility/"), {"needs": {"parenting": "cannot_meet"}}, format="json"
    )
    assert response.status_code == 200
    eligibility = Eligibility.objects.get(setting=api.home)
    assert eligibility.needs == {"parenting": "cannot_meet"}
    assert eligibility.living_alongside == "solo_only"
    assert eligibility.history.count() == 3


def test_put_needs_the_fields_without_a_default(api):
    response = api.client.put(_url(api.home, "eligibility/"), {"min_age": 3}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"max_age", "sexes", "placement_kinds", "living_alongside"}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"min_age": 16, "max_age": 12}, "max_age", "oldest age"),
        ({"max_age": 30}, "max_age", "25"),
        ({"risks": {"self_harm": "can_meet", "juggling": "can_meet"}}, "risks", "juggling"),
        ({"risks": {"self_harm": "maybe"}}, "risks", "self_harm"),
        ({"needs": {"autism": "yes"}}, "needs", "autism"),
        ({"needs": ["autism"]}, "needs", "object"),
        ({"sexes": ["other"]}, "sexes", "valid choice"),
        ({"sexes": []}, "sexes", "Say which"),
        ({"living_alongside": "anyone"}, "living_alongside", "valid choice"),
    ],
)
def test_eligibility_errors_are_field_level(api, change, field, words):
    response = api.client.put(
        _url(api.home, "eligibility/"), {**ELIGIBILITY, **change}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [field]
    messages = body[field] if isinstance(body[field], list) else [json.dumps(body[field])]
    assert any(words in message for message in messages), body
    assert not Eligibility.objects.filter(setting=api.home).exists()


def test_patch_is_checked_against_what_is_already_stated(api):
    api.client.put(_url(api.home, "eligibility/"), ELIGIBILITY, format="json")
    response = api.client.patch(_url(api.home, "eligibility/"), {"min_age": 18}, format="json")
    assert response.status_code == 400
    assert "max_age" in response.json()
    assert Eligibility.objects.get(setting=api.home).min_age == 8


# Vacancies ---------------------------------------------------------------------------------------


def test_vacancy_is_not_stated_at_first(api):
    response = api.client.get(_url(api.home, "vacancy/"))
    assert response.status_code == 200
    assert response.json()["state"] == "none"


def test_put_vacancy_confirms_it(api):
    before = timezone.now()
    response = api.client.put(
        _url(api.home, "vacancy/"),
        {"places": 2, "available_from": "2030-01-06", "restriction": "  Girls 13 to 16  "},
        format="json",
    )
    assert response.status_code == 200, response.json()
    vacancy = Vacancy.objects.get(setting=api.home)
    assert vacancy.places == 2
    assert vacancy.available_from == dt.date(2030, 1, 6)
    assert vacancy.restriction == "Girls 13 to 16"
    assert vacancy.confirmed_at >= before
    assert vacancy.confirmed_by == api.admin
    assert vacancy.history.latest().history_user == api.admin
    body = response.json()
    assert body["state"] == "fresh"
    assert body["confirmed_days_ago"] == 0
    assert body["label"] == "Vacancy confirmed today by the provider"


def test_confirm_refreshes_the_current_statement_unchanged(api):
    facts.vacancy_confirm(actor=api.admin, setting=api.home, places=3, restriction="Boys")
    old = timezone.now() - dt.timedelta(days=10)
    Vacancy.objects.filter(setting=api.home).update(confirmed_at=old, confirmed_by=None)
    response = api.client.post(_url(api.home, "vacancy/confirm/"))
    assert response.status_code == 200
    vacancy = Vacancy.objects.get(setting=api.home)
    assert vacancy.confirmed_at > old + dt.timedelta(days=9)
    assert vacancy.confirmed_by == api.admin
    assert (vacancy.places, vacancy.restriction) == (3, "Boys")
    assert response.json()["state"] == "fresh"


def test_nothing_to_confirm_is_400(api):
    response = api.client.post(_url(api.home, "vacancy/confirm/"))
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_more_places_than_registered_is_400_on_places(api):
    response = api.client.put(_url(api.home, "vacancy/"), {"places": 5}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["places"]
    assert "4" in response.json()["places"][0]
    assert not Vacancy.objects.filter(setting=api.home).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "places"),
        ({"places": -1}, "places"),
        ({"places": 1, "available_from": "soon"}, "available_from"),
    ],
)
def test_vacancy_errors_are_field_level(api, body, field):
    response = api.client.put(_url(api.home, "vacancy/"), body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]


# Carer households --------------------------------------------------------------------------------


def test_households_crud_for_a_fostering_agency(api):
    url = _url(api.ifa, "households/")
    created = api.client.post(url, HOUSEHOLD, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["postcode_district"] == "LE15"
    household = CarerHousehold.objects.get(pk=body["id"], setting=api.ifa)
    assert household.history.latest().history_user == api.admin

    assert [h["reference"] for h in api.client.get(url).json()] == ["H-014"]
    detail = f"{url}{household.pk}/"
    assert api.client.get(detail).json()["languages"] == ["Polish"]

    patched = api.client.patch(detail, {"places_now": 0}, format="json")
    assert patched.status_code == 200
    household.refresh_from_db()
    assert (household.places_now, household.max_age) == (0, 12)

    replaced = api.client.put(
        detail, {"reference": "H-015", "postcode_district": "LE15"}, format="json"
    )
    assert replaced.status_code == 200
    household.refresh_from_db()
    assert (household.reference, household.max_age, household.needs) == ("H-015", 17, [])

    assert api.client.delete(detail).status_code == 204
    assert not CarerHousehold.objects.filter(pk=household.pk).exists()
    assert household.history.filter(history_type="-").get().history_user == api.admin


@pytest.mark.parametrize("method", ["get", "post"])
def test_households_are_400_for_a_childrens_home(api, method):
    response = getattr(api.client, method)(_url(api.home, "households/"), HOUSEHOLD, format="json")
    assert response.status_code == 400
    assert "fostering agenc" in response.json()["non_field_errors"][0]
    assert not CarerHousehold.objects.filter(setting=api.home).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"postcode_district": "ZZ9"}, "postcode_district"),  # well formed, not a district
        ({"postcode_district": "LE15 6AB"}, "postcode_district"),  # a whole postcode
        ({"min_age": 12, "max_age": 5}, "max_age"),
        ({"needs": ["knitting"]}, "needs"),
        ({"reference": ""}, "reference"),
    ],
)
def test_household_errors_are_field_level(api, change, field):
    response = api.client.post(_url(api.ifa, "households/"), {**HOUSEHOLD, **change}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not api.ifa.households.exists()


def test_a_district_that_is_not_real_is_named_in_the_error(api):
    response = api.client.post(
        _url(api.ifa, "households/"), {**HOUSEHOLD, "postcode_district": "zz9"}, format="json"
    )
    assert response.json() == {"postcode_district": ["ZZ9 is not an English postcode district"]}


def test_a_household_reference_is_unique_within_the_setting(api):
    url = _url(api.ifa, "households/")
    api.client.post(url, HOUSEHOLD, format="json")
    response = api.client.post(url, {**HOUSEHOLD, "reference": "h-014"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["reference"]
    # Another agency may use the same reference.
    assert api.other.households.filter(reference="X-1").exists()
    assert api.client.post(url, {**HOUSEHOLD, "reference": "X-1"}, format="json").status_code == 201


# Rate limiting -----------------------------------------------------------------------------------


def test_each_key_is_throttled_after_its_limit(api, world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_token": "3/minute"},
    }
    cache.clear()
    for _ in range(3):
        assert api.client.get("/api/v1/settings/").status_code == 200
    # Normally the 4th request is refused. Other test runs share this Redis and empty it between
    # their tests, which restarts the count; so allow a few more before the refusal.
    for _ in range(10):
        response = api.client.get("/api/v1/settings/")
        if response.status_code != 200:
            break
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "detail" in response.json()

    # Another key has its own budget.
    _, other_key = facts.api_token_create(
        actor=world.user("provider_a2", Role.PROVIDER_ADMIN), name="Theirs"
    )
    assert _client(other_key).get("/api/v1/settings/").status_code == 200


# Schema and documentation ------------------------------------------------------------------------


def test_the_schema_is_valid_openapi_with_every_path(db):
    response = _client().get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    validate_schema(schema)
    assert {
        "/api/v1/settings/",
        "/api/v1/settings/{urn}/",
        "/api/v1/settings/{urn}/eligibility/",
        "/api/v1/settings/{urn}/vacancy/",
        "/api/v1/settings/{urn}/vacancy/confirm/",
        "/api/v1/settings/{urn}/households/",
        "/api/v1/settings/{urn}/households/{id}/",
    } <= set(schema["paths"])
    scheme = schema["components"]["securitySchemes"]["ApiToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert set(schema["paths"]["/api/v1/settings/{urn}/eligibility/"]) == {"get", "put", "patch"}
    components = schema["components"]["schemas"]
    field = components["Setting"]["properties"]["ssda903_placement_types"]
    assert field["type"] == "array" and field["readOnly"] is True
    assert field["items"]["$ref"] == "#/components/schemas/Ssda903Code"
    assert set(components["Ssda903Code"]["properties"]) == {"code", "label"}


def test_the_docs_page_uses_only_local_assets(db):
    client = _client()
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui-bundle.js" in asset for asset in assets)
    assert not re.search(r"https?://", html), "the docs page must not load anything remote"
    for asset in assets:
        # Static files, and the page's own start-up script (served apart, for the CSP).
        assert asset.startswith("/static/") or asset == "/api/docs/?script=", asset
        served = client.get(asset)
        assert served.status_code == 200, asset
    assert "<script>" not in html, "no inline script: the Content-Security-Policy refuses it"


# Found by `make fuzz` (schemathesis): each was a 500 ------------------------------------------


@pytest.mark.parametrize("tail", ["eligibility/", "vacancy/"])
def test_options_describes_your_own_settings_form_and_hides_anothers(api, tail):
    """DRF answers OPTIONS by asking the view for its object: the key's own setting, or not
    found, which DRF turns into a description without the form, as for a URN that does not
    exist (it was an AssertionError: the views had no queryset)."""
    own = api.client.options(_url(api.home, tail))
    assert own.status_code == 200
    assert "PUT" in own.json()["actions"]
    for url in (_url(api.other, tail), f"/api/v1/settings/SC999999/{tail}"):
        theirs = api.client.options(url)
        assert theirs.status_code == 200 and "actions" not in theirs.json()


def test_a_framework_id_that_is_not_a_number_is_not_found(world, client):
    client.force_login(world.user("la_a1", Role.PLACEMENT_OFFICER))
    for bad in ("null", "1e3", "-1"):
        assert client.get(f"/api/v1/frameworks/{bad}/").status_code == 404


def test_every_provider_operation_documents_the_403_a_local_authoritys_key_gets(api):
    # Found by `make fuzz`: an officer's key is a 403 on the providers' endpoints, which the
    # schema did not say.
    la = OrganisationFactory(region=api.admin.organisation.regions.first(), local_authority=True)
    officer = UserFactory(organisation=la, role=Role.PLACEMENT_OFFICER)
    _, key = facts.api_token_create(actor=officer, name="Case system")
    assert _client(key).get("/api/v1/settings/").status_code == 403
    schema = json.loads(_client().get("/api/schema/?format=json").content)
    provider_paths = {p: ops for p, ops in schema["paths"].items() if "/settings/" in p}
    assert len(provider_paths) >= 6
    for path, operations in provider_paths.items():
        for method, operation in operations.items():
            assert "403" in operation["responses"], f"{method.upper()} {path}"
