from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from accounts.permissions import (
    can_manage_national_data,
    can_manage_region,
    can_manage_users,
    can_see_insight,
)
from brokerage.referral_selectors import referrals_waiting_count
from commissioning.permissions import can_read_frameworks, can_see_own_memberships
from placements.permissions import can_make_placement_requests
from providers.permissions import is_provider


def nav_section(request: HttpRequest) -> str:
    """The navigation item the page belongs to, as its view declares it: `nav_section` on the
    view class, or `nav_section_for(user)` where it depends on who is looking ("" for none)."""
    match = getattr(request, "resolver_match", None)
    view_class = getattr(match.func, "view_class", None) if match else None
    section_for = getattr(view_class, "nav_section_for", None)
    user = getattr(request, "user", None)
    if section_for is not None and user is not None:
        return str(section_for(user))
    return str(getattr(view_class, "nav_section", ""))


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
        if can_read_frameworks(user):
            frameworks_url = reverse("commissioning:framework_list")
            items.append({"label": "Frameworks", "url": frameworks_url, "section": "frameworks"})
        elif can_see_own_memberships(user):
            frameworks_url = reverse("commissioning:own_memberships")
            items.append({"label": "Frameworks", "url": frameworks_url, "section": "frameworks"})
        if can_manage_national_data(user):
            items.append({"label": "Hubs", "url": reverse("accounts:hub_list"), "section": "hubs"})
            imports_url = reverse("providers:ofsted_import_list")
            items.append({"label": "Ofsted imports", "url": imports_url, "section": "imports"})
            items.append(
                {"label": "Claims", "url": reverse("providers:claim_list"), "section": "claims"}
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
            items.append(
                {"label": "Audit", "url": reverse("accounts:audit_trail"), "section": "audit"}
            )
        if can_see_insight(user):
            items.append(
                {"label": "Insight", "url": reverse("insight:index"), "section": "insight"}
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
    return {
        "service_name": settings.SERVICE_NAME,
        "navigation_items": items,
        "section": nav_section(request),
    }
