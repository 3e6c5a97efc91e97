"""A vacancy's structured restrictions (sexes, ages, solo only, start from): the database's
constraints, the service's rules against the setting's criteria, the provider's page, the API
and what officers see."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from providers import facts
from providers.models import Eligibility, Setting, Vacancy
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2027, 1, 4, 10, 0))
TODAY = NOW.date()


@pytest.fixture
def home(world) -> Setting:
    """A children's home run by provider A1 whose criteria admit girls only, aged 11 to 17."""
    setting = SettingFactory(childrens_home=True, places=4, provider_organisation=world.provider_a1)
    Eligibility.objects.create(
        setting=setting, min_age=11, max_age=17, sexes=["female"], placement_kinds=["planned"]
    )
    return setting


@pytest.fixture
def admin(world):
    return world.user("provider_a1", Role.PROVIDER_ADMIN)


def _vacancy(setting: Setting, **values: Any) -> Vacancy:
    return Vacancy.objects.create(
        setting=setting, **{"places": 1, "confirmed_at": timezone.now(), **values}
    )


# --- The database refuses what makes no sense -------------------------------------------------


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"min_age": 16, "max_age": 13}, "vacancy_age_range"),
        ({"max_age": 26}, "vacancy_max_age"),
        ({"sexes": ["female", "other"]}, "vacancy_sexes_valid"),
        ({"places": 0, "sexes": ["male"]}, "vacancy_restrictions_need_places"),
        ({"places": 0, "solo_only": True}, "vacancy_restrictions_need_places"),
        ({"places": 0, "min_age": 12}, "vacancy_restrictions_need_places"),
    ],
)
def test_the_database_refuses_a_restriction_that_makes_no_sense(world, values, constraint):
    setting = SettingFactory(childrens_home=True)
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        _vacancy(setting, **values)


def test_a_vacancy_without_structured_restrictions_keeps_its_free_text(world):
    """What the migration leaves an existing row as: its words, and no structured restriction."""
    vacancy = _vacancy(SettingFactory(childrens_home=True), restriction="Girls 13 to 16 only")
    vacancy.refresh_from_db()
    assert (vacancy.sexes, vacancy.min_age, vacancy.max_age, vacancy.solo_only) == (
        [],
        None,
        None,
        False,
    )
    assert vacancy.restrictions == ["Girls 13 to 16 only"]


# --- The service: restrictions narrow the criteria, never contradict them -----------------------

# (restrictions, the field refused, its message; None: accepted). The criteria: girls, 11 to 17.
VALIDATION: list[tuple[dict[str, Any], str | None, str]] = [
    ({}, None, ""),
    ({"sexes": ["female"]}, None, ""),
    (
        {"sexes": ["male"]},
        "sexes",
        "This setting's criteria admit only girls; a vacancy cannot be for boys",
    ),
    (
        {"sexes": ["female", "male"]},
        "sexes",
        "This setting's criteria admit only girls; a vacancy cannot be for boys",
    ),
    ({"sexes": ["other"]}, "sexes", "Unknown sex: other"),
    ({"min_age": 13, "max_age": 16}, None, ""),
    ({"min_age": 11, "max_age": 11}, None, ""),
    ({"min_age": 14}, None, ""),
    ({"max_age": 15}, None, ""),
    (
        {"min_age": 8, "max_age": 12},
        "min_age",
        "This setting's criteria admit ages 11 to 17; a vacancy cannot be for a child aged 8",
    ),
    (
        {"max_age": 18},
        "max_age",
        "This setting's criteria admit ages 11 to 17; a vacancy cannot be for a child aged 18",
    ),
    (
        {"min_age": 16, "max_age": 13},
        "max_age",
        "The oldest age must be the same as or more than the youngest",
    ),
    ({"max_age": 30}, "max_age", "Enter an age from 0 to 25"),
    ({"solo_only": True}, None, ""),
]


@pytest.mark.parametrize(("restrictions", "field", "message"), VALIDATION)
def test_a_restriction_that_contradicts_the_criteria_is_refused_on_its_field(
    home, admin, restrictions, field, message
):
    if field is None:
        vacancy = facts.vacancy_confirm(actor=admin, setting=home, places=1, **restrictions)
        vacancy.refresh_from_db()
        for name, value in restrictions.items():
            assert getattr(vacancy, name) == value
        return
    with pytest.raises(facts.ValidationError) as caught:
        facts.vacancy_confirm(actor=admin, setting=home, places=1, **restrictions)
    assert caught.value.message_dict == {field: [message]}
    assert not Vacancy.objects.filter(setting=home).exists()


