"""Where the store lives and how to open it: workspace, URLs, engines, schema checks and upgrades, transactions."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

from mentorkit import formats as display
from mentorkit.errors import StoreError
from mentorkit.settings import DEFAULT
from mentorkit.store.schema import SCHEMA_REVISION
from mentorkit.workspace import current as current_workspace

DEFAULT_DB_NAME = "mentorkit.db"


# --- where the store lives -------------------------------------------------------------------


def workspace() -> Path:
    """The workspace folder: the nearest with a ``mentorkit.toml`` upwards, else ``MENTORKIT_HOME``, else the cwd."""
    return current_workspace().root


def default_url() -> str:
    """``MENTORKIT_DB``, else ``[store] url`` of ``mentorkit.toml``, else the SQLite file ``data/mentorkit.db`` there."""
    found = current_workspace()
    return found.store_url or f"sqlite:///{found.root / 'data' / DEFAULT_DB_NAME}"


def data_dir(engine: Engine) -> Path:
    """Where files that go beside the store (quarantine CSVs) are written."""
    if engine.url.get_backend_name() == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        return Path(engine.url.database).resolve().parent
    return workspace() / "data"


PASSWORD_ENV = "MENTORKIT_DB_PASSWORD"  # the database password when the URL names a user but no password


def normalize_url(url: str) -> sa.URL:
    """A database URL parsed; ``postgresql://`` means psycopg 3; one clear error for a bad URL.

    A URL with a user and no password takes the password from ``MENTORKIT_DB_PASSWORD`` when it is set
    (how report kernels get it: never in a notebook's parameters).
    """
    try:
        parsed = sa.make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        shown = re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", url)  # never the password of a mistyped URL
        raise StoreError(f"not a database URL: {shown!r}") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    password = os.environ.get(PASSWORD_ENV)
    if parsed.username and parsed.password is None and password:
        parsed = parsed.set(password=password)
    return parsed


def split_password(url: str) -> tuple[str, str | None]:
    """The URL as text without its password, and the password (None when the URL has none)."""
    try:
        parsed = sa.make_url(url)
    except ArgumentError:
        return url, None  # not a URL: connect() refuses it before anything runs
    if parsed.password is None:
        return url, None
    public = sa.URL.create(parsed.drivername, parsed.username, None, parsed.host, parsed.port, parsed.database)
    return public.update_query_dict(dict(parsed.query)).render_as_string(hide_password=False), str(parsed.password)


def kernel_env(url: str) -> dict[str, str]:
    """The environment of a process that opens ``split_password(url)[0]``: this one's, plus the password."""
    _public, password = split_password(url)
    return {**os.environ, PASSWORD_ENV: password} if password is not None else dict(os.environ)


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={int(DEFAULT.store_busy_seconds * 1000)}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA cache_size=-65536")  # 64 MiB (default 2 MiB): big imports and reads stay in memory
    cur.close()


_ENGINES: dict[str, Engine] = {}


def _make_engine(parsed: sa.URL) -> Engine:
    """An engine with mentorkit's connection settings (SQLite: WAL, busy timeout)."""
    if parsed.get_backend_name() == "sqlite":
        engine = sa.create_engine(parsed, connect_args={"timeout": DEFAULT.store_busy_seconds})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 10})


def _first_line(exc: Exception) -> str:
    return display.first_line(str(getattr(exc, "orig", exc))) or type(exc).__name__


def connect(url: str | None = None, *, create: bool = True) -> Engine:
    """An engine on a ready store (schema created when missing); one clear error otherwise."""
    raw = url or default_url()
    if raw in _ENGINES:
        return _ENGINES[raw]
    parsed = normalize_url(raw)
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
            from mentorkit.store import migrations

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
    from mentorkit.store import migrations

    raw = url or default_url()
    engine = _make_engine(normalize_url(raw))
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
    parsed = normalize_url(url or default_url())
    engine = _make_engine(parsed)
    try:
        with engine.connect() as conn:
            return schema_revision(conn)
    except (OperationalError, DBAPIError) as exc:
        shown = parsed.render_as_string(hide_password=True)
        raise StoreError(f"cannot open the database {shown}: {_first_line(exc)}") from None
    finally:
        engine.dispose()


@contextmanager
def retrying(engine: Engine, attempts: int = 8) -> Iterator[Connection]:
    """A transaction; on SQLite a 'database is locked' at BEGIN is retried with back-off."""
    with ExitStack() as stack:
        for attempt in range(attempts):
            try:
                conn = stack.enter_context(engine.begin())
            except OperationalError as exc:
                if "locked" in str(exc) and attempt < attempts - 1:
                    time.sleep(0.05 * 2**attempt)
                    continue
                raise
            break
        yield conn  # the transaction commits when the block ends, and rolls back on an exception


def now() -> datetime:
    """The current time, naive UTC (the store keeps UTC without a zone)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)
