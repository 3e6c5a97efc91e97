"""Demo locations and demo facts for settings (providers/demo.py, seed_demo_settings)."""

from __future__ import annotations

import json
from collections import Counter

import factory
import pytest
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command
from factory.django import DjangoModelFactory

from common.demo import DemoRefused
from geo.models import Postcode
from providers.demo import (
    DEMO_ADDRESS_LINE,
    DEMO_CHANGE_REASON,
    demo_facts_seed,
    demo_locations_seed,
)
from providers.facts import VacancyState, vacancy_view
from providers.models import CarerHousehold, Eligibility, Setting, Vacancy
from tests.factories import AreaFactory
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db


def _inward(n: int) -> str:
    return f"{n % 10}{chr(65 + (n // 10) % 26)}{chr(65 + (n // 260) % 26)}"


class PostcodeFactory(DjangoModelFactory):
    """A postcode in district `district` of authority `utla_code`, near (x, y)."""

    class Meta:
        model = Postcode

    class Params:
        district = "LE15"
        x = -0.72
        y = 52.67

    postcode = factory.LazyAttributeSequence(lambda o, n: f"{o.district} {_inward(n)}")
    point = factory.LazyAttributeSequence(
        lambda o, n: Point(o.x + (n % 7) * 0.003, o.y + (n % 5) * 0.003, srid=4326)
    )
    utla_code = "E06000017"
    ltla_code = factory.LazyAttribute(lambda o: o.utla_code)


@pytest.fixture
def two_las():
    """Two authorities 50 km apart, each with 30 postcodes in one district of its own."""
    east = AreaFactory(gss_code="E06000017", name="Rutland")
    west = AreaFactory(gss_code="E06000016", name="Leicester")
    PostcodeFactory.create_batch(30, utla_code=east.gss_code, district="LE15", x=-0.72, y=52.67)
    PostcodeFactory.create_batch(30, utla_code=west.gss_code, district="LE1", x=-1.13, y=52.63)
    return east, west


def _home(la, **kwargs):
    """A children's home as Ofsted lists it: no address, no postcode, no location."""
    return SettingFactory(childrens_home=True, local_authority=la, **{"postcode": "", **kwargs})


# Locations ---------------------------------------------------------------------------------------


def test_each_private_setting_gets_a_distinct_real_postcode_in_its_own_authority(two_las):
    east, west = two_las
    east_homes = [_home(east) for _ in range(4)]
    west_homes = [_home(west) for _ in range(3)]
    supported = SettingFactory(
        provision_type="supported_accommodation", local_authority=west, postcode=""
    )

    summary = demo_locations_seed(local_authority_codes=None, commit=True)

    assert (summary.settings, summary.updated, summary.unchanged, summary.rejected) == (8, 8, 0, 0)
    for la, homes in ((east, east_homes), (west, [*west_homes, supported])):
        postcodes = []
        for home in homes:
            home.refresh_from_db()
            found = Postcode.objects.get(pk=home.postcode)
            assert found.utla_code == la.gss_code
            assert home.location == found.point
            assert home.address_line_1 == DEMO_ADDRESS_LINE
            assert home.location_from_provider
            postcodes.append(home.postcode)
        assert len(set(postcodes)) == len(postcodes)  # spread, not stacked


def test_locations_never_overwrite_and_leave_public_closed_and_other_las_alone(two_las):
    east, west = two_las
    located = _home(east, located=True, postcode="LE15 6AB", address_line_1="1 Real Street")
    before = located.location
    closed = _home(east, closed=True)
    agency = SettingFactory(local_authority=east)  # public location: not ours to invent
    elsewhere = _home(west)
    unlocated = _home(east)

    summary = demo_locations_seed(local_authority_codes=[east.gss_code], commit=True)

    assert (summary.settings, summary.updated, summary.unchanged) == (2, 1, 1)
    located.refresh_from_db()
    assert (located.location, located.postcode, located.address_line_1) == (
        before,
        "LE15 6AB",
        "1 Real Street",
    )
    for untouched in (closed, agency, elsewhere):
        untouched.refresh_from_db()
        assert untouched.address_line_1 != DEMO_ADDRESS_LINE
    assert Setting.objects.get(pk=unlocated.pk).location is not None
    assert Setting.objects.get(pk=elsewhere.pk).location is None


def test_a_setting_without_postcodes_in_its_authority_is_rejected(two_las):
    empty = AreaFactory(gss_code="E06000099")
    home = _home(empty)
    no_la = _home(None)

    summary = demo_locations_seed(local_authority_codes=None, commit=True)

    assert summary.rejected == 2
    assert Setting.objects.filter(pk__in=[home.pk, no_la.pk], location__isnull=True).count() == 2