def test_without_stated_criteria_only_the_restrictions_own_sense_is_checked(world, admin):
    setting = SettingFactory(childrens_home=True, places=4, provider_organisation=world.provider_a1)
    vacancy = facts.vacancy_confirm(
        actor=admin, setting=setting, places=1, sexes=["male"], min_age=5, max_age=9
    )
    assert (vacancy.sexes, vacancy.min_age, vacancy.max_age) == (["male"], 5, 9)


def test_no_places_means_no_restrictions(home, admin):
    facts.vacancy_confirm(actor=admin, setting=home, places=1, sexes=["female"], solo_only=True)
    withdrawn = facts.vacancy_confirm(
        actor=admin, setting=home, places=0, sexes=["male"], min_age=2, solo_only=True
    )
    assert (withdrawn.sexes, withdrawn.min_age, withdrawn.solo_only) == ([], None, False)


@pytest.mark.parametrize(
    ("available_from", "stored"),
    [
        (TODAY + dt.timedelta(days=8), TODAY + dt.timedelta(days=8)),
        (TODAY, None),
        (TODAY - dt.timedelta(days=3), None),
        (None, None),
    ],
    ids=["later", "today is now", "past is now", "now"],
)
def test_a_start_date_in_the_past_is_kept_only_as_now(home, admin, available_from, stored):
    vacancy = facts.vacancy_confirm(
        actor=admin, setting=home, places=1, available_from=available_from, now=NOW
    )
    assert vacancy.available_from == stored


def test_still_accurate_keeps_every_restriction(home, admin):
    facts.vacancy_confirm(
        actor=admin,
        setting=home,
        places=2,
        sexes=["female"],
        min_age=13,
        max_age=16,
        solo_only=True,
        restriction="An introductory visit first",
    )
    vacancy = Vacancy.objects.get(setting=home)
    again = facts.vacancy_confirm(actor=admin, setting=home, **facts.vacancy_statement(vacancy))
    assert (again.sexes, again.min_age, again.max_age, again.solo_only, again.restriction) == (
        ["female"],
        13,
        16,
        True,
        "An introductory visit first",
    )


def test_criteria_that_would_contradict_the_vacancy_are_refused(home, admin):
    facts.vacancy_confirm(actor=admin, setting=home, places=1, sexes=["female"], min_age=13)
    with pytest.raises(facts.ValidationError) as caught:
        facts.eligibility_update(actor=admin, setting=home, sexes=["male"], min_age=14)
    assert set(caught.value.message_dict) == {"sexes", "min_age"}
    assert caught.value.message_dict["sexes"] == [
        "Your vacancy is restricted (for girls only; aged 13 or over), which these criteria "
        "would not admit: change the vacancy first"
    ]
    assert Eligibility.objects.get(setting=home).sexes == ["female"]


@pytest.mark.parametrize(
    ("restrictions", "words"),
    [
        ({}, []),
        ({"sexes": ["male"]}, ["For boys only"]),
        ({"sexes": ["male", "female"]}, []),
        ({"min_age": 13, "max_age": 16}, ["Ages 13 to 16"]),
        ({"min_age": 15, "max_age": 15}, ["Age 15"]),
        ({"min_age": 13}, ["Aged 13 or over"]),
        ({"max_age": 12}, ["Aged 12 or under"]),
        ({"solo_only": True}, ["The only child placed"]),
        (
            {"sexes": ["female"], "max_age": 16, "solo_only": True, "restriction": "No pets"},
            ["For girls only", "Aged 16 or under", "The only child placed", "No pets"],
        ),
    ],
)
def test_restrictions_in_words(world, restrictions, words):
    vacancy = _vacancy(SettingFactory(childrens_home=True), **restrictions)
    assert vacancy.restrictions == words
    assert facts.vacancy_view(vacancy).restrictions == words


# --- The provider's page ----------------------------------------------------------------------


def test_the_provider_page_saves_restrictions_and_shows_them(client, home, admin):
    client.force_login(admin)
    url = reverse("providers:setting_vacancy_edit", args=[home.urn])
    response = client.post(
        url,
        {
            "places": 1,
            "sexes": ["female"],
            "min_age": "13",
            "max_age": "16",
            "solo_only": "on",
            "restriction": "An introductory visit first",
        },
    )
    assert response.status_code == 302
    vacancy = Vacancy.objects.get(setting=home)
    assert (vacancy.sexes, vacancy.min_age, vacancy.max_age, vacancy.solo_only) == (
        ["female"],
        13,
        16,
        True,
    )
    page = client.get(reverse("providers:setting_manage", args=[home.urn])).content.decode()
    assert (
        "For girls only; Ages 13 to 16; The only child placed; An introductory visit first" in page
    )
    form = client.get(url).content.decode()
    assert 'name="min_age" value="13"' in form
    assert 'id="id_solo_only" checked' in form


