from django.urls import path

from providers import token_views

urlpatterns = [
    path("", token_views.ApiTokenListView.as_view(), name="api_token_list"),
    path("new/", token_views.ApiTokenCreateView.as_view(), name="api_token_create"),
    path("<int:pk>/revoke/", token_views.ApiTokenRevokeView.as_view(), name="api_token_revoke"),
]
