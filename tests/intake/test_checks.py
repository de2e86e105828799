"""The column checks every import shares."""

from __future__ import annotations

import pandas as pd
import pytest

from mentorkit.errors import InputFileError
from mentorkit.intake import checks


def test_text_column_strips_cells_and_reads_blanks_and_absent_columns_as_missing():
    frame = pd.DataFrame({"email": ["  a@x.org ", "", None]}, index=[4, 5, 6])
    got = checks.text_column(frame, "email")
    assert got.index.tolist() == [4, 5, 6]
    assert got.iloc[0] == "a@x.org" and got.iloc[1:].isna().all()
    absent = checks.text_column(frame, "about")
    assert absent.index.tolist() == [4, 5, 6] and absent.isna().all() and str(absent.dtype) == "string"


def test_require_columns_names_every_missing_column_and_the_one_of_several():
    frame = pd.DataFrame(columns=["submitted_at", "q1"])
    checks.require_columns(frame, ["submitted_at", "q1"], "a.csv")  # nothing missing: no error
    with pytest.raises(InputFileError, match=r"^a\.csv: missing required columns: q2, q3 \(use the template"):
        checks.require_columns(frame, ["q1", "q2", "q3"], "a.csv")
    with pytest.raises(InputFileError, match=r"missing required columns: q2, participant_id or email \("):
        checks.require_columns(frame, ["q2"], "a.csv", any_of=("participant_id", "email"))
    checks.require_columns(frame.assign(email=[]), [], "a.csv", any_of=("participant_id", "email"))


def test_required_gives_a_reason_where_a_value_is_missing():
    got = checks.required(pd.Series(["g1", None, pd.NA], dtype="string"), "goal_id")
    assert got.iloc[0] is pd.NA
    assert got.iloc[1:].tolist() == ["goal_id is required", "goal_id is required"]
