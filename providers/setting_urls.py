"""The register of settings and a provider's own pages: /providers/… (providers/views.py,
provider_views.py, invite_views.py). Included by providers/urls.py, after the imports."""

from django.urls import path, register_converter

from providers import invite_views, provider_views, views


class UrnConverter:
    """An Ofsted URN: SC and six digits (social care) or seven digits (the newer numbering)."""

    regex = "SC[0-9]{6}|sc[0-9]{6}|[0-9]{7}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value


register_converter(UrnConverter, "urn")

urlpatterns = [
    path("", views.SettingListView.as_view(), name="setting_list"),
    path("export.xlsx", views.SettingExportView.as_view(), name="setting_export"),
    path("<urn:urn>/", views.SettingDetailView.as_view(), name="setting_detail"),
    path(
        "<urn:urn>/location/",
        provider_views.SettingLocationView.as_view(),
        name="setting_location",
    ),
    # Providers keep their own facts true.
    path("yours/", provider_views.ProviderSettingsView.as_view(), name="provider_settings"),
    path("yours/claim/", provider_views.ClaimCreateView.as_view(), name="setting_claim"),
    path("<urn:urn>/manage/", provider_views.SettingManageView.as_view(), name="setting_manage"),
    path(
        "<urn:urn>/manage/criteria/",
        provider_views.EligibilityEditView.as_view(),
        name="setting_eligibility_edit",
    ),
    path(
        "<urn:urn>/manage/vacancy/",
        provider_views.VacancyEditView.as_view(),
        name="setting_vacancy_edit",
    ),
    path(
        "<urn:urn>/manage/vacancy/still-accurate/",
        provider_views.VacancyStillAccurateView.as_view(),
        name="setting_vacancy_still_accurate",
    ),
    path(
        "<urn:urn>/manage/location/",
        provider_views.LocationEditView.as_view(),
        name="setting_location_edit",
    ),
    # Hub admins bring a setting's provider onto the service.
    path(
        "<urn:urn>/invite-provider/",
        invite_views.SettingProviderInviteView.as_view(),
        name="setting_provider_invite",
    ),
    # Hub admins approve claims.
    path("claims/", provider_views.ClaimListView.as_view(), name="claim_list"),
    path("claims/<int:pk>/decide/", provider_views.ClaimDecideView.as_view(), name="claim_decide"),
    path(
        "claims/<int:pk>/transfer/",
        provider_views.ClaimTransferView.as_view(),
        name="claim_transfer",
    ),
]
