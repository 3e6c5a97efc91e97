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
