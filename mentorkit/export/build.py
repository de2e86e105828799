"""The export's tables built from a store's data: figures, segments and the pseudonymous response tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd

from mentorkit import instruments as ins
from mentorkit.analysis import asof, goals, programme, score, segments
from mentorkit.data import CohortData
from mentorkit.export.pseudonyms import Pseudonyms
from mentorkit.export.tables import (
    ANSWERS,
    COHORT_FIGURES,
    COHORT_TRENDS,
    GOAL_UPDATES,
    GOALS,
    PAIRS,
    PARTICIPANT_ATTRIBUTES,
    PARTICIPANTS,
    SEGMENT_FIGURES,
    Table,
)
from mentorkit.settings import DEFAULT, Settings

SEP = "\x1f"  # joins a cohort id to a goal id: ids never contain it
SURVEYS = ("mentor_readiness", "mentee_readiness", "checkin")  # the instruments whose answers go to `answers`
Progress = Callable[[str], None]


def _shape(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """The table's columns in order, each with the pandas dtype of its Frictionless type."""
    frame = frame.reset_index(drop=True)
    out: dict[str, pd.Series] = {}
    for f in table.fields:
        col = frame[f.name]
        if f.type == "string":
            out[f.name] = col.astype("string")
        elif f.type == "number":
            out[f.name] = pd.to_numeric(col).astype("Float64")
        elif f.type == "integer":
            out[f.name] = pd.to_numeric(col).astype("Int64")
        elif f.type == "boolean":
            out[f.name] = col.astype("boolean")
        elif f.type == "date":
            out[f.name] = pd.to_datetime(col).astype("datetime64[us]").dt.normalize()
        elif f.type == "datetime":
            out[f.name] = pd.to_datetime(col).astype("datetime64[us]")
        else:  # a schema written wrongly in tables.py
            raise AssertionError(f"unknown field type {f.type}")
    return pd.DataFrame(out, index=frame.index)


def _yes(values: pd.Series) -> pd.Series:
    """1/0 answers as booleans (missing stays missing)."""
    return values.map(lambda v: pd.NA if pd.isna(v) else bool(v == 1)).astype("boolean")


def participants_table(data: CohortData, names: Pseudonyms) -> pd.DataFrame:
    """The roster without name, e-mail or attributes, under pseudonyms."""
    p = data.participants
    frame = pd.DataFrame(
        {
            "participant_id": names.column(p["participant_id"], "P"),
            "cohort_id": p["cohort_id"],
            "role": p["role"],
            "mentor_id": names.column(p["mentor_id"], "P"),
            "matched_on": p["matched_on"],
            "department": p["department"],
        }
    )
    return _shape(frame.sort_values(["cohort_id", "role", "participant_id"], kind="stable"), PARTICIPANTS)


def participant_attributes_table(data: CohortData, names: Pseudonyms, settings: Settings = DEFAULT) -> pd.DataFrame:
    """The segmenting roster attributes of each person (long), under pseudonyms."""
    p = data.participants
    wanted = [a for a in segments.segment_attributes(p, settings) if a != "department"]
    stored = p["attributes"] if "attributes" in p.columns else pd.Series(None, index=p.index, dtype=object)
    rows = [
        (pid, attribute, str(attrs[attribute]).strip())
        for pid, attrs in zip(p["participant_id"], stored, strict=True)
        if isinstance(attrs, dict)
        for attribute in wanted
        if attrs.get(attribute) is not None and str(attrs[attribute]).strip()
    ]
    frame = pd.DataFrame(rows, columns=PARTICIPANT_ATTRIBUTES.names, dtype=object)
    frame["participant_id"] = names.column(frame["participant_id"], "P")
    return _shape(frame.sort_values(["participant_id", "attribute"], kind="stable"), PARTICIPANT_ATTRIBUTES)


def answers_table(data: CohortData, as_of: date, names: Pseudonyms) -> pd.DataFrame:
    """Readiness and check-in answers (long), with the submission that counts as of the date marked."""
    head = ["submission_id", "cohort_id", "participant_id", "pair_id", "submitted_at", "source", "flags"]
    parts = []
    for instrument_id in SURVEYS:
        instrument = ins.get(instrument_id)
        frame = asof.as_of_cut(data.responses[instrument_id], as_of)
        keys = ["cohort_id", "participant_id"] + (["pair_id"] if instrument.subject == "pair" else [])
        counted = asof.latest(frame, keys)["submission_id"]
        frame = frame.sort_values("submission_id", kind="stable")
        items = [i.id for i in instrument.scored_items if i.kind != "text"]
        # one row per submission and item: each submission's cells repeated, its answers read row by row
        wide = frame[head].assign(
            participant_id=names.column(frame["participant_id"], "P"),
            latest=frame["submission_id"].isin(counted),
            instrument=instrument_id,
        )
        long = wide.iloc[np.repeat(np.arange(len(wide)), len(items))].reset_index(drop=True)
        long["item_id"] = pd.Categorical.from_codes(np.tile(np.arange(len(items)), len(wide)), categories=items)
        long["value"] = frame[items].to_numpy(dtype="float64").ravel()
        parts.append(long)
    return _shape(pd.concat(parts, ignore_index=True), ANSWERS)


