"""Cleaning: unambiguous spellings map, blanks stay unanswered, the rest is rejected with a reason."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorkit import frames
from mentorkit import instruments as ins
from mentorkit.intake import clean


def s(*values: object) -> pd.Series:
    return pd.Series(list(values), dtype="string")


def test_yes_no_spellings():
    values, errors = clean.clean_yesno(
        s("Yes", "y", "TRUE", "1", " yes ", "No", "n", "false", "0", "", None, "maybe"), "mr01"
    )
    assert values.tolist()[:9] == [1, 1, 1, 1, 1, 0, 0, 0, 0]
    assert values.isna().tolist()[9:] == [True, True, True]
    assert errors.isna().tolist()[:11] == [True] * 11
    assert errors.iloc[11] == "mr01: 'maybe' is not a yes/no answer"


def test_likert_numbers_and_labels():
    values, errors = clean.clean_likert(
        s(
            "1",
            "5",
            "4.0",
            "Agree",
            "strongly  disagree",
            "Neutral",
            "Neither agree nor disagree",
            "5 - Strongly agree",
            "6",
            "0",
            "ok",
        ),
        "rc_goals",
    )
    assert values.tolist()[:8] == [1, 5, 4, 4, 1, 3, 3, 5]
    assert errors.notna().tolist() == [False] * 8 + [True] * 3
    assert errors.iloc[8] == "rc_goals: '6' is not a 1–5 rating"


def test_percent_choice_and_dates():
    pct, err = clean.clean_percent(s("45", "45%", "100", "101", "-1", "half"), "progress_pct")
    assert pct.tolist()[:3] == [45, 45, 100] and err.notna().tolist() == [False] * 3 + [True] * 3
    status, err = clean.clean_choice(
        s("In progress", "achieved", "DROPPED", "done"), ("not_started", "in_progress", "achieved", "dropped"), "status"
    )
    assert status.tolist()[:3] == ["in_progress", "achieved", "dropped"] and err.iloc[3].startswith("status:")
    day, err = clean.clean_date(s("2026-03-14", "14/03/2026", "2026-02-30"), "start_date")
    assert day.iloc[0] == pd.Timestamp("2026-03-14") and err.notna().tolist() == [False, True, True]


def test_datetimes_become_naive_utc():
    values, errors = clean.clean_datetime(
        s("2026-03-14T09:05:00Z", "2026-03-14 09:05:00", "2026-03-14T01:30:00+02:00", "2026-03-14", "3/14/2026 9:05"),
        "submitted_at",
    )
    assert values.tolist()[:4] == [
        pd.Timestamp("2026-03-14 09:05"),
        pd.Timestamp("2026-03-14 09:05"),
        pd.Timestamp("2026-03-13 23:30"),
        pd.Timestamp("2026-03-14"),
    ]
    assert errors.notna().tolist() == [False, False, False, False, True]


def test_dates_and_times_outside_the_years_are_refused():
    # 1900–2100 (Settings.earliest_year, latest_year), judged on the UTC time
    values, errors = clean.clean_date(s("0999-06-01", "1899-12-31", "1900-01-01", "2100-12-31", "2101-01-01"), "d")
    assert values.isna().tolist() == [True, True, False, False, True]
    assert errors.tolist()[:2] == [
        "d: '0999-06-01' is not within the years 1900–2100",
        "d: '1899-12-31' is not within the years 1900–2100",
    ]
    assert errors.isna().tolist()[2:] == [True, True, False]
    # 1899-12-31 23:30 at UTC-1 is 1900-01-01 00:30 UTC; 2100-12-31 23:00 at UTC-2 is 2101-01-01 01:00 UTC
    values, errors = clean.clean_datetime(
        s("1899-12-31T23:30:00-01:00", "2100-12-31T23:00-02:00", "9999-12-31T00:00Z"), "t"
    )
    assert values.tolist()[0] == pd.Timestamp("1900-01-01 00:30")
    assert values.isna().tolist() == [False, True, True]
    assert errors.tolist()[1:] == [
        "t: '2100-12-31T23:00-02:00' is not within the years 1900–2100",
        "t: '9999-12-31T00:00Z' is not within the years 1900–2100",
    ]


def test_emails_are_case_insensitive_and_ids_safe():
    mail, err = clean.clean_email(s(" Ann.Lee@Example.COM ", "not-an-email"))
    assert mail.iloc[0] == "ann.lee@example.com" and err.iloc[1].startswith("email:")
    ids, err = clean.clean_id(s("2026-spring-eng", "../etc/passwd", "a b"), "cohort_id")
    assert ids.iloc[0] == "2026-spring-eng" and err.notna().tolist() == [False, True, True]
    assert not clean.is_safe_id("..") and clean.is_safe_id("E-ENG-01")


def test_question_text_matching_is_robust():
    text = ins.get("mentor_readiness").item("mr11").text  # Do you want to “pay it forward”?
    assert clean.normalize_question('11.  do you want to "pay it forward"') == clean.normalize_question(text)
    assert clean.normalize_question("Q3) Do you enjoy collaborative learning") == "do you enjoy collaborative learning"


def test_formula_injection_guard():
    assert [frames.guard_formula(v) for v in ["=1+1", "+x", "-2", "@SUM(A1)", "ok", 3]] == [
        "'=1+1",
        "'+x",
        "'-2",
        "'@SUM(A1)",
        "ok",
        3,
    ]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.text(), st.none()), min_size=1, max_size=20))
@pytest.mark.slow
def test_any_text_is_mapped_or_rejected_never_raises(values):
    raw = pd.Series(values, dtype="object")
    cleaners = [
        clean.clean_yesno,
        clean.clean_likert,
        clean.clean_percent,
        clean.clean_date,
        clean.clean_datetime,
        clean.clean_email,
        clean.clean_id,
        clean.clean_text,
        lambda r, c: clean.clean_choice(r, ("a", "b"), c),
    ]
    blank = clean.is_blank(raw)
    for cleaner in cleaners:
        out, errors = cleaner(raw, "col")
        assert len(out) == len(errors) == len(raw)
        # every non-blank value is either mapped or rejected with a reason naming the column
        mapped = out.notna()
        assert not (mapped & errors.notna()).any()
        assert (mapped | errors.notna() | blank).all() or cleaner is clean.clean_text
        assert errors.dropna().str.startswith("col: ").all()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.one_of(st.none(), st.text()), st.one_of(st.none(), st.text())),
        min_size=1,
        max_size=20,
    ),
    st.text(min_size=1),
)
@pytest.mark.slow
def test_raw_rows_as_json_decode_to_the_cells(rows, name):
    # every character a file can hold (quotes, backslashes, control characters, "},{") survives
    import json

    frame = pd.DataFrame(rows, columns=[name, name + "2"], dtype="string")
    as_objects = clean.json_records(frame)
    as_arrays = clean.json_records(frame, names=False)
    for (a, b), obj, arr in zip(rows, as_objects, as_arrays, strict=True):
        assert json.loads(obj) == {name: a or "", name + "2": b or ""}
        assert json.loads(arr) == [a or "", b or ""]


def test_iso_text_and_reasons_only_for_failing_rows():
    times = pd.Series(pd.to_datetime(["2026-03-14 09:05:01.25", None]))
    assert frames.iso_text(times).tolist() == ["2026-03-14T09:05:01", pd.NA]
    assert frames.iso_text(times, unit="us", sep=" ").tolist() == ["2026-03-14 09:05:01.250000", pd.NA]
    # 10:05 in Berlin (UTC+1 in March) is 09:05 UTC
    berlin = pd.Series(pd.to_datetime(["2026-03-14 10:05"])).dt.tz_localize("Europe/Berlin")
    assert frames.iso_text(berlin, suffix="Z").tolist() == ["2026-03-14T09:05:00Z"]
    mask = pd.Series([True, False, pd.NA], dtype="boolean")
    who = pd.Series(["a{b}", "b", "c"], dtype="string")
    assert clean.explain(mask, "{!r} is odd", who).tolist() == ["'a{b}' is odd", pd.NA, pd.NA]
    assert clean.explain(mask, "no {braces} formatted").tolist() == ["no {braces} formatted", pd.NA, pd.NA]
    assert clean.join_text([who, pd.Series(["x", "y", "z"], dtype="string")], "|") == ["a{b}|x", "b|y", "c|z"]
