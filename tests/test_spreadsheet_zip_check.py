"""common.xlsx.spreadsheet_zip_check: what it lets through and what it refuses, on real zips."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import Workbook

from common.xlsx import SpreadsheetTooLargeError, spreadsheet_zip_check

MB = 1024 * 1024
OFSTED_ODS = (
    Path(settings.BASE_DIR).parent / "shared" / "data" / "ofsted" / "provider_at_march_2025.ods"
)


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_a_real_workbook_and_things_that_are_not_zips_pass():
    book = Workbook()
    book.active.append(["URN", "Provision type"])
    content = io.BytesIO()
    book.save(content)
    spreadsheet_zip_check(content.getvalue())
    spreadsheet_zip_check(b"URN,Provision type\n")  # a CSV: the reader deals with it
    spreadsheet_zip_check(b"")


@pytest.mark.skipif(not OFSTED_ODS.exists(), reason="Ofsted's published .ods is not here")
def test_ofsteds_own_ods_passes():
    """3.2 MB holding 76 MB of XML, 23 times: well inside the limits."""
    spreadsheet_zip_check(OFSTED_ODS.read_bytes())


def test_a_member_that_declares_less_than_it_holds_is_refused_as_damaged():
    """Its header says 100 KB; it holds 20 MB. The declared sizes pass; reading it does not."""
    real = b" " * (20 * MB)
    data = bytearray(_zip({"xl/worksheets/sheet1.xml": real}))
    declared = struct.pack("<I", 100 * 1024)
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    data[local + 22 : local + 26] = declared  # uncompressed size, local header
    data[central + 24 : central + 28] = declared  # and in the central directory
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        assert archive.infolist()[0].file_size == 100 * 1024
    with pytest.raises(SpreadsheetTooLargeError, match="it is damaged"):
        spreadsheet_zip_check(bytes(data))


def test_the_ratio_and_the_size_are_each_limits():
    data = _zip({"a.xml": b"<a>" + b"x" * (2 * MB) + b"</a>"})  # 2 MB, compressing ~1,000 times
    with pytest.raises(SpreadsheetTooLargeError, match="expands to 2 MB"):
        spreadsheet_zip_check(data)
    spreadsheet_zip_check(data, max_ratio=10_000)
    with pytest.raises(SpreadsheetTooLargeError, match="more than the 1 MB"):
        spreadsheet_zip_check(data, max_ratio=10_000, max_uncompressed=1 * MB)
