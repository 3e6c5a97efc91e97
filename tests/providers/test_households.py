"""An IFA's anonymous carer households: who may see the pages, adding, changing, removing,
and the errors the form and the service give. Real PostGIS; the district check reads geo.Postcode.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from accounts.models import Role
from geo.models import Postcode
from providers.household_forms import HouseholdForm
from providers.models import CarerHousehold, ProvisionType
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db

FORM_FIELDS = [
    "reference",
    "postcode_district",
    "min_age",
    "max_age",
    "needs",
    "languages",
    "places_now",
]
GOOD = {
    "reference": "H-014",
    "postcode_district": "le15",
    "min_age": "5",
    "max_age": "12",
    "needs": ["autism", "learning_disability"],
    "languages": " Polish, British Sign Language ,, polish",
    "places_now": "2",
}


@pytest.fixture
def rutland(db):
    """One real English postcode, so that district LE15 exists."""
    return Postcode.objects.create(
        postcode="LE15 6AB",
        point=Point(-0.73, 52.67, srid=4326),
        ltla_code="E06000017",
        utla_code="E06000017",
    )


@pytest.fixture
def agency(world, rutland):
    return SettingFactory(urn="SC900001", provider_organisation=world.provider_a1)


@pytest.fixture
def provider_user(world):
    return world.user("provider_a1", Role.PROVIDER_USER)


def household_for(agency, **values) -> CarerHousehold:
    defaults = {"reference": "H-001", "postcode_district": "LE15", "min_age": 0, "max_age": 17}
    return CarerHousehold.objects.create(setting=agency, **(defaults | values))


def urls(setting, household=None) -> list[str]:
    pk = household.pk if household else 1
    return [
        reverse("providers:household_list", args=[setting.urn]),
        reverse("providers:household_add", args=[setting.urn]),
        reverse("providers:household_change", args=[setting.urn, pk]),
        reverse("providers:household_remove", args=[setting.urn, pk]),
    ]


def field_error(html: str, field: str) -> str:
    """The text of a field's inline error message (crispy-forms-gds markup)."""
    found = re.search(
        rf'id="id_{field}_1_error" class="govuk-error-message">\s*'
        r'<span class="govuk-visually-hidden">Error:</span>\s*(.*?)\s*</span>',
        html,
        re.S,
    )
    assert found, f"no error on {field}"
    return found.group(1)


def summary(html: str) -> str:
    found = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    assert found, "no error summary"
    return found.group(0)


# Adding, changing, removing ---------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.PROVIDER_USER, Role.PROVIDER_ADMIN])
def test_provider_adds_a_household_and_history_records_who(world, client, agency, role):
    user = world.user("provider_a1", role)
    client.force_login(user)
    response = client.post(reverse("providers:household_add", args=[agency.urn]), GOOD, follow=True)

    assert response.redirect_chain[-1][0] == reverse("providers:household_list", args=[agency.urn])
    household = CarerHousehold.objects.get()
    assert (household.setting, household.reference, household.postcode_district) == (
        agency,
        "H-014",
        "LE15",
    )
    assert (household.min_age, household.max_age, household.places_now) == (5, 12, 2)
    assert household.needs == ["autism", "learning_disability"]
    assert household.languages == ["Polish", "British Sign Language"]
    record = household.history.get()
    assert (record.history_type, record.history_user) == ("+", user)

    html = response.content.decode()
    assert "Household H-014 added." in html
    assert "Autism, Learning disability" in html
    assert "Polish, British Sign Language" in html
    assert "5–12" in html
    assert re.search(r'id="household-count">1<', html)
    assert re.search(r'id="places-now">2<', html)


def test_provider_changes_then_removes_a_household(client, agency, provider_user):
    household = household_for(agency, languages=["Urdu", "Punjabi"], places_now=1)
    client.force_login(provider_user)
    change = reverse("providers:household_change", args=[agency.urn, household.pk])

    form = client.get(change)
    assert form.status_code == 200
    assert form.context["form"].initial["languages"] == "Urdu, Punjabi"
    assert 'value="Urdu, Punjabi"' in form.content.decode()

    data = GOOD | {"reference": "H-001", "places_now": "0", "needs": []}
    response = client.post(change, data, follow=True)
    assert "Household H-001 changed." in response.content.decode()
    household.refresh_from_db()
    assert (household.places_now, household.needs) == (0, [])
    assert household.history.latest().history_user == provider_user

    remove = reverse("providers:household_remove", args=[agency.urn, household.pk])
    assert 'href="' + remove + '"' in client.get(change).content.decode()
    confirm = client.get(remove)
    assert "Remove household H-001?" in confirm.content.decode()
    assert CarerHousehold.objects.filter(pk=household.pk).exists()  # a GET removes nothing

    done = client.post(remove, follow=True)
    assert "Household H-001 removed." in done.content.decode()
    assert not CarerHousehold.objects.filter(pk=household.pk).exists()
    deleted = CarerHousehold.history.filter(id=household.pk, history_type="-").get()
    assert deleted.history_user == provider_user


