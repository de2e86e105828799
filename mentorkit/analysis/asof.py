"""Which submissions count as of a date: the cut to the date, the latest per key, days before the date."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd


def as_of_cut(frame: pd.DataFrame, as_of: date, column: str = "submitted_at") -> pd.DataFrame:
    """Rows submitted on or before the as-of date (the whole day, UTC)."""
    end = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    return frame[frame[column] < end]


def latest(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The latest submission per key (ties: the one stored last), in the frame's order."""
    if frame.empty:
        return frame
    codes = [pd.factorize(frame[key], use_na_sentinel=False)[0] for key in keys]  # a missing key is a key too
    # sorted by key, time, then submission id: each key's last row is its newest, ties to the highest id
    when = frame["submitted_at"].to_numpy().astype("datetime64[us]").view("i8")
    order = np.lexsort((frame["submission_id"].to_numpy(), when, *reversed(codes)))
    change = np.zeros(len(order) - 1, dtype=bool)
    for code in codes:
        ordered = code[order]
        change |= ordered[1:] != ordered[:-1]
    last = order[np.r_[change, True]]
    return frame.iloc[np.sort(last)]


def days_before(as_of: date, when: pd.Series) -> pd.Series:
    """Whole days from each date-time's day to the as-of date."""
    return (pd.Timestamp(as_of) - when.dt.normalize()).dt.days
