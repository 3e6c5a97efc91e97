"""The pages a vacancy reminder's links open. No sign-in: the signed link is the permission.

Mail scanners open links before people do, so opening one (GET) only asks; the button on the
page (POST, CSRF-protected) answers, then comes back to the link, which now shows the answer.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from common.formats import govuk_datetime
from providers import vacancy_reminders
from providers.vacancy_reminders import VacancyLinkAction, VacancyLinkError, VacancyLinkState


@method_decorator(never_cache, name="dispatch")
class VacancyLinkView(View):
    nav_section = ""

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            state = vacancy_reminders.vacancy_link_state(token=token)
        except VacancyLinkError as error:
            return _invalid(request, error)
        return _page(request, state)

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            vacancy_reminders.vacancy_link_answer(token=token)
        except VacancyLinkError as error:
            return _invalid(request, error)
        # Post/redirect/get: refreshing the page shows the answer rather than sending it again.
        return HttpResponseRedirect(request.path)


def _page(request: HttpRequest, state: VacancyLinkState) -> HttpResponse:
    vacancy = state.vacancy
    context = {
        "setting": state.setting,
        "vacancy": vacancy,
        "confirm": state.link.action == VacancyLinkAction.CONFIRM,
        "confirmed_today": timezone.localdate(vacancy.confirmed_at) == timezone.localdate(),
        "next_reminder": vacancy_reminders.vacancy_reminder_due_on(vacancy),
        "stale_days": settings.VACANCY_STALE_DAYS,
        "confirmed_at": govuk_datetime(vacancy.confirmed_at),
    }
    page = "done" if state.answered else "question"
    template = f"providers/vacancy_link_{page}.html"
    return render(request, template, context)


def _invalid(request: HttpRequest, error: VacancyLinkError) -> HttpResponse:
    return render(
        request,
        "providers/vacancy_link_invalid.html",
        {"message": str(error)},
        status=error.status,
    )
