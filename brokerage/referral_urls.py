"""Referrals as both sides see them: /referrals/… (brokerage/referral_views.py)."""

from django.urls import path

from brokerage import referral_views

urlpatterns = [
    path("", referral_views.ReferralListView.as_view(), name="referral_list"),
    path("<int:pk>/", referral_views.ReferralDetailView.as_view(), name="referral_detail"),
    path("<int:pk>/answer/", referral_views.ReferralAnswerView.as_view(), name="referral_answer"),
    path(
        "<int:pk>/messages/",
        referral_views.ReferralMessageView.as_view(),
        name="referral_message_post",
    ),
]
