"""The Ofsted history import: yearly lists replayed oldest first, and the history pages.

The real 2016 and 2018 lists are used where the figures matter. The examples were found by hand in
the two CSV files (see each test); the counts are the files' own.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from accounts.models import Role
from providers.models import OfstedImport, Setting, SettingEvent
from providers.services import (
    ImportFailed,
    as_at_from_name,
    ofsted_history_import,
    ofsted_import,
    source_read,
)
from tests.brokerage.test_permission_matrix import ACTOR_ORG
from tests.providers.ofsted_files import DATA, row, small_csv

pytestmark = pytest.mark.django_db

LIST_2016 = DATA / "ofsted" / "provider_at_march_2016.csv"
LIST_2018 = DATA / "ofsted" / "provider_at_march_2018.csv"
needs_real_lists = pytest.mark.skipif(
    not (LIST_2016.is_file() and LIST_2018.is_file()), reason="the 2016 and 2018 lists are missing"
)

# Found by hand in the two files:
# - 1179497, a children's home in Blackburn with Darwen, is on the 2016 list and not on 2018's.
CLOSED_BY_2018 = "1179497"
# - 1027091, a residential holiday scheme in Surrey (inspected 24/08/2016), is new in 2018.
NEW_IN_2018 = "1027091"
# - SC003884, a children's home in Devon: overall "Good" (inspected 08/10/2015) in 2016, and
#   "Requires improvement to be good" (inspected 05/10/2017) in 2018.
DECLINED_BY_2018 = "SC003884"
# Rows: 2,647 in 2016 (every URN distinct); 2,797 in 2018, one of them CAFCASS, which is not a
# placement setting (left out and said, not a problem). 476 URNs of 2018 are not in 2016
# (1027080, the CAFCASS row, among them) and 326 URNs of 2016 are not in 2018.
SETTINGS_2016 = 2647
NEW_2018 = 475
GONE_2018 = 326


def _folder(tmp_path: Path, *lists: Path) -> Path:
    """A folder holding (links to) the given lists, as an operator would gather them."""
    folder = tmp_path / "ofsted"
    folder.mkdir(exist_ok=True)
    for path in lists:
        link = folder / path.name
        if not link.exists():
            link.symlink_to(path)
    return folder


def _undated(path: Path) -> Path:
    """Give a small list the 2016/2018 title, "Provider information", which has no date."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("Provider information\n" + "".join(lines[3:]), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("provider_at_march_2016.csv", dt.date(2016, 3, 31)),
        ("2016-03-31.csv", dt.date(2016, 3, 31)),
        ("ofsted_2018_08_31.xlsx", dt.date(2018, 8, 31)),
        ("31_march_2016.ods", dt.date(2016, 3, 31)),
        ("march-2016.csv", dt.date(2016, 3, 31)),
        ("providers at 30 sept 2019.csv", dt.date(2019, 9, 30)),
        ("provider_at_feb_2024.csv", dt.date(2024, 2, 29)),
        ("providers.csv", None),
        ("2016.csv", None),
        ("2016-02-30.csv", None),
        ("marching_2016.csv", None),
    ],
)
def test_the_date_from_a_file_name(name, expected):
    assert as_at_from_name(name) == expected


