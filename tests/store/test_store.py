"""The store: schema and migrations, append-only writes, indexes, erasure, concurrency and faults."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from mentorkit import instruments as ins
from mentorkit import store
from mentorkit.errors import StoreError
from mentorkit.intake import ingest
from mentorkit.store import migrations
from tests.builders import ROSTER_HEADER, header
from tests.conftest import SAMPLE, SAMPLE_AS_OF, run_cli, write_csv


def test_schema_revision_is_the_alembic_head():
    assert migrations.head() == store.SCHEMA_REVISION


def test_migrated_schema_matches_the_code(db_url):
    engine = store.connect(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), store.metadata)
    assert diff == []


def _store_at(db_url: str, revision: str, *statements: str) -> None:
    """A store as an older mentorkit left it: migrated to ``revision`` only, then ``statements``."""
    url = store.normalize_url(db_url)
    if url.get_backend_name() == "sqlite":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    raw = sa.create_engine(url)
    with raw.begin() as conn:
        migrations.upgrade(conn, revision)
        for sql in statements:
            conn.execute(sa.text(sql))
    raw.dispose()


@pytest.mark.slow
def test_older_store_is_refused_then_upgraded_keeping_its_data(db_url, tmp_path):
    _store_at(db_url, "0001", "INSERT INTO cohorts (cohort_id, created_at) VALUES ('old', '2026-01-01 00:00:00')")
    with pytest.raises(StoreError, match=r"older than this mentorkit.*mentorkit db upgrade"):
        store.connect(db_url)
    result = run_cli("db", "upgrade", "--db", db_url)
    assert result.returncode == 0 and f"schema 0001 → {store.SCHEMA_REVISION}" in result.stdout
    engine = store.connect(db_url)
    with engine.connect() as conn:
        assert store.list_cohorts(conn) == ["old"]
        assert "flags" in {c["name"] for c in sa.inspect(conn).get_columns("submissions")}


@pytest.mark.slow
def test_raw_rows_stored_before_and_after_0004_read_back_alike(db_url, tmp_path):
    # a store at 0003 kept each raw row as a JSON object; from 0004 a row keeps its cells as an
    # array and its import the column names once
    _store_at(db_url, "0003")
    assert run_cli("db", "upgrade", "--db", db_url).returncode == 0
    engine = store.connect(db_url)
    roster = write_csv(
        tmp_path / "roster.csv",
        ROSTER_HEADER,
        [["c1", "e1", "mentee", "Eve", "eve@example.com", "", "", ""]],
    )
    ingest.import_file(engine, roster, "roster")
    answers = write_csv(
        tmp_path / "a.csv",
        header("mentee_readiness", "email", "submitted_at"),
        [["EVE@example.com", "2026-05-02", " Yes ", "n", "", "1", "0", "no"]],
    )
    new_id = ingest.import_file(engine, answers, "mentee_readiness").receipts[0]
    with engine.begin() as conn:  # a row as 0003 stored it (no import, a JSON object)
        old_id = conn.execute(
            store.submissions.insert().values(
                instrument="mentee_readiness",
                cohort_id="c1",
                participant_id="e1",
                submitted_at=pd.Timestamp("2026-04-01").to_pydatetime(),
                source="mentorkit",
                dedupe_key="c:old",
                received_at=pd.Timestamp("2026-04-01").to_pydatetime(),
                raw={"email": "eve@example.com", "me01": "yes"},
                channel="import",
            )
        ).inserted_primary_key[0]
        stored = conn.execute(sa.select(store.submissions.c.raw).where(store.submissions.c.submission_id == new_id))
        assert stored.scalar() == ["EVE@example.com", "2026-05-02", " Yes ", "n", "", "1", "0", "no"]
        rows = store.read_raw(conn, [new_id, old_id])
    assert rows[new_id] == {
        "email": "EVE@example.com",
        "submitted_at": "2026-05-02",
        "me01": " Yes ",
        "me02": "n",
        "me03": "",
        "me04": "1",
        "me05": "0",
        "me06": "no",
    }
    assert rows[old_id] == {"email": "eve@example.com", "me01": "yes"}


@pytest.mark.slow
def test_0005_gives_every_stored_submission_a_channel(db_url):
    # a store at 0004 with one file import and one form answer (the forms' source is "form");
    # after the upgrade the file row is `import` and the form row `email` (0004 cannot tell a
    # typed e-mail from a workshop's roster picker: the weaker claim)
    _store_at(
        db_url,
        "0004",
        "INSERT INTO cohorts (cohort_id, created_at) VALUES ('c1', '2026-01-01 00:00:00')",
        "INSERT INTO submissions (instrument, cohort_id, participant_id, submitted_at, source, dedupe_key,"
        " received_at) VALUES ('mentee_readiness', 'c1', 'e1', '2026-04-01 00:00:00', 'qualtrics', 'c:a',"
        " '2026-04-01 00:00:00')",
        "INSERT INTO submissions (instrument, cohort_id, participant_id, submitted_at, source, dedupe_key,"
        " received_at) VALUES ('mentee_readiness', 'c1', 'e1', '2026-04-02 00:00:00', 'form', 'c:b',"
        " '2026-04-02 00:00:00')",
    )
    with pytest.raises(StoreError, match="older than this mentorkit"):
        store.connect(db_url)
    result = run_cli("db", "upgrade", "--db", db_url)
    assert result.returncode == 0 and f"schema 0004 → {store.SCHEMA_REVISION}" in result.stdout, result.stderr
    with store.connect(db_url).connect() as conn:
        got = conn.execute(
            sa.select(store.submissions.c.dedupe_key, store.submissions.c.channel).order_by("dedupe_key")
        ).all()
        column = {c["name"]: c for c in sa.inspect(conn).get_columns("submissions")}["channel"]
    assert [tuple(r) for r in got] == [("c:a", "import"), ("c:b", "email")]
    assert column["nullable"] is False


def test_0005_downgrade_refuses_to_lose_link_and_workshop_channels(sqlite_url):
    from alembic import command

    _store_at(
        sqlite_url,
        "0005",
        "INSERT INTO submissions (instrument, cohort_id, participant_id, submitted_at, source, dedupe_key,"
        " received_at, channel) VALUES ('mentee_readiness', 'c1', 'e1', '2026-04-02 00:00:00', 'form', 'c:b',"
        " '2026-04-02 00:00:00', 'link')",
    )
    engine = sa.create_engine(sqlite_url)
    with pytest.raises(RuntimeError, match="1 submissions know they came through a link"), engine.begin() as conn:
        command.downgrade(migrations.config(conn), "0004")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE submissions SET channel = 'import'"))
        command.downgrade(migrations.config(conn), "0004")
        assert store.schema_revision(conn) == "0004"
        assert "channel" not in {c["name"] for c in sa.inspect(conn).get_columns("submissions")}
    engine.dispose()


@pytest.mark.slow
def test_0007_makes_the_stored_roster_each_persons_first_version(db_url, tmp_path):
    # a store at 0005 with a mentor and a mentee (matched 1 May) and one roster import; after the
    # upgrade each of the two has one version, in force from the start, and the import 0 updates
    _store_at(
        db_url,
        "0005",
        "INSERT INTO cohorts (cohort_id, created_at) VALUES ('c1', '2026-01-01 00:00:00')",
        "INSERT INTO participants (participant_id, cohort_id, role, name, email, mentor_id, matched_on,"
        " department, updated_at) VALUES ('m1', 'c1', 'mentor', 'Ann', 'ann@example.com', NULL, NULL, 'Eng',"
        " '2026-04-01 08:00:00')",
        "INSERT INTO participants (participant_id, cohort_id, role, name, email, mentor_id, matched_on,"
        " department, updated_at) VALUES ('e1', 'c1', 'mentee', 'Cy', 'cy@example.com', 'm1', '2026-05-01',"
        " 'Ops', '2026-04-01 08:00:00')",
        "INSERT INTO pairs (cohort_id, mentor_id, mentee_id, matched_on) VALUES ('c1', 'm1', 'e1', '2026-05-01')",
        "INSERT INTO imports (instrument, source, file_name, imported_at, rows_read, accepted, duplicates,"
        " quarantined) VALUES ('roster', 'mentorkit', 'roster.csv', '2026-04-01 08:00:00', 2, 2, 0, 0)",
    )
    result = run_cli("db", "upgrade", "--db", db_url)
    assert result.returncode == 0 and f"schema 0005 → {store.SCHEMA_REVISION}" in result.stdout, result.stderr
    engine = store.connect(db_url)
    v = store.participant_versions
    with engine.connect() as conn:
        versions = conn.execute(
            sa.select(v.c.participant_id, v.c.mentor_id, v.c.department, v.c.recorded_at, v.c.in_force_from).order_by(
                v.c.participant_id
            )
        ).all()
        updated = conn.execute(sa.select(store.imports.c.updated)).scalars().all()
    when = pd.Timestamp("2026-04-01 08:00:00").to_pydatetime()
    assert [tuple(r) for r in versions] == [("e1", "m1", "Ops", when, None), ("m1", None, "Eng", when, None)]
    assert updated == [0]
    # the upgraded store takes a re-match as a second version, and the day before still has the first
    path = write_csv(
        tmp_path / "roster.csv",
        ROSTER_HEADER,
        [
            ["c1", "m1", "mentor", "Ann", "ann@example.com", "", "", "Eng"],
            ["c1", "m2", "mentor", "Bo", "bo@example.com", "", "", "Eng"],
            ["c1", "e1", "mentee", "Cy", "cy@example.com", "m2", "2026-06-01", "Ops"],
        ],
    )
    again = ingest.import_file(engine, path, "roster")
    assert (again.accepted, again.updated, again.duplicates) == (1, 1, 1)
    yesterday = (store.now() - pd.Timedelta(days=1)).date()
    pairs = store.load(engine, ["c1"], as_of=yesterday).pairs
    assert list(zip(pairs["mentor_id"], pairs["mentee_id"], strict=True)) == [("m1", "e1")]


def test_0007_downgrade_refuses_to_lose_later_roster_versions(sqlite_url, tmp_path):
    from alembic import command

    engine = store.connect(sqlite_url)
    rows = [["c1", "m1", "mentor", "Ann", "ann@example.com", "", "", "Eng"]]
    ingest.import_file(engine, write_csv(tmp_path / "r.csv", ROSTER_HEADER, rows), "roster")
    rows[0][7] = "Ops"  # a second version of m1
    assert ingest.import_file(engine, write_csv(tmp_path / "r2.csv", ROSTER_HEADER, rows), "roster").updated == 1
    store.dispose_all()
    raw = sa.create_engine(sqlite_url)
    with pytest.raises(RuntimeError, match="1 later roster versions are recorded"), raw.begin() as conn:
        command.downgrade(migrations.config(conn), "0005")
    with raw.begin() as conn:
        assert store.schema_revision(conn) == store.SCHEMA_REVISION
        assert conn.execute(sa.select(sa.func.count()).select_from(store.participant_versions)).scalar() == 2
    raw.dispose()


def test_imports_and_forms_record_their_channel(sample_copy):
    engine = store.connect(sample_copy)
    row = {"participant_id": "M-LEG-01", "submitted_at": "2026-11-20T10:00:00Z"}
    row |= {f"mr{i:02d}": "yes" for i in range(1, 12)}
    link = ingest.submit_rows(engine, "mentor_readiness", [row], channel="link").receipts[0]
    workshop = ingest.submit_rows(engine, "mentor_readiness", [{**row, "mr01": "no"}]).receipts[0]
    with engine.connect() as conn:
        channels = dict(conn.execute(sa.select(store.submissions.c.submission_id, store.submissions.c.channel)).all())
    assert channels[link] == "link" and channels[workshop] == "workshop"
    # everything `mentorkit demo` loaded came from files
    others = {c for sid, c in channels.items() if sid not in (link, workshop)}
    assert others == {"import"}


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(sqlite_url):
    engine = store.connect(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000  # store_busy_seconds: 10 s


def test_reading_one_cohort_uses_the_cohort_index(sample_db):
    engine = store.connect(sample_db)
    s = store.submissions
    stmt = sa.select(s.c.submission_id).where((s.c.instrument == "checkin") & s.c.cohort_id.in_(["2026-fall-ops"]))
    with engine.connect() as conn:
        sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
        plan = " ".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    assert "USING INDEX ix_submissions_cohort" in plan or "USING COVERING INDEX ix_submissions_cohort" in plan


@pytest.mark.slow
def test_forget_erases_personal_data_and_keeps_an_audit_record(sample_copy):
    engine = store.connect(sample_copy)
    before = run_cli("score", "--cohort", "2026-spring-eng", "--as-of", SAMPLE_AS_OF, "--json", "--db", sample_copy)
    with engine.connect() as conn:
        email = conn.execute(
            sa.select(store.participants.c.email).where(store.participants.c.participant_id == "E-ENG-01")
        ).scalar_one()
    result = run_cli("forget", "--email", email.upper(), "--db", sample_copy)
    assert result.returncode == 0 and "erased the personal data of E-ENG-01" in result.stdout
    with engine.connect() as conn:
        person = conn.execute(
            sa.select(store.participants).where(store.participants.c.participant_id == "E-ENG-01")
        ).one()
        assert (person.name, person.email, person.department) == (None, None, None)
        raws = (
            conn.execute(sa.select(store.submissions.c.raw).where(store.submissions.c.participant_id == "E-ENG-01"))
            .scalars()
            .all()
        )
        assert raws and all(r is None for r in raws)
        audit = conn.execute(sa.select(store.erasures)).one()
        assert email not in str(audit) and "E-ENG-01" not in str(audit)
    after = run_cli("score", "--cohort", "2026-spring-eng", "--as-of", SAMPLE_AS_OF, "--json", "--db", sample_copy)
    assert before.stdout == after.stdout  # the figures do not move


WORKER = textwrap.dedent("""
    import sys
    from mentorkit.intake import ingest
    from mentorkit import store
    url, n, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    engine = store.connect(url)
    ingest.import_file(engine, path, "mentee_readiness")              # the same file in every process
    for k in range(5):                                                 # and five answers of its own
        rows = [{"participant_id": f"e{(n * 5 + k) % 3 + 1}", "submitted_at": f"2026-06-{n + 1:02d}T10:0{k}:00Z",
                 **{f"me0{i}": "yes" for i in range(1, 7)}}]
        ingest.submit_rows(engine, "mentee_readiness", rows)
