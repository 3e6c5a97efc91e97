from django.urls import include, path

from commissioning import views

app_name = "commissioning"

urlpatterns = [
    path("", views.FrameworkListView.as_view(), name="framework_list"),
    path("add/", views.FrameworkFormView.as_view(), name="framework_add"),
    path("weight/", views.FrameworkWeightView.as_view(), name="framework_weight"),
    path("ours/", views.OwnMembershipsView.as_view(), name="own_memberships"),
    path("<int:pk>/", views.FrameworkDetailView.as_view(), name="framework_detail"),
    path("<int:pk>/change/", views.FrameworkFormView.as_view(), name="framework_change"),
    path("<int:pk>/changes/", views.FrameworkChangesView.as_view(), name="framework_changes"),
    path("<int:pk>/lots/add/", views.LotFormView.as_view(), name="lot_add"),
    path("<int:pk>/lots/<int:lot>/change/", views.LotFormView.as_view(), name="lot_change"),
    path("<int:pk>/lots/<int:lot>/members/add/", views.MemberAddView.as_view(), name="member_add"),
    path(
        "<int:pk>/members/<int:member>/rates/", views.MemberRatesView.as_view(), name="member_rates"
    ),
    path(
        "<int:pk>/members/<int:member>/status/",
        views.MemberStatusView.as_view(),
        name="member_status",
    ),
    # The members-and-rates import (preview, then confirm) and export.
    path("", include("commissioning.import_urls")),
]
