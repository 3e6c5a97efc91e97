"""Placement requests: the pages an LA's placement officer uses to describe a child (never by
name), the places that matter and the areas to avoid, and the rules the service keeps.

Real PostGIS: postcodes are looked up in geo.Postcode, areas are drawn in EPSG:27700.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from geo.models import OutsideEnglandPostcode, Postcode
from placements import services
from placements.models import AreaToAvoid, PlacementRequest, PlacementSearch, PlaceThatMatters
from placements.services import AreaToAvoidInput, PlaceInput
from tests.placements.factories import PlacementRequestFactory, PlaceThatMattersFactory

pytestmark = pytest.mark.django_db

OAKHAM = Point(-0.730054, 52.670371, srid=4326)
LEICESTER = Point(-1.139830, 52.620300, srid=4326)


@pytest.fixture
def postcodes(db):
    """The few postcodes the tests type: two English, one Welsh."""
    Postcode.objects.create(
        postcode="LE15 6AB", point=OAKHAM, ltla_code="E06000017", utla_code="E06000017"
    )
    Postcode.objects.create(
        postcode="LE1 5WW", point=LEICESTER, ltla_code="E06000016", utla_code="E06000016"
    )
    OutsideEnglandPostcode.objects.create(
        postcode="LL11 1AA", country=OutsideEnglandPostcode.Country.WALES
    )


@pytest.fixture
def officer(world, postcodes):
    return world.user("la_a1", Role.PLACEMENT_OFFICER)


@pytest.fixture
def signed_in(client, officer):
    client.force_login(officer)
    return client


def management(prefix: str, total: int) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "20",
    }


def form_data(**overrides: object) -> dict[str, object]:
    """What an officer posts for a girl of 14 with two places and one area to avoid."""
    data: dict[str, object] = {
        "reference": "CIC/2026/0142",
        "age_years": "14",
        "birth_month": "",
        "birth_year": "",
        "sex": "female",
        "urgency": "within_5_days",
        "placement_kind": "planned",
        "accommodation": ["residential", "foster"],
        "siblings_to_place_together": "0",
        "living_alongside": "with_others",
        "has_pet": "no",
        "deprivation_of_liberty": "no",
        "needs_adaptation": "yes",
        "communication": ["bsl"],
        "risks": ["going_missing", "self_harm"],
        "needs": [],
        "need_level": "",
        **management("places", 2),
        "places-0-label": "School",
        "places-0-postcode": "le15 6ab",
        "places-0-max_minutes": "45",
        "places-1-label": "Grandmother",
        "places-1-postcode": "LE1 5WW",
        "places-1-max_minutes": "",
        **management("areas", 1),
        "areas-0-label": "Town centre",
        "areas-0-postcode": "LE1 5WW",
        "areas-0-radius_miles": "2",
        "action": "save",
    }
    data.update(overrides)
    return data


def field_error(html: str, field: str) -> str:
    """The text of a field's first inline error message (crispy-forms-gds markup)."""
    found = re.search(
        rf'id="id_{re.escape(field)}_1_error" class="govuk-error-message">\s*'
        r'<span class="govuk-visually-hidden">Error:</span>\s*(.*?)\s*</span>',
        html,
        re.S,
    )
    return found.group(1) if found else ""


def profile(**overrides: object) -> dict[str, object]:
    """The service's profile fields for the same child."""
    values: dict[str, object] = {
        "reference": "CIC/2026/0142",
        "age_years": 14,
        "sex": "female",
        "urgency": "within_5_days",
        "accommodation": ["residential"],
    }
    values.update(overrides)
    return values


# Creating -------------------------------------------------------------------------------------


