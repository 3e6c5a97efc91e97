"""The dashboards as people use them: who may see which, suppression in the page and the
spreadsheet, the period picker, and the sufficiency figures against a fixture counted by hand."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from brokerage.models import PlacementOutcome, Referral
from insight.dashboards import DASHBOARDS
from insight.periods import Period, financial_year, period_parse
from insight.sufficiency import sufficiency_get
from insight.tables import change_cell, count_cell, measure_cell, share_cell
from placements.models import PlacementRequest, PlacementSearch
from tests.placements.factories import PlacementRequestFactory
from tests.providers.factories import SettingFactory

TODAY = dt.date(2026, 12, 2)
MADE = dt.datetime(2026, 10, 5, 9, tzinfo=dt.UTC)  # inside the last 6 months before TODAY
REGIONAL = [d.slug for d in DASHBOARDS if d.slug != "open-work"]


@pytest.fixture(autouse=True)
def _today():
    """The pages read today's date: hold it at TODAY, whatever clock the suite runs on."""
    with time_machine.travel(dt.datetime(2026, 12, 2, 12, tzinfo=dt.UTC), tick=False):
        yield


def made_at(request: PlacementRequest, when: dt.datetime = MADE) -> PlacementRequest:
    PlacementRequest.objects.filter(pk=request.pk).update(created_at=when)
    request.refresh_from_db()
    return request


# Suppression --------------------------------------------------------------------------------


def test_counts_from_1_to_4_are_hidden_outside_the_viewers_own_la():
    assert count_cell(0, own=False).text == "0"
    assert [count_cell(n, own=False).suppressed for n in (1, 4, 5)] == [True, True, False]
    assert count_cell(3, own=True).text == "3"
    assert count_cell(3, own=False).text == "fewer than 5"
    assert count_cell(3, own=False).for_xlsx() == "[c]"
    # A share or a median made from a hidden count is hidden with it.
    assert share_cell(3, 20, own=False).suppressed and share_cell(10, 4, own=False).suppressed
    assert share_cell(5, 20, own=False).text == "25%"
    assert measure_cell(4.5, basis=3, own=False).suppressed
    assert measure_cell(4.25, basis=3, own=True, digits=1).text == "4.2"
    assert change_cell(count_cell(7, own=False), count_cell(2, own=False)).text == ""
    assert change_cell(count_cell(7, own=True), count_cell(2, own=True)).text == "+5"


# Periods ------------------------------------------------------------------------------------


def test_periods_and_the_one_before():
    six = period_parse({}, today=TODAY).period
    assert (six.start, six.end) == (dt.date(2026, 6, 3), dt.date(2026, 12, 3))
    # The same 183 days, just before.
    assert (six.previous().start, six.previous().end) == (dt.date(2025, 12, 2), six.start)
    fy = financial_year(2025)
    assert (fy.start, fy.end, fy.label) == (
        dt.date(2025, 4, 1),
        dt.date(2026, 4, 1),
        "Financial year 2025-26",
    )
    custom = period_parse(
        {"period": "custom", "from-day": "1", "from-month": "4", "from-year": "2026",
         "to-day": "30", "to-month": "6", "to-year": "2026"},
        today=TODAY,
    )  # fmt: skip
    assert custom.period == Period(dt.date(2026, 4, 1), dt.date(2026, 7, 1))
    bad = period_parse(
        {"period": "custom", "from-day": "31", "from-month": "2", "from-year": "2026"},
        today=TODAY,
    )
    assert bad.errors == {"from": "The start date must be a real date", "to": "Enter the end date"}


# Sufficiency against a fixture counted by hand ----------------------------------------------


@pytest.fixture
def requests_a1(world):
    la = world.la_a1
    girl = made_at(PlacementRequestFactory(organisation=la, age_years=14, needs=["autism"]))
    boy = made_at(
        PlacementRequestFactory(
            organisation=la, age_years=16, sex="male", placement_kind="emergency",
            urgency="today", needs=["autism", "mental_health"], risks=["going_missing"],
        )
    )  # fmt: skip
    small = made_at(PlacementRequestFactory(organisation=la, age_years=3))
    made_at(PlacementRequestFactory(organisation=la), MADE - dt.timedelta(days=400))  # too old
    # Searches: the girl's latest found 2, the boy's latest ran out at vacancies.
    for request, funnel, matches in (
        (girl, {"registered": 9, "criteria": 0}, 0),
        (girl, {"registered": 9, "criteria": 4, "available": 2, "where": 2, "travel": 2}, 2),
        (boy, {"registered": 9, "criteria": 3, "available": 0}, 0),
    ):
        PlacementSearch.objects.create(
            request=request, criteria={}, profile={}, engine="estimate", funnel=funnel,
            match_count=matches,
        )  # fmt: skip
    homes = [SettingFactory(provider_organisation=world.provider_a1) for _ in range(2)]
    setting = homes[0]
    for request, home, answered_hours in (
        (girl, homes[0], 2), (girl, homes[1], None), (small, homes[0], 6), (small, homes[1], 10)
    ):  # fmt: skip
        Referral.objects.create(
            request=request, setting=home, provider=world.provider_a1, profile={},
            sent_at=MADE + dt.timedelta(hours=1), deadline=MADE + dt.timedelta(days=2),
            status="not_able" if answered_hours else "sent",
            not_able_reason="no_vacancy" if answered_hours else "",
            answered_at=MADE + dt.timedelta(hours=1 + answered_hours) if answered_hours else None,
        )  # fmt: skip
    outcome = PlacementOutcome.objects.create(
        request=girl, setting=setting, urn=setting.urn, start_date=dt.date(2026, 10, 20),
        weekly_cost=Decimal(5000), social_care_weekly=Decimal(5000), services_included=["core"],
        commercial_route="spot",
    )  # fmt: skip
    PlacementOutcome.objects.filter(pk=outcome.pk).update(created_at=MADE + dt.timedelta(days=3))
    return world


