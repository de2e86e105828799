"""Programme analytics: month-end trends, segments, readiness against outcomes, worked by hand."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from mentorkit import figures, programme, store
from mentorkit.errors import UsageError

from .builders import GOAL_UPDATES_HEADER, GOALS_HEADER, ROSTER_HEADER, header, import_csv, response_row
from .conftest import SAMPLE_AS_OF


def value(frame: pd.DataFrame, figure: str, **where: object) -> dict[str, object]:
    """The one row of a figure (and of the given column values)."""
    rows = frame[frame["figure"] == figure]
    for column, wanted in where.items():
        rows = rows[rows[column] == wanted]
    assert len(rows) == 1, (figure, where, len(rows))
    return rows.iloc[0].to_dict()


# --- month ends --------------------------------------------------------------------------------


def test_month_ends_run_from_the_first_month_to_as_of():
    # 15 Nov 2025 → Nov 30, Dec 31, Jan 31, Feb 28 (2026 is no leap year), then 10 Mar itself
    assert programme.month_ends(date(2025, 11, 15), date(2026, 3, 10)) == [
        date(2025, 11, 30),
        date(2025, 12, 31),
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 10),
    ]


def test_an_as_of_on_a_month_end_is_not_repeated_and_a_first_day_in_its_month_gives_one_point():
    assert programme.month_ends(date(2028, 1, 31), date(2028, 2, 29)) == [date(2028, 1, 31), date(2028, 2, 29)]
    assert programme.month_ends(date(2026, 11, 2), date(2026, 11, 15)) == [date(2026, 11, 15)]


# --- trends ------------------------------------------------------------------------------------


@pytest.fixture
def timed(sqlite_url, tmp_path):
    """One mentor, five mentees matched 2026-06-15; readiness answered around the end of June, a goal met on 1 Aug."""
    engine = store.connect(sqlite_url)
    roster = [["t1", "m1", "mentor", "Mentor", "m1@x.org", "", "", "Eng"]]
    roster += [["t1", f"e{i}", "mentee", f"Mentee {i}", f"e{i}@x.org", "m1", "2026-06-15", "Eng"] for i in range(1, 6)]
    import_csv(engine, "roster", ROSTER_HEADER, roster, tmp_path)
    when = {
        "e1": "2026-06-30T09:00:00",
        "e2": "2026-06-30T12:00:00",
        "e3": "2026-06-30T23:59:59",  # the last second of 30 June (UTC): counts on 30 June
        "e4": "2026-07-01T01:30:00+02:00",  # 30 June 23:30 UTC: counts on 30 June
        "e5": "2026-07-01T00:00:00",  # the first second of July: not known on 30 June
    }
    readiness = [response_row("mentee_readiness", [p, at], "yes") for p, at in when.items()]
    import_csv(
        engine, "mentee_readiness", header("mentee_readiness", "participant_id", "submitted_at"), readiness, tmp_path
    )
    goals = [["g1", "m1", "e1", "Lead a review", "", "2026-06-15", "2026-12-15", "yes", "yes"]]
    import_csv(engine, "goals", GOALS_HEADER, goals, tmp_path)
    import_csv(
        engine, "goal_updates", GOAL_UPDATES_HEADER, [["g1", "e1", "2026-08-01", "100", "achieved", ""]], tmp_path
    )
    return store.load(engine)


def test_trends_count_a_submission_only_from_the_month_end_of_its_utc_day(timed):
    table = programme.trends(timed, None, date(2026, 8, 10))
    assert list(table.columns) == list(figures.COLUMNS)
    # matched 15 June → 30 June, 31 July, then 10 August itself
    days = [d.date() for d in table["as_of"].unique()]
    assert days == [date(2026, 6, 30), date(2026, 7, 31), date(2026, 8, 10)]

    def at(day: date, figure: str) -> dict[str, object]:
        return value(table, figure, as_of=pd.Timestamp(day))

    # 30 June: e1..e4 (e4's 01:30 +02:00 is 23:30 UTC); e5's midnight of 1 July is not yet known
    june = at(date(2026, 6, 30), "mentee_readiness.respondents")
    assert (june["value"], june["n"]) == (4, 5)
    assert at(date(2026, 6, 30), "mentee_readiness.response_rate")["value"] == 0.8
    hidden = at(date(2026, 6, 30), "mentee_readiness.mean_score")  # 4 < k = 5
    assert hidden["suppressed"] and pd.isna(hidden["value"])
    # 31 July: all five, every answer yes → mean 100, share ready 5 of 5 with Wilson (0.565518, 1)
    assert at(date(2026, 7, 31), "mentee_readiness.respondents")["value"] == 5
    assert at(date(2026, 7, 31), "mentee_readiness.mean_score")["value"] == 100
    ready = at(date(2026, 7, 31), "mentee_readiness.share_ready")
    assert (ready["value"], ready["n"]) == (1.0, 5)
    assert ready["ci_low"] == pytest.approx(0.565518, abs=1e-5)
    # the goal exists from its start (15 June) and is achieved by the update of 1 August only
    assert [at(d, "goals.total")["value"] for d in days] == [1, 1, 1]
    assert [at(d, "goals.achieved")["value"] for d in days] == [0, 0, 1]


def test_trends_equal_cohort_figures_at_every_month_end(sample_db):
    data = store.load(store.connect(sample_db, create=False))
    as_of = date.fromisoformat(SAMPLE_AS_OF)
    table = programme.trends(data, None, as_of)
    # the sample's earliest matched_on is 2026-05-18: May .. October, then 15 November
    days = programme.month_ends(date(2026, 5, 18), as_of)
    assert len(days) == 7
    cohorts = sorted(data.participants["cohort_id"].unique())
    expected = pd.concat([figures.cohort_figures(data, c, d) for c in cohorts for d in days], ignore_index=True)
    pd.testing.assert_frame_equal(table, expected, check_exact=True)


def test_trends_of_chosen_cohorts_start_at_their_own_first_match(sample_db):
    data = store.load(store.connect(sample_db, create=False))
    table = programme.trends(data, ["2026-fall-ops"], date(2026, 11, 15))
    # fall-ops was matched on 20 October: 31 October and 15 November
    assert set(table["cohort_id"]) == {"2026-fall-ops"}
    assert [d.date() for d in table["as_of"].unique()] == [date(2026, 10, 31), date(2026, 11, 15)]
    with pytest.raises(UsageError, match="unknown cohort 'nope'"):
        programme.trends(data, ["nope"], date(2026, 11, 15))
