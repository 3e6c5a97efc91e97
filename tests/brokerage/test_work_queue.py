"""Each role's home page is its work: the panels' selectors, scoped to the person's own
organisation (or a hub admin's region), and the page that shows them.

The clock is fixed (NOW, a Tuesday at midday in London) for the selectors; the page tests use
times relative to the real clock, as the page does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation, Role, User
from brokerage import queue_selectors as q
from brokerage.models import PlacementOutcome, Referral, ReferralMessage
from brokerage.referrals import referral_message_post
from placements.models import PlacementRequest
from providers.models import OfstedImport, Setting, SettingClaim, Vacancy
from tests.conftest import World
from tests.factories import OrganisationFactory, UserFactory
from tests.placements.factories import PlacementRequestFactory
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("Europe/London"))
PROFILE = {"age": 14, "sex": "female", "accommodation": ["residential"], "urgency": "today"}


def make_setting(organisation: Organisation, name: str, **values) -> Setting:
    values.setdefault("places", 4)
    return SettingFactory(
        childrens_home=True, name=name, provider_organisation=organisation, **values
    )


def make_referral(
    request: PlacementRequest,
    setting: Setting,
    *,
    status: str = Referral.Status.SENT,
    deadline: dt.datetime,
    sent_at: dt.datetime | None = None,
    answered_at: dt.datetime | None = None,
    **values,
) -> Referral:
    if status == Referral.Status.INTERESTED:
        values.setdefault("weekly_price", Decimal("5200"))
        values.setdefault("start_date", (deadline + dt.timedelta(days=2)).date())
    if status == Referral.Status.NOT_ABLE:
        values.setdefault("not_able_reason", Referral.NotAbleReason.NO_VACANCY)
    return Referral.objects.create(
        request=request,
        setting=setting,
        provider=setting.provider_organisation,
        sent_at=sent_at or deadline - dt.timedelta(days=1),
        deadline=deadline,
        status=status,
        answered_at=answered_at,
        profile=PROFILE,
        **values,
    )


def message(referral: Referral, body: str, *, from_provider: bool, at: dt.datetime) -> None:
    made = ReferralMessage.objects.create(referral=referral, from_provider=from_provider, body=body)
    ReferralMessage.objects.filter(pk=made.pk).update(created_at=at)


@dataclass
class Queues:
    world: World
    r1: PlacementRequest  # la_a1: one question waiting, one offer
    r2: PlacementRequest  # la_a1: nothing sent yet
    r3: PlacementRequest  # la_a1: closed
    question: Referral  # r1 → provider_a1's Ash House: the provider asked last; due today
    offer: Referral  # r1 → provider_a2's Beech Lodge: interested
    replied: Referral  # r1 → provider_a1's Cedar Cottage: the LA replied last; due in 2 days
    elsewhere: list[Referral]  # another LA's, another region's


def build(world: World, now: dt.datetime = NOW) -> Queues:
    ash = make_setting(world.provider_a1, "Ash House")
    beech = make_setting(world.provider_a2, "Beech Lodge")
    cedar = make_setting(world.provider_a1, "Cedar Cottage")
    far = make_setting(world.provider_b1, "Far Fields")
    r1 = PlacementRequestFactory(organisation=world.la_a1, reference="OWN/1")
    r2 = PlacementRequestFactory(organisation=world.la_a1, reference="OWN/2")
    r3 = PlacementRequestFactory(organisation=world.la_a1, reference="OWN/3", closed=True)
    question = make_referral(
        r1, ash, deadline=now + dt.timedelta(hours=5), sent_at=now - dt.timedelta(hours=6)
    )
    message(question, "Does she attend school in Oakham?", from_provider=True, at=now)
    offer = make_referral(
        r1,
        beech,
        status=Referral.Status.INTERESTED,
        deadline=now + dt.timedelta(hours=20),
        sent_at=now - dt.timedelta(hours=5),
        answered_at=now - dt.timedelta(hours=1),
    )
    replied = make_referral(
        r1, cedar, deadline=now + dt.timedelta(days=2), sent_at=now - dt.timedelta(hours=4)
    )
    message(replied, "Any pets?", from_provider=True, at=now - dt.timedelta(hours=3))
    message(replied, "No pets.", from_provider=False, at=now - dt.timedelta(hours=2))
    closed = make_referral(
        r3, ash, deadline=now + dt.timedelta(hours=3), sent_at=now - dt.timedelta(hours=7)
    )
    message(closed, "Still needed?", from_provider=True, at=now)

    # Another LA in the region, and another region: the same kinds of work, never ours.
    elsewhere = []
    for la, setting in ((world.la_a2, beech), (world.la_b1, far)):
        other = PlacementRequestFactory(organisation=la, reference=f"NOT-OURS/{la.pk}")
        waiting = make_referral(other, setting, deadline=now + dt.timedelta(hours=2))
        message(waiting, "A question for them", from_provider=True, at=now)
        interested = make_referral(
            other,
            make_setting(setting.provider_organisation, f"Other home {la.pk}"),
            status=Referral.Status.INTERESTED,
            deadline=now + dt.timedelta(hours=4),
            answered_at=now,
        )
        message(interested, "A question from them", from_provider=False, at=now)
        elsewhere += [waiting, interested]
    return Queues(world, r1, r2, r3, question, offer, replied, elsewhere)


@pytest.fixture
def queues(world) -> Queues:
    return build(world)


def officer(world: World, la: str = "la_a1") -> User:
    return world.user(la, Role.PLACEMENT_OFFICER)


# Placement officers and LA managers ------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.PLACEMENT_OFFICER, Role.LA_MANAGER])
def test_la_panels_hold_the_las_own_work_only(queues, role):
    user = queues.world.user("la_a1", role)

    requests = q.la_open_requests(user, now=NOW)
    assert [r.reference for r in requests.items] == ["OWN/2", "OWN/1"]  # newest first, open only
    own = {r.reference: r for r in requests.items}
    assert (own["OWN/1"].referrals_sent, own["OWN/1"].waiting, own["OWN/1"].offers) == (3, 2, 1)
    assert own["OWN/1"].question_waiting is True
    assert (own["OWN/2"].referrals_sent, own["OWN/2"].question_waiting) == (0, False)
    assert requests.total == 2

    questions = q.la_questions_waiting(user, now=NOW)
    assert [r.pk for r in questions.items] == [queues.question.pk]
    assert questions.items[0].last_message == "Does she attend school in Oakham?"

    assert [r.pk for r in q.la_answers(user, now=NOW).items] == [queues.offer.pk]
    assert [r.pk for r in q.la_deadlines_today(user, now=NOW).items] == [queues.question.pk]
    to_record = q.la_placements_to_record(user, now=NOW)
    assert [(r.reference, r.offers) for r in to_record.items] == [("OWN/1", 1)]


def test_another_la_sees_its_own_and_never_ours(queues):
    user = officer(queues.world, "la_a2")
    (theirs,) = q.la_open_requests(user, now=NOW).items
    assert theirs.reference.startswith("NOT-OURS")
    assert [r.pk for r in q.la_questions_waiting(user, now=NOW).items] == [queues.elsewhere[0].pk]
    assert [r.pk for r in q.la_answers(user, now=NOW).items] == [queues.elsewhere[1].pk]
    # Panels list requests or referrals: compare model and key, as their ids may coincide.
    ours = {(type(r), r.pk) for r in (queues.question, queues.offer, queues.replied)}
    ours |= {(type(r.request), r.request.pk) for r in (queues.question, queues.offer)}
    for panel in q.work_queue(user, now=NOW).panels.values():
        assert not ours & {(type(item), item.pk) for item in panel.items}


def test_a_question_answered_by_the_la_leaves_its_queue(queues):
    user = officer(queues.world)
    reply = referral_message_post(
        actor=user, referral=queues.question, body="Yes, Oakham College.", now=NOW
    )
    # The message is stamped by the real clock; put it on the test's.
    ReferralMessage.objects.filter(pk=reply.pk).update(created_at=NOW + dt.timedelta(minutes=5))
    assert q.la_questions_waiting(user, now=NOW).total == 0
    assert not q.la_open_requests(user, now=NOW).items[1].question_waiting


def test_a_deadline_today_that_passed_stays_in_todays_list_and_tomorrows_is_not_there(queues):
    user = officer(queues.world)
    Referral.objects.filter(pk=queues.question.pk).update(
        status=Referral.Status.EXPIRED, deadline=NOW - dt.timedelta(hours=1)
    )
    Referral.objects.filter(pk=queues.replied.pk).update(deadline=NOW + dt.timedelta(hours=13))
    (due,) = q.la_deadlines_today(user, now=NOW).items
    assert (due.pk, due.status) == (queues.question.pk, Referral.Status.EXPIRED)


def test_a_recorded_placement_is_no_longer_to_record(queues):
    PlacementOutcome.objects.create(
        request=queues.r1,
        setting=queues.offer.setting,
        urn=queues.offer.setting.urn,
        start_date=NOW.date(),
        weekly_cost=Decimal("5200"),
        social_care_weekly=Decimal("5200"),
        commercial_route="spot",
    )
    assert q.la_placements_to_record(officer(queues.world), now=NOW).total == 0


def test_each_la_panel_is_one_query_however_many_rows(queues):
    user = officer(queues.world)
    for number in range(5):
        extra = PlacementRequestFactory(organisation=queues.world.la_a1, reference=f"MORE/{number}")
        make_referral(
            extra,
            make_setting(queues.world.provider_a1, f"Home {number}"),
            status=Referral.Status.INTERESTED,
            deadline=NOW + dt.timedelta(hours=3),
            answered_at=NOW,
        )
        asking = make_referral(
            extra,
            make_setting(queues.world.provider_a2, f"Other {number}"),
            deadline=NOW + dt.timedelta(hours=3),
        )
        message(asking, "Question", from_provider=True, at=NOW)
    for selector in (
        q.la_open_requests,
        q.la_questions_waiting,
        q.la_answers,
        q.la_deadlines_today,
        q.la_placements_to_record,
    ):
        with CaptureQueriesContext(connection) as queries:
            panel = selector(user, now=NOW)
            for item in panel.items:
                str(getattr(item, "reference", "") or item.request.reference)
                if isinstance(item, Referral):
                    str(item.setting.display_name)
        assert len(queries) == 1, selector.__name__
        assert panel.total >= 5


def test_a_panel_lists_at_most_its_rows_and_counts_them_all(queues, settings):
    user = officer(queues.world)
    for number in range(q.PANEL_ROWS + 3):
        PlacementRequestFactory(organisation=queues.world.la_a1, reference=f"MANY/{number}")
    panel = q.la_open_requests(user, now=NOW)
    assert (len(panel.items), panel.total, panel.more) == (q.PANEL_ROWS, q.PANEL_ROWS + 5, 5)


# Providers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.PROVIDER_ADMIN, Role.PROVIDER_USER])
def test_provider_panels_hold_the_organisations_own_referrals_only(queues, role):
    user = queues.world.user("provider_a1", role)
    to_answer = q.provider_referrals_to_answer(user, now=NOW)
    # Soonest deadline first; not the closed request's, not another provider's.
    assert [r.pk for r in to_answer.items] == [queues.question.pk, queues.replied.pk]
    (waiting,) = q.provider_questions_waiting(user, now=NOW).items
    assert (waiting.pk, waiting.last_message) == (queues.replied.pk, "No pets.")


def test_another_provider_sees_its_own_and_never_ours(queues):
    user = queues.world.user("provider_a2", Role.PROVIDER_USER)
    assert [r.pk for r in q.provider_referrals_to_answer(user, now=NOW).items] == [
        queues.elsewhere[0].pk
    ]
    assert [r.pk for r in q.provider_questions_waiting(user, now=NOW).items] == [
        queues.elsewhere[1].pk
    ]
    far = queues.world.user("provider_b1", Role.PROVIDER_USER)
    assert [r.pk for r in q.provider_referrals_to_answer(far, now=NOW).items] == [
        queues.elsewhere[2].pk
    ]


def test_vacancies_to_confirm_are_the_organisations_stale_and_out_of_date_ones(world, settings):
    settings.VACANCY_STALE_DAYS, settings.VACANCY_EXPIRE_DAYS = 7, 14
    stated = {}
    for name, days, organisation, extra in (
        ("Fresh", 6, world.provider_a1, {}),
        ("Stale", 7, world.provider_a1, {}),
        ("Out of date", 15, world.provider_a1, {}),
        ("Closed", 30, world.provider_a1, {"closed": True}),
        ("Theirs", 20, world.provider_a2, {}),
    ):
        setting = make_setting(organisation, name, **extra)
        stated[name] = Vacancy.objects.create(
            setting=setting, places=1, confirmed_at=NOW - dt.timedelta(days=days)
        )
    make_setting(world.provider_a1, "Never stated")

    panel = q.provider_vacancies_to_confirm(world.user("provider_a1", Role.PROVIDER_USER), now=NOW)

    assert [(row.setting.name, row.view.state) for row in panel.items] == [
        ("Out of date", "expired"),
        ("Stale", "stale"),
    ]
    assert panel.total == 2


# Hub admins ------------------------------------------------------------------------------------


def test_hub_panels_hold_the_regions_claims_and_the_operator_the_imports(world):
    hub = world.user("hub_a", Role.HUB_ADMIN)
    other_hub = world.user("hub_b", Role.HUB_ADMIN)
    operator = UserFactory(
        organisation=OrganisationFactory(operator=True), role=Role.NATIONAL_OPERATOR
    )
    ours = SettingClaim.objects.create(
        setting=SettingFactory(), organisation=world.provider_a1, status="pending"
    )
    SettingClaim.objects.create(
        setting=SettingFactory(), organisation=world.provider_a2, status="approved"
    )
    theirs = SettingClaim.objects.create(
        setting=SettingFactory(), organisation=world.provider_b1, status="pending"
    )

    def preview(by: User, upload: str = "ofsted-imports/list.csv") -> OfstedImport:
        return OfstedImport.objects.create(
            source="list.csv", origin="upload", status="previewed", started_by=by, upload=upload
        )

    waiting = preview(operator)
    preview(operator, upload="")  # used, or its file gone: cannot be confirmed
    committed = OfstedImport.objects.create(
        source="scheduled.csv",
        origin="schedule",
        status="committed",
        summary={"rows": 5600, "created": 3, "updated": 10, "unchanged": 5587, "rejected": 0},
    )

    assert [c.pk for c in q.hub_claims_waiting(hub, now=NOW).items] == [ours.pk]
    assert [c.pk for c in q.hub_claims_waiting(other_hub, now=NOW).items] == [theirs.pk]
    # The operator decides any claim, and alone confirms Ofsted's national list.
    assert {c.pk for c in q.hub_claims_waiting(operator, now=NOW).items} == {ours.pk, theirs.pk}
    assert [i.pk for i in q.operator_imports_to_confirm(operator, now=NOW).items] == [waiting.pk]
    assert q.operator_imports_to_confirm(hub, now=NOW).total == 0
    assert "imports" not in q.work_queue(hub, now=NOW).panels
    assert q.last_import(hub) == committed == q.last_import(operator)
    # Nobody else gets a hub's panels.
    officer_queue = q.work_queue(world.user("la_a1", Role.PLACEMENT_OFFICER), now=NOW)
    assert officer_queue.kind == "la" and officer_queue.last_import is None
    assert q.hub_claims_waiting(world.user("la_a1", Role.LA_MANAGER), now=NOW).total == 0


def test_people_outside_a_role_get_no_panels(world, queues):
    la = world.la_a1
    la.member_until = timezone.now()
    la.save()
    former = officer(world)
    assert q.work_queue(former, now=NOW).kind == ""
    assert q.la_open_requests(former, now=NOW).total == 0
    assert q.provider_referrals_to_answer(former, now=NOW).total == 0


# The home page ---------------------------------------------------------------------------------

HEADINGS = {
    "la": [
        "Questions waiting for your reply",
        "Referral deadlines today",
        "Placements to record",
        "Answers from providers",
        "Open placement requests",
    ],
    "provider": ["Referrals to answer", "Messages waiting for your reply", "Vacancies to confirm"],
    "hub": ["Claims waiting for a decision"],
}
KIND = {
    Role.PLACEMENT_OFFICER: "la",
    Role.LA_MANAGER: "la",
    Role.PROVIDER_ADMIN: "provider",
    Role.PROVIDER_USER: "provider",
    Role.HUB_ADMIN: "hub",
}
ORG = {"la": "la_a1", "provider": "provider_a1", "hub": "hub_a"}


@pytest.fixture
def live_queues(world) -> Queues:
    """The same work, on the real clock (the page reads it)."""
    return build(world, now=timezone.now())


@pytest.mark.parametrize("role", list(KIND))
def test_the_home_page_shows_the_roles_own_panels_only(client, live_queues, role):
    kind = KIND[role]
    client.force_login(live_queues.world.user(ORG[kind], role))
    response = client.get(reverse("brokerage:home"))
    assert response.status_code == 200
    html = response.content.decode()
    for other, headings in HEADINGS.items():
        for heading in headings:
            assert (f">{heading} (" in html) is (other == kind), heading
    assert "NOT-OURS" not in html and "A question for them" not in html


def test_the_officers_home_counts_and_links_its_work(client, live_queues):
    client.force_login(officer(live_queues.world))
    html = client.get(reverse("brokerage:home")).content.decode()
    assert ">Questions waiting for your reply (1)</h2>" in html
    assert "Does she attend school in Oakham?" in html
    assert reverse("brokerage:referral_detail", args=[live_queues.question.pk]) in html
    assert ">Placements to record (1)</h2>" in html
    assert reverse("brokerage:referral_overview", args=[live_queues.r1.pk]) in html
    assert ">Open placement requests (2)</h2>" in html
    assert reverse("brokerage:placement_request_detail", args=[live_queues.r2.pk]) in html
    assert "No referrals sent" in html and "Question waiting" in html
    assert "£5,200 a week" in html


def test_empty_panels_say_so_in_words(client, world):
    client.force_login(officer(world))
    html = client.get(reverse("brokerage:home")).content.decode()
    assert ">Questions waiting for your reply (0)</h2>" in html
    assert "No questions waiting for your reply." in html
    assert "No open placement requests." in html
    client.force_login(world.user("provider_a1", Role.PROVIDER_USER))
    html = client.get(reverse("brokerage:home")).content.decode()
    assert "No referrals waiting for your answer." in html
    assert "No vacancies to confirm." in html
    client.force_login(world.user("hub_a", Role.HUB_ADMIN))
    html = client.get(reverse("brokerage:home")).content.decode()
    assert "No claims waiting for a decision." in html
    assert "No import has run yet." in html


@pytest.mark.parametrize(
    ("role", "org"), [(Role.PLACEMENT_OFFICER, "la_a1"), (Role.PROVIDER_USER, "provider_a1")]
)
def test_the_home_page_takes_the_same_queries_however_much_work(client, world, role, org):
    build(world, now=timezone.now())
    client.force_login(world.user(org, role))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("brokerage:home"))
    for number in range(4):
        request = PlacementRequestFactory(organisation=world.la_a1, reference=f"MORE/{number}")
        referral = make_referral(
            request,
            make_setting(world.provider_a1, f"Home {number}"),
            deadline=timezone.now() + dt.timedelta(hours=2),
        )
        message(referral, "Question", from_provider=True, at=timezone.now())
        Vacancy.objects.create(
            setting=referral.setting,
            places=1,
            confirmed_at=timezone.now() - dt.timedelta(days=20),
        )
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("brokerage:home"))
    assert len(many) == len(few)


def test_still_accurate_on_the_home_page_confirms_and_comes_back(client, world):
    setting = make_setting(world.provider_a1, "Ash House")
    vacancy = Vacancy.objects.create(
        setting=setting, places=2, confirmed_at=timezone.now() - dt.timedelta(days=9)
    )
    client.force_login(world.user("provider_a1", Role.PROVIDER_USER))
    html = client.get(reverse("brokerage:home")).content.decode()
    assert ">Vacancies to confirm (1)</h2>" in html
    still = reverse("providers:setting_vacancy_still_accurate", args=[setting.urn])
    assert f'action="{still}"' in html

    response = client.post(still, {"next": reverse("brokerage:home")})

    assert response.status_code == 302 and response["Location"] == reverse("brokerage:home")
    vacancy.refresh_from_db()
    assert timezone.now() - vacancy.confirmed_at < dt.timedelta(minutes=1)
    assert vacancy.places == 2
    assert "No vacancies to confirm." in client.get(reverse("brokerage:home")).content.decode()


def test_still_accurate_never_sends_anyone_to_another_site(client, world):
    setting = make_setting(world.provider_a1, "Ash House")
    Vacancy.objects.create(setting=setting, places=1, confirmed_at=timezone.now())
    client.force_login(world.user("provider_a1", Role.PROVIDER_USER))
    still = reverse("providers:setting_vacancy_still_accurate", args=[setting.urn])
    response = client.post(still, {"next": "https://evil.example/"})
    assert response["Location"] == reverse("providers:setting_manage", args=[setting.urn])


def test_the_hub_home_shows_the_last_imports_result(client, world):
    OfstedImport.objects.create(
        source="scheduled.csv",
        origin="schedule",
        status="committed",
        summary={"rows": 5600, "created": 3, "updated": 10, "unchanged": 5587, "rejected": 0},
    )
    client.force_login(world.user("hub_a", Role.HUB_ADMIN))
    html = client.get(reverse("brokerage:home")).content.decode()
    assert "5,600 rows: 3 new, 10 updated, 5,587 unchanged, 0 closed, 0 rejected" in html
    assert "Imported" in html


# The officer's request overview: a provider's question, prominently ----------------------------


def test_the_overview_says_which_questions_wait_for_the_officers_reply(client, live_queues):
    user = officer(live_queues.world)
    client.force_login(user)
    url = reverse("brokerage:referral_overview", args=[live_queues.r1.pk])
    html = client.get(url).content.decode()
    banner = html[html.index("govuk-notification-banner") : html.index("</div>\n</div>")]
    assert "1 question waiting for your reply" in banner
    assert "Ash House" in banner and "Does she attend school in Oakham?" in banner
    assert reverse("brokerage:referral_detail", args=[live_queues.question.pk]) in banner
    assert "Cedar Cottage" not in banner  # the LA replied last there

    referral_message_post(actor=user, referral=live_queues.question, body="Yes, Oakham College.")
    html = client.get(url).content.decode()
    assert "waiting for your reply" not in html
    assert "govuk-notification-banner" not in html


def test_the_overview_of_a_closed_request_has_no_question_banner(client, live_queues):
    client.force_login(officer(live_queues.world))
    html = client.get(
        reverse("brokerage:referral_overview", args=[live_queues.r3.pk])
    ).content.decode()
    assert "waiting for your reply" not in html


# The officer's "Referrals": the LA's referrals across its requests ----------------------------


def test_the_la_referral_list_holds_the_las_own_referrals_newest_first(client, live_queues):
    world = live_queues.world
    client.force_login(officer(world))
    response = client.get(reverse("brokerage:la_referral_list"))
    html = response.content.decode()
    assert response.context["section"] == "la_referrals"
    tabs = {tab["label"]: tab["count"] for tab in response.context["tabs"]}
    assert tabs == {"All": 4, "Waiting": 2, "Answered": 1, "Closed": 1}
    shown = [row["referral"].pk for row in response.context["rows"]]
    assert set(shown) == {
        live_queues.question.pk,
        live_queues.offer.pk,
        live_queues.replied.pk,
        Referral.objects.get(request=live_queues.r3).pk,
    }
    sent = [row["referral"].sent_at for row in response.context["rows"]]
    assert sent == sorted(sent, reverse=True)
    assert "NOT-OURS" not in html and "Far Fields" not in html
    assert "Request closed" in html

    waiting = client.get(reverse("brokerage:la_referral_list"), {"show": "waiting"}).context["rows"]
    assert {row["referral"].pk for row in waiting} == {
        live_queues.question.pk,
        live_queues.replied.pk,
    }
    answered = client.get(reverse("brokerage:la_referral_list"), {"show": "answered"}).context[
        "rows"
    ]
    assert [row["referral"].pk for row in answered] == [live_queues.offer.pk]


def test_another_regions_la_sees_only_its_own_referrals(client, live_queues):
    client.force_login(officer(live_queues.world, "la_b1"))
    response = client.get(reverse("brokerage:la_referral_list"))
    assert [row["referral"].pk for row in response.context["rows"]] == [
        r.pk
        for r in sorted(live_queues.elsewhere[2:], key=lambda r: (-r.sent_at.timestamp(), -r.pk))
    ]
    assert "OWN/" not in response.content.decode()


def test_an_empty_la_referral_list_says_so(client, world):
    client.force_login(officer(world))
    html = client.get(reverse("brokerage:la_referral_list"), {"show": "closed"}).content.decode()
    assert "No closed referrals." in html


@pytest.mark.parametrize(
    ("org", "role", "shown"),
    [
        ("la_a1", Role.PLACEMENT_OFFICER, True),
        ("la_a1", Role.LA_MANAGER, True),
        ("provider_a1", Role.PROVIDER_USER, False),
        ("hub_a", Role.HUB_ADMIN, False),
    ],
)
def test_referrals_in_the_navigation_lead_each_role_to_its_own_list(
    client, world, org, role, shown
):
    client.force_login(world.user(org, role))
    items = client.get(reverse("brokerage:home")).context["navigation_items"]
    urls = {item["url"] for item in items if item["label"].startswith("Referrals")}
    assert (reverse("brokerage:la_referral_list") in urls) is shown
    if role == Role.PROVIDER_USER:
        assert urls == {reverse("brokerage:referral_list")}
    if role == Role.HUB_ADMIN:
        assert urls == set()


def test_an_la_manager_is_an_la_manager_in_words(client, world):
    client.force_login(world.user("la_a1", Role.LA_MANAGER))
    html = client.get(reverse("brokerage:home")).content.decode()
    assert "You are signed in as an <strong>LA manager</strong>" in html
