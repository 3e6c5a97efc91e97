"""An officer's referrals for one request: send to a shortlist, compare the answers, record the
placement, and export the request's record (or a period's).

Each view checks the role (403 for anyone who cannot make requests, hub admins included: they
get aggregates elsewhere), gets the request through the selector (404 for another authority's),
then calls one service (`brokerage.referrals`) or selector (`placements.records`).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from accounts.mixins import PermissionRequiredMixin
from accounts.services import export_audit
from brokerage import records
from brokerage.enquiries import off_service_enquiry_list
from brokerage.models import Referral, ServiceIncluded
from brokerage.officer_forms import PlacementOutcomeForm, RecordsPeriodForm, ReferralSendForm
from brokerage.queue_selectors import request_questions_waiting
from brokerage.referral_selectors import (
    LaReferralShow,
    la_referral_counts,
    referral_state,
    referrals_for_la,
)
from brokerage.referrals import Shortlisted, default_deadline, placement_decide, referral_send
from brokerage.search_prices import benchmark_lines
from common.formats import pounds
from common.xlsx import XLSX_CONTENT_TYPE, XlsxWorkbook
from geo.names import local_authority_name
from placements.models import PlacementRequest, PlacementSearch
from placements.permissions import can_make_placement_requests
from placements.search_forms import LIMIT_FIELD, polygon_text
from placements.selectors import MAX_SHORTLIST, placement_request_get
from providers.facts import VacancyState, vacancy_view
from providers.models import Setting
from providers.selectors import setting_get

JSON_CONTENT_TYPE = "application/json"


def _detail_url(placement_request: PlacementRequest) -> str:
    return reverse("brokerage:placement_request_detail", args=[placement_request.pk])


def _overview_url(placement_request: PlacementRequest) -> str:
    return reverse("brokerage:referral_overview", args=[placement_request.pk])


def referral_url(referral: Referral) -> str:
    """The referral's own page (brokerage's /referrals/<id>/, shared by both sides)."""
    return reverse("brokerage:referral_detail", args=[referral.pk])


def search_results_url(placement_request: PlacementRequest, search: PlacementSearch | None) -> str:
    """The search page again with the criteria of `search` (the request's own limits without)."""
    url = reverse("placements:placement_search", args=[placement_request.pk])
    if search is None:
        return url
    criteria = search.criteria or {}
    query = QueryDict(mutable=True)
    query["area"] = criteria.get("area", "anywhere")
    for code in criteria.get("las") or []:
        query.appendlist("las", code)
    if criteria.get("postcode"):
        query["postcode"] = criteria["postcode"]
    if criteria.get("radius_miles") is not None:
        query["radius_miles"] = str(criteria["radius_miles"])
    if criteria.get("polygon"):
        drawn = GEOSGeometry(criteria["polygon"])
        if isinstance(drawn, Polygon):
            query["polygon"] = polygon_text(drawn)
    if criteria.get("include_unconfirmed"):
        query["include_unconfirmed"] = "on"
    if criteria.get("on_service_only"):
        query["on_service_only"] = "on"
    for place_id, minutes in (criteria.get("limits") or {}).items():
        query[LIMIT_FIELD.format(place_id)] = "" if minutes is None else str(minutes)
    return f"{url}?{query.urlencode()}"


class _RequestView(PermissionRequiredMixin, View):
    permission = staticmethod(can_make_placement_requests)

    def placement_request(self, pk: int) -> PlacementRequest:
        return placement_request_get(self.actor, pk)


# Sending ----------------------------------------------------------------------------------------


class ReferralCreateView(_RequestView):
    """GET shows the shortlist (`?urn=…&urn=…&search=…`, from the search page); POST sends."""

    nav_section = "placements"

    template_name = "brokerage/referral_send.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        placement_request = self.placement_request(pk)
        items = records.shortlist_get(placement_request, request.GET.getlist("urn"))
        search = records.request_search(placement_request, request.GET.get("search"))
        form = ReferralSendForm(
            initial=ReferralSendForm.initial_for(default_deadline(placement_request)),
            excluded=_excluded(items),
        )
        return self._render(placement_request, items, search, form)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        placement_request = self.placement_request(pk)
        items = records.shortlist_get(placement_request, request.POST.getlist("urn"))
        search = records.request_search(placement_request, request.POST.get("search"))
        if items and all(item.sent is not None for item in items):
            # The same form sent again (a double click, the back button): nothing goes twice.
            messages.info(
                request,
                "These referrals had already been sent, so nothing was sent again.",
            )
            return HttpResponseRedirect(_overview_url(placement_request))
        form = ReferralSendForm(request.POST, excluded=_excluded(items))
        if not items:
            form.is_valid()
            form.add_error(None, "Choose at least one setting from the search results")
        elif form.is_valid():
            shortlist = [
                Shortlisted(item.setting, form.override_reason(item.setting.urn)) for item in items
            ]
            try:
                sent = referral_send(
                    actor=self.actor,
                    request=placement_request,
                    shortlist=shortlist,
                    deadline=form.cleaned_data["deadline"],
                    note=form.cleaned_data["note"],
                    search=search,
                )
            except ValidationError as error:
                form.add_service_error(error)
                # What the service refused may have changed since (another tab sent one).
                items = records.shortlist_get(placement_request, request.POST.getlist("urn"))
            else:
                count = len(sent)
                noun = "Referrals" if count != 1 else "Referral"
                messages.success(
                    request, f"{noun} sent to {count} setting{'s' if count != 1 else ''}"
                )
                return HttpResponseRedirect(_overview_url(placement_request))
        return self._render(placement_request, items, search, form)

    def _render(
        self,
        placement_request: PlacementRequest,
        items: list[records.ShortlistItem],
        search: PlacementSearch | None,
        form: ReferralSendForm,
    ) -> HttpResponse:
        rows = []
        for item in items:
            urn = item.setting.urn
            name = form.override_names.get(urn)
            rows.append(
                {
                    "item": item,
                    "setting": item.setting,
                    "local_authority": _local_authority(item.setting),
                    "override": form[name] if name and item.can_send else None,
                    "errors": form.setting_errors.get(urn, []),
                    "remove_url": _without(placement_request, items, urn, search),
                }
            )
        return render(
            self.request,
            self.template_name,
            {
                "placement_request": placement_request,
                "form": form,
                "rows": rows,
                "sendable": [item for item in items if item.can_send],
                "search": search,
                "back_url": _with_shortlist(
                    search_results_url(placement_request, search), [i.setting.urn for i in items]
                ),
                "is_open": placement_request.status == PlacementRequest.Status.OPEN,
                "max_shortlist": MAX_SHORTLIST,
            },
        )


def _with_shortlist(url: str, urns: list[str]) -> str:
    """The search results again, with the shortlist ticked (search_views.shortlist_urns)."""
    if not urns:
        return url
    query = QueryDict(mutable=True)
    query.setlist("urn", urns)
    return f"{url}{'&' if '?' in url else '?'}{query.urlencode()}"


def _excluded(items: list[records.ShortlistItem]) -> list[tuple[str, str]]:
    return [
        (item.setting.urn, item.setting.display_name)
        for item in items
        if item.exclusions and item.can_send
    ]


def _without(
    placement_request: PlacementRequest,
    items: list[records.ShortlistItem],
    urn: str,
    search: PlacementSearch | None,
) -> str:
    """This page again with one setting left off the shortlist."""
    query = QueryDict(mutable=True)
    query.setlist("urn", [i.setting.urn for i in items if i.setting.urn != urn and i.can_send])
    if search is not None:
        query["search"] = str(search.pk)
    return (
        f"{reverse('brokerage:referral_create', args=[placement_request.pk])}?{query.urlencode()}"
    )


def _local_authority(setting: Setting) -> str:
    return local_authority_name(
        setting.local_authority, setting.local_authority_name, default="Not known"
    )


# Comparing the answers --------------------------------------------------------------------------


STATUS_TAGS: dict[str, str] = {
    Referral.Status.SENT: "govuk-tag--blue",
    Referral.Status.INTERESTED: "govuk-tag--green",
    Referral.Status.NOT_ABLE: "govuk-tag--orange",
    Referral.Status.EXPIRED: "govuk-tag--grey",
    Referral.Status.PLACED: "govuk-tag--purple",
    Referral.Status.FILLED: "govuk-tag--grey",
}


def _vacancy_text(setting: Setting) -> str:
    if setting.provision_type == "independent_fostering_agency":
        return "A fostering agency: places depend on its carer households"
    view = vacancy_view(getattr(setting, "vacancy", None))
    if view.state == VacancyState.NONE:
        return view.label
    places = f"{view.places} place{'s' if view.places != 1 else ''}. "
    expired = (
        " (expired: no longer shown in searches)" if view.state == VacancyState.EXPIRED else ""
    )
    restrictions = f". Restrictions: {view.restrictions_display}" if view.restrictions else ""
    return f"{places}{view.label}{expired}{restrictions}"


def _offer(referral: Referral) -> dict[str, Any]:
    setting = referral.setting
    includes = [str(ServiceIncluded(code).label) for code in referral.price_includes]
    return {
        "referral": referral,
        "setting": setting,
        "url": referral_url(referral),
        "price": pounds(referral.weekly_price),
        "includes": ", ".join(includes) or "Not stated",
        "travel": referral.places,
        "vacancy": _vacancy_text(setting),
        "outcome_url": (
            reverse("brokerage:placement_outcome_create", args=[referral.request_id])
            + f"?urn={setting.urn}"
        ),
    }


class ReferralOverviewView(_RequestView):
    nav_section = "placements"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        placement_request = self.placement_request(pk)
        referrals = list(records.request_referrals(placement_request))
        rows = [
            {
                "referral": referral,
                "url": referral_url(referral),
                "tag": STATUS_TAGS.get(referral.status, "govuk-tag--grey"),
                "response": records.referral_response(referral),
            }
            for referral in referrals
        ]
        outcome = records.request_outcome(placement_request)
        is_open = placement_request.status == PlacementRequest.Status.OPEN
        return render(
            request,
            "brokerage/referral_overview.html",
            {
                "placement_request": placement_request,
                "rows": rows,
                "offers": [
                    _offer(r)
                    for r in referrals
                    if records.referral_response(r) == records.Response.INTERESTED
                ],
                "not_able": [row for row in rows if row["response"] == records.Response.NOT_ABLE],
                "unanswered": [
                    row for row in rows if row["response"] == records.Response.NO_ANSWER
                ],
                "outcome": outcome,
                "questions": [
                    {"referral": referral, "url": referral_url(referral)}
                    for referral in request_questions_waiting(placement_request)
                ],
                "can_decide": is_open and outcome is None,
                "is_open": is_open,
                "search_url": reverse("placements:placement_search", args=[placement_request.pk]),
                "enquiries": list(off_service_enquiry_list(placement_request)),
            },
        )


# Recording the placement ------------------------------------------------------------------------


class PlacementOutcomeCreateView(_RequestView):
    nav_section = "placements"
    template_name = "brokerage/outcome_form.html"

    def _refused(self, placement_request: PlacementRequest) -> HttpResponse | None:
        if records.request_outcome(placement_request) is not None:
            messages.error(
                self.request,
                "A placement has already been recorded for this request, so nothing was changed.",
            )
            return HttpResponseRedirect(_detail_url(placement_request))
        if placement_request.status != PlacementRequest.Status.OPEN:
            messages.error(
                self.request, "This request is closed, so a placement can no longer be recorded."
            )
            return HttpResponseRedirect(_detail_url(placement_request))
        return None

    def _form(
        self, placement_request: PlacementRequest, data: QueryDict | None = None
    ) -> PlacementOutcomeForm:
        referrals = list(records.request_referrals(placement_request))
        chosen = next((r for r in referrals if r.setting.urn == self.request.GET.get("urn")), None)
        return PlacementOutcomeForm(
            data,
            initial=PlacementOutcomeForm.initial_for(chosen),
            referrals=referrals,
            places=list(placement_request.places.all()),
            lot_offers=records.outcome_lot_offers(
                placement_request, [r.setting for r in referrals], today=timezone.localdate()
            ),
            need_level=placement_request.need_level,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        placement_request = self.placement_request(pk)
        refused = self._refused(placement_request)
        if refused is not None:
            return refused
        return self._render(placement_request, self._form(placement_request))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        placement_request = self.placement_request(pk)
        refused = self._refused(placement_request)
        if refused is not None:
            return refused
        form = self._form(placement_request, request.POST)
        if form.is_valid():
            try:
                setting = setting_get(urn=form.chosen_urn)
            except Http404:
                form.add_error(
                    "other_urn", f"We cannot find a setting with the URN {form.chosen_urn}"
                )
            else:
                data = form.cleaned_data
                try:
                    placement_decide(
                        actor=self.actor,
                        request=placement_request,
                        setting=setting,
                        start_date=data["start_date"],
                        weekly_cost=data["weekly_cost"],
                        services_included=data["services_included"],
                        social_care_weekly=data["social_care_weekly"],
                        education_weekly=data["education_weekly"],
                        health_weekly=data["health_weekly"],
                        commercial_route=form.chosen_route(),
                        distance_from=form.place(),
                        lot=form.chosen_lot(),
                        need_level=data["need_level"],
                        above_rate_reason=data.get("above_rate_reason") or "",
                    )
                except ValidationError as error:
                    form.add_service_error(error)
                else:
                    messages.success(
                        request,
                        "Placement recorded: the other providers have been told the place is "
                        "filled",
                    )
                    return HttpResponseRedirect(_detail_url(placement_request))
        return self._render(placement_request, form)

    def _render(
        self, placement_request: PlacementRequest, form: PlacementOutcomeForm
    ) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                "placement_request": placement_request,
                "form": form,
                "overview_url": _overview_url(placement_request),
                # Like-for-like prices in the region, computed when shown (nothing stored).
                "benchmark_lines": benchmark_lines(
                    placement_request,
                    [referral.setting for referral in records.request_referrals(placement_request)],
                    self.actor.organisation,
                    timezone.localdate(),
                ),
            },
        )


