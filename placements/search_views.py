"""Finding placements for one request: the search page (list and map) and its spreadsheet."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings as django_settings
from django.contrib.gis.geos import GEOSGeometry
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from accounts.mixins import PermissionRequiredMixin
from accounts.services import export_audit
from commissioning.models import NeedLevel
from common.formats import pounds
from common.pagination import pagination
from common.xlsx import XLSX_CONTENT_TYPE
from geo.journeys import journey_minutes, journey_summary, whole_minutes
from geo.modes import journey_route, timetable_words
from placements import search_extras
from placements.exports import search_workbook
from placements.matching import (
    FUNNEL_LABELS,
    WEIGHTS,
    Match,
    MatchResult,
    SearchAreaError,
    with_memberships,
)
from placements.models import PlacementRequest
from placements.permissions import can_make_placement_requests
from placements.search_forms import SearchForm, polygon_text
from placements.selectors import MAX_SHORTLIST, placement_request_get
from placements.services import placement_search_run
from providers.facts import setting_exact_location
from providers.models import Setting
from providers.permissions import can_see_exact_location

# Travel-time bands for the map and the list, by the longest journey to a place that matters.
TRAVEL_BANDS = ((20, "20 minutes or less"), (40, "21 to 40 minutes"), (60, "41 to 60 minutes"))
# Result cards per page. A national search with unconfirmed settings and no journey limit finds
# thousands; all of them on one page was 10 MB of HTML (docs/benchmarks.md, search_page_largest).
RESULTS_PER_PAGE = 25
# Query parameters that are not the search itself: the page, the shortlist so far, and the saved
# search the shortlist form names (it comes back with "Keep ticked settings on the shortlist").
NOT_CRITERIA = ("page", "urn", "search")


def travel_band(minutes: float | None) -> str:
    """The band of the whole minutes shown (20.4 reads "20 min", so it is "up to 20")."""
    whole = whole_minutes(minutes)
    if whole is None:
        return "unknown"
    for limit, _ in TRAVEL_BANDS:
        if whole <= limit:
            return f"up-to-{limit}"
    return "over-60"


def shortlist_urns(query: QueryDict) -> list[str]:
    """The shortlist carried in the search's URL (`urn=…`, ticked on any page), in order."""
    urns = (u.strip().upper() for u in query.getlist("urn") if u and u.strip())
    return list(dict.fromkeys(urns))[:MAX_SHORTLIST]


