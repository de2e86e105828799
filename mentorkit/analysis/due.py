"""Who a form applies to and what each person still has to answer (pure rules over DataFrames).

*Due*, as of a date (the brief's contract): a readiness checklist never sent; a check-in about a
pair when the person's latest one about it is more than ``checkin_recency_days`` old, or when
they sent none and the pair is ``too_early_days`` old; a goal update for each stale goal of a
pair the person is in (``stale_days``, the same rule as ``goals.goal_table``).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from mentorkit.analysis import asof
from mentorkit.analysis.goals import goal_table
from mentorkit.data import CohortData
from mentorkit.formats import days_ago
from mentorkit.settings import DEFAULT, Settings

READINESS = {"mentor": "mentor_readiness", "mentee": "mentee_readiness"}
PAIR_FORMS = ("checkin", "goals", "goal_updates")
FORMS = (*READINESS.values(), *PAIR_FORMS)
DUE_COLUMNS = ["participant_id", "due", "form", "about", "detail"]


def members(data: CohortData, cohort_id: str) -> pd.DataFrame:
    """The cohort's mentors and mentees (other roles answer no form): mentors first, then by id."""
    people = data.participants
    people = people[(people["cohort_id"] == cohort_id) & people["role"].isin(list(READINESS))]
    rank = people["role"].map({"mentor": 0, "mentee": 1})
    return people.assign(_rank=rank).sort_values(["_rank", "participant_id"]).drop(columns="_rank")


def recipients(data: CohortData, cohort_id: str, form: str) -> pd.DataFrame:
    """The people a form applies to: mentors or mentees for readiness, matched people otherwise."""
    people = members(data, cohort_id)
    if form in ("mentor_readiness", "mentee_readiness"):
        return people[people["role"] == form.split("_")[0]]
    if form not in PAIR_FORMS:
        raise ValueError(f"unknown form {form!r}")
    pairs = data.pairs[data.pairs["cohort_id"] == cohort_id]
    matched = set(pairs["mentor_id"]) | set(pairs["mentee_id"])
    return people[people["participant_id"].isin(matched)]


def due_items(data: CohortData, cohort_id: str, as_of: date, settings: Settings = DEFAULT) -> pd.DataFrame:
    """One row per thing a person still has to answer: ``DUE_COLUMNS``, people in ``members`` order."""
    people = members(data, cohort_id)
    day = pd.Timestamp(as_of)
    rows: list[dict[str, object]] = []

    for role, form in READINESS.items():
        sent = asof.as_of_cut(data.responses[form], as_of)["participant_id"]
        for pid in people.loc[(people["role"] == role) & ~people["participant_id"].isin(sent), "participant_id"]:
            rows.append({"participant_id": pid, "due": "readiness", "form": form, "about": "", "detail": "never sent"})

    pairs = data.pairs[(data.pairs["cohort_id"] == cohort_id) & (data.pairs["matched_on"] <= day)]
    checkins = asof.as_of_cut(data.responses["checkin"], as_of)
    last = checkins.groupby(["participant_id", "pair_id"])["submitted_at"].max()
    for pair in pairs.itertuples():
        age = asof.days_before(as_of, pd.Series([pair.matched_on])).iloc[0]
        for pid, other in ((pair.mentor_id, pair.mentee_id), (pair.mentee_id, pair.mentor_id)):
            when = last.get((pid, pair.pair_id))
            if when is None:
                if age >= settings.too_early_days:
                    detail = f"no check-in yet; matched {days_ago(pair.matched_on, age)}"
                    rows.append(_checkin(pid, other, detail))
                continue
            since = asof.days_before(as_of, pd.Series([when])).iloc[0]
            if since > settings.checkin_recency_days:
                rows.append(_checkin(pid, other, f"last check-in {days_ago(when, since)}"))

    goals = goal_table(data.responses["goals"], data.responses["goal_updates"], as_of, settings)
    stale = goals[goals["stale"]].merge(pairs[["pair_id", "mentor_id", "mentee_id"]], on="pair_id")
    for goal in stale.itertuples():
        since = goal.last_update if pd.notna(goal.last_update) else goal.start_date
        what = "last update" if pd.notna(goal.last_update) else "no update since the start"
        detail = f"{what} {days_ago(since, goal.days_since_update)}"
        for pid in (goal.mentor_id, goal.mentee_id):
            rows.append(
                {
                    "participant_id": pid,
                    "due": "goal_update",
                    "form": "goal_updates",
                    "about": goal.goal_id,
                    "detail": detail,
                }
            )

    out = pd.DataFrame(rows, columns=DUE_COLUMNS).astype("string")
    order = {pid: n for n, pid in enumerate(people["participant_id"])}
    kind = {"readiness": 0, "checkin": 1, "goal_update": 2}
    keys = pd.DataFrame({"p": out["participant_id"].map(order), "k": out["due"].map(kind), "a": out["about"]})
    return out.loc[keys.sort_values(["p", "k", "a"], kind="stable").index].reset_index(drop=True)


def _checkin(pid: str, other: str, detail: str) -> dict[str, object]:
    return {"participant_id": pid, "due": "checkin", "form": "checkin", "about": other, "detail": detail}


def summary_line(cohort_id: str, as_of: date, items: pd.DataFrame) -> str:
    """``cohort X as of D: N people, R readiness due, C check-ins due, G goal updates due``."""
    count = items["due"].value_counts()
    return (
        f"cohort {cohort_id} as of {as_of.isoformat()}: {items['participant_id'].nunique()} people, "
        f"{int(count.get('readiness', 0))} readiness due, {int(count.get('checkin', 0))} check-ins due, "
        f"{int(count.get('goal_update', 0))} goal updates due"
    )
