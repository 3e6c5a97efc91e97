from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import ValidationError

from accounts import selectors
from accounts.models import AuditEvent, Organisation, Region, Role, User
from accounts.permissions import assignable_roles
from common.forms import GovukFormMixin, PeriodFilterForm
from geo.models import Area


class SignInForm(GovukFormMixin, AuthenticationForm):
    submit_label = "Sign in"
    username = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    error_messages = {
        "invalid_login": "Enter a correct email address and password.",
        "inactive": "This account has been deactivated. Ask your organisation's admin.",
    }


class PasswordResetRequestForm(GovukFormMixin, PasswordResetForm):
    submit_label = "Send reset link"
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={"required": "Enter your email address"},
    )


class NewPasswordForm(GovukFormMixin, SetPasswordForm):
    submit_label = "Set password"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "New password"
        self.fields["new_password1"].help_text = " ".join(password_validators_help_texts())
        self.fields["new_password2"].label = "Confirm new password"
        self.fields["new_password2"].help_text = ""


class InvitationAcceptForm(GovukFormMixin, forms.Form):
    """Choose a password to finish joining. Validation happens in the service, against the user."""

    submit_label = "Create account"
    password1 = forms.CharField(
        label="Create a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter a password"},
    )
    password2 = forms.CharField(
        label="Confirm password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Confirm your password"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = " ".join(password_validators_help_texts())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", "The passwords do not match")
        return cleaned


class AreaWithRegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        region = obj.parent.name if obj.parent_id else "region not known"
        return f"{obj.name} ({region})"


class LocalAuthorityAddForm(GovukFormMixin, forms.Form):
    """Which authority to add. An authority outside the hub's ONS region needs the box ticked;
    the box is shown once the service has said so (`ask_to_confirm`)."""

    submit_label = "Add local authority"
    area = AreaWithRegionChoiceField(
        label="Local authority",
        queryset=Area.objects.none(),
        empty_label="Choose a local authority",
        error_messages={"required": "Choose a local authority"},
        help_text="Upper-tier (children's services) authorities that are not members yet, with "
        "their ONS region. Those in the hub's region come first.",
    )
    confirm_outside_region = forms.BooleanField(
        required=False,
        widget=forms.HiddenInput,
        label="Yes, add it: our co-operative spans more than one region",
    )

    def __init__(self, *args: Any, areas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["area"]).queryset = areas

    def ask_to_confirm(self, error: ValidationError) -> None:
        """Show the confirmation box, with the service's reason as its error."""
        field = self.fields["confirm_outside_region"]
        field.widget = forms.CheckboxInput()
        self.add_error("confirm_outside_region", error)


class HubCreateForm(GovukFormMixin, forms.Form):
    """A new regional hub (the national operator): its region, and who runs it first."""

    submit_label = "Create hub"
    name = forms.CharField(
        label="Region's name",
        max_length=200,
        error_messages={"required": "Enter the region's name"},
        help_text="As its member authorities know it, for example 'North West Regional Care "
        "Co-operative'.",
    )
    hub_name = forms.CharField(
        label="Hub organisation's name",
        max_length=200,
        required=False,
        help_text="The commissioning hub that runs it. Leave empty to use the region's name.",
    )
    ons_region = forms.ModelChoiceField(
        label="ONS region (optional)",
        queryset=Area.objects.filter(kind=Area.Kind.REGION).order_by("name"),
        required=False,
        empty_label="None: it spans regions",
        help_text="Where its members are. Member authorities elsewhere can still be added.",
    )
    admin_full_name = forms.CharField(
        label="First hub admin's full name",
        max_length=200,
        error_messages={"required": "Enter the first hub admin's full name"},
    )
    admin_email = forms.EmailField(
        label="First hub admin's email address",
        error_messages={
            "required": "Enter the first hub admin's email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
        help_text="They are emailed a link to set a password, then add the member authorities.",
    )


class ProviderOrganisationAddForm(GovukFormMixin, forms.Form):
    submit_label = "Add provider"
    name = forms.CharField(
        label="Organisation name",
        max_length=200,
        error_messages={"required": "Enter the organisation's name"},
        help_text="As it appears on Ofsted's register, for example 'Acme Care Ltd'.",
    )


class InvitationForm(GovukFormMixin, forms.Form):
    submit_label = "Send invitation"
    full_name = forms.CharField(
        label="Full name", max_length=200, error_messages={"required": "Enter their full name"}
    )
    email = forms.EmailField(
        label="Email address",
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@example.gov.uk",
        },
        widget=forms.EmailInput(attrs={"spellcheck": "false"}),
    )
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.none(),
        empty_label="Choose an organisation",
        error_messages={"required": "Choose their organisation"},
    )
    role = forms.ChoiceField(
        label="Role", choices=(), error_messages={"required": "Choose their role"}
    )

    def __init__(self, *args: Any, actor: User, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        cast(forms.ModelChoiceField, self.fields["organisation"]).queryset = organisations
        roles = {role for org in organisations for role in assignable_roles(actor, org)}
        cast(forms.ChoiceField, self.fields["role"]).choices = [
            (r.value, r.label) for r in Role if r in roles
        ]
        if organisations.count() == 1:
            self.fields["organisation"].initial = organisations.first()
            self.fields["organisation"].widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        organisation = cleaned.get("organisation")
        role = cleaned.get("role")
        if organisation and role and role not in assignable_roles(self.actor, organisation):
            kinds = {
                Organisation.Kind.HUB: "the regional hub",
                Organisation.Kind.LOCAL_AUTHORITY: "a local authority",
                Organisation.Kind.PROVIDER: "a provider",
            }
            self.add_error(
                "role",
                f"A {Role(role).label.lower()} cannot belong to "
                f"{kinds[Organisation.Kind(organisation.kind)]}",
            )
        return cleaned


class RoleChangeForm(GovukFormMixin, forms.Form):
    submit_label = "Change role"
    role = forms.ChoiceField(label="Role", choices=(), widget=forms.RadioSelect)

    def __init__(self, *args: Any, roles: tuple[Role, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = [(r.value, r.label) for r in roles]
        # The page supplies the <form>, since it posts to its own URL.
        self.helper.form_tag = False


def apply_validation_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: by field when it names one, else on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class AuditEventFilterForm(PeriodFilterForm):
    """The hub's audit trail filter: what was done, by which organisation, by whom, and when.
    Organisations and people offered are the region's only (a value from elsewhere is invalid)."""

    action = forms.ChoiceField(label="What was done", required=False)
    organisation = forms.TypedChoiceField(
        label="Organisation", required=False, coerce=int, empty_value=None
    )
    actor = forms.TypedChoiceField(label="Done by", required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, region: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["action"]).choices = [
            ("", "Anything"),
            *AuditEvent.Action.choices,
        ]
        organisations = selectors.audit_organisations_for_region(region=region).order_by("name")
        cast(forms.ChoiceField, self.fields["organisation"]).choices = [
            ("", "Any organisation"),
            *((organisation.pk, organisation.name) for organisation in organisations),
        ]
        cast(forms.ChoiceField, self.fields["actor"]).choices = [
            ("", "Anyone"),
            *(
                (user.pk, f"{user.full_name or user.email} ({user.email})")
                for user in selectors.audit_actor_choices(region=region)
            ),
        ]
