"""Tidy tables for BI tools (``mentorkit export``), described by a Frictionless Data Package (v1).

Two levels. ``aggregate`` (the default) holds figures only, suppressed as in the reports: ``cohort_trends``
(``programme.trends``: every cohort's figure table of ``figures.py`` at each month end, exactly ``score``'s
values with n and 95 % intervals), ``cohort_figures`` (its rows at the export's date) and ``segment_figures``
(``programme.segments``: per department and named roster attribute, with complementary suppression); no two
figures rest on sets of people 1 to k − 1 apart (``differencing``), and ``suppressed_reason`` says why a figure
is hidden. ``responses``
adds one row per person, answer, pair, goal and goal update, under pseudonyms: no name, e-mail or free
text (check-in comments, goal titles, success criteria and update notes are left out).

Pseudonyms. A roster's ``participant_id`` is often an employee number or built from a name, so it
identifies a person to anyone with the HR directory. The export therefore never writes it: people are
``P-`` and goals ``G-`` followed by 16 hex digits of HMAC-SHA256 of the id under a secret kept in the
workspace (``data/export-secret``, mode 0600). The same person gets the same pseudonym in every table
and every export (dashboards can join and refresh), and only someone holding the secret can map a
pseudonym back to the roster (``Pseudonyms.load().person(id)``). Pair ids are the store's own numbers.

Files appear all at once: every table and ``datapackage.json`` are written into a temporary folder
beside ``OUT``, which then takes ``OUT``'s place; on any error nothing is left behind.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mentorkit import __version__, frames, keys, store
from mentorkit import instruments as ins
from mentorkit.analysis import programme, score
from mentorkit.data import CohortData
from mentorkit.errors import MentorkitError, UsageError
from mentorkit.settings import DEFAULT, Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

FORMATS = ("csv", "parquet")
LEVELS = ("aggregate", "responses")
SECRET_NAME = "export-secret"
SECRET_BYTES = keys.SECRET_BYTES
SEP = "\x1f"  # joins a cohort id to a goal id: ids never contain it
SURVEYS = ("mentor_readiness", "mentee_readiness", "checkin")  # the instruments whose answers go to `answers`
Progress = Callable[[str], None]

_UMASK = os.umask(0)
os.umask(_UMASK)


# --- the tables' schemas -----------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One column: its Frictionless type (string, number, integer, boolean, date, datetime) and meaning.

    A description may name a setting as ``{stale_days}``: the data package states the number in force.
    """

    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Table:
    """One exported table: what a row is, its columns and its primary key."""

    name: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]


PSEUDONYM = "a pseudonym (P- and 16 hex digits, the same in every table and export; not the roster's id)"
COHORT = Field("cohort_id", "string", "the cohort's id, as in the roster")
AS_OF = Field(
    "as_of", "date", "the date the figure is computed as of: only submissions on or before it (the whole day, UTC)"
)
FIGURE_FIELDS = (
    Field(
        "figure",
        "string",
        "the figure's name: a dotted path of `mentorkit score --json` (mentor_readiness.mean_score), a share "
        "(mentor_readiness.share_ready, mentee_readiness.share_ready, relationship.share_on_track, "
        "goals.share_achieved) or an item's yes rate (mentor_readiness.items.mr01.yes_rate)",
    ),
    Field(
        "value",
        "number",
        "the figure, unrounded: response rates, shares and yes rates as fractions (0-1), readiness scores and "
        "pair health on 0-100, counts as whole numbers; empty when suppressed or undefined (nothing to count)",
    ),
    Field(
        "n",
        "integer",
        "what the figure is over: enrolled people for counts of respondents and response rates, scored "
        "respondents for readiness means, bands and shares, people answering the item for yes rates, "
        "pairs (with a health, for the health index) for relationship figures, goals for goal figures",
    ),
    Field(
        "ci_low",
        "number",
        "lower end of the 95 % interval: Wilson (z = 1.959964) for shares, Student-t (clipped to 0-100) for "
        "means; empty for counts, response rates, suppressed figures and a mean of a single value",
    ),
    Field("ci_high", "number", "upper end of the 95 % interval (empty where ci_low is)"),
    Field(
        "suppressed",
        "boolean",
        "true when the figure is hidden (suppressed_reason says why); value and interval are then empty",
    ),
    Field(
        "suppressed_reason",
        "string",
        "why a figure is hidden, empty when shown: min_group_size (fewer than {min_group_size} people answered, "
        "or a segment of fewer than {min_group_size} people); differencing (its people differ by 1 to "
        "{min_group_size} minus one from those of a figure shown for a newer date or a larger group, so "
        "subtracting one from the other would give those few people's answers); complementary (the next "
        "smallest segment of a breakdown in which exactly one was hidden)",
    ),
)

