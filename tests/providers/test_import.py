"""The Ofsted import on the real 2024 and 2025 lists, and on small broken files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from providers import ofsted
from providers.models import OfstedImport, Setting, SettingEvent
from providers.services import ImportFailed, Source, ofsted_import, source_read
from tests.providers.ofsted_files import LIST_2024, LIST_2025, ODS_2025, row, small_csv

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def parsed_2025():
    return ofsted.read_provider_list(LIST_2025)


@pytest.fixture(scope="module")
def parsed_2024():
    return ofsted.read_provider_list(LIST_2024)


def run(path: Path, *, commit: bool = True, **kwargs):
    return ofsted_import(source=source_read(path), commit=commit, origin="command", **kwargs)


class TestRealLists:
    def test_first_import_of_2025(self, boundaries, parsed_2025):
        record, summary = run(LIST_2025)
        assert record.status == OfstedImport.Status.COMMITTED
        assert (summary.rows, summary.created, summary.updated, summary.closed) == (
            5600,
            5600,
            0,
            0,
        )
        assert summary.rejected == 0
        assert summary.by_provision_type["childrens_home"] == 3946
        assert summary.by_provision_type["independent_fostering_agency"] == 339
        assert Setting.objects.count() == 5600
        assert Setting.objects.filter(provision_type="childrens_home").count() == 3946
        # The first import is the baseline: nothing to report as a change.
        assert not SettingEvent.objects.exists()
        assert record.as_at.isoformat() == "2025-03-31"
        # Every English LA name resolves; the four Welsh ones are noted as outside England.
        assert summary.errors == []
        outside = Setting.objects.filter(local_authority__isnull=True)
        assert outside.count() == len(summary.notes) == 4
        assert {p.ofsted_region for p in parsed_2025 if p.urn in {s.urn for s in outside}} == {
            "Wales"
        }
        suspended = sum(1 for p in parsed_2025 if p.registration_status == "Suspended")
        assert Setting.objects.filter(status="suspended").count() == suspended == 14

    def test_reimport_changes_nothing(self, boundaries):
        run(LIST_2025)
        before = list(Setting.objects.order_by("urn").values())
        _, summary = run(LIST_2025)
        assert (summary.created, summary.updated, summary.unchanged, summary.closed) == (
            0,
            0,
            5600,
            0,
        )
        assert summary.events == {}
        assert list(Setting.objects.order_by("urn").values()) == before

    def test_ods_and_csv_are_the_same_list(self, boundaries):
        run(LIST_2025)
        _, summary = run(ODS_2025)
        assert (summary.rows, summary.created, summary.updated, summary.unchanged) == (
            5600,
            0,
            0,
            5600,
        )

    def test_2024_then_2025_records_what_changed(self, boundaries, parsed_2024, parsed_2025):
        run(LIST_2024)
        _, summary = run(LIST_2025)
        old = {p.urn: p for p in parsed_2024}
        new = {p.urn: p for p in parsed_2025}
        assert summary.created == len(new.keys() - old.keys())
        assert summary.closed == len(old.keys() - new.keys())
        assert summary.events["registered"] == len(new.keys() - old.keys())
        assert summary.events["closed"] == len(old.keys() - new.keys())
        ranks = {"inadequate": 1, "requires_improvement": 2, "good": 3, "outstanding": 4}
        declined = sum(
            1
            for urn in old.keys() & new.keys()
            if old[urn].overall_effectiveness
            and new[urn].overall_effectiveness
            and ranks[new[urn].overall_effectiveness] < ranks[old[urn].overall_effectiveness]
        )
        assert declined > 0
        assert (
            SettingEvent.objects.filter(
                kind="judgement_declined", field="overall_effectiveness"
            ).count()
            == declined
        )
        closed = Setting.objects.filter(status="closed")
        assert closed.count() == len(old.keys() - new.keys())
        assert all(s.closed_at is not None for s in closed)
        example = SettingEvent.objects.filter(kind="judgement_declined").first()
        assert example.old_value in {"Outstanding", "Good", "Requires improvement to be good"}

    def test_an_older_list_is_refused(self, boundaries):
        run(LIST_2025)
        with pytest.raises(ImportFailed, match="older than the list already imported"):
            run(LIST_2024)
        assert Setting.objects.filter(status="closed").count() == 0
        assert OfstedImport.objects.filter(status="failed").count() == 1

    def test_dry_run_writes_nothing_but_reports(self, boundaries):
        record, summary = run(LIST_2025, commit=False)
        assert summary.created == 5600
        assert not Setting.objects.exists()
        assert record.status == OfstedImport.Status.PREVIEWED
        assert OfstedImport.objects.get().summary["created"] == 5600

    def test_command_json(self, boundaries, capsys):
        call_command("import_ofsted", str(LIST_2025), "--json")
        result = json.loads(capsys.readouterr().out)
        assert set(result) >= {
            "rows",
            "created",
            "updated",
            "unchanged",
            "closed",
            "rejected",
            "errors",
            "by_provision_type",
        }
        assert result["rows"] == 5600
        assert result["committed"] is False
        assert not Setting.objects.exists()


class TestSmallFiles:
    def test_redacted_never_overwrites_a_known_address(self, boundaries, tmp_path):
        unredacted = small_csv(
            tmp_path,
            [
                row(
                    "SC000001",
                    **{"Name": "Oak House", "Postcode": "LE15 6AB", "Town": "Oakham"},
                )
            ],
            "unredacted.csv",
        )
        run(unredacted)
        redacted = small_csv(
            tmp_path,
            [row("SC000001", **{"Postcode": "REDACTED", "Town": "REDACTED", "Places": "4"})],
            "redacted.csv",
        )
        _, summary = run(redacted)
        setting = Setting.objects.get(urn="SC000001")
        assert (setting.name, setting.postcode, setting.town) == ("Oak House", "LE15 6AB", "Oakham")
        assert setting.places == 4
        assert summary.events == {"places_changed": 1}

    def test_missing_from_a_complete_list_is_closed_and_can_come_back(self, boundaries, tmp_path):
        run(small_csv(tmp_path, [row("SC000001"), row("SC000002")], "a.csv"))
        _, summary = run(small_csv(tmp_path, [row("SC000001")], "b.csv"))
        assert summary.closed == 1
        assert Setting.objects.get(urn="SC000002").status == "closed"
        _, partial = run(small_csv(tmp_path, [row("SC000002")], "c.csv"), complete=False)
        assert partial.closed == 0
        assert Setting.objects.get(urn="SC000001").status == "active"
        assert Setting.objects.get(urn="SC000002").status == "active"
        assert list(
            SettingEvent.objects.filter(setting__urn="SC000002").values_list("kind", flat=True)
        ) == ["reopened", "closed"]

    def test_suspension_and_owner_change_are_events(self, boundaries, tmp_path):
        run(small_csv(tmp_path, [row("SC000001")], "a.csv"))
        run(
            small_csv(
                tmp_path,
                [
                    row(
                        "SC000001",
                        **{
                            "Registration status": "Suspended",
                            "Organisation which owns the provider": "Elm Group",
                        },
                    )
                ],
                "b.csv",
            )
        )
        kinds = set(SettingEvent.objects.values_list("kind", flat=True))
        assert kinds == {"suspended", "owner_changed"}
        run(
            small_csv(
                tmp_path,
                [row("SC000001", **{"Organisation which owns the provider": "Elm Group"})],
                "c.csv",
            )
        )
        assert SettingEvent.objects.filter(kind="reinstated").count() == 1

    def test_row_problems_are_reported_and_good_rows_imported(self, boundaries, tmp_path):
        path = small_csv(
            tmp_path,
            [
                row("SC000001", **{"Registration date": "31/02/2020"}),
                row("SC000002", **{"Local authority": "Atlantis"}),
                row("BAD", **{}),
                row("SC000004"),
            ],
        )
        _, summary = run(path)
        assert summary.rejected == 1
        assert Setting.objects.count() == 3
        problems = {(e["row"], e["message"].split(":")[0][:40]) for e in summary.errors}
        assert len(summary.errors) == 3
        assert any(
            "Atlantis" in e["message"] and e["column"] == "Local authority" for e in summary.errors
        )
        assert all(e["row"] in {5, 6, 7} for e in summary.errors), problems

    def test_strict_mode_imports_nothing_when_a_row_is_bad(self, boundaries, tmp_path):
        path = small_csv(
            tmp_path, [row("SC000001", **{"Registration date": "31/02/2020"}), row("SC000002")]
        )
        with pytest.raises(ImportFailed, match="strict mode"):
            run(path, strict=True)
        assert not Setting.objects.exists()

    @pytest.mark.parametrize(
        ("content", "name", "message"),
        [
            (b"", "empty.csv", "empty"),
            (b"name,town\nx,y\n", "other.csv", "doesn't look like an Ofsted provider list"),
            (b"PK\x03\x04 not really a workbook", "corrupt.xlsx", "could not be opened"),
            (b"hello", "notes.txt", r"\.csv, \.xlsx or \.ods"),
        ],
    )
    def test_unreadable_files_are_refused_and_change_nothing(
        self, boundaries, tmp_path, content, name, message
    ):
        run(small_csv(tmp_path, [row("SC000001")], "a.csv"))
        before = list(Setting.objects.values())
        with pytest.raises(ImportFailed, match=message):
            ofsted_import(source=Source(name=name, data=content), commit=True, origin="command")
        assert list(Setting.objects.values()) == before
        assert OfstedImport.objects.filter(status="failed").count() == 1

    def test_a_failure_half_way_leaves_the_data_as_it_was(self, boundaries, tmp_path, monkeypatch):
        run(small_csv(tmp_path, [row("SC000001")], "a.csv"))
        before = list(Setting.objects.values())

        def explode(*args, **kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(SettingEvent.objects, "bulk_create", explode)
        with pytest.raises(RuntimeError):
            run(small_csv(tmp_path, [row("SC000001", Places="9"), row("SC000002")], "b.csv"))
        assert list(Setting.objects.values()) == before
        failed = OfstedImport.objects.get(status="failed")
        assert "nothing was changed" in failed.message

    def test_missing_source_is_a_clear_error(self):
        with pytest.raises(CommandError, match="No file at"):
            call_command("import_ofsted", "/no/such/file.csv")


def test_public_settings_are_placed_at_their_postcode(boundaries, tmp_path):
    from django.contrib.gis.geos import Point

    from geo.models import Postcode

    Postcode.objects.create(
        postcode="LE15 6AB",
        point=Point(-0.7286, 52.6707, srid=4326),
        ltla_code="E06000017",
        utla_code="E06000017",
    )
    path = small_csv(
        tmp_path,
        [
            row(
                "1234567",
                **{
                    "Provision type": "Independent fostering agency",
                    "Name": "Oak Fostering",
                    "Postcode": "LE15 6AB",
                },
            ),
            row("SC000002", **{"Postcode": "ZZ99 9ZZ"}),
        ],
    )  # fmt: skip
    run(path)
    assert Setting.objects.get(urn="1234567").location.equals_exact(Point(-0.7286, 52.6707), 1e-6)
    assert Setting.objects.get(urn="SC000002").location is None


def test_a_respelt_owner_is_not_an_owner_change():
    from providers.services import owner_key

    # Pairs of one owner's spellings in Ofsted's 2018, 2024 and 2025 lists.
    for before, after in [
        ("Compass Children's Homes Ltd", "Compass Children's Homes Limited"),
        ("Compass Children's Homes Limited", "Compass Childrens Homes Ltd"),
        ("Homes 2 Inspire Limited", "Homes2inspire Limited"),
        ("Nh Care Limited", "N H Care Limited"),
        ("The Adolescent And Children's Trust (tact)", "The Adolescent And Children's Trust"),
        ("Haven Care Group", "HAVEN CARE GROUP LIMITED"),
        ("Cheshire West And Chester Council", "Cheshire West and Chester LA"),
        ("Birtenshaw - company number 02978546", "Birtenshaw"),
        ("Rochdale Metropolitan Borough Council", "Rochdale Borough Council"),
    ]:
        assert owner_key(before) == owner_key(after), (before, after)
    # A new name is a change, even with the same company behind it.
    assert owner_key("Priory Education Services Limited 06244880") != owner_key(
        "Aspris Children's Services Limited"
    )
