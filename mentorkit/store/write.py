"""Writing: the roster, goals, import runs, submissions with their answers (append-only), and erasure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from itertools import repeat
from typing import TypedDict

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from mentorkit import frames
from mentorkit import instruments as ins
from mentorkit.store.engine import now, retrying
from mentorkit.store.schema import (
    answers,
    cohorts,
    erasures,
    goals,
    imports,
    pairs,
    participant_versions,
    participants,
    quarantined_rows,
    sent_messages,
    submissions,
)
from mentorkit.store.sent import email_owner


def _insert_ignore(conn: Connection, table: sa.Table) -> sa.Insert:
    """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()


# --- writing ---------------------------------------------------------------------------------


def ensure_cohorts(conn: Connection, cohort_ids: Iterable[str]) -> None:
    """Create cohorts that do not exist yet."""
    rows = [{"cohort_id": c, "created_at": now()} for c in sorted(set(cohort_ids))]
    if rows:
        conn.execute(_insert_ignore(conn, cohorts), rows)


def upsert_participants(conn: Connection, frame: pd.DataFrame, import_id: int | None = None) -> None:
    """Record roster rows as versions: a new person's first version (in force from the start), or a
    changed person's next one (in force from now). Earlier versions stay as they were;
    ``participants`` is updated to the version in force now, and a new mentor-mentee pair is added."""
    if frame.empty:
        return
    existing = set(
        conn.execute(
            sa.select(participants.c.participant_id).where(
                participants.c.participant_id.in_(sa.bindparam("ids", expanding=True))
            ),
            {"ids": frame["participant_id"].tolist()},
        ).scalars()
    )
    recorded = now()
    rows = [_participant_row(r, recorded) for r in frame.to_dict("records")]
    new = [r for r in rows if r["participant_id"] not in existing]
    old = [r for r in rows if r["participant_id"] in existing]
    if new:
        conn.execute(participants.insert(), new)
    if old:
        stmt = participants.update().where(participants.c.participant_id == sa.bindparam("pid"))
        conn.execute(
            stmt, [{**{k: v for k, v in r.items() if k != "participant_id"}, "pid": r["participant_id"]} for r in old]
        )
    fields = [c for c in rows[0] if c != "updated_at"]
    versions = [
        {
            **{k: r[k] for k in fields},
            "recorded_at": recorded,
            "in_force_from": recorded if r["participant_id"] in existing else None,
            "import_id": import_id,
        }
        for r in rows
    ]
    conn.execute(participant_versions.insert(), versions)
    matched = frame[frame["mentor_id"].notna()]
    if not matched.empty:  # a pair, once made, stays: its check-ins and goals keep it
        pair_rows = [
            {
                "cohort_id": r["cohort_id"],
                "mentor_id": r["mentor_id"],
                "mentee_id": r["participant_id"],
                "matched_on": _py_date(r["matched_on"]),
            }
            for r in matched.to_dict("records")
        ]
        conn.execute(_insert_ignore(conn, pairs), pair_rows)


def version_unversioned(conn: Connection) -> int:
    """Record the roster rows written without a version (generated stores) as first versions; how many."""
    p, v = participants, participant_versions
    fields = ["participant_id", "cohort_id", "role", "name", "email", "mentor_id", "matched_on", "department"]
    rows = sa.select(*[p.c[f] for f in fields], p.c.attributes, p.c.updated_at).where(
        p.c.participant_id.not_in(sa.select(v.c.participant_id))
    )
    done = conn.execute(v.insert().from_select([*fields, "attributes", "recorded_at"], rows))
    return int(done.rowcount)


def _py_date(value: object):  # type: ignore[no-untyped-def]
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _clean(value: object) -> object:
    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
        return None
    return value


def _participant_row(r: dict, recorded: datetime) -> dict:
    return {
        "participant_id": r["participant_id"],
        "cohort_id": r["cohort_id"],
        "role": r["role"],
        "name": _clean(r.get("name")),
        "email": _clean(r.get("email")),
        "mentor_id": _clean(r.get("mentor_id")),
        "matched_on": _py_date(r.get("matched_on")),
        "department": _clean(r.get("department")),
        "attributes": r.get("attributes") or None,
        "updated_at": recorded,
    }