@needs_real_lists
def test_history_of_2016_then_2018(boundaries, tmp_path):
    folder = _folder(tmp_path, LIST_2016)
    [first] = ofsted_history_import(folder=folder, commit=True)
    assert (first.file, first.as_at, first.status) == (
        "provider_at_march_2016.csv",
        dt.date(2016, 3, 31),  # from the file name: the title says only "Provider information"
        "imported",
    )
    assert (first.summary.rows, first.summary.created, first.summary.closed) == (
        SETTINGS_2016,
        SETTINGS_2016,
        0,
    )
    assert Setting.objects.count() == SETTINGS_2016
    assert not SettingEvent.objects.exists()  # the first list is the baseline

    # The next year's list is added to the folder; the one already imported is not re-applied.
    _folder(tmp_path, LIST_2018)
    skipped, second = ofsted_history_import(folder=folder, commit=True)
    assert (skipped.file, skipped.status) == ("provider_at_march_2016.csv", "skipped")
    assert skipped.reason == "already imported (the same file)"
    assert (second.file, second.as_at, second.status) == (
        "provider_at_march_2018.csv",
        dt.date(2018, 3, 31),
        "imported",
    )
    assert (
        second.summary.created,
        second.summary.closed,
        second.summary.rejected,
        second.summary.skipped,
    ) == (NEW_2018, GONE_2018, 0, 1)
    assert Setting.objects.count() == SETTINGS_2016 + NEW_2018
    assert Setting.objects.filter(status="closed").count() == GONE_2018
    assert list(OfstedImport.objects.order_by("as_at").values_list("as_at", "status")) == [
        (dt.date(2016, 3, 31), "committed"),
        (dt.date(2018, 3, 31), "committed"),
    ]

    closed = SettingEvent.objects.get(setting__urn=CLOSED_BY_2018)
    assert (closed.kind, closed.occurred_on) == ("closed", dt.date(2018, 3, 31))
    setting = Setting.objects.get(urn=CLOSED_BY_2018)
    assert setting.status == "closed"
    assert timezone.localtime(setting.closed_at).date() == dt.date(2018, 3, 31)

    registered = SettingEvent.objects.get(setting__urn=NEW_IN_2018)
    # 2018's list has no registration date, so the list's date stands in.
    assert (registered.kind, registered.occurred_on) == ("registered", dt.date(2018, 3, 31))
    assert SettingEvent.objects.filter(kind="registered").count() == NEW_2018
    assert SettingEvent.objects.filter(kind="closed").count() == GONE_2018

    declined = SettingEvent.objects.get(
        setting__urn=DECLINED_BY_2018, field="overall_effectiveness"
    )
    assert (declined.kind, declined.old_value, declined.new_value, declined.occurred_on) == (
        "judgement_declined",
        "Good (older scale)",  # inspected in 2015, before the SCCIF
        "Requires improvement to be good",
        dt.date(2017, 10, 5),  # the 2018 row's inspection date
    )

    # Running the same history again changes nothing.
    events, imports = SettingEvent.objects.count(), OfstedImport.objects.count()
    again = ofsted_history_import(folder=folder, commit=True)
    assert [r.status for r in again] == ["skipped", "skipped"]
    assert (SettingEvent.objects.count(), OfstedImport.objects.count()) == (events, imports)

    # Outside history mode, an older list is still refused.
    with pytest.raises(ImportFailed, match="older than the list already imported"):
        ofsted_import(source=source_read(LIST_2016), commit=True, origin="command")
    assert SettingEvent.objects.count() == events


def _cells(html: str, table_id: str) -> list[list[str]]:
    table = html[html.index(f'id="{table_id}"') :]
    table = table[: table.index("</table>")]
    body = table[table.index("<tbody") :]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r)
        ]
        for r in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S)
    ]


def _by_year_from_the_events(statuses: set[str]) -> list[list[str]]:
    """The directory's summary, counted here from the events one by one."""
    counts: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    headline = {"overall_effectiveness", "supported_accommodation_outcome"}
    events = SettingEvent.objects.filter(setting__status__in=statuses)
    for kind, field, occurred_on, created_at, setting_id in events.values_list(
        "kind", "field", "occurred_on", "created_at", "setting_id"
    ):
        year = (occurred_on or timezone.localdate(created_at)).year
        if kind in ("registered", "closed") or (
            kind in ("judgement_improved", "judgement_declined") and field in headline
        ):
            counts[year][kind].add(setting_id)
    kinds = ("registered", "closed", "judgement_improved", "judgement_declined")
    return [
        [str(year), *(str(len(counts[year][kind])) for kind in kinds)]
        for year in sorted(counts, reverse=True)
    ]


