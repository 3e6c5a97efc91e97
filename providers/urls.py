"""The providers app's addresses, under one namespace ("providers:…"). The order matters:
/providers/imports/ must come before the register's /providers/<urn>/."""

from django.urls import include, path

app_name = "providers"

urlpatterns = [
    path("vacancy/", include("providers.vacancy_link_urls")),
    path("providers/api-tokens/", include("providers.token_urls")),
    path("providers/address-views/", include("providers.address_view_urls")),
    path("providers/<str:urn>/households/", include("providers.household_urls")),
    path("providers/imports/", include("providers.import_urls")),
    path("providers/", include("providers.setting_urls")),
]