def test_new_request_starts_with_two_empty_places(signed_in):
    response = signed_in.get(reverse("placements:placement_request_create"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="places-TOTAL_FORMS" value="2"' in html
    assert 'name="areas-TOTAL_FORMS" value="0"' in html
    assert "Your case reference, not the child's name" in html
    assert ">Add another place</button>" in html
    assert response.context["section"] == "placements"


def test_officer_creates_a_request_with_two_places_and_an_area_to_avoid(signed_in, officer):
    response = signed_in.post(reverse("placements:placement_request_create"), form_data())
    placement_request = PlacementRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "brokerage:placement_request_detail", args=[placement_request.pk]
    )

    assert placement_request.organisation == officer.organisation
    assert placement_request.created_by == officer
    assert placement_request.status == PlacementRequest.Status.OPEN
    assert (placement_request.reference, placement_request.age_years) == ("CIC/2026/0142", 14)
    assert placement_request.birth_month is None and placement_request.birth_year is None
    # In the value list's own order, whatever order they were ticked in.
    assert placement_request.accommodation == ["foster", "residential"]
    assert placement_request.risks == ["self_harm", "going_missing"]
    assert placement_request.communication == ["bsl"]
    assert placement_request.needs_adaptation is True
    assert placement_request.has_pet is False

    places = list(placement_request.places.all())
    assert [(p.label, p.postcode, p.max_minutes, p.position) for p in places] == [
        ("School", "LE15 6AB", 45, 0),
        ("Grandmother", "LE1 5WW", None, 1),
    ]
    assert places[0].point.equals_exact(OAKHAM, tolerance=1e-9)

    area = placement_request.areas_to_avoid.get()
    assert (area.label, area.postcode, area.radius_metres) == ("Town centre", "LE1 5WW", 3219)
    # A true circle of 2 miles, drawn in metres: it holds Leicester and not Oakham, 25 km away.
    assert area.area.srid == 4326
    assert area.area.contains(LEICESTER) and not area.area.contains(OAKHAM)
    on_the_grid = area.area.transform(27700, clone=True)
    assert on_the_grid.area == pytest.approx(3.14159 * 3219**2, rel=0.01)
    assert on_the_grid.centroid.distance(LEICESTER.transform(27700, clone=True)) < 1

    page = signed_in.get(response["Location"])
    html = page.content.decode()
    assert "Placement request CIC/2026/0142 created." in html
    assert "LE15 6AB. By car, at most 45 minutes" in html
    assert "LE1 5WW. By car, no journey limit" in html
    assert "Within 2 miles of LE1 5WW" in html
    assert "Children&#x27;s home" in html or "Children's home" in html
    # "Find placements" goes to the search page, which placements/search_urls.py serves.
    assert f'href="/placements/{placement_request.pk}/search/"' in html
    assert "No searches yet." in html


def test_service_creates_from_plain_tuples(officer):
    placement_request = services.placement_request_create(
        actor=officer,
        places=[PlaceInput("School", "le156ab", 30), ("Contact centre", "LE1 5WW", None)],
        areas_to_avoid=[AreaToAvoidInput("Station", "LE1 5WW", 0.5)],
        **profile(),
    )
    assert [p.label for p in placement_request.places.all()] == ["School", "Contact centre"]
    assert placement_request.areas_to_avoid.get().radius_metres == 805
    assert placement_request.placement_kind == "planned"
    assert placement_request.living_alongside == "with_others"


def test_empty_place_rows_are_left_out(signed_in):
    data = form_data(**{"places-1-label": "", "places-1-postcode": "", **management("areas", 0)})
    signed_in.post(reverse("placements:placement_request_create"), data)
    placement_request = PlacementRequest.objects.get()
    assert [p.label for p in placement_request.places.all()] == ["School"]
    assert not placement_request.areas_to_avoid.exists()


def test_a_half_filled_row_says_what_is_missing(signed_in):
    data = form_data(**{"places-1-label": "", "places-1-max_minutes": "20"})
    html = signed_in.post(reverse("placements:placement_request_create"), data).content.decode()
    assert field_error(html, "places-1-label") == "Enter what this place is, for example school"
    assert not PlacementRequest.objects.exists()


# Postcodes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("not a postcode", "Enter a real postcode, like LE15 6AB"),
        ("le15 9zz", "We cannot find LE15 9ZZ. Check the postcode and try again"),
        ("LL11 1AA", "LL11 1AA is in Wales: enter a postcode in England"),
    ],
)
def test_a_postcode_that_cannot_be_used_says_why(signed_in, typed, message):
    data = form_data(**{"places-1-postcode": typed, "areas-0-postcode": typed})
    response = signed_in.post(reverse("placements:placement_request_create"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert not PlacementRequest.objects.exists()
    assert field_error(html, "places-1-postcode") == message
    assert field_error(html, "areas-0-postcode") == message
    # The error summary links to the box.
    assert f'<a href="#id_places-1-postcode">{message}</a>' in html
    assert "<title>Error: New placement request" in html
    # What was typed is still there.
    assert 'value="Grandmother"' in html and 'value="CIC/2026/0142"' in html


def test_the_service_keys_postcode_errors_by_row(officer):
    with pytest.raises(ValidationError) as error:
        services.placement_request_create(
            actor=officer,
            places=[("School", "LE15 6AB", None), ("Home", "LL11 1AA", None)],
            areas_to_avoid=[("Park", "ZZ", 1)],
            **profile(),
        )
    assert error.value.message_dict == {
        "places-1-postcode": ["LL11 1AA is in Wales: enter a postcode in England"],
        "areas-0-postcode": ["Enter a real postcode, like LE15 6AB"],
    }


# Limits ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        ("0", "The longest journey must be at least 1 minute. Leave it empty for no limit"),
        ("1000", "The longest journey must be 240 minutes (4 hours) or less"),
        ("an hour", "Enter the longest journey in minutes, like 45"),
    ],
)
def test_journey_limits_outside_1_to_240_minutes_are_refused(signed_in, minutes, message):
    data = form_data(**{"places-0-max_minutes": minutes})
    html = signed_in.post(reverse("placements:placement_request_create"), data).content.decode()
    assert field_error(html, "places-0-max_minutes") == message
    assert not PlacementRequest.objects.exists()