def _criteria_query(query: QueryDict) -> QueryDict:
    """The search's own parameters, without the page and the shortlist."""
    criteria = query.copy()
    for name in NOT_CRITERIA:
        criteria.pop(name, None)
    return criteria


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
    nav_section = "placements"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        placement_request, form, search, result = self.search(pk)
        matches = result.matches if result else []
        # Out of range or not a number: the last or the first page, as the directory does.
        page = Paginator(matches, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
        # This page's memberships and rates: one query for its 25, not one per result.
        today = timezone.localdate()
        with_memberships(page.object_list, placement_request, today=today)
        # Lines apps above placements add (brokerage: recent prices), for the page at once.
        extras = search_extras.annotate(
            self.actor, placement_request, list(page.object_list), today
        )
        rows = [
            {
                **_row(self.actor, match, rank, placement_request.need_level, pk),
                "extras": extras.get(match.setting.pk, []),
            }
            for rank, match in enumerate(page.object_list, start=max(page.start_index(), 1))
        ]
        criteria_query = _criteria_query(request.GET)
        query = criteria_query.urlencode()
        shortlist = shortlist_urns(request.GET)
        on_page = {row["setting"].urn for row in rows}
        return render(
            request,
            "placements/search.html",
            {
                "placement_request": placement_request,
                "form": form,
                "search": search,
                "result": result,
                "rows": rows,
                "page": page,
                "total_count": len(matches),
                "pagination": pagination(page, request.path, request.GET),
                # Ticked on other pages: carried in the shortlist form so no tick is lost.
                "shortlist": set(shortlist),
                "shortlist_elsewhere": [urn for urn in shortlist if urn not in on_page],
                "criteria_fields": [
                    (name, value)
                    for name in criteria_query
                    for value in criteria_query.getlist(name)
                ],
                "journey_summary": (
                    journey_summary(result.journeys, engine=result.engine) if result else ""
                ),
                "timetable_notes": _timetable_notes(placement_request, result),
                "confirmed_count": sum(1 for m in matches if m.confirmed),
                "unconfirmed_count": sum(1 for m in matches if not m.confirmed),
                "funnel": _funnel(result),
                "weights": WEIGHTS,
                "framework_weight": result.framework_weight if result else 0,
                "export_url": reverse("placements:placement_search_export", args=[pk])
                + (f"?{query}" if query else ""),
                "map_data": _map_data(placement_request, form, result),
                "map_tile_url": django_settings.MAP_TILE_URL,
                "map_attribution": django_settings.MAP_ATTRIBUTION,
                "travel_bands": TRAVEL_BANDS,
            },
        )


class SearchExportView(_SearchMixin, View):
    nav_section = ""

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        placement_request, form, search, result = self.search(pk)
        if result is None:
            return SearchView.as_view()(request, pk=pk)
        export_audit(
            actor=self.actor,
            export="placement_search",
            rows=len(result.matches),
            filters={"placement_request": placement_request.pk, "search": search.pk},
        )
        response = HttpResponse(
            search_workbook(placement_request, search, result), content_type=XLSX_CONTENT_TYPE
        )
        filename = f"placement-search-{search.pk}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def _row(actor: Any, match: Match, rank: int, need_level: str, request_pk: int) -> dict[str, Any]:
    setting = match.setting
    # Entitled to where the setting is: its address page, and a journey line ending there.
    entitled = setting.location is not None and can_see_exact_location(actor, setting)
    can_draw = entitled and match.households is None
    return {
        "rank": rank,
        "match": match,
        "setting": setting,
        "band": travel_band(match.longest_minutes),
        "district": setting.postcode_district,
        "exact_location_url": (
            reverse("providers:setting_location", args=[setting.urn])
            if setting.location_is_private and entitled
            else ""
        ),
        "components": [
            (name, match.weights[name], round(match.weights[name] * value, 1))
            for name, value in match.components.items()
        ],
        "memberships": membership_rows(match, need_level),
        # Each journey drawn on a map: only where the line may end at the setting's location.
        "journeys": [
            (
                leg,
                reverse(
                    "placements:placement_journey", args=[request_pk, setting.urn, leg.place_id]
                )
                if can_draw
                else "",
            )
            for leg in match.travel
        ],
    }


def membership_rows(match: Match, need_level: str) -> list[dict[str, Any]]:
    """Each current membership in words: the framework, the lot, and the tendered rate for the
    child's need level (every rate when it is not assessed)."""
    rows = []
    for member in match.memberships:
        if need_level:
            rate = member.rate_for(need_level)
            band = str(NeedLevel(need_level).label)
            rates = [_rate_words(rate, band)] if rate else [f"No rate for this need level ({band})"]
        else:
            rates = [_rate_words(rate, rate.need_level_label) for rate in member.rates] or [
                "No rates tendered"
            ]
        rows.append(
            {
                "framework": member.framework,
                "lot": f"Lot {member.lot_number}: {member.lot}",
                "rates": rates,
            }
        )
    return rows


def _rate_words(rate: Any, band: str) -> str:
    text = f"{band}: {pounds(rate.weekly_rate)} a week"
    if rate.includes:
        text += f" (includes {rate.includes_label.lower()})"
    if rate.solo_premium:
        text += f"; solo premium {pounds(rate.solo_premium)} a week"
    return text


def _funnel(result: MatchResult | None) -> list[tuple[str, int]]:
    if result is None:
        return []
    labels = dict(FUNNEL_LABELS)
    if result.framework_name:
        labels["framework"] = f"On {result.framework_name} (active members of a current lot)"
    return [(labels[key], count) for key, count in result.funnel.items()]


def _geojson(geometry: GEOSGeometry | None) -> Any:
    return json.loads(geometry.geojson) if geometry is not None else None


# The map shows every match, not just this page's, so each is one short row rather than a card.
# `journey`: the longest journey in words, as the list says it (an estimate reads as a range).
MAP_COLUMNS = (
    "urn", "rank", "lat", "lng", "minutes", "estimated", "band", "approximate", "journey",
)  # fmt: skip
MAP_DECIMALS = 5  # about a metre, as the directory's map


def _map_results(result: MatchResult | None) -> list[list[Any]]:
    """One row per match with a point to draw (MAP_COLUMNS): whole minutes of the longest
    journey, whether that journey is estimated, its band; a private setting stands at the middle
    of its postcode district (`approximate`), never at its own location."""
    if result is None:
        return []
    rows = []
    for rank, match in enumerate(result.matches, start=1):
        point = match.map_point
        if point is None:
            continue
        longest = match.longest_minutes
        rows.append(
            [
                match.setting.urn,
                rank,
                round(point.y, MAP_DECIMALS),
                round(point.x, MAP_DECIMALS),
                whole_minutes(longest),
                int(match.longest_estimated),
                travel_band(longest),
                int(match.map_point_approximate),
                # The longest journey in the page's words, by its mode.
                longest_leg.words
                if (longest_leg := match.longest_leg) is not None
                else journey_minutes(None, estimated=False),
            ]
        )
    return rows


def _timetable_notes(placement_request: PlacementRequest, result: MatchResult | None) -> list[str]:
    """For each place by public transport, which timetable answered, for which day."""
    if result is None:
        return []
    return [
        f"By public transport to {place.label}: {timetable_words(result.timetables[place.pk])}"
        for place in placement_request.places.all()
        if place.pk in result.timetables
    ]


def _map_data(
    placement_request: PlacementRequest, form: SearchForm, result: MatchResult | None
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
                "mode": place.mode,
                "mode_words": place.mode_words,
            }
            for place in placement_request.places.all()
        ],
        "columns": list(MAP_COLUMNS),
        "results": _map_results(result),
        # One link for all: the browser puts each result's URN in place of SC000000.
        "setting_url": reverse("providers:setting_detail", args=["SC000000"]),
        "area": _geojson(result.area) if result else None,
        "avoid": [_geojson(area) for area in result.avoid] if result else [],
        "drawn": drawn,
    }


