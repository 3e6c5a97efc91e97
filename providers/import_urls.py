from django.urls import path

from providers import import_views

urlpatterns = [
    path("", import_views.ImportListView.as_view(), name="ofsted_import_list"),
    path("assign/", import_views.AuthorityAssignView.as_view(), name="authority_assign"),
    path("upload/", import_views.ImportUploadView.as_view(), name="ofsted_import_upload"),
    path("<int:pk>/", import_views.ImportDetailView.as_view(), name="ofsted_import_detail"),
    path(
        "<int:pk>/confirm/", import_views.ImportConfirmView.as_view(), name="ofsted_import_confirm"
    ),
    path("<int:pk>/cancel/", import_views.ImportCancelView.as_view(), name="ofsted_import_cancel"),
]