@pytest.mark.parametrize("minutes", [0, 1000])
def test_the_service_refuses_the_same_limits(officer, minutes):
    with pytest.raises(ValidationError) as error:
        services.placement_request_create(
            actor=officer, places=[("School", "LE15 6AB", minutes)], areas_to_avoid=[], **profile()
        )
    assert error.value.message_dict == {
        "places-0-max_minutes": [services.max_minutes_message(minutes)]
    }


def test_the_limits_themselves_are_accepted(officer):
    placement_request = services.placement_request_create(
        actor=officer,
        places=[("School", "LE15 6AB", 1), ("Family", "LE1 5WW", 240)],
        areas_to_avoid=[("Near", "LE15 6AB", 0.1), ("Far", "LE1 5WW", 60)],
        **profile(),
    )
    assert [p.max_minutes for p in placement_request.places.all()] == [1, 240]
    assert sorted(a.radius_metres for a in placement_request.areas_to_avoid.all()) == [161, 96561]


@pytest.mark.parametrize(
    ("radius", "message"),
    [
        ("0.05", "The radius must be at least 0.1 miles"),
        ("61", "The radius must be 60 miles or less"),
        ("far", "Enter the radius in miles, like 5 or 0.5"),
    ],
)
def test_radius_outside_the_limits_is_refused(signed_in, radius, message):
    data = form_data(**{"areas-0-radius_miles": radius})
    html = signed_in.post(reverse("placements:placement_request_create"), data).content.decode()
    assert field_error(html, "areas-0-radius_miles") == message
    assert not PlacementRequest.objects.exists()


