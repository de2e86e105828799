"""Team mode: the sample programme on PostgreSQL scores and reports exactly as on SQLite."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SAMPLE_AS_OF, _pg_database, run_cli

pytestmark = pytest.mark.postgres
COHORTS = ["2026-fall-ops", "2026-pilot-legal", "2026-spring-eng", "2026-spring-sales"]


@pytest.fixture(scope="module")
def pg_sample(tmp_path_factory):
    url = _pg_database()
    home = tmp_path_factory.mktemp("pg")
    result = run_cli("demo", "--db", url, env={"MENTORKIT_HOME": str(home)})
    assert result.returncode == 0, result.stderr
    return url


def test_sample_scores_the_same_on_postgres(pg_sample, sample_db):
    for cohort in COHORTS:
        got = [
            json.loads(run_cli("score", "--cohort", cohort, "--as-of", SAMPLE_AS_OF, "--json", "--db", url).stdout)
            for url in (pg_sample, sample_db)
        ]
        assert got[0] == got[1]


def test_plain_postgresql_urls_use_psycopg(pg_sample):
    plain = pg_sample.replace("postgresql+psycopg://", "postgresql://")
    result = run_cli("score", "--cohort", "2026-pilot-legal", "--as-of", SAMPLE_AS_OF, "--json", "--db", plain)
    assert result.returncode == 0 and json.loads(result.stdout)["enrolled"] == {"mentor": 2, "mentee": 2}


@pytest.mark.kernel
def test_reports_from_postgres(pg_sample, tmp_path):
    out = tmp_path / "out"
    result = run_cli(
        "report", "--cohort", "2026-spring-eng", "--as-of", SAMPLE_AS_OF, "--db", pg_sample, "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    # the cohort's readiness and goal progress reports, and the programme report over it
    assert manifest["ok"] == 3 and "postgresql+psycopg://" in manifest["parameters"]["db"]
    assert "72.1" in (out / "2026-spring-eng" / "readiness.html").read_text("utf-8")
