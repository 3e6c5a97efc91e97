"""Every role × every page × whose object it is: allowed, or 403/404, never a 500.

Scopes: "own" is the actor's own organisation; "region" another organisation in the same region;
"other" an organisation in another region. A refused POST must change nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Role, User
from accounts.services import invitation_create
from brokerage.models import PlacementOutcome
from tests.placements.factories import PlacementRequestFactory
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db

HUB, MGR, OFF, PADM, PUSR = (
    Role.HUB_ADMIN,
    Role.LA_MANAGER,
    Role.PLACEMENT_OFFICER,
    Role.PROVIDER_ADMIN,
    Role.PROVIDER_USER,
)
ALL_ROLES = (HUB, MGR, OFF, PADM, PUSR)
# Where each role's actor sits in the world fixture.
ACTOR_ORG = {HUB: "hub_a", MGR: "la_a1", OFF: "la_a1", PADM: "provider_a1", PUSR: "provider_a1"}
# For a scope, the organisation whose objects are used, seen from each actor.
TARGET_ORG = {
    "own": {HUB: "hub_a", MGR: "la_a1", OFF: "la_a1", PADM: "provider_a1", PUSR: "provider_a1"},
    "region": {HUB: "la_a2", MGR: "la_a2", OFF: "la_a2", PADM: "provider_a2", PUSR: "provider_a2"},
    "other": {HUB: "la_b1", MGR: "la_b1", OFF: "la_b1", PADM: "provider_b1", PUSR: "provider_b1"},
}

# Pages that take no object: role -> expected status.
PLAIN_PAGES = {
    "brokerage:home": dict.fromkeys(ALL_ROLES, 200),
    "accounts:account": dict.fromkeys(ALL_ROLES, 200),
    "brokerage:notification_preferences": {HUB: 403, MGR: 200, OFF: 200, PADM: 200, PUSR: 200},
    "brokerage:region_demand": {HUB: 200, MGR: 403, OFF: 403, PADM: 403, PUSR: 403},
    "brokerage:region_prices": {HUB: 200, MGR: 403, OFF: 403, PADM: 403, PUSR: 403},
    "brokerage:region_prices_xlsx": {HUB: 200, MGR: 403, OFF: 403, PADM: 403, PUSR: 403},
    "brokerage:la_prices": {HUB: 403, MGR: 200, OFF: 403, PADM: 403, PUSR: 403},
    "brokerage:la_prices_xlsx": {HUB: 403, MGR: 200, OFF: 403, PADM: 403, PUSR: 403},
    "brokerage:la_referral_list": {HUB: 403, MGR: 200, OFF: 200, PADM: 403, PUSR: 403},
    "accounts:password_change": dict.fromkeys(ALL_ROLES, 200),
    "accounts:organisation_list": {HUB: 200, MGR: 403, OFF: 403, PADM: 403, PUSR: 403},
    "accounts:local_authority_add": {HUB: 200, MGR: 403, OFF: 403, PADM: 403, PUSR: 403},
    "accounts:provider_add": {HUB: 200, MGR: 403, OFF: 403, PADM: 403, PUSR: 403},
    "accounts:user_list": {HUB: 200, MGR: 200, OFF: 403, PADM: 200, PUSR: 403},
    "accounts:user_invite": {HUB: 200, MGR: 200, OFF: 403, PADM: 200, PUSR: 403},
    "commissioning:framework_list": {HUB: 200, MGR: 200, OFF: 200, PADM: 403, PUSR: 403},
    "commissioning:framework_add": {HUB: 200, MGR: 403, OFF: 403, PADM: 403, PUSR: 403},
    "commissioning:framework_weight": {HUB: 200, MGR: 403, OFF: 403, PADM: 403, PUSR: 403},
    "commissioning:own_memberships": {HUB: 403, MGR: 403, OFF: 403, PADM: 200, PUSR: 200},
    "accounts:audit_trail": {HUB: 200, MGR: 403, OFF: 403, PADM: 403, PUSR: 403},
    "accounts:audit_trail_csv": {HUB: 200, MGR: 403, OFF: 403, PADM: 403, PUSR: 403},
    "accounts:audit_trail_xlsx": {HUB: 200, MGR: 403, OFF: 403, PADM: 403, PUSR: 403},
    "providers:address_view_list": {HUB: 403, MGR: 403, OFF: 403, PADM: 200, PUSR: 403},
}

# Pages about a person (the target organisation's non-admin member, or its only member).
# Expected status for (role, scope). Managers see their own organisation's people; hub admins
# every organisation's in their region; nobody another region's.
PERSON_EXPECTED = {
    HUB: {"own": None, "region": 200, "other": 404},
    MGR: {"own": 200, "region": 404, "other": 404},
    OFF: {"own": 403, "region": 403, "other": 403},
    PADM: {"own": 200, "region": 404, "other": 404},
    PUSR: {"own": 403, "region": 403, "other": 403},
}
TARGET_ROLE = {"hub_a": HUB, "la": OFF, "provider": PUSR}


def _target_user(world, org_key: str) -> User:
    if org_key.startswith("la"):
        return world.user(org_key, OFF)
    if org_key.startswith("provider"):
        return world.user(org_key, PUSR)
    return world.user(org_key, HUB)


def _person_cases():
    for role in ALL_ROLES:
        for scope, expected in PERSON_EXPECTED[role].items():
            if expected is not None:  # a hub admin's "own" person would be themselves
                yield role, scope, expected


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("page", sorted(PLAIN_PAGES))
def test_plain_pages(world, client, role, page):
    client.force_login(world.user(ACTOR_ORG[role], role))
    response = client.get(reverse(page))
    assert response.status_code == PLAIN_PAGES[page][role]


@pytest.mark.parametrize("page", sorted(PLAIN_PAGES))
def test_signed_out_people_are_sent_to_sign_in(client, page, db):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("role", "scope", "expected"), list(_person_cases()))
def test_person_page(world, client, role, scope, expected):
    client.force_login(world.user(ACTOR_ORG[role], role))
    target = _target_user(world, TARGET_ORG[scope][role])
    assert client.get(reverse("accounts:user_detail", args=[target.pk])).status_code == expected


@pytest.mark.parametrize(("role", "scope", "expected"), list(_person_cases()))
@pytest.mark.parametrize("action", ["accounts:user_deactivate", "accounts:user_role_change"])
def test_person_changes(world, client, role, scope, expected, action):
    actor = world.user(ACTOR_ORG[role], role)
    client.force_login(actor)
    target = _target_user(world, TARGET_ORG[scope][role])
    before = (target.is_active, target.role)
    new_role = MGR if target.role == OFF else PADM
    response = client.post(reverse(action, args=[target.pk]), {"role": new_role})
    target.refresh_from_db()
    if expected == 200:
        assert response.status_code == 302
        assert (target.is_active, target.role) != before
    else:
        assert response.status_code == expected
        assert (target.is_active, target.role) == before


@pytest.mark.parametrize(("role", "scope", "expected"), list(_person_cases()))
def test_withdraw_invitation(world, client, role, scope, expected):
    key = TARGET_ORG[scope][role]
    org = getattr(world, key)
    if org.kind == "provider":  # a provider with its own admin invites its own people
        inviter = world.user(key, PADM)
    else:
        inviter = world.user("hub_a" if org.region == world.hub_a.region else "hub_b", HUB)
    invitation = invitation_create(
        actor=inviter,
        email="invitee@example.org",
        full_name="In Vitee",
        organisation=org,
        role=TARGET_ROLE["la" if org.kind == "la" else "provider"],
    )
    client.force_login(world.user(ACTOR_ORG[role], role))
    response = client.post(reverse("accounts:invitation_withdraw", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert response.status_code == (302 if expected == 200 else expected)
    assert (invitation.revoked_at is not None) == (expected == 200)


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("scope", ["region", "other"])
def test_remove_local_authority(world, client, role, scope):
    client.force_login(world.user(ACTOR_ORG[role], role))
    la = world.la_a2 if scope == "region" else world.la_b1
    url = reverse("accounts:local_authority_remove", args=[la.pk])
    expected = 403 if role != HUB else (200 if scope == "region" else 404)
    assert client.get(url).status_code == expected
    response = client.post(url)
    la.refresh_from_db()
    assert response.status_code == (302 if expected == 200 else expected)
    assert la.is_member == (expected != 200)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_invite_form_offers_only_what_the_role_may_give(world, client, role):
    client.force_login(world.user(ACTOR_ORG[role], role))
    response = client.get(reverse("accounts:user_invite"))
    if role in (OFF, PUSR):
        assert response.status_code == 403
        return
    form = response.context["form"]
    organisations = set(form.fields["organisation"].queryset.values_list("name", flat=True))
    roles = {value for value, _ in form.fields["role"].choices}
    if role == HUB:
        # Not the region's providers: each has its own admin, who manages its people.
        assert organisations == {o.name for o in (world.hub_a, world.la_a1, world.la_a2)}
        assert roles == {HUB, MGR, OFF}
    elif role == MGR:
        assert organisations == {world.la_a1.name}
        assert roles == {MGR, OFF}
    else:
        assert organisations == {world.provider_a1.name}
        assert roles == {PADM, PUSR}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_staff_reach_django_admin(world, client, role):
    client.force_login(world.user(ACTOR_ORG[role], role))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert Invitation.objects.count() == 0


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("scope", ["region", "other"])
def test_transfer_a_setting(world, client, role, scope):
    """The transfer page of a claim to a setting Provider A1 runs, made by another provider of
    the region or of another region: only a hub admin of the claimant's region reaches it;
    another region's claim is not found; a refused POST moves nothing."""
    from providers import facts
    from tests.providers.factories import SettingFactory

    setting = SettingFactory(provider_organisation=world.provider_a1)
    claimant = world.user("provider_a2" if scope == "region" else "provider_b1", PADM)
    claim = facts.setting_claim_request(actor=claimant, setting=setting)
    client.force_login(world.user(ACTOR_ORG[role], role))
    url = reverse("providers:claim_transfer", args=[claim.pk])
    expected = 403 if role != HUB else (200 if scope == "region" else 404)
    assert client.get(url).status_code == expected
    response = client.post(url, {"reason": "Ofsted names the new owner"})
    setting.refresh_from_db()
    assert response.status_code == (302 if expected == 200 else expected)
    assert (setting.provider_organisation == claimant.organisation) == (expected == 200)


