"""Fault: a hostile upload. A 200 MB file, or a zip bomb (an .xlsx or .ods is a zip: a few
hundred kilobytes that expand to hundreds of megabytes).

What the service does: an upload past UPLOAD_MAX_BYTES (50 MB) is refused by the first upload
handler (common/uploads.py) without being stored: the body is read in 64 KB chunks and thrown
away, and the form says the file is too large. A spreadsheet that would expand past what the
service reads (common/xlsx.py, `spreadsheet_zip_check`) is refused before openpyxl or calamine
opens it. Both answers are form errors on the page (200), never a 500, and nothing is saved.

The test sends the 200 MB body from a generator (never held in memory) through the real WSGI
handler, and measures the peak of Python's allocations with tracemalloc while each request is
handled: the bounds asserted are generous (a few MB), far below the upload's size.
"""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from accounts.models import Organisation, Role
from commissioning.models import FrameworkImport
from providers.models import OfstedImport
from tests.commissioning.factories import FrameworkFactory
from tests.factories import OrganisationFactory, RegionFactory, UserFactory

pytestmark = [pytest.mark.fault, pytest.mark.django_db]

MB = 1024 * 1024
BOUNDARY = "----fault-test-boundary"


class MultipartBody(io.RawIOBase):
    """A multipart/form-data body with one file of `size` zero bytes, produced as it is read."""

    def __init__(self, *, field: str, filename: str, size: int) -> None:
        self.head = (
            f"--{BOUNDARY}\r\n"
            f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.size = size
        self.length = len(self.head) + size + len(self.tail)
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        want = len(buffer)
        out = bytearray()
        while len(out) < want and self.position < self.length:
            at = self.position
            if at < len(self.head):
                piece = self.head[at : at + want - len(out)]
            elif at < len(self.head) + self.size:
                piece = bytes(min(want - len(out), len(self.head) + self.size - at))
            else:
                start = at - len(self.head) - self.size
                piece = self.tail[start : start + want - len(out)]
            out += piece
            self.position += len(piece)
        buffer[: len(out)] = out
        return len(out)


@dataclass
class Measured:
    response: object
    seconds: float
    peak_bytes: int


def measured(call: Callable[[], object]) -> Measured:
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.monotonic()
    try:
        response = call()
        seconds = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"peak {peak / MB:.1f} MB of Python allocations, {seconds:.2f} s")  # with -s
    return Measured(response, seconds, peak)


@dataclass
class Door:
    """An upload form and a person allowed to use it."""

    name: str
    url: str
    field: str
    too_large: str  # the form's message for a file over its limit
    records: Callable[[], int]  # how many import records exist


@pytest.fixture(params=["ofsted", "framework"])
def door(request, client: Client) -> Door:
    if request.param == "ofsted":
        client.force_login(
            UserFactory(
                organisation=OrganisationFactory(operator=True), role=Role.NATIONAL_OPERATOR
            )
        )
        return Door(
            "ofsted", reverse("providers:ofsted_import_upload"), "file",
            "The file must be smaller than 50 MB", OfstedImport.objects.count,
        )  # fmt: skip
    hub = OrganisationFactory(region=RegionFactory(), hub=True)
    assert hub.kind == Organisation.Kind.HUB
    client.force_login(UserFactory(organisation=hub, role=Role.HUB_ADMIN))
    framework = FrameworkFactory(region=hub.region)
    return Door(
        "framework", reverse("commissioning:framework_import_upload", args=[framework.pk]),
        "file", "The file must be smaller than 5 MB", FrameworkImport.objects.count,
    )  # fmt: skip


def test_a_200_mb_upload_is_refused_quickly_with_a_message_and_bounded_memory(
    client, door, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path  # where Django would spool it
    body = MultipartBody(field=door.field, filename="huge.xlsx", size=200 * MB)
    result = measured(
        lambda: client.generic(
            "POST",
            door.url,
            **{
                "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
                "CONTENT_LENGTH": str(body.length),
                "wsgi.input": body,
            },
        )  # fmt: skip
    )
    response = result.response
    assert body.position == body.length  # the whole body was read (and thrown away)
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and door.too_large in html
    assert door.records() == 0
    assert not (tmp_path / "media").exists()
    # Django's temporary-file handler opened its file before the first chunk; nothing reached it.
    assert [p.stat().st_size for p in tmp_path.iterdir() if p.is_file()] in ([], [0])
    assert result.peak_bytes < 10 * MB, result.peak_bytes
    assert result.seconds < 30, result.seconds


def spreadsheet_bomb(spaces: int) -> bytes:
    """A real .xlsx (openpyxl's) whose first sheet's XML carries `spaces` bytes of whitespace
    between its rows: valid, and compressing about 1,000 to 1."""
    book = Workbook()
    book.active.append(["URN", "Provision type"])
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for member in source.infolist():
            data = source.read(member)
            if member.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(member, data)
                continue
            head, tail = data.split(b"</sheetData>")
            with bomb.open(member.filename, "w", force_zip64=True) as sheet:
                sheet.write(head)
                chunk = b" " * MB
                for _ in range(spaces // MB):
                    sheet.write(chunk)
                sheet.write(b"</sheetData>" + tail)
    return out.getvalue()


@pytest.mark.parametrize(
    ("expands_mb", "why"),
    [(400, "more than the 300 MB"), (40, "times its size")],
    ids=["too-large", "too-compressed"],
)
def test_a_zip_bomb_spreadsheet_is_refused_before_it_is_read(client, door, settings, tmp_path,
                                                              expands_mb, why):  # fmt: skip
    settings.MEDIA_ROOT = tmp_path / "media"
    bomb = spreadsheet_bomb(expands_mb * MB)
    assert len(bomb) < MB
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        assert sum(m.file_size for m in archive.infolist()) > expands_mb * MB
    upload = SimpleUploadedFile("list.xlsx", bomb)
    result = measured(lambda: client.post(door.url, {door.field: upload}))
    response = result.response
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert f"This spreadsheet expands to {expands_mb:,} MB" in html and why in html
    assert door.records() == 0 or door.name == "ofsted"  # Ofsted keeps what it found, not the file
    assert not list((tmp_path / "media").rglob("*.xlsx"))
    assert result.peak_bytes < 20 * MB, result.peak_bytes
    assert result.seconds < 10, result.seconds
