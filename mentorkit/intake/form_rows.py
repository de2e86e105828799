"""A form's answer as a row of its instrument's template: shared by ``ingest`` and the forms' rules.

Pure and light on purpose (no database driver): ``mentorkit.forms.rules`` imports it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime

import pandas as pd

GOAL_FIELDS = ("title", "success_criteria", "start_date", "target_date")  # a goal's wording


def form_cell(value: object) -> str:
    """A form value (or a stored goal field) as a template cell: blank, a ``YYYY-MM-DD`` date or trimmed text."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return ""
    if isinstance(value, pd.Timestamp | datetime | date):
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    return str(value).strip()


def agreement_row(
    *,
    person: str,
    mentor_id: str,
    mentee_id: str,
    goal: Mapping[str, object] | None,
    answers: Mapping[str, str],
    agree: bool,
    now: str,
    new_goal_id: Callable[[], str] = lambda: f"G-{uuid.uuid4().hex[:10].upper()}",
) -> dict[str, str]:
    """A mentoring-agreement row from one side of a pair.

    ``person`` confirms (or not) their own side. The other side's agreement stands only if ``goal``
    (the stored goal, or None for a new one) had it and its wording is unchanged by ``answers``;
    a changed wording withdraws it until they confirm again.
    """
    mine = "agreed_by_mentor" if mentor_id == person else "agreed_by_mentee"
    theirs = "agreed_by_mentee" if mine == "agreed_by_mentor" else "agreed_by_mentor"
    unchanged = goal is not None and all(form_cell(goal[f]) == answers.get(f, "") for f in GOAL_FIELDS)
    other = "yes" if goal is not None and unchanged and goal[theirs] == 1 else "no"
    goal_id = str(goal["goal_id"]) if goal is not None else new_goal_id()
    return {
        "goal_id": goal_id,
        "mentor_id": mentor_id,
        "mentee_id": mentee_id,
        **answers,
        mine: "yes" if agree else "no",
        theirs: other,
        "submitted_at": now,
    }
