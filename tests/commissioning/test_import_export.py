"""The export: the import's own format, formula-safe, and it round-trips."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from commissioning.exports import framework_export
from commissioning.imports import framework_import_confirm, framework_import_preview
from commissioning.models import Lot, Membership, Rate
from tests.commissioning.factories import (
    FrameworkFactory,
    LotFactory,
    MembershipFactory,
    RateFactory,
)
from tests.commissioning.import_files import HEADERS
from tests.factories import OrganisationFactory, UserFactory
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db


def cells(data: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


@pytest.fixture
def hub_admin():
    return UserFactory(organisation=OrganisationFactory(hub=True), role="hub_admin")


@pytest.fixture
def framework(hub_admin):
    """A framework with every shape of row: rates with extras, a suspended member, a member
    with no rates, a lot with no members, a name that looks like a formula."""
    framework = FrameworkFactory(region=hub_admin.organisation.region)
    homes = LotFactory(framework=framework, number=1, name='=HYPERLINK("http://x")')
    LotFactory(
        framework=framework,
        number=2,
        name="Foster care",
        accommodation="foster",
        min_age=0,
        ends_on=None,
    )
    oak = MembershipFactory(lot=homes, setting=SettingFactory(urn="SC200002"))
    RateFactory(membership=oak, need_level="standard", weekly_rate=Decimal("5200"))
    RateFactory(
        membership=oak,
        need_level="specialist",
        weekly_rate=Decimal("9100.50"),
        includes=["core", "education", "therapy"],
        solo_premium=Decimal("750"),
    )
    MembershipFactory(
        lot=homes,
        setting=SettingFactory(urn="SC200001"),
        status="suspended",
        status_changed_on=dt.date(2025, 10, 1),
    )
    return framework


def test_the_export_is_the_import_format(framework):
    rows = cells(framework_export(framework=framework))
    assert list(rows[0]) == HEADERS
    assert rows[1:] == [
        (1, "'=HYPERLINK(\"http://x\")", "Children's home", 8, 17, dt.datetime(2025, 4, 1),
         dt.datetime(2029, 3, 31), "SC200001", "Suspended", dt.datetime(2025, 4, 1),
         dt.datetime(2025, 10, 1), None, None, None, None),
        (1, "'=HYPERLINK(\"http://x\")", "Children's home", 8, 17, dt.datetime(2025, 4, 1),
         dt.datetime(2029, 3, 31), "SC200002", "Active", dt.datetime(2025, 4, 1), None,
         "Standard", 5200, "core, education", None),
        (1, "'=HYPERLINK(\"http://x\")", "Children's home", 8, 17, dt.datetime(2025, 4, 1),
         dt.datetime(2029, 3, 31), "SC200002", "Active", dt.datetime(2025, 4, 1), None,
         "Specialist", 9100.5, "core, education, therapy", 750),
        (2, "Foster care", "Foster care", 0, 17, dt.datetime(2025, 4, 1), None, None, None,
         None, None, None, None, None, None),
    ]  # fmt: skip


def test_export_then_import_changes_nothing(framework, hub_admin):
    history = [model.history.count() for model in (Lot, Membership, Rate)]
    record = framework_import_preview(
        framework=framework,
        source="export.xlsx",
        data=framework_export(framework=framework),
        actor=hub_admin,
    )
    assert [r["errors"] for r in record.rows] == [[]] * 4
    assert [r["actions"] for r in record.rows] == [[]] * 4
    framework_import_confirm(record=record, actor=hub_admin)
    assert [model.history.count() for model in (Lot, Membership, Rate)] == history
    assert Lot.objects.get(number=1).name == '=HYPERLINK("http://x")'


def test_an_empty_framework_exports_the_blank_template(hub_admin):
    framework = FrameworkFactory(region=hub_admin.organisation.region)
    assert cells(framework_export(framework=framework)) == [tuple(HEADERS)]
