"""A placement recorded through a framework lot: the lot and the member's tendered rate for the
child's band are kept with the outcome, a price above the rate needs a reason, and a lot the
setting cannot be bought through is refused. Through the service, the outcome page, the
request page and the record."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Organisation, Role, User
from brokerage import records
from brokerage.models import PlacementOutcome
from brokerage.referrals import (
    Answer,
    Shortlisted,
    placement_decide,
    referral_answer,
    referral_send,
)
from commissioning.models import Framework, Lot, Membership, NeedLevel
from placements.models import PlacementRequest
from providers.models import Setting
from tests.commissioning.factories import (
    FrameworkFactory,
    LotFactory,
    MembershipFactory,
    RateFactory,
)
from tests.factories import OrganisationFactory, RegionFactory, UserFactory, sign_in
from tests.placements.builders import Map, child, home, make_world_map

NOW = timezone.make_aware(datetime(2026, 11, 24, 9, 0))


@dataclass
class Scene:
    map: Map
    officer: User
    request: PlacementRequest
    willow: Setting
    oak: Setting
    framework: Framework
    lot: Lot


def framework_for(world_map: Map, setting: Setting, *, today: date, **values) -> Lot:
    """A current framework of the region, lot 2, with `setting` an active member at £5,200 a
    week for Complex and £4,100 for Standard."""
    framework = FrameworkFactory(
        region=world_map.la.region,
        name=values.pop("name", "North residential framework"),
        kind=values.pop("kind", Framework.Kind.FRAMEWORK),
        starts_on=today - timedelta(days=200),
        ends_on=today + timedelta(days=700),
    )
    lot = LotFactory(framework=framework, number=2, name="Complex needs homes")
    membership = MembershipFactory(lot=lot, setting=setting, joined_on=framework.starts_on)
    RateFactory(membership=membership, need_level=NeedLevel.COMPLEX, weekly_rate=Decimal("5200"))
    RateFactory(membership=membership, need_level=NeedLevel.STANDARD, weekly_rate=Decimal("4100"))
    return lot


@pytest.fixture
def scene(db, settings) -> Scene:
    settings.TRAVEL_ENGINE = "estimate"
    world_map = make_world_map()
    officer = UserFactory(organisation=world_map.la, role=Role.PLACEMENT_OFFICER)
    provider = OrganisationFactory(region=world_map.la.region, kind=Organisation.Kind.PROVIDER)
    willow = home(world_map, name="Willow House", provider_organisation=provider)
    oak = home(world_map, name="Oak Lodge", provider_organisation=provider)
    request = child(world_map, need_level=NeedLevel.COMPLEX)
    lot = framework_for(world_map, willow, today=timezone.localdate(NOW))
    return Scene(world_map, officer, request, willow, oak, lot.framework, lot)


def decide(scene: Scene, setting: Setting, **values) -> PlacementOutcome:
    terms = {
        "start_date": date(2026, 12, 1),
        "weekly_cost": Decimal("5200"),
        "services_included": ["core", "education"],
        "social_care_weekly": Decimal("5200"),
        "commercial_route": "spot",
        "distance_from": scene.request.places.get(),
    }
    terms.update(values)
    return placement_decide(
        actor=scene.officer, request=scene.request, setting=setting, now=NOW, **terms
    )


def refused(scene: Scene, setting: Setting, **values) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        decide(scene, setting, **values)
    assert not PlacementOutcome.objects.exists()
    scene.request.refresh_from_db()
    assert scene.request.status == PlacementRequest.Status.OPEN
    return raised.value.message_dict


# The service -------------------------------------------------------------------------------------


def test_spot_keeps_no_lot_and_no_rate_whatever_the_price(scene):
    outcome = decide(scene, scene.willow, weekly_cost=Decimal("6000"), social_care_weekly=6000)

    assert outcome.lot is None and outcome.tendered_rate is None
    assert outcome.commercial_route == "spot" and outcome.need_level == NeedLevel.COMPLEX
    assert outcome.above_rate_by is None and outcome.above_rate_reason == ""


def test_a_lot_within_the_rate_keeps_the_rate_and_takes_the_route_from_the_framework(scene):
    scene.framework.kind = Framework.Kind.DPS
    scene.framework.save()

    outcome = decide(scene, scene.willow, lot=scene.lot, commercial_route="spot")

    outcome.refresh_from_db()
    assert outcome.lot == scene.lot and outcome.commercial_route == "dps"
    assert outcome.need_level == "complex" and outcome.tendered_rate == Decimal("5200.00")
    assert outcome.above_rate_by is None and outcome.above_rate_reason == ""
    event = AuditEvent.objects.get(action=AuditEvent.Action.PLACEMENT_DECIDED)
    assert event.detail["framework"] == "North residential framework"
    assert event.detail["lot"] == 2 and event.detail["tendered_rate"] == "5200.00"
    assert event.detail["commercial_route"] == "dps" and event.detail["need_level"] == "complex"


def test_the_band_chosen_on_the_day_picks_the_rate_and_a_later_rate_change_does_not_rewrite_it(
    scene,
):
    outcome = decide(
        scene,
        scene.willow,
        lot=scene.lot,
        need_level=NeedLevel.STANDARD,
        weekly_cost=Decimal("4000"),
        social_care_weekly=Decimal("4000"),
    )
    Membership.objects.get(lot=scene.lot).rates.update(weekly_rate=Decimal("3000"))

    outcome.refresh_from_db()
    assert outcome.need_level == "standard" and outcome.tendered_rate == Decimal("4100.00")


def test_above_the_rate_without_a_reason_is_refused_and_nothing_changes(scene):
    errors = refused(
        scene,
        scene.willow,
        lot=scene.lot,
        weekly_cost=Decimal("5500"),
        social_care_weekly=Decimal("5500"),
        above_rate_reason="   ",
    )

    assert errors == {
        "above_rate_reason": ["Enter why the agreed price is above the framework rate of £5,200"]
    }


def test_above_the_rate_with_a_reason_is_saved_with_how_much_above(scene):
    outcome = decide(
        scene,
        scene.willow,
        lot=scene.lot,
        weekly_cost=Decimal("5500"),
        social_care_weekly=Decimal("5500"),
        above_rate_reason="Solo placement needed for the first month",
    )

    outcome.refresh_from_db()
    assert outcome.above_rate_by == Decimal("300.00")
    assert outcome.above_rate_reason == "Solo placement needed for the first month"
    event = AuditEvent.objects.get(action=AuditEvent.Action.PLACEMENT_DECIDED)
    assert event.detail["above_rate_reason"] == "Solo placement needed for the first month"


def test_a_reason_given_when_not_above_the_rate_is_not_kept(scene):
    outcome = decide(scene, scene.willow, lot=scene.lot, above_rate_reason="Just in case")

    assert outcome.above_rate_reason == ""


def test_a_lot_of_another_regions_framework_is_refused(scene):
    elsewhere = LotFactory(framework=FrameworkFactory(region=RegionFactory(), name="Elsewhere"))
    MembershipFactory(lot=elsewhere, setting=scene.willow, joined_on=date(2025, 4, 1))

    errors = refused(scene, scene.willow, lot=elsewhere)

    assert errors == {"lot": ["Choose one of your region's framework lots, or spot"]}


def test_a_lot_the_setting_is_not_an_active_member_of_is_refused(scene):
    errors = refused(scene, scene.oak, lot=scene.lot)
    assert errors == {
        "lot": [
            "Oak Lodge is not a current member of North residential framework, lot 2: choose "
            "another lot or spot"
        ]
    }

    Membership.objects.filter(lot=scene.lot).update(
        status=Membership.Status.SUSPENDED, status_changed_on=date(2026, 11, 1)
    )
    assert "lot" in refused(scene, scene.willow, lot=scene.lot)


def test_a_lot_that_has_ended_is_refused(scene):
    Lot.objects.filter(pk=scene.lot.pk).update(ends_on=date(2026, 11, 1))
    scene.lot.refresh_from_db()

    assert "lot" in refused(scene, scene.willow, lot=scene.lot)


# The record --------------------------------------------------------------------------------------


def test_the_record_json_and_sheet_carry_the_framework_terms(scene):
    decide(
        scene,
        scene.willow,
        lot=scene.lot,
        weekly_cost=Decimal("5500"),
        social_care_weekly=Decimal("5500"),
        above_rate_reason="Solo placement needed",
    )

    document = records.records_document(
        [records.placement_record_get(scene.request)], organisation_name="Rutland", now=NOW
    )
    placed = document["records"][0]["extensions"]["placementTerms"]
    assert placed["framework"] == "North residential framework" and placed["lot"] == 2
    assert placed["needLevel"] == "Complex" and placed["tenderedRate"] == 5200
    assert placed["aboveRateBy"] == 300 and placed["aboveRateReason"] == "Solo placement needed"
    assert placed["commercialRoute"] == "Framework"

    sheet = records.record_sheets(document)[0]
    row = dict(zip(sheet.headers, sheet.rows[0], strict=True))
    assert row["Framework"] == "North residential framework" and row["Lot"] == 2
    assert row["Need level"] == "Complex" and row["Tendered rate (£ a week)"] == 5200
    assert row["Above the rate by (£ a week)"] == 300
    assert row["Why above the rate"] == "Solo placement needed"


def test_a_spot_record_has_no_framework_terms(scene):
    decide(scene, scene.oak)

    document = records.records_document(
        [records.placement_record_get(scene.request)], organisation_name="Rutland", now=NOW
    )
    placed = document["records"][0]["extensions"]["placementTerms"]
    assert placed["framework"] is None and placed["lot"] is None
    assert placed["tenderedRate"] is None and placed["aboveRateReason"] is None
    assert placed["needLevel"] == "Complex"


# The outcome page and the request page ----------------------------------------------------------


@pytest.fixture
def referred(scene, client):
    """Willow (on the framework, today) and Oak (on none) referred; Willow offers £5,500."""
    today = timezone.localdate()
    Framework.objects.filter(pk=scene.framework.pk).update(
        starts_on=today - timedelta(days=200), ends_on=today + timedelta(days=700)
    )
    Lot.objects.filter(pk=scene.lot.pk).update(
        starts_on=today - timedelta(days=200), ends_on=today + timedelta(days=700)
    )
    Membership.objects.filter(lot=scene.lot).update(joined_on=today - timedelta(days=200))
    provider_user = UserFactory(
        organisation=scene.willow.provider_organisation, role=Role.PROVIDER_USER
    )
    willow, _ = referral_send(
        actor=scene.officer,
        request=scene.request,
        shortlist=[Shortlisted(scene.willow), Shortlisted(scene.oak)],
        deadline=timezone.now() + timedelta(hours=24),
    )
    referral_answer(
        actor=provider_user,
        referral=willow,
        answer=Answer.INTERESTED,
        weekly_price=Decimal("5500"),
        start_date=today + timedelta(days=3),
        price_includes=["core"],
    )
    sign_in(client, scene.officer.email)
    return client


def page_data(scene: Scene, setting: Setting, **values) -> dict:
    data = {
        "setting": setting.urn,
        "start_date": (timezone.localdate() + timedelta(days=3)).strftime("%d/%m/%Y"),
        "weekly_cost": "5500",
        "services_included": ["core"],
        "social_care_weekly": "5500",
        "need_level": "complex",
        "lot": f"{scene.lot.pk}-{scene.willow.pk}",
        "above_rate_reason": "",
        "distance_from": str(scene.request.places.get().pk),
    }
    data.update(values)
    return data


def test_the_outcome_page_offers_the_members_lots_with_the_rate_for_the_childs_band(
    scene, referred
):
    url = reverse("brokerage:placement_outcome_create", args=[scene.request.pk])

    html = referred.get(url).content.decode()

    assert "North residential framework, lot 2 — £5,200 a week for Complex" in html
    assert "Not through a framework (spot)" in html
    assert "Why is the agreed price above the framework rate?" in html
    # The band comes from the request, and can be changed.
    assert re.search(r'name="need_level"[^>]*value="complex"\s*checked', html)
    assert not re.search(r'name="need_level"[^>]*value="standard"\s*checked', html)
    # The lot says how it was bought: the route is not asked twice.
    assert "How was the placement bought?" not in html


def test_a_setting_on_no_framework_is_only_spot_and_the_route_is_asked(scene, referred):
    Membership.objects.all().delete()
    url = reverse("brokerage:placement_outcome_create", args=[scene.request.pk])

    html = referred.get(url).content.decode()

    assert "Was it bought through one of your region&#x27;s frameworks?" not in html
    assert "How was the placement bought?" in html and "Dynamic purchasing system" in html


def test_above_the_rate_on_the_page_asks_for_the_reason_then_shows_it(scene, referred):
    url = reverse("brokerage:placement_outcome_create", args=[scene.request.pk])

    response = referred.post(url, page_data(scene, scene.willow))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter why the agreed price is above the framework rate of £5,200" in html
    assert 'href="#id_above_rate_reason"' in html
    assert not PlacementOutcome.objects.exists()

    response = referred.post(
        url, page_data(scene, scene.willow, above_rate_reason="Solo for the first month")
    )

    assert response.status_code == 302
    outcome = PlacementOutcome.objects.get()
    assert outcome.lot == scene.lot and outcome.commercial_route == "framework"
    page = referred.get(response["Location"]).content.decode()
    assert "North residential framework, lot 2" in page
    assert "£5,200 a week (Complex)" in page
    assert "Above the rate by £300" in page and "Solo for the first month" in page


def test_spot_on_the_page_records_spot(scene, referred):
    url = reverse("brokerage:placement_outcome_create", args=[scene.request.pk])

    response = referred.post(url, page_data(scene, scene.oak, lot="spot"))

    assert response.status_code == 302
    outcome = PlacementOutcome.objects.get()
    assert outcome.lot is None and outcome.commercial_route == "spot"
    page = referred.get(response["Location"]).content.decode()
    assert "Tendered rate" not in page and "Spot purchase" in page


def test_a_lot_for_another_setting_on_the_page_is_an_error_on_the_lot(scene, referred):
    url = reverse("brokerage:placement_outcome_create", args=[scene.request.pk])

    response = referred.post(url, page_data(scene, scene.oak))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Oak Lodge is not a current member of North residential framework, lot 2" in html
    assert 'href="#id_lot' in html
    assert not PlacementOutcome.objects.exists()


def test_when_several_offered_settings_are_members_each_lot_names_its_setting(scene, referred):
    MembershipFactory(
        lot=scene.lot, setting=scene.oak, joined_on=timezone.localdate() - timedelta(days=10)
    )
    url = reverse("brokerage:placement_outcome_create", args=[scene.request.pk])

    html = referred.get(url).content.decode()

    # Oak tendered no rate, so its choice names the lot instead of a price.
    assert "North residential framework, lot 2 (Oak Lodge): Complex needs homes" in html
    assert "North residential framework, lot 2 (Willow House) — £5,200 a week for Complex" in html

    response = referred.post(url, page_data(scene, scene.oak, lot=f"{scene.lot.pk}-{scene.oak.pk}"))

    assert response.status_code == 302
    outcome = PlacementOutcome.objects.get()
    assert outcome.lot == scene.lot and outcome.tendered_rate is None
    assert outcome.above_rate_reason == ""
