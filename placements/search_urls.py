"""Searching for one request's matches (placements/search_views.py). Included by urls.py."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
