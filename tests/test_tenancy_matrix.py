"""The cross-tenant permission matrix, generated from the URL list: every URL pattern (pages and
the API) × every role (and signed out) × whose object it is (the actor's own organisation or
region, or another region's).

Each pattern has one row in ACCESS: the object its URL names (or none), the roles that may use
it, and whether another region's object is national (Ofsted's register, the operator's imports).
A pattern without a row fails `test_every_url_pattern_has_a_row`, so a new page cannot be
missed. For every combination the test asks:

- signed out: sent to sign in (an API answers 401 or 403), unless the page is public;
- a role the row does not allow: 403 or 404, never the page;
- an allowed role, its own object: the page (200), a redirect that is not to sign in, or 405
  where the URL only takes a POST;
- an allowed role, another region's (or another provider's) object: 403 or 404, unless the
  object is national or the actor is the national operator;
- never a 500.

The finer rules (what a POST changes, what a list leaves out) are in each app's matrix
(tests/brokerage/test_permission_matrix.py, tests/brokerage/test_referral_permissions.py, ...).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import Invitation, Organisation, Role, User
from brokerage.models import Referral
from commissioning.models import FrameworkImport
from insight.dashboards import DASHBOARDS
from providers import facts
from providers.models import CarerHousehold, Eligibility, OfstedImport, SettingClaim
from tests.commissioning.factories import FrameworkFactory, LotFactory, MembershipFactory
from tests.factories import OrganisationFactory, UserFactory
from tests.placements.factories import PlacementRequestFactory, PlaceThatMattersFactory
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db

OP, HUB, MGR, OFF, PADM, PUSR = (
    Role.NATIONAL_OPERATOR,
    Role.HUB_ADMIN,
    Role.LA_MANAGER,
    Role.PLACEMENT_OFFICER,
    Role.PROVIDER_ADMIN,
    Role.PROVIDER_USER,
)
ROLES = (OP, HUB, MGR, OFF, PADM, PUSR)
LA_ROLES = frozenset({MGR, OFF})
PROVIDER_ROLES = frozenset({PADM, PUSR})
SIGNED_IN = frozenset(ROLES)
ANYONE = "anyone"  # public: signed out too
SCOPES = ("own", "other")


@dataclass(frozen=True)
class Row:
    """`obj`: what the URL names (a key of the side's objects), or "" for none. `roles`: who
    may use it. `national`: the roles for whom another region's object is theirs too (the
    register, national imports; LA officers placing out of area). `post`: the URL takes only a
    POST (an empty one is sent). `token`: roles that call it with an API key, not a session."""

    obj: str
    roles: frozenset[Role] | str
    national: frozenset[Role] = frozenset()
    api: bool = False
    post: bool = False
    token: frozenset[Role] = frozenset()


def row(
    obj: str,
    *roles: Role,
    national: bool | tuple[Role, ...] = False,
    api: bool = False,
    post: bool = False,
    token: tuple[Role, ...] = (PADM, PUSR),
) -> Row:
    everyone = frozenset(ROLES) if national is True else frozenset(national or ())
    return Row(obj, frozenset(roles), everyone, api, post, frozenset(token) if api else frozenset())


def public(obj: str = "") -> Row:
    return Row(obj, ANYONE)


REGION = (OP, HUB)
HUB_ONLY = (HUB,)
MANAGERS = (OP, HUB, MGR, PADM)

ACCESS: dict[str, Row] = {
    ":healthz": public(),
    # The API: providers' keys for their settings and referrals; officers' sessions for search.
    "api:api_eligibility": row("setting_with_facts", PADM, PUSR, api=True),
    "api:api_vacancy": row("setting", PADM, PUSR, api=True),
    "api:api_vacancy_confirm": row("setting", PADM, PUSR, api=True, post=True),
    "api:api_setting-list": row("", PADM, PUSR, api=True),
    "api:api_setting-detail": row("setting", PADM, PUSR, api=True),
    "api:api_household-list": row("fostering", PADM, PUSR, api=True),
    "api:api_household-detail": row("household", PADM, PUSR, api=True),
    "api:api_framework-list": row("", HUB, MGR, OFF, api=True),
    "api:api_framework-detail": row("framework", HUB, MGR, OFF, api=True),
    "api:api_membership-list": row("", HUB, MGR, OFF, PADM, PUSR, api=True),
    "api:api_placement_request_standard": row(
        "", MGR, OFF, api=True, post=True, token=(MGR, OFF, PADM, PUSR)
    ),
    "api:api_placement_matches": row("request", MGR, OFF, api=True),
    # Referrals through a provider's key: only the provider it was sent to (an LA reads its own
    # on the page).
    "api:api_referral-list": row("", PADM, PUSR, api=True),
    "api:api_referral-detail": row("referral", PADM, PUSR, api=True),
    "api:api_referral-answer": row("referral", PADM, PUSR, api=True, post=True),
    "api:api_referral-messages": row("referral", PADM, PUSR, api=True),
    "api:api_schema": public(),
    "api:api_docs": public(),
    # Providers' facts.
    "providers:vacancy_link": public("vacancy_token"),
    "providers:address_view_list": row("", PADM),
    "providers:api_token_list": row("", PADM),
    "providers:api_token_create": row("", PADM),
    "providers:api_token_revoke": row("token", PADM, post=True),
    "providers:household_list": row("fostering", PADM, PUSR),
    "providers:household_add": row("fostering", PADM, PUSR),
    "providers:household_change": row("household", PADM, PUSR),
    "providers:household_remove": row("household", PADM, PUSR),
    # Ofsted's register is national: the operator imports it, hub admins read what was imported.
    "providers:ofsted_import_list": row("", OP, HUB),
    "providers:authority_assign": row("", HUB),
    "providers:ofsted_import_upload": row("", OP),
    "providers:ofsted_import_detail": row("ofsted_import", OP, HUB, national=True),
    "providers:ofsted_import_confirm": row("ofsted_import", OP, national=True, post=True),
    "providers:ofsted_import_cancel": row("ofsted_import", OP, national=True, post=True),
    "providers:setting_list": row("", *SIGNED_IN),
    "providers:setting_export": row("", *SIGNED_IN),
    "providers:setting_detail": row("setting", *SIGNED_IN, national=True),
    "providers:setting_location": row("setting", MGR, OFF, PADM, PUSR, national=(MGR, OFF)),
    "providers:provider_settings": row("", PADM, PUSR),
    "providers:setting_claim": row("", PADM, post=True),
    "providers:setting_manage": row("setting", PADM, PUSR),
    "providers:setting_eligibility_edit": row("setting", PADM, PUSR),
    "providers:setting_vacancy_edit": row("setting", PADM, PUSR),
    "providers:setting_vacancy_still_accurate": row("setting", PADM, PUSR, post=True),
    "providers:setting_location_edit": row("setting", PADM, PUSR),
    "providers:setting_provider_invite": row("unclaimed_setting", HUB),
    "providers:claim_list": row("", OP, HUB),
    "providers:claim_decide": row("claim", OP, HUB, post=True),
    "providers:claim_transfer": row("claim", OP, HUB),
    # Frameworks and prices are the region's.
    "commissioning:framework_list": row("", HUB, MGR, OFF),
    "commissioning:framework_add": row("", HUB),
    "commissioning:framework_weight": row("", HUB),
    "commissioning:own_memberships": row("", PADM, PUSR),
    "commissioning:framework_detail": row("framework", HUB, MGR, OFF),
    "commissioning:framework_change": row("framework", HUB),
    "commissioning:framework_changes": row("framework", HUB, MGR, OFF),
    "commissioning:lot_add": row("framework", HUB),
    "commissioning:lot_change": row("lot", HUB),
    "commissioning:member_add": row("lot", HUB),
    "commissioning:member_rates": row("membership", HUB),
    "commissioning:member_status": row("membership", HUB),
    "commissioning:framework_import_upload": row("framework", HUB),
    "commissioning:framework_import_detail": row("framework_import", HUB),
    "commissioning:framework_import_confirm": row("framework_import", HUB, post=True),
    "commissioning:framework_import_cancel": row("framework_import", HUB, post=True),
    "commissioning:framework_export": row("framework", HUB, MGR, OFF),
    # Placement requests and referrals are the LA's; the provider sees what was sent to it.
    "placements:placement_request_list": row("", MGR, OFF),
    "placements:placement_request_create": row("", MGR, OFF),
    "placements:placement_request_update": row("request", MGR, OFF),
    "placements:placement_request_close": row("request", MGR, OFF),
    "placements:placement_search": row("request", MGR, OFF),
    "placements:placement_journey": row("journey", MGR, OFF),
    "placements:placement_search_export": row("request", MGR, OFF),
    "brokerage:home": row("", *SIGNED_IN),
    "brokerage:notification_preferences": row("", MGR, OFF, PADM, PUSR),
    "brokerage:region_demand": row("", HUB),
    "brokerage:region_prices": row("", HUB),
    "brokerage:region_prices_xlsx": row("", HUB),
    "brokerage:la_prices": row("", MGR),
    "brokerage:la_prices_xlsx": row("", MGR),
    "brokerage:placement_request_detail": row("request", MGR, OFF),
    "brokerage:placement_records_export": row("", MGR, OFF),
    "brokerage:la_referral_list": row("", MGR, OFF),
    "brokerage:referral_overview": row("request", MGR, OFF),
    "brokerage:referral_create": row("request", MGR, OFF),
    "brokerage:off_service_enquiry_create": row("request", MGR, OFF),
    "brokerage:placement_outcome_create": row("request", MGR, OFF),
    "brokerage:placement_record_xlsx": row("request", MGR, OFF),
    "brokerage:placement_record_json": row("request", MGR, OFF),
    "brokerage:referral_list": row("", PADM, PUSR),
    # The LA's own officers read the referral they sent; only the provider answers it.
    "brokerage:referral_detail": row("referral", MGR, OFF, PADM, PUSR),
    "brokerage:referral_answer": row("referral", PADM, PUSR, post=True),
    "brokerage:referral_message_post": row("referral", MGR, OFF, PADM, PUSR, post=True),
    "insight:index": row("", HUB, MGR, OFF),
    "insight:dashboard": row("dashboard", HUB, MGR, national=True),
    # Accounts: people and organisations.
    "accounts:account": row("", *SIGNED_IN),
    "accounts:login": public(),
    "accounts:logout": Row("", ANYONE, post=True),
    "accounts:password_reset": public(),
    "accounts:password_reset_done": public(),
    "accounts:password_reset_confirm": public("reset_token"),
    "accounts:password_reset_complete": public(),
    "accounts:password_change": row("", *SIGNED_IN),
    "accounts:invitation_accept": public("invitation_token"),
    "accounts:organisation_list": row("", HUB),
    "accounts:local_authority_add": row("", HUB),
    "accounts:local_authority_remove": row("la", HUB),
    "accounts:provider_add": row("", HUB),
    "accounts:audit_trail": row("", HUB),
    "accounts:audit_trail_csv": row("", HUB),
    "accounts:audit_trail_xlsx": row("", HUB),
    "accounts:hub_list": row("", OP),
    "accounts:hub_create": row("", OP),
    "accounts:hub_detail": row("region", OP),
    "accounts:user_list": row("", *MANAGERS),
    "accounts:user_invite": row("", *MANAGERS),
    "accounts:user_detail": row("person", HUB, MGR, PADM),
    "accounts:user_role_change": row("person", HUB, MGR, PADM, post=True),
    "accounts:user_deactivate": row("person", HUB, MGR, PADM, post=True),
    "accounts:user_reactivate": row("person", HUB, MGR, PADM, post=True),
    "accounts:invitation_withdraw": row("invitation", HUB, MGR, PADM, post=True),
}


def url_patterns(patterns: Any = None, namespace: str = "", prefix: str = "") -> dict[str, str]:
    """Every named pattern outside Django admin: "namespace:name" -> route."""
    found: dict[str, str] = {}
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = pattern.namespace or namespace
            found |= url_patterns(pattern.url_patterns, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.name:
            found[f"{namespace}:{pattern.name}"] = prefix + str(pattern.pattern)
    return found


def test_every_url_pattern_has_a_row():
    patterns = url_patterns()
    assert sorted(set(patterns) - set(ACCESS)) == [], "add the new page to ACCESS"
    assert sorted(set(ACCESS) - set(patterns)) == [], "a page in ACCESS has gone"


# The world: two regions, each with a hub, two LAs (A) or one (B), providers; the operator.

ACTOR_ORG = {
    OP: "operator",
    HUB: "hub_a",
    MGR: "la_a1",
    OFF: "la_a1",
    PADM: "provider_a1",
    PUSR: "provider_a1",
}
SCOPE_SIDE = {"own": ("a", "la_a1", "provider_a1"), "other": ("b", "la_b1", "provider_b1")}


@dataclass
class Side:
    """The objects of one side (own: region A, LA A1, Provider A1; other: region B's)."""

    objects: dict[str, Callable[[], list[Any]]]


def _side(world, scope: str) -> Side:  # noqa: C901 - one small builder per kind of object
    letter, la_key, provider_key = SCOPE_SIDE[scope]
    la: Organisation = getattr(world, la_key)
    provider: Organisation = getattr(world, provider_key)
    hub: Organisation = getattr(world, f"hub_{letter}")
    officer = world.user(la_key, OFF)
    provider_admin = world.user(provider_key, PADM)
    cache: dict[str, Any] = {}

    def once(key: str, make: Callable[[], Any]) -> Any:
        if key not in cache:
            cache[key] = make()
        return cache[key]

    def setting():
        return once(
            "setting",
            lambda: SettingFactory(
                childrens_home=True, provider_organisation=provider, local_authority=la.area
            ),
        )

    def fostering():
        return once(
            "fostering",
            lambda: SettingFactory(
                located=True, provider_organisation=provider, local_authority=la.area
            ),
        )

    def setting_with_facts():
        def make():
            Eligibility.objects.create(setting=setting(), min_age=8, max_age=17)
            return setting()

        return once("setting_with_facts", make)

    def household():
        return once(
            "household",
            lambda: CarerHousehold.objects.create(
                setting=fostering(), reference="H1", postcode_district="LE15"
            ),
        )

    def request():
        return once("request", lambda: PlacementRequestFactory(organisation=la, created_by=officer))

    def referral():
        def make():
            now = timezone.now()
            return Referral.objects.create(
                request=request(),
                setting=setting(),
                provider=provider,
                sent_by=officer,
                sent_at=now - dt.timedelta(hours=2),
                deadline=now + dt.timedelta(days=1),
                status=Referral.Status.SENT,
                profile={"age": 14, "sex": "female"},
            )

        return once("referral", make)

    def framework():
        return once("framework", lambda: FrameworkFactory(region=la.region, owner=la))

    def lot():
        return once("lot", lambda: LotFactory(framework=framework()))

    def membership():
        return once("membership", lambda: MembershipFactory(lot=lot(), setting=fostering()))

    def framework_import():
        return once(
            "framework_import",
            lambda: FrameworkImport.objects.create(
                framework=framework(), source="members.xlsx", rows=[], created_by=None
            ),
        )

    def claim():
        def make():
            unclaimed = SettingFactory(local_authority=la.area)
            return SettingClaim.objects.create(setting=unclaimed, organisation=provider)

        return once("claim", make)

    def invitation():
        return once(
            "invitation",
            lambda: Invitation.objects.create(
                email=f"invitee.{scope}@example.org",
                full_name="In Vitee",
                organisation=la,
                role=OFF,
                nonce=f"nonce-{scope}",
                expires_at=timezone.now() + dt.timedelta(days=7),
            ),
        )

    objects: dict[str, Callable[[], list[Any]]] = {
        "": list,
        "setting": lambda: [setting().urn],
        "setting_with_facts": lambda: [setting_with_facts().urn],
        "unclaimed_setting": lambda: [SettingFactory(local_authority=la.area).urn],
        "fostering": lambda: [fostering().urn],
        "household": lambda: [fostering().urn, household().pk],
        "token": lambda: [
            once("token", lambda: facts.api_token_create(actor=provider_admin, name="Ours"))[0].pk
        ],
        "ofsted_import": lambda: [
            once(
                "import",
                lambda: OfstedImport.objects.create(
                    source=f"{scope}.csv", status=OfstedImport.Status.PREVIEWED
                ),
            ).pk
        ],
        "claim": lambda: [claim().pk],
        "framework": lambda: [framework().pk],
        "lot": lambda: [framework().pk, lot().pk],
        "membership": lambda: [framework().pk, membership().pk],
        "framework_import": lambda: [framework().pk, framework_import().pk],
        "request": lambda: [request().pk],
        "journey": lambda: [
            request().pk,
            fostering().urn,
            once("place", lambda: PlaceThatMattersFactory(request=request())).pk,
        ],
        "referral": lambda: [referral().pk],
        "dashboard": lambda: [DASHBOARDS[0].slug],
        "la": lambda: [la.pk],
        "region": lambda: [la.region.pk],
        "person": lambda: [officer.pk],
        "invitation": lambda: [invitation().pk],
        "vacancy_token": lambda: ["not-a-real-token"],
        "reset_token": lambda: ["MQ", "not-a-real-token"],
        "invitation_token": lambda: ["not-a-real-token"],
    }
    del hub
    return Side(objects)


@pytest.fixture
def operator(world) -> User:
    organisation = OrganisationFactory(operator=True)
    return UserFactory(organisation=organisation, role=OP, email="operator@example.org")


def _actor(world, operator: User, role: Role) -> User:
    return operator if role == OP else world.user(ACTOR_ORG[role], role)


# Where a role's "own" object is not its own organisation's, the page says who it is for.
# Person pages: a hub admin's own is its region's officer; a provider admin's own person is
# its own provider user (not the LA officer).
def _own_args(world, role: Role, obj: str, side: Side) -> list[Any]:
    if obj == "person" and role == PADM:
        return [world.user("provider_a1", PUSR).pk]
    if obj == "invitation" and role == PADM:
        invitation = Invitation.objects.create(
            email="provider.invitee@example.org",
            full_name="Pro Vider",
            organisation=world.provider_a1,
            role=PUSR,
            nonce="nonce-provider",
            expires_at=timezone.now() + dt.timedelta(days=7),
        )
        return [invitation.pk]
    return side.objects[obj]()


def _get(client, actor: User | None, name: str, args: list[Any], entry: Row):
    """GET the URL (an empty POST where it takes only a POST) as `actor`: with an API key of
    the actor's organisation where the row says so, else signed in."""
    url = reverse(name.removeprefix(":"), args=args)
    call = client.post if entry.post else client.get
    headers = {}
    if actor is not None and actor.role in entry.token:
        holder = actor  # a provider's keys are its admin's to make, for all its people
        if actor.role == PUSR:
            holder = User.objects.get(organisation=actor.organisation, role=PADM)
        _, key = facts.api_token_create(actor=holder, name=f"matrix {actor.role}")
        headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    elif actor is not None:
        client.force_login(actor)
    if entry.api and entry.post:
        return call(url, data="{}", content_type="application/json", **headers)
    return call(url, **headers)


# A public page: a made-up link's not found or gone; signing out sends you to sign in.
LINK_REFUSED = (302, 404, 410)


def _refused(status: int, *, api: bool = False) -> bool:
    """Refused: forbidden or not found (an API may also say the credentials will not do)."""
    return status in (403, 404) or (api and status == 401)


def _reached(response) -> bool:
    """The page answered: shown, a form's errors (400 from an API), a POST's redirect."""
    if response.status_code in (200, 201, 400):
        return True
    location = response.get("Location", "") if response.status_code == 302 else ""
    return bool(location) and not location.startswith(reverse("accounts:login"))


def _cases():
    for name in sorted(ACCESS):
        for who in ("signed out", *ROLES):
            for scope in SCOPES if ACCESS[name].obj else ("own",):
                yield name, who, scope


@pytest.mark.parametrize(("name", "who", "scope"), list(_cases()))
def test_matrix(world, operator, client, name, who, scope):
    entry = ACCESS[name]
    if who == "signed out":
        args = _side(world, scope).objects[entry.obj]()
        response = _get(client, None, name, args, entry)
        assert response.status_code < 500
        if entry.roles == ANYONE:
            assert _reached(response) or response.status_code in LINK_REFUSED
        elif entry.api:
            assert response.status_code in (401, 403), response.status_code
        else:
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("accounts:login"))
        return
    role = Role(who)
    actor = _actor(world, operator, role)
    side = _side(world, scope)
    args = _own_args(world, role, entry.obj, side) if scope == "own" else side.objects[entry.obj]()
    response = _get(client, actor, name, args, entry)
    status = response.status_code
    assert status < 500
    if entry.roles == ANYONE:
        assert _reached(response) or status in LINK_REFUSED
        return
    if role not in entry.roles:
        assert _refused(status, api=entry.api), f"{role} reached {name} ({status})"
    elif scope == "own" or role in entry.national or role == OP:
        assert _reached(response), f"{role} could not reach its own {name} ({status})"
    else:
        assert _refused(status, api=entry.api), f"{role} reached another's {name} ({status})"
