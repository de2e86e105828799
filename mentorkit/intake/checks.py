"""The column checks every import shares: a file's required columns, a column as text, a required value."""

from __future__ import annotations

import pandas as pd

from mentorkit.errors import InputFileError
from mentorkit.formats import plural
from mentorkit.intake import clean


def text_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column's cells as stripped text (blank: missing); all missing when the frame has no such column."""
    if column not in frame.columns:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    return clean.as_text(frame[column])


def require_columns(frame: pd.DataFrame, needed: list[str], name: str, any_of: tuple[str, ...] = ()) -> None:
    """A file error naming the columns of ``needed`` the frame lacks (and ``any_of`` when it has none of them)."""
    missing = [c for c in needed if c not in frame.columns]
    if any_of and not any(c in frame.columns for c in any_of):
        missing.append(" or ".join(any_of))
    if missing:
        raise InputFileError(
            f"{name}: missing required {plural(len(missing), 'column', number=False)}: {', '.join(missing)} "
            "(use the template's columns, see the README, or --source for a survey tool's export)"
        )


def required(values: pd.Series, column: str) -> pd.Series:
    """``"<column> is required"`` where a value is missing; missing elsewhere."""
    return clean.explain(values.isna(), f"{column} is required")
