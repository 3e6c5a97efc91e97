"""The directory's .xlsx export: the filtered settings, safe to open, dates as dates."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from common.xlsx import XLSX_CONTENT_TYPE, neutralise
from providers.exports import COLUMNS
from providers.models import ProvisionType, Setting
from tests.brokerage.test_permission_matrix import ACTOR_ORG
from tests.factories import AreaFactory
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db

EXPORT = reverse("providers:setting_export")
HEADERS = [
    "URN",
    "Name",
    "Provision type",
    "Sector",
    "SSDA903 placement types",
    "SSDA903 placement provider",
    "Status",
    "Registration date",
    "Places",
    "Local authority",
    "Ofsted region",
    "Owner",
    "Address",
    "Town",
    "Postcode",
    "Postcode district",
    "Latest inspection",
    "Inspection date",
    "Report published",
    "Overall effectiveness",
    "Help and protection",
    "Leadership and management",
    "Supported accommodation outcome",
    "Ofsted reports",
]


@pytest.fixture
def signed_in(client, world):
    client.force_login(world.user(ACTOR_ORG[Role.LA_MANAGER], Role.LA_MANAGER))
    return client


def sheet_of(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith('attachment; filename="settings-')
    return load_workbook(io.BytesIO(response.content)).active


def rows_by_urn(sheet) -> dict[str, dict[str, object]]:
    rows = list(sheet.iter_rows(min_row=2))
    urn = HEADERS.index("URN")
    return {row[urn].value: dict(zip(HEADERS, row, strict=True)) for row in rows}


def test_headers_and_one_row_per_filtered_setting(signed_in):
    SettingFactory.create_batch(3)
    SettingFactory.create_batch(2, childrens_home=True)
    SettingFactory(closed=True)
    sheet = sheet_of(signed_in.get(EXPORT))
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert [column.header for column in COLUMNS] == HEADERS
    assert sheet.max_row - 1 == 5  # the closed one is hidden by default, as on the page

    homes = sheet_of(signed_in.get(f"{EXPORT}?provision_type=childrens_home"))
    assert (
        homes.max_row - 1
        == Setting.objects.filter(provision_type=ProvisionType.CHILDRENS_HOME).count()
    )

    everything = sheet_of(signed_in.get(f"{EXPORT}?status=active&status=suspended&status=closed"))
    assert everything.max_row - 1 == Setting.objects.count() == 6


def test_the_page_links_to_the_export_with_its_filters(signed_in):
    SettingFactory.create_batch(2)
    html = signed_in.get(f"{reverse('providers:setting_list')}?sector=Private").content.decode()
    assert f'href="{EXPORT}?sector=Private"' in html
    assert "Download these 2 settings (.xlsx)" in html


@pytest.mark.parametrize(
    "dangerous", ['=HYPERLINK("http://example.com","x")', "+1", "-1", "@SUM(A1)", "=1+1"]
)
def test_formulas_are_neutralised(signed_in, dangerous):
    SettingFactory(urn="SC300001", name=dangerous, owner_name=dangerous, sector=dangerous)
    row = rows_by_urn(sheet_of(signed_in.get(EXPORT)))["SC300001"]
    for header in ("Name", "Owner", "Sector"):
        cell = row[header]
        assert cell.data_type == "s", header
        assert cell.value == "'" + dangerous, header


def test_neutralise():
    assert neutralise("Good Homes Ltd") == "Good Homes Ltd"
    assert neutralise("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert neutralise("\t=1") == "'\t=1"
    assert neutralise("bad\x07bell") == "badbell"
    assert neutralise("") == ""


def test_dates_are_dates_and_numbers_are_numbers(signed_in):
    SettingFactory(
        urn="SC300002",
        registration_date=dt.date(2019, 4, 1),
        latest_inspection_date=dt.date(2025, 1, 15),
        latest_inspection_published=dt.date(2025, 2, 5),
        places=6,
    )
    row = rows_by_urn(sheet_of(signed_in.get(EXPORT)))["SC300002"]
    assert row["Registration date"].is_date
    assert row["Registration date"].value == dt.datetime(2019, 4, 1)
    assert row["Inspection date"].value == dt.datetime(2025, 1, 15)
    assert row["Report published"].value == dt.datetime(2025, 2, 5)
    assert row["Registration date"].number_format == "dd/mm/yyyy"
    assert row["Places"].value == 6
    assert row["Overall effectiveness"].value == "Good"


def test_private_addresses_are_withheld(signed_in):
    la = AreaFactory(name="Southshire")
    SettingFactory(
        urn="SC300003",
        childrens_home=True,
        local_authority=la,
        address_line_1="7 Quiet Close",
        town="Hiddenton",
        postcode="NG7 2RD",
    )
    SettingFactory(urn="SC300004", address_line_1="1 Open Road", town="Leicester")
    rows = rows_by_urn(sheet_of(signed_in.get(EXPORT)))
    home = {header: cell.value for header, cell in rows["SC300003"].items()}
    assert home["Name"] == "Children's home SC300003"
    assert home["Address"] == "Withheld"
    assert home["Town"] is None
    assert home["Postcode"] is None
    assert home["Postcode district"] == "NG7"
    assert home["Local authority"] == "Southshire"
    public = {header: cell.value for header, cell in rows["SC300004"].items()}
    assert public["Address"] == "1 Open Road"
    assert public["Town"] == "Leicester"


def test_each_setting_carries_its_ssda903_codes(signed_in):
    rutland = AreaFactory(name="Rutland")
    SettingFactory(urn="SC300005", childrens_home=True, sector="Private", local_authority=rutland)
    SettingFactory(
        urn="SC300006", childrens_home=True, sector="Local Authority", local_authority=rutland
    )
    SettingFactory(urn="SC300007", sector="Voluntary")  # an IFA
    SettingFactory(urn="SC300008", provision_type=ProvisionType.ADOPTION_SUPPORT_AGENCY, sector="")
    rows = rows_by_urn(sheet_of(signed_in.get(EXPORT)))
    codes = {
        urn: (row["SSDA903 placement types"].value, row["SSDA903 placement provider"].value)
        for urn, row in rows.items()
    }
    assert codes == {
        "SC300005": ("K2", "PR4"),
        "SC300006": ("K2", "PR1 if placed by Rutland, else PR2"),
        "SC300007": ("U4, U5, U6", "PR5"),
        "SC300008": (None, None),  # not a placement, and no sector: nothing to tell
    }


def test_signed_out_people_are_sent_to_sign_in(client, db):
    response = client.get(EXPORT)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_whole_register_exports_in_a_few_queries(signed_in, django_assert_max_num_queries):
    """Ofsted's whole list is about 5,600 rows."""
    areas = [AreaFactory() for _ in range(5)]
    Setting.objects.bulk_create(
        Setting(
            urn=f"SC{400_000 + index}",
            provision_type=ProvisionType.CHILDRENS_HOME,
            owner_name=f"Owner {index % 700}",
            local_authority=areas[index % 5],
            registration_date=dt.date(2020, 1, 1) + dt.timedelta(days=index % 1_500),
            places=index % 6 + 1,
            postcode="LE1 1AA",
        )
        for index in range(5_600)
    )
    with django_assert_max_num_queries(8):
        response = signed_in.get(EXPORT)
    sheet = sheet_of(response)
    assert sheet.max_row == 5_601
