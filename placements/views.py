"""A local authority's placement requests: list, create, see, change, close.

Each view checks the role (403 for anyone who cannot make requests), gets the request through
the selector (404 for another authority's), then calls one service.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.views import View

from accounts.mixins import PermissionRequiredMixin
from common.pagination import pagination
from placements import criteria, selectors, services
from placements.forms import CloseRequestForm, PlacementRequestPage
from placements.models import PlacementRequest
from placements.permissions import can_make_placement_requests

PAGE_SIZE = 50


def _detail_url(placement_request: PlacementRequest) -> str:
    return reverse("brokerage:placement_request_detail", args=[placement_request.pk])


def search_url(placement_request: PlacementRequest) -> str:
    return reverse("placements:placement_search", args=[placement_request.pk])


def age_text(placement_request: PlacementRequest) -> str:
    if placement_request.birth_year and placement_request.birth_month:
        age = placement_request.age_on(timezone.localdate())
        month = MONTHS[placement_request.birth_month]
        return f"{age} (born {month} {placement_request.birth_year})"
    return str(placement_request.age_years)


def profile_rows(placement_request: PlacementRequest) -> list[tuple[str, str]]:
    """The child's profile as (key, value) rows for a GOV.UK summary list: the case reference,
    then each part of the profile (placements/criteria.py), the age with its month of birth."""
    profile = criteria.profile_record(placement_request, today=timezone.localdate())
    profile["age"] = age_text(placement_request)
    home = placement_request.home_district or "Not given"
    return [
        ("Case reference", placement_request.reference),
        ("Home postcode district", home),
        *criteria.profile_rows(profile),
    ]


class PlacementRequestListView(PermissionRequiredMixin, View):
    nav_section = "placements"
    permission = staticmethod(can_make_placement_requests)

    def get(self, request: HttpRequest) -> HttpResponse:
        requests = selectors.placement_requests_for(self.actor)
        page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "placements/request_list.html",
            {
                "page": page,
                "placement_requests": page.object_list,
                "pagination": pagination(page, request.path, request.GET),
            },
        )


class _RequestFormView(PermissionRequiredMixin, View):
    """Shared by create and change: Add/Remove re-show the page, Save calls the service."""

    permission = staticmethod(can_make_placement_requests)
    template_name = "placements/request_form.html"

    def _render(self, page: PlacementRequestPage, **context: Any) -> HttpResponse:
        return render(self.request, self.template_name, {"form": page, **context})

    def _post(self, placement_request: PlacementRequest | None) -> HttpResponse:
        context = {"placement_request": placement_request}
        rearranged = PlacementRequestPage.rearranged(self.request.POST)
        if rearranged is not None:
            return self._render(rearranged, **context)
        page = PlacementRequestPage.posted(self.request.POST)
        if page.is_valid():
            try:
                saved = self._save(page.service_arguments(), placement_request)
            except ValidationError as error:
                page.add_service_error(error)
            else:
                verb = "changed" if placement_request else "created"
                messages.success(self.request, f"Placement request {saved.reference} {verb}.")
                return HttpResponseRedirect(_detail_url(saved))
        return self._render(page, **context)

    def _save(
        self, arguments: dict[str, Any], placement_request: PlacementRequest | None
    ) -> PlacementRequest:
        raise NotImplementedError


class PlacementRequestCreateView(_RequestFormView):
    nav_section = "placements"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(PlacementRequestPage.blank(), placement_request=None)

    def post(self, request: HttpRequest) -> HttpResponse:
        return self._post(None)

    def _save(
        self, arguments: dict[str, Any], placement_request: PlacementRequest | None
    ) -> PlacementRequest:
        return services.placement_request_create(actor=self.actor, **arguments)


class PlacementRequestUpdateView(_RequestFormView):
    nav_section = "placements"

    def _open_request(self, pk: int) -> PlacementRequest | HttpResponse:
        placement_request = selectors.placement_request_get(self.actor, pk)
        if placement_request.status != PlacementRequest.Status.OPEN:
            messages.error(self.request, "This request is closed, so it can no longer be changed.")
            return HttpResponseRedirect(_detail_url(placement_request))
        return placement_request

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        found = self._open_request(pk)
        if isinstance(found, HttpResponse):
            return found
        return self._render(PlacementRequestPage.of(found), placement_request=found)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        found = self._open_request(pk)
        if isinstance(found, HttpResponse):
            return found
        return self._post(found)

    def _save(
        self, arguments: dict[str, Any], placement_request: PlacementRequest | None
    ) -> PlacementRequest:
        assert placement_request is not None
        return services.placement_request_update(
            actor=self.actor, request=placement_request, **arguments
        )


class PlacementRequestCloseView(PermissionRequiredMixin, View):
    """GET asks "Close this request?"; only the POST closes it."""

    nav_section = "placements"

    permission = staticmethod(can_make_placement_requests)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        placement_request = selectors.placement_request_get(self.actor, pk)
        return self._render(placement_request, CloseRequestForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        placement_request = selectors.placement_request_get(self.actor, pk)
        if placement_request.status != PlacementRequest.Status.OPEN:
            return HttpResponseRedirect(_detail_url(placement_request))  # closed in another tab
        form = CloseRequestForm(request.POST)
        if form.is_valid():
            try:
                services.placement_request_close(
                    actor=self.actor, request=placement_request, **form.service_arguments()
                )
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                messages.success(
                    request, f"Placement request {placement_request.reference} closed."
                )
                return HttpResponseRedirect(_detail_url(placement_request))
        return self._render(placement_request, form)

    def _render(self, placement_request: PlacementRequest, form: CloseRequestForm) -> HttpResponse:
        return render(
            self.request,
            "placements/request_close.html",
            {"placement_request": placement_request, "form": form},
        )
