"""A provider admin's page: who (which organisation, in which role) saw the exact address of the
private-location settings the organisation runs, and when. Never the person's name or email:
the organisation and role are what a provider needs to follow a concern up with that authority."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from accounts.mixins import PermissionRequiredMixin
from common.pagination import pagination
from providers import facts, selectors
from providers.forms import LocationViewFilterForm
from providers.models import LocationView
from providers.permissions import can_see_address_views

PAGE_SIZE = 50


class AddressViewListView(PermissionRequiredMixin, View):
    nav_section = "yours"
    permission = staticmethod(can_see_address_views)

    def get(self, request: HttpRequest) -> HttpResponse:
        organisation = self.actor.organisation
        assert organisation is not None  # can_see_address_views
        form = LocationViewFilterForm(
            request.GET or None, settings=facts.settings_run_by(organisation)
        )
        views = LocationView.objects.none()
        if form.is_bound and not form.is_valid():
            pass  # the errors are shown; no rows for a filter that could not be read
        else:
            chosen = form.filters()
            views = selectors.location_view_list(
                organisation=organisation,
                setting=chosen.get("setting", ""),
                start=chosen.get("from"),
                end=chosen.get("to"),
            )
        page = Paginator(views, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "providers/address_view_list.html",
            {
                "organisation": organisation,
                "form": form,
                "page": page,
                "views": page.object_list,
                "count": page.paginator.count,
                "pagination": pagination(page, request.path, request.GET),
            },
        )