# No names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("Jane Smith", "must include a number: use your case reference, not the child's name"),
        ("Jane O'Brien 2", "can only include letters, numbers, spaces, hyphens and slashes"),
        ("jane@example.org 1", "can only include letters, numbers, spaces, hyphens and slashes"),
        ("CIC-" + "1" * 27, "must be 30 characters or fewer"),
        ("", "Enter your case reference"),
    ],
)
def test_a_reference_that_could_be_a_name_is_refused(signed_in, officer, reference, message):
    data = form_data(reference=reference)
    html = signed_in.post(reverse("placements:placement_request_create"), data).content.decode()
    assert message in field_error(html, "reference").replace("&#x27;", "'")
    assert not PlacementRequest.objects.exists()
    with pytest.raises(ValidationError) as error:
        services.placement_request_create(
            actor=officer, places=[], areas_to_avoid=[], **profile(reference=reference)
        )
    assert message in error.value.message_dict["reference"][0]


def test_a_reference_is_tidied_and_may_hold_slashes_and_hyphens(officer):
    placement_request = services.placement_request_create(
        actor=officer, places=[], areas_to_avoid=[], **profile(reference="  LAC / 2026-07  ")
    )
    assert placement_request.reference == "LAC / 2026-07"


def test_one_open_request_per_reference(officer, world):
    services.placement_request_create(actor=officer, places=[], areas_to_avoid=[], **profile())
    with pytest.raises(ValidationError) as error:
        services.placement_request_create(
            actor=officer, places=[], areas_to_avoid=[], **profile(reference="cic/2026/0142")
        )
    assert error.value.message_dict == {
        "reference": ["You already have an open request with the reference cic/2026/0142"]
    }
    # Another authority may use the same reference.
    other = world.user("la_a2", Role.PLACEMENT_OFFICER)
    services.placement_request_create(actor=other, places=[], areas_to_avoid=[], **profile())


# Age ------------------------------------------------------------------------------------------


def test_month_and_year_of_birth_instead_of_age(signed_in):
    data = form_data(age_years="", birth_month="3", birth_year="2012")
    signed_in.post(reverse("placements:placement_request_create"), data)
    placement_request = PlacementRequest.objects.get()
    assert (placement_request.birth_month, placement_request.birth_year) == (3, 2012)
    assert placement_request.age_years is None
    html = signed_in.get(
        reverse("brokerage:placement_request_detail", args=[placement_request.pk])
    ).content.decode()
    assert "(born March 2012)" in html


def test_a_birth_month_in_the_future_is_refused(signed_in, officer):
    today = timezone.localdate()
    next_month = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    data = form_data(
        age_years="", birth_month=str(next_month.month), birth_year=str(next_month.year)
    )
    html = signed_in.post(reverse("placements:placement_request_create"), data).content.decode()
    assert field_error(html, "birth_year") == "The month and year of birth must be in the past"
    assert not PlacementRequest.objects.exists()
    # This month is fine: a baby born this month is 0.
    this_month = services.placement_request_create(
        actor=officer,
        places=[],
        areas_to_avoid=[],
        **profile(age_years=None, birth_month=today.month, birth_year=today.year),
    )
    assert this_month.age_on(today) == 0


