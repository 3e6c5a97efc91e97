"""The insight app's addresses, under one namespace ("insight:…"), mounted at /insight/."""

from django.urls import URLPattern, URLResolver, path

from insight import views

app_name = "insight"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.InsightIndexView.as_view(), name="index"),
    path("<slug:slug>/", views.DashboardView.as_view(), name="dashboard"),
]