def ensure_goals(conn: Connection, frame: pd.DataFrame) -> None:
    """Register goal ids with their pair (first definition wins; ids never move)."""
    rows = frame[["goal_id", "pair_id", "cohort_id"]].drop_duplicates("goal_id")
    if not rows.empty:
        conn.execute(
            _insert_ignore(conn, goals),
            [{"goal_id": g, "pair_id": int(p), "cohort_id": c} for g, p, c in rows.itertuples(index=False)],
        )


def record_import(conn: Connection, **fields: object) -> int:
    """Log one import run; returns its id."""
    key = conn.execute(imports.insert().values(imported_at=now(), **fields)).inserted_primary_key
    assert key is not None  # an INSERT of one row
    return int(key[0])


def finish_import(conn: Connection, import_id: int, **counts: int) -> None:
    """Write an import run's final counts."""
    conn.execute(imports.update().where(imports.c.import_id == import_id).values(**counts))


CHANNELS = ("link", "email", "workshop", "import")  # how a submission came in
SUBMISSION_COLUMNS = (
    "instrument",
    "cohort_id",
    "participant_id",
    "pair_id",
    "goal_id",
    "submitted_at",
    "source",
    "dedupe_key",
    "import_id",
    "received_at",
    "raw",
    "flags",
    "channel",
)  # the columns an import writes, in the order of ``_submission_rows``' values


def append_submissions(
    conn: Connection,
    frame: pd.DataFrame,
    instrument: ins.Instrument,
    source: str,
    import_id: int,
    channel: str = "import",
) -> pd.Series:
    """Append submissions and their answers; returns, per row, the new id (missing: duplicate).

    ``frame`` carries cohort_id, participant_id, pair_id, goal_id, submitted_at, dedupe_key,
    raw (JSON text), flags and one column per item (cleaned). Rows go through the driver's
    executemany (COPY for answers on PostgreSQL): no per-row round trips. Concurrent writers of
    the same submission are safe: the unique key makes the second a duplicate.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if frame.empty:
        return pd.Series([], dtype="Int64")
    pg = conn.dialect.name == "postgresql"
    data = _submission_rows(frame, instrument, source, import_id, channel, pg)
    # ids handed out from here on are above every id that exists now (sequence / rowid order),
    # so a range scan on the primary key finds this import's rows in a store of any size
    before = conn.execute(sa.select(sa.func.max(submissions.c.submission_id))).scalar() or 0
    _insert_submissions(conn, data, pg)
    new_ids = _new_ids(conn, frame, before, import_id)
    _insert_answers(conn, _answer_rows(frame, instrument, new_ids), pg)
    return new_ids


def _submission_rows(
    frame: pd.DataFrame, instrument: ins.Instrument, source: str, import_id: int, channel: str, pg: bool
) -> list[tuple[object, ...]]:
    """The submissions' rows as driver values, one tuple per row in ``SUBMISSION_COLUMNS``' order
    (times as datetimes on PostgreSQL, as text on SQLite)."""
    received = now()
    submitted = pd.to_datetime(frame["submitted_at"])
    when = submitted.dt.to_pydatetime().tolist() if pg else _cells(frames.iso_text(submitted, unit="us", sep=" "))
    pair = frame["pair_id"].astype("Float64").astype("Int64")
    n = len(frame)
    return list(
        zip(
            [instrument.id] * n,
            _cells(frame["cohort_id"]),
            _cells(frame["participant_id"]),
            [None if pd.isna(v) else int(v) for v in pair],
            _cells(frame["goal_id"]),
            when,
            [source] * n,
            _cells(frame["dedupe_key"]),
            [import_id] * n,
            [received if pg else received.strftime("%Y-%m-%d %H:%M:%S.%f")] * n,
            _cells(frame["raw"]),
            _cells(frame["flags"]) if "flags" in frame.columns else [None] * n,
            [channel] * n,
            strict=True,
        )
    )


def _insert_submissions(conn: Connection, data: list[tuple[object, ...]], pg: bool) -> None:
    """The rows inserted, skipping those whose dedupe key is stored (ON CONFLICT DO NOTHING)."""
    listed = ", ".join(SUBMISSION_COLUMNS)
    if pg:  # COPY into a staging table, then one INSERT … SELECT that skips stored keys
        stage = f"CREATE TEMP TABLE mk_incoming ON COMMIT DROP AS SELECT {listed} FROM submissions WITH NO DATA"  # noqa: S608
        move = f"INSERT INTO submissions ({listed}) SELECT {listed} FROM mk_incoming ON CONFLICT DO NOTHING"  # noqa: S608
        conn.exec_driver_sql("DROP TABLE IF EXISTS mk_incoming")
        conn.exec_driver_sql(stage)
        _copy_rows(conn, "mk_incoming", list(SUBMISSION_COLUMNS), data)
        conn.exec_driver_sql(move)
        return
    # column names are this module's constants; every value is a bound parameter
    marks = ", ".join(["?"] * len(SUBMISSION_COLUMNS))
    insert = f"INSERT INTO submissions ({listed}) VALUES ({marks}) ON CONFLICT DO NOTHING"  # noqa: S608
    conn.exec_driver_sql(insert, data)


def _new_ids(conn: Connection, frame: pd.DataFrame, before: int, import_id: int) -> pd.Series:
    """Per row of ``frame``, the id of the submission this import stored for its dedupe key (missing: none)."""
    found = conn.execute(
        sa.select(submissions.c.dedupe_key, submissions.c.submission_id)
        .where(submissions.c.submission_id > before)
        .where(submissions.c.import_id == import_id)
    ).all()
    keys = pd.Index([k for k, _ in found], dtype="string")
    at = keys.get_indexer(pd.Index(frame["dedupe_key"], dtype="string"))
    return pd.Series(pd.array([found[i][1] if i >= 0 else None for i in at], dtype="Int64"), index=frame.index)


def _insert_answers(conn: Connection, rows: list[tuple[object, ...]], pg: bool) -> None:
    """The new submissions' answers written (COPY on PostgreSQL, executemany on SQLite)."""
    if pg:
        _copy_rows(conn, "answers", ["submission_id", "item_id", "value_num", "value_text"], rows)
    elif rows:
        conn.exec_driver_sql(
            "INSERT INTO answers (submission_id, item_id, value_num, value_text) VALUES (?, ?, ?, ?)", rows
        )


