"""Results the officer can act on when a setting's provider is not on the service: the owner
from Ofsted's list and the "on the service" count and filter on the search page, the enquiry
page (and who may use it), the enquiries beside the referrals, in the record and in demand."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from openpyxl import load_workbook

from accounts.models import AuditEvent, Organisation, Role
from brokerage.enquiries import off_service_enquiry_record
from brokerage.models import OffServiceEnquiry
from brokerage.referrals import Shortlisted, referral_send
from placements.matching import SearchCriteria, setting_match
from placements.models import PlacementSearch
from tests.factories import OrganisationFactory, UserFactory, sign_in
from tests.placements.builders import child, home
from tests.placements.factories import PlacementRequestFactory
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(world_map):
    return UserFactory(organisation=world_map.la, role=Role.PLACEMENT_OFFICER, full_name="Pat Lee")


@pytest.fixture
def signed_in(client, officer):
    sign_in(client, officer.email)
    return client


@pytest.fixture
def provider(world_map):
    return OrganisationFactory(
        region=world_map.la.region, kind=Organisation.Kind.PROVIDER, name="Oak Care Ltd"
    )


@pytest.fixture
def mixed(world_map, provider):
    """Two homes run by a provider on the service and three whose owners are not on it."""
    on = [
        home(world_map, name=f"On {n}", owner_name="Oak Care Ltd", provider_organisation=provider)
        for n in (1, 2)
    ]
    off = [home(world_map, name=f"Off {n}", owner_name=f"Owner {n} Ltd") for n in (1, 2, 3)]
    # A private home as Ofsted lists it: no name.
    off.append(home(world_map, name="", owner_name="Homes2inspire Limited"))
    return on, off


def search_url(request, **query) -> str:
    place = request.places.get()
    query = {"area": "anywhere", f"limit_{place.pk}": "45", **query}
    return reverse("placements:placement_search", args=[request.pk]) + "?" + urlencode(query)


# The search: owner, count and filter --------------------------------------------------------


def test_the_funnel_counts_the_matches_on_the_service_and_the_filter_keeps_only_them(
    world_map, mixed
):
    on, off = mixed
    request = child(world_map)

    everything = setting_match(request=request, criteria=SearchCriteria())
    only = setting_match(request=request, criteria=SearchCriteria(on_service_only=True))

    assert len(everything.matches) == 6
    assert everything.funnel["travel"] == 6
    assert everything.funnel["on_service"] == 2
    assert {m.setting.pk for m in only.matches} == {s.pk for s in on}
    assert only.funnel == everything.funnel  # the count is the same either way
    assert only.on_service_only and not everything.on_service_only
    record = everything.matches[0].as_record()
    assert "owner_name" in record and "on_service" in record


def test_unconfirmed_matches_are_not_counted_as_on_the_service(world_map, provider):
    home(world_map, provider_organisation=provider, no_vacancy=True)
    request = child(world_map)
    result = setting_match(request=request, criteria=SearchCriteria(include_unconfirmed=True))
    assert len(result.matches) == 1
    assert result.funnel["on_service"] == 0


def test_the_results_show_the_owner_and_whether_it_is_on_the_service(world_map, mixed, signed_in):
    on, off = mixed
    request = child(world_map)

    html = signed_in.get(search_url(request)).content.decode()

    assert "6 settings can take this child" in html
    assert "2 of them are run by a provider on the service" in html
    assert "Run by a provider on this service (can be sent a referral)" in html
    assert html.count("Not on the service</strong>") == 4
    assert html.count("On the service</strong>") == 2
    for n in (1, 2, 3):
        assert f"Owner on Ofsted's list: Owner {n} Ltd" in html
    assert "Owner on Ofsted's list: Homes2inspire Limited" in html
    assert f"Children&#x27;s home {off[3].urn}" in html  # no name on Ofsted's list
    enquiry = reverse("brokerage:off_service_enquiry_create", args=[request.pk])
    for setting in off:
        assert f"{enquiry}?urn={setting.urn}" in html
    for setting in on:
        assert f"{enquiry}?urn={setting.urn}" not in html
    assert "Only settings whose provider is on the service (can be sent a referral)" in html
    # Never the private homes' addresses.
    assert off[0].address_line_1 not in html

    html = signed_in.get(search_url(request, on_service_only="on")).content.decode()
    assert "2 settings can take this child" in html
    assert "Showing only settings whose provider is on the service." in html
    assert "Off 1" not in html and "On 1" in html and "On 2" in html
    search = PlacementSearch.objects.filter(request=request).latest("created_at")
    assert search.criteria["on_service_only"] is True
    assert search.funnel["on_service"] == 2


# The enquiry page ---------------------------------------------------------------------------


def enquiry_url(request, urn: str = "") -> str:
    url = reverse("brokerage:off_service_enquiry_create", args=[request.pk])
    return f"{url}?urn={urn}" if urn else url


def test_an_officer_records_an_enquiry_and_sees_it_beside_the_referrals(
    world_map, mixed, signed_in, officer, provider
):
    on, off = mixed
    request = child(world_map)
    referral_send(
        actor=officer,
        request=request,
        shortlist=[Shortlisted(on[0])],
        deadline=timezone.now() + timedelta(hours=24),
    )

    page = signed_in.get(enquiry_url(request, off[0].urn)).content.decode()
    assert "Record an enquiry outside the service" in page
    assert "Owner 1 Ltd" in page and f'value="{off[0].urn}"' in page

    response = signed_in.post(
        enquiry_url(request),
        {
            "urn": off[0].urn.lower(),
            "contacted_on": timezone.localdate().strftime("%d/%m/%Y"),
            "method": "phone",
            "result": "interested",
            "note": "Spoke to the manager; they will call back",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("brokerage:referral_overview", args=[request.pk])
    enquiry = OffServiceEnquiry.objects.get()
    assert (enquiry.setting, enquiry.made_by, enquiry.method) == (off[0], officer, "phone")
    overview = signed_in.get(response["Location"]).content.decode()
    assert "Asked outside the service" in overview
    assert "Off 1" in overview and "Owner 1 Ltd" in overview
    assert "by phone" in overview and "Interested" in overview
    assert "Spoke to the manager; they will call back" in overview
    assert "On 1" in overview  # the referral, on the same page


def test_the_enquiry_form_says_what_is_wrong(world_map, mixed, signed_in):
    on, off = mixed
    request = child(world_map)
    url = enquiry_url(request)

    html = signed_in.post(url, {"urn": "SC999999"}).content.decode()
    assert "There is a problem" in html
    assert "We cannot find a setting with the URN SC999999" in html
    assert "Choose how you contacted them" in html and "Choose what they said" in html

    html = signed_in.post(
        url,
        {
            "urn": on[0].urn,
            "contacted_on": timezone.localdate().strftime("%d/%m/%Y"),
            "method": "email",
            "result": "no_answer",
        },
    ).content.decode()
    assert "On 1&#x27;s provider uses this service: send it a referral instead" in html

    tomorrow = timezone.localdate() + timedelta(days=1)
    html = signed_in.post(
        url,
        {
            "urn": off[0].urn,
            "contacted_on": tomorrow.strftime("%d/%m/%Y"),
            "method": "email",
            "result": "no_answer",
        },
    ).content.decode()
    assert "The day you contacted them must be today or in the past" in html
    assert not OffServiceEnquiry.objects.exists()


def test_a_closed_request_sends_the_officer_back(world_map, mixed, signed_in, officer):
    request = child(world_map, status="closed", closed_at=timezone.now(), close_reason="other")
    response = signed_in.get(enquiry_url(request, mixed[1][0].urn))
    assert response.status_code == 302
    overview = signed_in.get(response["Location"]).content.decode()
    assert "no more enquiries can be recorded" in overview
    assert "Record an enquiry with a provider not on the service" not in overview


LA_ACTORS = [
    ("la_a1", Role.PLACEMENT_OFFICER),
    ("la_a1", Role.LA_MANAGER),
    ("la_a2", Role.PLACEMENT_OFFICER),
    ("la_a2", Role.LA_MANAGER),
    ("la_b1", Role.PLACEMENT_OFFICER),
    ("la_b1", Role.LA_MANAGER),
]
OTHER_ACTORS = [
    ("hub_a", Role.HUB_ADMIN),
    ("hub_b", Role.HUB_ADMIN),
    ("provider_a1", Role.PROVIDER_ADMIN),
    ("provider_a1", Role.PROVIDER_USER),
    ("provider_b1", Role.PROVIDER_ADMIN),
]


@pytest.mark.parametrize("actor", LA_ACTORS + OTHER_ACTORS, ids=lambda a: f"{a[0]}-{a[1]}")
def test_enquiry_page_permission_matrix(client, world, actor):
    """Own LA: allowed; another LA (this region or another): 404; anyone else: 403. A refused
    POST records nothing."""
    request = PlacementRequestFactory(organisation=world.la_a1, reference="CIC/SECRET")
    setting = SettingFactory(childrens_home=True)
    org, role = actor
    client.force_login(world.user(org, role))
    url = enquiry_url(request, setting.urn)
    expected = 403 if actor in OTHER_ACTORS else 200 if org == "la_a1" else 404

    response = client.get(url)
    assert response.status_code == expected
    if expected != 200:
        assert "CIC/SECRET" not in response.content.decode()
    response = client.post(
        url,
        {
            "urn": setting.urn,
            "contacted_on": timezone.localdate().strftime("%d/%m/%Y"),
            "method": "phone",
            "result": "not_able",
        },
    )
    assert response.status_code == (302 if expected == 200 else expected)
    assert OffServiceEnquiry.objects.exists() == (expected == 200)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.OFF_SERVICE_ENQUIRY).exists() == (
        expected == 200
    )


def test_signed_out_people_are_sent_to_sign_in(client, world):
    request = PlacementRequestFactory(organisation=world.la_a1)
    response = client.get(enquiry_url(request))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# The record and demand ----------------------------------------------------------------------


@pytest.fixture
def asked(world_map, mixed, officer):
    """A request whose officer asked two settings outside the service (one interested)."""
    on, off = mixed
    request = child(world_map, reference="LAC-0077")
    for setting, result in ((off[0], "interested"), (off[1], "no_answer")):
        off_service_enquiry_record(
            actor=officer, request=request, setting=setting, method="email", result=result
        )
    return request, off


def test_the_record_holds_the_enquiries(world_map, signed_in, asked):
    request, off = asked
    today = timezone.localdate()

    document = json.loads(
        signed_in.get(reverse("brokerage:placement_record_json", args=[request.pk])).content
    )
    (record,) = document["records"]
    assert record["extensions"]["offServiceEnquiries"] == [
        {
            "providerURN": off[0].urn,
            "settingName": "Off 1",
            "ownerName": "Owner 1 Ltd",
            "contactedOn": today.isoformat(),
            "method": "Email",
            "result": "Interested",
            "officerName": "Pat Lee",
        },
        {
            "providerURN": off[1].urn,
            "settingName": "Off 2",
            "ownerName": "Owner 2 Ltd",
            "contactedOn": today.isoformat(),
            "method": "Email",
            "result": "No answer",
            "officerName": "Pat Lee",
        },
    ]
    assert "note" not in json.dumps(record["extensions"]["offServiceEnquiries"])

    response = signed_in.get(reverse("brokerage:placement_record_xlsx", args=[request.pk]))
    workbook = load_workbook(io.BytesIO(response.content))
    header, row = list(workbook["Requests"].values)
    values = dict(zip(header, row, strict=True))
    assert values["Asked outside the service"] == 2
    assert values["Asked outside the service: interested"] == 1
    rows = list(workbook["Asked outside the service"].values)
    assert len(rows) == 3
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Provider URN"] == off[0].urn
    assert first["Owner on Ofsted's list"] == "Owner 1 Ltd"
    assert first["What they said"] == "Interested" and first["How"] == "Email"


def test_the_demand_page_counts_enquiries_outside_the_service(world_map, client, asked, officer):
    request, off = asked
    second = child(world_map, reference="LAC-0078")
    off_service_enquiry_record(
        actor=officer, request=second, setting=off[2], method="phone", result="interested"
    )
    hub_admin = UserFactory(
        organisation=OrganisationFactory(region=world_map.la.region, hub=True), role=Role.HUB_ADMIN
    )
    sign_in(client, hub_admin.email)

    response = client.get(reverse("brokerage:region_demand"))

    html = response.content.decode()
    assert "Asked outside the service (interested)" in html
    rows = {row.name: row for row in response.context["rows"]}
    assert rows["Rutland"].off_service_enquiries == 3
    assert rows["Rutland"].off_service_interested == 2
    assert response.context["total"].off_service_enquiries == 3
    assert "3 (2)" in html
    assert "LAC-0077" not in html and "Owner 1 Ltd" not in html  # aggregate only


def test_an_enquiry_note_and_an_owner_name_reach_the_pages_as_text(world_map, signed_in, officer):
    script = "<script>window.__xss='note'</script>"
    owner = "<img src=x onerror=alert('owner')>"
    setting = home(world_map, name="Off X", owner_name=owner)
    request = child(world_map)
    off_service_enquiry_record(
        actor=officer,
        request=request,
        setting=setting,
        method="other",
        result="no_answer",
        note=script,
    )

    overview = signed_in.get(
        reverse("brokerage:referral_overview", args=[request.pk])
    ).content.decode()
    search = signed_in.get(search_url(request)).content.decode()
    form = signed_in.get(enquiry_url(request, setting.urn)).content.decode()

    assert script not in overview and escape(script) in overview
    for html in (overview, search, form):
        assert owner not in html and escape(owner) in html


def test_the_search_spreadsheet_gives_the_owner_and_whether_it_is_on_the_service(
    world_map, mixed, signed_in
):
    on, off = mixed
    request = child(world_map)

    response = signed_in.get(reverse("placements:placement_search_export", args=[request.pk]))

    header, *rows = list(load_workbook(io.BytesIO(response.content))["Matches"].values)
    by_urn = {row[1]: dict(zip(header, row, strict=True)) for row in rows}
    assert by_urn[on[0].urn]["Owner on Ofsted's list"] == "Oak Care Ltd"
    assert by_urn[on[0].urn]["On the service (can be sent a referral)"] == "Yes"
    assert by_urn[off[0].urn]["Owner on Ofsted's list"] == "Owner 1 Ltd"
    assert by_urn[off[0].urn]["On the service (can be sent a referral)"] == "No"
