"""Provider admins' pages for their organisation's API keys: list, create (the key is shown
once), revoke. Everyone else gets 403; another organisation's key is a 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.mixins import PermissionRequiredMixin
from accounts.models import User
from common.forms import GovukFormMixin
from providers import facts
from providers.models import ApiToken
from providers.permissions import can_manage_api_tokens


class ApiTokenCreateForm(GovukFormMixin, forms.Form):
    submit_label = "Create key"
    name = forms.CharField(
        label="What will use this key?",
        help_text="For example, 'Our care management system'. Only your organisation sees this.",
        max_length=100,
        error_messages={
            "required": "Enter what will use this key",
            "max_length": "Use 100 characters or fewer",
        },
    )


def _tokens(actor: User) -> QuerySet[ApiToken]:
    """The actor's organisation's keys (facts has no selector for them)."""
    assert actor.organisation is not None  # every provider admin belongs to one
    return ApiToken.objects.filter(organisation=actor.organisation).select_related("created_by")


def _token_get(actor: User, pk: int) -> ApiToken:
    token = _tokens(actor).filter(pk=pk).first()
    if token is None:
        raise Http404("No such API key")
    return token


class ApiTokenListView(PermissionRequiredMixin, TemplateView):
    nav_section = "yours"
    permission = staticmethod(can_manage_api_tokens)
    template_name = "providers/api_token_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["tokens"] = _tokens(self.actor)
        return context


class ApiTokenCreateView(PermissionRequiredMixin, FormView):
    """The key is shown in the response to the POST itself and never stored or put in the
    session, so there is no later page from which it could be read again."""

    nav_section = "yours"

    permission = staticmethod(can_manage_api_tokens)
    template_name = "providers/api_token_create.html"
    form_class = ApiTokenCreateForm

    def form_valid(self, form: ApiTokenCreateForm) -> HttpResponse:
        token, key = facts.api_token_create(actor=self.actor, name=form.cleaned_data["name"])
        response = render(
            self.request,
            "providers/api_token_created.html",
            {
                "token": token,
                "key": key,
                "example_url": self.request.build_absolute_uri(reverse("api:api_setting-list")),
            },
        )
        add_never_cache_headers(response)
        return response


class ApiTokenRevokeView(PermissionRequiredMixin, View):
    nav_section = "yours"
    permission = staticmethod(can_manage_api_tokens)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        token = _token_get(self.actor, pk)
        return render(request, "providers/api_token_revoke.html", {"token": token})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        token = _token_get(self.actor, pk)
        if token.revoked_at is None:
            facts.api_token_revoke(actor=self.actor, token=token)
            messages.success(
                request, f"The key “{token.name}” has been revoked. It no longer works."
            )
        return HttpResponseRedirect(reverse("providers:api_token_list"))