class JourneyView(PermissionRequiredMixin, View):
    """One result's journey to one place that matters, drawn on a map and listed in words: the
    route by road, or each walk and bus by public transport (geo/modes.py `journey_route`).

    The line ends at the setting's own location, so for a private setting (a children's home)
    the page is for those entitled to its exact location only, and each view of it is written to
    the setting's location log like its address page."""

    nav_section = "placements"
    permission = staticmethod(can_make_placement_requests)

    def get(self, request: HttpRequest, pk: int, urn: str, place_id: int) -> HttpResponse:
        placement_request = placement_request_get(self.actor, pk)
        place = get_object_or_404(placement_request.places, pk=place_id)
        setting = get_object_or_404(Setting, urn=urn)
        if setting.location is None or not can_see_exact_location(self.actor, setting):
            raise Http404
        if setting.location_is_private:
            setting_exact_location(viewer=self.actor, setting=setting)  # logs the view
        route = journey_route(
            place.trip,
            setting.location,
            today=timezone.localdate(),
            setting_name=setting.display_name,
            place_name=place.label,
        )
        return render(
            request,
            "placements/journey.html",
            {
                "placement_request": placement_request,
                "place": place,
                "setting": setting,
                "route": route,
                "map_data": {
                    "place": {"label": place.label, "lat": place.point.y, "lng": place.point.x},
                    "setting": {
                        "name": setting.display_name,
                        "lat": setting.location.y,
                        "lng": setting.location.x,
                    },
                    "steps": [
                        {
                            "kind": step.kind,
                            "words": step.words,
                            "estimated": step.estimated,
                            "line": [[lat, lng] for lng, lat in step.line],
                        }
                        for step in route.steps
                    ],
                },
                "map_tile_url": django_settings.MAP_TILE_URL,
                "map_attribution": django_settings.MAP_ATTRIBUTION,
                "back_url": request.GET.get("back", "")
                if url_has_allowed_host_and_scheme(
                    request.GET.get("back", ""), allowed_hosts={request.get_host()}
                )
                else reverse("placements:placement_search", args=[pk]),
            },
        )
