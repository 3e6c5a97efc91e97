"""Searching for one request's matches (placements/search_views.py). Included by urls.py."""

from django.urls import path

from placements import search_views

urlpatterns = [
    path("<int:pk>/search/", search_views.SearchView.as_view(), name="placement_search"),
    path(
        "<int:pk>/search/journey/<str:urn>/<int:place_id>/",
        search_views.JourneyView.as_view(),
        name="placement_journey",
    ),
    path(
        "<int:pk>/search.xlsx",
        search_views.SearchExportView.as_view(),
        name="placement_search_export",
    ),
]
