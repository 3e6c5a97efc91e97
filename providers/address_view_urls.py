from django.urls import path

from providers import address_view_views

urlpatterns = [
    path("", address_view_views.AddressViewListView.as_view(), name="address_view_list"),
]