@needs_real_lists
def test_history_pages(boundaries, tmp_path, client, world):
    ofsted_history_import(folder=_folder(tmp_path, LIST_2016, LIST_2018), commit=True)
    detail = reverse("providers:setting_detail", args=[DECLINED_BY_2018])
    directory = reverse("providers:setting_list")

    # Signed out, neither page shows anything.
    for url in (detail, directory):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))

    client.force_login(world.user(ACTOR_ORG[Role.PLACEMENT_OFFICER], Role.PLACEMENT_OFFICER))
    html = client.get(detail).content.decode()
    history = html[html.index('id="history"') :]
    assert re.search(
        # 2016's "Good" was on the scale before the SCCIF (inspected 2015), so it says so.
        r"5 October 2017</th>\s*<td[^>]*>Judged Good \(older scale\) → Requires improvement to be "
        r"good "
        r"\(overall experiences and progress\)",
        history,
    )
    rows = _cells(html, "history")
    assert rows[0][0] == "5 October 2017"
    assert [r[0] for r in rows] == sorted(
        (r[0] for r in rows), key=lambda d: dt.datetime.strptime(d, "%d %B %Y"), reverse=True
    )

    html = client.get(reverse("providers:setting_detail", args=[CLOSED_BY_2018])).content.decode()
    assert _cells(html, "history") == [["31 March 2018", "Closed"]]
    html = client.get(reverse("providers:setting_detail", args=[NEW_IN_2018])).content.decode()
    assert ["31 March 2018", "Registered"] in _cells(html, "history")

    # The summary follows the directory's filters: by default, open settings only.
    summary = _cells(client.get(directory).content.decode(), "changes-by-year")
    assert summary == _by_year_from_the_events({"active", "suspended"})
    assert all(r[2] == "0" for r in summary)  # the closed ones are not listed by default
    every = "?status=active&status=suspended&status=closed"
    summary = _cells(client.get(directory + every).content.decode(), "changes-by-year")
    assert summary == _by_year_from_the_events({"active", "suspended", "closed"})
    assert ["2018", str(NEW_2018), str(GONE_2018)] == summary[0][:3]


def test_the_directory_summary_is_one_query(django_assert_num_queries):
    from providers.selectors import setting_change_summary, setting_list
    from tests.providers.factories import SettingEventFactory

    SettingEventFactory.create_batch(3, occurred_on=dt.date(2018, 3, 31))
    SettingEventFactory(kind="registered", field="", old_value="", new_value="")
    with django_assert_num_queries(1):
        summary = setting_change_summary(settings=setting_list(filters={}))
    assert [(r.year, r.registered, r.improved) for r in summary][-1] == (2018, 0, 3)


