"""The provider directory: filters, paging, who may see it, and what it must never show."""

from __future__ import annotations

import io
import json

import factory
import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from providers.models import Judgement, ProvisionType, Setting, SettingEvent
from providers.selectors import setting_list
from tests.brokerage.test_permission_matrix import ACTOR_ORG, ALL_ROLES
from tests.factories import AreaFactory
from tests.providers.factories import SettingEventFactory, SettingFactory

pytestmark = pytest.mark.django_db

LIST = reverse("providers:setting_list")
EXPORT = reverse("providers:setting_export")
SECRET_ADDRESS = "12 Hidden Lane"
SECRET_POSTCODE = "NG7 2RD"
SECRET_POINT = (-1.23456, 52.98765)


@pytest.fixture
def officer(world):
    return world.user(ACTOR_ORG[Role.PLACEMENT_OFFICER], Role.PLACEMENT_OFFICER)


@pytest.fixture
def signed_in(client, officer):
    client.force_login(officer)
    return client


@pytest.fixture
def directory(db):
    """Five settings that differ in every filtered attribute."""
    north = AreaFactory(gss_code="E06000901", name="Northshire")
    south = AreaFactory(gss_code="E06000902", name="Southshire")
    return {
        "fostering": SettingFactory(
            urn="SC200001",
            name="Alpha Fostering",
            provision_type=ProvisionType.INDEPENDENT_FOSTERING_AGENCY,
            owner_name="Acme Care Ltd",
            local_authority=north,
            ofsted_region="East Midlands",
            sector="Private",
            places=10,
            overall_effectiveness=Judgement.OUTSTANDING,
            help_and_protection=Judgement.OUTSTANDING,
            leadership_and_management=Judgement.GOOD,
            address_line_1="1 Public Street",
            postcode="LE1 1AA",
            location=Point(-1.13, 52.63, srid=4326),
        ),
        "home": SettingFactory(
            childrens_home=True,
            urn="SC200002",
            owner_name="Acme Care Ltd",
            local_authority=south,
            ofsted_region="West Midlands",
            sector="Local Authority",
            places=4,
            overall_effectiveness=Judgement.REQUIRES_IMPROVEMENT,
            help_and_protection=Judgement.GOOD,
            leadership_and_management=Judgement.REQUIRES_IMPROVEMENT,
            address_line_1=SECRET_ADDRESS,
            town="Hiddenton",
            postcode=SECRET_POSTCODE,
            location=Point(*SECRET_POINT, srid=4326),
        ),
        "supported": SettingFactory(
            urn="SC200003",
            name="Beta Supported Living",
            provision_type=ProvisionType.SUPPORTED_ACCOMMODATION,
            suspended=True,
            owner_name="Other Org",
            local_authority=north,
            sector="Voluntary",
            places=20,
            overall_effectiveness=Judgement.INADEQUATE,
            help_and_protection=Judgement.INADEQUATE,
            leadership_and_management=Judgement.INADEQUATE,
        ),
        "adoption": SettingFactory(
            urn="SC200004",
            name="Gamma Adoption",
            provision_type=ProvisionType.VOLUNTARY_ADOPTION_AGENCY,
            closed=True,
            owner_name="Acme Care Ltd",
            local_authority=north,
            places=None,
            latest_inspection_date=None,
            overall_effectiveness="",
            help_and_protection="",
            leadership_and_management="",
        ),
        "school": SettingFactory(
            urn="2000005",
            name="Delta School",
            provision_type=ProvisionType.RESIDENTIAL_SPECIAL_SCHOOL,
            owner_name="Delta Trust",
            local_authority=south,
            places=30,
            overall_effectiveness=Judgement.GOOD,
            help_and_protection=Judgement.GOOD,
            leadership_and_management=Judgement.GOOD,
        ),
    }


def urns(response) -> set[str]:
    assert response.status_code == 200
    return {setting.urn for setting in response.context["settings"]}


OPEN = {"SC200001", "SC200002", "SC200003", "2000005"}

