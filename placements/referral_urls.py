"""An officer's referrals for one request: send, compare answers, record the placement, export
(placements/referral_views.py). Included by placements/urls.py."""

from django.urls import path

from placements import enquiry_views, referral_views

urlpatterns = [
    path(
        "records/",
        referral_views.PlacementRecordsExportView.as_view(),
        name="placement_records_export",
    ),
    path("referrals/", referral_views.LaReferralListView.as_view(), name="la_referral_list"),
    path(
        "<int:pk>/referrals/",
        referral_views.ReferralOverviewView.as_view(),
        name="referral_overview",
    ),
    path(
        "<int:pk>/referrals/new/",
        referral_views.ReferralCreateView.as_view(),
        name="referral_create",
    ),
    path(
        "<int:pk>/enquiries/new/",
        enquiry_views.OffServiceEnquiryCreateView.as_view(),
        name="off_service_enquiry_create",
    ),
    path(
        "<int:pk>/outcome/",
        referral_views.PlacementOutcomeCreateView.as_view(),
        name="placement_outcome_create",
    ),
    path(
        "<int:pk>/record.xlsx",
        referral_views.PlacementRecordView.as_view(as_format="xlsx"),
        name="placement_record_xlsx",
    ),
    path(
        "<int:pk>/record.json",
        referral_views.PlacementRecordView.as_view(as_format="json"),
        name="placement_record_json",
    ),
]