# Framework pages. "own": a framework of the actor's region let by LA A1 (the LA actors' own
# organisation); "region": one of the same region let by LA A2; "other": another region's.
# The owner changes nothing: the region's hub admins change, its member LAs read.
FRAMEWORK_OWNER = {"own": "la_a1", "region": "la_a2", "other": "la_b1"}
FRAMEWORK_READ = {
    HUB: {"own": 200, "region": 200, "other": 404},
    MGR: {"own": 200, "region": 200, "other": 404},
    OFF: {"own": 200, "region": 200, "other": 404},
    PADM: dict.fromkeys(FRAMEWORK_OWNER, 403),
    PUSR: dict.fromkeys(FRAMEWORK_OWNER, 403),
}
FRAMEWORK_MANAGE = {
    role: (
        {"own": 200, "region": 200, "other": 404}
        if role == HUB
        else dict.fromkeys(FRAMEWORK_OWNER, 403)
    )
    for role in ALL_ROLES
}


def _framework_world(world, scope):
    from tests.commissioning.factories import FrameworkFactory, LotFactory, MembershipFactory

    owner = getattr(world, FRAMEWORK_OWNER[scope])
    framework = FrameworkFactory(region=owner.region, owner=owner, name="Before")
    lot = LotFactory(framework=framework)
    membership = MembershipFactory(lot=lot)
    return framework, lot, membership


