"""Finding placements for one request: the search page (list and map) and its spreadsheet."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings as django_settings
from django.contrib.gis.geos import GEOSGeometry
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from common.views import PermissionRequiredMixin
from common.xlsx import XLSX_CONTENT_TYPE
from placements.exports import search_workbook
from placements.matching import FUNNEL_LABELS, WEIGHTS, Match, MatchResult, SearchAreaError
from placements.models import PlacementRequest
from placements.permissions import can_make_placement_requests
from placements.search_forms import SearchForm, polygon_text
from placements.selectors import placement_request_get
from placements.services import placement_search_run
from providers.permissions import can_see_exact_location

# Travel-time bands for the map and the list, by the longest journey to a place that matters.
TRAVEL_BANDS = ((20, "20 minutes or less"), (40, "21 to 40 minutes"), (60, "41 to 60 minutes"))


def travel_band(minutes: float | None) -> str:
    if minutes is None:
        return "unknown"
    for limit, _ in TRAVEL_BANDS:
        if minutes <= limit:
            return f"up-to-{limit}"
    return "over-60"


class _SearchMixin(PermissionRequiredMixin):
    permission = staticmethod(can_make_placement_requests)

    def search(self, pk: int) -> tuple[PlacementRequest, SearchForm, Any, MatchResult | None]:
        placement_request = placement_request_get(self.actor, pk)
        form = SearchForm.for_query(self.request.GET, request=placement_request)
        search = result = None
        if placement_request.status == PlacementRequest.Status.OPEN and form.is_valid():
            try:
                search, result = placement_search_run(
                    actor=self.actor, request=placement_request, criteria=form.criteria()
                )
            except SearchAreaError as exc:
                form.add_error("area", str(exc))
        return placement_request, form, search, result


class SearchView(_SearchMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        placement_request, form, search, result = self.search(pk)
        matches = result.matches if result else []
        rows = [_row(self.actor, match, rank) for rank, match in enumerate(matches, 1)]
        query = request.GET.urlencode()
        return render(
            request,
            "placements/search.html",
            {
                "placement_request": placement_request,
                "form": form,
                "search": search,
                "result": result,
                "rows": rows,
                "confirmed_count": sum(1 for m in matches if m.confirmed),
                "unconfirmed_count": sum(1 for m in matches if not m.confirmed),
                "funnel": _funnel(result),
                "weights": WEIGHTS,
                "export_url": reverse("placement_search_export", args=[pk])
                + (f"?{query}" if query else ""),
                "map_data": _map_data(placement_request, form, result, rows),
                "map_tile_url": django_settings.MAP_TILE_URL,
                "map_attribution": django_settings.MAP_ATTRIBUTION,
                "travel_bands": TRAVEL_BANDS,
            },
        )


class SearchExportView(_SearchMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        placement_request, form, search, result = self.search(pk)
        if result is None:
            return SearchView.as_view()(request, pk=pk)
        response = HttpResponse(
            search_workbook(placement_request, search, result), content_type=XLSX_CONTENT_TYPE
        )
        filename = f"placement-search-{search.pk}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def _row(actor: Any, match: Match, rank: int) -> dict[str, Any]:
    setting = match.setting
    return {
        "rank": rank,
        "match": match,
        "setting": setting,
        "band": travel_band(match.longest_minutes),
        "district": setting.postcode_district,
        "exact_location_url": (
            reverse("setting_location", args=[setting.urn])
            if setting.location_is_private
            and setting.location
            and can_see_exact_location(actor, setting)
            else ""
        ),
        "components": [
            (name, WEIGHTS[name], round(WEIGHTS[name] * value, 1))
            for name, value in match.components.items()
        ],
    }


def _funnel(result: MatchResult | None) -> list[tuple[str, int]]:
    if result is None:
        return []
    return [(FUNNEL_LABELS[key], count) for key, count in result.funnel.items()]


def _geojson(geometry: GEOSGeometry | None) -> Any:
    return json.loads(geometry.geojson) if geometry is not None else None


def _map_data(
    placement_request: PlacementRequest,
    form: SearchForm,
    result: MatchResult | None,
    rows: list[dict[str, Any]],
) -> dict[str, Any]:
    drawn = ""
    if form.is_bound and form.is_valid() and form.cleaned_data.get("polygon_shape") is not None:
        drawn = polygon_text(form.cleaned_data["polygon_shape"])
    return {
        "places": [
            {
                "label": place.label,
                "postcode": place.postcode,
                "lat": place.point.y,
                "lng": place.point.x,
                "max_minutes": place.max_minutes,
            }
            for place in placement_request.places.all()
        ],
        "results": [
            {
                "name": row["setting"].display_name,
                "url": reverse("setting_detail", args=[row["setting"].urn]),
                "lat": row["match"].map_point.y,
                "lng": row["match"].map_point.x,
                "minutes": row["match"].longest_minutes,
                "estimated": row["match"].any_estimated,
                "approximate": row["match"].map_point_approximate,
                "rank": row["rank"],
            }
            for row in rows
            if row["match"].map_point is not None
        ],
        "area": _geojson(result.area) if result else None,
        "avoid": [_geojson(area) for area in result.avoid] if result else [],
        "drawn": drawn,
    }
