"""Providers keep their facts true through pages; private locations and their audit."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import unescape

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from geo.models import Postcode
from providers import facts
from providers.models import Eligibility, LocationView, Risk, Setting, SettingClaim, Vacancy
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db

HUB, MGR, OFF, PADM, PUSR = (
    Role.HUB_ADMIN,
    Role.LA_MANAGER,
    Role.PLACEMENT_OFFICER,
    Role.PROVIDER_ADMIN,
    Role.PROVIDER_USER,
)
ACTOR_ORG = {HUB: "hub_a", MGR: "la_a1", OFF: "la_a1", PADM: "provider_a1", PUSR: "provider_a1"}


@pytest.fixture
def home(world):
    """A children's home run by provider A1 (an approved claim), with 4 registered places."""
    return SettingFactory(
        urn="SC100001",
        provision_type="childrens_home",
        places=4,
        provider_organisation=world.provider_a1,
        address_line_1="1 Secret Lane",
        town="Oakham",
        postcode="LE15 6AB",
        location=Point(-0.73, 52.67, srid=4326),
    )


@pytest.fixture
def postcode(db):
    return Postcode.objects.create(
        postcode="LE15 6AB",
        point=Point(-0.7286, 52.6707, srid=4326),
        ltla_code="E06000017",
        utla_code="E06000017",
    )


def _eligibility_post(**overrides):
    data = {
        "min_age": 11,
        "max_age": 17,
        "sexes": ["female"],
        "placement_kinds": ["planned", "emergency"],
        "minimum_notice_days": 2,
        "living_alongside": "with_others",
        "communication": ["bsl"],
        "what_we_offer": "A calm home near good schools.",
    }
    for risk in Risk:
        data[f"risk_{risk.value}"] = "will_consider"
    for need in ("autism", "learning_disability", "mental_health", "physical_disability"):
        data[f"need_{need}"] = "can_meet"
    data["need_substance_misuse"] = "cannot_meet"
    data["need_parenting"] = "cannot_meet"
    data["risk_fire_setting"] = "cannot_meet"
    data.update(overrides)
    return data


class TestClaims:
    def test_provider_admin_claims_and_hub_admin_approves(self, world, client):
        setting = SettingFactory(urn="SC200002")
        client.force_login(world.user("provider_a1", PADM))
        response = client.post(reverse("providers:setting_claim"), {"urn": "sc200002"}, follow=True)
        assert "A hub admin will check and approve it." in response.content.decode()
        claim = SettingClaim.objects.get()
        assert claim.status == "pending"
        # A rival claim from another provider in the region.
        rival = facts.setting_claim_request(actor=world.user("provider_a2", PADM), setting=setting)

        client.force_login(world.user("hub_a", HUB))
        page = client.get(reverse("providers:claim_list"))
        assert "SC200002" in page.content.decode()
        client.post(reverse("providers:claim_decide", args=[claim.pk]), {"decision": "approve"})
        setting.refresh_from_db()
        rival.refresh_from_db()
        assert setting.provider_organisation == world.provider_a1
        assert rival.status == "rejected"

    def test_unknown_urn_and_bad_format_are_form_errors(self, world, client):
        client.force_login(world.user("provider_a1", PADM))
        html = client.post(reverse("providers:setting_claim"), {"urn": "SC999999"}).content.decode()
        assert "There is no setting with this URN" in html
        html = client.post(reverse("providers:setting_claim"), {"urn": "hello"}).content.decode()
        assert "Enter a URN like SC123456" in html
        assert not SettingClaim.objects.exists()

    @pytest.mark.parametrize("role", [HUB, MGR, OFF, PUSR])
    def test_only_provider_admins_claim(self, world, client, role):
        SettingFactory(urn="SC200003")
        client.force_login(world.user(ACTOR_ORG[role], role))
        assert (
            client.post(reverse("providers:setting_claim"), {"urn": "SC200003"}).status_code == 403
        )
        assert not SettingClaim.objects.exists()

    def test_another_regions_hub_admin_cannot_decide(self, world, client):
        setting = SettingFactory(urn="SC200004")
        claim = facts.setting_claim_request(actor=world.user("provider_a1", PADM), setting=setting)
        client.force_login(world.user("hub_b", HUB))
        response = client.post(
            reverse("providers:claim_decide", args=[claim.pk]), {"decision": "approve"}
        )
        assert response.status_code == 404
        claim.refresh_from_db()
        assert claim.status == "pending"


MANAGE_PAGES = [
    "providers:setting_manage",
    "providers:setting_eligibility_edit",
    "providers:setting_vacancy_edit",
    "providers:setting_location_edit",
]


