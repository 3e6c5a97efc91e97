"""The Ofsted provider-list reader, against the real 2024 and 2025 releases and small bad files.

No database: the reader is pure Python. The real files are read from shared/data beside the
project (never copied in), each parsed once per module because the .ods takes half a second.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from providers.ofsted import (
    HEADER_VARIANTS,
    EmptyFileError,
    Judgement,
    NotAnOfstedListError,
    OfstedFileError,
    OfstedProviderList,
    ProvisionType,
    RowError,
    SupportedAccommodationOutcome,
    UnreadableFileError,
    UnsupportedFileTypeError,
    normalise_header,
    parse_judgement,
    parse_provision_type,
    read_provider_list,
)

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ofsted"
CSV_2025 = DATA / "provider_at_march_2025.csv"
ODS_2025 = DATA / "provider_at_march_2025.ods"
CSV_2024 = DATA / "provider_at_march_2024.csv"

URN_PATTERN = re.compile(r"SC\d{6}|\d{7}")


@pytest.fixture(scope="module")
def list_2025() -> OfstedProviderList:
    return read_provider_list(CSV_2025)


@pytest.fixture(scope="module")
def list_2025_ods() -> OfstedProviderList:
    return read_provider_list(ODS_2025)


@pytest.fixture(scope="module")
def list_2024() -> OfstedProviderList:
    return read_provider_list(CSV_2024)


def by_urn(providers: OfstedProviderList) -> dict:
    return {provider.urn: provider for provider in providers}


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


HEADER = ["URN", "Provision type", "Registration date", "Name", "Postcode", "Places"]


# --------------------------------------------------------------------------------------------
# 2025 CSV
# --------------------------------------------------------------------------------------------


def test_2025_csv_has_every_row_and_no_errors(list_2025):
    assert len(list_2025) == 5600
    assert list_2025.errors == ()
    assert list_2025.header_row == 4
    assert list_2025.encoding == "utf-8-sig"
    assert list_2025.title == (
        "Children's social care data in England 2025 \u2013 Provider level as at 31 March 2025"
    )
    # Spreadsheet row numbers: the header is row 4 even though its cells span several lines.
    assert [provider.row for provider in list_2025.providers[:2]] == [5, 6]
    assert list_2025.providers[-1].row == 5604


def test_2025_csv_provision_type_counts(list_2025):
    counts = Counter(provider.provision_type for provider in list_2025)
    assert counts[ProvisionType.INDEPENDENT_FOSTERING_AGENCY] == 339
    # 3,938 "Children's home" + 8 "Children's Home" in the raw file.
    assert counts[ProvisionType.CHILDRENS_HOME] == 3946
    assert counts[ProvisionType.SUPPORTED_ACCOMMODATION] == 893
    assert counts[ProvisionType.SECURE_CHILDRENS_HOME] == 14
    assert counts[ProvisionType.RESIDENTIAL_SPECIAL_SCHOOL_CHILDRENS_HOME] == 49
    assert set(counts) == set(ProvisionType)  # 2025 has every type we know


def test_both_childrens_home_spellings_are_in_the_raw_file():
    with CSV_2025.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    column = rows[3].index("Provision type")
    raw = Counter(row[column] for row in rows[4:])
    assert raw["Children's home"] == 3938
    assert raw["Children's Home"] == 8


def test_2025_header_cells_with_leading_newlines_are_matched(list_2025):
    assert list_2025.columns["latest_inspection_event_type"] == "Latest Full inspection event type"
    assert list_2025.columns["overall_effectiveness"] == (
        "Overall experiences and progress of children and young people"
    )
    assert list_2025.columns["ofsted_region"] == "Ofsted Region"
    assert list_2025.columns["supported_accommodation_premises"] == (
        "Supported accommodation premises"
    )
    assert list_2025.ignored_columns == ("Web link",)
    assert list_2025.missing_fields == ("address_line_3",)


def test_2025_judgement_counts(list_2025):
    overall = Counter(provider.overall_effectiveness for provider in list_2025)
    assert overall == {
        Judgement.GOOD: 3059,
        Judgement.OUTSTANDING: 658,
        Judgement.REQUIRES_IMPROVEMENT: 522,
        Judgement.INADEQUATE: 54,
        None: 1307,
    }
    leaders = Counter(provider.leadership_and_management for provider in list_2025)
    assert leaders[Judgement.INADEQUATE] == 141
    protected = Counter(provider.help_and_protection for provider in list_2025)
    assert protected[Judgement.OUTSTANDING] == 582
    outcomes = Counter(provider.supported_accommodation_outcome for provider in list_2025)
    assert outcomes == {
        None: 5550,
        SupportedAccommodationOutcome.CONSISTENTLY_STRONG: 26,
        SupportedAccommodationOutcome.INCONSISTENT: 19,
        SupportedAccommodationOutcome.SERIOUS_WEAKNESSES: 5,
    }


def test_2025_first_row_is_parsed_field_by_field(list_2025):
    home = by_urn(list_2025)["2590934"]
    assert home.row == 5
    assert home.provision_type is ProvisionType.CHILDRENS_HOME
    assert home.registration_date == dt.date(2020, 6, 25)
    assert home.registration_status == "Active"
    assert home.sector == "Private"
    assert home.places == 2
    assert home.organisation_name == "Zone Central Ltd"
    assert home.local_authority == "Lewisham"
    assert home.ofsted_region == "London"
    assert home.parliamentary_constituency == "Lewisham East"
    assert home.latest_inspection_event_type == "Full inspection"
    assert home.latest_inspection_date == dt.date(2024, 11, 5)
    assert home.latest_inspection_publication_date == dt.date(2025, 1, 14)
    assert home.latest_inspection_event_number == "10360658"
    assert home.overall_effectiveness is Judgement.REQUIRES_IMPROVEMENT
    assert home.help_and_protection is Judgement.REQUIRES_IMPROVEMENT
    assert home.leadership_and_management is Judgement.REQUIRES_IMPROVEMENT
    assert home.health_services is None


def test_redacted_names_and_postcodes_become_none(list_2025):
    homes = [p for p in list_2025 if p.provision_type is ProvisionType.CHILDRENS_HOME]
    assert all(home.setting_name is None and home.postcode is None for home in homes)
    assert all(home.location_redacted for home in homes)
    assert all({"setting_name", "postcode", "town"} <= home.redacted_fields for home in homes)
    assert sum(p.location_redacted for p in list_2025) == 4913
    assert sum(p.setting_name is None for p in list_2025) == 4020
    # Supported accommodation keeps its name but not its address.
    supported = [p for p in list_2025 if p.provision_type is ProvisionType.SUPPORTED_ACCOMMODATION]
    assert all(p.setting_name and p.postcode is None for p in supported)
    # Nothing anywhere still says REDACTED.
    for provider in list_2025:
        for value in vars_of(provider).values():
            assert not (isinstance(value, str) and "redacted" in value.lower())


def vars_of(provider) -> dict:
    return {name: getattr(provider, name) for name in provider.__dataclass_fields__}


def test_fostering_agencies_have_public_postcodes(list_2025):
    agencies = [
        p for p in list_2025 if p.provision_type is ProvisionType.INDEPENDENT_FOSTERING_AGENCY
    ]
    assert len(agencies) == 339
    assert all(p.postcode and not p.location_redacted for p in agencies)
    assert sum(p.postcode is not None for p in list_2025) == 687


def test_urns_are_strings(list_2025, list_2025_ods, list_2024):
    for providers in (list_2025, list_2025_ods, list_2024):
        assert all(isinstance(p.urn, str) and URN_PATTERN.fullmatch(p.urn) for p in providers)
        assert len(by_urn(providers)) == len(providers)
    assert "SC469688" in by_urn(list_2024)
    # Calamine hands numeric URNs over as floats; they must not come back as "2590934.0".
    assert "2590934" in by_urn(list_2025_ods)


def test_utf8_characters_survive(list_2025):
    assert by_urn(list_2025)["1229765"].address_line_2 == "17\u201319 Monson Road"


def test_postcodes_and_text_are_tidied(list_2025):
    assert by_urn(list_2025)["1229765"].postcode == "TN1 1LS"
    # Raw cells carry trailing double spaces; nothing parsed should.
    for provider in list_2025:
        for value in vars_of(provider).values():
            if isinstance(value, str):
                assert value == " ".join(value.split())


# --------------------------------------------------------------------------------------------
# 2025 ODS
# --------------------------------------------------------------------------------------------


def test_ods_picks_the_provider_level_sheet(list_2025_ods):
    assert list_2025_ods.sheet_name == "Provider_level_at_31_Mar_2025"
    assert list_2025_ods.header_row == 4
    assert len(list_2025_ods) == 5600
    assert list_2025_ods.errors == ()


def test_ods_gives_the_same_rows_as_the_csv(list_2025, list_2025_ods):
    from_csv, from_ods = by_urn(list_2025), by_urn(list_2025_ods)
    assert from_csv.keys() == from_ods.keys()
    # Every field of every row, including spreadsheet dates and numeric cells against CSV text.
    assert list_2025_ods.providers == list_2025.providers
    sample = from_ods["1229765"]
    assert sample == from_csv["1229765"]
    assert sample.registration_date == dt.date(2016, 3, 11)


def test_ods_sheet_can_be_forced():
    places = read_provider_list(ODS_2025, sheet="Providers+places_at_31_Mar_2025")
    assert len(places) == 5600
    assert places.columns["organisation_name"] == "Organisation name"
    assert "overall_effectiveness" in places.missing_fields


def test_unknown_sheet_is_a_clear_error():
    with pytest.raises(UnreadableFileError, match="no sheet called 'Nope'"):
        read_provider_list(ODS_2025, sheet="Nope")


# --------------------------------------------------------------------------------------------
# 2024 CSV (cp1252, extra columns)
# --------------------------------------------------------------------------------------------


def test_2024_csv_is_read_as_cp1252(list_2024):
    assert len(list_2024) == 3876
    assert list_2024.errors == ()
    assert list_2024.encoding == "cp1252"
    # The title's only non-ASCII byte is 0xD0: cp1252 "Ð" (it was a Mac Roman en dash upstream).
    assert b"\xd0" in CSV_2024.read_bytes()
    assert list_2024.title == (
        "Children's social care data in England 2024 \u00d0 Provider level as at 31 March 2024"
    )


def test_2024_columns_and_values(list_2024):
    assert list_2024.columns["ofsted_region"] == "Ofsted region"
    assert list_2024.columns["supported_accommodation_premises"] == "Premises"
    assert "Previous full inspection event type" in list_2024.ignored_columns
    assert "Previous effectiveness of leaders and managers" in list_2024.ignored_columns
    counts = Counter(p.provision_type for p in list_2024)
    assert counts[ProvisionType.CHILDRENS_HOME] == 3151  # 3,144 + 7 "Children's Home"
    assert counts[ProvisionType.INDEPENDENT_FOSTERING_AGENCY] == 313
    assert ProvisionType.SUPPORTED_ACCOMMODATION not in counts
    agency = by_urn(list_2024)["SC469688"]
    assert agency.setting_name == "Affinity Fostering"
    assert agency.postcode == "CM4 9NR"
    assert agency.overall_effectiveness is Judgement.OUTSTANDING
    # The newest judgement, not the "Previous …" one (Good) further along the row.
    assert agency.leadership_and_management is Judgement.OUTSTANDING
    assert sum(p.short_break_only for p in list_2024) == 119


def test_judgement_column_maps_under_old_and_new_names(tmp_path, list_2024, list_2025):
    new = "Overall experiences and progress of children and young people"
    assert list_2024.columns["overall_effectiveness"] == new
    assert list_2025.columns["overall_effectiveness"] == new
    for header in ("Overall effectiveness", "Latest full inspection: overall effectiveness", new):
        path = write_csv(
            tmp_path / "judgements.csv",
            [["URN", "Provision type", header], ["SC000001", "Children's home", "GOOD"]],
        )
        (provider,) = read_provider_list(path)
        assert provider.overall_effectiveness is Judgement.GOOD, header


def test_every_real_header_maps_or_is_knowingly_ignored(list_2024, list_2025):
    for providers in (list_2024, list_2025):
        for ignored in providers.ignored_columns:
            assert ignored == "Web link" or ignored.startswith("Previous")


# --------------------------------------------------------------------------------------------
# Small malformed files
# --------------------------------------------------------------------------------------------


def test_header_on_row_5_with_stray_newlines(tmp_path):
    path = write_csv(
        tmp_path / "late.csv",
        [
            ["A title"],
            [],
            ["Some notes about the table", "", ""],
            ["", "", ""],
            ["\nURN ", "Provision\ntype", "\nLatest full inspection\ndate", "Ofsted Region"],
            ["SC123456", "Children's Home", "01/02/2024", "London"],
            ["", "", "", ""],
            ["1234567", "independent fostering agency", "2024-03-31", "South West"],
        ],
    )
    result = read_provider_list(path)
    assert result.header_row == 5
    assert result.title == "A title"
    assert [(p.row, p.urn, p.provision_type) for p in result] == [
        (6, "SC123456", ProvisionType.CHILDRENS_HOME),
        (8, "1234567", ProvisionType.INDEPENDENT_FOSTERING_AGENCY),
    ]
    assert [p.latest_inspection_date for p in result] == [dt.date(2024, 2, 1), dt.date(2024, 3, 31)]
    assert result.errors == ()


def test_no_urn_column_is_a_clear_error(tmp_path):
    path = write_csv(
        tmp_path / "other.csv", [["Name", "Provision type"], ["Somewhere", "Children's home"]]
    )
    with pytest.raises(NotAnOfstedListError, match="URN"):
        read_provider_list(path)


def test_header_too_far_down_is_not_found(tmp_path):
    path = write_csv(tmp_path / "deep.csv", [[""]] * 12 + [HEADER, ["SC123456", "Children's home"]])
    with pytest.raises(NotAnOfstedListError):
        read_provider_list(path)


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n\r\n", b",,,\r\n,,\r\n"], ids=repr)
def test_empty_file(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(EmptyFileError, match="empty"):
        read_provider_list(path)


def test_headings_without_rows_is_an_empty_file(tmp_path):
    path = write_csv(tmp_path / "header_only.csv", [HEADER, ["", "", ""]])
    with pytest.raises(EmptyFileError, match="no providers"):
        read_provider_list(path)


def test_bad_date_is_a_row_error_and_other_rows_survive(tmp_path):
    path = write_csv(
        tmp_path / "dates.csv",
        [
            HEADER,
            ["SC000001", "Children's home", "01/04/2020", "REDACTED", "REDACTED", "3"],
            ["SC000002", "Children's home", "31/02/2021", "redacted", "redacted", "4"],
            ["SC000003", "Children's home", "next week", "Redacted", "Redacted", "2"],
            ["SC000004", "Children's home", "2022-05-06", "REDACTED", "REDACTED", "1"],
        ],
    )
    result = read_provider_list(path)
    assert [p.urn for p in result] == ["SC000001", "SC000002", "SC000003", "SC000004"]
    dates = [p.registration_date for p in result]
    assert dates == [dt.date(2020, 4, 1), None, None, dt.date(2022, 5, 6)]
    assert [(e.row, e.column, e.field) for e in result.errors] == [
        (3, "Registration date", "registration_date"),
        (4, "Registration date", "registration_date"),
    ]
    assert "31/02/2021" in result.errors[0].message
    assert result.errors[1].as_dict() == {
        "row": 4,
        "column": "Registration date",
        "message": "'next week' is not a date in the form dd/mm/yyyy.",
    }
    assert result.rows_with_errors == {3, 4}
    # Redacted in any case is None, and remembered as redacted.
    assert all(p.setting_name is None and p.postcode is None for p in result)
    assert all(p.redacted_fields == {"setting_name", "postcode"} for p in result)
    assert [p.places for p in result] == [3, 4, 2, 1]


def test_unknown_provision_type_bad_urn_and_duplicates_are_row_errors(tmp_path):
    path = write_csv(
        tmp_path / "types.csv",
        [
            HEADER,
            ["SC000001", "Children's home"],
            ["SC000002", "Dog kennels"],
            ["SC12345", "Children's home"],
            ["", "Children's home", "", "Named but no URN"],
            [" 2000001 ", "Boarding school"],
            ["SC000001", "Children's home"],
            ["SC000003", ""],
            ["SC000004", "Children's home", "", "", "", "three"],
        ],
    )
    result = read_provider_list(path)
    assert [p.urn for p in result] == ["SC000001", "2000001", "SC000004"]
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "Provision type"),
        (4, "URN"),
        (5, "URN"),
        (7, "URN"),
        (8, "Provision type"),
        (9, "Places"),
    ]
    messages = [e.message for e in result.errors]
    assert "'Dog kennels' is not a provision type" in messages[0]
    assert "'SC12345' is not an Ofsted social care URN" in messages[1]
    assert messages[2] == "URN is missing."
    assert "already appears on row 2" in messages[3]
    assert by_urn(result)["SC000004"].places is None


def test_utf8_with_bom(tmp_path):
    path = tmp_path / "bom.csv"
    text = "\ufeffURN,Provision type,Name\r\nSC000001,Children\u2019s home,Caf\u00e9 House\r\n"
    path.write_bytes(text.encode())
    result = read_provider_list(path)
    assert result.encoding == "utf-8-sig"
    (provider,) = result
    assert provider.provision_type is ProvisionType.CHILDRENS_HOME  # curly apostrophe too
    assert provider.setting_name == "Caf\u00e9 House"


def test_utf8_without_bom(tmp_path):
    path = write_csv(
        tmp_path / "plain.csv",
        [["URN", "Provision type", "Name"], ["SC000001", "Boarding school", "Zoë"]],
    )
    result = read_provider_list(path)
    assert result.encoding == "utf-8"
    assert result.providers[0].setting_name == "Zoë"


def test_cp1252(tmp_path):
    path = tmp_path / "windows.csv"
    text = (
        "URN,Provision type,Name,Organisation which owns the provider\r\n"
        "SC000001,Children\u2019s home,Caf\u00e9 \u2013 Ren\u00e9e,St John\u2019s \u00a3 Trust\r\n"
    )
    path.write_bytes(text.encode("cp1252"))
    result = read_provider_list(path)
    assert result.encoding == "cp1252"
    (provider,) = result
    assert provider.setting_name == "Caf\u00e9 \u2013 Ren\u00e9e"
    assert provider.organisation_name == "St John\u2019s \u00a3 Trust"


def test_xlsx_written_with_openpyxl(tmp_path):
    workbook = openpyxl.Workbook()
    notes = workbook.active
    notes.title = "Notes"
    notes["A1"] = "This workbook has a notes sheet first, like Ofsted's."
    sheet = workbook.create_sheet("Providers")
    sheet["A1"] = "Provider list"
    sheet.append([])
    sheet.append(
        [
            "Web link",
            "URN",
            "Provision Type",
            "Registration date",
            "Places",
            "Overall effectiveness",
        ]
    )
    sheet.append(["link", 1234567, "Secure children's home", dt.datetime(2019, 7, 1), 8.0, "good"])
    sheet.append(["link", "SC654321", "Voluntary Adoption Agency", "03/09/2010", None, None])
    sheet.append(["link", "SC111111", "Residential Family Centre", 45000, "4", "Not yet inspected"])
    path = tmp_path / "list.xlsx"
    workbook.save(path)

    result = read_provider_list(path)
    assert result.sheet_name == "Providers"
    assert result.header_row == 3
    assert result.errors == ()
    first, second, third = result
    assert (first.row, first.urn, first.provision_type) == (
        4,
        "1234567",
        ProvisionType.SECURE_CHILDRENS_HOME,
    )
    assert first.registration_date == dt.date(2019, 7, 1)
    assert first.places == 8
    assert first.overall_effectiveness is Judgement.GOOD
    assert second.registration_date == dt.date(2010, 9, 3)
    assert second.places is None
    # A date column that lost its format arrives as a day number.
    assert third.registration_date == dt.date(2023, 3, 15)
    assert third.overall_effectiveness is None


def test_upload_like_file_object_needs_a_name(tmp_path):
    data = CSV_2025.read_bytes()[:5000].rsplit(b"\r\n", 1)[0]
    result = read_provider_list(io.BytesIO(data), filename="upload.CSV")
    assert len(result) > 0
    with pytest.raises(UnsupportedFileTypeError, match="name"):
        read_provider_list(io.BytesIO(data))


@pytest.mark.parametrize("name", ["corrupt.xlsx", "corrupt.ods"])
def test_corrupt_spreadsheet_is_a_clear_error(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(os.urandom(4096))
    with pytest.raises(UnreadableFileError, match="could not be opened"):
        read_provider_list(path)


def test_truncated_xlsx_is_a_clear_error(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER)
    buffer = io.BytesIO()
    workbook.save(buffer)
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(buffer.getvalue()[:2000])
    with pytest.raises(UnreadableFileError):
        read_provider_list(path)


def test_xlsx_with_broken_sheet_xml_is_a_clear_error(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER)
    good = tmp_path / "good.xlsx"
    workbook.save(good)
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            damaged = item.filename.endswith("sheet1.xml")
            target.writestr(item, b"<worksheet" if damaged else source.read(item))
    with pytest.raises(UnreadableFileError, match="could not be opened"):
        read_provider_list(broken)


def test_empty_xlsx(tmp_path):
    path = tmp_path / "blank.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(EmptyFileError):
        read_provider_list(path)


def test_xlsx_without_a_provider_table(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Name", "Town"])
    path = tmp_path / "other.xlsx"
    workbook.save(path)
    with pytest.raises(NotAnOfstedListError, match="URN"):
        read_provider_list(path)


@pytest.mark.parametrize("name", ["list.pdf", "list.txt", "list", "list.xls"])
def test_unsupported_extension(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"URN,Provision type\r\nSC000001,Children's home\r\n")
    with pytest.raises(UnsupportedFileTypeError, match=r"\.csv, \.xlsx or \.ods"):
        read_provider_list(path)


def test_missing_file_is_unreadable(tmp_path):
    with pytest.raises(UnreadableFileError):
        read_provider_list(tmp_path / "nowhere.csv")


def test_all_file_errors_share_a_base_class():
    for error in (
        EmptyFileError,
        NotAnOfstedListError,
        UnreadableFileError,
        UnsupportedFileTypeError,
    ):
        assert issubclass(error, OfstedFileError)
        assert issubclass(error, ValueError)


# --------------------------------------------------------------------------------------------
# Code lists and header normalisation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Children's home", ProvisionType.CHILDRENS_HOME),
        ("Children's Home", ProvisionType.CHILDRENS_HOME),
        ("CHILDREN\u2019S HOME", ProvisionType.CHILDRENS_HOME),
        ("Secure children's home", ProvisionType.SECURE_CHILDRENS_HOME),
        (
            "Residential special school (registered as a children's home)",
            ProvisionType.RESIDENTIAL_SPECIAL_SCHOOL_CHILDRENS_HOME,
        ),
        ("Residential Special School", ProvisionType.RESIDENTIAL_SPECIAL_SCHOOL),
        (
            "Further Education College with Residential Accommodation",
            ProvisionType.FURTHER_EDUCATION_COLLEGE,
        ),
        ("Supported Accommodation", ProvisionType.SUPPORTED_ACCOMMODATION),
        (
            "Residential Holiday Scheme for Disabled Children",
            ProvisionType.RESIDENTIAL_HOLIDAY_SCHEME,
        ),
    ],
)
def test_parse_provision_type(text, expected):
    assert parse_provision_type(text) is expected


def test_parse_provision_type_rejects_unknown():
    with pytest.raises(ValueError, match="not a provision type"):
        parse_provision_type("Children's centre")


def test_provision_type_labels():
    assert ProvisionType.CHILDRENS_HOME.label == "Children's home"
    assert all(member.label for member in ProvisionType)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Outstanding", Judgement.OUTSTANDING),
        ("good", Judgement.GOOD),
        ("Requires improvement to be good", Judgement.REQUIRES_IMPROVEMENT),
        ("Requires Improvement", Judgement.REQUIRES_IMPROVEMENT),
        ("Inadequate", Judgement.INADEQUATE),
        ("Not yet inspected", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_judgement(text, expected):
    assert parse_judgement(text) is expected


def test_parse_judgement_rejects_unknown():
    with pytest.raises(ValueError, match="not an Ofsted judgement"):
        parse_judgement("Very good")


def test_bad_judgement_is_a_row_error(tmp_path):
    path = write_csv(
        tmp_path / "judge.csv",
        [
            ["URN", "Provision type", "The effectiveness of leaders and managers"],
            ["SC000001", "Children's home", "Very good"],
        ],
    )
    result = read_provider_list(path)
    assert result.providers[0].leadership_and_management is None
    assert result.errors == (
        RowError(
            2,
            "The effectiveness of leaders and managers",
            "'Very good' is not an Ofsted judgement (Outstanding, Good, Requires improvement to "
            "be good, Inadequate or Not judged, or an older scale's Requires improvement, "
            "Adequate or Satisfactory).",
            "leadership_and_management",
        ),
    )


def test_normalise_header():
    assert normalise_header("\nLatest Full inspection\n event type ") == (
        "latest full inspection event type"
    )
    assert (
        normalise_header("Multi-building children\u2019s home") == "multi building childrens home"
    )
    assert normalise_header("Service category (Note 4)") == "service category"


def test_header_variants_are_documented_for_every_output_field():
    from providers.ofsted import OfstedProvider

    # judgement_scale is told from the judgements themselves, not read from a column.
    fields = set(OfstedProvider.__dataclass_fields__) - {
        "row",
        "redacted_fields",
        "judgement_scale",
    }
    assert fields == set(HEADER_VARIANTS)
