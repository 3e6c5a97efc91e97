"""The brokerage app's addresses, under one namespace ("brokerage:…"): the home page, an
officer's referrals for a request (officer_urls.py, under /placements/) and referrals as both
sides see them (referral_urls.py, under /referrals/)."""

from django.urls import include, path

from brokerage import notification_views, views

app_name = "brokerage"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path(
        "account/notifications/",
        notification_views.NotificationPreferencesView.as_view(),
        name="notification_preferences",
    ),
    path("placements/", include("brokerage.officer_urls")),
    path("referrals/", include("brokerage.referral_urls")),
]
