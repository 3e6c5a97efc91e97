from django.urls import path

from brokerage import notification_views, views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path(
        "account/notifications/",
        notification_views.NotificationPreferencesView.as_view(),
        name="notification_preferences",
    ),
]