FILTER_CASES = [
    ("", OPEN),
    ("status=closed", {"SC200004"}),
    ("status=active&status=closed", {"SC200001", "SC200002", "SC200004", "2000005"}),
    ("status=suspended", {"SC200003"}),
    (
        "provision_type=childrens_home&provision_type=independent_fostering_agency",
        {"SC200001", "SC200002"},
    ),
    ("provision_type=residential_special_school", {"2000005"}),
    ("ofsted_region=West+Midlands", {"SC200002"}),
    ("local_authority=E06000902", {"SC200002", "2000005"}),
    ("sector=Voluntary", {"SC200003"}),
    ("overall_effectiveness=outstanding", {"SC200001"}),
    (
        "overall_effectiveness=requires_improvement&overall_effectiveness=inadequate",
        {"SC200002", "SC200003"},
    ),
    ("overall_effectiveness=none&status=closed", {"SC200004"}),
    ("help_and_protection=good", {"SC200002", "2000005"}),
    ("leadership_and_management=good", {"SC200001", "2000005"}),
    ("leadership_and_management=inadequate", {"SC200003"}),
    ("places_min=10", {"SC200001", "SC200003", "2000005"}),
    ("places_max=10", {"SC200001", "SC200002"}),
    ("places_min=5&places_max=25", {"SC200001", "SC200003"}),
    ("q=alpha", {"SC200001"}),
    ("q=sc200003", {"SC200003"}),
    ("q=2000005", {"2000005"}),
    ("q=acme+care", {"SC200001", "SC200002"}),
    ("q=acme&status=closed", {"SC200004"}),
    ("provision_type=childrens_home&overall_effectiveness=outstanding", set()),
]


@pytest.mark.parametrize(("query", "expected"), FILTER_CASES)
def test_each_filter_narrows_to_exactly_the_right_settings(signed_in, directory, query, expected):
    assert urns(signed_in.get(f"{LIST}?{query}")) == expected


@pytest.mark.parametrize(("query", "expected"), FILTER_CASES)
def test_the_selector_applies_the_same_filters(directory, query, expected):
    from django.http import QueryDict

    assert {s.urn for s in setting_list(filters=QueryDict(query))} == expected


def test_selector_takes_a_plain_dict(directory):
    found = setting_list(filters={"provision_type": ["childrens_home"], "status": "active"})
    assert [s.urn for s in found] == ["SC200002"]


def test_closed_settings_are_hidden_unless_asked_for(signed_in, directory):
    response = signed_in.get(LIST)
    assert "Gamma Adoption" not in response.content.decode()
    form = response.context["form"]
    assert sorted(form["status"].value()) == ["active", "suspended"]


def test_invalid_values_are_reported_and_ignored(signed_in, directory):
    response = signed_in.get(f"{LIST}?places_min=lots")
    assert urns(response) == OPEN
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Places must be a whole number" in html
    assert "<title>Error: " in html


def test_choices_come_from_the_settings_there_are(signed_in, directory):
    AreaFactory(gss_code="E06000903", name="Emptyshire")
    form = signed_in.get(LIST).context["form"]
    las = [label for value, label in form.fields["local_authority"].choices if value]
    assert las == ["Northshire", "Southshire"]
    regions = [value for value, _ in form.fields["ofsted_region"].choices if value]
    assert regions == ["East Midlands", "West Midlands"]
    sectors = [value for value, _ in form.fields["sector"].choices if value]
    assert sectors == ["Local Authority", "Private", "Voluntary"]


def test_sorted_by_name_with_redacted_names_last(signed_in, directory):
    SettingFactory(urn="SC200010", name="aardvark lodge")
    response = signed_in.get(LIST)
    names = [s.display_name for s in response.context["settings"]]
    assert names == [
        "aardvark lodge",
        "Alpha Fostering",
        "Beta Supported Living",
        "Delta School",
        "Children's home SC200002",
    ]


