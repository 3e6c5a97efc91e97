from django.contrib import admin
from django.urls import include, path

from common.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("vacancy/", include("providers.vacancy_link_urls")),
    path("api/", include("config.api_urls")),
    path("providers/api-tokens/", include("providers.token_urls")),
    path("providers/<str:urn>/households/", include("providers.household_urls")),
    # Before providers.urls, whose /providers/<urn>/ would otherwise match "imports".
    path("providers/imports/", include("providers.import_urls")),
    path("providers/", include("providers.urls")),
    path("placements/", include("placements.urls")),
    path("placements/", include("brokerage.officer_urls")),
    path("referrals/", include("brokerage.referral_urls")),
    path("", include("brokerage.urls")),
    path("", include("accounts.urls")),
]

handler403 = "common.errors.permission_denied"
handler404 = "common.errors.page_not_found"
handler500 = "common.errors.server_error"
