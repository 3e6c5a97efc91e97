from datetime import UTC, datetime

from django.template import Context, Template

from common.templatetags.govuk_dates import govuk_datetime, govuk_time


def test_times_are_written_the_govuk_way():
    assert govuk_time(datetime(2026, 11, 24, 16, 30)) == "4:30pm"
    assert govuk_time(datetime(2026, 11, 24, 12, 0)) == "12pm"
    assert govuk_time(datetime(2026, 11, 24, 0, 5)) == "12:05am"
    assert govuk_datetime(datetime(2026, 11, 24, 9, 0), "j M Y") == "24 Nov 2026, 9am"
    assert govuk_time(None) == ""


def test_the_filters_need_no_load_tag_and_use_local_time(settings):
    settings.TIME_ZONE = "Europe/London"
    summer = datetime(2026, 7, 1, 15, 45, tzinfo=UTC)
    rendered = Template('{{ when|govuk_datetime:"j F" }}').render(Context({"when": summer}))
    assert rendered == "1 July, 4:45pm"  # British Summer Time