COHORT_FIGURES = Table(
    "cohort_figures",
    "Every cohort's figures as of the export's date, one row per figure; values equal `mentorkit score --json`.",
    (COHORT, AS_OF, *FIGURE_FIELDS),
    ("cohort_id", "as_of", "figure"),
)

COHORT_TRENDS = Table(
    "cohort_trends",
    "Every cohort's figures at each month end from the programme's earliest match date, and at the export's "
    "date, each computed as of that day (what was known then); the same columns and figure names as "
    "cohort_figures.",
    (
        COHORT,
        Field(
            "as_of",
            "date",
            "the month end (or, last, the export's own date) the figure is computed as of: only submissions on or "
            "before that day (UTC) count",
        ),
        *FIGURE_FIELDS,
    ),
    ("cohort_id", "as_of", "figure"),
)

SEGMENT_FIGURES = Table(
    "segment_figures",
    "Every cohort's figures as of the export's date per segment: per value of department and of each roster "
    "column named in the segment_attributes setting (a column identifying people is never one). Segments under "
    "the minimum group size are hidden (empty value and n, suppressed = true) and carry no label: together they "
    "are one row (hidden). When exactly one segment of a breakdown is hidden the next smallest is hidden too, "
    "so no hidden figure can be worked out from the cohort's total.",
    (
        COHORT,
        AS_OF,
        *FIGURE_FIELDS[:2],
        Field("n", "integer", FIGURE_FIELDS[2].description + "; empty when the segment is hidden"),
        *FIGURE_FIELDS[3:],
        Field("attribute", "string", "the breakdown: department or a roster attribute's column name"),
        Field(
            "segment",
            "string",
            "the attribute's value the row is about; (none) for people without one; (hidden) for the segments "
            "under the minimum group size, whose values are not shown. People count in their own segment, pairs "
            "(check-ins, goals) in their mentee's",
        ),
    ),
    ("cohort_id", "as_of", "attribute", "segment", "figure"),
)

PARTICIPANTS = Table(
    "participants",
    "One row per person on the roster, pseudonymous: no name, e-mail or free text.",
    (
        Field("participant_id", "string", f"the person: {PSEUDONYM}"),
        COHORT,
        Field("role", "string", "mentor or mentee"),
        Field("mentor_id", "string", f"for a mentee, the mentor they are paired with: {PSEUDONYM}; empty if unmatched"),
        Field("matched_on", "date", "for a mentee, the date the pair was matched; empty if unmatched"),
        Field("department", "string", "the roster's department (empty when not given)"),
    ),
    ("participant_id",),
)

PARTICIPANT_ATTRIBUTES = Table(
    "participant_attributes",
    "The roster attributes that segment_figures breaks down by (the columns named in the segment_attributes "
    "setting, never one identifying people), one row per person and attribute that has a value.",
    (
        Field("participant_id", "string", f"the person: {PSEUDONYM}"),
        Field("attribute", "string", "the roster column's name (as in segment_figures.attribute)"),
        Field("value", "string", "the person's value (as in segment_figures.segment)"),
    ),
    ("participant_id", "attribute"),
)