def test_locations_are_deterministic(two_las):
    east, _ = two_las
    homes = [_home(east) for _ in range(5)]
    demo_locations_seed(local_authority_codes=None, commit=True)
    first = dict(
        Setting.objects.filter(pk__in=[h.pk for h in homes]).values_list("urn", "postcode")
    )

    Setting.objects.filter(pk__in=[h.pk for h in homes]).update(location=None, postcode="")
    demo_locations_seed(local_authority_codes=None, commit=True)
    again = dict(
        Setting.objects.filter(pk__in=[h.pk for h in homes]).values_list("urn", "postcode")
    )

    assert first == again


def test_a_dry_run_counts_but_writes_nothing(two_las):
    east, _ = two_las
    homes = [_home(east) for _ in range(2)]
    agency = SettingFactory(local_authority=east, located=True, longitude=-0.72, latitude=52.67)

    locations = demo_locations_seed(local_authority_codes=None, commit=False)
    facts = demo_facts_seed(local_authority_codes=None, commit=False)

    assert (locations.updated, locations.committed) == (2, False)
    assert (facts.eligibility.created, facts.vacancies.created, facts.agencies.created) == (3, 2, 1)
    assert facts.households_created >= 5
    assert not Setting.objects.filter(pk__in=[h.pk for h in homes], location__isnull=False).exists()
    assert not Eligibility.objects.exists()
    assert not Vacancy.objects.exists()
    assert not CarerHousehold.objects.filter(setting=agency).exists()
    assert not Eligibility.history.exists()


def test_refused_where_demo_data_is_not_allowed(settings, two_las):
    east, _ = two_las
    home = _home(east)
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(DemoRefused):
        demo_locations_seed(local_authority_codes=None, commit=True)
    with pytest.raises(DemoRefused):
        demo_facts_seed(local_authority_codes=None, commit=True)
    with pytest.raises(CommandError, match="not allowed"):
        call_command("seed_demo_settings", "--commit")
    home.refresh_from_db()
    assert home.location is None
    assert not Eligibility.objects.exists()


# Facts -------------------------------------------------------------------------------------------


def test_facts_give_criteria_vacancies_and_households_marked_as_demo(two_las):
    east, west = two_las
    homes = [_home(east, places=2) for _ in range(3)]
    special = _home(west, provision_type="residential_special_school_childrens_home")
    supported = SettingFactory(
        provision_type="supported_accommodation", local_authority=west, postcode=""
    )
    agency = SettingFactory(
        local_authority=east, located=True, longitude=-0.72, latitude=52.67, postcode="LE15 7AA"
    )
    school = SettingFactory(provision_type="residential_special_school", local_authority=east)
    closed = _home(east, closed=True)

    summary = demo_facts_seed(local_authority_codes=None, commit=True)

    assert summary.settings == 6
    assert summary.eligibility.created == 6
    assert summary.vacancies.created == 5  # homes and supported accommodation, not agencies
    assert summary.agencies.created == 1
    for setting in (*homes, special, supported, agency):
        eligibility = Eligibility.objects.get(setting=setting)
        assert eligibility.what_we_offer.startswith("Demo data")
        assert eligibility.min_age <= eligibility.max_age <= 25
        assert eligibility.sexes and "planned" in eligibility.placement_kinds
        assert set(eligibility.risks.values()) <= {"can_meet", "will_consider", "cannot_meet"}
    assert Eligibility.objects.get(setting=supported).min_age == 16
    for home in homes:
        assert 0 <= home.vacancy.places <= 2
    assert not Vacancy.objects.filter(setting=agency).exists()
    households = CarerHousehold.objects.filter(setting=agency)
    assert 5 <= households.count() <= 40
    # Real districts near the agency: Rutland's LE15 is 0 km away, Leicester's LE1 about 28 km.
    assert set(households.values_list("postcode_district", flat=True)) <= {"LE15", "LE1"}
    assert all(h.reference.startswith("DEMO-") for h in households)
    assert all(h.min_age <= h.max_age for h in households)
    for untouched in (school, closed):
        assert not Eligibility.objects.filter(setting=untouched).exists()
        assert not Vacancy.objects.filter(setting=untouched).exists()
    # History starts with the demo statement, labelled as such.
    history = Eligibility.history.filter(setting_id=homes[0].pk).get()
    assert history.history_change_reason == DEMO_CHANGE_REASON
    assert CarerHousehold.history.filter(setting_id=agency.pk).count() == households.count()


def test_facts_leave_existing_ones_alone(two_las):
    east, _ = two_las
    home = _home(east)
    Eligibility.objects.create(setting=home, min_age=9, what_we_offer="Our own words")
    Vacancy.objects.create(setting=home, places=1, confirmed_at="2026-01-01T10:00Z")
    agency = SettingFactory(local_authority=east, located=True, longitude=-0.72, latitude=52.67)
    CarerHousehold.objects.create(setting=agency, reference="H-001", postcode_district="LE15")
    other = _home(east)

    summary = demo_facts_seed(local_authority_codes=[east.gss_code], commit=True)

    assert (summary.eligibility.created, summary.eligibility.unchanged) == (2, 1)
    assert (summary.vacancies.created, summary.vacancies.unchanged) == (1, 1)
    assert (summary.agencies.created, summary.agencies.unchanged) == (0, 1)
    assert Eligibility.objects.get(setting=home).what_we_offer == "Our own words"
    assert Vacancy.objects.get(setting=home).places == 1
    assert list(agency.households.values_list("reference", flat=True)) == ["H-001"]
    assert Eligibility.objects.filter(setting=other).exists()

    again = demo_facts_seed(local_authority_codes=None, commit=True)
    assert again.created == 0


