"""Reading: roster, pairs, goals and responses scoped to cohorts, the raw rows, and a data fingerprint."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from mentorkit import instruments as ins
from mentorkit.data import CohortData
from mentorkit.errors import UnreadableValueError
from mentorkit.store.schema import (
    answers,
    cohorts,
    goals,
    imports,
    pairs,
    participant_versions,
    participants,
    submissions,
    value_exclusions,
)


def read_raw(conn: Connection, submission_ids: Iterable[int]) -> dict[int, dict[str, str] | None]:
    """The rows as their files had them, by submission id (``None`` once erased).

    Since schema 0004 a submission keeps its cells as a JSON array and its import the column
    names, once; rows stored before keep a JSON object. Both come back as ``{column: cell}``.
    """
    ids = [int(i) for i in submission_ids]
    query = (
        sa.select(submissions.c.submission_id, submissions.c.raw, imports.c.raw_columns)
        .select_from(submissions.outerjoin(imports, submissions.c.import_id == imports.c.import_id))
        .where(submissions.c.submission_id.in_(ids))
    )
    out: dict[int, dict[str, str] | None] = {}
    for sid, raw, columns in conn.execute(query):
        if isinstance(raw, list):
            names = columns or [f"column {n + 1}" for n in range(len(raw))]
            out[sid] = dict(zip(names, raw, strict=False))
        else:
            out[sid] = raw
    return out


# --- values set aside by `mentorkit db check` ------------------------------------------------

EXCLUDED_SUBMISSION_TABLES = ("submissions", "answers")  # an excluded value of these sets its submission aside


def excluded(conn: Connection) -> dict[str, list[tuple[str, str | None]]]:
    """The (row id, raw value) of each value set aside, by table."""
    ve = value_exclusions
    out: dict[str, list[tuple[str, str | None]]] = {}
    for table, row_id, raw in conn.execute(sa.select(ve.c.table_name, ve.c.row_id, ve.c.raw_value)):
        out.setdefault(table, []).append((row_id, raw))
    return out


def as_text(column: sa.ColumnElement) -> sa.ColumnElement:
    """A column as the text ``db check`` records of it (and compares a roster row's value with)."""
    return sa.cast(column, sa.Text)


def _kept_submissions(conn: Connection) -> sa.ColumnElement[bool]:
    """Submissions with no value set aside."""
    found = excluded(conn)
    ids = sorted({int(r) for t in EXCLUDED_SUBMISSION_TABLES for r, _raw in found.get(t, [])})
    return submissions.c.submission_id.notin_(ids) if ids else sa.true()


def _kept_rows(conn: Connection, table: sa.Table, key: str) -> sa.ColumnElement[bool]:
    """Rows of the roster or pairs whose ``matched_on`` is not set aside (a row changed since reads again)."""
    set_aside = excluded(conn).get(table.name, [])
    key_type = table.c[key].type.python_type
    same = [(table.c[key] == key_type(r)) & (as_text(table.c.matched_on) == raw) for r, raw in set_aside]
    return sa.not_(sa.or_(*same)) if same else sa.true()


# --- reading ---------------------------------------------------------------------------------


def read_people(conn: Connection, ids: Iterable[str], emails: Iterable[str]) -> pd.DataFrame:
    """Roster rows of these participant ids or (lower-case) e-mails, and of their mentees."""
    named = sa.or_(participants.c.participant_id.in_(list(ids)), participants.c.email.in_(list(emails)))
    stmt = sa.select(
        participants.c.participant_id,
        participants.c.cohort_id,
        participants.c.role,
        participants.c.email,
        participants.c.mentor_id,
    ).where(
        (named | participants.c.mentor_id.in_(sa.select(participants.c.participant_id).where(named)))
        & _kept_rows(conn, participants, "participant_id")
    )
    return pd.read_sql(stmt, conn)


def read_participants(conn: Connection, cohort_ids: list[str] | None = None) -> pd.DataFrame:
    """Roster rows (all cohorts, or these); ``attributes`` holds the roster's other columns as a dict (or None)."""
    p = participants
    stmt = sa.select(
        p.c.participant_id,
        p.c.cohort_id,
        p.c.role,
        p.c.name,
        p.c.email,
        p.c.mentor_id,
        _unprocessed(p.c.matched_on),
        p.c.department,
        p.c.attributes,
    ).where(_kept_rows(conn, p, "participant_id"))
    if cohort_ids is not None:
        stmt = stmt.where(p.c.cohort_id.in_(cohort_ids))
    return _frame(
        [str(c.key) for c in stmt.selected_columns],
        _columns(conn, stmt),
        _PEOPLE_KINDS.values(),
        conn,
        ("participants", 0),
    )


# the columns of read_participants and read_pairs, and how each is typed
_PEOPLE_KINDS = {
    "participant_id": "text",
    "cohort_id": "text",
    "role": "text",
    "name": "text",
    "email": "text",
    "mentor_id": "text",
    "matched_on": "date",
    "department": "text",
    "attributes": "object",
}
_PAIR_KINDS = {"pair_id": "int", "cohort_id": "text", "mentor_id": "text", "mentee_id": "text", "matched_on": "date"}


def read_pairs(conn: Connection, cohort_ids: list[str] | None = None) -> pd.DataFrame:
    """Current pairs: a mentee's pair with the mentor the roster names now, matched on the roster's date."""
    p, m = pairs, participants
    stmt = (
        sa.select(p.c.pair_id, p.c.cohort_id, p.c.mentor_id, p.c.mentee_id, _unprocessed(m.c.matched_on))
        .join(m, (m.c.participant_id == p.c.mentee_id) & (m.c.mentor_id == p.c.mentor_id))
        .where(_kept_rows(conn, p, "pair_id") & _kept_rows(conn, m, "participant_id"))
    )
    if cohort_ids is not None:
        stmt = stmt.where(p.c.cohort_id.in_(cohort_ids))
    # the date is the mentee's roster row's: a row it cannot read is named by the mentee's id
    cols = _columns(conn, stmt)
    return _frame([str(c.key) for c in stmt.selected_columns], cols, _PAIR_KINDS.values(), conn, ("participants", 3))


def read_all_pairs(conn: Connection) -> pd.DataFrame:
    """Every pair ever recorded, by its ids (check-ins and goals keep the pair they were about).

    Its ``matched_on`` is not read: a pair whose date ``db check`` set aside still names its people.
    """
    p = pairs
    return pd.read_sql(sa.select(p.c.pair_id, p.c.cohort_id, p.c.mentor_id, p.c.mentee_id), conn)


def read_goals(conn: Connection, goal_ids: list[str]) -> pd.DataFrame:
    """Registered goals among these ids."""
    stmt = sa.select(goals).where(goals.c.goal_id.in_(sa.bindparam("ids", expanding=True)))
    return (
        pd.read_sql(stmt, conn, params={"ids": goal_ids})
        if goal_ids
        else pd.DataFrame(columns=["goal_id", "pair_id", "cohort_id"])
    )


def read_responses(conn: Connection, instrument: ins.Instrument, cohort_ids: list[str] | None = None) -> pd.DataFrame:
    """An instrument's submissions, one row each, one column per item (wide)."""
    s = submissions
    where = (s.c.instrument == instrument.id) & _kept_submissions(conn)
    if cohort_ids is not None:
        where = where & s.c.cohort_id.in_(cohort_ids)
    head = _columns(conn, sa.select(*_head_columns()).where(where))
    return _assemble(conn, [head], _columns(conn, _answers_query(where)), [instrument])[0]


def read_all_responses(conn: Connection, cohort_ids: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """Every instrument's responses, as ``read_responses`` gives each, in two queries when scoped to cohorts.

    Scoped, the submissions of every instrument come in one query in their index's order
    (cohort, instrument, submitted_at, id) and are split by instrument, so each instrument's rows
    keep the order its own query gave; the answers come in a second. Unscoped (the whole store),
    each instrument keeps its own two queries (and order), so only one instrument's rows are held.
    """
    s = submissions
    found = ins.instruments()
    if cohort_ids is None:  # one instrument at a time holds less: the whole store's answers are many
        return {i: read_responses(conn, instrument) for i, instrument in found.items()}
    where = s.c.cohort_id.in_(cohort_ids) & _kept_submissions(conn)
    order = (s.c.cohort_id, s.c.instrument, s.c.submitted_at, s.c.submission_id)
    every = _columns(conn, sa.select(s.c.instrument, *_head_columns()).where(where).order_by(*order))
    heads = [[column[every[0] == i] for column in every[1:]] for i in found]
    long = _columns(conn, _answers_query(where))
    return dict(zip(found, _assemble(conn, heads, long, list(found.values())), strict=True))


_HEAD_NAMES = ("submission_id", "cohort_id", "participant_id", "pair_id", "goal_id", "submitted_at", "source", "flags")
_HEAD_KINDS = ("int", "text", "text", "int", "text", "datetime", "text", "text")


def _head_columns() -> list[sa.ColumnElement]:
    s = submissions
    return [_unprocessed(s.c[name]) if name == "submitted_at" else s.c[name] for name in _HEAD_NAMES]


def _answers_query(where: sa.ColumnElement[bool]) -> sa.Select:
    s, a = submissions, answers
    return (
        sa.select(a.c.submission_id, a.c.item_id, a.c.value_num, a.c.value_text)
        .join(s, s.c.submission_id == a.c.submission_id)
        .where(where)
    )


def _assemble(
    conn: Connection, heads: list[list[np.ndarray]], long: list[np.ndarray], instruments: list[ins.Instrument]
) -> list[pd.DataFrame]:
    """Each instrument's wide frame from its submissions' columns and the answers (any of them).

    The submissions are laid end to end so each column is typed once and sliced; each answer
    finds its instrument and row by its submission id. Answers of no submission here are left out.
    """
    sizes = [len(head[0]) for head in heads]
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype("int64")
    whole = [np.concatenate([head[j] for head in heads]) for j in range(len(_HEAD_NAMES))]
    typed = [
        _Typed(values, kind, conn, ("submissions", name, whole[0]))
        for values, kind, name in zip(whole, _HEAD_KINDS, _HEAD_NAMES, strict=True)
    ]
    ids = whole[0].astype("int64")
    at = pd.Index(ids).get_indexer(long[0].astype("int64")) if len(long[0]) else np.empty(0, dtype="int64")
    which = np.searchsorted(starts, at, side="right") - 1  # the instrument; -1 for an answer of no submission
    codes, uniques = pd.factorize(long[1])
    nums = np.array(long[2].tolist(), dtype="float64")  # None: NaN
    out = []
    for n, instrument in enumerate(instruments):
        first, last = starts[n], starts[n + 1]
        mine = np.flatnonzero(which == n)
        head = {name: column.slice(first, last) for name, column in zip(_HEAD_NAMES, typed, strict=True)}
        wide = _wide_columns(
            conn,
            ids[first:last],
            int(last - first),
            at[mine] - first,
            codes[mine],
            uniques,
            nums[mine],
            long[3][mine],
            instrument,
        )
        if set(head) & set(wide):
            raise ValueError(f"an item of {instrument.id} has the name of a submission column")
        out.append(pd.DataFrame(head | wide, index=pd.RangeIndex(int(last - first)), copy=False))
    return out


def widen(head: pd.DataFrame, long: pd.DataFrame, instrument: ins.Instrument) -> pd.DataFrame:
    """Submissions with their long answers pivoted to one column per item.

    The columns: the head's, then the numeric items present (sorted), the text items present
    (sorted), then the items nobody answered in the instrument's order.
    """
    out = head.reset_index(drop=True)
    rows = pd.Index(out["submission_id"]).get_indexer(long["submission_id"])
    codes, uniques = pd.factorize(long["item_id"].to_numpy(dtype=object))
    nums = long["value_num"].to_numpy(dtype="float64", na_value=np.nan)
    texts = long["value_text"].to_numpy(dtype=object, na_value=None)
    wide = _wide_columns(None, out["submission_id"].to_numpy(), len(out), rows, codes, uniques, nums, texts, instrument)
    return pd.concat([out, pd.DataFrame(wide, index=out.index)], axis=1) if wide else out


def _wide_columns(
    conn: Connection | None,
    ids: np.ndarray,
    size: int,
    rows: np.ndarray,
    codes: np.ndarray,
    uniques: np.ndarray,
    nums: np.ndarray,
    texts: np.ndarray,
    instrument: ins.Instrument,
) -> dict[str, object]:
    """One column per item, in ``widen``'s order, from answers given as row, item code, number and text.

    ``ids`` are the rows' submission ids, to name one whose date cannot be read.

    Filled by position with numpy: a pivot and two joins per instrument were most of reading a
    cohort. An answer with row -1 (no submission) only counts towards the items present.
    """
    numeric = [i.id for i in instrument.items if i.kind in ("yesno", "likert5", "percent")]
    text_ids = [i.id for i in instrument.items if i.id not in numeric]
    present = {uniques[c] for c in np.unique(codes)}  # as a pivot of every answer row would
    columns: dict[str, object] = {}
    for kind, item_ids, source in (("num", numeric, nums), ("text", text_ids, texts)):
        found = sorted(i for i in item_ids if i in present)
        if not found:
            continue
        where = {name: j for j, name in enumerate(found)}
        col = np.array([where.get(u, -1) for u in uniques], dtype="int64")[codes]
        keep = (col >= 0) & (rows >= 0)
        if kind == "num":
            grid: np.ndarray = np.full((size, len(found)), np.nan)
        else:
            grid = np.full((size, len(found)), None, dtype=object)
        grid[rows[keep], col[keep]] = source[keep]
        columns |= {name: grid[:, j] for j, name in enumerate(found)}
    for item in instrument.items:
        values = columns.get(item.id)
        if item.kind == "date":
            texts = np.asarray(values if values is not None else [None] * size, dtype=object)
            try:
                columns[item.id] = _parse_dates(texts, "item-date", conn)
            except _UNREADABLE:
                raise _unreadable(texts, "item-date", conn, ("answers", item.id, ids)) from None
        elif item.id in numeric:
            columns[item.id] = values if values is not None else np.full(size, np.nan)
        else:
            columns[item.id] = pd.array(values if values is not None else [None] * size, dtype="string")
    ordered = [c for c in columns if c in present] + [i.id for i in instrument.items if i.id not in present]
    return {name: columns[name] for name in ordered}


# --- columns from rows, typed as pandas.read_sql infers them ------------------------------------


def _unprocessed(column: sa.ColumnElement) -> sa.ColumnElement:
    """A date or date-time column as the driver gives it (SQLite: ISO text), parsed in bulk by ``_times``."""
    return sa.type_coerce(column, sa.String).label(column.key)


def _columns(conn: Connection, stmt: sa.Select) -> list[np.ndarray]:
    """The result's columns as object arrays, each value as a SQLAlchemy ``Row`` would hold it.

    The rows come from the DBAPI cursor as tuples: building a ``Row`` each cost as much as the
    query. SQLAlchemy's result processors (JSON, for one) are applied per column, as ``Row`` would.
    """
    result = conn.execute(stmt)
    cursor = result.cursor
    processors = [
        column.type.dialect_impl(conn.dialect).result_processor(conn.dialect, described[1])
        for column, described in zip(stmt.selected_columns, cursor.description, strict=True)
    ]
    rows = cursor.fetchall()
    result.close()
    if not rows:
        return [np.empty(0, dtype=object) for _ in processors]
    scalars = not any(processors) and not any(isinstance(c.type, sa.JSON) for c in stmt.selected_columns)
    if scalars:  # one 2-D array, read by columns (a JSON list would make it 3-D)
        grid = np.array(rows, dtype=object)
        return [grid[:, j] for j in range(len(processors))]
    cols = []
    for process, values in zip(processors, zip(*rows, strict=True), strict=True):
        cols.append(np.fromiter(values if process is None else map(process, values), dtype=object, count=len(rows)))
    return cols


def _frame(
    names: Iterable[str],
    cols: list[np.ndarray],
    kinds: Iterable[str],
    conn: Connection,
    rows: tuple[str, int] | None = None,
) -> pd.DataFrame:
    """A frame of these columns with the dtypes ``pandas.read_sql`` then ``pd.to_datetime`` gave them.

    ``rows``: the table and the position of its id column, to name a row whose date cannot be read.
    """
    typed = {}
    for name, values, kind in zip(names, cols, kinds, strict=True):
        about = (rows[0], name, cols[rows[1]]) if rows else None
        typed[name] = _Typed(values, kind, conn, about).slice(0, len(values))
    return pd.DataFrame(typed, index=pd.RangeIndex(len(cols[0])), copy=False)


def _typed(values: np.ndarray, kind: str, conn: Connection) -> object:
    """One column: as ``read_sql`` infers it (object when empty or all missing), dates as ``datetime64[us]``."""
    return _Typed(values, kind, conn).slice(0, len(values))


class _Typed:
    """A column typed once; ``slice`` gives a part typed as ``read_sql`` would have typed it alone.

    ``read_sql`` infers each query's dtypes from its values: integers with a missing value become
    floats, text columns with values ``str``, and a column with no value at all stays ``object``.
    """

    def __init__(self, values: np.ndarray, kind: str, conn: Connection, about: About | None = None) -> None:
        self.values, self.kind = values, kind
        self.missing = pd.isna(values)
        self.whole: object = None
        if kind in ("datetime", "date"):
            self.whole = _times(values, kind, conn, about)
        elif kind == "text" and not self.missing.all():
            self.whole = pd.array(values, dtype="str")

    def slice(self, first: int, last: int) -> object:
        """Rows ``first`` to ``last`` (not included)."""
        part = self.values[first:last]
        missing = self.missing[first:last]
        if self.kind in ("datetime", "date"):
            return self.whole[first:last]  # type: ignore[index]
        if self.kind == "object" or missing.all():  # all() of no rows is True: empty stays object
            return part
        if self.kind == "text":
            return self.whole[first:last]  # type: ignore[index]
        if not missing.any():
            return part.astype("int64")
        floats = np.full(len(part), np.nan)
        floats[~missing] = part[~missing].astype("float64")
        return floats


_STORED = {"datetime": "%Y-%m-%d %H:%M:%S.%f", "date": "%Y-%m-%d"}  # how SQLAlchemy writes them to SQLite


About = tuple[str, str, np.ndarray]  # a column's table, name and its rows' ids: to name a value that cannot be read
_UNREADABLE = (ValueError, TypeError, OverflowError)  # what pandas and SQLAlchemy raise for a date they cannot read


def _times(values: np.ndarray, kind: str, conn: Connection, about: About | None = None) -> np.ndarray:
    """Dates or date-times as ``datetime64[us]``: SQLite's text parsed in bulk, the driver's objects as they are.

    Text not in the exact form SQLAlchemy writes (no fraction of a second, a zone) goes through
    SQLAlchemy's own parser value by value and then ``pd.to_datetime``, as the rows did before.
    A value that cannot be read at all raises ``UnreadableValueError`` naming its row (``about``).
    """
    known = values[~pd.isna(values)][:1]
    try:
        if len(known) and isinstance(known[0], str):
            return pd.to_datetime(values, format=_STORED[kind]).to_numpy().astype("datetime64[us]")
        return values.astype("datetime64[us]")
    except _UNREADABLE:
        try:
            return _parse_dates(values, kind, conn)
        except _UNREADABLE:
            raise _unreadable(values, kind, conn, about) from None


def _parse_dates(values: np.ndarray, kind: str, conn: Connection | None) -> np.ndarray:
    """Dates as ``datetime64[us]`` through SQLAlchemy's parser value by value (an answer's text by its form)."""
    if kind == "item-date":  # an answer to a date item: text in the template's form
        dates = pd.Series(values, dtype="string")
        return pd.to_datetime(dates, format="%Y-%m-%d").astype("datetime64[us]").to_numpy()
    assert conn is not None, "a column's dates are parsed as its database gives them"
    type_ = sa.DateTime() if kind == "datetime" else sa.Date()
    process = type_.dialect_impl(conn.dialect).result_processor(conn.dialect, None)
    if process is not None:
        values = np.fromiter((None if v is None else process(v) for v in values), dtype=object, count=len(values))
    return pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[us]").to_numpy()


def readings(
    values: np.ndarray, kind: str, conn: Connection | None, chunk: int = 1000
) -> tuple[np.ndarray, np.ndarray]:
    """Stored dates as the reads give them (``datetime64[us]``, NaT when missing or unreadable), and which
    cannot be read (``kind``: ``date``, ``datetime`` or ``item-date``, an answer's text).

    Parsed in chunks; only a chunk holding an unreadable value is parsed value by value.
    """
    parsed = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[us]")
    bad = np.zeros(len(values), dtype=bool)
    for start in range(0, len(values), chunk):
        part = values[start : start + chunk]
        try:
            parsed[start : start + len(part)] = _parse_dates(part, kind, conn)
            continue
        except _UNREADABLE:
            pass
        for n, value in enumerate(part, start):
            try:
                parsed[n] = _parse_dates(np.array([value], dtype=object), kind, conn)[0]
            except _UNREADABLE:
                bad[n] = True
    return parsed, bad


def _unreadable(values: np.ndarray, kind: str, conn: Connection | None, about: About | None) -> UnreadableValueError:
    """The error for the first value of these that cannot be read, naming its table and row."""
    _parsed, bad = readings(values, kind, conn)
    first = int(np.flatnonzero(bad)[0]) if bad.any() else 0
    if about is None:
        where = "a date"
    else:
        table, column, ids = about
        row = f"answers of submission {ids[first]}" if table == "answers" else f"{table} row {ids[first]}"
        where = f"{row}: {column}"
    return UnreadableValueError(
        f"the store holds a value it cannot read ({where} {str(values[first])[:40]!r}); "
        "run `mentorkit db check` to set it aside"
    )


def list_cohorts(conn: Connection) -> list[str]:
    """Every cohort id, sorted."""
    return list(conn.execute(sa.select(cohorts.c.cohort_id).order_by(cohorts.c.cohort_id)).scalars())


def fingerprint(conn: Connection, cohort_ids: list[str] | None = None) -> str:
    """A short fingerprint of the data behind a report: counts and the newest submission."""
    import hashlib

    s = submissions
    stmt = sa.select(sa.func.count(), sa.func.max(s.c.submission_id), sa.func.max(s.c.submitted_at))
    pstmt = sa.select(sa.func.count(), sa.func.max(participants.c.updated_at))
    if cohort_ids is not None:
        stmt = stmt.where(s.c.cohort_id.in_(cohort_ids))
        pstmt = pstmt.where(participants.c.cohort_id.in_(cohort_ids))
    parts = [*conn.execute(stmt).one(), *conn.execute(pstmt).one()]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def load(engine: Engine, cohort_ids: list[str] | None = None, as_of: date | None = None) -> CohortData:
    """Read the roster, pairs and every instrument's responses of these cohorts.

    With ``as_of``, the roster and pairs are each person's version in force at the end of that
    day (UTC): a change recorded later (a re-match, a new e-mail) does not rewrite that day.
    """
    with engine.connect() as conn:
        people, current = read_participants(conn, cohort_ids), read_pairs(conn, cohort_ids)
        if as_of is not None:
            people, current = roster_as_of(conn, people, current, cohort_ids, as_of)
        return CohortData(participants=people, pairs=current, responses=read_all_responses(conn, cohort_ids))


def roster_as_of(
    conn: Connection, people: pd.DataFrame, current: pd.DataFrame, cohort_ids: list[str] | None, as_of: date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``read_participants`` and ``read_pairs`` frames as they were at the end of ``as_of`` (UTC).

    Only people with a version recorded after that day differ from the roster in force now:
    their rows take the version then in force, and their pairs the mentor it names. Without
    any such person (the usual case) both frames are returned as they are, after one query.
    """
    v = participant_versions
    cutoff = datetime.combine(as_of + timedelta(days=1), time())  # the end of the as-of day
    later = sa.select(v.c.participant_id).where(v.c.in_force_from >= cutoff)
    if cohort_ids is not None:
        later = later.where(v.c.cohort_id.in_(cohort_ids))
    in_force = (
        sa.select(sa.func.max(v.c.version_id))
        .where(v.c.participant_id.in_(later))
        .where(sa.or_(v.c.in_force_from.is_(None), v.c.in_force_from < cutoff))
        .group_by(v.c.participant_id)
    )
    names = list(_PEOPLE_KINDS)
    stmt = sa.select(*[_unprocessed(v.c[n]) if n == "matched_on" else v.c[n] for n in names]).where(
        v.c.version_id.in_(in_force)
    )
    found = _columns(conn, stmt)
    if not len(found[0]):
        return people, current
    then = dict(zip(names, found, strict=True))
    then["matched_on"] = _times(then["matched_on"], "date", conn)
    at = pd.Index(then["participant_id"]).get_indexer(people["participant_id"].to_numpy(dtype=object))
    rows = np.flatnonzero(at >= 0)
    people = people.copy()
    for name, kind in _PEOPLE_KINDS.items():  # the changed people's cells from their version then
        if kind == "date":
            values = people[name].to_numpy(copy=True)
        else:
            values = people[name].to_numpy(dtype=object, na_value=None, copy=True)
        was = pd.Series(then[name][at[rows]], dtype=object)
        if was.equals(pd.Series(values[rows], dtype=object)):
            continue  # a column the later versions did not change stays as it is
        values[rows] = then[name][at[rows]]
        people[name] = _typed(values, kind, conn)
    # their pairs: the one with the mentor their version names, matched on its date
    changed = then["participant_id"]
    p = pairs
    theirs = sa.select(p.c.pair_id, p.c.cohort_id, p.c.mentor_id, p.c.mentee_id).where(p.c.mentee_id.in_(changed))
    pair_id, cohort, mentor, mentee = _columns(conn, theirs.order_by(p.c.pair_id))
    person = pd.Index(changed).get_indexer(mentee)
    now = mentor == then["mentor_id"][person]  # the pair with the mentor of the version then
    rest = ~current["mentee_id"].isin(changed).to_numpy()
    added = {"pair_id": pair_id, "cohort_id": cohort, "mentor_id": mentor, "mentee_id": mentee}
    pair_columns = {}
    for name, kind in _PAIR_KINDS.items():
        before = current[name].to_numpy() if kind == "date" else current[name].to_numpy(dtype=object, na_value=None)
        extra = then["matched_on"][person[now]] if name == "matched_on" else added[name][now]
        pair_columns[name] = np.concatenate([before[rest], extra])
    return people, _frame(pair_columns, list(pair_columns.values()), _PAIR_KINDS.values(), conn)
