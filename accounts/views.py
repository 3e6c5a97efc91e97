from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts import selectors, services
from accounts.forms import (
    HubCreateForm,
    InvitationAcceptForm,
    InvitationForm,
    LocalAuthorityAddForm,
    NewPasswordForm,
    PasswordResetRequestForm,
    ProviderOrganisationAddForm,
    RoleChangeForm,
    SignInForm,
    apply_validation_error,
)
from accounts.mixins import PermissionRequiredMixin
from accounts.models import Organisation, Region, User
from accounts.permissions import (
    assignable_roles,
    can_manage_national_data,
    can_manage_region,
    can_manage_users,
)
from common.formats import govuk_datetime
from common.forms import GovukFormMixin
from common.ratelimit import client_address


def _errors_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# Signing in and passwords ------------------------------------------------------------------------


def _too_many_requests(
    request: HttpRequest,
    refused: services.TooManyRequests,
    *,
    heading: str,
    reason: str,
    advice: str = "",
) -> HttpResponse:
    # Whole minutes, rounded up: "Try again in 1 minute" rather than "in less than a minute".
    wait = timedelta(minutes=math.ceil(refused.retry_after / 60))
    response = render(
        request,
        "registration/too_many_requests.html",
        {"heading": heading, "reason": reason, "advice": advice, "retry_after": wait},
        status=429,
    )
    response["Retry-After"] = str(refused.retry_after)
    return response


class SignInView(auth_views.LoginView):
    nav_section = ""
    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            services.sign_in_address_check(client_address=client_address(request))
        except services.TooManyRequests as refused:
            return _too_many_requests(
                request,
                refused,
                heading="Too many attempts to sign in",
                reason="There have been too many attempts to sign in with a wrong password from "
                "your network.",
                advice="If you have forgotten your password, you can reset it.",
            )
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        services.sign_in_failed(client_address=client_address(self.request))
        return super().form_invalid(form)


