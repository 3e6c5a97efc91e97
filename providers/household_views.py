"""An independent fostering agency's anonymous carer households: list, add, change, remove.

Who gets what, decided once for all four pages:
- signed out: sent to sign in;
- a role that can never edit a setting (hub admin, LA manager, placement officer): 403, whatever
  the URN, so the answer says nothing about which settings exist or who runs them;
- a provider user or admin: 404 unless their organisation runs the setting and it is a fostering
  agency. Another organisation's agency and an unknown URN look the same.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View

from accounts.forms import apply_validation_error
from accounts.mixins import PermissionRequiredMixin
from providers import facts, ofsted
from providers.household_forms import HouseholdForm
from providers.models import CarerHousehold, Need, Setting
from providers.permissions import can_edit_setting, is_provider

UNIQUE_REFERENCE = "household_reference_unique"


class HouseholdPageMixin(PermissionRequiredMixin):
    permission = staticmethod(is_provider)
    kwargs: dict[str, Any]

    def get_setting(self) -> Setting:
        setting = Setting.objects.filter(urn=str(self.kwargs["urn"]).upper()).first()
        if (
            setting is None
            or not can_edit_setting(self.actor, setting)
            or setting.provision_type != ofsted.ProvisionType.INDEPENDENT_FOSTERING_AGENCY
        ):
            raise Http404("No fostering agency of yours has this URN.")
        return setting

    def get_household(self, setting: Setting) -> CarerHousehold:
        return get_object_or_404(CarerHousehold, pk=self.kwargs["pk"], setting=setting)

    def list_url(self, setting: Setting) -> str:
        return reverse("providers:household_list", kwargs={"urn": setting.urn})


class HouseholdListView(HouseholdPageMixin, View):
    nav_section = "yours"

    def get(self, request: HttpRequest, urn: str) -> HttpResponse:
        setting = self.get_setting()
        households = list(setting.households.order_by("reference"))
        totals = setting.households.aggregate(count=Count("id"), places=Sum("places_now"))
        rows = [
            {
                "household": household,
                "needs": [Need(code).label for code in household.needs if code in Need.values],
            }
            for household in households
        ]
        return render(
            request,
            "providers/household_list.html",
            {
                "setting": setting,
                "rows": rows,
                "household_count": totals["count"],
                "places_now": totals["places"] or 0,
            },
        )


class HouseholdFormView(HouseholdPageMixin, View):
    """Add (no pk) or change (pk) one household through `facts.household_save`."""

    nav_section = "yours"

    template_name = "providers/household_form.html"

    def _household(self, setting: Setting) -> CarerHousehold | None:
        return self.get_household(setting) if "pk" in self.kwargs else None

    def _form(self, household: CarerHousehold | None, data: Any = None) -> HouseholdForm:
        label = "Save changes" if household else "Add household"
        return HouseholdForm(data, initial=HouseholdForm.initial_for(household), submit_label=label)

    def _render(
        self, setting: Setting, household: CarerHousehold | None, form: HouseholdForm
    ) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            {"setting": setting, "household": household, "form": form},
        )

    def get(self, request: HttpRequest, urn: str, pk: int | None = None) -> HttpResponse:
        setting = self.get_setting()
        household = self._household(setting)
        return self._render(setting, household, self._form(household))

    def post(self, request: HttpRequest, urn: str, pk: int | None = None) -> HttpResponse:
        setting = self.get_setting()
        household = self._household(setting)
        form = self._form(household, request.POST)
        if form.is_valid():
            # The service sets values on the instance it is given before it validates; give it
            # a copy so that a refused change leaves the page's heading as it was.
            target = self._household(setting)
            try:
                saved = facts.household_save(
                    actor=self.actor, setting=setting, household=target, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            except IntegrityError as error:
                # Two households of one agency with one reference: the database refuses it.
                if UNIQUE_REFERENCE not in str(error):
                    raise
                form.add_error(
                    "reference",
                    f"You already have a household with the reference "
                    f"{form.cleaned_data['reference']}. Enter a different reference",
                )
            else:
                verb = "changed" if household else "added"
                messages.success(request, f"Household {saved.reference} {verb}.")
                return HttpResponseRedirect(self.list_url(setting))
        return self._render(setting, household, form)


class HouseholdRemoveView(HouseholdPageMixin, View):
    nav_section = "yours"

    def get(self, request: HttpRequest, urn: str, pk: int) -> HttpResponse:
        setting = self.get_setting()
        household = self.get_household(setting)
        return render(
            request,
            "providers/household_remove.html",
            {"setting": setting, "household": household},
        )

    def post(self, request: HttpRequest, urn: str, pk: int) -> HttpResponse:
        setting = self.get_setting()
        household = self.get_household(setting)
        facts.household_delete(actor=self.actor, household=household)
        messages.success(request, f"Household {household.reference} removed.")
        return HttpResponseRedirect(self.list_url(setting))
