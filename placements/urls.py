from django.urls import include, path

from placements import views

app_name = "placements"

urlpatterns = [
    path("", views.PlacementRequestListView.as_view(), name="placement_request_list"),
    path("new/", views.PlacementRequestCreateView.as_view(), name="placement_request_create"),
    path(
        "<int:pk>/edit/",
        views.PlacementRequestUpdateView.as_view(),
        name="placement_request_update",
    ),
    path(
        "<int:pk>/close/",
        views.PlacementRequestCloseView.as_view(),
        name="placement_request_close",
    ),
    # Last: searching a request's matches.
    path("", include("placements.search_urls")),
]
