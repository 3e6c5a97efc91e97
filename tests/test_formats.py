from datetime import UTC, datetime

from common.formats import govuk_datetime


def test_govuk_datetime_uses_local_time_and_gov_uk_style():
    assert govuk_datetime(datetime(2026, 12, 1, 2, 29, tzinfo=UTC)) == "1 December 2026 at 2:29am"
    # British Summer Time: 13:05 UTC is 2:05pm in London.
    assert govuk_datetime(datetime(2026, 7, 4, 13, 5, tzinfo=UTC)) == "4 July 2026 at 2:05pm"
    assert govuk_datetime(datetime(2026, 1, 4, 0, 0, tzinfo=UTC)) == "4 January 2026 at 12:00am"