def _framework_urls(framework, lot, membership):
    return {
        "commissioning:framework_detail": ([framework.pk], FRAMEWORK_READ),
        "commissioning:framework_changes": ([framework.pk], FRAMEWORK_READ),
        "commissioning:framework_change": ([framework.pk], FRAMEWORK_MANAGE),
        "commissioning:lot_add": ([framework.pk], FRAMEWORK_MANAGE),
        "commissioning:lot_change": ([framework.pk, lot.pk], FRAMEWORK_MANAGE),
        "commissioning:member_add": ([framework.pk, lot.pk], FRAMEWORK_MANAGE),
        "commissioning:member_rates": ([framework.pk, membership.pk], FRAMEWORK_MANAGE),
        "commissioning:member_status": ([framework.pk, membership.pk], FRAMEWORK_MANAGE),
    }


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("scope", sorted(FRAMEWORK_OWNER))
def test_framework_pages(world, client, role, scope):
    framework, lot, membership = _framework_world(world, scope)
    client.force_login(world.user(ACTOR_ORG[role], role))
    for name, (args, expected) in _framework_urls(framework, lot, membership).items():
        assert client.get(reverse(name, args=args)).status_code == expected[role][scope], name
    client.logout()
    for name, (args, _) in _framework_urls(framework, lot, membership).items():
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("scope", sorted(FRAMEWORK_OWNER))
def test_framework_changes_refused_change_nothing(world, client, role, scope):
    framework, lot, membership = _framework_world(world, scope)
    client.force_login(world.user(ACTOR_ORG[role], role))
    expected = FRAMEWORK_MANAGE[role][scope]
    response = client.post(
        reverse("commissioning:framework_change", args=[framework.pk]),
        {"name": "After", "kind": "framework", "owner": "region", "starts_on": "1/4/2025"},
    )
    assert response.status_code == (302 if expected == 200 else expected)
    response = client.post(
        reverse("commissioning:member_status", args=[framework.pk, membership.pk]),
        {"status": "left", "on": "2025-06-01", "confirm": "1"},
    )
    assert response.status_code == (302 if expected == 200 else expected)
    framework.refresh_from_db()
    membership.refresh_from_db()
    assert (framework.name == "After") == (expected == 200)
    assert (membership.status == "left") == (expected == 200)


