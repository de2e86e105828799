"""The system of record: an append-only store on SQLAlchemy 2 (SQLite or PostgreSQL).

Only this module talks to the database. Submissions are never updated or deleted: a later
submission supersedes an earlier one when scoring. Reads are scoped to cohorts through indexes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypedDict

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

from . import clean
from . import instruments as ins
from .errors import StoreError

DEFAULT_DB_NAME = "mentorkit.db"

metadata = sa.MetaData()

cohorts = sa.Table(
    "cohorts",
    metadata,
    sa.Column("cohort_id", sa.String(64), primary_key=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

participants = sa.Table(
    "participants",
    metadata,
    sa.Column("participant_id", sa.String(64), primary_key=True),
    sa.Column("cohort_id", sa.String(64), sa.ForeignKey("cohorts.cohort_id"), nullable=False, index=True),
    sa.Column("role", sa.String(8), nullable=False),
    sa.Column("name", sa.Text),
    sa.Column("email", sa.String(320), unique=True),
    sa.Column("mentor_id", sa.String(64)),
    sa.Column("matched_on", sa.Date),
    sa.Column("department", sa.Text),
    sa.Column("attributes", sa.JSON),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

pairs = sa.Table(
    "pairs",
    metadata,
    sa.Column("pair_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("cohort_id", sa.String(64), sa.ForeignKey("cohorts.cohort_id"), nullable=False, index=True),
    sa.Column("mentor_id", sa.String(64), nullable=False),
    sa.Column("mentee_id", sa.String(64), nullable=False),
    sa.Column("matched_on", sa.Date),
    sa.UniqueConstraint("mentor_id", "mentee_id", name="uq_pairs_mentor_mentee"),
)

goals = sa.Table(
    "goals",
    metadata,
    sa.Column("goal_id", sa.String(64), primary_key=True),
    sa.Column("pair_id", sa.Integer, sa.ForeignKey("pairs.pair_id"), nullable=False),
    sa.Column("cohort_id", sa.String(64), nullable=False, index=True),
)

imports = sa.Table(
    "imports",
    metadata,
    sa.Column("import_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("instrument", sa.String(32), nullable=False),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("file_name", sa.Text),
    sa.Column("imported_at", sa.DateTime, nullable=False),
    sa.Column("rows_read", sa.Integer, nullable=False),
    sa.Column("accepted", sa.Integer, nullable=False),
    sa.Column("duplicates", sa.Integer, nullable=False),
    sa.Column("quarantined", sa.Integer, nullable=False),
    sa.Column("raw_columns", sa.JSON),  # the file's column names, once; each submission's raw holds its cells
)

submissions = sa.Table(
    "submissions",
    metadata,
    sa.Column("submission_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("instrument", sa.String(32), nullable=False),
    sa.Column("cohort_id", sa.String(64), nullable=False),
    sa.Column("participant_id", sa.String(64), nullable=False),
    sa.Column("pair_id", sa.Integer),
    sa.Column("goal_id", sa.String(64)),
    sa.Column("submitted_at", sa.DateTime, nullable=False),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("dedupe_key", sa.String(128), nullable=False),
    sa.Column("import_id", sa.Integer),
    sa.Column("received_at", sa.DateTime, nullable=False),
    sa.Column("raw", sa.JSON),  # the row as the file had it: cells in its import's raw_columns order
    sa.Column("flags", sa.String(128)),  # data-quality flags (speeder, partial, straight_lining)
    sa.Column("channel", sa.String(16), nullable=False),  # how it came in: link, email, workshop or import
    sa.UniqueConstraint("instrument", "dedupe_key", name="uq_submissions_key"),
    sa.Index("ix_submissions_cohort", "cohort_id", "instrument", "submitted_at"),
)

erasures = sa.Table(
    "erasures",
    metadata,
    sa.Column("erasure_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("erased_at", sa.DateTime, nullable=False),
    sa.Column("reference", sa.String(32), nullable=False),  # random, never derived from the person
    sa.Column("removed", sa.JSON, nullable=False),  # what was removed: field names and counts
)

answers = sa.Table(
    "answers",
    metadata,
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.submission_id"), primary_key=True),
    sa.Column("item_id", sa.String(32), primary_key=True),
    sa.Column("value_num", sa.Float),
    sa.Column("value_text", sa.Text),
)


# --- where the store lives -------------------------------------------------------------------


def workspace() -> Path:
    """The workspace folder: ``MENTORKIT_HOME``, else the source checkout, else the cwd."""
    env = os.environ.get("MENTORKIT_HOME")
    if env:
        return Path(env)
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "data").is_dir():
        return checkout
    return Path.cwd()


def default_url() -> str:
    """``MENTORKIT_DB`` or the SQLite file ``data/mentorkit.db`` in the workspace."""
    env = os.environ.get("MENTORKIT_DB")
    if env:
        return env
    return f"sqlite:///{workspace() / 'data' / DEFAULT_DB_NAME}"


def data_dir(engine: Engine) -> Path:
    """Where files that go beside the store (quarantine CSVs) are written."""
    if engine.url.get_backend_name() == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        return Path(engine.url.database).resolve().parent
    return workspace() / "data"


def _normalize_url(url: str) -> sa.URL:
    try:
        parsed = sa.make_url(url)
    except ArgumentError:
        raise StoreError(f"not a database URL: {url!r}") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA cache_size=-65536")  # 64 MiB (default 2 MiB): big imports and reads stay in memory
    cur.close()


_ENGINES: dict[str, Engine] = {}


def _make_engine(parsed: sa.URL) -> Engine:
    """An engine with mentorkit's connection settings (SQLite: WAL, busy timeout)."""
    if parsed.get_backend_name() == "sqlite":
        engine = sa.create_engine(parsed, connect_args={"timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 10})


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", exc)).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def connect(url: str | None = None, *, create: bool = True) -> Engine:
    """An engine on a ready store (schema created when missing); one clear error otherwise."""
    raw = url or default_url()
    if raw in _ENGINES:
        return _ENGINES[raw]
    parsed = _normalize_url(raw)
    shown = parsed.render_as_string(hide_password=True)
    try:
        if parsed.get_backend_name() == "sqlite":
            db = parsed.database
            if db and db != ":memory:":
                path = Path(db)
                if not path.exists() and not create:
                    raise StoreError(f"no mentorkit store at {path}; run `mentorkit demo` or import a roster")
                path.parent.mkdir(parents=True, exist_ok=True)
        engine = _make_engine(parsed)
        ensure_schema(engine)
    except NoSuchModuleError:
        raise StoreError(f"no driver for {parsed.drivername}; for PostgreSQL install mentorkit[postgres]") from None
    except ModuleNotFoundError as exc:
        raise StoreError(
            f"the database driver is not installed ({exc.name}); for PostgreSQL install mentorkit[postgres]"
        ) from None
    except (OperationalError, DBAPIError) as exc:
        raise StoreError(f"cannot open the database {shown}: {_first_line(exc)}") from None
    except OSError as exc:
        raise StoreError(f"cannot open the database {shown}: {exc.strerror or exc}") from None
    _ENGINES[raw] = engine
    return engine


def dispose_all() -> None:
    """Close every cached engine (tests, forks)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


SCHEMA_REVISION = "0005"  # the Alembic head this code expects (tests check they agree)


def schema_revision(conn: Connection) -> str | None:
    """The store's Alembic revision; "0001" for a store made before Alembic; None when empty."""
    tables = set(sa.inspect(conn).get_table_names())
    if "alembic_version" in tables:
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    return "0001" if "submissions" in tables else None


def ensure_schema(engine: Engine) -> None:
    """Create a new store at the newest schema; refuse an older one until `mentorkit db upgrade`."""
    with retrying(engine) as conn:
        if conn.dialect.name == "postgresql":  # two processes creating one store: one waits
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(727274)"))
        found = schema_revision(conn)
        if found is None:
            from . import migrations

            migrations.upgrade(conn)
            return
    if found != SCHEMA_REVISION:
        if found > SCHEMA_REVISION:
            raise StoreError(
                f"the store's schema ({found}) is newer than this mentorkit ({SCHEMA_REVISION}); upgrade mentorkit"
            )
        raise StoreError(
            f"the store's schema ({found}) is older than this mentorkit ({SCHEMA_REVISION}); "
            "run `mentorkit db upgrade` (back up the database first)"
        )


def upgrade_schema(url: str | None = None) -> tuple[str | None, str]:
    """Migrate a store to the newest schema; returns (revision before, revision after)."""
    from . import migrations

    raw = url or default_url()
    engine = _make_engine(_normalize_url(raw))
    try:
        with engine.begin() as conn:
            before = schema_revision(conn)
            if before is not None and "alembic_version" not in sa.inspect(conn).get_table_names():
                migrations.stamp(conn, before)
            migrations.upgrade(conn)
            after = schema_revision(conn)
    except (OperationalError, DBAPIError) as exc:
        raise StoreError(f"cannot upgrade the database: {_first_line(exc)}") from None
    finally:
        engine.dispose()
    _ENGINES.pop(raw, None)
    return before, str(after)


def current_revision(url: str | None = None) -> str | None:
    """The schema revision of a store, without creating or changing anything."""
    parsed = _normalize_url(url or default_url())
    engine = _make_engine(parsed)
    try:
        with engine.connect() as conn:
            return schema_revision(conn)
    except (OperationalError, DBAPIError) as exc:
        shown = parsed.render_as_string(hide_password=True)
        raise StoreError(f"cannot open the database {shown}: {_first_line(exc)}") from None
    finally:
        engine.dispose()


def _insert_ignore(conn: Connection, table: sa.Table) -> sa.Insert:
    """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()


@contextmanager
def retrying(engine: Engine, attempts: int = 8) -> Iterator[Connection]:
    """A transaction; on SQLite a 'database is locked' at BEGIN is retried with back-off."""
    for attempt in range(attempts):
        try:
            conn_cm = engine.begin()
            conn = conn_cm.__enter__()
        except OperationalError as exc:
            if "locked" in str(exc) and attempt < attempts - 1:
                time.sleep(0.05 * 2**attempt)
                continue
            raise
        break
    try:
        yield conn
    except BaseException as exc:
        conn_cm.__exit__(type(exc), exc, exc.__traceback__)
        raise
    else:
        conn_cm.__exit__(None, None, None)


def now() -> datetime:
    """The current time, naive UTC (the store keeps UTC without a zone)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


# --- writing ---------------------------------------------------------------------------------


def ensure_cohorts(conn: Connection, cohort_ids: Iterable[str]) -> None:
    """Create cohorts that do not exist yet."""
    rows = [{"cohort_id": c, "created_at": now()} for c in sorted(set(cohort_ids))]
    if rows:
        conn.execute(_insert_ignore(conn, cohorts), rows)


def upsert_participants(conn: Connection, frame: pd.DataFrame) -> None:
    """Insert new roster rows and update changed ones (the roster is reference data)."""
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
    rows = [_participant_row(r) for r in frame.to_dict("records")]
    new = [r for r in rows if r["participant_id"] not in existing]
    old = [r for r in rows if r["participant_id"] in existing]
    if new:
        conn.execute(participants.insert(), new)
    if old:
        stmt = participants.update().where(participants.c.participant_id == sa.bindparam("pid"))
        conn.execute(
            stmt, [{**{k: v for k, v in r.items() if k != "participant_id"}, "pid": r["participant_id"]} for r in old]
        )
    matched = frame[frame["mentor_id"].notna()]
    if not matched.empty:
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
        stmt = pairs.update().where((pairs.c.mentor_id == sa.bindparam("m")) & (pairs.c.mentee_id == sa.bindparam("e")))
        conn.execute(
            stmt, [{"m": r["mentor_id"], "e": r["mentee_id"], "matched_on": r["matched_on"]} for r in pair_rows]
        )


def _py_date(value: object):  # type: ignore[no-untyped-def]
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _clean(value: object) -> object:
    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
        return None
    return value


def _participant_row(r: dict) -> dict:
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
        "updated_at": now(),
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


def finish_import(conn: Connection, import_id: int, **counts: int) -> None:
    """Write an import run's final counts."""
    conn.execute(imports.update().where(imports.c.import_id == import_id).values(**counts))


CHANNELS = ("link", "email", "workshop", "import")  # how a submission came in


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
    received = now()
    submitted = pd.to_datetime(frame["submitted_at"])
    when = submitted.dt.to_pydatetime().tolist() if pg else _cells(clean.iso_text(submitted, unit="us", sep=" "))
    pair = frame["pair_id"].astype("Float64").astype("Int64")
    columns = [
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
    ]
    data = list(
        zip(
            [instrument.id] * len(frame),
            _cells(frame["cohort_id"]),
            _cells(frame["participant_id"]),
            [None if pd.isna(v) else int(v) for v in pair],
            _cells(frame["goal_id"]),
            when,
            [source] * len(frame),
            _cells(frame["dedupe_key"]),
            [import_id] * len(frame),
            [received if pg else received.strftime("%Y-%m-%d %H:%M:%S.%f")] * len(frame),
            _cells(frame["raw"]),
            _cells(frame["flags"]) if "flags" in frame.columns else [None] * len(frame),
            [channel] * len(frame),
            strict=True,
        )
    )
    mark = "%s" if pg else "?"
    # column names are this module's constants; every value is a bound parameter
    insert = f"INSERT INTO submissions ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"  # noqa: S608
    # ids handed out from here on are above every id that exists now (sequence / rowid order),
    # so a range scan on the primary key finds this import's rows in a store of any size
    before = conn.execute(sa.select(sa.func.max(submissions.c.submission_id))).scalar() or 0
    if pg:  # COPY into a staging table, then one INSERT … SELECT that skips stored keys
        listed = ", ".join(columns)
        stage = f"CREATE TEMP TABLE mk_incoming ON COMMIT DROP AS SELECT {listed} FROM submissions WITH NO DATA"  # noqa: S608
        move = f"INSERT INTO submissions ({listed}) SELECT {listed} FROM mk_incoming ON CONFLICT DO NOTHING"  # noqa: S608
        conn.exec_driver_sql("DROP TABLE IF EXISTS mk_incoming")
        conn.exec_driver_sql(stage)
        _copy_rows(conn, "mk_incoming", columns, data)
        conn.exec_driver_sql(move)
    else:
        conn.exec_driver_sql(insert + " ON CONFLICT DO NOTHING", data)
    found = conn.execute(
        sa.select(submissions.c.dedupe_key, submissions.c.submission_id)
        .where(submissions.c.submission_id > before)
        .where(submissions.c.import_id == import_id)
    ).all()
    keys = pd.Index([k for k, _ in found], dtype="string")
    at = keys.get_indexer(pd.Index(frame["dedupe_key"], dtype="string"))
    new_ids = pd.Series(pd.array([found[i][1] if i >= 0 else None for i in at], dtype="Int64"), index=frame.index)
    new = new_ids.notna()
    sid = new_ids[new].astype("int64")
    parts = []
    for item in instrument.items:
        if item.id not in frame.columns:
            continue
        values = frame.loc[new, item.id]
        keep = values.notna().to_numpy()
        if not keep.any():
            continue
        part = pd.DataFrame({"submission_id": sid[keep], "item_id": item.id})
        if item.kind in ("yesno", "likert5", "percent"):
            part["value_num"], part["value_text"] = values[keep].astype("float64"), None
        else:
            part["value_num"], part["value_text"] = None, [_as_text(v) for v in values[keep].tolist()]
        parts.append(part)
    # in the answers' primary-key order (by submission, then item): the b-tree grows at its end
    long = pd.concat(parts).sort_values(["submission_id", "item_id"], kind="stable") if parts else None
    rows = (
        list(zip(*(long[c].to_numpy(dtype=object, na_value=None).tolist() for c in long.columns), strict=True))
        if long is not None
        else []
    )
    if pg:
        _copy_rows(conn, "answers", ["submission_id", "item_id", "value_num", "value_text"], rows)
    elif rows:
        conn.exec_driver_sql(
            "INSERT INTO answers (submission_id, item_id, value_num, value_text) VALUES (?, ?, ?, ?)", rows
        )
    return new_ids


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
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    return str(value)


class Erasure(TypedDict):
    """What ``forget`` removed, for the person running it (the audit row keeps the counts)."""

    participant_id: str
    reference: str  # random, never derived from the person
    fields: list[str]
    raw_rows: int
    free_text_answers: int


def forget(engine: Engine, email: str) -> Erasure | None:
    """Erase a person's personal data (right to erasure); keeps an audit record without it.

    Clears the roster's name, e-mail, department and attributes, the raw rows kept with the
    person's submissions and their free-text answers. Their scored answers stay, linked only to
    the pseudonymous participant id, so cohort figures do not change.
    """
    import secrets

    address = email.strip().lower()
    with retrying(engine) as conn:
        pid = conn.execute(
            sa.select(participants.c.participant_id).where(sa.func.lower(participants.c.email) == address)
        ).scalar()
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
        done = Erasure(
            participant_id=pid,
            reference=secrets.token_hex(6),
            fields=["name", "email", "department", "attributes"],
            raw_rows=raw_rows,
            free_text_answers=texts,
        )
        removed = {k: done[k] for k in ("fields", "raw_rows", "free_text_answers")}  # no personal data
        conn.execute(erasures.insert().values(erased_at=now(), reference=done["reference"], removed=removed))
    return done


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
    ).where(named | participants.c.mentor_id.in_(sa.select(participants.c.participant_id).where(named)))
    return pd.read_sql(stmt, conn)


def read_participants(conn: Connection, cohort_ids: list[str] | None = None) -> pd.DataFrame:
    """Roster rows (all cohorts, or these)."""
    stmt = sa.select(
        participants.c.participant_id,
        participants.c.cohort_id,
        participants.c.role,
        participants.c.name,
        participants.c.email,
        participants.c.mentor_id,
        participants.c.matched_on,
        participants.c.department,
    )
    if cohort_ids is not None:
        stmt = stmt.where(participants.c.cohort_id.in_(cohort_ids))
    df = pd.read_sql(stmt, conn)
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


def read_all_pairs(conn: Connection) -> pd.DataFrame:
    """Every pair ever recorded (check-ins and goals keep the pair they were about)."""
    return pd.read_sql(sa.select(pairs), conn)


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
    """Submissions with their long answers pivoted to one column per item."""
    numeric = [i.id for i in instrument.items if i.kind in ("yesno", "likert5", "percent")]
    texts = [i.id for i in instrument.items if i.id not in numeric]
    out = head.set_index("submission_id")
    if not long.empty:
        num = long[long["item_id"].isin(numeric)].pivot(index="submission_id", columns="item_id", values="value_num")
        txt = long[long["item_id"].isin(texts)].pivot(index="submission_id", columns="item_id", values="value_text")
        out = out.join(num).join(txt)
    for item in instrument.items:
        if item.id not in out.columns:
            out[item.id] = pd.Series(dtype="float64" if item.id in numeric else "string")
        if item.kind == "date":
            out[item.id] = pd.to_datetime(out[item.id], format="%Y-%m-%d").astype("datetime64[us]")
        elif item.id in numeric:
            out[item.id] = out[item.id].astype("float64")
        else:
            out[item.id] = out[item.id].astype("string")
    return out.reset_index()


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


@dataclass(frozen=True)
class CohortData:
    """Everything scoring needs about some cohorts, read in one go."""

    participants: pd.DataFrame
    pairs: pd.DataFrame
    responses: dict[str, pd.DataFrame]


def load(engine: Engine, cohort_ids: list[str] | None = None) -> CohortData:
    """Read the roster, pairs and every instrument's responses of these cohorts."""
    with engine.connect() as conn:
        return CohortData(
            participants=read_participants(conn, cohort_ids),
            pairs=read_pairs(conn, cohort_ids),
            responses={i: read_responses(conn, inst, cohort_ids) for i, inst in ins.instruments().items()},
        )
