"""Framework pages. Who gets what:
- signed out: sent to sign in;
- hub admins: their region's frameworks, to read and change; another region's framework is 404;
- member-LA placement officers and LA managers: their region's frameworks, read only (the
  change pages are 403);
- provider users and admins: 403 on every framework page; /frameworks/ours/ shows the
  memberships and rates of their own organisation's settings only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from accounts.forms import apply_validation_error
from accounts.mixins import PermissionRequiredMixin
from commissioning import selectors, services
from commissioning.forms import (
    STATUS_VERBS,
    FrameworkForm,
    FrameworkWeightForm,
    LotForm,
    MemberAddForm,
    MembershipStatusForm,
    RatesForm,
)
from commissioning.models import Framework, Lot, Membership, NeedLevel, Rate, RateIncludes
from commissioning.permissions import (
    can_manage_frameworks,
    can_read_frameworks,
    can_see_own_memberships,
)
from common.formats import labels, pounds
from common.pagination import pagination

CHANGES_PER_PAGE = 50


def _detail_url(framework: Framework) -> str:
    return reverse("commissioning:framework_detail", args=[framework.pk])


@dataclass(frozen=True)
class RateRow:
    level: str
    weekly: str
    includes: str
    solo: str


def rate_rows(membership: Membership) -> list[RateRow]:
    """The member's rates in need-level order, in words."""
    by_level: dict[str, Rate] = {rate.need_level: rate for rate in membership.rates.all()}
    return [
        RateRow(
            level=str(label),
            weekly=pounds(rate.weekly_rate),
            includes=labels(rate.includes, RateIncludes),
            solo=pounds(rate.solo_premium) if rate.solo_premium is not None else "None",
        )
        for level, label in NeedLevel.choices
        if (rate := by_level.get(level)) is not None
    ]


class FrameworkListView(PermissionRequiredMixin, View):
    nav_section = "frameworks"
    permission = staticmethod(can_read_frameworks)

    def get(self, request: HttpRequest) -> HttpResponse:
        frameworks = selectors.framework_list(user=self.actor)
        split = selectors.framework_split(frameworks, today=timezone.localdate())
        return render(
            request,
            "commissioning/framework_list.html",
            {
                **split,
                "can_manage": can_manage_frameworks(self.actor),
                "framework_weight": self.actor.organisation.own_region.framework_weight
                if self.actor.organisation
                else None,
            },
        )


class FrameworkWeightView(PermissionRequiredMixin, View):
    """The hub admin sets how much framework membership counts in the region's search score."""

    nav_section = "frameworks"
    permission = staticmethod(can_manage_frameworks)

    def _page(self, form: FrameworkWeightForm) -> HttpResponse:
        return render(self.request, "commissioning/framework_weight.html", {"form": form})

    def get(self, request: HttpRequest) -> HttpResponse:
        assert self.actor.organisation is not None
        region = self.actor.organisation.own_region
        return self._page(FrameworkWeightForm(initial={"weight": region.framework_weight}))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = FrameworkWeightForm(request.POST)
        if form.is_valid():
            weight = form.cleaned_data["weight"]
            try:
                changed = services.framework_weight_set(actor=self.actor, weight=weight)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                if changed:
                    messages.success(request, f"Framework membership now counts {weight} points.")
                return HttpResponseRedirect(reverse("commissioning:framework_list"))
        return self._page(form)


class FrameworkPageMixin(PermissionRequiredMixin):
    nav_section = "frameworks"
    permission = staticmethod(can_manage_frameworks)
    kwargs: dict[str, Any]

    def get_framework(self) -> Framework:
        return selectors.framework_get(user=self.actor, pk=int(self.kwargs["pk"]))


class FrameworkDetailView(FrameworkPageMixin, View):
    permission = staticmethod(can_read_frameworks)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        framework = self.get_framework()
        lots = [
            {
                "lot": lot,
                "members": [
                    {"membership": m, "rates": rate_rows(m)} for m in lot.memberships.all()
                ],
            }
            for lot in framework.lots.all()
        ]
        can_manage = can_manage_frameworks(self.actor)
        return render(
            request,
            "commissioning/framework_detail.html",
            {
                "framework": framework,
                "lots": lots,
                "can_manage": can_manage,
                "today": timezone.localdate(),
            },
        )