def test_facts_are_deterministic_for_a_seed_and_varied(two_las):
    east, _ = two_las
    homes = [_home(east, places=4) for _ in range(40)]
    fields = ("setting__urn", "min_age", "sexes", "placement_kinds", "risks", "needs")

    demo_facts_seed(local_authority_codes=None, commit=True, seed=7)
    first = sorted(Eligibility.objects.values_list(*fields))
    places = sorted(Vacancy.objects.values_list("setting__urn", "places", "confirmed_at"))
    Eligibility.objects.all().delete()
    Vacancy.objects.all().delete()
    demo_facts_seed(local_authority_codes=None, commit=True, seed=7)
    assert sorted(Eligibility.objects.values_list(*fields)) == first
    again = sorted(Vacancy.objects.values_list("setting__urn", "places", "confirmed_at"))
    # Ages are counted back from now, which moved: compare the places only.
    assert [(u, p) for u, p, _ in again] == [(u, p) for u, p, _ in places]

    # A realistic mix: every capability is used, and vacancies are fresh, stale and expired.
    capabilities = Counter(c for e in Eligibility.objects.all() for c in e.risks.values())
    assert set(capabilities) == {"can_meet", "will_consider", "cannot_meet"}
    states = {vacancy_view(v).state for v in Vacancy.objects.all()}
    assert states == {VacancyState.FRESH, VacancyState.STALE, VacancyState.EXPIRED}
    assert len({e.min_age for e in Eligibility.objects.all()}) > 2
    assert len(homes) == 40

    demo_facts_seed(local_authority_codes=None, commit=True, seed=7)  # nothing more to add
    Eligibility.objects.all().delete()
    demo_facts_seed(local_authority_codes=None, commit=True, seed=8)
    assert sorted(Eligibility.objects.values_list(*fields)) != first


def test_some_demo_vacancies_carry_structured_restrictions_within_their_criteria(two_las):
    east, _ = two_las
    # Fixed URNs: the demo's choices are seeded by URN, so the same homes give the same facts
    # whatever else the test session created before.
    for number in range(200):
        _home(east, places=4, urn=f"SC9{number:05d}")

    demo_facts_seed(local_authority_codes=None, commit=True, seed=7)

    restricted = [
        v
        for v in Vacancy.objects.select_related("setting__eligibility")
        if v.sexes or v.min_age is not None or v.solo_only
    ]
    assert restricted, "no demo vacancy has a structured restriction"
    assert {"sexes", "ages", "solo"} == {
        "sexes" if v.sexes else "ages" if v.min_age is not None else "solo" for v in restricted
    }
    for vacancy in restricted:
        criteria = vacancy.setting.eligibility
        assert vacancy.places > 0
        assert set(vacancy.sexes) <= set(criteria.sexes)
        if vacancy.min_age is not None:
            assert criteria.min_age <= vacancy.min_age <= vacancy.max_age <= criteria.max_age
    # Free text no longer says what the structured fields say.
    assert not Vacancy.objects.filter(restriction__icontains="only for this place").exists()


# The command -------------------------------------------------------------------------------------


def test_command_dry_run_then_commit_with_counts(two_las, capsys):
    east, west = two_las
    _home(east)
    _home(west)

    call_command("seed_demo_settings", "--la", east.gss_code)
    out = capsys.readouterr().out
    assert "Dry run (nothing written; add --commit): demo locations, 1 local authority" in out
    assert "1 updated with a demo postcode" in out
    assert "criteria 1 created, 0 unchanged; vacancies 1 created" in out
    assert not Setting.objects.filter(location__isnull=False).exists()

    call_command("seed_demo_settings", "--la", east.gss_code, "--locations", "--commit", "--json")
    summary = json.loads(capsys.readouterr().out)
    assert summary["committed"] is True
    assert summary["local_authorities"] == [east.gss_code]
    assert (summary["updated"], summary["created"], summary["facts"]) == (1, 0, None)
    assert summary["locations"]["updated"] == 1
    assert Setting.objects.filter(location__isnull=False).count() == 1
    assert not Eligibility.objects.exists()

    call_command("seed_demo_settings", "--facts", "--commit", "--json")
    summary = json.loads(capsys.readouterr().out)
    assert summary["locations"] is None
    assert summary["facts"]["eligibility"]["created"] == 2
    assert summary["created"] == 4


def test_command_refuses_an_unknown_authority(two_las):
    with pytest.raises(CommandError, match="E06000098"):
        call_command("seed_demo_settings", "--la", "E06000098")