""")


@pytest.mark.parametrize("processes", [8])
@pytest.mark.slow
def test_eight_processes_lose_nothing_and_duplicate_nothing(db_url, tmp_path, processes):
    from tests.intake.test_ingest import MENTEE, ROSTER

    engine = store.connect(db_url)
    ingest.import_file(engine, write_csv(tmp_path / "r.csv", ROSTER_HEADER, ROSTER), "roster")
    shared = write_csv(
        tmp_path / "m.csv", MENTEE, [[f"e{i}", "", f"2026-05-0{i}T10:00:00Z", *["yes"] * 6] for i in (1, 2, 3)]
    )
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    procs = [
        subprocess.Popen([sys.executable, str(script), db_url, str(n), str(shared)], stderr=subprocess.PIPE, text=True)
        for n in range(processes)
    ]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * processes, errors
    with engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(store.submissions)).scalar()
        keys = conn.execute(sa.select(sa.func.count(sa.distinct(store.submissions.c.dedupe_key)))).scalar()
        answers = conn.execute(sa.select(sa.func.count()).select_from(store.answers)).scalar()
    assert count == 3 + processes * 5 == keys  # the shared file once, every own answer once
    assert answers == 6 * count


@pytest.mark.slow
def test_import_killed_halfway_leaves_the_store_as_before(sample_copy, tmp_path):
    """A big import is killed while it writes: nothing of it is in the store afterwards."""
    engine = store.connect(sample_copy)
    with engine.connect() as conn:
        before = conn.execute(sa.select(sa.func.count()).select_from(store.submissions)).scalar()
    people = pd.read_csv(SAMPLE / "roster.csv")
    mentees = people[people["role"] == "mentee"]["participant_id"].tolist()
    rows = [
        [mentees[i % len(mentees)], "", f"2026-07-01T00:00:{i % 60:02d}Z", *(["yes", "no"] * 3)] for i in range(60_000)
    ]
    rows = [
        [
            r[0],
            r[1],
            f"2026-{7 + (i // 40000) % 3:02d}-{1 + (i // 1440) % 28:02d}T{(i // 60) % 24:02d}:{i % 60:02d}:00Z",
            *r[3:],
        ]
        for i, r in enumerate(rows)
    ]
    big = write_csv(
        tmp_path / "big.csv",
        header("mentee_readiness", "participant_id", "email", "submitted_at"),
        rows,
    )
    wal = Path(sa.make_url(sample_copy).database + "-wal")
    start_size = wal.stat().st_size if wal.exists() else 0
    exe = str(Path(sys.executable).parent / "mentorkit")
    proc = subprocess.Popen(
        [exe, "import", str(big), "--instrument", "mentee_readiness", "--db", sample_copy],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > start_size + 2_000_000:  # it is writing
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the import finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    store.dispose_all()
    engine = store.connect(sample_copy)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert conn.execute(sa.select(sa.func.count()).select_from(store.submissions)).scalar() == before
    result = run_cli("import", str(big), "--instrument", "mentee_readiness", "--db", sample_copy)
    assert result.returncode == 0 and result.stdout.startswith("read 60000, accepted 60000")


# --- transactions and layering -----------------------------------------------------------------


def test_retrying_commits_rolls_back_and_retries_a_locked_begin(tmp_path):
    import sqlite3

    engine = store.connect(f"sqlite:///{tmp_path / 'r.db'}")
    with store.retrying(engine) as conn:
        store.ensure_cohorts(conn, ["c1"])
    with pytest.raises(RuntimeError), store.retrying(engine) as conn:
        store.ensure_cohorts(conn, ["c2"])
        raise RuntimeError("boom")
    with engine.connect() as conn:
        assert store.list_cohorts(conn) == ["c1"]  # c2 was rolled back with its transaction

    fresh = sa.create_engine(f"sqlite:///{tmp_path / 'r.db'}")  # a new pool: each attempt connects
    failures = {"left": 2}

    def locked_twice(_dbapi_conn, _record):
        if failures["left"]:
            failures["left"] -= 1
            raise sqlite3.OperationalError("database is locked")

    sa.event.listen(fresh, "connect", locked_twice)
    with store.retrying(fresh, attempts=3) as conn:  # two locked attempts, the third gets through
        store.ensure_cohorts(conn, ["c3"])
    assert failures["left"] == 0
    with fresh.connect() as conn:
        assert store.list_cohorts(conn) == ["c1", "c3"]
    failures["left"] = 2
    fresh.dispose()
    with pytest.raises(sa.exc.OperationalError, match="locked"), store.retrying(fresh, attempts=2):
        pass  # out of attempts: the error is raised, nothing runs
    fresh.dispose()


@pytest.mark.slow
def test_scoring_does_not_import_the_database_layer():
    code = "import sys, mentorkit.analysis.score, mentorkit.data; print('sqlalchemy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_widen_puts_each_answer_in_its_submissions_row_and_items_column():
    # two goal definitions and an answer about a submission the head does not have (left out):
    # 11 answered title, start_date and agreed_by_mentor; 12 only the title; nobody the rest
    head = pd.DataFrame({"submission_id": [12, 11], "cohort_id": ["c", "c"]})
    long = pd.DataFrame(
        {
            "submission_id": [11, 11, 12, 11, 99],
            "item_id": ["title", "start_date", "title", "agreed_by_mentor", "title"],
            "value_num": [None, None, None, 1.0, None],
            "value_text": ["Lead a review", "2026-04-01", "<b>Talk</b>", None, "not ours"],
        }
    )
    wide = store.widen(head, long, ins.get("goals"))
    assert wide["submission_id"].tolist() == [12, 11]  # the head's order
    # the answered items first (numeric, then text, each sorted), then the others in the instrument's order
    answered = ["agreed_by_mentor", "start_date", "title"]
    rest = [i.id for i in ins.get("goals").items if i.id not in answered]
    assert list(wide.columns) == ["submission_id", "cohort_id", *answered, *rest]
    assert wide["title"].tolist() == ["<b>Talk</b>", "Lead a review"] and wide["title"].dtype == "string"
    assert wide["agreed_by_mentor"].isna().tolist() == [True, False] and wide["agreed_by_mentor"].iloc[1] == 1.0
    assert wide["start_date"].iloc[1] == pd.Timestamp("2026-04-01") and pd.isna(wide["start_date"].iloc[0])
    assert str(wide["start_date"].dtype) == "datetime64[us]" and wide["agreed_by_mentee"].isna().all()
