"""A database password in ``--db`` reaches the report kernels through their environment, never an output."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from mentorkit import cli, store
from tests.conftest import PG_ADMIN, SAMPLE_AS_OF, run_cli

COHORT = "2026-pilot-legal"


@pytest.fixture
def pg_with_password():
    """A PostgreSQL user with a password and a database it owns: (URL with the password, the password)."""
    if not PG_ADMIN:
        pytest.skip("no PostgreSQL server: set MENTORKIT_TEST_PG_URL (.ci/run starts one)")
    name = f"mk_pw_{uuid.uuid4().hex[:10]}"
    password = f"Pw-{uuid.uuid4().hex}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'"))
        conn.execute(sa.text(f'CREATE DATABASE "{name}" OWNER {name}'))
    url = sa.make_url(PG_ADMIN).set(username=name, password=password, database=name)
    yield url.render_as_string(hide_password=False), password
    store.dispose_all()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f"DROP ROLE IF EXISTS {name}"))
    admin.dispose()


def every_file(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


@pytest.mark.postgres
@pytest.mark.kernel
def test_the_password_is_in_no_file_of_a_report_run_nor_its_output(pg_with_password, tmp_path):
    url, password = pg_with_password
    home = {"MENTORKIT_HOME": str(tmp_path)}
    demo = run_cli("demo", "--db", url, env=home)
    assert demo.returncode == 0, demo.stderr
    out = tmp_path / "reports"
    args = ["--cohort", COHORT, "--as-of", SAMPLE_AS_OF, "--db", url, "--out", str(out)]
    run = run_cli("report", *args, env=home)
    assert run.returncode == 0, run.stderr
    index = run_cli("report", "--index", "--db", url, "--out", str(out), env=home)  # the programme report again
    assert index.returncode == 0, index.stderr
    public = url.replace(f":{password}@", "@")
    for name in ("readiness.ipynb", "goal_progress.ipynb"):
        nb = json.loads((out / COHORT / name).read_text("utf-8"))
        assert nb["metadata"]["mentorkit"]["parameters"]["db_url"] == public
    nb = json.loads((out / "programme.ipynb").read_text("utf-8"))
    assert nb["metadata"]["mentorkit"]["parameters"]["db_url"] == public
    assert json.loads((out / "manifest.json").read_text("utf-8"))["ok"] == 3  # the kernels reached the store
    files = every_file(tmp_path)
    assert len(files) > 10
    for path in files:
        assert password.encode() not in path.read_bytes(), path
    for result in (demo, run, index):
        assert password not in result.stdout + result.stderr


@pytest.mark.postgres
def test_the_password_is_in_no_error_line(capsys, pg_with_password):
    url, password = pg_with_password
    wrong = sa.make_url(url).set(port=1).render_as_string(hide_password=False)  # nothing listens on port 1
    assert cli.main(["score", "--cohort", COHORT, "--db", wrong]) == 1
    mistyped = url.replace(f":{sa.make_url(url).port}/", ":port/")
    assert cli.main(["score", "--cohort", COHORT, "--db", mistyped]) == 1
    err = capsys.readouterr().err
    assert err.count("mentorkit: error: ") == 2 and "internal error" not in err, err
    assert password not in err


def test_a_url_without_password_takes_it_from_the_environment(monkeypatch):
    url = "postgresql://mentor@db.example.com/mk"
    public, password = store.split_password("postgresql://mentor:Secret%40x@db.example.com/mk")
    assert (public, password) == (url, "Secret@x")
    env = store.kernel_env("postgresql://mentor:Secret%40x@db.example.com/mk")
    assert env[store.PASSWORD_ENV] == "Secret@x"
    monkeypatch.setenv(store.PASSWORD_ENV, "Secret@x")
    assert store.normalize_url(url).password == "Secret@x"
    assert store.normalize_url("sqlite:///x.db").password is None  # no user: nothing to add