# Exports ----------------------------------------------------------------------------------------


def _json_response(document: dict[str, Any], filename: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type=f"{JSON_CONTENT_TYPE}; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_response(document: dict[str, Any], filename: str) -> HttpResponse:
    book = XlsxWorkbook()
    for part in records.record_sheets(document):
        sheet = book.sheet(part.title, widths=part.widths, freeze="C2")
        sheet.header(part.headers)
        for row in part.rows:
            sheet.row(row)
    response = HttpResponse(book.to_bytes(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class PlacementRecordView(_RequestView):
    """One request's full record, as .xlsx or as .json (`as_format`, set in the URL conf)."""

    nav_section = ""

    as_format = "json"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        placement_request = records.placement_record_get(self.placement_request(pk))
        document = records.records_document(
            [placement_request], organisation_name=placement_request.organisation.name
        )
        filename = f"placement-record-{placement_request.pk}.{self.as_format}"
        export_audit(
            actor=self.actor,
            export="placement_record",
            rows=len(document["records"]),
            filters={"placement_request": placement_request.pk, "format": self.as_format},
        )
        if self.as_format == "xlsx":
            return _xlsx_response(document, filename)
        return _json_response(document, filename)


class PlacementRecordsExportView(_RequestView):
    """`?from=YYYY-MM-DD&to=YYYY-MM-DD&format=xlsx|json`: every request the officer's authority
    started in the period. Without dates it shows the form; with a problem, the form and why."""

    nav_section = ""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not any(request.GET.get(name) for name in ("from", "to")):
            form = RecordsPeriodForm(initial={"format": "xlsx"})
            return self._render(form)
        form = RecordsPeriodForm(request.GET)
        if not form.is_valid():
            return self._render(form)
        start, end = form.cleaned_data["from"], form.cleaned_data["to"]
        organisation = self.actor.organisation
        document = records.records_document(
            records.placement_records_for(self.actor, start=start, end=end),
            organisation_name=organisation.name if organisation else "",
            start=start,
            end=end,
        )
        extension = form.cleaned_data["format"]
        export_audit(
            actor=self.actor,
            export="placement_records",
            rows=len(document["records"]),
            filters={"from": start.isoformat(), "to": end.isoformat(), "format": extension},
        )
        filename = f"placement-records-{start:%Y-%m-%d}-to-{end:%Y-%m-%d}.{extension}"
        if extension == "xlsx":
            return _xlsx_response(document, filename)
        return _json_response(document, filename)

    def _render(self, form: RecordsPeriodForm) -> HttpResponse:
        today = timezone.localdate()
        return render(
            self.request,
            "brokerage/records_export.html",
            {"form": form, "today": today},
        )


# The LA's referrals across its requests ---------------------------------------------------------

LA_REFERRALS_PER_PAGE = 50
LA_REFERRAL_TABS = (
    (LaReferralShow.ALL, "All"),
    (LaReferralShow.WAITING, "Waiting"),
    (LaReferralShow.ANSWERED, "Answered"),
    (LaReferralShow.CLOSED, "Closed"),
)


# A referral's state (brokerage.referral_selectors.referral_state) in the LA's words.
LA_STATUS: dict[str, tuple[str, str]] = {
    "waiting": ("Waiting for an answer", "govuk-tag--blue"),
    "interested": ("Interested", "govuk-tag--green"),
    "not_able": ("Not able", "govuk-tag--orange"),
    "expired": ("No answer by the deadline", "govuk-tag--grey"),
    "filled": ("Place filled elsewhere", "govuk-tag--grey"),
    "placed": ("Placement agreed here", "govuk-tag--purple"),
    "closed": ("Request closed", "govuk-tag--grey"),
}


def _la_status(key: str) -> dict[str, str]:
    label, tag = LA_STATUS[key]
    return {"status": label, "tag": tag}


class LaReferralListView(PermissionRequiredMixin, View):
    """`?show=waiting|answered|closed&page=N`: the officer's LA's referrals, newest first."""

    nav_section = "la_referrals"

    permission = staticmethod(can_make_placement_requests)

    def get(self, request: HttpRequest) -> HttpResponse:
        show = request.GET.get("show", LaReferralShow.ALL)
        if show not in LaReferralShow.CHOICES:
            show = LaReferralShow.ALL
        now = timezone.now()
        page = Paginator(
            referrals_for_la(self.actor, show=show, now=now), LA_REFERRALS_PER_PAGE
        ).get_page(request.GET.get("page"))
        counts = la_referral_counts(self.actor, now=now)
        base = reverse("brokerage:la_referral_list")

        def link(name: str, number: int | None = None) -> str:
            query = QueryDict(mutable=True)
            if name != LaReferralShow.ALL:
                query["show"] = name
            if number and number > 1:
                query["page"] = str(number)
            return f"{base}?{query.urlencode()}" if query else base

        return render(
            request,
            "brokerage/la_referral_list.html",
            {
                "tabs": [
                    {
                        "label": label,
                        "count": counts[name],
                        "url": link(name),
                        "current": name == show,
                    }
                    for name, label in LA_REFERRAL_TABS
                ],
                "show": show,
                "rows": [
                    {"referral": referral, **_la_status(referral_state(referral, now=now).key)}
                    for referral in page.object_list
                ],
                "page": page,
                "previous_url": link(show, page.previous_page_number())
                if page.has_previous()
                else "",
                "next_url": link(show, page.next_page_number()) if page.has_next() else "",
            },
        )
