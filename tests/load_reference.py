"""The store's reading as it was before ``read_all_responses`` (pandas.read_sql, two queries per instrument).

Kept verbatim as the reference the tests and ``benchmarks/load.py`` compare the faster reading with.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from mentorkit import instruments as ins
from mentorkit.data import CohortData
from mentorkit.store.schema import answers, pairs, participants, submissions


def read_participants(conn: Connection, cohort_ids: list[str] | None = None) -> pd.DataFrame:
    """Roster rows (all cohorts, or these); ``attributes`` holds the roster's other columns as a dict (or None)."""
    stmt = sa.select(
        participants.c.participant_id,
        participants.c.cohort_id,
        participants.c.role,
        participants.c.name,
        participants.c.email,
        participants.c.mentor_id,
        participants.c.matched_on,
        participants.c.department,
        participants.c.attributes,
    )
    if cohort_ids is not None:
        stmt = stmt.where(participants.c.cohort_id.in_(cohort_ids))
    df = pd.read_sql(stmt, conn)
    df["attributes"] = df["attributes"].astype("object")
    df["matched_on"] = pd.to_datetime(df["matched_on"]).astype("datetime64[us]")
    return df


def read_pairs(conn: Connection, cohort_ids: list[str] | None = None) -> pd.DataFrame:
    """Current pairs: a mentee's pair with the mentor the roster names now."""
    p, m = pairs, participants
    stmt = sa.select(p.c.pair_id, p.c.cohort_id, p.c.mentor_id, p.c.mentee_id, p.c.matched_on).join(
        m, (m.c.participant_id == p.c.mentee_id) & (m.c.mentor_id == p.c.mentor_id)
    )
    if cohort_ids is not None:
        stmt = stmt.where(p.c.cohort_id.in_(cohort_ids))
    df = pd.read_sql(stmt, conn)
    df["matched_on"] = pd.to_datetime(df["matched_on"]).astype("datetime64[us]")
    return df


def read_responses(conn: Connection, instrument: ins.Instrument, cohort_ids: list[str] | None = None) -> pd.DataFrame:
    """An instrument's submissions, one row each, one column per item (wide)."""
    s, a = submissions, answers
    where = s.c.instrument == instrument.id
    if cohort_ids is not None:
        where = where & s.c.cohort_id.in_(cohort_ids)
    head = pd.read_sql(
        sa.select(
            s.c.submission_id,
            s.c.cohort_id,
            s.c.participant_id,
            s.c.pair_id,
            s.c.goal_id,
            s.c.submitted_at,
            s.c.source,
            s.c.flags,
        ).where(where),
        conn,
    )
    head["submitted_at"] = pd.to_datetime(head["submitted_at"]).astype("datetime64[us]")
    long = pd.read_sql(
        sa.select(a.c.submission_id, a.c.item_id, a.c.value_num, a.c.value_text)
        .join(s, s.c.submission_id == a.c.submission_id)
        .where(where),
        conn,
    )
    return widen(head, long, instrument)


def widen(head: pd.DataFrame, long: pd.DataFrame, instrument: ins.Instrument) -> pd.DataFrame:
    """Submissions with their long answers pivoted to one column per item.

    The columns: the head's, then the numeric items present (sorted), the text items present
    (sorted), then the items nobody answered in the instrument's order. Filled by position with
    numpy: a pivot and two joins per instrument were most of reading a cohort.
    """
    numeric = [i.id for i in instrument.items if i.kind in ("yesno", "likert5", "percent")]
    texts = [i.id for i in instrument.items if i.id not in numeric]
    out = head.reset_index(drop=True)
    rows = pd.Index(out["submission_id"]).get_indexer(long["submission_id"])
    items = long["item_id"].to_numpy(dtype=object)
    present = set(pd.unique(items)) if len(long) else set()  # as a pivot of every answer row would
    columns: dict[str, object] = {}
    for kind, ids, source in (("num", numeric, "value_num"), ("text", texts, "value_text")):
        found = sorted(i for i in ids if i in present)
        if not found:
            continue
        col = pd.Index(found).get_indexer(items)
        keep = (col >= 0) & (rows >= 0)
        if kind == "num":
            grid: np.ndarray = np.full((len(out), len(found)), np.nan)
            grid[rows[keep], col[keep]] = long[source].to_numpy(dtype="float64", na_value=np.nan)[keep]
        else:
            grid = np.full((len(out), len(found)), None, dtype=object)
            text = long[source].to_numpy(dtype=object, na_value=None)
            grid[rows[keep], col[keep]] = text[keep]
        columns |= {name: grid[:, j] for j, name in enumerate(found)}
    for item in instrument.items:
        values = columns.get(item.id)
        if item.kind == "date":
            dates = pd.Series(values if values is not None else [None] * len(out), dtype="string")
            columns[item.id] = pd.to_datetime(dates, format="%Y-%m-%d").astype("datetime64[us]").to_numpy()
        elif item.id in numeric:
            columns[item.id] = values if values is not None else np.full(len(out), np.nan)
        else:
            columns[item.id] = pd.array(values if values is not None else [None] * len(out), dtype="string")
    ordered = [c for c in columns if c in present] + [i.id for i in instrument.items if i.id not in present]
    wide = pd.DataFrame({name: columns[name] for name in ordered}, index=out.index)
    return pd.concat([out, wide], axis=1) if len(ordered) else out


def load(engine: Engine, cohort_ids: list[str] | None = None) -> CohortData:
    """Read the roster, pairs and every instrument's responses of these cohorts."""
    with engine.connect() as conn:
        return CohortData(
            participants=read_participants(conn, cohort_ids),
            pairs=read_pairs(conn, cohort_ids),
            responses={i: read_responses(conn, inst, cohort_ids) for i, inst in ins.instruments().items()},
        )
