"""The provider directory: Ofsted's register, filtered, mapped, exported, one setting at a time."""

from __future__ import annotations

from typing import cast

from django.conf import settings as django_settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from accounts.models import User
from accounts.permissions import can_manage_region
from common.pagination import pagination
from common.xlsx import XLSX_CONTENT_TYPE
from providers import exports, facts, selectors
from providers.permissions import can_edit_setting, can_see_exact_location

PAGE_SIZE = 50


class SettingListView(LoginRequiredMixin, View):
    nav_section = "providers"

    def get(self, request: HttpRequest) -> HttpResponse:
        region_id = selectors.framework_region_of(request.user)
        filterset = selectors.setting_filter(data=request.GET, framework_region_id=region_id)
        settings = filterset.qs
        page = Paginator(settings, PAGE_SIZE).get_page(request.GET.get("page"))
        if region_id is not None:  # each row's frameworks, one query for the page
            page.object_list = list(page.object_list)
            names = selectors.framework_names(settings=page.object_list, region_id=region_id)
            for setting in page.object_list:
                setting.framework_names = names.get(setting.pk, [])
        count = page.paginator.count
        map_points = selectors.setting_map_points(settings=settings)
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "providers/setting_list.html",
            {
                "filter": filterset,
                "form": filterset.form,
                "page": page,
                "settings": page.object_list,
                "count": count,
                "count_display": f"{count:,}",
                "pagination": pagination(page, request.path, request.GET),
                "query": query.urlencode(),
                "map_points": map_points.points,
                "map_shown": f"{len(map_points.points):,}",
                "map_total": f"{map_points.total:,}",
                "map_capped": map_points.capped,
                "map_tile_url": django_settings.MAP_TILE_URL,
                "map_attribution": django_settings.MAP_ATTRIBUTION,
                "changes_by_year": selectors.setting_change_summary(settings=settings),
            },
        )


class SettingExportView(LoginRequiredMixin, View):
    nav_section = ""

    def get(self, request: HttpRequest) -> HttpResponse:
        settings = selectors.setting_list(
            filters=request.GET, framework_region_id=selectors.framework_region_of(request.user)
        )
        content = exports.settings_workbook(settings.iterator(chunk_size=1_000))
        filename = f"settings-{timezone.localdate():%Y-%m-%d}.xlsx"
        response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class SettingDetailView(LoginRequiredMixin, View):
    nav_section = "providers"

    def get(self, request: HttpRequest, urn: str) -> HttpResponse:
        setting = selectors.setting_get(urn=urn)
        user = cast(User, request.user)
        vacancy = getattr(setting, "vacancy", None)
        return render(
            request,
            "providers/setting_detail.html",
            {
                "setting": setting,
                "events": selectors.setting_event_list(setting=setting),
                "owner": selectors.setting_list_same_owner(setting=setting),
                "vacancy": vacancy,
                "vacancy_view": facts.vacancy_view(vacancy),
                "eligibility": getattr(setting, "eligibility", None),
                "can_edit": can_edit_setting(user, setting),
                "can_invite_provider": can_manage_region(user)
                and setting.provider_organisation_id is None
                and setting.status != setting.Status.CLOSED,
                "can_see_exact_location": setting.location_is_private
                and can_see_exact_location(user, setting),
            },
        )
