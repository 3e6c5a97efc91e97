"""The officer's referral pages through the real views and services: shortlist and send, compare
the answers, record the placement."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Organisation, Role
from brokerage.models import PlacementOutcome, Referral
from brokerage.referrals import Answer, Shortlisted, referral_answer, referral_send
from placements.models import PlacementRequest, PlacementSearch
from providers.models import Vacancy
from tests.factories import OrganisationFactory, UserFactory, sign_in
from tests.placements.builders import child, home


@pytest.fixture
def officer(world_map):
    return UserFactory(organisation=world_map.la, role=Role.PLACEMENT_OFFICER)


@pytest.fixture
def signed_in(client, officer):
    sign_in(client, officer.email)
    return client


@pytest.fixture
def provider(world_map):
    return OrganisationFactory(region=world_map.la.region, kind=Organisation.Kind.PROVIDER)


@pytest.fixture
def provider_user(provider):
    return UserFactory(
        organisation=provider, role=Role.PROVIDER_USER, email="homes@provider.example.org"
    )


def deadline_fields(hours: int = 24) -> dict[str, str]:
    when = timezone.localtime() + timedelta(hours=hours)
    return {
        "deadline_date": f"{when.day}/{when.month}/{when.year}",
        "deadline_time": when.strftime("%H:%M"),
    }


def create_url(request: PlacementRequest, urns: list[str], search: PlacementSearch | None) -> str:
    query = [("urn", urn) for urn in urns] + ([("search", search.pk)] if search else [])
    return reverse("brokerage:referral_create", args=[request.pk]) + "?" + urlencode(query)


def searched(client, request: PlacementRequest) -> PlacementSearch:
    """Run the search page once (the shortlist comes from its results)."""
    response = client.get(reverse("placements:placement_search", args=[request.pk]))
    assert response.status_code == 200
    return PlacementSearch.objects.filter(request=request).latest("created_at")


def post_send(client, request: PlacementRequest, urns: list[str], search=None, **extra):
    data = {"urn": urns, **deadline_fields(), "note": "Needs a calm home near school", **extra}
    if search is not None:
        data["search"] = search.pk
    return client.post(reverse("brokerage:referral_create", args=[request.pk]), data)


# The search page's shortlist ---------------------------------------------------------------------


def test_the_search_results_are_a_shortlist_form_sent_to_the_referral_page(
    world_map, signed_in, provider
):
    willow = home(world_map, name="Willow House", provider_organisation=provider)
    request = child(world_map)

    html = signed_in.get(reverse("placements:placement_search", args=[request.pk])).content.decode()

    search = PlacementSearch.objects.get(request=request)
    action = reverse("brokerage:referral_create", args=[request.pk])
    assert f'<form method="get" action="{action}"' in html
    assert f'name="search" value="{search.pk}"' in html
    assert f'name="urn" type="checkbox" value="{willow.urn}"' in html
    assert "Add Willow House to the shortlist" in html
    assert "Send referrals to the shortlist" in html
    # The search form closes before the shortlist form opens: forms never nest.
    search_form_end = html.index(
        "</form>",
        html.index('action="' + reverse("placements:placement_search", args=[request.pk])),
    )
    assert search_form_end < html.index(f'action="{action}"')


# Sending -----------------------------------------------------------------------------------------


def test_the_send_page_lists_the_shortlist_with_a_default_deadline(world_map, signed_in, provider):
    willow = home(world_map, name="Willow House", provider_organisation=provider)
    oak = home(world_map, name="Oak Lodge", provider_organisation=provider)
    request = child(world_map)  # within 5 days: providers get 24 hours
    search = searched(signed_in, request)

    response = signed_in.get(create_url(request, [willow.urn, oak.urn], search))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Willow House" in html and "Oak Lodge" in html
    assert willow.urn in html and "Children&#x27;s home" in html and "Rutland" in html
    expected = timezone.localtime() + timedelta(hours=24)
    assert f'value="{expected.day}/{expected.month}/{expected.year}"' in html
    assert "What is needed (optional, no names)" in html
    assert "Send referrals" in html
    assert "Why send it anyway?" not in html
    assert (
        f'name="urn" value="{willow.urn}"' in html and f'name="search" value="{search.pk}"' in html
    )


def test_sending_refers_each_setting_once_emails_its_provider_and_shows_the_overview(
    world_map, signed_in, officer, provider, provider_user, django_capture_on_commit_callbacks
):
    homes = [
        home(world_map, name=name, provider_organisation=provider)
        for name in ("Willow House", "Oak Lodge", "Ash Court")
    ]
    request = child(world_map)
    search = searched(signed_in, request)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_send(signed_in, request, [h.urn for h in homes], search)

    assert response.status_code == 302
    assert response["Location"] == reverse("brokerage:referral_overview", args=[request.pk])
    referrals = Referral.objects.filter(request=request)
    assert referrals.count() == 3
    first = referrals.get(setting=homes[0])
    assert first.sent_by == officer and first.search == search
    assert first.note == "Needs a calm home near school"
    assert first.places[0]["district"] == "LE15" and first.places[0]["minutes"] is not None
    assert sorted(m.subject.split(":")[0] for m in mail.outbox) == sorted(
        f"New referral for {h.display_name}" for h in homes
    )
    assert all(m.to == [provider_user.email] for m in mail.outbox)
    page = signed_in.get(response["Location"]).content.decode()
    assert "Referrals sent to 3 settings" in page
    assert "Waiting for an answer" in page


def test_an_excluded_setting_needs_a_reason_and_nothing_is_sent_without_one(
    world_map, signed_in, provider
):
    willow = home(world_map, name="Willow House", provider_organisation=provider)
    boys_only = home(
        world_map,
        name="Boys Only House",
        provider_organisation=provider,
        eligibility={"sexes": ["male"]},
    )
    request = child(world_map)  # a girl
    search = searched(signed_in, request)

    page = signed_in.get(create_url(request, [willow.urn, boys_only.urn], search))
    html = page.content.decode()
    assert "Boys Only House's stated criteria exclude this child" in html
    assert "It takes boys" in html
    assert f'name="override-{boys_only.urn}"' in html and "Why send it anyway?" in html

    response = post_send(signed_in, request, [willow.urn, boys_only.urn], search)

    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and "Nothing has been sent" in html
    assert "Say why you are sending a referral to Boys Only House" in html
    assert Referral.objects.filter(request=request).count() == 0


def test_an_excluded_setting_is_sent_with_the_officers_reason_and_the_override_recorded(
    world_map, signed_in, provider
):
    boys_only = home(
        world_map,
        name="Boys Only House",
        provider_organisation=provider,
        eligibility={"sexes": ["male"]},
    )
    request = child(world_map)

    response = post_send(
        signed_in,
        request,
        [boys_only.urn],
        **{f"override-{boys_only.urn}": "The manager said they can take her this week"},
    )

    assert response.status_code == 302
    referral = Referral.objects.get(request=request)
    assert referral.override_reason == "The manager said they can take her this week"
    assert referral.exclusions == ["It takes boys"]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REFERRAL_OVERRIDE).count() == 1
    assert "Referral sent to 1 setting" in signed_in.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"status": "closed", "closed_at": "now"}, "is closed on Ofsted&#x27;s register"),
        ({"status": "suspended"}, "is suspended on Ofsted&#x27;s register"),
        ({"provider_organisation": None}, "provider does not use this service yet"),
    ],
)
def test_a_setting_that_cannot_take_referrals_is_shown_with_why_and_is_refused(
    world_map, signed_in, provider, values, reason
):
    if values.get("closed_at") == "now":
        values = {**values, "closed_at": timezone.now()}
    values.setdefault("provider_organisation", provider)
    blocked = home(world_map, name="Shut House", **values)
    request = child(world_map)

    page = signed_in.get(create_url(request, [blocked.urn], None)).content.decode()
    assert "Cannot be sent" in page and reason in page
    assert "None of these settings can be sent a referral" in page
    assert f'name="urn" value="{blocked.urn}"' not in page

    # Posted all the same (a crafted form, or the register changed meanwhile): the service refuses.
    response = post_send(signed_in, request, [blocked.urn])

    html = response.content.decode()
    assert response.status_code == 200
    assert reason in html and f'href="#setting-{blocked.urn}"' in html
    assert Referral.objects.filter(request=request).count() == 0


def test_a_double_submitted_form_sends_once_and_says_so(world_map, signed_in, provider):
    willow = home(world_map, name="Willow House", provider_organisation=provider)
    oak = home(world_map, name="Oak Lodge", provider_organisation=provider)
    request = child(world_map)
    data = {"urn": [willow.urn, oak.urn], **deadline_fields()}
    url = reverse("brokerage:referral_create", args=[request.pk])

    first = signed_in.post(url, data)
    second = signed_in.post(url, data, follow=True)

    assert first.status_code == 302
    assert Referral.objects.filter(request=request).count() == 2
    html = second.content.decode()
    assert second.redirect_chain[-1][0] == reverse("brokerage:referral_overview", args=[request.pk])
    assert "These referrals had already been sent, so nothing was sent again." in html


def test_a_setting_already_sent_is_marked_and_refused_when_sent_with_new_ones(
    world_map, signed_in, officer, provider
):
    willow = home(world_map, name="Willow House", provider_organisation=provider)
    oak = home(world_map, name="Oak Lodge", provider_organisation=provider)
    request = child(world_map)
    referral_send(
        actor=officer,
        request=request,
        shortlist=[Shortlisted(willow)],
        deadline=timezone.now() + timedelta(hours=5),
    )

    page = signed_in.get(create_url(request, [willow.urn, oak.urn], None)).content.decode()
    assert "Already sent" in page
    assert f'name="urn" value="{willow.urn}"' not in page
    assert f'name="urn" value="{oak.urn}"' in page

    response = post_send(signed_in, request, [willow.urn, oak.urn])

    assert response.status_code == 200
    assert "Willow House has already been sent this referral" in response.content.decode()
    assert Referral.objects.filter(request=request).count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"deadline_date": "", "deadline_time": "12:00"},
            "Enter the date providers should answer by",
        ),
        (
            {"deadline_date": "31/2/2026", "deadline_time": "12:00"},
            "Enter a real date, like 27/3/2026",
        ),
        ({"deadline_time": "noonish"}, "Enter a real time, like 17:30"),
    ],
)
def test_a_deadline_that_is_not_a_date_and_time_is_a_field_error(
    world_map, signed_in, provider, fields, message
):
    willow = home(world_map, name="Willow House", provider_organisation=provider)
    request = child(world_map)

    response = post_send(signed_in, request, [willow.urn], **fields)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Referral.objects.exists()


def test_a_deadline_in_the_past_is_the_services_error_on_the_date(world_map, signed_in, provider):
    willow = home(world_map, name="Willow House", provider_organisation=provider)
    request = child(world_map)

    response = post_send(signed_in, request, [willow.urn], **deadline_fields(hours=-2))

    html = response.content.decode()
    assert "Give providers at least 30 minutes to answer" in html
    assert 'href="#id_deadline_date"' in html
    assert not Referral.objects.exists()


def test_an_empty_shortlist_says_how_to_make_one(world_map, signed_in):
    request = child(world_map)

    html = signed_in.get(create_url(request, ["SC999999"], None)).content.decode()

    assert "Your shortlist is empty" in html


def test_other_local_authorities_get_404_and_hub_admins_403(world_map, client, provider):
    willow = home(world_map, name="Willow House", provider_organisation=provider)
    request = child(world_map)
    other_la = OrganisationFactory(region=world_map.la.region, local_authority=True)
    stranger = UserFactory(organisation=other_la, role=Role.PLACEMENT_OFFICER)
    hub = OrganisationFactory(region=world_map.la.region, hub=True)
    admin = UserFactory(organisation=hub, role=Role.HUB_ADMIN)
    urls = [
        create_url(request, [willow.urn], None),
        reverse("brokerage:referral_overview", args=[request.pk]),
        reverse("brokerage:placement_outcome_create", args=[request.pk]),
    ]

    sign_in(client, stranger.email)
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    assert post_send(client, request, [willow.urn]).status_code == 404
    client.logout()
    sign_in(client, admin.email)
    assert [client.get(url).status_code for url in urls] == [403, 403, 403]
    assert not Referral.objects.exists()


# Comparing the answers and deciding -------------------------------------------------------------


@pytest.fixture
def answered(world_map, signed_in, officer, provider, provider_user):
    """Four homes referred from a search: Willow interested at £4,250, Oak at £5,100.50, Ash not
    able, Elm not answered yet."""
    willow = home(world_map, name="Willow House", provider_organisation=provider)
    oak = home(world_map, name="Oak Lodge", provider_organisation=provider)
    ash = home(world_map, name="Ash Court", provider_organisation=provider)
    waiting = home(world_map, name="Elm View", provider_organisation=provider)
    request = child(world_map, places=None)
    referrals = referral_send(
        actor=officer,
        request=request,
        shortlist=[Shortlisted(s) for s in (willow, oak, ash, waiting)],
        deadline=timezone.now() + timedelta(hours=24),
        search=searched(signed_in, request),
    )
    by_name = {r.setting.display_name: r for r in referrals}
    start = timezone.localdate() + timedelta(days=3)
    referral_answer(
        actor=provider_user,
        referral=by_name["Willow House"],
        answer=Answer.INTERESTED,
        weekly_price=Decimal("4250"),
        start_date=start,
        price_includes=["core", "education"],
    )
    referral_answer(
        actor=provider_user,
        referral=by_name["Oak Lodge"],
        answer=Answer.INTERESTED,
        weekly_price=Decimal("5100.50"),
        start_date=start,
        price_includes=["core", "therapy"],
        note="Therapist on site",
    )
    referral_answer(
        actor=provider_user,
        referral=by_name["Ash Court"],
        answer=Answer.NOT_ABLE,
        not_able_reason="no_vacancy",
    )
    mail.outbox.clear()
    return request, {name: Referral.objects.get(pk=r.pk) for name, r in by_name.items()}


def test_the_overview_says_each_offers_vacancy_restrictions_in_words(
    world_map, signed_in, answered
):
    request, by_name = answered
    Vacancy.objects.filter(setting=by_name["Willow House"].setting).update(
        sexes=["female"], min_age=13, max_age=16
    )

    html = signed_in.get(reverse("brokerage:referral_overview", args=[request.pk])).content.decode()

    table = html[html.index('class="govuk-table app-comparison"') : html.index("</table>")]
    vacancy_row = table[table.index(">Vacancy</th>") :]
    vacancy_row = vacancy_row[: vacancy_row.index("</tr>")]
    assert vacancy_row.count("Restrictions: For girls only; Ages 13 to 16") == 1


def test_the_overview_shows_the_offers_side_by_side_and_every_answer(
    world_map, signed_in, answered
):
    request, by_name = answered

    response = signed_in.get(reverse("brokerage:referral_overview", args=[request.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    table = html[html.index('class="govuk-table app-comparison"') : html.index("</table>")]
    header = table[: table.index("</thead>")]
    assert header.index("Willow House") < header.index("Oak Lodge")
    assert "Ash Court" not in table and "Elm View" not in table
    price_row = table[table.index("Weekly price") : table.index("The price includes")]
    assert "£4,250" in price_row and "£5,100.50" in price_row
    assert "Core care, Education" in table and "Core care, Therapy" in table
    assert "min (estimated) from School" in table
    assert "Good" in table  # Ofsted
    assert "Vacancy confirmed today by the provider" in table
    assert "Therapist on site" in table
    assert f'href="/referrals/{by_name["Willow House"].pk}/"' in table
    not_able = html[html.index(">Not able</h2>") : html.index(">Not answered</h2>")]
    assert "Ash Court" in not_able and "No vacancy" in not_able
    unanswered = html[html.index(">Not answered</h2>") : html.index(">Everyone asked</h2>")]
    assert "Elm View" in unanswered
    assert "Record the placement" in html
    assert reverse("brokerage:placement_outcome_create", args=[request.pk]) in html


def test_the_request_page_links_to_the_referrals_when_there_are_some(
    world_map, signed_in, answered
):
    request, _ = answered
    fresh = child(world_map, reference="LAC-0002")

    html = signed_in.get(
        reverse("brokerage:placement_request_detail", args=[request.pk])
    ).content.decode()
    bare = signed_in.get(
        reverse("brokerage:placement_request_detail", args=[fresh.pk])
    ).content.decode()

    assert reverse("brokerage:referral_overview", args=[request.pk]) in html
    assert "See the referrals and answers" in html and "(4 sent)" in html
    assert reverse("brokerage:referral_overview", args=[fresh.pk]) not in bare


def test_the_outcome_page_offers_the_referred_settings_interested_first_and_prefills_an_offer(
    world_map, signed_in, answered
):
    request, by_name = answered
    url = reverse("brokerage:placement_outcome_create", args=[request.pk])

    html = signed_in.get(url).content.decode()
    chosen = signed_in.get(f"{url}?urn={by_name['Oak Lodge'].setting.urn}").content.decode()

    willow = by_name["Willow House"].setting
    assert f"Willow House (URN {willow.urn}), £4,250 a week" in html
    assert (
        html.index("Willow House (URN")
        < html.index("Oak Lodge (URN")
        < html.index("Ash Court (URN")
    )
    assert "Another setting" in html and "Ofsted URN of the setting" in html
    assert "What the cost includes" in html and "Who pays each week" in html
    assert "Spot purchase" in html and "Dynamic purchasing system" in html
    assert "Distance measured from" in html and "School (LE15 6AB)" in html
    assert 'value="5100.50"' in chosen
    start = by_name["Oak Lodge"].start_date
    assert f'value="{start.day}/{start.month}/{start.year}"' in chosen


def outcome_data(request: PlacementRequest, urn: str, **values) -> dict:
    place = request.places.first()
    data = {
        "setting": urn,
        "start_date": (timezone.localdate() + timedelta(days=3)).strftime("%d/%m/%Y"),
        "weekly_cost": "4250",
        "services_included": ["core", "education"],
        "social_care_weekly": "3250",
        "education_weekly": "1000",
        "health_weekly": "",
        "commercial_route": "spot",
        "distance_from": str(place.pk),
    }
    data.update(values)
    return data


def test_shares_that_do_not_make_the_weekly_cost_are_refused_and_nothing_changes(
    world_map, signed_in, answered
):
    request, by_name = answered
    urn = by_name["Willow House"].setting.urn

    response = signed_in.post(
        reverse("brokerage:placement_outcome_create", args=[request.pk]),
        outcome_data(request, urn, social_care_weekly="3000"),
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "Social care, education and health together must make the weekly cost (£4,250.00)" in html
    )
    assert 'href="#id_social_care_weekly"' in html
    assert not PlacementOutcome.objects.exists()
    request.refresh_from_db()
    assert request.status == PlacementRequest.Status.OPEN
    assert Referral.objects.filter(request=request, status=Referral.Status.FILLED).count() == 0


def test_recording_the_placement_closes_the_request_tells_the_others_and_shows_the_outcome(
    world_map, signed_in, officer, answered, provider_user, django_capture_on_commit_callbacks
):
    request, by_name = answered
    willow = by_name["Willow House"].setting

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            reverse("brokerage:placement_outcome_create", args=[request.pk]),
            outcome_data(request, willow.urn),
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("brokerage:placement_request_detail", args=[request.pk])
    request.refresh_from_db()
    assert request.status == PlacementRequest.Status.CLOSED
    outcome = PlacementOutcome.objects.get(request=request)
    assert outcome.setting == willow and outcome.weekly_cost == Decimal("4250")
    assert outcome.social_care_weekly == Decimal("3250") and outcome.health_weekly == 0
    assert outcome.decided_by == officer and outcome.distance_from == "School"
    statuses = dict(Referral.objects.filter(request=request).values_list("setting__name", "status"))
    assert statuses == {
        "Willow House": "placed",
        "Oak Lodge": "filled",
        "Ash Court": "not_able",  # the answer given stays on the record
        "Elm View": "filled",
    }
    filled = [m for m in mail.outbox if "the place has been filled" in m.subject]
    assert sorted(m.subject.split(":")[0] for m in filled) == sorted(
        f"Referral for {name}" for name in ("Oak Lodge", "Ash Court", "Elm View")
    )
    assert all(m.to == [provider_user.email] for m in filled)

    page = signed_in.get(response["Location"]).content.decode()
    assert "Placement recorded: the other providers have been told the place is filled" in page
    assert f"Willow House (URN {willow.urn})" in page
    assert "£4,250 a week" in page
    assert "£3,250 social care, £1,000 education" in page
    assert "Spot purchase" in page
    assert "miles in a straight line from School" in page


def test_a_second_decision_is_refused_and_changes_nothing(world_map, signed_in, answered):
    request, by_name = answered
    url = reverse("brokerage:placement_outcome_create", args=[request.pk])
    signed_in.post(url, outcome_data(request, by_name["Willow House"].setting.urn))

    response = signed_in.post(
        url,
        outcome_data(
            request,
            by_name["Oak Lodge"].setting.urn,
            weekly_cost="5100.50",
            social_care_weekly="5100.50",
            education_weekly="0",
        ),
        follow=True,
    )

    html = response.content.decode()
    assert "A placement has already been recorded for this request, so nothing was changed." in html
    outcome = PlacementOutcome.objects.get(request=request)
    assert outcome.setting == by_name["Willow House"].setting
    assert outcome.weekly_cost == Decimal("4250")
    assert signed_in.get(url).status_code == 302


def test_another_setting_can_be_recorded_by_urn_and_an_unknown_urn_is_a_field_error(
    world_map, signed_in, answered, provider
):
    request, _ = answered
    elsewhere = home(world_map, name="Found By Phone", provider_organisation=provider)
    url = reverse("brokerage:placement_outcome_create", args=[request.pk])

    unknown = signed_in.post(url, outcome_data(request, "other", other_urn="SC999999"))
    assert "We cannot find a setting with the URN SC999999" in unknown.content.decode()
    missing = signed_in.post(url, outcome_data(request, "other", other_urn=""))
    assert "Enter the Ofsted URN of the setting" in missing.content.decode()
    assert not PlacementOutcome.objects.exists()

    done = signed_in.post(url, outcome_data(request, "other", other_urn=elsewhere.urn.lower()))

    assert done.status_code == 302
    outcome = PlacementOutcome.objects.get(request=request)
    assert outcome.setting == elsewhere and outcome.referral is None
