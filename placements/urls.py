from django.urls import include, path

urlpatterns = [
    path("", include("placements.search_urls")),
]
