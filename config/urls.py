from django.contrib import admin
from django.urls import include, path

from common.health import healthz

# One include per app: each app's urls.py names its namespace (app_name) and mounts its own
# sub-modules under their prefixes, so every name is reversed as "app:name".
urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("", include("providers.urls")),
    path("frameworks/", include("commissioning.urls")),
    path("placements/", include("placements.urls")),
    path("", include("brokerage.urls")),
    path("insight/", include("insight.urls")),
    path("", include("accounts.urls")),
]

handler403 = "common.errors.permission_denied"
handler404 = "common.errors.page_not_found"
handler500 = "common.errors.server_error"
