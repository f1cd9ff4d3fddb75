from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from generator.dates import now, parse_date, source_date_epoch

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize("value", ["Sept. 27, 2023", "Sep 27, 2023", "September 27, 2023",
                                   "sept 27 2023", "27 September 2023", "2023-09-27"])
def test_day_forms(value):
    assert parse_date(value, TOKYO) == datetime(2023, 9, 27, tzinfo=TOKYO)


def test_numeric_with_time_is_in_the_site_zone():
    moment = parse_date("2023/09/27 07:30", TOKYO)
    assert moment == datetime(2023, 9, 27, 7, 30, tzinfo=TOKYO)
    assert moment.utcoffset() == timedelta(hours=9)


def test_iso_offsets_are_kept():
    moment = parse_date("2023-09-27T07:30:00-04:00", TOKYO)
    assert moment.utcoffset() == timedelta(hours=-4)
    assert parse_date("2023-09-27T07:30Z", TOKYO).utcoffset() == timedelta(0)


def test_twelve_hour_clock():
    assert parse_date("Sep 27, 2023 7:05 pm", TOKYO).hour == 19


def test_yaml_values_are_accepted():
    from datetime import date
    assert parse_date(date(2023, 9, 27), TOKYO).tzinfo is TOKYO
    naive = datetime(2023, 9, 27, 8)
    assert parse_date(naive, TOKYO).tzinfo is TOKYO


@pytest.mark.parametrize("value", ["Sept 31, 2023", "2023/02/30", "yesterday", "Smarch 3, 2023",
                                   "2023/13/01", "13:00", 42])
def test_impossible_dates_are_errors(value):
    with pytest.raises(ValueError, match="cannot read"):
        parse_date(value, TOKYO)


@pytest.mark.parametrize("value, wanted", [
    # the shapes other generators' archives hold
    ("2024-05-29 9:00:00 +0000", datetime(2024, 5, 29, 9, tzinfo=UTC)),
    ("2024-5-9 09:00", datetime(2024, 5, 9, 9, tzinfo=TOKYO)),
    ("2024-05-29 09:00 +01:00", datetime(2024, 5, 29, 8, tzinfo=UTC)),
    ("2024-05-29T09:00:00+0100", datetime(2024, 5, 29, 8, tzinfo=UTC)),
    ("2024-05-29 09:00:00 -05", datetime(2024, 5, 29, 14, tzinfo=UTC)),
    ("2024-05-29 09:00:00.123456 Z", datetime(2024, 5, 29, 9, 0, 0, 123456, tzinfo=UTC)),
    ("2024-05-29 09:00 UTC", datetime(2024, 5, 29, 9, tzinfo=UTC)),
    ("2024-05-29 09:00:00 GMT", datetime(2024, 5, 29, 9, tzinfo=UTC)),
    ("Tue, 10 Jun 2003 04:00:00 GMT", datetime(2003, 6, 10, 4, tzinfo=UTC)),
    ("Tue, 10 Jun 2003 04:00:00 +0200", datetime(2003, 6, 10, 2, tzinfo=UTC)),
    ("10 Jun 2003 04:00", datetime(2003, 6, 10, 4, tzinfo=TOKYO)),
    ("Wednesday, September 27, 2023 at 7:30 pm", datetime(2023, 9, 27, 19, 30, tzinfo=TOKYO)),
    ("2024-05-29", datetime(2024, 5, 29, tzinfo=TOKYO)),
])
def test_other_generators_date_shapes(value, wanted):
    moment = parse_date(value, TOKYO)
    assert moment == wanted and moment.tzinfo is not None


@pytest.mark.parametrize("value", ["2024-05-29 09:00 +25:00", "2024-05-29 24:00",
                                   "Tue, 31 Jun 2003 04:00:00 GMT", "0001-01-01T00:00:00+05:00",
                                   "9999-12-31T23:00:00-05:00", "2024-05-29 " + "9" * 200])
def test_out_of_range_dates_are_errors(value):
    with pytest.raises(ValueError):
        parse_date(value, TOKYO)


def test_source_date_epoch_is_read_from_the_environment():
    assert source_date_epoch({}) is None
    assert source_date_epoch({"SOURCE_DATE_EPOCH": ""}) is None  # set but empty: unset
    assert source_date_epoch({"SOURCE_DATE_EPOCH": "1700000000"}) == datetime(
        2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert source_date_epoch({"SOURCE_DATE_EPOCH": "0"}) == datetime(1970, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("value", ["-1", "1.5", "1.7e9", "soon", "\uff11\uff12"])
def test_a_malformed_source_date_epoch_is_an_error(value):
    with pytest.raises(ValueError, match="expected a whole number of seconds since 1970"):
        source_date_epoch({"SOURCE_DATE_EPOCH": value})


def test_a_source_date_epoch_past_the_dates_digest_shows_is_an_error():
    with pytest.raises(ValueError, match="past the dates Digest can show"):
        source_date_epoch({"SOURCE_DATE_EPOCH": "99999999999999"})


def test_now_is_the_source_date_epoch_when_set_else_the_clock():
    assert now(TOKYO, {"SOURCE_DATE_EPOCH": "1700000000"}) == datetime(
        2023, 11, 15, 7, 13, 20, tzinfo=TOKYO)
    moment = now(TOKYO, {})
    assert moment.tzinfo is TOKYO and moment.microsecond == 0
    assert abs(moment - datetime.now(UTC)) < timedelta(seconds=5)