def pairs_table(data: CohortData, as_of: date, names: Pseudonyms, settings: Settings = DEFAULT) -> pd.DataFrame:
    """Every matched pair with score's health and status (``score.pair_table`` over all cohorts at once)."""
    pairs = data.pairs
    checkins = data.responses["checkin"]
    # as score.cohort_detail: a pair's check-ins are those filed under the pair's own cohort
    cohort_of = pd.Series(pairs["cohort_id"].to_numpy(), index=pairs["pair_id"].to_numpy())
    own = checkins["pair_id"].map(cohort_of).to_numpy() == checkins["cohort_id"].to_numpy()
    frame = score.pair_table(pairs, checkins[own], as_of, settings)
    frame["mentor_id"] = names.column(frame["mentor_id"], "P")
    frame["mentee_id"] = names.column(frame["mentee_id"], "P")
    return _shape(frame.sort_values("pair_id", kind="stable"), PAIRS)


def goals_table(data: CohortData, as_of: date, names: Pseudonyms, settings: Settings = DEFAULT) -> pd.DataFrame:
    """Every goal with score's status, without its title (``goals.goal_table`` over all cohorts at once)."""

    def keyed(frame: pd.DataFrame) -> pd.DataFrame:  # as score.cohort_detail: a goal's rows within one cohort
        return frame.assign(goal_id=frame["cohort_id"].astype(str) + SEP + frame["goal_id"].astype(str))

    definitions, updates = data.responses["goals"], data.responses["goal_updates"]
    frame = goals.goal_table(keyed(definitions), keyed(updates), as_of, settings)
    frame["goal_id"] = names.column(frame["goal_id"].str.split(SEP, n=1).str[1], "G")
    frame["agreed_by_mentor"] = _yes(frame["agreed_by_mentor"])
    frame["agreed_by_mentee"] = _yes(frame["agreed_by_mentee"])
    return _shape(frame.sort_values(["cohort_id", "goal_id"], kind="stable"), GOALS)


def goal_updates_table(data: CohortData, as_of: date, names: Pseudonyms) -> pd.DataFrame:
    """Every goal update up to the date, the one that counts marked; without notes."""
    frame = asof.as_of_cut(data.responses["goal_updates"], as_of)
    counted = asof.latest(frame, ["cohort_id", "goal_id"])["submission_id"]
    frame = frame.assign(
        latest=frame["submission_id"].isin(counted),
        goal_id=names.column(frame["goal_id"], "G"),
        reported_by=names.column(frame["participant_id"], "P"),
        reported_at=frame["submitted_at"],
    )
    return _shape(frame.sort_values("submission_id", kind="stable"), GOAL_UPDATES)


def build_tables(
    data: CohortData,
    as_of: date,
    level: str = "aggregate",
    settings: Settings = DEFAULT,
    names: Pseudonyms | None = None,
    progress: Progress | None = None,
) -> dict[str, tuple[Table, pd.DataFrame]]:
    """Every table of an export level, by name, with its schema."""
    say = progress or (lambda _text: None)
    say(f"scoring every cohort at each month end to {as_of.isoformat()}")
    # programme.trends gives every cohort's figure table at each month end and, last, at as_of itself: the
    # export date's rows are cohort_figures (tests check them against `mentorkit score --json`)
    trends = _shape(programme.trends(data, None, as_of, settings), COHORT_TRENDS)
    today = trends[trends["as_of"] == pd.Timestamp(as_of)]
    tables = {
        "cohort_figures": (COHORT_FIGURES, _shape(today, COHORT_FIGURES)),
        "cohort_trends": (COHORT_TRENDS, trends),
    }
    say("segments")
    by_segment = segments.segments(data, None, as_of, settings)
    tables["segment_figures"] = (SEGMENT_FIGURES, _shape(by_segment, SEGMENT_FIGURES))
    if level == "responses":
        say("pseudonymous responses: participants, answers, pairs, goals, goal updates")
        names = names or Pseudonyms.load()
        tables["participants"] = (PARTICIPANTS, participants_table(data, names))
        tables["participant_attributes"] = (PARTICIPANT_ATTRIBUTES, participant_attributes_table(data, names, settings))
        tables["answers"] = (ANSWERS, answers_table(data, as_of, names))
        tables["pairs"] = (PAIRS, pairs_table(data, as_of, names, settings))
        tables["goals"] = (GOALS, goals_table(data, as_of, names, settings))
        tables["goal_updates"] = (GOAL_UPDATES, goal_updates_table(data, as_of, names))
    return tables
