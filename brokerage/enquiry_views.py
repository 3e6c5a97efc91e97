"""Recording an enquiry outside the service for one request (`brokerage.enquiries`).

Like the referral pages: the role is checked (403 for anyone who cannot make requests), the
request comes through the selector (404 for another authority's), then one service is called.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from accounts.mixins import PermissionRequiredMixin
from brokerage.enquiries import off_service_enquiry_blocker, off_service_enquiry_record
from brokerage.enquiry_forms import OffServiceEnquiryForm
from placements.models import PlacementRequest
from placements.permissions import can_make_placement_requests
from placements.selectors import placement_request_get
from providers.models import Setting


class OffServiceEnquiryCreateView(PermissionRequiredMixin, View):
    """GET shows the form (`?urn=…` from a search result); POST records the enquiry."""

    nav_section = "placements"

    permission = staticmethod(can_make_placement_requests)
    template_name = "brokerage/enquiry_form.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        placement_request = placement_request_get(self.actor, pk)
        if placement_request.status != PlacementRequest.Status.OPEN:
            return self._closed(placement_request)
        today = timezone.localdate()
        form = OffServiceEnquiryForm(
            initial={
                "urn": request.GET.get("urn", "").strip().upper()[:12],
                "contacted_on": f"{today.day}/{today.month}/{today.year}",
            }
        )
        setting = Setting.objects.filter(urn=form.initial["urn"]).first()
        return self._render(placement_request, form, setting)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        placement_request = placement_request_get(self.actor, pk)
        if placement_request.status != PlacementRequest.Status.OPEN:
            return self._closed(placement_request)
        form = OffServiceEnquiryForm(request.POST)
        if form.is_valid() and form.setting is not None:
            data = form.cleaned_data
            try:
                off_service_enquiry_record(
                    actor=self.actor,
                    request=placement_request,
                    setting=form.setting,
                    method=data["method"],
                    result=data["result"],
                    contacted_on=data["contacted_on"],
                    note=data["note"],
                )
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(request, f"Enquiry with {form.setting.display_name} recorded")
                return HttpResponseRedirect(
                    reverse("brokerage:referral_overview", args=[placement_request.pk])
                )
        return self._render(placement_request, form, form.setting)

    def _closed(self, placement_request: PlacementRequest) -> HttpResponse:
        messages.error(
            self.request, "This request is closed, so no more enquiries can be recorded."
        )
        return HttpResponseRedirect(
            reverse("brokerage:referral_overview", args=[placement_request.pk])
        )

    def _render(
        self,
        placement_request: PlacementRequest,
        form: OffServiceEnquiryForm,
        setting: Setting | None,
    ) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {
                "placement_request": placement_request,
                "form": form,
                "setting": setting,
                "blocker": off_service_enquiry_blocker(setting) if setting else None,
                "overview_url": reverse("brokerage:referral_overview", args=[placement_request.pk]),
            },
        )