def test_sufficiency_figures(requests_a1):
    period = period_parse({}, today=TODAY).period

    figures = sufficiency_get(
        organisation_ids=[requests_a1.la_a1.pk], start=period.start, end=period.end
    )

    assert figures.requests == 3
    assert figures.categories["placement_kind"] == {
        "emergency": 1, "planned": 2, "short_break": 0, "parent_and_child": 0,
    }  # fmt: skip
    assert figures.categories["age_band"] == {"0-4": 1, "5-9": 0, "10-15": 1, "16-17": 1, "18+": 0}
    assert figures.categories["sex"] == {"female": 2, "male": 1, "not_stated": 0}
    assert figures.categories["needs"]["autism"] == 2
    assert figures.categories["needs"]["mental_health"] == 1
    assert figures.categories["risks"]["going_missing"] == 1
    assert figures.categories["urgency"]["today"] == 1
    # Searched: the girl and the boy; only the boy's latest found nothing, at "available".
    assert (figures.searched, figures.no_match, figures.ran_out) == (2, 1, {"available": 1})
    # One placement, recorded 3 days after the request; the girl had 2 referrals.
    assert (figures.placed, figures.days_to_placement, figures.referrals_of_placed) == (1, 3.0, 2)
    # 4 sent, 3 answered after 2, 6 and 10 hours: median 6.
    assert (figures.referrals, figures.answered, figures.hours_to_answer) == (4, 3, 6.0)


# Who sees what ------------------------------------------------------------------------------


def url(slug: str, **query: str) -> str:
    address = reverse("insight:dashboard", args=[slug])
    return address + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


WHO = [
    ("hub_a", Role.HUB_ADMIN, {**dict.fromkeys(REGIONAL, 200), "open-work": 403}),
    ("la_a1", Role.LA_MANAGER, {**dict.fromkeys(REGIONAL, 200), "open-work": 200}),
    ("la_a1", Role.PLACEMENT_OFFICER, {**dict.fromkeys(REGIONAL, 403), "open-work": 200}),
    ("provider_a1", Role.PROVIDER_ADMIN, {**dict.fromkeys(REGIONAL, 403), "open-work": 403}),
    ("provider_a1", Role.PROVIDER_USER, {**dict.fromkeys(REGIONAL, 403), "open-work": 403}),
]


@pytest.mark.parametrize(("org", "role", "statuses"), WHO, ids=[f"{w[0]}-{w[1]}" for w in WHO])
def test_permission_matrix(client, requests_a1, org, role, statuses):
    client.force_login(requests_a1.user(org, role))

    for slug, status in statuses.items():
        assert client.get(url(slug)).status_code == status, slug
    index = client.get(reverse("insight:index"))
    assert index.status_code == (403 if org.startswith("provider") else 200)
    home = client.get(reverse("brokerage:home")).content.decode()
    assert ('href="/insight/"' in home) is (not org.startswith("provider"))


def test_signed_out_people_are_sent_to_sign_in(client, db):
    response = client.get(url("sufficiency"))
    assert response.status_code == 302 and "sign-in" in response["Location"]


def _row(html: str, label: str) -> list[str]:
    match = re.search(
        rf'<th scope="row" class="govuk-table__header">{re.escape(label)}</th>(.*?)</tr>',
        html,
        re.S,
    )
    assert match, label
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)
    ]