ANSWERS = Table(
    "answers",
    "Every readiness and check-in answer submitted on or before the export's date, one row per submission and "
    "scored item (unanswered items included, with an empty value); free-text items are left out.",
    (
        Field("submission_id", "integer", "the submission (the store's number)"),
        Field("item_id", "string", "the item: mr01-mr11, me01-me06, or a check-in element (rc_reciprocity, ...)"),
        Field("instrument", "string", "mentor_readiness, mentee_readiness or checkin"),
        COHORT,
        Field("participant_id", "string", f"who answered: {PSEUDONYM}"),
        Field("pair_id", "integer", "for a check-in, the pair it is about (pairs.pair_id)"),
        Field("submitted_at", "datetime", "when it was submitted (UTC)"),
        Field(
            "latest",
            "boolean",
            "true for the submission that counts as of the export's date: the person's latest of this instrument "
            "(for a check-in, their latest about this pair)",
        ),
        Field(
            "value",
            "number",
            "the answer: yes 1, no 0; check-in elements 1-5 (strongly disagree to strongly "
            "agree); empty when unanswered",
        ),
        Field("source", "string", "where it came from: mentorkit (templates and forms), qualtrics, google_forms, ..."),
        Field("flags", "string", "data-quality flags of the submission (speeder, partial, straight_lining), if any"),
    ),
    ("submission_id", "item_id"),
)

PAIRS = Table(
    "pairs",
    "Every pair matched on or before the export's date, with its check-in figures as `score` computes them.",
    (
        Field("pair_id", "integer", "the pair (the store's number)"),
        COHORT,
        Field("mentor_id", "string", f"the mentor: {PSEUDONYM}"),
        Field("mentee_id", "string", f"the mentee: {PSEUDONYM}"),
        Field("matched_on", "date", "the date the pair was matched"),
        Field(
            "mentor_health",
            "number",
            "health (0-100) of the mentor's latest check-in; empty if none or too few answered",
        ),
        Field(
            "mentee_health",
            "number",
            "health (0-100) of the mentee's latest check-in; empty if none or too few answered",
        ),
        Field("health", "number", "pair health (0-100): the mean of the two sides' health, or the one side's"),
        Field(
            "perception_gap",
            "boolean",
            "both sides answered and differ by {perception_gap} or more points on an element",
        ),
        Field("low_element", "boolean", "an element rated {element_low} or lower in either side's latest check-in"),
        Field("last_checkin", "datetime", "the latest check-in of either side (UTC); empty if none"),
        Field("days_since_checkin", "integer", "days from the latest check-in to the export's date"),
        Field("status", "string", "on_track, needs_checkin or too_early (the brief's pair status)"),
    ),
    ("pair_id",),
)

GOALS = Table(
    "goals",
    "Every goal of a mentoring agreement as defined on the export's date (its latest definition), with its "
    "status as `score` computes it; titles and success criteria (free text) are left out.",
    (
        Field("goal_id", "string", "the goal: a pseudonym (G- and 16 hex digits), the same in goal_updates"),
        COHORT,
        Field("pair_id", "integer", "the pair whose goal it is (pairs.pair_id)"),
        Field("start_date", "date", "the goal's start date"),
        Field("target_date", "date", "the goal's target date"),
        Field("agreed_by_mentor", "boolean", "the mentor agreed to the goal"),
        Field("agreed_by_mentee", "boolean", "the mentee agreed to the goal"),
        Field("mutually_agreed", "boolean", "both agreed (a mutually defined goal)"),
        Field("progress", "number", "progress (0-100) of the latest update; 0 when never updated"),
        Field(
            "reported_status", "string", "status of the latest update: not_started, in_progress, achieved or dropped"
        ),
        Field("last_update", "datetime", "when the latest update was reported (UTC); empty if never"),
        Field("expected", "number", "expected progress (0-100): the elapsed share of start to target date"),
        Field("status", "string", "achieved, dropped, overdue, on_track or at_risk (the brief's goal status)"),
        Field("stale", "boolean", "open and not updated for more than {stale_days} days (stale_days)"),
    ),
    ("cohort_id", "goal_id"),
)

GOAL_UPDATES = Table(
    "goal_updates",
    "Every goal progress update reported on or before the export's date; notes (free text) are left out.",
    (
        Field("submission_id", "integer", "the update (the store's number)"),
        Field("goal_id", "string", "the goal: its pseudonym in goals"),
        COHORT,
        Field("pair_id", "integer", "the pair whose goal it is"),
        Field("reported_by", "string", f"who reported it: {PSEUDONYM}"),
        Field("reported_at", "datetime", "when it was reported (UTC)"),
        Field("progress_pct", "number", "progress reported (0-100)"),
        Field("status", "string", "not_started, in_progress, achieved or dropped"),
        Field("latest", "boolean", "true for the goal's latest update as of the export's date (the one that counts)"),
    ),
    ("submission_id",),
)

