"""Goals: expected progress from start to target date, each goal's status and staleness, a cohort's counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from mentorkit.analysis.asof import as_of_cut, days_before, latest
from mentorkit.settings import DEFAULT, Settings

GOAL_STATUSES = ("achieved", "dropped", "overdue", "on_track", "at_risk")


def expected_progress(start: pd.Series, target: pd.Series, as_of: date) -> pd.Series:
    """100 × elapsed share of start → target, clamped to 0–100."""
    day = pd.Timestamp(as_of)
    span = (target - start).dt.days.astype("float64")
    elapsed = (day - start).dt.days.astype("float64")
    share = (elapsed / span.where(span > 0)).clip(0, 1)
    instant = pd.Series(np.where(day >= target, 1.0, 0.0), index=start.index)
    return 100 * share.fillna(instant)


def goal_table(
    definitions: pd.DataFrame, updates: pd.DataFrame, as_of: date, settings: Settings = DEFAULT
) -> pd.DataFrame:
    """Per goal (latest definition as of the date): agreement, progress, expected, status, stale."""
    return goal_table_cut(as_of_cut(definitions, as_of), as_of_cut(updates, as_of), as_of, settings)


def goal_table_cut(definitions: pd.DataFrame, updates: pd.DataFrame, as_of: date, settings: Settings) -> pd.DataFrame:
    """``goal_table`` over definitions and updates already cut to the as-of date."""
    goals = latest(definitions, ["goal_id"]).set_index("goal_id")
    ups = latest(updates, ["goal_id"]).set_index("goal_id")
    out = goals[
        ["cohort_id", "pair_id", "title", "start_date", "target_date", "agreed_by_mentor", "agreed_by_mentee"]
    ].copy()
    out["mutually_agreed"] = (out["agreed_by_mentor"] == 1) & (out["agreed_by_mentee"] == 1)
    out["progress"] = ups["progress_pct"].reindex(out.index).fillna(0.0)
    out["reported_status"] = ups["status"].reindex(out.index).fillna("not_started")
    out["last_update"] = ups["submitted_at"].reindex(out.index)
    out["expected"] = expected_progress(out["start_date"], out["target_date"], as_of)
    out["status"] = goal_status(out, as_of, settings)
    since = out["last_update"].dt.normalize().fillna(out["start_date"])
    out["days_since_update"] = days_before(as_of, since)
    out["stale"] = ~out["status"].isin(["achieved", "dropped"]) & (out["days_since_update"] > settings.stale_days)
    return out.reset_index()


def goal_status(goals: pd.DataFrame, as_of: date, settings: Settings = DEFAULT) -> pd.Series:
    """achieved, dropped, overdue, on_track or at_risk, a partition of goals."""
    reported = goals["reported_status"]
    overdue = goals["target_date"] < pd.Timestamp(as_of)
    on_track = goals["progress"] >= goals["expected"] - settings.goal_tolerance
    status = np.select(
        [reported == "achieved", reported == "dropped", overdue, on_track],
        ["achieved", "dropped", "overdue", "on_track"],
        default="at_risk",
    )
    return pd.Series(status, index=goals.index, dtype="string")


@dataclass(frozen=True)
class GoalSummary:
    """A cohort's goal figures (never suppressed: they are not survey answers)."""

    total: int
    mutually_agreed: int
    achieved: int
    dropped: int
    overdue: int
    on_track: int
    at_risk: int
    stale: int


def goal_summary(table: pd.DataFrame) -> GoalSummary:
    """Goal counts by status."""
    counts = table["status"].value_counts()
    return GoalSummary(
        total=len(table),
        mutually_agreed=int(table["mutually_agreed"].sum()),
        stale=int(table["stale"].sum()),
        **{s: int(counts.get(s, 0)) for s in GOAL_STATUSES},
    )
