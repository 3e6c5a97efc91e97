"""Reading, checking and saving a framework's members and rates from an .xlsx."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from commissioning.imports import (
    MAX_FILE_BYTES,
    ImportFileError,
    ImportRefused,
    framework_import_cancel,
    framework_import_confirm,
    framework_import_preview,
    summary_sentence,
)
from commissioning.models import FrameworkImport, Lot, Membership, Rate
from tests.commissioning.factories import FrameworkFactory, MembershipFactory, RateFactory
from tests.commissioning.import_files import HEADERS, row, three_lots_twelve_members, xlsx
from tests.factories import OrganisationFactory, UserFactory
from tests.providers.factories import SettingFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 1, 12, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def hub_admin():
    hub = OrganisationFactory(hub=True)
    return UserFactory(organisation=hub, role="hub_admin", full_name="Hana Hub")


@pytest.fixture
def framework(hub_admin):
    return FrameworkFactory(
        region=hub_admin.organisation.region,
        starts_on=dt.date(2025, 4, 1),
        ends_on=dt.date(2029, 3, 31),
    )


@pytest.fixture
def settings_12():
    return [SettingFactory(urn=f"SC{200001 + n}", childrens_home=True) for n in range(12)]


def preview(framework, actor, rows, **kwargs):
    return framework_import_preview(
        framework=framework, source="members.xlsx", data=xlsx(rows, **kwargs), actor=actor
    )


def nothing_saved(framework):
    return (
        not Lot.objects.filter(framework=framework).exists()
        and not Membership.objects.filter(lot__framework=framework).exists()
        and not Rate.objects.exists()
    )


def test_three_lots_twelve_members_are_previewed_then_saved(framework, hub_admin, settings_12):
    rows = three_lots_twelve_members([s.urn for s in settings_12])
    record = preview(framework, hub_admin, rows)

    assert record.status == FrameworkImport.Status.PREVIEWED
    assert nothing_saved(framework)
    assert summary_sentence(record.summary) == "12 members on 3 lots, 36 rates"
    assert record.summary["new_lots"] == 3
    assert record.summary["new_members"] == 12
    assert record.summary["new_rates"] == 36
    assert record.rows[0]["actions"] == [
        "New lot 1: Children's homes",
        "New member (Active)",
        "New Standard rate £4,000.00",
    ]
    assert record.rows[1]["actions"] == ["New Enhanced rate £4,500.00"]

    framework_import_confirm(record=record, actor=hub_admin, now=NOW)

    record.refresh_from_db()
    assert record.status == FrameworkImport.Status.COMMITTED
    assert record.committed_by == hub_admin
    assert record.committed_at == NOW
    lots = list(Lot.objects.filter(framework=framework).order_by("number"))
    assert [(lot.number, lot.accommodation, lot.min_age, lot.max_age) for lot in lots] == [
        (1, "residential", 8, 17),
        (2, "foster", 0, 17),
        (3, "supported", 16, 17),
    ]
    assert Membership.objects.filter(lot__framework=framework).count() == 12
    assert [lot.memberships.count() for lot in lots] == [4, 4, 4]
    assert Rate.objects.filter(membership__lot__framework=framework).count() == 36
    rate = Rate.objects.get(membership__setting=settings_12[5], need_level="complex")
    assert rate.weekly_rate == Decimal("5500.00")  # 4000 + 100 × 5 + 500 × 2
    assert rate.includes == ["core", "education"]
    assert rate.membership.lot.number == 2
    assert rate.membership.joined_on == dt.date(2025, 4, 1)
    assert rate.membership.updated_by == hub_admin


def test_history_names_the_hub_admin_who_confirmed(framework, hub_admin, settings_12):
    record = preview(framework, hub_admin, three_lots_twelve_members([s.urn for s in settings_12]))
    framework_import_confirm(record=record, actor=hub_admin, now=NOW)

    for model in (Lot, Membership, Rate):
        users = set(model.history.values_list("history_user", flat=True))
        assert users == {hub_admin.pk}, model


def test_importing_the_same_file_again_changes_nothing(framework, hub_admin, settings_12):
    rows = three_lots_twelve_members([s.urn for s in settings_12])
    framework_import_confirm(record=preview(framework, hub_admin, rows), actor=hub_admin)
    history = [model.history.count() for model in (Lot, Membership, Rate)]

    again = preview(framework, hub_admin, rows)
    assert again.summary["problem_rows"] == 0
    assert all(again.summary[k] == 0 for k in ("new_lots", "new_members", "new_rates"))
    assert all(again.summary[k] == 0 for k in ("changed_lots", "changed_members", "changed_rates"))
    assert {tuple(r["actions"]) for r in again.rows} == {()}
    framework_import_confirm(record=again, actor=hub_admin)

    assert [model.history.count() for model in (Lot, Membership, Rate)] == history


def test_a_changed_rate_and_status_are_previewed_and_saved(framework, hub_admin):
    rate = RateFactory(
        membership=MembershipFactory(
            lot__framework=framework, lot__number=1, setting=SettingFactory(urn="SC100001")
        ),
        weekly_rate=Decimal("5000"),
    )
    record = preview(
        framework,
        hub_admin,
        [row(**{"Status": "Suspended", "Status changed": dt.date(2025, 9, 1)})],
    )
    assert record.rows[0]["actions"] == [
        "Status changes from Active to Suspended",
        "Standard rate changes from £5,000.00 to £5,200.00",
    ]
    framework_import_confirm(record=record, actor=hub_admin)
    rate.refresh_from_db()
    rate.membership.refresh_from_db()
    assert rate.weekly_rate == Decimal("5200.00")
    assert rate.membership.status == "suspended"
    assert rate.membership.status_changed_on == dt.date(2025, 9, 1)
    assert rate.membership.history.first().history_user == hub_admin


BAD_ROWS = [
    ({"URN": "SC123456"}, "URN", "No setting with URN SC123456 on Ofsted's list."),
    (
        {"Weekly rate (£)": 0},
        "Weekly rate (£)",
        "Weekly rate (£) must be from £1 to £100,000 a week. It says £0.",
    ),
    (
        {"Weekly rate (£)": 1_000_000},
        "Weekly rate (£)",
        "Weekly rate (£) must be from £1 to £100,000 a week. It says £1,000,000.",
    ),
    (
        {"Weekly rate (£)": "about five grand"},
        "Weekly rate (£)",
        "Weekly rate (£) must be a number of pounds, like 5200. It says “about five grand”.",
    ),
    ({"Solo premium (£)": "n/a"}, "Solo premium (£)", "Solo premium (£) must be a number"),
    ({"Need level": "Band 9"}, "Need level", "Need level must be one of Standard, Enhanced"),
    ({"Kind of placement": "Hotel"}, "Kind of placement", "Kind of placement must be one of"),
    ({"Status": "Paused"}, "Status", "Status must be one of Active, Suspended or Left."),
    ({"Includes": "core, massage"}, "Includes", "Includes can list only core, education"),
    ({"Lot name": None}, "Lot name", "Lot name is missing."),
    (
        {"Lot number": 2, "Lot name": "x" * 201},
        "Lot name",
        "Lot name must be 200 characters or fewer.",
    ),
    ({"Joined": None}, "Joined", "Joined is missing."),
    ({"Weekly rate (£)": None}, "Weekly rate (£)", "Weekly rate (£) is missing."),
    ({"Lot starts": "soon"}, "Lot starts", "Lot starts must be a date"),
    ({"Youngest": 17, "Oldest": 8}, "Oldest", "Oldest (8) is younger than Youngest (17)."),
    ({"Youngest": 40}, "Youngest", "Youngest must be a whole number from 0 to 25."),
    ({"Status": "Left"}, "Status changed", "Status changed is missing"),
    (
        {"Lot number": 2, "Lot starts": dt.date(2024, 1, 1)},
        "Lot starts",
        "Lot starts (1 January 2024) is before the framework starts (1 April 2025).",
    ),
    (
        {"Lot number": 2, "Lot ends": dt.date(2030, 3, 31)},
        "Lot starts",
        "Lot ends (31 March 2030) is after the framework ends (31 March 2029).",
    ),
]


@pytest.mark.parametrize(("cells", "column", "message"), BAD_ROWS)
def test_each_bad_row_has_its_message_and_nothing_is_saved(
    framework, hub_admin, cells, column, message
):
    SettingFactory(urn="SC100001", childrens_home=True)
    good = row(**{"URN": "SC100001", "Need level": "Enhanced"})
    record = preview(framework, hub_admin, [good, row(**cells)])

    assert record.rows[0]["errors"] == []
    (error,) = record.rows[1]["errors"]
    assert error["column"] == column
    assert error["message"].startswith(message)
    assert record.summary["problem_rows"] == 1
    assert summary_sentence(record.summary).endswith("; 1 row has a problem")
    with pytest.raises(ImportRefused, match="fix the rows with problems"):
        framework_import_confirm(record=record, actor=hub_admin)
    assert nothing_saved(framework)
    record.refresh_from_db()
    assert record.status == FrameworkImport.Status.PREVIEWED


def test_a_member_on_a_closed_setting(framework, hub_admin):
    SettingFactory(urn="SC100001", name="Oak House", closed=True)
    record = preview(framework, hub_admin, [row()])
    assert record.rows[0]["errors"] == [
        {
            "column": "URN",
            "message": "Oak House (SC100001) is closed: it can only be on a lot as Left.",
        }
    ]
    # Recording that it left is allowed.
    left = preview(
        framework, hub_admin, [row(**{"Status": "Left", "Status changed": dt.date(2025, 6, 1)})]
    )
    assert left.rows[0]["errors"] == []


def test_the_same_lot_with_two_date_ranges(framework, hub_admin):
    SettingFactory(urn="SC100001")
    SettingFactory(urn="SC100002")
    record = preview(
        framework,
        hub_admin,
        [row(), row(**{"URN": "SC100002", "Lot starts": dt.date(2026, 4, 1)})],
    )
    assert record.rows[1]["errors"] == [
        {
            "column": "Lot starts",
            "message": "Lot 1 runs from 1 April 2026 to 31 March 2029 here but from 1 April 2025 "
            "to 31 March 2029 on row 2. A lot has one date range.",
        }
    ]


def test_the_same_lot_urn_and_need_level_twice(framework, hub_admin):
    SettingFactory(urn="SC100001")
    record = preview(framework, hub_admin, [row(), row(**{"Weekly rate (£)": 5300})])
    assert record.rows[1]["errors"] == [
        {
            "column": "Need level",
            "message": "Row 2 already gives SC100001's Standard rate on lot 1.",
        }
    ]
    assert nothing_saved(framework)


def test_a_member_with_two_statuses(framework, hub_admin):
    SettingFactory(urn="SC100001")
    record = preview(
        framework,
        hub_admin,
        [row(), row(**{"Need level": "Complex", "Joined": dt.date(2025, 5, 1)})],
    )
    assert record.rows[1]["errors"][0]["message"] == (
        "SC100001 on lot 1 has a different status or dates here than on row 2."
    )


def test_cells_are_read_however_they_are_typed(framework, hub_admin):
    """Headers in any case and spacing; prices as text with £ and commas; dates as text; codes."""
    SettingFactory(urn="SC100001")
    headers = [h.upper().replace(" ", "  ") for h in HEADERS]
    values = row(
        **{
            "Kind of placement": "residential",
            "Lot starts": "01/04/2025",
            "Lot ends": "2029-03-31",
            "Weekly rate (£)": "£5,200.50",
            "Need level": "specialist",
            "Includes": "Therapy, core care",
            "Status": "",
        }
    )
    record = preview(
        framework,
        hub_admin,
        [{h.upper().replace(" ", "  "): v for h, v in values.items()}],
        headers=headers,
    )
    assert record.rows[0]["errors"] == []
    framework_import_confirm(record=record, actor=hub_admin)
    rate = Rate.objects.get()
    assert rate.weekly_rate == Decimal("5200.50")
    assert rate.need_level == "specialist"
    assert rate.includes == ["core", "therapy"]
    assert rate.membership.status == "active"
    assert rate.membership.lot.starts_on == dt.date(2025, 4, 1)


def test_a_lot_row_and_a_member_row_without_rates(framework, hub_admin):
    SettingFactory(urn="SC100001")
    lot_only = {h: v for h, v in row(**{"Lot number": 2}).items() if h in HEADERS[:7]}
    member_only = row(**{"Need level": None, "Weekly rate (£)": None, "Includes": None})
    record = preview(framework, hub_admin, [lot_only, member_only])
    assert [r["errors"] for r in record.rows] == [[], []]
    framework_import_confirm(record=record, actor=hub_admin)
    assert sorted(Lot.objects.values_list("number", flat=True)) == [1, 2]
    assert Membership.objects.get().lot.number == 1
    assert not Rate.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"URN,Lot number\nSC1,1\n", "The file is not an .xlsx spreadsheet."),
        (xlsx([row()], headers=["Something", "Else"]), "The file has no header row."),
        (
            xlsx([row()], headers=[h for h in HEADERS if h != "Weekly rate (£)"]),
            "The file has no Weekly rate (£) column.",
        ),
        (xlsx([]), "The file has its header row but no rows below it."),
        (b"x" * (MAX_FILE_BYTES + 1), "The file must be smaller than 5 MB."),
    ],
)
def test_whole_file_problems(framework, hub_admin, data, message):
    with pytest.raises(ImportFileError) as caught:
        framework_import_preview(framework=framework, source="f.xlsx", data=data, actor=hub_admin)
    assert str(caught.value).startswith(message)
    assert not FrameworkImport.objects.exists()


def test_too_many_rows(framework, hub_admin, monkeypatch):
    monkeypatch.setattr("commissioning.imports.MAX_ROWS", 3)
    with pytest.raises(ImportFileError, match="more than 3 rows"):
        preview(framework, hub_admin, [row()] * 4)


def test_confirm_refuses_when_the_framework_changed_since_the_preview(framework, hub_admin):
    setting = SettingFactory(urn="SC100001")
    record = preview(framework, hub_admin, [row()])
    setting.status = "closed"
    setting.closed_at = NOW
    setting.save()
    with pytest.raises(ImportRefused):
        framework_import_confirm(record=record, actor=hub_admin)
    assert nothing_saved(framework)


def test_confirm_refuses_when_stored_rates_moved_since_the_preview(framework, hub_admin):
    SettingFactory(urn="SC100001")
    record = preview(framework, hub_admin, [row()])
    RateFactory(
        membership=MembershipFactory(
            lot__framework=framework, lot__number=1, setting__urn="SC100001"
        )
    )
    with pytest.raises(ImportRefused, match="changed since this preview"):
        framework_import_confirm(record=record, actor=hub_admin)


def test_a_preview_is_used_once_and_cancel_discards_it(framework, hub_admin):
    SettingFactory(urn="SC100001")
    record = preview(framework, hub_admin, [row()])
    framework_import_confirm(record=record, actor=hub_admin)
    with pytest.raises(ImportRefused, match="already been used"):
        framework_import_confirm(record=record, actor=hub_admin)

    other = preview(framework, hub_admin, [row(**{"Weekly rate (£)": 6000})])
    assert framework_import_cancel(record=other)
    other.refresh_from_db()
    assert other.status == FrameworkImport.Status.CANCELLED
    assert other.rows == []
    with pytest.raises(ImportRefused):
        framework_import_confirm(record=other, actor=hub_admin)
    assert Rate.objects.get().weekly_rate == Decimal("5200.00")


def test_a_formula_is_never_read_as_a_value(framework, hub_admin):
    SettingFactory(urn="SC100001")
    record = preview(framework, hub_admin, [row(**{"Weekly rate (£)": "=1+1"})])
    # openpyxl writes the formula with no cached value: the cell reads as empty.
    assert record.rows[0]["errors"][0]["message"] == "Weekly rate (£) is missing."


def test_the_lot_name_limit_is_the_models():
    assert Lot._meta.get_field("name").max_length == 200