def test_an_la_manager_never_sees_another_las_count_under_5(client, requests_a1):
    world = requests_a1
    for _ in range(2):
        made_at(PlacementRequestFactory(organisation=world.la_a2))
    client.force_login(world.user("la_a1", Role.LA_MANAGER))

    own = client.get(url("sufficiency")).content.decode()
    region = client.get(url("sufficiency", la="region")).content.decode()
    sheet = client.get(url("sufficiency", la="region", format="xlsx"))

    # Their own LA in full: 1 emergency, 2 planned.
    assert _row(own, "Emergency")[0] == "1" and _row(own, "Planned")[0] == "2"
    # The region: 5 requests, 1 + 2... emergencies 1 (hidden), planned 4 (hidden).
    assert _row(region, "Emergency")[0] == "fewer than 5"
    assert _row(region, "Planned")[0] == "fewer than 5"
    assert _row(region, world.la_a1.name)[0] == "3"  # their own row
    assert _row(region, world.la_a2.name)[0] == "fewer than 5"  # never "2"
    book = load_workbook(io.BytesIO(sheet.content))
    rows = {row[0]: row[1:] for row in book["by_la"].iter_rows(min_row=5, values_only=True)}
    assert rows[world.la_a2.name][0] == "[c]" and rows[world.la_a1.name][0] == 3
    assert book.sheetnames[:3] == ["placement_kind", "age_band", "sex"]


def test_a_hub_admin_sees_suppressed_counts_and_only_their_own_region(client, requests_a1):
    world = requests_a1
    client.force_login(world.user("hub_a", Role.HUB_ADMIN))

    la_a1 = client.get(url("sufficiency", la=str(world.la_a1.pk))).content.decode()
    assert _row(la_a1, "Planned")[0] == "fewer than 5"
    client.force_login(world.user("hub_b", Role.HUB_ADMIN))
    other = client.get(url("sufficiency", la=str(world.la_a1.pk))).content.decode()
    assert world.la_a1.name not in other  # falls back to their own region
    assert "Insight: The region (" + world.la_b1.region.name in other


def test_the_page_has_a_chart_with_a_table_under_it(client, requests_a1):
    client.force_login(requests_a1.user("la_a1", Role.LA_MANAGER))

    html = client.get(url("sufficiency")).content.decode()

    section = html[html.index('id="heading-placement_kind"') :]
    assert section.index('role="img"') < section.index('<table class="govuk-table"')
    assert '<title id="chart-placement_kind-title">Requests by kind of placement</title>' in html


def test_bad_custom_dates_are_an_error_summary_and_the_default_period(client, requests_a1):
    client.force_login(requests_a1.user("la_a1", Role.LA_MANAGER))

    response = client.get(url("sufficiency", period="custom", **{"from-day": "40"}))

    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in html
    assert "The start date must include a month and year" in html
    assert "Last 6 months" in html


@pytest.mark.parametrize("slug", [d.slug for d in DASHBOARDS])
def test_every_dashboard_renders_and_exports_for_an_la_manager(client, requests_a1, slug):
    client.force_login(requests_a1.user("la_a1", Role.LA_MANAGER))

    page = client.get(url(slug))
    sheet = client.get(url(slug, format="xlsx"))

    assert page.status_code == 200
    assert sheet["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(sheet.content))
    assert book.sheetnames
    first = book[book.sheetnames[0]]
    assert first["A3"].value.startswith("[c]: fewer than 5")


@pytest.mark.parametrize("slug", [d.slug for d in DASHBOARDS])
def test_each_dashboard_makes_the_same_number_of_queries_however_many_requests(requests_a1, slug):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from insight.dashboards import DASHBOARDS_BY_SLUG
    from insight.scope import scope_get

    dashboard = DASHBOARDS_BY_SLUG[slug]
    who = ("la_a1", Role.LA_MANAGER) if slug == "open-work" else ("hub_a", Role.HUB_ADMIN)
    user = requests_a1.user(*who)
    scope = scope_get(user, None)
    assert scope is not None
    period = period_parse({}, today=TODAY).period

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            dashboard.build(scope, period)
        return len(captured)

    queries()  # the first fills the region's cached boundary
    before = queries()
    for _ in range(20):
        made_at(PlacementRequestFactory(organisation=requests_a1.la_a2, needs=["autism"]))
    assert queries() == before


def test_answers_by_provider_top_and_the_rest(requests_a1):
    from insight.sufficiency import answers_by_provider

    world = requests_a1
    period = period_parse({}, today=TODAY).period
    # Provider A1 has the fixture's 4 referrals (3 answered after 2, 6, 10 hours); A2 gets one
    # unanswered.
    other = SettingFactory(provider_organisation=world.provider_a2)
    request = PlacementRequest.objects.filter(organisation=world.la_a1).first()
    Referral.objects.create(
        request=request, setting=other, provider=world.provider_a2, profile={},
        sent_at=MADE, deadline=MADE + dt.timedelta(days=2), status="sent",
    )  # fmt: skip

    rows = answers_by_provider(
        organisation_ids=[world.la_a1.pk], start=period.start, end=period.end, top=1
    )

    assert [(r.provider, r.referrals, r.answered, r.hours_to_answer) for r in rows] == [
        ("Provider A1", 4, 3, 6.0),
        ("Other providers", 1, 0, None),
    ]
