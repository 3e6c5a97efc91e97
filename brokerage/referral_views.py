"""Referral pages, for both sides: the provider reads, answers and asks; the requesting LA's
officers read the answer and the thread and reply. /referrals/… (brokerage/referral_urls.py).

Who may open a referral is the selector's to say (`referral_get`: anyone else gets a 404); what
each side sees of it is `referral_state`'s; answering and messaging are the services'.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views import View

from accounts.forms import apply_validation_error
from accounts.mixins import PermissionRequiredMixin
from accounts.models import User
from brokerage.models import Referral, ReferralMessage, ServiceIncluded
from brokerage.permissions import can_answer_referral
from brokerage.referral_forms import ReferralAnswerForm, ReferralMessageForm
from brokerage.referral_selectors import (
    referral_get,
    referral_messages,
    referral_state,
    referrals_for_provider,
)
from brokerage.referrals import referral_answer, referral_message_post
from common.formats import govuk_datetime, label, labels, pounds
from common.pagination import pagination
from geo.modes import record_words
from placements import criteria
from providers.permissions import is_provider

PAGE_SIZE = 50
# (text, GOV.UK tag colour) for each state, as each side reads it.
PROVIDER_TAGS = {
    "waiting": ("Answer needed", "blue"),
    "interested": ("Interested", "green"),
    "not_able": ("Not able", "grey"),
    "expired": ("Deadline passed", "grey"),
    "filled": ("Place filled", "grey"),
    "placed": ("Placement agreed", "turquoise"),
    "closed": ("Closed", "grey"),
}
LA_TAGS = {
    "waiting": ("Waiting for an answer", "blue"),
    "interested": ("Interested", "green"),
    "not_able": ("Not able", "grey"),
    "expired": ("No answer by the deadline", "grey"),
    "filled": ("Place filled elsewhere", "grey"),
    "placed": ("Placement agreed here", "turquoise"),
    "closed": ("Request closed", "grey"),
}


def is_signed_in(user: User) -> bool:
    """Anyone signed in may ask for a referral page; `referral_get` decides whether it exists
    for them (a 404 otherwise, so the page never says that it does)."""
    return user.is_active


# --- Presentation -----------------------------------------------------------------------------


def deadline_text(deadline: datetime, now: datetime) -> str:
    """Within a day, how long is left ("in 3 hours"); else the date and time; then "Passed"."""
    left = deadline - now
    when = govuk_datetime(deadline, "j M Y", joiner=", ")
    if left.total_seconds() <= 0:
        return f"Passed ({when})"
    minutes = round(left.total_seconds() / 60)
    if minutes < 60:
        return f"in {minutes} minute{'s' if minutes != 1 else ''}"
    if minutes < 24 * 60:
        hours = round(minutes / 60)
        return f"in {hours} hour{'s' if hours != 1 else ''}"
    return when


def profile_rows(profile: dict[str, Any], *, with_reference: bool) -> list[tuple[str, str]]:
    """The child's pseudonymous profile, as sent, for a GOV.UK summary list: each part of the
    profile (placements/criteria.py). The LA's case reference only for the LA itself."""
    rows = criteria.profile_rows(profile, unstated="None stated")
    if with_reference:
        rows.insert(0, ("Case reference", str(profile.get("reference", ""))))
    return rows


def place_rows(places: list[dict[str, Any]]) -> list[dict[str, str]]:
    rows = []
    for place in places:
        minutes = place.get("minutes")
        if minutes is None and place.get("covered", True):
            journey = "Not known"
        else:
            # One formatter per mode (geo/modes.py): whole minutes; an estimate never reads
            # "by road"; a referral saved before modes were recorded reads as by car.
            journey = record_words(place)
        limit = place.get("max_minutes")
        rows.append(
            {
                "label": str(place.get("label", "")),
                "district": str(place.get("district", "")),
                "journey": journey,
                "limit": f"{limit} min" if limit else "No limit",
            }
        )
    return rows