class PasswordResetView(auth_views.PasswordResetView):
    nav_section = ""
    form_class = PasswordResetRequestForm
    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: PasswordResetRequestForm) -> HttpResponse:  # type: ignore[override]
        try:
            services.password_reset_request(
                email=form.cleaned_data["email"], client_address=client_address(self.request)
            )
        except services.TooManyRequests as refused:
            # The same page whether or not the address has an account.
            return _too_many_requests(
                self.request,
                refused,
                heading="Too many requests to reset a password",
                reason="There have been too many requests to reset the password for this email "
                "address, or from your network.",
                advice="If you asked for a link earlier, check your email, including any junk "
                "or spam folder: the link in it still works.",
            )
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    nav_section = ""
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    nav_section = ""
    form_class = NewPasswordForm
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: SetPasswordForm[User]) -> HttpResponse:
        response = super().form_valid(form)
        services.password_reset_complete(user=form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    nav_section = ""
    template_name = "registration/password_reset_complete.html"


class GovukPasswordChangeForm(GovukFormMixin, PasswordChangeForm):
    submit_label = "Change password"


class PasswordChangeView(auth_views.PasswordChangeView):
    nav_section = "account"
    form_class = GovukPasswordChangeForm
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        messages.success(self.request, "Your password has been changed.")
        return super().form_valid(form)


class InvitationAcceptView(View):
    nav_section = ""
    template_name = "accounts/invitation_accept.html"

    def _render(self, request: HttpRequest, **context: Any) -> HttpResponse:
        return render(request, self.template_name, context)

    def _invalid(self, request: HttpRequest, error: services.InvitationLinkError) -> HttpResponse:
        return render(
            request, "accounts/invitation_invalid.html", {"message": str(error)}, status=410
        )

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            invitation = services.invitation_from_token(token)
        except services.InvitationLinkError as error:
            return self._invalid(request, error)
        return self._render(request, invitation=invitation, form=InvitationAcceptForm())

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            invitation = services.invitation_from_token(token)
        except services.InvitationLinkError as error:
            return self._invalid(request, error)
        form = InvitationAcceptForm(request.POST)
        if form.is_valid():
            try:
                user = services.invitation_accept(
                    token=token, password=form.cleaned_data["password1"]
                )
            except services.InvitationLinkError as error:
                return self._invalid(request, error)
            except ValidationError as error:
                form.add_error("password1", error)
            else:
                messages.success(
                    request, f"Your account is ready. Sign in with {user.email} and your password."
                )
                return HttpResponseRedirect(reverse("accounts:login"))
        return self._render(request, invitation=invitation, form=form)


# Home and account --------------------------------------------------------------------------------


class AccountView(LoginRequiredMixin, TemplateView):
    nav_section = "account"
    template_name = "accounts/account.html"


# Organisations (hub admins) ----------------------------------------------------------------------


class OrganisationListView(PermissionRequiredMixin, TemplateView):
    nav_section = "orgs"
    permission = staticmethod(can_manage_region)
    template_name = "accounts/organisation_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        region = self.actor.region
        context["region"] = region
        context["local_authorities"] = selectors.local_authority_list(region=region)
        context["providers"] = selectors.provider_organisation_list(region=region)
        return context


def _local_authority_add(
    actor: User, form: LocalAuthorityAddForm, *, region: Region | None = None
) -> Organisation | None:
    """Add the form's authority; None with the form's errors set (an authority outside the
    region asks to be confirmed first)."""
    try:
        return services.local_authority_add(
            actor=actor,
            area=form.cleaned_data["area"],
            outside_region_confirmed=form.cleaned_data["confirm_outside_region"],
            region=region,
        )
    except ValidationError as error:
        if error.code == "outside_region":
            form.ask_to_confirm(error)
        else:
            form.add_error("area", error)
        return None


class LocalAuthorityAddView(PermissionRequiredMixin, FormView):
    nav_section = "orgs"
    permission = staticmethod(can_manage_region)
    template_name = "accounts/local_authority_add.html"
    form_class = LocalAuthorityAddForm

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["areas"] = selectors.area_list_addable(region=self.actor.region)
        return kwargs

    def form_valid(self, form: LocalAuthorityAddForm) -> HttpResponse:
        organisation = _local_authority_add(self.actor, form)
        if organisation is None:
            return self.form_invalid(form)
        messages.success(self.request, f"{organisation.name} is now a member of the region.")
        return HttpResponseRedirect(reverse("accounts:organisation_list"))


class LocalAuthorityRemoveView(PermissionRequiredMixin, View):
    nav_section = "orgs"
    permission = staticmethod(can_manage_region)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        organisation = selectors.local_authority_get(actor=self.actor, pk=pk)
        return render(
            request,
            "accounts/local_authority_remove.html",
            {
                "organisation": organisation,
                "active_users": organisation.users.filter(is_active=True).count(),
            },
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        organisation = selectors.local_authority_get(actor=self.actor, pk=pk)
        try:
            deactivated = services.local_authority_remove(
                actor=self.actor, organisation=organisation
            )
        except ValidationError as error:
            messages.error(request, _errors_text(error))
        else:
            messages.success(
                request,
                f"{organisation.name} is no longer a member. "
                f"{deactivated} user account{'s' if deactivated != 1 else ''} deactivated.",
            )
        return HttpResponseRedirect(reverse("accounts:organisation_list"))


class ProviderOrganisationAddView(PermissionRequiredMixin, FormView):
    nav_section = "orgs"
    permission = staticmethod(can_manage_region)
    template_name = "accounts/provider_add.html"
    form_class = ProviderOrganisationAddForm

    def form_valid(self, form: ProviderOrganisationAddForm) -> HttpResponse:
        try:
            organisation = services.provider_organisation_add(
                actor=self.actor, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            form.add_error("name", error)
            return self.form_invalid(form)
        messages.success(self.request, f"{organisation.name} has been added.")
        return HttpResponseRedirect(reverse("accounts:organisation_list"))


# Hubs (the national operator) ----------------------------------------------------------------


class HubListView(PermissionRequiredMixin, TemplateView):
    nav_section = "hubs"
    permission = staticmethod(can_manage_national_data)
    template_name = "accounts/hub_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["regions"] = selectors.hub_list()
        return context


class HubCreateView(PermissionRequiredMixin, FormView):
    nav_section = "hubs"
    permission = staticmethod(can_manage_national_data)
    template_name = "accounts/hub_create.html"
    form_class = HubCreateForm

    def form_valid(self, form: HubCreateForm) -> HttpResponse:
        try:
            invitation = services.hub_create(actor=self.actor, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{invitation.organisation.name} has been created. {invitation.full_name} has been "
            f"emailed an invitation to be its hub admin.",
        )
        assert invitation.organisation.region_id is not None
        return HttpResponseRedirect(
            reverse("accounts:hub_detail", args=[invitation.organisation.region_id])
        )


class HubDetailView(PermissionRequiredMixin, FormView):
    """A hub's member authorities, its admins, and a form to add a member."""

    nav_section = "hubs"
    permission = staticmethod(can_manage_national_data)
    template_name = "accounts/hub_detail.html"
    form_class = LocalAuthorityAddForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            self.region, self.hub = selectors.hub_get(pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["areas"] = selectors.area_list_addable(region=self.region)
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["region"], context["hub"] = self.region, self.hub
        context["local_authorities"] = selectors.local_authority_list(region=self.region)
        context["providers"] = selectors.provider_organisation_list(region=self.region)
        context["hub_people"] = (
            self.hub.users.filter(is_active=True).order_by("full_name") if self.hub else []
        )
        context["hub_invitations"] = (
            self.hub.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True)
            if self.hub
            else []
        )
        return context

    def form_valid(self, form: LocalAuthorityAddForm) -> HttpResponse:
        organisation = _local_authority_add(self.actor, form, region=self.region)
        if organisation is None:
            return self.form_invalid(form)
        messages.success(self.request, f"{organisation.name} is now a member of {self.region}.")
        return HttpResponseRedirect(reverse("accounts:hub_detail", args=[self.region.pk]))


# People (hub admins, LA managers, provider admins) -----------------------------------------------


class UserListView(PermissionRequiredMixin, TemplateView):
    nav_section = "users"
    permission = staticmethod(can_manage_users)
    template_name = "accounts/user_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["users"] = selectors.user_list_manageable(actor=self.actor)
        context["invitations"] = selectors.invitation_list_open(actor=self.actor)
        return context


class UserInviteView(PermissionRequiredMixin, FormView):
    nav_section = "users"
    permission = staticmethod(can_manage_users)
    template_name = "accounts/user_invite.html"
    form_class = InvitationForm

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["actor"] = self.actor
        kwargs["organisations"] = selectors.organisation_list_for_invitation(actor=self.actor)
        return kwargs

    def form_valid(self, form: InvitationForm) -> HttpResponse:
        try:
            invitation = services.invitation_create(actor=self.actor, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Invitation sent to {invitation.email}. The link expires on "
            f"{govuk_datetime(invitation.expires_at)}.",
        )
        return HttpResponseRedirect(reverse("accounts:user_list"))


class UserDetailView(PermissionRequiredMixin, View):
    nav_section = "users"
    permission = staticmethod(can_manage_users)

    def get(
        self, request: HttpRequest, pk: int, form: RoleChangeForm | None = None
    ) -> HttpResponse:
        person = selectors.user_get_manageable(actor=self.actor, pk=pk)
        assert person.organisation is not None
        roles = assignable_roles(self.actor, person.organisation)
        form = form or RoleChangeForm(roles=roles, initial={"role": person.role})
        return render(
            request,
            "accounts/user_detail.html",
            {"person": person, "form": form, "is_self": person.pk == self.actor.pk},
        )


class UserRoleChangeView(PermissionRequiredMixin, View):
    permission = staticmethod(can_manage_users)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        person = selectors.user_get_manageable(actor=self.actor, pk=pk)
        assert person.organisation is not None
        form = RoleChangeForm(request.POST, roles=assignable_roles(self.actor, person.organisation))
        if form.is_valid():
            try:
                services.user_role_change(
                    actor=self.actor, user=person, role=form.cleaned_data["role"]
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request, f"{person.full_name} is now a {person.get_role_display()}."
                )
                return HttpResponseRedirect(reverse("accounts:user_detail", args=[person.pk]))
        detail = UserDetailView()
        detail.request = request
        return detail.get(request, pk=pk, form=form)


class UserActivationView(PermissionRequiredMixin, View):
    permission = staticmethod(can_manage_users)
    activate = False

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        person: User = selectors.user_get_manageable(actor=self.actor, pk=pk)
        service = services.user_reactivate if self.activate else services.user_deactivate
        try:
            service(actor=self.actor, user=person)
        except ValidationError as error:
            messages.error(request, _errors_text(error))
        else:
            state = "reactivated" if self.activate else "deactivated"
            messages.success(request, f"{person.full_name}'s account has been {state}.")
        return HttpResponseRedirect(reverse("accounts:user_detail", args=[person.pk]))


class InvitationWithdrawView(PermissionRequiredMixin, View):
    permission = staticmethod(can_manage_users)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        invitation = selectors.invitation_get_manageable(actor=self.actor, pk=pk)
        services.invitation_withdraw(actor=self.actor, invitation=invitation)
        messages.success(request, f"The invitation to {invitation.email} has been withdrawn.")
        return HttpResponseRedirect(reverse("accounts:user_list"))
