"""Included under /providers/<urn>/households/ (config/urls.py), before the directory's URLs."""

from django.urls import path

from providers import household_views

urlpatterns = [
    path("", household_views.HouseholdListView.as_view(), name="household_list"),
    path("add/", household_views.HouseholdFormView.as_view(), name="household_add"),
    path("<int:pk>/", household_views.HouseholdFormView.as_view(), name="household_change"),
    path(
        "<int:pk>/remove/", household_views.HouseholdRemoveView.as_view(), name="household_remove"
    ),
]