@pytest.mark.parametrize("page", MANAGE_PAGES)
@pytest.mark.parametrize(
    ("org", "role", "expected"),
    [
        ("provider_a1", PADM, 200),
        ("provider_a1", PUSR, 200),
        ("provider_a2", PADM, 404),  # another provider: not found, never a leak
        ("provider_b1", PUSR, 404),
        ("hub_a", HUB, 403),
        ("la_a1", MGR, 403),
        ("la_a1", OFF, 403),
    ],
)
def test_manage_pages_matrix(world, client, home, page, org, role, expected):
    client.force_login(world.user(org, role))
    assert client.get(reverse(page, args=[home.urn])).status_code == expected


def test_provider_pages_for_signed_out_people_redirect(client, home):
    for page in MANAGE_PAGES:
        response = client.get(reverse(page, args=[home.urn]))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


class TestEligibility:
    def test_saved_with_history_of_who(self, world, client, home):
        user = world.user("provider_a1", PUSR)
        client.force_login(user)
        response = client.post(
            reverse("providers:setting_eligibility_edit", args=[home.urn]),
            _eligibility_post(),
            follow=True,
        )
        assert "Who you can care for has been saved." in response.content.decode()
        eligibility = Eligibility.objects.get(setting=home)
        assert (eligibility.min_age, eligibility.max_age) == (11, 17)
        assert eligibility.risks["fire_setting"] == "cannot_meet"
        assert eligibility.needs["autism"] == "can_meet"
        assert set(eligibility.placement_kinds) == {"planned", "emergency"}
        assert eligibility.history.first().history_user == user
        client.post(
            reverse("providers:setting_eligibility_edit", args=[home.urn]),
            _eligibility_post(max_age=15),
        )
        assert eligibility.history.count() == 2
        manage = client.get(reverse("providers:setting_manage", args=[home.urn])).content.decode()
        assert "Changed: max age" in manage

    def test_notice_in_words_and_change_times_the_govuk_way(self, world, client, home):
        user = world.user("provider_a1", PUSR)
        client.force_login(user)
        edit = reverse("providers:setting_eligibility_edit", args=[home.urn])
        client.post(edit, _eligibility_post(minimum_notice_days=1))
        # A change at 12:14 in the afternoon (London, winter) reads "12:14pm".
        history = Eligibility.objects.get(setting=home).history.first()
        history.history_date = timezone.make_aware(datetime(2026, 11, 24, 12, 14))
        history.save()
        manage = unescape(
            client.get(reverse("providers:setting_manage", args=[home.urn])).content.decode()
        )
        assert "1 day's notice" in manage and "1 days' notice" not in manage
        assert "24 Nov 2026, 12:14pm" in manage
        assert "p.m." not in manage and "a.m." not in manage
        client.post(edit, _eligibility_post(minimum_notice_days=0))
        manage = client.get(reverse("providers:setting_manage", args=[home.urn])).content.decode()
        assert "no notice needed" in manage
        client.force_login(world.user("la_a1", OFF))
        detail = client.get(reverse("providers:setting_detail", args=[home.urn])).content.decode()
        assert "No notice needed" in detail and "0 days" not in detail
        client.force_login(user)
        client.post(edit, _eligibility_post(minimum_notice_days=2))
        client.force_login(world.user("la_a1", OFF))
        detail = unescape(
            client.get(reverse("providers:setting_detail", args=[home.urn])).content.decode()
        )
        assert "2 days' notice" in detail

    def test_errors_are_shown_and_nothing_saved(self, world, client, home):
        client.force_login(world.user("provider_a1", PUSR))
        data = _eligibility_post(min_age=16, max_age=12)
        del data["risk_self_harm"]
        html = client.post(
            reverse("providers:setting_eligibility_edit", args=[home.urn]), data
        ).content
        html = html.decode()
        assert "govuk-error-summary" in html
        assert "Say whether you can meet self-harm" in html
        assert not Eligibility.objects.exists()
        html = client.post(
            reverse("providers:setting_eligibility_edit", args=[home.urn]),
            _eligibility_post(min_age=16, max_age=12),
        ).content.decode()
        assert "The oldest age must be the same as or more than the youngest" in html
        assert not Eligibility.objects.exists()