class FrameworkFormView(FrameworkPageMixin, View):
    """Add (no pk) or change (pk) a framework."""

    def _framework(self) -> Framework | None:
        return self.get_framework() if "pk" in self.kwargs else None

    def _render(self, framework: Framework | None, data: Any = None) -> tuple[FrameworkForm, Any]:
        assert self.actor.organisation is not None
        form = FrameworkForm(
            data,
            initial=FrameworkForm.initial_for(framework),
            region=self.actor.organisation.own_region,
            submit_label="Save changes" if framework else "Add framework",
        )
        return form, framework

    def _page(self, form: FrameworkForm, framework: Framework | None) -> HttpResponse:
        return render(
            self.request,
            "commissioning/framework_form.html",
            {"form": form, "framework": framework},
        )

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        return self._page(*self._render(self._framework()))

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        framework = self._framework()
        form, _ = self._render(framework, request.POST)
        if form.is_valid():
            try:
                saved = services.framework_save(
                    actor=self.actor, framework=self._framework(), **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                verb = "changed" if framework else "added"
                messages.success(request, f"Framework {saved.name} {verb}.")
                return HttpResponseRedirect(_detail_url(saved))
        return self._page(form, framework)


class LotFormView(FrameworkPageMixin, View):
    """Add (no lot) or change (lot) a lot of a framework."""

    def _lot(self, framework: Framework) -> Lot | None:
        if "lot" not in self.kwargs:
            return None
        return selectors.lot_get(user=self.actor, framework=framework, pk=int(self.kwargs["lot"]))

    def _page(self, form: LotForm, framework: Framework, lot: Lot | None) -> HttpResponse:
        return render(
            self.request,
            "commissioning/lot_form.html",
            {"form": form, "framework": framework, "lot": lot},
        )

    def _form(self, framework: Framework, lot: Lot | None, data: Any = None) -> LotForm:
        label = "Save changes" if lot else "Add lot"
        return LotForm(data, initial=LotForm.initial_for(lot, framework), submit_label=label)

    def get(self, request: HttpRequest, pk: int, lot: int | None = None) -> HttpResponse:
        framework = self.get_framework()
        the_lot = self._lot(framework)
        return self._page(self._form(framework, the_lot), framework, the_lot)

    def post(self, request: HttpRequest, pk: int, lot: int | None = None) -> HttpResponse:
        framework = self.get_framework()
        the_lot = self._lot(framework)
        form = self._form(framework, the_lot, request.POST)
        if form.is_valid():
            try:
                saved = services.lot_save(
                    actor=self.actor,
                    framework=framework,
                    lot=self._lot(framework),
                    **form.cleaned_data,
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                verb = "changed" if the_lot else "added"
                messages.success(request, f"Lot {saved.number} {verb}.")
                return HttpResponseRedirect(_detail_url(framework))
        return self._page(form, framework, the_lot)


class MemberAddView(FrameworkPageMixin, View):
    def _page(self, form: MemberAddForm, framework: Framework, lot: Lot) -> HttpResponse:
        return render(
            self.request,
            "commissioning/member_add.html",
            {"form": form, "framework": framework, "lot": lot},
        )

    def get(self, request: HttpRequest, pk: int, lot: int) -> HttpResponse:
        framework = self.get_framework()
        the_lot = selectors.lot_get(user=self.actor, framework=framework, pk=lot)
        form = MemberAddForm(
            initial={**RatesForm.initial_for(None), "joined_on": the_lot.starts_on},
            submit_label="Add member",
        )
        return self._page(form, framework, the_lot)

    def post(self, request: HttpRequest, pk: int, lot: int) -> HttpResponse:
        framework = self.get_framework()
        the_lot = selectors.lot_get(user=self.actor, framework=framework, pk=lot)
        form = MemberAddForm(request.POST, submit_label="Add member")
        if form.is_valid():
            try:
                membership = services.membership_add(
                    actor=self.actor,
                    lot=the_lot,
                    urn=form.cleaned_data["urn"],
                    joined_on=form.cleaned_data["joined_on"],
                    rates=form.rates(),
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request, f"{membership.setting.display_name} added to lot {the_lot.number}."
                )
                return HttpResponseRedirect(_detail_url(framework))
        return self._page(form, framework, the_lot)


class MemberRatesView(FrameworkPageMixin, View):
    def _page(self, form: RatesForm, framework: Framework, membership: Membership) -> HttpResponse:
        return render(
            self.request,
            "commissioning/member_rates.html",
            {"form": form, "framework": framework, "membership": membership},
        )

    def _membership(self, framework: Framework) -> Membership:
        return selectors.membership_get(
            user=self.actor, framework=framework, pk=int(self.kwargs["member"])
        )

    def get(self, request: HttpRequest, pk: int, member: int) -> HttpResponse:
        framework = self.get_framework()
        membership = self._membership(framework)
        form = RatesForm(initial=RatesForm.initial_for(membership), submit_label="Save rates")
        return self._page(form, framework, membership)

    def post(self, request: HttpRequest, pk: int, member: int) -> HttpResponse:
        framework = self.get_framework()
        membership = self._membership(framework)
        form = RatesForm(request.POST, submit_label="Save rates")
        if form.is_valid():
            try:
                services.membership_rates_save(
                    actor=self.actor, membership=membership, rates=form.rates()
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, f"Rates for {membership.setting.display_name} saved.")
                return HttpResponseRedirect(_detail_url(framework))
        return self._page(form, framework, membership)


class MemberStatusView(FrameworkPageMixin, View):
    """Suspend, leave or reinstate: the choice and date, then a page to confirm them."""

    def _membership(self, framework: Framework) -> Membership:
        return selectors.membership_get(
            user=self.actor, framework=framework, pk=int(self.kwargs["member"])
        )

    def _page(
        self, template: str, form: MembershipStatusForm, framework: Framework, m: Membership
    ) -> HttpResponse:
        context: dict[str, Any] = {"form": form, "framework": framework, "membership": m}
        if form.is_bound and form.is_valid():
            context["verb"] = STATUS_VERBS[form.cleaned_data["status"]]
            context["on"] = form.cleaned_data["on"]
        return render(self.request, f"commissioning/{template}", context)

    def get(self, request: HttpRequest, pk: int, member: int) -> HttpResponse:
        framework = self.get_framework()
        membership = self._membership(framework)
        form = MembershipStatusForm(membership=membership, initial={"on": timezone.localdate()})
        return self._page("member_status.html", form, framework, membership)

    def post(self, request: HttpRequest, pk: int, member: int) -> HttpResponse:
        framework = self.get_framework()
        membership = self._membership(framework)
        form = MembershipStatusForm(request.POST, membership=membership)
        if not form.is_valid():
            return self._page("member_status.html", form, framework, membership)
        if "confirm" not in request.POST:
            return self._page("member_status_confirm.html", form, framework, membership)
        try:
            services.membership_status_change(
                actor=self.actor,
                membership=membership,
                status=form.cleaned_data["status"],
                on=form.cleaned_data["on"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            return self._page("member_status.html", form, framework, membership)
        status = Membership.Status(membership.status).label.lower()
        messages.success(request, f"{membership.setting.display_name} is now {status}.")
        return HttpResponseRedirect(_detail_url(framework))


class FrameworkChangesView(FrameworkPageMixin, View):
    permission = staticmethod(can_read_frameworks)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        framework = self.get_framework()
        changes = selectors.framework_changes(user=self.actor, framework=framework)
        page = Paginator(changes, CHANGES_PER_PAGE).get_page(request.GET.get("page"))
        return render(
            request,
            "commissioning/framework_changes.html",
            {
                "framework": framework,
                "changes": page.object_list,
                "pagination": pagination(page, request.path, request.GET),
            },
        )


class OwnMembershipsView(PermissionRequiredMixin, View):
    nav_section = "frameworks"
    permission = staticmethod(can_see_own_memberships)

    def get(self, request: HttpRequest) -> HttpResponse:
        rows = [
            {"membership": m, "rates": rate_rows(m)}
            for m in selectors.own_memberships(user=self.actor)
        ]
        return render(request, "commissioning/own_memberships.html", {"rows": rows})
