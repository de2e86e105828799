"""Shared fixtures: a real SQLite file per test, and PostgreSQL when a server is available."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from filelock import FileLock

from mentorkit import store

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
SAMPLE_AS_OF = "2026-11-15"
SAMPLE_DAY = date.fromisoformat(SAMPLE_AS_OF)  # the same, as the date reportkit.context takes
PG_ADMIN = os.environ.get("MENTORKIT_TEST_PG_URL")  # e.g. postgresql+psycopg://postgres@127.0.0.1:5433/postgres


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Every test gets its own workspace, and works in it; nothing touches data/ of the checkout.

    The checkout's own mentorkit.toml would win over MENTORKIT_HOME (the nearest workspace upwards comes
    first), so the test runs in its temporary folder, which has none.
    """
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MENTORKIT_HOME", str(tmp_path))
    monkeypatch.delenv("MENTORKIT_DB", raising=False)
    yield
    store.dispose_all()


def _pg_database() -> str:
    if not PG_ADMIN:
        pytest.skip("no PostgreSQL server: set MENTORKIT_TEST_PG_URL (.ci/run starts one)")
    name = f"mk_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return str(sa.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    """A fresh, empty store URL: a SQLite file, and (when available) a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'mentorkit.db'}"
    return _pg_database()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A fresh SQLite store URL (tests of SQLite-only behaviour)."""
    return f"sqlite:///{tmp_path / 'data' / 'mentorkit.db'}"


@pytest.fixture
def engine(db_url):
    return store.connect(db_url)


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    """Run the real ``mentorkit`` command in a subprocess.

    It runs in ``cwd``, else in the ``MENTORKIT_HOME`` it is given, else here: a session or module fixture
    runs before any test's own folder is entered, and the checkout's mentorkit.toml would win over
    ``MENTORKIT_HOME`` there.
    """
    full_env = {**os.environ, **(env or {})}
    if cwd is None and env and "MENTORKIT_HOME" in env:
        cwd = Path(env["MENTORKIT_HOME"])
    exe = shutil.which("mentorkit", path=str(Path(sys.executable).parent)) or "mentorkit"
    return subprocess.run(
        [exe, *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=timeout, check=False
    )


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory) -> str:
    """The sample programme loaded once into a SQLite file (read-only use)."""
    folder = tmp_path_factory.mktemp("sample")
    url = f"sqlite:///{folder / 'mentorkit.db'}"
    result = run_cli("demo", "--db", url, env={"MENTORKIT_HOME": str(folder)})
    assert result.returncode == 0, result.stderr
    return url


@pytest.fixture(scope="session")
def sample_reports(sample_db, tmp_path_factory, worker_id) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """The sample's ``mentorkit report --all --as-of SAMPLE_AS_OF``, run once for the whole session.

    Shared by every xdist worker (the first to ask runs it under a file lock, the others wait and
    read it): tests only read the folder; a test that changes a run makes its own.
    """
    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    folder = shared / "sample-reports"
    out, record = folder / SAMPLE_AS_OF, folder / "result.json"
    with FileLock(str(shared / "sample-reports.lock")):
        if not record.is_file():
            folder.mkdir(exist_ok=True)
            ran = run_cli(
                "report", "--all", "--as-of", SAMPLE_AS_OF, "--db", sample_db, "--out", str(out), "--jobs", "2"
            )
            record.write_text(json.dumps({"returncode": ran.returncode, "stdout": ran.stdout, "stderr": ran.stderr}))
    said = json.loads(record.read_text())
    result = subprocess.CompletedProcess(
        ["mentorkit", "report", "--all"], said["returncode"], said["stdout"], said["stderr"]
    )
    assert result.returncode == 0, result.stderr
    return out, result


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    """A small CSV written by hand."""
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture
def sample_copy(sample_db, tmp_path) -> str:
    """A private, writable copy of the sample store."""
    src = Path(sa.make_url(sample_db).database)
    dst = tmp_path / "data" / "sample.db"
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(src, dst)
    return f"sqlite:///{dst}"
