"""One-click links from vacancy reminder emails; mounted at /vacancy/ by config/urls.py."""

from django.urls import path

from providers import vacancy_link_views

urlpatterns = [
    path("<str:token>/", vacancy_link_views.VacancyLinkView.as_view(), name="vacancy_link"),
]