def test_list_shows_columns_and_judgement_tags(signed_in, directory):
    html = signed_in.get(LIST).content.decode()
    assert "Children&#x27;s home SC200002" in html
    assert "Northshire" in html
    assert 'govuk-tag govuk-tag--green">Outstanding' in html
    assert 'govuk-tag govuk-tag--red">Inadequate' in html
    assert 'govuk-tag govuk-tag--orange">Suspended' in html
    assert reverse("providers:setting_detail", args=["SC200001"]) in html


# Paging and counting ---------------------------------------------------------------------------


@pytest.fixture
def many(db):
    Setting.objects.bulk_create(SettingFactory.build_batch(1_050))


def test_count_and_pages(signed_in, many):
    response = signed_in.get(LIST)
    html = response.content.decode()
    assert "1,050 settings" in html
    assert "Download these 1,050 settings (.xlsx)" in html
    assert len(response.context["settings"]) == 50
    assert response.context["page"].paginator.num_pages == 21
    assert 'aria-label="Page 21"' in html
    assert 'rel="next"' in html
    assert 'rel="prev"' not in html

    last = signed_in.get(f"{LIST}?page=21")
    assert len(last.context["settings"]) == 50
    assert 'aria-current="page"' in last.content.decode()
    assert signed_in.get(f"{LIST}?page=999").context["page"].number == 21


def test_paging_keeps_the_filters(signed_in, many):
    response = signed_in.get(f"{LIST}?sector=Private&page=2")
    pagination = response.context["pagination"]
    assert pagination["next"] == f"{LIST}?sector=Private&page=3"
    assert pagination["previous"] == f"{LIST}?sector=Private"
    # The download is of the whole filtered list, not of one page.
    assert f'href="{EXPORT}?sector=Private"' in response.content.decode()


def test_no_results(signed_in, directory):
    response = signed_in.get(f"{LIST}?q=no-such-thing")
    html = response.content.decode()
    assert "0 settings" in html
    assert "No settings match these filters" in html