def answer_rows(referral: Referral) -> list[tuple[str, str]]:
    """The provider's answer (nothing before it has answered)."""
    if referral.answered_at is None:
        return []
    answered = govuk_datetime(referral.answered_at, "j M Y", joiner=", ")
    if referral.answered_by is not None:
        answered += f" by {referral.answered_by.full_name}"
    if referral.weekly_price is not None:
        includes = labels(list(referral.price_includes), ServiceIncluded)
        rows = [
            ("Answer", "Interested"),
            ("Weekly price", pounds(referral.weekly_price, pence=True)),
            (
                "Could start",
                date_format(referral.start_date, "j F Y") if referral.start_date else "",
            ),
            ("The price includes", includes),
        ]
        if referral.price_details:
            rows.append(("Details of the price", referral.price_details))
    else:
        rows = [
            ("Answer", "Not able"),
            ("Reason", label(referral.not_able_reason, Referral.NotAbleReason)),
        ]
        if referral.answer_note:
            rows.append(("Note", referral.answer_note))
    rows.append(("Answered", answered))
    return rows


def thread_rows(
    thread: list[ReferralMessage], *, actor: User, referral: Referral
) -> list[dict[str, Any]]:
    """Each message with who wrote it: "You", or their name and organisation."""
    rows = []
    reader_is_provider = can_answer_referral(actor, referral)
    for message in thread:
        organisation = (
            referral.provider.name if message.from_provider else referral.request.organisation.name
        )
        if message.author_id == actor.pk:
            who = "You"
        elif message.author is not None:
            who = f"{message.author.full_name}, {organisation}"
        else:
            who = organisation
        rows.append(
            {
                "who": who,
                "own_side": message.from_provider == reader_is_provider,
                "when": message.created_at,
                "body": message.body,
            }
        )
    return rows


def _render_detail(
    request: HttpRequest,
    actor: User,
    referral: Referral,
    *,
    answer_form: ReferralAnswerForm | None = None,
    message_form: ReferralMessageForm | None = None,
    problem: str = "",
) -> HttpResponse:
    now = timezone.now()
    state = referral_state(referral, now=now)
    as_provider = can_answer_referral(actor, referral)
    sees_all = state.live or not as_provider
    if as_provider and state.can_answer and answer_form is None:
        answer_form = ReferralAnswerForm(initial=ReferralAnswerForm.initial_for(referral))
    if state.can_message and message_form is None:
        message_form = ReferralMessageForm(from_provider=as_provider)
    error_form = next(
        (form for form in (answer_form, message_form) if form is not None and form.errors), None
    )
    status_tag, colour = (PROVIDER_TAGS if as_provider else LA_TAGS)[state.key]
    left = referral.deadline - now
    context: dict[str, Any] = {
        "referral": referral,
        "as_provider": as_provider,
        "state": state,
        "sees_all": sees_all,
        # Not "tag": crispy-forms-gds's field template takes that as the element to wrap a field in.
        "status_tag": status_tag,
        "status_colour": colour,
        "la_name": referral.request.organisation.name,
        "deadline_passed": left.total_seconds() <= 0,
        "deadline_in": deadline_text(referral.deadline, now) if left.days < 1 else "",
        "answer_rows": answer_rows(referral),
        "answer_form": answer_form if as_provider and state.can_answer else None,
        "message_form": message_form if state.can_message else None,
        "form": error_form,  # base.html: "Error: " in the title
        "problem": "" if error_form else problem,
        "back_url": reverse("brokerage:referral_list")
        if as_provider
        else reverse("brokerage:referral_overview", args=[referral.request_id]),
    }
    if sees_all:
        context |= {
            "profile_rows": profile_rows(referral.profile, with_reference=not as_provider),
            "place_rows": place_rows(referral.places),
            "thread": thread_rows(referral_messages(referral), actor=actor, referral=referral),
        }
    return render(request, "brokerage/referrals/referral_detail.html", context)


def _detail_url(referral: Referral) -> str:
    return reverse("brokerage:referral_detail", args=[referral.pk])


# --- Pages ------------------------------------------------------------------------------------


class ReferralSectionMixin:
    """A referral is under "Referrals" for its provider and under "Placement requests" for the
    local authority (the navigation context processor asks `nav_section_for`)."""

    nav_section = "referrals"

    @staticmethod
    def nav_section_for(user: User) -> str:
        return "referrals" if is_provider(user) else "placements"


