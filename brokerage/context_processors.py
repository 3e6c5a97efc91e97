from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from accounts.permissions import can_manage_region, can_manage_users
from brokerage.referral_selectors import referrals_waiting_count
from placements.permissions import can_make_placement_requests
from providers.permissions import is_provider

SECTIONS = {
    "home": "home",
    "region_demand": "demand",
    "organisation_list": "orgs",
    "local_authority_add": "orgs",
    "local_authority_remove": "orgs",
    "provider_add": "orgs",
    "user_list": "users",
    "user_invite": "users",
    "user_detail": "users",
    "account": "account",
    "ofsted_import_list": "imports",
    "claim_list": "claims",
    "provider_settings": "yours",
    "setting_manage": "yours",
    "setting_eligibility_edit": "yours",
    "setting_vacancy_edit": "yours",
    "setting_location_edit": "yours",
    "household_list": "yours",
    "household_add": "yours",
    "household_change": "yours",
    "household_remove": "yours",
    "api_token_list": "yours",
    "api_token_create": "yours",
    "api_token_revoke": "yours",
    "ofsted_import_upload": "imports",
    "ofsted_import_detail": "imports",
    "password_change": "account",
    "setting_list": "providers",
    "setting_detail": "providers",
    "placement_request_list": "placements",
    "placement_request_create": "placements",
    "placement_request_detail": "placements",
    "placement_request_update": "placements",
    "placement_request_close": "placements",
    "placement_search": "placements",
    # A referral is in "Referrals" for its provider, and in "Placement requests" for the LA.
    "referral_list": "referrals",
    "referral_detail": "referrals",
    "referral_answer": "referrals",
    "referral_message_post": "referrals",
    "la_referral_list": "la_referrals",
}


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Service navigation: only the pages the signed-in person's role can use."""
    user = getattr(request, "user", None)
    items: list[dict[str, Any]] = []
    if user is not None and user.is_authenticated:
        items.append({"label": "Home", "url": reverse("brokerage:home"), "section": "home"})
        if can_make_placement_requests(user):
            requests_url = reverse("placements:placement_request_list")
            items.append(
                {"label": "Placement requests", "url": requests_url, "section": "placements"}
            )
            referrals_url = reverse("brokerage:la_referral_list")
            items.append({"label": "Referrals", "url": referrals_url, "section": "la_referrals"})
        if is_provider(user):
            waiting = referrals_waiting_count(user)
            label = f"Referrals ({waiting})" if waiting else "Referrals"
            items.append(
                {"label": label, "url": reverse("brokerage:referral_list"), "section": "referrals"}
            )
        # Ofsted's register is public: every signed-in role may browse it.
        items.append(
            {"label": "Providers", "url": reverse("providers:setting_list"), "section": "providers"}
        )
        if can_manage_region(user):
            items.append(
                {
                    "label": "Organisations",
                    "url": reverse("accounts:organisation_list"),
                    "section": "orgs",
                }
            )
            imports_url = reverse("providers:ofsted_import_list")
            items.append({"label": "Ofsted imports", "url": imports_url, "section": "imports"})
            items.append(
                {"label": "Claims", "url": reverse("providers:claim_list"), "section": "claims"}
            )
            items.append(
                {"label": "Demand", "url": reverse("brokerage:region_demand"), "section": "demand"}
            )
        if is_provider(user):
            yours_url = reverse("providers:provider_settings")
            items.append({"label": "Your settings", "url": yours_url, "section": "yours"})
        if can_manage_users(user):
            items.append(
                {"label": "Users", "url": reverse("accounts:user_list"), "section": "users"}
            )
        items.append(
            {"label": "Your account", "url": reverse("accounts:account"), "section": "account"}
        )
    match = getattr(request, "resolver_match", None)
    section = SECTIONS.get(match.url_name, "") if match else ""
    if section == "referrals" and user is not None and not is_provider(user):
        section = "placements"
    return {"service_name": settings.SERVICE_NAME, "navigation_items": items, "section": section}
