from datetime import UTC, datetime

from common.formats import govuk_datetime


def test_govuk_datetime_uses_local_time_and_gov_uk_style():
    assert govuk_datetime(datetime(2026, 12, 1, 2, 29, tzinfo=UTC)) == "1 December 2026 at 2:29am"
    # British Summer Time: 13:05 UTC is 2:05pm in London.
    assert govuk_datetime(datetime(2026, 7, 4, 13, 5, tzinfo=UTC)) == "4 July 2026 at 2:05pm"
    assert govuk_datetime(datetime(2026, 1, 4, 0, 0, tzinfo=UTC)) == "4 January 2026 at 12am"


def test_one_time_format_for_python_text_and_templates():
    from common.formats import govuk_time

    assert govuk_time(datetime(2026, 12, 1, 12, 14, tzinfo=UTC)) == "12:14pm"
    assert govuk_datetime(datetime(2026, 12, 1, 16, 30, tzinfo=UTC), "j M Y", joiner=", ") == (
        "1 Dec 2026, 4:30pm"
    )


def test_notice_periods_in_words():
    from common.formats import notice_period

    assert notice_period(0) == "no notice needed"
    assert notice_period(1) == "1 day's notice"
    assert notice_period(2) == "2 days' notice"


def test_durations_in_words():
    from datetime import timedelta

    from common.formats import duration_words

    assert duration_words(timedelta(minutes=15)) == "15 minutes"
    assert duration_words(timedelta(hours=0.25)) == "15 minutes"
    assert duration_words(timedelta(hours=1)) == "1 hour"
    assert duration_words(timedelta(hours=1, minutes=30)) == "1 hour 30 minutes"
    assert duration_words(timedelta(days=1, minutes=1)) == "1 day 1 minute"
    assert duration_words(None, default="a while") == "a while"


def test_pounds_as_gov_uk_writes_money():
    from decimal import Decimal

    from common.formats import pounds

    assert pounds(Decimal("4250")) == "£4,250"
    assert pounds(Decimal("4250.00")) == "£4,250"
    assert pounds(Decimal("4250.5")) == "£4,250.50"
    assert pounds(Decimal("1234567.89")) == "£1,234,567.89"
    assert pounds(Decimal("0")) == "£0"
    assert pounds(0) == "£0"
    assert pounds(Decimal("0.5")) == "£0.50"
    assert pounds(None) == ""
    # Rounded to the penny before deciding whether pence show.
    assert pounds(Decimal("4250.004")) == "£4,250"
    assert pounds(Decimal("4250.005")) == "£4,250.01"


def test_pounds_with_pence_for_a_price_quoted_to_the_penny():
    from decimal import Decimal

    from common.formats import pounds

    assert pounds(Decimal("4250"), pence=True) == "£4,250.00"
    assert pounds(Decimal("5100.5"), pence=True) == "£5,100.50"
    assert pounds(Decimal("0"), pence=True) == "£0.00"
    assert pounds(None, pence=True) == ""


def test_the_pounds_template_filter_is_the_same_formatter():
    from decimal import Decimal

    from django.template import Context, Template

    page = Template('{{ a|pounds }} {{ b|pounds }} {{ a|pounds:"pence" }} [{{ c|pounds }}]')
    assert page.render(Context({"a": Decimal("4250"), "b": Decimal("4250.5"), "c": None})) == (
        "£4,250 £4,250.50 £4,250.00 []"
    )


def test_labels_and_yes_no():
    from common.formats import label, labels, yes_no
    from providers.models import Accommodation, Need, Risk

    assert labels(["residential"], Accommodation) == "Children's home"
    assert labels([], Accommodation) == "None"
    assert labels([], Accommodation, "None stated") == "None stated"
    # An unknown code shows as itself rather than disappearing.
    assert labels(["retired_code"], Accommodation) == "retired_code"
    # Codes from two lists (a child's risks and needs), in the order given.
    risk, need = Risk.values[0], Need.values[0]
    assert labels([need, risk], (Risk, Need)) == f"{Need(need).label}, {Risk(risk).label}"
    assert label("residential", Accommodation) == "Children's home"
    assert label("", Accommodation) == "Not stated"
    assert label(None, Accommodation, default="Unknown") == "Unknown"
    assert [yes_no(True), yes_no(False), yes_no(None), yes_no(1)] == ["Yes", "No", "No", "Yes"]
