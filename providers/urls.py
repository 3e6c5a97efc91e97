from django.urls import path, register_converter

from providers import views


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
]
