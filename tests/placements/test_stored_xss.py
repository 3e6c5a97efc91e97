"""Stored XSS: a script typed into any text field (by an officer, a provider, a hub admin) or
arriving in Ofsted's list never reaches a page as markup. Every user-editable text field gets a
payload of its own; every page that shows them is fetched as the people who can see it, and the
raw payload must appear nowhere, while its escaped text appears on at least one page (so the
test is looking at the right pages).

The real-browser check (no script runs, the CSP blocks what escaping misses) is
tests/browser/test_xss.py.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.contrib.gis.geos import Polygon
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Invitation, Organisation, Role
from brokerage.referrals import (
    Answer,
    Shortlisted,
    referral_answer,
    referral_message_post,
    referral_send,
)
from placements.models import AreaToAvoid, PlacementSearch
from providers.models import ApiToken, CarerHousehold, Eligibility, SettingClaim, Vacancy
from tests.factories import OrganisationFactory, UserFactory
from tests.placements.builders import SCHOOL, child, home
from tests.providers.factories import SettingFactory


def evil(tag: str, *, limit: int = 200) -> str:
    """A payload naming its field: a script element and an event handler, as fits in `limit`."""
    both = f"<script>window.__xss='{tag}'</script><img src=x onerror=window.__xss='{tag}'>"
    if len(both) <= limit:
        return both
    short = f"<img src=x onerror=alert('{tag}')>"
    if len(short) <= limit:
        return short
    return f"<b onclick=alert({tag})>"[:limit]


PAYLOADS = {
    "la_name": evil("la"),
    "officer_name": evil("officer"),
    "manager_name": evil("manager"),
    "provider_name": evil("provider"),
    "provider_user_name": evil("provider_user"),
    "invitation_name": evil("invitation"),
    "setting_name": evil("setting"),
    "owner_name": evil("owner"),
    "address": evil("address"),
    "town": evil("town", limit=120),
    "what_we_offer": evil("offer"),
    "therapeutic_support": evil("therapy"),
    "vacancy_restriction": evil("restriction"),
    "agency_name": evil("agency"),
    "household_reference": evil("9", limit=20),
    "household_language": evil("lang", limit=40),
    "token_name": evil("token", limit=100),
    "reference": evil("7", limit=30),
    "place_school": evil("school", limit=60),
    "place_gran": evil("gran", limit=60),
    "avoid": evil("avoid", limit=60),
    "referral_note": evil("note"),
    "price_details": evil("price"),
    "answer_note": evil("answer"),
    "question": evil("question"),
    "reply": evil("reply"),
}


@pytest.fixture
def scene(world_map, settings):
    settings.TRAVEL_ENGINE = "estimate"
    la = world_map.la
    la.name = PAYLOADS["la_name"]
    la.save()
    officer = UserFactory(
        organisation=la, role=Role.PLACEMENT_OFFICER, full_name=PAYLOADS["officer_name"]
    )
    manager = UserFactory(organisation=la, role=Role.LA_MANAGER, full_name=PAYLOADS["manager_name"])
    Invitation.objects.create(
        email="new@la.example",
        full_name=PAYLOADS["invitation_name"],
        organisation=la,
        role=Role.PLACEMENT_OFFICER,
        invited_by=manager,
        nonce="n" * 64,
        expires_at=timezone.now() + timedelta(days=7),
    )
    hub_admin = UserFactory(
        organisation=OrganisationFactory(region=la.region, hub=True), role=Role.HUB_ADMIN
    )
    provider = OrganisationFactory(
        region=la.region, kind=Organisation.Kind.PROVIDER, name=PAYLOADS["provider_name"]
    )
    provider_user = UserFactory(
        organisation=provider, role=Role.PROVIDER_ADMIN, full_name=PAYLOADS["provider_user_name"]
    )
    setting = home(
        world_map,
        name=PAYLOADS["setting_name"],
        owner_name=PAYLOADS["owner_name"],
        address_line_1=PAYLOADS["address"],
        town=PAYLOADS["town"],
        provider_organisation=provider,
    )
    Eligibility.objects.filter(setting=setting).update(
        what_we_offer=PAYLOADS["what_we_offer"],
        therapeutic_support=PAYLOADS["therapeutic_support"],
    )
    Vacancy.objects.filter(setting=setting).update(restriction=PAYLOADS["vacancy_restriction"])
    agency = SettingFactory(name=PAYLOADS["agency_name"], provider_organisation=provider)
    CarerHousehold.objects.create(
        setting=agency,
        reference=PAYLOADS["household_reference"],
        postcode_district="LE15",
        languages=[PAYLOADS["household_language"]],
        places_now=1,
    )
    ApiToken.objects.create(
        organisation=provider,
        name=PAYLOADS["token_name"],
        key_prefix="abcd1234",
        key_sha256="0" * 64,
        created_by=provider_user,
    )
    # A claim waiting for the hub admin: its list shows the provider's name.
    SettingClaim.objects.create(setting=SettingFactory(), organisation=provider)
    request = child(
        world_map,
        reference=PAYLOADS["reference"],
        places=[(PAYLOADS["place_school"], SCHOOL, 45), (PAYLOADS["place_gran"], SCHOOL, None)],
    )
    ring = ((-0.75, 52.75), (-0.74, 52.75), (-0.74, 52.76), (-0.75, 52.75))
    AreaToAvoid.objects.create(
        request=request,
        label=PAYLOADS["avoid"],
        postcode="LE15 6AB",
        radius_metres=500,
        area=Polygon(ring, srid=4326),
    )
    return {
        "officer": officer,
        "manager": manager,
        "hub_admin": hub_admin,
        "provider_user": provider_user,
        "setting": setting,
        "agency": agency,
        "request": request,
    }


def check(client, user, url: str, pages: dict[str, str]) -> None:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    for field, payload in PAYLOADS.items():
        assert payload not in html, f"{field} reaches {url} unescaped"
    # What any payload's markup would look like, whatever field it came from.
    for raw in ("<script>window.__xss", "<img src=x onerror", "<b onclick"):
        assert raw not in html, f"{raw} on {url}"
    pages[url] = html


def test_no_user_text_reaches_a_page_unescaped(client, scene):
    pages: dict[str, str] = {}
    request, setting, agency = scene["request"], scene["setting"], scene["agency"]
    officer, provider_user = scene["officer"], scene["provider_user"]

    for url in (
        reverse("brokerage:home"),
        reverse("placements:placement_request_list"),
        reverse("brokerage:placement_request_detail", args=[request.pk]),
        reverse("placements:placement_request_update", args=[request.pk]),
        reverse("placements:placement_search", args=[request.pk]),
        reverse("providers:setting_list") + "?" + urlencode({"q": PAYLOADS["setting_name"]}),
        reverse("providers:setting_detail", args=[setting.urn]),
        reverse("providers:setting_location", args=[setting.urn]),
        reverse("providers:setting_detail", args=[agency.urn]),
    ):
        check(client, officer, url, pages)

    search = PlacementSearch.objects.filter(request=request).latest("created_at")
    query = urlencode([("urn", setting.urn), ("search", search.pk)])
    check(
        client,
        officer,
        reverse("brokerage:referral_create", args=[request.pk]) + "?" + query,
        pages,
    )
    (referral,) = referral_send(
        actor=officer,
        request=request,
        shortlist=[Shortlisted(setting)],
        deadline=timezone.now() + timedelta(hours=24),
        search=search,
        note=PAYLOADS["referral_note"],
    )
    referral_answer(
        actor=provider_user,
        referral=referral,
        answer=Answer.INTERESTED,
        weekly_price=Decimal("4250"),
        start_date=timezone.localdate() + timedelta(days=2),
        price_includes=["core"],
        price_details=PAYLOADS["price_details"],
        note=PAYLOADS["answer_note"],
    )
    referral_message_post(actor=provider_user, referral=referral, body=PAYLOADS["question"])
    referral_message_post(actor=officer, referral=referral, body=PAYLOADS["reply"])

    for url in (
        reverse("brokerage:referral_overview", args=[request.pk]),
        reverse("brokerage:placement_outcome_create", args=[request.pk]),
        reverse("brokerage:referral_detail", args=[referral.pk]),
        reverse("brokerage:la_referral_list"),
        reverse("brokerage:home"),  # the officer's work queue, with the answer and the request
    ):
        check(client, officer, url, pages)
    for url in (
        reverse("brokerage:home"),
        reverse("brokerage:referral_list"),
        reverse("brokerage:referral_detail", args=[referral.pk]),
        reverse("providers:provider_settings"),
        reverse("providers:setting_manage", args=[setting.urn]),
        reverse("providers:setting_eligibility_edit", args=[setting.urn]),
        reverse("providers:setting_vacancy_edit", args=[setting.urn]),
        reverse("providers:setting_location_edit", args=[setting.urn]),
        reverse("providers:household_list", args=[agency.urn]),
        reverse("providers:api_token_list"),
        reverse("brokerage:notification_preferences"),
    ):
        check(client, provider_user, url, pages)
    for url in (
        reverse("brokerage:home"),
        reverse("accounts:user_list"),
        reverse("accounts:account"),
    ):
        check(client, scene["manager"], url, pages)
    for url in (
        reverse("brokerage:home"),
        reverse("accounts:organisation_list"),
        reverse("providers:claim_list"),
        reverse("brokerage:region_demand"),
        reverse("accounts:user_list"),
    ):
        check(client, scene["hub_admin"], url, pages)

    everything = "\n".join(pages.values())
    not_shown = [field for field, payload in PAYLOADS.items() if escape(payload) not in everything]
    assert not_shown == [], "these fields were not found escaped on any page checked"
    # The one that ran script in a browser: the search page's journey-limit labels.
    search_page = pages[reverse("placements:placement_search", args=[request.pk])]
    assert f"Longest journey from {escape(PAYLOADS['place_school'])}" in search_page


def test_what_was_typed_comes_back_escaped_with_its_error(client, scene):
    """A form shown again with an error repeats what was typed, in the field and the message."""
    request = scene["request"]
    typed = "<script>window.__xss=1</script>"
    query = urlencode({"area": "radius", "postcode": typed, "radius_miles": "5", "polygon": typed})
    client.force_login(scene["officer"])

    response = client.get(reverse("placements:placement_search", args=[request.pk]) + "?" + query)

    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert typed not in html
    assert escape(typed) in html