def _answer_rows(frame: pd.DataFrame, instrument: ins.Instrument, new_ids: pd.Series) -> list[tuple[object, ...]]:
    """The answers of the new submissions as (submission_id, item_id, value_num, value_text) rows, in the
    answers' primary-key order (by submission, then item) so that the b-tree grows at its end."""
    new = new_ids.notna().to_numpy()
    if not new.any():
        return []
    sid = new_ids.to_numpy(dtype="int64", na_value=0)[new]
    order = np.argsort(sid, kind="stable")  # ids ascend with rows on SQLite; make sure everywhere
    sid = sid[order]
    items = sorted((i for i in instrument.items if i.id in frame.columns), key=lambda i: i.id)
    if not items:
        return []
    numeric = np.array([i.kind in ("yesno", "likert5", "percent") for i in items])
    # rows × items matrices: numbers (NaN where none) and, only when the instrument has any, texts
    nums = np.full((len(sid), len(items)), np.nan)
    texts = np.full(nums.shape, None, dtype=object) if not numeric.all() else None
    present = np.zeros(nums.shape, dtype=bool)
    for j, item in enumerate(items):
        values = frame[item.id][new].iloc[order]
        keep = values.notna().to_numpy()
        present[:, j] = keep
        if numeric[j]:
            nums[:, j] = values.to_numpy(dtype="float64", na_value=np.nan)
        else:
            assert texts is not None
            texts[keep, j] = [_as_text(v) for v in values[keep].tolist()]
    at_row, at_item = np.nonzero(present)  # row-major: by submission id, then item id
    names = np.array([i.id for i in items], dtype=object)[at_item].tolist()
    picked = nums[at_row, at_item]
    if texts is None:
        return list(zip(sid[at_row].tolist(), names, picked.tolist(), repeat(None), strict=False))
    value_num = picked.astype(object)
    value_num[~numeric[at_item]] = None
    return list(zip(sid[at_row].tolist(), names, value_num.tolist(), texts[at_row, at_item].tolist(), strict=True))