# Price benchmarks: whose placements each role's page counts. Five placements at £4,321 a week
# in the scope's LA (the manager's own, another in the region, one in another region).
PRICE_LA = {"own": "la_a1", "region": "la_a2", "other": "la_b1"}
PRICES_SEEN = {
    # (page, role) -> scope -> the figure shows
    ("brokerage:region_prices", HUB): {"own": True, "region": True, "other": False},
    ("brokerage:la_prices", MGR): {"own": True, "region": True, "other": False},
}


@pytest.mark.parametrize(("page", "role"), sorted(PRICES_SEEN))
@pytest.mark.parametrize("scope", sorted(PRICE_LA))
def test_price_benchmarks_count_only_the_region(world, client, page, role, scope):
    la = getattr(world, PRICE_LA[scope])
    for _ in range(5):
        setting = SettingFactory(provision_type="childrens_home")
        PlacementOutcome.objects.create(
            request=PlacementRequestFactory(organisation=la),
            setting=setting,
            urn=setting.urn,
            start_date=timezone.localdate() - dt.timedelta(days=10),
            weekly_cost=Decimal("4321"),
            social_care_weekly=Decimal("4321"),
            services_included=["core"],
            commercial_route="spot",
        )
    client.force_login(world.user(ACTOR_ORG[role], role))
    content = client.get(reverse(page)).content.decode()
    assert ("£4,321" in content) == PRICES_SEEN[(page, role)][scope]
    # Nobody sees another LA's name (none opted in); the manager's own LA is theirs to see.
    assert world.la_a2.name not in content and world.la_b1.name not in content
    if role == HUB:
        assert world.la_a1.name not in content
