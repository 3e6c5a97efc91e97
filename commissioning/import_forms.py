from __future__ import annotations

from pathlib import Path

from django import forms
from django.core.files.uploadedfile import UploadedFile

from commissioning.imports import MAX_FILE_BYTES
from common.forms import GovukFormMixin
from common.uploads import upload_too_large


class FrameworkImportForm(GovukFormMixin, forms.Form):
    submit_label = "Upload and preview"
    file = forms.FileField(
        label="Members and rates (.xlsx)",
        help_text="Nothing is saved until you have checked the preview and confirmed it.",
        error_messages={"required": "Choose a file to upload"},
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() != ".xlsx":
            raise forms.ValidationError("The file must be an .xlsx spreadsheet")
        if upload_too_large(upload, MAX_FILE_BYTES):
            raise forms.ValidationError(
                f"The file must be smaller than {MAX_FILE_BYTES // (1024 * 1024)} MB"
            )
        if not upload.size:
            raise forms.ValidationError("The file is empty")
        return upload
