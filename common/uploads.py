"""Uploads larger than the service accepts are refused without being stored.

Django spools an uploaded file to a temporary file past FILE_UPLOAD_MAX_MEMORY_SIZE, so memory
stays bounded, but it would write all of a 200 MB upload to disk before a form could look at
its size. `UploadLimitHandler` comes first in FILE_UPLOAD_HANDLERS: once a request's declared
length (Content-Length) or a file's bytes so far pass UPLOAD_MAX_BYTES, it passes nothing more to
the handlers after it and the file arrives as a `RefusedUpload`: empty, with the size the client
sent. The form then says the file is too large (a form error on the page, not a 500). The rest
of the body is still read, chunk by chunk, and thrown away, so the browser sees the answer
rather than a reset connection.
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class RefusedUpload(UploadedFile):
    """A file the upload handler refused: no content, the size the client sent."""

    def __init__(self, *, name: str, content_type: str | None, size: int) -> None:
        super().__init__(io.BytesIO(b""), name=name, content_type=content_type, size=size)


def upload_too_large(upload: UploadedFile, limit: int) -> bool:
    """Whether a form must refuse `upload` for its size (`limit` is the form's own)."""
    return isinstance(upload, RefusedUpload) or bool(upload.size and upload.size > limit)


class UploadLimitHandler(FileUploadHandler):
    request_too_large = False
    received = 0
    refused = False

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],  # noqa: N803 - Django's name
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        self.request_too_large = content_length > settings.UPLOAD_MAX_BYTES
        return None

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        self.refused = self.request_too_large

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            self.refused = True
        return None if self.refused else raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.refused:
            return None  # the next handler (memory or temporary file) has it
        return RefusedUpload(
            name=self.file_name or "", content_type=self.content_type, size=file_size
        )
