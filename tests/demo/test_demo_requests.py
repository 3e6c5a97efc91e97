"""The demo year of requests (issue 13): made through the services, marked demo, varied enough
for every dashboard, and never made twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db.models import Count
from django.utils import timezone

from accounts.models import AuditEvent, Organisation, Region, Role, User
from brokerage.models import Notification, PlacementOutcome, Referral
from common.demo import DemoRefused
from demo.requests import DEMO_NOT_SENT, demo_requests_seed
from demo.requests_bulk import demo_requests_bulk
from geo.models import PostcodeDistrict
from placements.models import (
    CLOSE_REASONS_CHOSEN,
    CloseReason,
    PlacementRequest,
    PlacementSearch,
    PlaceThatMatters,
)
from providers.demo import demo_facts_seed
from tests.factories import (
    AreaFactory,
    OrganisationFactory,
    PostcodeFactory,
    RegionFactory,
    UserFactory,
    square,
)
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db

# Two neighbouring authorities, each a 0.2° square with its own postcode district.
LAS = (("E06900001", "LE15", -0.9), ("E06900002", "LE16", -0.7))
LATITUDE = 52.6


@dataclass
class DemoLike:
    region: Region
    las: list[Organisation]


def _postcodes(gss: str, district: str, west: float) -> list[str]:
    codes = []
    for n in range(12):
        code = f"{district} {n % 10}{'AB'[n // 10]}{'AB'[n // 10]}"
        point = Point(west + 0.02 + n % 4 * 0.05, LATITUDE + 0.03 + n // 4 * 0.05, srid=4326)
        PostcodeFactory(postcode=code, point=point, utla_code=gss, ltla_code=gss)
        codes.append(code)
    PostcodeDistrict.objects.create(
        district=district, point=Point(west + 0.1, LATITUDE + 0.1, srid=4326), postcodes=12
    )
    return codes


@pytest.fixture
def demo_like(settings) -> DemoLike:
    """A region of two member authorities with postcodes, and homes, supported accommodation
    and a fostering agency on the service (with demo facts: criteria, vacancies, households)."""
    settings.TRAVEL_ENGINE = "estimate"
    region = RegionFactory(name="Demo-like Care Co-operative")
    OrganisationFactory(region=region, hub=True)
    providers = [OrganisationFactory(region=region, name=f"Provider {n} (demo)") for n in (1, 2)]
    las = []
    for index, (gss, district, west) in enumerate(LAS):
        area = AreaFactory(
            gss_code=gss, name=f"Authority {index + 1}", boundary=square(west, LATITUDE, 0.2)
        )
        la = OrganisationFactory(region=region, local_authority=True, area=area)
        las.append(la)
        codes = _postcodes(gss, district, west)
        kinds = (
            ["childrens_home"] * 5
            + ["supported_accommodation"] * 2
            + ["independent_fostering_agency"]
        )
        for n, kind in enumerate(kinds):
            SettingFactory(
                provision_type=kind,
                name="" if kind == "childrens_home" else f"Setting {gss}-{n}",
                local_authority=area,
                postcode=codes[n],
                location=Point(west + 0.03 + n * 0.02, LATITUDE + 0.1, srid=4326),
                places=4,
                provider_organisation=providers[n % 2],
            )
    # The first authority already has an officer; the second gets a demo one.
    UserFactory(organisation=las[0], role=Role.PLACEMENT_OFFICER, email="officer.one@example.org")
    demo_facts_seed(local_authority_codes=[gss for gss, _, _ in LAS], commit=True, seed=5)
    return DemoLike(region=region, las=las)


def test_a_year_of_varied_requests_through_the_services(demo_like):
    today = timezone.localdate()
    report = demo_requests_seed(today=today, count=30, months=12, seed=13, region=demo_like.region)

    requests = PlacementRequest.objects.all()
    assert report.requests == requests.count() == 30
    assert all(r.startswith("DEMO-") for r in requests.values_list("reference", flat=True))
    assert sorted(requests.values_list("reference", flat=True))[:2] == ["DEMO-0001", "DEMO-0002"]
    # Spread over the year before today, by both authorities.
    created = list(requests.values_list("created_at", flat=True))
    months = {timezone.localtime(moment).strftime("%Y-%m") for moment in created}
    assert len(months) >= 10
    assert all(
        today.toordinal() - timezone.localdate(m).toordinal() in range(1, 367) for m in created
    )
    per_la = {la.pk: requests.filter(organisation=la).count() for la in demo_like.las}
    assert min(per_la.values()) >= 3 and sum(per_la.values()) == 30
    # Made by each authority's officer: the one it had, or a demo one made for it.
    officer = User.objects.get(email="placement.officer.e06900002@example.org")
    assert officer.organisation == demo_like.las[1] and "(demo)" in officer.full_name
    assert report.officers_created == 1
    assert set(requests.values_list("created_by__email", flat=True)) == {
        "officer.one@example.org",
        officer.email,
    }

    # Varied children, with real places and home districts in their own authority.
    assert len(set(requests.values_list("age_years", flat=True))) >= 6
    assert len(set(requests.values_list("sex", flat=True))) >= 2
    assert len(set(requests.values_list("urgency", flat=True))) >= 2
    assert requests.exclude(risks=[]).exists() and requests.exclude(needs=[]).exists()
    for request in requests:
        district = dict(LAS_DISTRICTS)[request.organisation.gss_code]
        assert request.home_district == district
        assert request.places.exists()
        assert all(p.postcode.startswith(district + " ") for p in request.places.all())
        assert request.places.filter(label__in=["School", "Nursery", "College"]).exists()
    assert PlaceThatMatters.objects.exclude(created_at__in=created).count() == 0

    # Outcomes: every reason for closing otherwise, placements here, and open requests.
    reasons = set(requests.values_list("close_reason", flat=True))
    assert set(CLOSE_REASONS_CHOSEN) <= reasons
    placed = requests.filter(close_reason=CloseReason.PLACED_HERE)
    assert report.placed_here == placed.count() == PlacementOutcome.objects.count() > 0
    assert report.open == requests.filter(status="open").count() > 0
    assert (
        report.closed_other
        == requests.filter(status="closed").exclude(close_reason=CloseReason.PLACED_HERE).count()
    )
    assert report.placed_here + report.closed_other + report.open == 30
    outside = requests.get(pk=requests.filter(close_reason="placed_outside").first().pk)
    assert outside.secured_accommodation in outside.accommodation
    assert outside.secured_weekly_cost > 0 and outside.secured_in_area is not None

    # Searches, referrals and answers, each at its simulated moment.
    assert report.searches == PlacementSearch.objects.count() >= 30
    assert report.referrals == Referral.objects.count() > 0
    assert report.answered == Referral.objects.filter(answered_at__isnull=False).count() > 0
    for referral in Referral.objects.select_related("request"):
        assert referral.request.created_at < referral.sent_at == referral.created_at
        assert referral.sent_at < referral.deadline
        if referral.answered_at:
            assert referral.sent_at < referral.answered_at < referral.deadline
    for outcome in PlacementOutcome.objects.select_related("request", "referral"):
        assert outcome.referral.status == Referral.Status.PLACED
        assert outcome.referral.answered_at < outcome.created_at == outcome.request.closed_at
        assert outcome.home_district == outcome.request.home_district
        assert outcome.home_miles is not None and outcome.inside_la is not None
    for request in requests.filter(status="closed"):
        assert request.created_at < request.closed_at <= timezone.now()
    # The audit trail tells the same story at the same moments.
    created_events = AuditEvent.objects.filter(action=AuditEvent.Action.PLACEMENT_REQUEST_CREATED)
    assert created_events.count() == 30
    for event in created_events:
        assert event.created_at == requests.get(pk=event.detail["placement_request"]).created_at
    for event in AuditEvent.objects.filter(action=AuditEvent.Action.REFERRAL_ANSWERED):
        assert event.created_at == Referral.objects.get(pk=event.detail["referral"]).answered_at
    assert not AuditEvent.objects.filter(
        created_at__gt=timezone.now() - timedelta(minutes=5)
    ).exists()
    # The year's emails are on the record, but none is sent.
    assert Notification.objects.exists()
    assert not Notification.objects.exclude(last_error=DEMO_NOT_SENT).exists()
    assert not Notification.objects.filter(sent_at__isnull=True).exists()

    # Run again: nothing more.
    again = demo_requests_seed(today=today, count=30, region=demo_like.region)
    assert again.requests == 0 and "nothing seeded" in again.summary
    assert PlacementRequest.objects.count() == 30


LAS_DISTRICTS = [(gss, district) for gss, district, _ in LAS]


def test_the_same_seed_makes_the_same_year(demo_like):
    today = timezone.localdate()
    demo_requests_seed(today=today, count=12, seed=4, region=demo_like.region)
    first = list(
        PlacementRequest.objects.order_by("reference").values_list(
            "reference", "age_years", "sex", "close_reason", "home_district"
        )
    )
    Notification.objects.all().delete()
    PlacementOutcome.objects.all().delete()
    Referral.objects.all().delete()
    PlacementRequest.objects.all().delete()
    demo_requests_seed(today=today, count=12, seed=4, region=demo_like.region)
    again = PlacementRequest.objects.order_by("reference").values_list(
        "reference", "age_years", "sex", "close_reason", "home_district"
    )
    assert list(again) == first


def test_refused_where_demo_data_is_not_allowed(demo_like, settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(DemoRefused):
        demo_requests_seed(today=timezone.localdate(), count=5, region=demo_like.region)
    assert not PlacementRequest.objects.exists()


def test_bulk_for_the_bench_makes_exactly_what_was_asked(demo_like):
    today = timezone.localdate()
    report = demo_requests_bulk(
        region=demo_like.region, today=today, requests=200, referrals=800, seed=3
    )

    requests = PlacementRequest.objects.all()
    assert report.requests == requests.count() == 200
    assert report.referrals == Referral.objects.count() == 800
    assert report.places == PlaceThatMatters.objects.count() >= 200
    assert report.searches == PlacementSearch.objects.count() >= 200
    assert all(r.startswith("DEMO-") for r in requests.values_list("reference", flat=True))
    # No more than 6 referrals a request, never two to one setting (the database says so too).
    per_request = Referral.objects.values("request").annotate(n=Count("pk"))
    assert max(row["n"] for row in per_request) <= 6
    # Every ending, each consistent with its referrals and outcome.
    placed = requests.filter(close_reason=CloseReason.PLACED_HERE)
    assert report.placed_here == placed.count() == PlacementOutcome.objects.count() > 0
    assert report.open == requests.filter(status="open").count() > 0
    assert set(CLOSE_REASONS_CHOSEN) <= set(requests.values_list("close_reason", flat=True))
    for outcome in PlacementOutcome.objects.select_related("referral", "request"):
        assert outcome.referral.status == Referral.Status.PLACED
        assert outcome.referral.request_id == outcome.request_id
        assert outcome.created_at == outcome.request.closed_at > outcome.referral.answered_at
        assert outcome.weekly_cost == outcome.referral.weekly_price
        assert outcome.home_miles is not None and outcome.over_20_miles is not None
    # Timestamps are the simulated ones, over the year, not the moment of writing.
    months = {
        timezone.localtime(m).strftime("%Y-%m")
        for m in requests.values_list("created_at", flat=True)
    }
    assert len(months) >= 12
    assert not Referral.objects.filter(
        created_at__gt=timezone.now() - timedelta(minutes=1),
        sent_at__lt=timezone.now() - timedelta(days=2),
    ).exists()
    for referral in Referral.objects.select_related("request")[:200]:
        assert referral.request.created_at < referral.sent_at == referral.created_at
        if referral.answered_at:
            assert referral.sent_at < referral.answered_at < referral.deadline
    # Each search's funnel narrows step by step.
    for funnel in PlacementSearch.objects.values_list("funnel", flat=True):
        steps = [funnel[k] for k in ("registered", "criteria", "available", "where", "travel")]
        assert steps == sorted(steps, reverse=True)
    # The clock is the clock again afterwards.
    later = PlacementRequest.objects.first()
    later.save()
    later.refresh_from_db()
    assert later.updated_at > timezone.now() - timedelta(minutes=1)