NO_AGE = {"age_years": None}


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (NO_AGE, "age_years", "Enter the child's age, or the month and year of birth"),
        (
            {"birth_month": 3, "birth_year": 2012},
            "age_years",
            "Enter either the age or the month and year of birth, not both",
        ),
        ({"age_years": 26}, "age_years", "The age must be from 0 to 25"),
        (
            NO_AGE | {"birth_month": 13, "birth_year": 2012},
            "birth_month",
            "The month of birth must be a number from 1 to 12",
        ),
        (
            NO_AGE | {"birth_year": 2012},
            "birth_month",
            "Enter the month of birth as a number from 1 to 12",
        ),
        (
            NO_AGE | {"birth_month": 1, "birth_year": 1990},
            "birth_year",
            "The child must be under 26: check the year",
        ),
    ],
)
def test_age_rules(officer, values, field, message):
    with pytest.raises(ValidationError) as error:
        services.placement_request_create(
            actor=officer, places=[], areas_to_avoid=[], **profile(**values)
        )
    assert error.value.message_dict == {field: [message]}


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"sex": "girl"}, "sex", "Select the child's sex"),
        ({"sex": ""}, "sex", "Select the child's sex"),
        ({"urgency": None}, "urgency", "Select when the child needs to move"),
        ({"placement_kind": "respite"}, "placement_kind", "Select the kind of placement"),
        ({"living_alongside": ""}, "living_alongside", "Select who the child can live alongside"),
        (
            {"accommodation": []},
            "accommodation",
            "Select at least one kind of placement that would suit",
        ),
        ({"accommodation": ["castle"]}, "accommodation", "Select from the list"),
        ({"risks": ["self_harm", "nonsense"]}, "risks", "Select from the list"),
        ({"communication": ["semaphore"]}, "communication", "Select from the list"),
        ({"has_pet": "perhaps"}, "has_pet", "Select yes or no"),
        ({"needs_adaptation": None}, "needs_adaptation", "Select yes or no"),
        (
            {"siblings_to_place_together": 10},
            "siblings_to_place_together",
            "Enter how many brothers and sisters, from 0 to 9",
        ),
        (
            {"siblings_to_place_together": "two"},
            "siblings_to_place_together",
            "Enter how many brothers and sisters, from 0 to 9",
        ),
        ({"age_years": "x"}, "age_years", "Enter the age as a whole number, from 0 to 25"),
        (
            NO_AGE | {"birth_month": 3, "birth_year": "soon"},
            "birth_year",
            "Enter the year of birth as 4 digits, for example 2012",
        ),
    ],
)
def test_each_field_is_checked_by_the_model_in_the_services_words(officer, values, field, message):
    with pytest.raises(ValidationError) as error:
        services.placement_request_create(
            actor=officer, places=[], areas_to_avoid=[], **profile(**values)
        )
    assert error.value.message_dict == {field: [message]}
    # The words are the model's own: any caller validating a request says the same.
    fields = {k: v for k, v in profile(**values).items() if k != "reference"}
    candidate = PlacementRequest(organisation=officer.organisation, reference="CIC 1", **fields)
    with pytest.raises(ValidationError) as model_error:
        candidate.full_clean(validate_constraints=False)
    assert message in model_error.value.message_dict[field]


def test_lists_are_kept_in_the_lists_order_once_each(officer):
    placement_request = services.placement_request_create(
        actor=officer,
        places=[],
        areas_to_avoid=[],
        **profile(
            risks=["going_missing", "self_harm", "going_missing"],
            accommodation=["supported", "foster"],
            siblings_to_place_together=None,
        ),
    )
    placement_request.refresh_from_db()
    assert placement_request.risks == ["self_harm", "going_missing"]
    assert placement_request.accommodation == ["foster", "supported"]
    assert placement_request.siblings_to_place_together == 0


def test_a_missing_age_shows_with_the_other_problems(signed_in):
    data = form_data(age_years="", sex="")
    html = signed_in.post(reverse("placements:placement_request_create"), data).content.decode()
    assert field_error(html, "age_years") == (
        "Enter the child&#x27;s age, or the month and year of birth"
    )
    assert '<a href="#id_sex_1">Select the child&#x27;s sex</a>' in html
    data = form_data(age_years="x")
    html = signed_in.post(reverse("placements:placement_request_create"), data).content.decode()
    assert field_error(html, "age_years") == "Enter the age as a whole number, from 0 to 25"


def test_every_problem_is_reported_at_once(officer):
    with pytest.raises(ValidationError) as error:
        services.placement_request_create(
            actor=officer,
            places=[("", "LE15 6AB", None)],
            areas_to_avoid=[],
            reference="CIC 1",
            age_years=10,
            sex="girl",
            urgency="soon",
            accommodation=[],
        )
    assert set(error.value.message_dict) == {"places-0-label", "sex", "urgency", "accommodation"}


def test_unknown_fields_are_a_programming_error(officer):
    with pytest.raises(TypeError, match="Not a placement request field: name"):
        services.placement_request_create(
            actor=officer, places=[], areas_to_avoid=[], name="Jane", **profile()
        )


