"""The service navigation highlights the item a page belongs to, as the page's view declares it
(`nav_section`), so a new page cannot silently lose its highlight."""

import pytest
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from accounts.models import Role
from brokerage.context_processors import nav_section, navigation

HUB, MGR, OFF = Role.HUB_ADMIN, Role.LA_MANAGER, Role.PLACEMENT_OFFICER
PADM, PUSR = Role.PROVIDER_ADMIN, Role.PROVIDER_USER
ACTORS = {
    HUB: "hub_a",
    MGR: "la_a1",
    OFF: "la_a1",
    PADM: "provider_a1",
    PUSR: "provider_a1",
}
SAMPLE = {"int": 1, "urn": "SC123456", "string": "abc", "slug": "sufficiency"}

# Every page's highlight: as it was when a hand-kept list in the context processor decided it,
# and a request's referral, outcome and enquiry pages now under "Placement requests" (the list
# had left them out) and notification preferences under "Your account". Pages not listed
# highlight nothing.
SECTIONS = {
    "home": ["brokerage:home"],
    "demand": [
        "brokerage:region_demand",
        "brokerage:region_prices",
        "brokerage:region_prices_xlsx",
    ],
    "orgs": [
        "accounts:organisation_list",
        "accounts:local_authority_add",
        "accounts:local_authority_remove",
        "accounts:provider_add",
    ],
    "users": ["accounts:user_list", "accounts:user_invite", "accounts:user_detail"],
    "account": [
        "accounts:account",
        "accounts:password_change",
        "brokerage:notification_preferences",
    ],
    "imports": [
        "providers:ofsted_import_list",
        "providers:ofsted_import_upload",
        "providers:ofsted_import_detail",
        "providers:authority_assign",
    ],
    "claims": ["providers:claim_list"],
    "hubs": ["accounts:hub_list", "accounts:hub_create", "accounts:hub_detail"],
    "audit": ["accounts:audit_trail"],
    "insight": ["insight:index", "insight:dashboard"],
    "yours": [
        "providers:provider_settings",
        "providers:setting_manage",
        "providers:setting_eligibility_edit",
        "providers:setting_vacancy_edit",
        "providers:setting_location_edit",
        "providers:household_list",
        "providers:household_add",
        "providers:household_change",
        "providers:household_remove",
        "providers:api_token_list",
        "providers:api_token_create",
        "providers:api_token_revoke",
        "providers:address_view_list",
    ],
    "providers": ["providers:setting_list", "providers:setting_detail"],
    "placements": [
        "placements:placement_request_list",
        "placements:placement_request_create",
        "brokerage:placement_request_detail",
        "placements:placement_request_update",
        "placements:placement_request_close",
        "placements:placement_search",
        "placements:placement_journey",
        "brokerage:referral_overview",
        "brokerage:referral_create",
        "brokerage:placement_outcome_create",
        "brokerage:off_service_enquiry_create",
        "brokerage:la_prices",
        "brokerage:la_prices_xlsx",
    ],
    "la_referrals": ["brokerage:la_referral_list"],
    "frameworks": [
        "commissioning:framework_list",
        "commissioning:framework_add",
        "commissioning:framework_weight",
        "commissioning:framework_detail",
        "commissioning:framework_change",
        "commissioning:framework_changes",
        "commissioning:lot_add",
        "commissioning:lot_change",
        "commissioning:member_add",
        "commissioning:member_rates",
        "commissioning:member_status",
        "commissioning:own_memberships",
        "commissioning:framework_import_upload",
        "commissioning:framework_import_detail",
        "commissioning:framework_import_confirm",
        "commissioning:framework_import_cancel",
        "commissioning:framework_export",
    ],
}
# A referral's pages are "Referrals" for its provider and "Placement requests" for the LA.
REFERRAL_PAGES = [
    "brokerage:referral_list",
    "brokerage:referral_detail",
    "brokerage:referral_answer",
    "brokerage:referral_message_post",
]


def _patterns(patterns=None, namespace=""):
    """(namespaced name, pattern) for every named URL but the admin's and the JSON API's."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace not in ("admin", "api"):
                yield from _patterns(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name and namespace:
            yield f"{namespace}:{pattern.name}", pattern


def _path(name: str, pattern: URLPattern) -> str:
    kwargs = {
        key: SAMPLE[type(converter).__name__.removesuffix("Converter").lower()]
        for key, converter in pattern.pattern.converters.items()
    }
    if name.startswith("providers:household_"):
        kwargs["urn"] = SAMPLE["urn"]  # from the include's prefix, not the pattern
    return reverse(name, kwargs=kwargs)


def _section(name: str, pattern: URLPattern, user) -> str:
    request = RequestFactory().get(_path(name, pattern))
    request.resolver_match = resolve(request.path)
    request.user = user
    return nav_section(request)


def _answers_get(view_class) -> bool:
    return "get" in view_class.http_method_names and hasattr(view_class, "get")


def test_every_page_declares_its_section():
    """A page (a view that answers GET) says which navigation item it is under, or "" for none;
    a view class that forgets fails here."""
    undeclared = []
    for name, pattern in _patterns():
        view_class = pattern.callback.view_class
        if _answers_get(view_class) and not hasattr(view_class, "nav_section"):
            undeclared.append(name)
    assert undeclared == []


@pytest.mark.parametrize("role", list(ACTORS))
def test_each_navigation_item_is_highlighted_on_its_own_page(world, role):
    user = world.user(ACTORS[role], role)
    request = RequestFactory().get("/")
    request.resolver_match = resolve("/")
    request.user = user
    items = navigation(request)["navigation_items"]
    assert len(items) >= 3
    for item in items:
        page = RequestFactory().get(item["url"])
        page.resolver_match = resolve(item["url"])
        page.user = user
        assert nav_section(page) == item["section"], item
    sections = {item["section"] for item in items}
    for name, pattern in _patterns():
        section = _section(name, pattern, user)
        assert section == "" or section in sections or section in SECTIONS, (name, section)


@pytest.mark.parametrize(("org", "role"), [("provider_a1", PUSR), ("la_a1", OFF)])
def test_every_page_keeps_its_highlight(world, org, role):
    user = world.user(org, role)
    expected = {name: section for section, names in SECTIONS.items() for name in names}
    for name in REFERRAL_PAGES:
        expected[name] = "referrals" if role == PUSR else "placements"
    actual = {name: _section(name, pattern, user) for name, pattern in _patterns()}
    assert {name: section for name, section in actual.items() if section} == expected


def test_the_la_referral_list_is_not_the_provider_referral_list(world, client):
    client.force_login(world.user("la_a1", OFF))
    assert client.get(reverse("brokerage:la_referral_list")).context["section"] == "la_referrals"
    client.force_login(world.user("provider_a1", PUSR))
    assert client.get(reverse("brokerage:referral_list")).context["section"] == "referrals"
