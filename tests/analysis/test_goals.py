"""Goal rules of the brief (expected progress, status, staleness, counts), each with a hand-worked example."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from mentorkit.analysis import goals

AS_OF = date(2026, 11, 15)


def goal_frames(defined: list[tuple[str, str, str]], updates: list[tuple[str, str, float, str]]):
    defs = pd.DataFrame(
        [
            {
                "submission_id": n,
                "cohort_id": "c1",
                "participant_id": "e1",
                "pair_id": 1.0,
                "goal_id": g,
                "submitted_at": pd.Timestamp(s),
                "source": "t",
                "title": g,
                "success_criteria": None,
                "start_date": pd.Timestamp(s),
                "target_date": pd.Timestamp(t),
                "agreed_by_mentor": 1.0,
                "agreed_by_mentee": 1.0,
            }
            for n, (g, s, t) in enumerate(defined, 1)
        ]
    )
    ups = pd.DataFrame(
        [
            {
                "submission_id": n,
                "cohort_id": "c1",
                "participant_id": "e1",
                "pair_id": 1.0,
                "goal_id": g,
                "submitted_at": pd.Timestamp(d),
                "source": "t",
                "progress_pct": p,
                "status": s,
                "note": None,
            }
            for n, (g, d, p, s) in enumerate(updates, 100)
        ],
        columns=[
            "submission_id",
            "cohort_id",
            "participant_id",
            "pair_id",
            "goal_id",
            "submitted_at",
            "source",
            "progress_pct",
            "status",
            "note",
        ],
    )
    for f in (defs, ups):
        f["submitted_at"] = f["submitted_at"].astype("datetime64[us]")
    defs[["start_date", "target_date"]] = defs[["start_date", "target_date"]].astype("datetime64[us]")
    return defs, ups


def test_goal_status_partition_and_tolerance_edge():
    # g3, g4: start 2026-07-01, target 2026-12-31 (183 days); 137 days elapsed → expected 74.863
    #   g3 at 60 ≥ 59.863 → on track; g4 at 59.8 < 59.863 → at risk
    defs, ups = goal_frames(
        [
            ("g1", "2026-06-01", "2026-12-31"),
            ("g2", "2026-06-01", "2026-12-31"),
            ("g3", "2026-07-01", "2026-12-31"),
            ("g4", "2026-07-01", "2026-12-31"),
            ("g5", "2026-06-01", "2026-11-14"),
            ("g6", "2026-06-01", "2026-11-15"),
        ],
        [
            ("g1", "2026-11-01", 100, "achieved"),
            ("g2", "2026-11-01", 40, "dropped"),
            ("g3", "2026-11-01", 60, "in_progress"),
            ("g4", "2026-11-01", 59.8, "in_progress"),
            ("g5", "2026-11-01", 99, "in_progress"),
            ("g6", "2026-11-01", 85, "in_progress"),
        ],
    )
    table = goals.goal_table(defs, ups, AS_OF).set_index("goal_id")
    assert table.loc["g3", "expected"] == pytest.approx(100 * 137 / 183)
    # g5: target yesterday → overdue; g6: target today, expected 100, 85 ≥ 85 → on track
    assert table["status"].to_dict() == {
        "g1": "achieved",
        "g2": "dropped",
        "g3": "on_track",
        "g4": "at_risk",
        "g5": "overdue",
        "g6": "on_track",
    }
    summary = goals.goal_summary(table.reset_index())
    assert (summary.total, summary.achieved, summary.dropped, summary.overdue, summary.on_track, summary.at_risk) == (
        6,
        1,
        1,
        1,
        2,
        1,
    )


def test_expected_progress_is_clamped():
    start = pd.Series(pd.to_datetime(["2026-12-01", "2026-01-01", "2026-11-15"]))
    target = pd.Series(pd.to_datetime(["2027-01-01", "2026-06-01", "2026-11-15"]))
    # not started yet → 0; past the target → 100; start == target == as-of → 100
    assert goals.expected_progress(start, target, AS_OF).tolist() == [0.0, 100.0, 100.0]


def test_goal_without_update_is_not_started_and_stale_after_45_days():
    # g1 started 46 days ago, never updated → 0 %, stale; g2 started 45 days ago → not stale
    # g3 updated 46 days ago but achieved → not stale
    defs, ups = goal_frames(
        [("g1", "2026-09-30", "2027-09-30"), ("g2", "2026-10-01", "2027-10-01"), ("g3", "2026-06-01", "2027-06-01")],
        [("g3", "2026-09-30", 100, "achieved")],
    )
    table = goals.goal_table(defs, ups, AS_OF).set_index("goal_id")
    assert table.loc["g1", "progress"] == 0 and table.loc["g1", "reported_status"] == "not_started"
    assert table["stale"].to_dict() == {"g1": True, "g2": False, "g3": False}


def test_latest_goal_update_wins_and_later_updates_are_cut():
    defs, ups = goal_frames(
        [("g1", "2026-06-01", "2027-06-01")],
        [
            ("g1", "2026-10-01", 50, "in_progress"),
            ("g1", "2026-11-01", 100, "achieved"),
            ("g1", "2026-11-20", 0, "dropped"),
        ],
    )
    table = goals.goal_table(defs, ups, AS_OF)
    assert table["status"].tolist() == ["achieved"]
