"""Export times: zones as files spell them, times with their own offset, locale dates and Excel serials."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from mentorkit.errors import UsageError
from mentorkit.intake import times


def test_the_timezone_option_is_a_zone_or_a_usage_error_naming_it():
    assert times.parse_zone_option("+05:30").utcoffset(None) == timedelta(hours=5, minutes=30)
    assert times.parse_zone_option("GMT-8").utcoffset(None) == timedelta(hours=-8)
    with pytest.raises(UsageError, match=r"unknown time zone 'Mars/Olympus' \(use a name such as Europe/Berlin"):
        times.parse_zone_option("Mars/Olympus")
    with pytest.raises(UsageError, match="unknown time zone '\\+25:00'"):  # an offset of a day or more
        times.parse_zone_option("+25:00")


def test_split_offsets_parts_a_time_from_its_own_zone():
    text = pd.Series(["2026-03-14 09:05:00", "2026-03-14 09:05:00 GMT-8", "2026-03-14T09:05:00+01:00", "9:05 AM Z"])
    local, minutes = times.split_offsets(text)
    assert local.tolist() == ["2026-03-14 09:05:00", "2026-03-14 09:05:00", "2026-03-14T09:05:00", "9:05 AM"]
    assert str(minutes.dtype) == "Float64"
    assert minutes.isna().tolist() == [True, False, False, False]  # a bare local time has no offset
    assert minutes[1:].tolist() == [-480.0, 60.0, 0.0]  # GMT-8 is 8 × 60 minutes west


def test_split_offsets_leaves_a_file_without_zones_as_it_is():
    text = pd.Series(["2026-03-14 09:05:00", "3/14/2026 9:05"])
    local, minutes = times.split_offsets(text)
    assert local is text and minutes.isna().all()


def test_to_utc_iso_reads_wall_clock_times_in_the_zone_unless_a_row_has_its_own_offset():
    local = pd.Series(pd.to_datetime(["2026-03-14 09:05:00", "2026-07-01 12:00:00", "2026-03-14 09:05:00", None]))
    offsets = pd.Series([None, None, -480.0, None], dtype="Float64")
    got = times.to_utc_iso(local, "Europe/Berlin", offsets)
    # March: CET (UTC+1) → 08:05; July: CEST (UTC+2) → 10:00; GMT-8 → 09:05 + 8 h = 17:05; no time stays missing
    assert got.tolist()[:3] == ["2026-03-14T08:05:00Z", "2026-07-01T10:00:00Z", "2026-03-14T17:05:00Z"]
    assert pd.isna(got.iloc[3])
    # a wall-clock time the spring clock change skips in Berlin (02:30 on 29 March 2026) is no time
    skipped = times.to_utc_iso(pd.Series(pd.to_datetime(["2026-03-29 02:30:00"])), "Europe/Berlin")
    assert pd.isna(skipped.iloc[0])


def test_parse_local_times_decides_day_or_month_first_from_the_file():
    day_first, order = times.parse_local_times(pd.Series(["14/03/2026 09:05:00", "01/02/2026 10:00"]))
    assert order == "DMY"  # 14 cannot be a month
    assert day_first.tolist() == [pd.Timestamp("2026-03-14 09:05:00"), pd.Timestamp("2026-02-01 10:00:00")]
    month_first, order = times.parse_local_times(pd.Series(["3/14/2026 9:05:00 PM", "01/02/2026 10:00"]))
    assert order == "MDY"  # 14 cannot be a month, in second place
    assert month_first.tolist() == [pd.Timestamp("2026-03-14 21:05:00"), pd.Timestamp("2026-01-02 10:00:00")]


def test_excel_times_read_serial_numbers_and_dated_cells():
    # serial 45000 is 15 March 2023 (44927 is 1 January 2023; + 31 + 28 + 14 days); .5 is noon
    text = pd.Series(["45000.5", "2026-03-14 09:05:00", "not a time"])
    assert times.excel_times(text, None).tolist() == ["2023-03-15T12:00:00Z", "2026-03-14T09:05:00Z", "not a time"]
    # in Berlin (CET, UTC+1 in mid-March) the same wall-clock times are an hour earlier in UTC
    assert times.excel_times(text, "Europe/Berlin").tolist()[:2] == ["2023-03-15T11:00:00Z", "2026-03-14T08:05:00Z"]