def test_query_count_does_not_grow_with_the_rows(signed_in, django_assert_max_num_queries):
    area = AreaFactory()
    SettingFactory.create_batch(3, local_authority=area, located=True)
    with CaptureQueriesContext(connection) as few:
        assert signed_in.get(LIST).status_code == 200
    areas = [AreaFactory() for _ in range(3)]
    SettingFactory.create_batch(120, local_authority=factory.Iterator(areas), located=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = signed_in.get(LIST)
    assert len(response.context["settings"]) == 50
    assert len(response.context["map_points"]) == 123


def test_detail_query_count_does_not_grow_with_events_or_siblings(
    signed_in, django_assert_max_num_queries
):
    area = AreaFactory()
    setting = SettingFactory(owner_name="Big Group", local_authority=area)
    SettingEventFactory(setting=setting)
    SettingFactory(owner_name="Big Group", local_authority=area)
    url = reverse("providers:setting_detail", args=[setting.urn])
    with CaptureQueriesContext(connection) as few:
        assert signed_in.get(url).status_code == 200
    SettingEventFactory.create_batch(20, setting=setting)
    SettingFactory.create_batch(20, owner_name="Big Group", local_authority=AreaFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert signed_in.get(url).status_code == 200


# Who may see it --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize(
    "page", ["providers:setting_list", "providers:setting_detail", "providers:setting_export"]
)
def test_every_role_may_use_the_directory(world, client, directory, role, page):
    client.force_login(world.user(ACTOR_ORG[role], role))
    args = ["SC200002"] if page == "providers:setting_detail" else []
    assert client.get(reverse(page, args=args)).status_code == 200


@pytest.mark.parametrize(
    "page", ["providers:setting_list", "providers:setting_detail", "providers:setting_export"]
)
def test_signed_out_people_are_sent_to_sign_in(client, directory, page):
    args = ["SC200002"] if page == "providers:setting_detail" else []
    response = client.get(reverse(page, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ALL_ROLES)
def test_providers_is_in_everyones_navigation(world, client, role):
    client.force_login(world.user(ACTOR_ORG[role], role))
    items = client.get(reverse("brokerage:home")).context["navigation_items"]
    assert {"label": "Providers", "url": LIST, "section": "providers"} in items


def test_the_directory_is_the_current_section(signed_in, directory):
    active = '<strong class="govuk-service-navigation__active-fallback">Providers</strong>'
    for url in (LIST, reverse("providers:setting_detail", args=["SC200001"])):
        response = signed_in.get(url)
        assert response.context["section"] == "providers"
        assert active in response.content.decode()


# Private locations never leak -----------------------------------------------------------------


def _leaks(text: str) -> list[str]:
    return [
        secret
        for secret in (SECRET_ADDRESS, "Hiddenton", SECRET_POSTCODE, "1.23456", "52.98765")
        if secret in text
    ]


def test_list_and_map_never_show_a_private_location(signed_in, directory):
    response = signed_in.get(f"{LIST}?status=active&status=suspended&status=closed")
    html = response.content.decode()
    assert _leaks(html) == []
    points = response.context["map_points"]
    assert [p["urn"] for p in points] == ["SC200001"]
    embedded = json.loads(html.split('id="map-points" type="application/json">')[1].split("<")[0])
    assert embedded == points
    assert embedded[0]["lat"] == pytest.approx(52.63)
    assert embedded[0]["lng"] == pytest.approx(-1.13)
    assert "The map shows 1 of these settings" in html
    assert 'aria-label="Map of 1 setting"' in html


def test_a_private_setting_alone_gives_no_map(signed_in, directory):
    response = signed_in.get(f"{LIST}?provision_type=childrens_home")
    html = response.content.decode()
    assert response.context["map_points"] == []
    assert "None of these settings can be shown on a map" in html
    assert 'id="settings-map"' not in html
    assert 'id="map-points"' not in html
    assert _leaks(html) == []


def test_map_is_capped(signed_in, directory, monkeypatch):
    from providers import selectors

    SettingFactory.create_batch(4, located=True)
    monkeypatch.setattr(selectors, "MAP_POINTS_LIMIT", 3)
    response = signed_in.get(LIST)
    html = response.content.decode()
    assert len(response.context["map_points"]) == 3
    assert response.context["map_capped"]
    assert "The map shows the first 3 of the 5 settings" in html


def test_detail_of_a_private_setting_shows_only_the_district(signed_in, directory):
    html = signed_in.get(reverse("providers:setting_detail", args=["SC200002"])).content.decode()
    assert _leaks(html) == []
    assert "Southshire, postcode district NG7" in html
    assert "The address is withheld" in html


def test_detail_of_a_public_setting_shows_its_address(signed_in, directory):
    html = signed_in.get(reverse("providers:setting_detail", args=["SC200001"])).content.decode()
    assert "1 Public Street" in html
    assert "LE1 1AA" in html
    assert "withheld" not in html


def test_export_never_contains_a_private_address(signed_in, directory):
    response = signed_in.get(f"{EXPORT}?status=active&status=suspended&status=closed")
    sheet = load_workbook(io.BytesIO(response.content)).active
    text = " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)
    assert _leaks(text) == []
    assert "1 Public Street" in text


# The setting page ------------------------------------------------------------------------------


def test_detail_shows_ofsted_facts_judgements_and_history(signed_in, directory):
    setting = directory["fostering"]
    SettingEventFactory(setting=setting)
    SettingEventFactory(
        setting=setting,
        kind=SettingEvent.Kind.PLACES_CHANGED,
        field="places",
        old_value="8",
        new_value="10",
    )
    response = signed_in.get(reverse("providers:setting_detail", args=[setting.urn]))
    html = response.content.decode()
    for text in (
        "Alpha Fostering",
        "SC200001",
        "Independent fostering agency",
        "Private",
        "Northshire",
        "East Midlands",
        "Acme Care Ltd",
        setting.registration_date.strftime("%-d %B %Y"),
        setting.latest_inspection_date.strftime("%-d %B %Y"),
        'govuk-tag--green">Outstanding',
        "https://reports.ofsted.gov.uk/provider/44/SC200001",
        "Judged Requires improvement to be good → Good (overall experiences and progress)",
        "Places 8 → 10",
    ):
        assert text in html, text
    assert html.index("Places 8") < html.index("Judged Requires")  # newest first


def test_detail_lists_the_owners_other_open_settings(signed_in, directory):
    response = signed_in.get(reverse("providers:setting_detail", args=["SC200001"]))
    others = [s.urn for s in response.context["owner"].settings]
    assert others == ["SC200002"]  # the closed adoption agency is left out
    html = response.content.decode()
    assert "Other settings run by Acme Care Ltd" in html
    assert reverse("providers:setting_detail", args=["SC200002"]) in html
    assert reverse("providers:setting_detail", args=["SC200004"]) not in html


def test_detail_lists_closed_settings_when_the_owner_has_no_other(signed_in, directory):
    response = signed_in.get(reverse("providers:setting_detail", args=["2000005"]))
    assert response.context["owner"].settings == []
    assert "Delta Trust runs no other setting" in response.content.decode()
    SettingFactory(urn="SC200020", name="Delta Old House", owner_name="Delta Trust", closed=True)
    response = signed_in.get(reverse("providers:setting_detail", args=["2000005"]))
    assert [s.urn for s in response.context["owner"].settings] == ["SC200020"]
    assert "runs no other open settings" in response.content.decode()


def test_unknown_urn_is_not_found(signed_in, directory):
    assert signed_in.get(reverse("providers:setting_detail", args=["SC999999"])).status_code == 404
    assert signed_in.get(f"{LIST}nonsense/").status_code == 404


def test_lower_case_urn_finds_the_setting(signed_in, directory):
    assert signed_in.get(f"{LIST}sc200001/").status_code == 200


def test_supported_accommodation_shows_its_own_outcome(signed_in, db):
    SettingFactory(
        urn="2000099",
        name="Harbour Lodgings",
        provision_type=ProvisionType.SUPPORTED_ACCOMMODATION,
        overall_effectiveness="",
        help_and_protection="",
        leadership_and_management="",
        supported_accommodation_outcome="consistently_strong",
    )
    tag = 'govuk-tag govuk-tag--green">Consistently strong service delivery'
    assert tag in signed_in.get(LIST).content.decode()
    detail = signed_in.get(reverse("providers:setting_detail", args=["2000099"])).content.decode()
    assert tag in detail
    assert "Overall effectiveness" not in detail


def test_a_local_authority_is_named_the_same_on_the_list_detail_and_export(signed_in, directory):
    """Matched to a boundary: its ONS name, not Ofsted's text; unmatched (a Welsh council): as
    Ofsted stated it, on every page and in the export."""
    matched = SettingFactory(
        urn="SC200020",
        name="Matched House",
        local_authority=AreaFactory(gss_code="E06000903", name="Westshire"),
        local_authority_name="Westshire County Council",
    )
    unmatched = SettingFactory(
        urn="SC200021", name="Unmatched House", local_authority_name="Isle of Anglesey"
    )
    listing = signed_in.get(f"{LIST}?q=House").content.decode()
    for setting, shown in ((matched, "Westshire"), (unmatched, "Isle of Anglesey")):
        detail = signed_in.get(
            reverse("providers:setting_detail", args=[setting.urn])
        ).content.decode()
        assert f'<dd class="govuk-summary-list__value">{shown}</dd>' in detail
        assert f'<td class="govuk-table__cell">{shown}</td>' in listing
    assert "Westshire County Council" not in listing
    sheet = load_workbook(io.BytesIO(signed_in.get(EXPORT).content)).active
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("Local authority")
    by_urn = {row[rows[0].index("URN")]: row[column] for row in rows[1:]}
    assert by_urn["SC200020"] == "Westshire"
    assert by_urn["SC200021"] == "Isle of Anglesey"