def test_the_provider_page_shows_a_contradiction_on_its_field(client, home, admin):
    client.force_login(admin)
    response = client.post(
        reverse("providers:setting_vacancy_edit", args=[home.urn]), {"places": 1, "sexes": ["male"]}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "This setting&#x27;s criteria admit only girls; a vacancy cannot be for boys" in html
    assert 'href="#id_sexes' in html  # the error summary links to the field
    assert not Vacancy.objects.filter(setting=home).exists()


def test_still_accurate_after_the_criteria_narrowed_sends_the_provider_to_change_it(
    client, home, admin
):
    facts.vacancy_confirm(actor=admin, setting=home, places=1, sexes=["female"])
    # Criteria changed behind the service's back (an admin edit): the button says so, not a 500.
    Eligibility.objects.filter(setting=home).update(sexes=["male"])
    client.force_login(admin)
    response = client.post(reverse("providers:setting_vacancy_still_accurate", args=[home.urn]))
    assert response["Location"] == reverse("providers:setting_vacancy_edit", args=[home.urn])


def test_officers_see_the_restrictions_in_words_on_the_setting_page(world, client, home, admin):
    facts.vacancy_confirm(
        actor=admin, setting=home, places=1, sexes=["female"], min_age=13, max_age=16
    )
    client.force_login(world.user("la_a1", Role.PLACEMENT_OFFICER))
    page = client.get(reverse("providers:setting_detail", args=[home.urn])).content.decode()
    assert "Restrictions on this place: For girls only; Ages 13 to 16." in page


# --- The API ----------------------------------------------------------------------------------


@pytest.fixture
def api(admin) -> APIClient:
    _, key = facts.api_token_create(actor=admin, name="Our care system")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_the_api_puts_and_shows_restrictions(api, home):
    url = f"/api/v1/settings/{home.urn}/vacancy/"
    response = api.put(
        url,
        {"places": 1, "sexes": ["female"], "min_age": 13, "max_age": 16, "solo_only": True},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = api.get(url).json()
    assert {k: body[k] for k in ("sexes", "min_age", "max_age", "solo_only", "restrictions")} == {
        "sexes": ["female"],
        "min_age": 13,
        "max_age": 16,
        "solo_only": True,
        "restrictions": ["For girls only", "Ages 13 to 16", "The only child placed"],
    }
    confirmed = api.post(f"{url}confirm/")
    assert confirmed.status_code == 200
    assert confirmed.json()["restrictions"] == body["restrictions"]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"places": 1, "sexes": ["male"]},
            "sexes",
            "This setting's criteria admit only girls; a vacancy cannot be for boys",
        ),
        ({"places": 1, "sexes": ["other"]}, "sexes", None),
        (
            {"places": 1, "min_age": 9},
            "min_age",
            "This setting's criteria admit ages 11 to 17; a vacancy cannot be for a child aged 9",
        ),
        ({"places": 1, "max_age": 40}, "max_age", None),
        (
            {"places": 1, "min_age": 16, "max_age": 13},
            "max_age",
            "The oldest age must be the same as or more than the youngest",
        ),
        ({"places": 1, "solo_only": "perhaps"}, "solo_only", None),
    ],
)
def test_api_restriction_errors_are_field_level(api, home, body, field, message):
    response = api.put(f"/api/v1/settings/{home.urn}/vacancy/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    if message is not None:
        assert response.json()[field] == [message]
    assert not Vacancy.objects.filter(setting=home).exists()


# --- The migration keeps existing vacancies ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_existing_vacancies_and_their_words():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("providers", "0004_setting_provider_since_and_claim_transfer")]
    after = [("providers", "0005_vacancy_structured_restrictions")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        setting = old.get_model("providers", "Setting").objects.create(
            urn="SC999001", provision_type="childrens_home"
        )
        old.get_model("providers", "Vacancy").objects.create(
            setting=setting, places=1, restriction="Boys only for this place", confirmed_at=NOW
        )
    finally:
        executor = MigrationExecutor(connection)  # reads what is applied now
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert after[0] in MigrationExecutor(connection).loader.applied_migrations

    vacancy = Vacancy.objects.get(setting__urn="SC999001")
    assert vacancy.restriction == "Boys only for this place"
    assert (vacancy.sexes, vacancy.min_age, vacancy.max_age, vacancy.solo_only) == (
        [],
        None,
        None,
        False,
    )
    assert vacancy.restrictions == ["Boys only for this place"]
