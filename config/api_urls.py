"""The JSON API (version 1), its OpenAPI schema and its documentation page: providers' facts
and referrals (API keys) and placement search (LA officers' signed-in session).

Mounted at /api/ in config/urls.py. It lives in config/ because it joins several apps' APIs.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from brokerage import api as brokerage_api
from commissioning import api as commissioning_api
from placements.api import PlacementMatchesView, StandardRecordImportView
from providers import api

router = SimpleRouter()
router.register("settings", api.SettingViewSet, basename="api_setting")
router.register(
    r"settings/(?P<urn>[^/.]+)/households", api.HouseholdViewSet, basename="api_household"
)
router.register("frameworks", commissioning_api.FrameworkViewSet, basename="api_framework")
router.register(
    "framework-memberships", commissioning_api.MembershipViewSet, basename="api_membership"
)
router.register("referrals", brokerage_api.ReferralViewSet, basename="api_referral")

v1 = [
    path("settings/<str:urn>/eligibility/", api.EligibilityView.as_view(), name="api_eligibility"),
    path("settings/<str:urn>/vacancy/", api.VacancyView.as_view(), name="api_vacancy"),
    path(
        "settings/<str:urn>/vacancy/confirm/",
        api.VacancyConfirmView.as_view(),
        name="api_vacancy_confirm",
    ),
    *router.urls,
    path(
        "placement-requests/standard/",
        StandardRecordImportView.as_view(),
        name="api_placement_request_standard",
    ),
    path(
        "placement-requests/<int:pk>/matches/",
        PlacementMatchesView.as_view(),
        name="api_placement_matches",
    ),
]

app_name = "api"

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # The split view serves its start-up script as a file (?script), not inline: the
    # Content-Security-Policy allows no inline script without the page's nonce.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:api_schema"), name="api_docs"),
]