def test_the_list_totals_households_and_places(client, agency, provider_user):
    household_for(agency, reference="H-002", places_now=2)
    household_for(agency, reference="H-001", places_now=1, needs=["mental_health"])
    other = SettingFactory(provider_organisation=agency.provider_organisation)
    household_for(other, reference="H-999", places_now=3)
    client.force_login(provider_user)

    html = client.get(reverse("providers:household_list", args=[agency.urn])).content.decode()
    assert re.search(r'id="household-count">2<', html)
    assert re.search(r'id="places-now">3<', html)
    assert html.index("H-001") < html.index("H-002")
    assert "H-999" not in html
    assert "Mental health" in html
    assert "never use a carer" in html.lower() or "do not use a carer" in html.lower()
    assert reverse("providers:household_add", args=[agency.urn]) in html


# Errors: shown in the summary and on the field; nothing half-saved --------------------------------


def test_unknown_district_is_a_field_error_and_nothing_is_saved(client, agency, provider_user):
    client.force_login(provider_user)
    response = client.post(
        reverse("providers:household_add", args=[agency.urn]), GOOD | {"postcode_district": "zz9"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert field_error(html, "postcode_district") == "ZZ9 is not an English postcode district"
    assert "ZZ9 is not an English postcode district" in summary(html)
    assert 'href="#id_postcode_district"' in summary(html)
    assert "<title>Error:" in html
    assert not CarerHousehold.objects.exists()
    assert not CarerHousehold.history.exists()


def test_ages_the_wrong_way_round_are_refused(client, agency, provider_user):
    client.force_login(provider_user)
    response = client.post(
        reverse("providers:household_add", args=[agency.urn]),
        GOOD | {"min_age": "14", "max_age": "9"},
    )
    html = response.content.decode()
    message = "The oldest age must be the same as or more than the youngest"
    assert field_error(html, "max_age") == message
    assert message in summary(html)
    assert not CarerHousehold.objects.exists()


def test_a_duplicate_reference_is_a_field_error(client, agency, provider_user):
    existing = household_for(agency, reference="H-014", places_now=1)
    client.force_login(provider_user)

    response = client.post(reverse("providers:household_add", args=[agency.urn]), GOOD)
    html = response.content.decode()
    assert "already have a household with the reference H-014" in field_error(html, "reference")
    assert "already have a household with the reference H-014" in summary(html)
    assert CarerHousehold.objects.count() == 1
    assert CarerHousehold.history.count() == 1  # only the existing one's creation

    # Renaming another household to a reference in use is refused the same way, unchanged.
    other = household_for(agency, reference="H-020")
    change = reverse("providers:household_change", args=[agency.urn, other.pk])
    response = client.post(change, GOOD | {"places_now": "3"})
    html = response.content.decode()
    assert "already have a household" in field_error(html, "reference")
    assert "Change household H-020" in html  # the heading keeps the saved reference
    other.refresh_from_db()
    existing.refresh_from_db()
    assert (other.reference, other.places_now, existing.places_now) == ("H-020", 0, 1)


def test_another_agency_may_use_the_same_reference(world, client, agency, provider_user):
    household_for(SettingFactory(provider_organisation=world.provider_a2), reference="H-014")
    client.force_login(provider_user)
    client.post(reverse("providers:household_add", args=[agency.urn]), GOOD)
    assert CarerHousehold.objects.filter(setting=agency, reference="H-014").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reference", "carer@example.org", "letters, numbers, hyphens and spaces"),
        ("reference", "07700 900123", "looks like a phone number"),
        ("reference", "A" * 21, "20 characters or fewer"),
        ("reference", "", "Enter your reference"),
        ("postcode_district", "LE15 6AB", "not the full postcode"),
        ("postcode_district", "LE", "Enter a postcode district"),
        ("min_age", "five", "whole number"),
        ("max_age", "30", "25 or less"),
        ("places_now", "-1", "0 or more"),
        ("languages", "Polish; 0771234", "letters, spaces"),
        ("needs", ["flying"], "Select a valid choice"),
    ],
)
def test_the_form_refuses(client, agency, provider_user, field, value, message):
    client.force_login(provider_user)
    response = client.post(
        reverse("providers:household_add", args=[agency.urn]), GOOD | {field: value}
    )
    assert response.status_code == 200
    assert message in summary(response.content.decode())
    assert not CarerHousehold.objects.exists()


