"""An officer's referrals for one request: send, compare answers, record the placement, export
(brokerage/officer_views.py). Included under /placements/ by brokerage/urls.py."""

from django.urls import path

from brokerage import benchmark_views, enquiry_views, officer_views, request_views

urlpatterns = [
    path("region/", request_views.RegionDemandView.as_view(), name="region_demand"),
    path("region/prices/", benchmark_views.RegionPricesView.as_view(), name="region_prices"),
    path(
        "region/prices.xlsx",
        benchmark_views.RegionPricesView.as_view(as_format="xlsx"),
        name="region_prices_xlsx",
    ),
    path("prices/", benchmark_views.LaPricesView.as_view(), name="la_prices"),
    path(
        "prices.xlsx", benchmark_views.LaPricesView.as_view(as_format="xlsx"), name="la_prices_xlsx"
    ),
    path(
        "<int:pk>/",
        request_views.PlacementRequestDetailView.as_view(),
        name="placement_request_detail",
    ),
    path(
        "records/",
        officer_views.PlacementRecordsExportView.as_view(),
        name="placement_records_export",
    ),
    path("referrals/", officer_views.LaReferralListView.as_view(), name="la_referral_list"),
    path(
        "<int:pk>/referrals/",
        officer_views.ReferralOverviewView.as_view(),
        name="referral_overview",
    ),
    path(
        "<int:pk>/referrals/new/",
        officer_views.ReferralCreateView.as_view(),
        name="referral_create",
    ),
    path(
        "<int:pk>/enquiries/new/",
        enquiry_views.OffServiceEnquiryCreateView.as_view(),
        name="off_service_enquiry_create",
    ),
    path(
        "<int:pk>/outcome/",
        officer_views.PlacementOutcomeCreateView.as_view(),
        name="placement_outcome_create",
    ),
    path(
        "<int:pk>/record.xlsx",
        officer_views.PlacementRecordView.as_view(as_format="xlsx"),
        name="placement_record_xlsx",
    ),
    path(
        "<int:pk>/record.json",
        officer_views.PlacementRecordView.as_view(as_format="json"),
        name="placement_record_json",
    ),
]
