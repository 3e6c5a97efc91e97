from django.urls import path

from commissioning import import_views

urlpatterns = [
    path(
        "<int:framework_pk>/import/",
        import_views.ImportUploadView.as_view(),
        name="framework_import_upload",
    ),
    path(
        "<int:framework_pk>/import/<int:pk>/",
        import_views.ImportDetailView.as_view(),
        name="framework_import_detail",
    ),
    path(
        "<int:framework_pk>/import/<int:pk>/confirm/",
        import_views.ImportConfirmView.as_view(),
        name="framework_import_confirm",
    ),
    path(
        "<int:framework_pk>/import/<int:pk>/cancel/",
        import_views.ImportCancelView.as_view(),
        name="framework_import_cancel",
    ),
    path(
        "<int:framework_pk>/members-and-rates.xlsx",
        import_views.ExportView.as_view(),
        name="framework_export",
    ),
]
