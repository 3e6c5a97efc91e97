from __future__ import annotations

from pathlib import Path

from django import forms
from django.core.files.uploadedfile import UploadedFile

from common.forms import GovukFormMixin
from providers import ofsted

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class OfstedUploadForm(GovukFormMixin, forms.Form):
    submit_label = "Upload and preview"
    file = forms.FileField(
        label="Ofsted provider list",
        help_text="The provider-level table as .csv, .xlsx or .ods, as published or as sent to "
        "local authorities. Nothing is changed until you confirm.",
        error_messages={"required": "Choose a file to upload"},
    )
    strict = forms.BooleanField(
        label="Strict: import nothing if any row has a problem",
        required=False,
    )
    partial = forms.BooleanField(
        label="This file is not the whole register: do not close settings missing from it",
        required=False,
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() not in ofsted.SUPPORTED_EXTENSIONS:
            raise forms.ValidationError("The file must be a .csv, .xlsx or .ods spreadsheet")
        if upload.size and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file must be smaller than 50 MB")
        if not upload.size:
            raise forms.ValidationError("The file is empty")
        return upload