class TestVacancy:
    def test_confirm_change_and_still_accurate(self, world, client, home):
        user = world.user("provider_a1", PUSR)
        client.force_login(user)
        client.post(
            reverse("providers:setting_vacancy_edit", args=[home.urn]),
            {"places": 2, "restriction": "girls 13 to 16 only"},
        )
        vacancy = Vacancy.objects.get(setting=home)
        assert (vacancy.places, vacancy.restriction, vacancy.confirmed_by) == (
            2,
            "girls 13 to 16 only",
            user,
        )
        Vacancy.objects.filter(pk=vacancy.pk).update(
            confirmed_at=timezone.now() - timedelta(days=8)
        )
        page = client.get(reverse("providers:setting_manage", args=[home.urn])).content.decode()
        assert "Vacancy confirmed 8 days ago by the provider" in page
        assert "Needs confirming" in page
        client.post(reverse("providers:setting_vacancy_still_accurate", args=[home.urn]))
        vacancy.refresh_from_db()
        assert vacancy.places == 2
        assert timezone.now() - vacancy.confirmed_at < timedelta(minutes=1)
        assert vacancy.history.count() == 2

    def test_more_places_than_registered_is_refused(self, world, client, home):
        client.force_login(world.user("provider_a1", PUSR))
        html = client.post(
            reverse("providers:setting_vacancy_edit", args=[home.urn]), {"places": 9}
        )
        assert "Ofsted registers 4 places here" in html.content.decode()
        assert not Vacancy.objects.exists()

    @pytest.mark.parametrize(
        ("days", "state", "label"),
        [
            (0, "fresh", "Vacancy confirmed today by the provider"),
            (1, "fresh", "Vacancy confirmed 1 day ago by the provider"),
            (7, "stale", "Vacancy confirmed 7 days ago by the provider"),
            (14, "expired", "Vacancy confirmed 14 days ago by the provider"),
        ],
    )
    def test_vacancy_states(self, home, days, state, label):
        vacancy = Vacancy.objects.create(
            setting=home, places=1, confirmed_at=timezone.now() - timedelta(days=days)
        )
        view = facts.vacancy_view(vacancy)
        assert (view.state, view.label) == (state, label)

    def test_officers_see_the_label_never_a_bare_number(self, world, client, home):
        Vacancy.objects.create(
            setting=home, places=1, confirmed_at=timezone.now() - timedelta(days=3)
        )
        client.force_login(world.user("la_a1", OFF))
        html = client.get(reverse("providers:setting_detail", args=[home.urn])).content.decode()
        assert "Vacancy confirmed 3 days ago by the provider" in html


class TestLocation:
    def test_provider_sets_the_address_from_a_real_postcode(self, world, client, home, postcode):
        client.force_login(world.user("provider_a1", PADM))
        bad = client.post(
            reverse("providers:setting_location_edit", args=[home.urn]),
            {"address_line_1": "2 New Road", "postcode": "ZZ1 1ZZ"},
        )
        assert "We cannot find the postcode ZZ1 1ZZ" in bad.content.decode()
        client.post(
            reverse("providers:setting_location_edit", args=[home.urn]),
            {"address_line_1": "2 New Road", "town": "Oakham", "postcode": "le15 6ab"},
        )
        home.refresh_from_db()
        assert (home.address_line_1, home.postcode, home.location_from_provider) == (
            "2 New Road",
            "LE15 6AB",
            True,
        )
        assert home.location.equals_exact(postcode.point, 1e-9)

    @pytest.mark.parametrize(
        ("org", "role", "sees", "audited"),
        [
            ("la_a1", OFF, True, True),
            ("la_b1", MGR, True, True),  # any member LA's team
            ("provider_a1", PUSR, True, False),  # the provider that runs it
            ("provider_a2", PADM, False, False),
            ("hub_a", HUB, False, False),  # not entitled, even hub admins
        ],
    )
    def test_who_sees_a_childrens_home_address(self, world, client, home, org, role, sees, audited):
        viewer = world.user(org, role)
        client.force_login(viewer)
        detail = client.get(reverse("providers:setting_detail", args=[home.urn])).content.decode()
        assert "1 Secret Lane" not in detail  # never on the general page
        assert ("Show the exact address" in detail) == sees
        page = client.get(reverse("providers:setting_location", args=[home.urn]))
        assert page.status_code == (200 if sees else 404)
        assert ("1 Secret Lane" in page.content.decode()) == sees
        assert LocationView.objects.filter(user=viewer, setting=home).count() == int(audited)

    def test_every_view_is_audited(self, world, client, home):
        officer = world.user("la_a1", OFF)
        client.force_login(officer)
        for _ in range(3):
            client.get(reverse("providers:setting_location", args=[home.urn]))
        assert LocationView.objects.filter(user=officer, setting=home).count() == 3

    def test_a_removed_las_officer_loses_access(self, world, client, home):
        world.la_a1.member_until = timezone.now()
        world.la_a1.save()
        client.force_login(world.user("la_a1", OFF))
        assert client.get(reverse("providers:setting_location", args=[home.urn])).status_code == 404

    def test_ofsted_list_never_overwrites_a_provider_address(self, world, home, postcode):
        facts.setting_location_update(
            actor=world.user("provider_a1", PADM),
            setting=home,
            address_line_1="2 New Road",
            postcode="LE15 6AB",
        )
        from providers.ofsted import OfstedProvider, ProvisionType
        from providers.services import _values

        row = OfstedProvider(
            row=5,
            urn=home.urn,
            provision_type=ProvisionType.CHILDRENS_HOME,
            address_line_1="Ofsted Street",
            postcode="LE1 1AA",
        )
        values = _values(row, Setting.objects.get(pk=home.pk))
        assert (values["address_line_1"], values["postcode"]) == ("2 New Road", "LE15 6AB")
