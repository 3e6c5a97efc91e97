from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import audit_views, views

app_name = "accounts"

urlpatterns = [
    path("account/", views.AccountView.as_view(), name="account"),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "invitations/<str:token>/", views.InvitationAcceptView.as_view(), name="invitation_accept"
    ),
    path("region/audit/", audit_views.AuditTrailView.as_view(), name="audit_trail"),
    path(
        "region/audit/download.csv",
        audit_views.AuditTrailExportView.as_view(as_format="csv"),
        name="audit_trail_csv",
    ),
    path(
        "region/audit/download.xlsx",
        audit_views.AuditTrailExportView.as_view(as_format="xlsx"),
        name="audit_trail_xlsx",
    ),
    path("region/organisations/", views.OrganisationListView.as_view(), name="organisation_list"),
    path(
        "region/local-authorities/add/",
        views.LocalAuthorityAddView.as_view(),
        name="local_authority_add",
    ),
    path(
        "region/local-authorities/<int:pk>/remove/",
        views.LocalAuthorityRemoveView.as_view(),
        name="local_authority_remove",
    ),
    path("region/providers/add/", views.ProviderOrganisationAddView.as_view(), name="provider_add"),
    path("hubs/", views.HubListView.as_view(), name="hub_list"),
    path("hubs/new/", views.HubCreateView.as_view(), name="hub_create"),
    path("hubs/<int:pk>/", views.HubDetailView.as_view(), name="hub_detail"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/invite/", views.UserInviteView.as_view(), name="user_invite"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user_detail"),
    path("users/<int:pk>/role/", views.UserRoleChangeView.as_view(), name="user_role_change"),
    path(
        "users/<int:pk>/deactivate/",
        views.UserActivationView.as_view(activate=False),
        name="user_deactivate",
    ),
    path(
        "users/<int:pk>/reactivate/",
        views.UserActivationView.as_view(activate=True),
        name="user_reactivate",
    ),
    path(
        "users/invitations/<int:pk>/withdraw/",
        views.InvitationWithdrawView.as_view(),
        name="invitation_withdraw",
    ),
]