# Add another, remove, without JavaScript ------------------------------------------------------


def test_add_another_place_keeps_what_was_typed_and_saves_nothing(signed_in):
    data = form_data(action="add_place", **{"places-1-postcode": "not yet checked"})
    response = signed_in.post(reverse("placements:placement_request_create"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert not PlacementRequest.objects.exists()
    assert 'name="places-TOTAL_FORMS" value="3"' in html
    assert 'name="places-2-label"' in html
    typed = ["School", "le15 6ab", "45", "Grandmother", "not yet checked", "CIC/2026/0142"]
    for value in [*typed, "Town centre", "LE1 5WW", "2"]:
        assert f'value="{value}"' in html
    # Ticked boxes and chosen radios are kept too.
    assert re.search(r'id="id_risks_\d+"\s+value="going_missing"\s+checked', html)
    assert re.search(r'id="id_sex_1"\s+value="female"\s+checked', html)
    assert re.search(r'id="id_needs_adaptation_1"\s+value="yes"\s+checked', html)
    # Nothing has been checked yet, so no errors.
    assert "There is a problem" not in html and "govuk-error-message" not in html
    assert "<title>New placement request" in html

    # The new row can be filled in and the whole request saved.
    data = form_data(**management("places", 3))
    data |= {"places-2-label": "Football club", "places-2-postcode": "LE15 6AB"}
    signed_in.post(reverse("placements:placement_request_create"), data)
    labels = [p.label for p in PlacementRequest.objects.get().places.all()]
    assert labels == ["School", "Grandmother", "Football club"]


def test_remove_a_place_and_add_an_area(signed_in):
    data = form_data(action="remove_place-0")
    html = signed_in.post(reverse("placements:placement_request_create"), data).content.decode()
    assert 'name="places-TOTAL_FORMS" value="1"' in html
    assert re.search(r'name="places-0-label"[^>]*value="Grandmother"', html)
    assert 'value="School"' not in html

    data = form_data(action="add_area")
    html = signed_in.post(reverse("placements:placement_request_create"), data).content.decode()
    assert 'name="areas-TOTAL_FORMS" value="2"' in html
    assert re.search(r'name="areas-0-label"[^>]*value="Town centre"', html)
    assert not PlacementRequest.objects.exists()


def test_remove_with_a_made_up_row_changes_nothing(signed_in):
    html = signed_in.post(
        reverse("placements:placement_request_create"), form_data(action="remove_place-7")
    ).content.decode()
    assert 'name="places-TOTAL_FORMS" value="2"' in html


# Changing -------------------------------------------------------------------------------------


def test_change_a_request_keeps_the_places_given_again(signed_in, officer):
    signed_in.post(reverse("placements:placement_request_create"), form_data())
    placement_request = PlacementRequest.objects.get()
    school = placement_request.places.get(label="School")
    url = reverse("placements:placement_request_update", args=[placement_request.pk])

    page = signed_in.get(url)
    html = page.content.decode()
    assert re.search(r'name="places-0-label"[^>]*value="School"', html)
    assert re.search(r'name="areas-0-radius_miles"[^>]*value="2"', html)
    assert re.search(r'id="id_has_pet_2"\s+value="no"\s+checked', html)

    data = form_data(
        urgency="today",
        **{
            "places-0-max_minutes": "30",
            "places-1-label": "Youth club",
            "places-1-postcode": "LE15 6AB",
            **management("areas", 0),
        },
    )
    response = signed_in.post(url, data)
    assert response.status_code == 302
    placement_request.refresh_from_db()
    assert placement_request.urgency == "today"
    places = list(placement_request.places.all())
    assert [(p.label, p.max_minutes) for p in places] == [("School", 30), ("Youth club", None)]
    assert places[0].pk == school.pk
    assert not placement_request.areas_to_avoid.exists()
    assert (
        "Placement request CIC/2026/0142 changed."
        in signed_in.get(response["Location"]).content.decode()
    )


def test_a_request_keeps_its_own_reference_when_changed(officer):
    placement_request = PlacementRequestFactory(organisation=officer.organisation)
    services.placement_request_update(
        actor=officer,
        request=placement_request,
        places=[],
        areas_to_avoid=[],
        reference=placement_request.reference,
        age_years=15,
    )
    placement_request.refresh_from_db()
    assert placement_request.age_years == 15
    assert placement_request.sex == "female"  # not given: unchanged


def test_a_closed_request_cannot_be_changed(signed_in, officer):
    placement_request = PlacementRequestFactory(organisation=officer.organisation, closed=True)
    url = reverse("placements:placement_request_update", args=[placement_request.pk])
    response = signed_in.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "brokerage:placement_request_detail", args=[placement_request.pk]
    )
    assert signed_in.post(url, form_data()).status_code == 302
    with pytest.raises(ValidationError, match="This request is closed"):
        services.placement_request_update(
            actor=officer, request=placement_request, places=[], areas_to_avoid=[], age_years=3
        )
    placement_request.refresh_from_db()
    assert placement_request.age_years == 14


# Closing --------------------------------------------------------------------------------------


def test_closing_asks_first_and_closing_twice_is_harmless(signed_in, officer):
    placement_request = PlacementRequestFactory(organisation=officer.organisation)
    url = reverse("placements:placement_request_close", args=[placement_request.pk])
    page = signed_in.get(url)
    assert "Why are you closing this request?" in page.content.decode()
    placement_request.refresh_from_db()
    assert placement_request.status == PlacementRequest.Status.OPEN

    first = signed_in.post(url, {"reason": "no_longer_needed"})
    assert first.status_code == 302
    placement_request.refresh_from_db()
    closed_at = placement_request.closed_at
    assert placement_request.status == PlacementRequest.Status.CLOSED and closed_at

    second = signed_in.post(url, {"reason": "no_longer_needed"})
    assert second.status_code == 302
    placement_request.refresh_from_db()
    assert placement_request.closed_at == closed_at
    services.placement_request_close(
        actor=officer, request=placement_request, reason="other", note="Moved"
    )
    placement_request.refresh_from_db()
    assert placement_request.closed_at == closed_at

    html = signed_in.get(second["Location"]).content.decode()
    assert "Closed on" in html and "Find placements" not in html
    assert "is closed" in signed_in.get(url).content.decode()


def test_a_closed_reference_can_be_used_again(officer):
    PlacementRequestFactory(
        organisation=officer.organisation, reference="CIC/2026/0142", closed=True
    )
    again = services.placement_request_create(
        actor=officer, places=[], areas_to_avoid=[], **profile()
    )
    assert again.status == PlacementRequest.Status.OPEN


# Seeing ---------------------------------------------------------------------------------------


def test_the_list_shows_own_requests_open_first_newest_first(signed_in, officer, world):
    own = officer.organisation
    old_open = PlacementRequestFactory(organisation=own, reference="OLD-1")
    closed = PlacementRequestFactory(organisation=own, reference="CLOSED-2", closed=True)
    PlacementRequestFactory(organisation=own, reference="NEW-3")
    PlacementRequestFactory(organisation=world.la_a2, reference="OTHER-4")
    PlacementRequest.objects.filter(pk=old_open.pk).update(
        created_at=timezone.now() - timezone.timedelta(days=3)
    )
    response = signed_in.get(reverse("placements:placement_request_list"))
    shown = [r.reference for r in response.context["placement_requests"]]
    assert shown == ["NEW-3", "OLD-1", "CLOSED-2"]
    assert closed.reference in response.content.decode()
    assert "OTHER-4" not in response.content.decode()


def test_the_detail_page_lists_the_requests_searches(signed_in, officer):
    placement_request = PlacementRequestFactory(organisation=officer.organisation)
    PlaceThatMattersFactory(request=placement_request, label="School", max_minutes=40)
    PlacementSearch.objects.create(
        request=placement_request,
        run_by=officer,
        criteria={},
        profile={},
        engine="estimate",
        match_count=7,
    )
    html = signed_in.get(
        reverse("brokerage:placement_request_detail", args=[placement_request.pk])
    ).content.decode()
    assert "LE15 6AB. By car, at most 40 minutes" in html
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">7</td>' in html
    assert officer.full_name in html


def test_placement_requests_are_in_la_navigation_only(client, world):
    for role, shown in ((Role.PLACEMENT_OFFICER, True), (Role.LA_MANAGER, True)):
        client.force_login(world.user("la_a1", role))
        items = client.get(reverse("brokerage:home")).context["navigation_items"]
        assert ({"label": "Placement requests", "url": "/placements/", "section": "placements"}
                in items) is shown  # fmt: skip
    for org, role in (("hub_a", Role.HUB_ADMIN), ("provider_a1", Role.PROVIDER_USER)):
        client.force_login(world.user(org, role))
        labels = [
            i["label"] for i in client.get(reverse("brokerage:home")).context["navigation_items"]
        ]
        assert "Placement requests" not in labels


def test_services_refuse_people_who_may_not(world, postcodes):
    hub_admin = world.user("hub_a", Role.HUB_ADMIN)
    with pytest.raises(PermissionDenied):
        services.placement_request_create(
            actor=hub_admin, places=[], areas_to_avoid=[], **profile()
        )
    placement_request = PlacementRequestFactory(organisation=world.la_a1)
    other_la = world.user("la_a2", Role.LA_MANAGER)
    with pytest.raises(PermissionDenied):
        services.placement_request_close(
            actor=other_la, request=placement_request, reason="no_longer_needed"
        )
    with pytest.raises(PermissionDenied):
        services.placement_request_update(
            actor=other_la, request=placement_request, places=[], areas_to_avoid=[]
        )
    assert PlaceThatMatters.objects.count() == AreaToAvoid.objects.count() == 0


def test_creating_changing_and_closing_are_audited_with_who_and_which_request(officer):
    from accounts.models import AuditEvent

    request = services.placement_request_create(
        actor=officer, places=[("School", "LE15 6AB", 30)], areas_to_avoid=[], **profile()
    )
    services.placement_request_update(
        actor=officer, request=request, places=[], areas_to_avoid=[], age_years=15
    )
    services.placement_request_close(actor=officer, request=request, reason="no_longer_needed")
    services.placement_request_close(actor=officer, request=request, reason="other")  # no change

    events = list(AuditEvent.objects.order_by("created_at", "id"))
    assert [e.action for e in events] == [
        AuditEvent.Action.PLACEMENT_REQUEST_CREATED,
        AuditEvent.Action.PLACEMENT_REQUEST_CHANGED,
        AuditEvent.Action.PLACEMENT_REQUEST_CLOSED,
    ]
    which = {"placement_request": request.pk, "reference": request.reference}
    for event in events:
        assert event.actor == officer
        assert event.organisation == officer.organisation
    assert [e.detail for e in events] == [which, which, {**which, "reason": "no_longer_needed"}]


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        (0, "The longest journey must be at least 1 minute. Leave it empty for no limit"),
        (241, "The longest journey must be 240 minutes (4 hours) or less"),
        (-5, "The longest journey must be at least 1 minute. Leave it empty for no limit"),
        ("soon", "Enter the longest journey in minutes, like 45"),
    ],
)
def test_a_journey_limit_is_checked_by_the_model_in_the_services_words(officer, minutes, message):
    with pytest.raises(ValidationError) as error:
        services.placement_request_create(
            actor=officer, places=[("School", "LE15 6AB", minutes)], areas_to_avoid=[], **profile()
        )
    assert error.value.message_dict == {"places-0-max_minutes": [message]}
    place = PlaceThatMatters(max_minutes=minutes)
    with pytest.raises(ValidationError) as model_error:
        place.clean_fields(exclude=["request", "label", "postcode", "point", "position"])
    assert model_error.value.message_dict["max_minutes"][0] == message