AGGREGATE_TABLES: tuple[Table, ...] = (COHORT_FIGURES, COHORT_TRENDS, SEGMENT_FIGURES)
RESPONSE_TABLES: tuple[Table, ...] = (PARTICIPANTS, PARTICIPANT_ATTRIBUTES, ANSWERS, PAIRS, GOALS, GOAL_UPDATES)


# --- pseudonyms --------------------------------------------------------------------------------


def secret_path() -> Path:
    """Where the workspace's pseudonym secret lives (outside anything git tracks)."""
    return store.workspace() / "data" / SECRET_NAME


def _secret() -> bytes:
    """The pseudonym secret, created on first use (mode 0600); refused when others can read it."""
    return keys.ensure_secret(secret_path(), "export secret", "remove it (exports then get new pseudonyms)")


@dataclass(frozen=True)
class Pseudonyms:
    """Keyed pseudonyms (HMAC-SHA256) for people and goals."""

    key: bytes

    @classmethod
    def load(cls) -> Pseudonyms:
        """The workspace's pseudonyms (its secret is created on first use)."""
        return cls(_secret())

    def _one(self, kind: str, value: str) -> str:
        digest = hmac.new(self.key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
        return f"{kind}-{digest[:16]}"

    def person(self, participant_id: str) -> str:
        """A participant id's pseudonym."""
        return self._one("P", participant_id)

    def goal(self, goal_id: str) -> str:
        """A goal id's pseudonym."""
        return self._one("G", goal_id)

    def column(self, values: pd.Series, kind: str) -> pd.Series:
        """A column of ids as pseudonyms (``kind`` P or G; missing stays missing)."""
        codes, uniques = pd.factorize(values.astype("string"))
        made = [self._one(kind, str(v)) for v in uniques]
        if len(set(made)) != len(made):  # 64 bits: never in practice, but never silently
            raise MentorkitError("two ids got the same pseudonym; remove the export secret and export again")
        table = np.array([*made, None], dtype=object)  # code -1 (missing) takes the None
        return pd.Series(table[codes], index=values.index, dtype="string")


# --- building the tables -----------------------------------------------------------------------


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
        else:  # a schema written wrongly in this file
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
    wanted = [a for a in programme.segment_attributes(p, settings) if a != "department"]
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
        frame = score.as_of_cut(data.responses[instrument_id], as_of)
        keys = ["cohort_id", "participant_id"] + (["pair_id"] if instrument.subject == "pair" else [])
        counted = score.latest(frame, keys)["submission_id"]
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
    """Every goal with score's status, without its title (``score.goal_table`` over all cohorts at once)."""

    def keyed(frame: pd.DataFrame) -> pd.DataFrame:  # as score.cohort_detail: a goal's rows within one cohort
        return frame.assign(goal_id=frame["cohort_id"].astype(str) + SEP + frame["goal_id"].astype(str))

    definitions, updates = data.responses["goals"], data.responses["goal_updates"]
    frame = score.goal_table(keyed(definitions), keyed(updates), as_of, settings)
    frame["goal_id"] = names.column(frame["goal_id"].str.split(SEP, n=1).str[1], "G")
    frame["agreed_by_mentor"] = _yes(frame["agreed_by_mentor"])
    frame["agreed_by_mentee"] = _yes(frame["agreed_by_mentee"])
    return _shape(frame.sort_values(["cohort_id", "goal_id"], kind="stable"), GOALS)


def goal_updates_table(data: CohortData, as_of: date, names: Pseudonyms) -> pd.DataFrame:
    """Every goal update up to the date, the one that counts marked; without notes."""
    frame = score.as_of_cut(data.responses["goal_updates"], as_of)
    counted = score.latest(frame, ["cohort_id", "goal_id"])["submission_id"]
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
    segments = programme.segments(data, None, as_of, settings)
    tables["segment_figures"] = (SEGMENT_FIGURES, _shape(segments, SEGMENT_FIGURES))
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


# --- writing -----------------------------------------------------------------------------------


def _cells(col: pd.Series, text: Callable[[object], object]) -> pd.Series:
    """Each distinct value turned into its CSV text once (a million answers share a few thousand times)."""
    codes, uniques = pd.factorize(col)
    formatted = np.array([text(u) for u in uniques] + [None], dtype=object)
    return pd.Series(formatted[codes], index=col.index, dtype=object)  # code -1 (missing) takes the None


def _csv_frame(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Cells as the CSV dialect of the data package: ISO dates, true/false, guarded text, empty for missing."""
    out: dict[str, pd.Series] = {}
    for f in table.fields:
        col = frame[f.name]
        if f.type == "string":
            out[f.name] = _cells(col, frames.guard_formula)
        elif f.type == "boolean":
            out[f.name] = col.map({True: "true", False: "false"}, na_action="ignore")
        elif f.type == "date":
            out[f.name] = _cells(col, lambda t: t.strftime("%Y-%m-%d"))  # type: ignore[attr-defined]
        elif f.type == "datetime":
            out[f.name] = _cells(col, lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ"))  # type: ignore[attr-defined]
        else:
            out[f.name] = col
    return pd.DataFrame(out, columns=table.names)


def _arrow_table(frame: pd.DataFrame, table: Table):  # type: ignore[no-untyped-def]
    """The table as Arrow with the Parquet types of its Frictionless types (dates date32, times UTC)."""
    import pyarrow as pa

    types = {
        "string": pa.string(),
        "number": pa.float64(),
        "integer": pa.int64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        "datetime": pa.timestamp("us", tz="UTC"),
    }
    arrays = []
    for f in table.fields:
        col = frame[f.name]
        if f.type in ("date", "datetime"):
            array = pa.Array.from_pandas(col.astype("datetime64[us]"))
            array = array.cast(types[f.type], safe=False) if f.type == "date" else array.cast(types[f.type])
        else:
            array = pa.Array.from_pandas(col, type=types[f.type])
        arrays.append(array)
    schema = pa.schema([pa.field(f.name, types[f.type]) for f in table.fields])
    return pa.Table.from_arrays(arrays, schema=schema)


def _write_table(folder: Path, table: Table, frame: pd.DataFrame, fmt: str) -> Path:
    path = folder / f"{table.name}.{fmt}"
    if fmt == "csv":
        _csv_frame(frame, table).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    else:
        import pyarrow.parquet as pq

        pq.write_table(_arrow_table(frame, table), path)
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def resource(table: Table, path: Path, fmt: str, settings: Settings = DEFAULT) -> dict[str, object]:
    """A Tabular Data Resource describing one written table (descriptions with the settings' numbers)."""
    numbers = dataclasses.asdict(settings)
    fields = []
    for f in table.fields:
        field: dict[str, object] = {"name": f.name, "type": f.type, "description": f.description.format_map(numbers)}
        if f.name in table.primary_key:
            field["constraints"] = {"required": True}
        fields.append(field)
    schema: dict[str, object] = {"fields": fields, "missingValues": [""]}
    if table.primary_key:
        schema["primaryKey"] = list(table.primary_key)
    out: dict[str, object] = {
        "profile": "tabular-data-resource",
        "name": table.name,
        "path": path.name,
        "title": table.name.replace("_", " "),
        "description": table.description,
    }
    if fmt == "csv":
        out.update(
            format="csv",
            mediatype="text/csv",
            encoding="utf-8",
            dialect={"delimiter": ",", "doubleQuote": True, "quoteChar": '"', "lineTerminator": "\n", "header": True},
        )
    else:
        out.update(format="parquet", mediatype="application/vnd.apache.parquet")
    if fmt == "csv":  # frictionless counts the bytes of text files only
        out["bytes"] = path.stat().st_size
    out.update(hash=f"sha256:{_sha256(path)}", schema=schema)
    return out


def datapackage(
    resources: list[dict[str, object]], as_of: date, level: str, fmt: str, settings: Settings
) -> dict[str, object]:
    """The Data Package (v1) descriptor of an export."""
    return {
        "profile": "tabular-data-package",
        "name": f"mentorkit-{level}-{as_of.isoformat()}",
        "title": f"mentorkit export: {level} tables as of {as_of.isoformat()}",
        "description": (
            f"Mentoring programme figures as of {as_of.isoformat()} (only submissions on or before that day, UTC, "
            f"count; the latest per person, pair or goal wins). Figures over fewer than {settings.min_group_size} "
            "people are suppressed: an empty value with suppressed = true. So is a figure whose people differ by "
            f"1 to {settings.min_group_size - 1} from those of another figure shown (an older trend point, a "
            "smaller segment), which subtraction would otherwise give away (suppressed_reason = differencing). "
            + (
                "People and goals appear under pseudonyms; names, e-mails and free text are not exported. "
                "This is still personal data: keep it where the programme's data may be kept."
                if level == "responses"
                else "No person-level data."
            )
        ),
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "mentorkit": {
            "version": __version__,
            "as_of": as_of.isoformat(),
            "level": level,
            "format": fmt,
            "min_group_size": settings.min_group_size,
        },
        "resources": resources,
    }


def check_request(out: str | os.PathLike[str], fmt: str, level: str) -> Path:
    """OUT as an absolute path once format, level and OUT are known good; a one-line error otherwise."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if level not in LEVELS:
        raise UsageError(f"unknown level {level!r}; choose one of: {', '.join(LEVELS)}")
    target = Path(out).absolute()
    _check_target(target)
    return target


def _check_target(out: Path) -> None:
    """Refuse a target that is a file, or a folder holding something other than an earlier export."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise UsageError(f"{out} is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / "datapackage.json").is_file():
        raise UsageError(f"{out} holds other files (not an earlier export); choose a new or empty folder")


def _swap_into_place(tmp: Path, out: Path) -> None:
    """The finished folder takes OUT's place (an earlier export there is removed only afterwards)."""
    if not out.exists():
        os.rename(tmp, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
    old.rmdir()
    os.rename(out, old)
    try:
        os.rename(tmp, out)
    except BaseException:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def write_export(
    out: Path,
    tables: dict[str, tuple[Table, pd.DataFrame]],
    as_of: date,
    level: str,
    fmt: str,
    settings: Settings = DEFAULT,
    progress: Progress | None = None,
) -> Path:
    """Write every table and ``datapackage.json`` into a temporary folder, then put it in OUT's place."""
    out = check_request(out, fmt, level)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    except OSError as exc:
        raise MentorkitError(f"cannot write the export to {out}: {exc.strerror or exc}") from None
    try:
        resources = []
        for table, frame in tables.values():
            if progress:
                progress(f"writing {table.name} ({len(frame):,} rows)")
            path = _write_table(tmp, table, frame, fmt)
            resources.append(resource(table, path, fmt, settings))
        descriptor = datapackage(resources, as_of, level, fmt, settings)
        (tmp / "datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", "utf-8")
        for path in tmp.iterdir():
            os.chmod(path, 0o666 & ~_UMASK)
        # person-level data stays readable by its owner only; figures get the usual mode
        os.chmod(tmp, 0o700 if level == "responses" else 0o777 & ~_UMASK)
        _swap_into_place(tmp, out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise MentorkitError(f"cannot write the export to {out}: {exc.strerror or exc}; nothing was written") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: the folder and the rows of each table."""

    folder: Path
    rows: dict[str, int]

    def summary(self) -> str:
        """One line for the command's output."""
        parts = ", ".join(f"{name} {n:,}" for name, n in self.rows.items())
        return f"wrote {len(self.rows)} tables to {self.folder} ({parts}) and datapackage.json"


def export(
    engine: Engine,
    out: str | os.PathLike[str],
    as_of: date,
    fmt: str = "csv",
    level: str = "aggregate",
    settings: Settings = DEFAULT,
    progress: Progress | None = None,
) -> ExportResult:
    """Read the store, build the level's tables and write them with their data package to OUT."""
    target = check_request(out, fmt, level)
    names = Pseudonyms.load() if level == "responses" else None
    if progress:
        progress("reading the store")
    data = store.load(engine, None, as_of)  # the roster in force at the end of as_of
    tables = build_tables(data, as_of, level, settings, names, progress)
    folder = write_export(target, tables, as_of, level, fmt, settings, progress)
    return ExportResult(folder, {name: len(frame) for name, (_table, frame) in tables.items()})


__all__ = [
    "AGGREGATE_TABLES",
    "FORMATS",
    "LEVELS",
    "RESPONSE_TABLES",
    "ExportResult",
    "Field",
    "Pseudonyms",
    "Table",
    "build_tables",
    "check_request",
    "datapackage",
    "export",
    "resource",
    "write_export",
]