class TestSmallHistories:
    def test_a_dry_run_compares_each_list_with_the_one_before_and_writes_nothing(
        self, boundaries, tmp_path
    ):
        folder = tmp_path / "lists"
        folder.mkdir()
        _undated(small_csv(folder, [row("SC000001"), row("SC000002")], "march_2019.csv"))
        _undated(
            small_csv(
                folder,
                [
                    row("SC000001", Places="5"),
                    row("SC000003", **{"Registration date": "02/01/2020"}),
                ],
                "2020-03-31.csv",
            )
        )
        first, second = ofsted_history_import(folder=folder, commit=False)
        assert (first.as_at, first.status, first.summary.created) == (
            dt.date(2019, 3, 31),
            "would import",
            2,
        )
        assert first.summary.events == {}
        assert (second.as_at, second.summary.created, second.summary.closed) == (
            dt.date(2020, 3, 31),
            1,
            1,
        )
        assert second.summary.events == {"registered": 1, "closed": 1, "places_changed": 1}
        assert second.summary.committed is False
        assert not Setting.objects.exists()
        assert not OfstedImport.objects.exists()

        ofsted_history_import(folder=folder, commit=True)
        events = dict(SettingEvent.objects.values_list("setting__urn", "occurred_on"))
        # Registered on the row's registration date; the rest on the list's date.
        assert events == {
            "SC000003": dt.date(2020, 1, 2),
            "SC000002": dt.date(2020, 3, 31),
            "SC000001": dt.date(2020, 3, 31),
        }

    def test_one_file_per_date_a_csv_by_preference(self, boundaries, tmp_path):
        folder = tmp_path / "lists"
        folder.mkdir()
        _undated(small_csv(folder, [row("SC000001")], "march_2019.csv"))
        book = Workbook()
        book.active.append(["Provider information"])
        book.active.append(["URN", "Provision type"])
        book.active.append(["SC000009", "Children's home"])
        book.save(folder / "31_march_2019.xlsx")
        results = ofsted_history_import(folder=folder, commit=True)
        assert [(r.file, r.status) for r in results] == [
            ("march_2019.csv", "imported"),
            ("31_march_2019.xlsx", "skipped"),
        ]
        assert results[1].reason == "the same release as march_2019.csv (31 March 2019)"
        assert list(Setting.objects.values_list("urn", flat=True)) == ["SC000001"]

    def test_a_file_whose_date_cannot_be_told_stops_everything(self, boundaries, tmp_path):
        folder = tmp_path / "lists"
        folder.mkdir()
        _undated(small_csv(folder, [row("SC000001")], "march_2019.csv"))
        _undated(small_csv(folder, [row("SC000002")], "latest.csv"))
        with pytest.raises(ImportFailed, match=r"Cannot tell which date latest\.csv describes"):
            ofsted_history_import(folder=folder, commit=True)
        assert not Setting.objects.exists()

    def test_a_file_that_cannot_be_read_is_named_and_nothing_imported(self, boundaries, tmp_path):
        folder = tmp_path / "lists"
        folder.mkdir()
        _undated(small_csv(folder, [row("SC000001")], "march_2019.csv"))
        (folder / "march_2020.csv").write_text("name,town\nx,y\n", encoding="utf-8")
        (folder / "notes.txt").write_text("not a list", encoding="utf-8")  # not a list: ignored
        with pytest.raises(ImportFailed, match=r"^march_2020\.csv: This doesn't look like"):
            ofsted_history_import(folder=folder, commit=True)
        assert not Setting.objects.exists()

    def test_a_history_never_goes_back_before_what_is_imported(self, boundaries, tmp_path):
        ofsted_import(
            source=source_read(small_csv(tmp_path, [row("SC000001")], "now.csv")),
            commit=True,
            origin="command",
        )  # its title says 31 March 2025
        folder = tmp_path / "lists"
        folder.mkdir()
        _undated(small_csv(folder, [row("SC000002")], "march_2019.csv"))
        with pytest.raises(ImportFailed, match=r"march_2019\.csv describes 31 March 2019, older"):
            ofsted_history_import(folder=folder, commit=True)
        assert list(Setting.objects.values_list("urn", flat=True)) == ["SC000001"]

    def test_the_command(self, boundaries, tmp_path, capsys):
        folder = tmp_path / "lists"
        folder.mkdir()
        _undated(small_csv(folder, [row("SC000001"), row("SC000002")], "march_2019.csv"))
        _undated(small_csv(folder, [row("SC000001")], "march_2020.csv"))
        call_command("import_ofsted", "--history", str(folder), "--json")
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert [(r["file"], r["as_at"], r["status"], r["closed"]) for r in lines] == [
            ("march_2019.csv", "2019-03-31", "would import", 0),
            ("march_2020.csv", "2020-03-31", "would import", 1),
        ]
        assert not Setting.objects.exists()
        call_command("import_ofsted", "--history", str(folder), "--commit")
        out = capsys.readouterr().out
        assert "31 March 2020 march_2020.csv: imported, 1 rows, 0 created" in out
        assert "1 closed" in out and "  closed: 1" in out
        with pytest.raises(CommandError):
            call_command("import_ofsted", str(folder / "march_2019.csv"), "--history", str(folder))
