"""Every Ofsted judgement scale since 2015, read from the real lists, stored with its scale and
compared point for point."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Role
from providers import ofsted
from providers.filters import SettingFilter
from providers.models import Setting, SettingEvent
from providers.ofsted import Judgement, JudgementScale, judgement_scale
from providers.services import ofsted_import, source_read
from tests.providers.ofsted_files import DATA

LIST_2016 = DATA / "ofsted" / "provider_at_march_2016.csv"
LIST_2018 = DATA / "ofsted" / "provider_at_march_2018.csv"
pytestmark = pytest.mark.skipif(not LIST_2018.exists(), reason="Ofsted lists not present")


@pytest.fixture(scope="module")
def list_2016():
    return {p.urn: p for p in ofsted.read_provider_list(LIST_2016)}


@pytest.fixture(scope="module")
def list_2018():
    return {p.urn: p for p in ofsted.read_provider_list(LIST_2018)}


def test_the_scale_is_told_by_the_third_points_wording_then_by_the_date():
    before, after = dt.date(2016, 5, 1), dt.date(2017, 5, 1)
    assert judgement_scale(["Good", "Adequate"], after) == JudgementScale.ADEQUATE
    assert judgement_scale(["Satisfactory", "Not judged"], None) == JudgementScale.SATISFACTORY
    assert judgement_scale(["Requires improvement to be good"], None) == JudgementScale.SCCIF
    assert judgement_scale(["Good", "Requires improvement"], before) == (
        JudgementScale.REQUIRES_IMPROVEMENT
    )
    assert judgement_scale(["Good"], before) == JudgementScale.REQUIRES_IMPROVEMENT
    assert judgement_scale(["Good"], after) == JudgementScale.SCCIF
    assert judgement_scale(["Good"], None) == JudgementScale.SCCIF


def test_the_2016_lists_older_scales_are_read_not_refused(list_2016):
    parsed = ofsted.read_provider_list(LIST_2016)
    assert parsed.errors == ()
    scales = {p.judgement_scale for p in parsed}
    assert scales >= {
        JudgementScale.ADEQUATE,
        JudgementScale.SATISFACTORY,
        JudgementScale.REQUIRES_IMPROVEMENT,
    }
    # The one row on the "Satisfactory" scale, inspected in June 2010, with a "Not judged" part.
    satisfactory = [p for p in parsed if p.judgement_scale == JudgementScale.SATISFACTORY]
    assert len(satisfactory) == 2  # a children's home (2010) and a boarding school (2012)
    (home,) = [p for p in satisfactory if p.provision_type == "childrens_home"]
    assert home.latest_inspection_date.year == 2010
    assert Judgement.NOT_JUDGED in {
        home.overall_effectiveness,
        home.help_and_protection,
        home.leadership_and_management,
    }
    # "Adequate" is the third point on its scale.
    adequate = [p for p in parsed if p.judgement_scale == JudgementScale.ADEQUATE]
    assert len(adequate) == 39  # counted in the file by hand
    assert all(
        Judgement.REQUIRES_IMPROVEMENT
        in {p.overall_effectiveness, p.help_and_protection, p.leadership_and_management}
        for p in adequate
    )
    # 2016's "Safeguarding children and young people" is today's "helped and protected".
    assert parsed.columns["help_and_protection"] == "Safeguarding children and young people"


def test_2018_has_both_the_sccif_and_the_scale_before_it(list_2018):
    sccif = [p for p in list_2018.values() if p.judgement_scale == JudgementScale.SCCIF]
    older = [
        p for p in list_2018.values() if p.judgement_scale == JudgementScale.REQUIRES_IMPROVEMENT
    ]
    assert all(p.latest_inspection_date >= ofsted.SCCIF_STARTED for p in sccif)
    assert all(p.latest_inspection_date < ofsted.SCCIF_STARTED for p in older)
    other = [p for p in list_2018.values() if p.judgement_scale not in (None, *JudgementScale)]
    unjudged = [p for p in list_2018.values() if p.judgement_scale is None]
    adequate_or_satisfactory = [
        p
        for p in list_2018.values()
        if p.judgement_scale in (JudgementScale.ADEQUATE, JudgementScale.SATISFACTORY)
    ]
    assert other == [] and unjudged == []
    assert len(sccif) + len(older) + len(adequate_or_satisfactory) == len(list_2018)
    assert len(adequate_or_satisfactory) == 11  # 10 Adequate, 1 Satisfactory


def test_stored_with_its_scale_and_worded_as_ofsted_worded_it(boundaries, list_2016):
    ofsted_import(source=source_read(LIST_2016), commit=True, origin="command")
    adequate_urn = next(
        urn
        for urn, p in list_2016.items()
        if p.judgement_scale == JudgementScale.ADEQUATE
        and p.overall_effectiveness == Judgement.REQUIRES_IMPROVEMENT
    )
    setting = Setting.objects.get(urn=adequate_urn)
    assert setting.overall_effectiveness == "requires_improvement"
    assert setting.judgement_scale == "adequate"
    assert setting.get_overall_effectiveness_display() == "Adequate (older scale)"
    assert setting.judgement_scale_note == (
        "Judged on an older Ofsted scale (with 'Adequate', before 2015)"
    )
    not_judged = Setting.objects.filter(leadership_and_management="not_judged").get()
    assert not_judged.get_leadership_and_management_display() == "Not judged"
    current = Setting.objects.filter(judgement_scale="sccif").exclude(overall_effectiveness="")
    assert not current.exists()  # no inspection in a March 2016 list was on the SCCIF

    # The directory's "Requires improvement" finds the third point on every scale, and says so.
    third = SettingFilter({"overall_effectiveness": ["requires_improvement"]}).qs
    assert third.filter(urn=adequate_urn).exists()
    assert (
        third.count()
        == Setting.objects.filter(overall_effectiveness="requires_improvement").count()
    )


def test_the_setting_page_says_the_scale(boundaries, list_2016, client, world):
    ofsted_import(source=source_read(LIST_2016), commit=True, origin="command")
    setting = (
        Setting.objects.filter(judgement_scale="adequate").exclude(overall_effectiveness="").first()
    )
    client.force_login(world.user("la_a1", Role.PLACEMENT_OFFICER))
    page = client.get(reverse("providers:setting_detail", args=[setting.urn])).content.decode()
    assert "Judged on an older Ofsted scale (with &#x27;Adequate&#x27;, before 2015)" in page
    assert setting.get_overall_effectiveness_display() in page


def _one_row_list(tmp_path, name: str, overall: str, inspected: str):
    path = tmp_path / name
    path.write_text(
        "URN,Provision type,Local authority,Latest full inspection date,"
        "Overall experiences and progress of children and young people\n"
        f"SC900010,Children's home,Rutland,{inspected},{overall}\n"
    )
    return ofsted_import(source=source_read(path), commit=True, origin="command", complete=False)


def test_a_change_between_scales_compares_points(boundaries, tmp_path):
    # The same point on a newer scale is no change; a better point is, each worded on its scale.
    _one_row_list(tmp_path, "a.csv", "Adequate", "10/06/2014")
    setting = Setting.objects.get(urn="SC900010")
    assert setting.get_overall_effectiveness_display() == "Adequate (older scale)"
    _one_row_list(tmp_path, "b.csv", "Requires improvement to be good", "10/06/2018")
    changes = SettingEvent.objects.filter(kind__in=["judgement_improved", "judgement_declined"])
    assert not changes.exists()
    _one_row_list(tmp_path, "c.csv", "Good", "10/06/2019")
    event = changes.get()
    assert event.kind == "judgement_improved"
    assert (event.old_value, event.new_value) == ("Requires improvement to be good", "Good")
    _one_row_list(tmp_path, "d.csv", "Satisfactory", "10/06/2012")
    event = changes.latest("id")
    assert (event.kind, event.new_value) == (
        "judgement_declined",
        "Satisfactory (older scale)",
    )