def _copy_rows(conn: Connection, table: str, columns: list[str], rows: list[tuple[object, ...]]) -> None:
    """PostgreSQL's COPY of rows into ``table`` (names are this module's constants)."""
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    driver = conn.connection.driver_connection
    assert driver is not None  # a live connection inside a transaction
    with driver.cursor() as cur, cur.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _cells(series: pd.Series) -> list[object]:
    """A column as Python values, missing as None."""
    if isinstance(series.dtype, pd.StringDtype) or pd.api.types.is_numeric_dtype(series.dtype):
        return series.to_numpy(dtype=object, na_value=None).tolist()
    return [None if v is None or (not isinstance(v, str) and pd.isna(v)) else v for v in series.tolist()]


def _as_text(value: object) -> str:
    if isinstance(value, pd.Timestamp | datetime):
        return pd.Timestamp(value).date().isoformat()  # four-digit years (strftime drops 0999's zero)
    return str(value)


class Erasure(TypedDict):
    """What ``forget`` removed, for the person running it (the audit row keeps the counts)."""

    participant_id: str
    reference: str  # random, never derived from the person
    fields: list[str]
    raw_rows: int
    free_text_answers: int
    roster_versions: int  # versions of the person's roster row cleared
    sent_log_rows: int  # rows of the sent log whose address and server reply were cleared


def forget(engine: Engine, email: str) -> Erasure | None:
    """Erase a person's personal data (right to erasure); keeps an audit record without it.

    Clears the roster's name, e-mail, department and attributes (in every version), the raw rows kept with the
    person's submissions, their free-text answers, and the address and server reply of their rows in the sent log. Their scored answers stay, linked only to
    the pseudonymous participant id, so cohort figures do not change.
    """
    import secrets

    address = email.strip().lower()
    with retrying(engine) as conn:
        pid = email_owner(conn, address)
        if pid is None:
            return None
        subs = sa.select(submissions.c.submission_id).where(submissions.c.participant_id == pid)
        raw_rows = conn.execute(
            submissions.update()
            .where(submissions.c.participant_id == pid)
            .where(submissions.c.raw.is_not(None))
            .values(raw=None)
        ).rowcount
        texts = conn.execute(
            answers.update()
            .where(answers.c.submission_id.in_(subs))
            .where(answers.c.value_text.is_not(None))
            .where(answers.c.item_id.in_(["comment", "note"]))
            .values(value_text=None)
        ).rowcount
        conn.execute(
            participants.update()
            .where(participants.c.participant_id == pid)
            .values(name=None, email=None, department=None, attributes=None, updated_at=now())
        )
        versions = conn.execute(  # every version: erasure is the one change a recorded version takes
            participant_versions.update()
            .where(participant_versions.c.participant_id == pid)
            .values(name=None, email=None, department=None, attributes=None)
        )
        conn.execute(
            quarantined_rows.delete()
            .where(quarantined_rows.c.subject == "participant")
            .where(quarantined_rows.c.subject_id == pid)
        )
        mailed = conn.execute(  # the sent log keeps the kind, time and outcome; not where it went or what was said
            sent_messages.update()
            .where(sa.or_(sent_messages.c.participant_id == pid, sa.func.lower(sent_messages.c.recipient) == address))
            .values(recipient=None, reply=None)
        )
        done = Erasure(
            participant_id=pid,
            reference=secrets.token_hex(6),
            fields=["name", "email", "department", "attributes"],
            raw_rows=raw_rows,
            free_text_answers=texts,
            roster_versions=versions.rowcount,
            sent_log_rows=mailed.rowcount,
        )
        removed = {
            k: done[k] for k in ("fields", "raw_rows", "free_text_answers", "roster_versions", "sent_log_rows")
        }  # no personal data
        conn.execute(erasures.insert().values(erased_at=now(), reference=done["reference"], removed=removed))
    return done