class ReferralListView(ReferralSectionMixin, PermissionRequiredMixin, View):
    permission = staticmethod(is_provider)

    def get(self, request: HttpRequest) -> HttpResponse:
        now = timezone.now()
        page = Paginator(referrals_for_provider(self.actor, now=now), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        rows = []
        for referral in page.object_list:
            state = referral_state(referral, now=now)
            tag, colour = PROVIDER_TAGS[state.key]
            rows.append(
                {
                    "referral": referral,
                    # Who the child is only while the referral is live.
                    "child": referral.child_summary if state.live else "",
                    "deadline": deadline_text(referral.deadline, now)
                    if state.key == "waiting"
                    else date_format(timezone.localtime(referral.deadline), "j M Y"),
                    "status_tag": tag,
                    "status_colour": colour,
                }
            )
        return render(
            request,
            "brokerage/referrals/referral_list.html",
            {
                "organisation": self.actor.organisation,
                "rows": rows,
                "pagination": pagination(page, request.path, request.GET),
            },
        )


class ReferralDetailView(ReferralSectionMixin, PermissionRequiredMixin, View):
    permission = staticmethod(is_signed_in)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        referral = referral_get(self.actor, pk)
        return _render_detail(request, self.actor, referral)


class ReferralAnswerView(ReferralSectionMixin, PermissionRequiredMixin, View):
    permission = staticmethod(is_signed_in)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        """A bookmarked or reloaded form address: the referral's page."""
        return HttpResponseRedirect(reverse("brokerage:referral_detail", args=[pk]))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        referral = referral_get(self.actor, pk)
        if not can_answer_referral(self.actor, referral):
            raise PermissionDenied  # the LA's own officers see it, but only the provider answers
        form = ReferralAnswerForm(request.POST)
        problem = ""
        if form.is_valid():
            answered_before = referral.answered_at
            try:
                answered = referral_answer(
                    actor=self.actor, referral=referral, **form.service_arguments()
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    apply_validation_error(form, error)
                else:
                    problem = " ".join(error.messages)
            else:
                messages.success(request, answer_sent_message(answered, answered_before))
                return HttpResponseRedirect(_detail_url(referral))
        else:
            state = referral_state(referral)
            if not state.can_answer:
                # The form is no longer on the page: say why, not what was wrong with it.
                problem, form = state.closed_reason, ReferralAnswerForm()
        return _render_detail(request, self.actor, referral, answer_form=form, problem=problem)


def answer_sent_message(referral: Referral, answered_before: datetime | None) -> str:
    la = referral.request.organisation.name
    if answered_before is not None and referral.answered_at == answered_before:
        return f"{la} already has this answer: nothing has changed."
    if referral.status == Referral.Status.INTERESTED and referral.weekly_price is not None:
        start = date_format(referral.start_date, "j F Y") if referral.start_date else ""
        price = pounds(referral.weekly_price, pence=True)
        return f"Your answer has been sent to {la}: interested, {price} a week, starting {start}."
    return f"Your answer has been sent to {la}: not able to offer a placement."


class ReferralMessageView(ReferralSectionMixin, PermissionRequiredMixin, View):
    permission = staticmethod(is_signed_in)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        """A bookmarked or reloaded form address: the referral's page."""
        return HttpResponseRedirect(reverse("brokerage:referral_detail", args=[pk]))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        referral = referral_get(self.actor, pk)
        from_provider = can_answer_referral(self.actor, referral)
        form = ReferralMessageForm(request.POST, from_provider=from_provider)
        problem = ""
        if not referral_state(referral).can_message:
            problem = "This referral is closed: messages can no longer be sent"
        elif form.is_valid():
            try:
                referral_message_post(
                    actor=self.actor, referral=referral, body=form.cleaned_data["body"]
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    apply_validation_error(form, error)
                else:
                    problem = " ".join(error.messages)
            else:
                messages.success(
                    request,
                    f"Your question has been sent to {referral.request.organisation.name}."
                    if from_provider
                    else f"Your reply has been sent to {referral.setting.display_name}.",
                )
                return HttpResponseRedirect(_detail_url(referral))
        return _render_detail(request, self.actor, referral, message_form=form, problem=problem)
