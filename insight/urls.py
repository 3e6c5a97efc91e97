"""The insight app's addresses, under one namespace ("insight:…"), mounted at /insight/: each
dashboard's own URL module is included here."""

from django.urls import URLPattern, URLResolver

app_name = "insight"

urlpatterns: list[URLPattern | URLResolver] = []