# Privacy: nothing but a reference and a district ------------------------------------------------


def test_the_form_and_the_model_hold_nothing_that_identifies_a_carer(client, agency, provider_user):
    assert list(HouseholdForm().fields) == FORM_FIELDS
    assert {f.name for f in CarerHousehold._meta.concrete_fields} == {
        "id",
        "created_at",
        "updated_at",
        "setting",
        *FORM_FIELDS,
    }
    client.force_login(provider_user)
    html = client.get(reverse("providers:household_add", args=[agency.urn])).content.decode()
    names = set(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', html))
    assert names == set(FORM_FIELDS) | {"csrfmiddlewaretoken", "submit"}


# Who may use the pages ---------------------------------------------------------------------------


def test_signed_out_people_are_sent_to_sign_in(client, agency):
    for url in urls(agency, household_for(agency)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert (
        client.post(reverse("providers:household_add", args=[agency.urn]), GOOD).status_code == 302
    )
    assert CarerHousehold.objects.count() == 1


@pytest.mark.parametrize(
    ("org", "role"),
    [
        ("hub_a", Role.HUB_ADMIN),
        ("la_a1", Role.LA_MANAGER),
        ("la_a1", Role.PLACEMENT_OFFICER),
    ],
)
def test_roles_that_never_edit_get_403_whatever_the_urn(world, client, agency, org, role):
    household = household_for(agency)
    client.force_login(world.user(org, role))
    for url in urls(agency, household) + urls(SettingFactory(urn="SC900999")):
        assert client.get(url).status_code == 403, url
    remove = reverse("providers:household_remove", args=[agency.urn, household.pk])
    assert client.post(remove).status_code == 403
    assert (
        client.post(reverse("providers:household_add", args=[agency.urn]), GOOD).status_code == 403
    )
    assert CarerHousehold.objects.count() == 1


@pytest.mark.parametrize(
    ("org", "role"),
    [
        ("provider_a2", Role.PROVIDER_USER),
        ("provider_a2", Role.PROVIDER_ADMIN),
        ("provider_b1", Role.PROVIDER_USER),
    ],
)
def test_another_providers_users_get_404(world, client, agency, org, role):
    household = household_for(agency)
    client.force_login(world.user(org, role))
    for url in urls(agency, household):
        assert client.get(url).status_code == 404, url
    remove = reverse("providers:household_remove", args=[agency.urn, household.pk])
    assert client.post(remove).status_code == 404
    change = reverse("providers:household_change", args=[agency.urn, household.pk])
    assert client.post(change, GOOD).status_code == 404
    assert (
        client.post(reverse("providers:household_add", args=[agency.urn]), GOOD).status_code == 404
    )
    household.refresh_from_db()
    assert household.reference == "H-001"
    assert CarerHousehold.objects.count() == 1


def test_unknown_urn_looks_like_someone_elses(client, agency, provider_user):
    client.force_login(provider_user)
    for url in urls(SettingFactory.build(urn="SC900998")):
        assert client.get(url).status_code == 404


def test_an_unclaimed_agency_is_nobodys(client, rutland, provider_user):
    unclaimed = SettingFactory(provider_organisation=None)
    client.force_login(provider_user)
    assert client.get(reverse("providers:household_list", args=[unclaimed.urn])).status_code == 404


def test_own_settings_that_are_not_fostering_agencies_get_404(world, client, provider_user):
    home = SettingFactory(childrens_home=True, provider_organisation=world.provider_a1)
    assert home.provision_type == ProvisionType.CHILDRENS_HOME
    household = household_for(SettingFactory(provider_organisation=world.provider_a1))
    client.force_login(provider_user)
    for url in urls(home, household):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("providers:household_add", args=[home.urn]), GOOD).status_code == 404


def test_a_household_of_another_of_ones_agencies_is_not_found_under_this_urn(
    world, client, agency, provider_user
):
    sister = SettingFactory(provider_organisation=world.provider_a1)
    theirs = household_for(sister)
    client.force_login(provider_user)
    assert (
        client.get(reverse("providers:household_change", args=[agency.urn, theirs.pk])).status_code
        == 404
    )
    remove = reverse("providers:household_remove", args=[agency.urn, theirs.pk])
    assert client.post(remove).status_code == 404
    assert CarerHousehold.objects.filter(pk=theirs.pk).exists()
    # The same household under its own agency's URN works.
    ok = client.get(reverse("providers:household_change", args=[sister.urn, theirs.pk]))
    assert ok.status_code == 200


def test_a_lower_case_urn_finds_the_agency(client, agency, provider_user):
    client.force_login(provider_user)
    assert client.get(f"/providers/{agency.urn.lower()}/households/").status_code == 200
