"""``mentorkit db check``: stored dates that cannot be read are set aside, nothing else changes, reads work again."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from mentorkit import store
from mentorkit.errors import UnreadableValueError
from tests.builders import CHECKIN_HEADER, GOALS_HEADER, ROSTER_HEADER, checkin_row, import_csv
from tests.conftest import run_cli

ROSTER = [
    ["c1", "m1", "mentor", "Ann Lee", "ann@example.com", "", "", ""],
    ["c1", "e1", "mentee", "Cy Ng", "cy@example.com", "m1", "2026-05-01", ""],
]
GOALS = [["g1", "m1", "e1", "Lead a review", "", "2026-06-01", "2026-12-01", "yes", "yes"]]


def _older_rows(engine) -> tuple[int, int]:
    """A goal agreement and a check-in as an older mentorkit stored them: a start date written
    ``999-06-01`` (strftime without the leading zero) and a check-in dated in the year 999."""
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO goals (goal_id, pair_id, cohort_id) VALUES ('g2', 1, 'c1')"))
        ids = []
        for instrument, goal, when, key in (
            ("goals", "g2", "2026-06-02 00:00:00", "c:old-goal"),
            ("checkin", None, "0999-06-01 00:00:00", "c:old-checkin"),
        ):
            conn.execute(
                sa.text(
                    "INSERT INTO submissions (instrument, cohort_id, participant_id, pair_id, goal_id, submitted_at,"
                    " source, dedupe_key, received_at, channel) VALUES (:i, 'c1', 'e1', 1, :g, :w, 'mentorkit', :k,"
                    " '2026-06-02 00:00:00', 'import')"
                ),
                {"i": instrument, "g": goal, "w": when, "k": key},
            )
            ids.append(conn.execute(sa.text("SELECT max(submission_id) FROM submissions")).scalar_one())
        for item, text in (("title", "Old goal"), ("start_date", "999-06-01"), ("target_date", "2026-12-01")):
            conn.execute(
                sa.text("INSERT INTO answers (submission_id, item_id, value_text) VALUES (:s, :i, :t)"),
                {"s": ids[0], "i": item, "t": text},
            )
    return ids[0], ids[1]


def _counts(engine) -> dict[str, int]:
    tables = (store.participants, store.pairs, store.goals, store.submissions, store.answers)
    with engine.connect() as conn:
        return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() for t in tables}


@pytest.fixture
def older_store(db_url, tmp_path):
    engine = store.connect(db_url)
    import_csv(engine, "roster", ROSTER_HEADER, ROSTER, tmp_path)
    import_csv(engine, "goals", GOALS_HEADER, GOALS, tmp_path)
    import_csv(engine, "checkin", CHECKIN_HEADER, [checkin_row("e1", "2026-06-10", 4)], tmp_path)
    return engine, _older_rows(engine)


@pytest.mark.slow
def test_a_read_meeting_an_unreadable_date_names_its_row_and_db_check(older_store, db_url):
    engine, (goal_sid, _checkin_sid) = older_store
    with pytest.raises(UnreadableValueError) as found:
        store.load(engine)
    assert str(found.value) == (
        f"the store holds a value it cannot read (answers of submission {goal_sid}: start_date '999-06-01'); "
        "run `mentorkit db check` to set it aside"
    )
    result = run_cli("score", "--cohort", "c1", "--db", db_url)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"mentorkit: error: {found.value}"]  # one line, no "internal error"


@pytest.mark.slow
def test_db_check_sets_unreadable_values_aside_and_changes_nothing_else(older_store, db_url):
    engine, (goal_sid, checkin_sid) = older_store
    before = _counts(engine)
    result = run_cli("db", "check", "--db", db_url)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.strip().splitlines()
    # the start date cannot be parsed at all; the check-in's 0999 reads, but lies outside 1900–2100
    assert lines[:-1] == [
        f"submissions row {checkin_sid}: submitted_at {_as_stored(engine, checkin_sid)!r} "
        "is outside the years 1900–2100; set aside",
        f"answers of submission {goal_sid}: start_date '999-06-01' cannot be read as a date; set aside",
    ]
    assert lines[-1].endswith(
        "set aside 2 values that cannot be read, skipping 2 rows when reading; nothing was deleted or changed"
    )
    assert _counts(engine) == before  # nothing deleted
    with engine.connect() as conn:
        kept = conn.execute(
            sa.text("SELECT value_text FROM answers WHERE submission_id = :s AND item_id = 'start_date'"),
            {"s": goal_sid},
        ).scalar_one()
        aside = conn.execute(
            sa.select(store.value_exclusions.c.table_name, store.value_exclusions.c.row_id).order_by("table_name")
        ).all()
    assert kept == "999-06-01"  # nothing changed
    assert [tuple(r) for r in aside] == [("answers", str(goal_sid)), ("submissions", str(checkin_sid))]
    # reads skip the two submissions: one goal (g1) and one check-in remain, and score works again
    data = store.load(engine)
    assert data.responses["goals"]["goal_id"].tolist() == ["g1"]
    assert data.responses["checkin"]["submitted_at"].tolist() == [pd.Timestamp("2026-06-10")]
    assert run_cli("score", "--cohort", "c1", "--db", db_url).returncode == 0
    again = run_cli("db", "check", "--db", db_url)
    assert again.returncode == 0  # clean now
    assert again.stdout.strip().endswith("every stored date can be read (2 set aside earlier)")


def _as_stored(engine, sid: int) -> str:
    with engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT CAST(submitted_at AS TEXT) FROM submissions WHERE submission_id = :s"), {"s": sid}
        ).scalar_one()


@pytest.mark.slow
def test_a_clean_store_passes_db_check(db_url, tmp_path):
    engine = store.connect(db_url)
    import_csv(engine, "roster", ROSTER_HEADER, ROSTER, tmp_path)
    result = run_cli("db", "check", "--db", db_url)
    assert result.returncode == 0 and result.stdout.strip().endswith("every stored date can be read")


@pytest.mark.slow
def test_a_roster_date_set_aside_hides_the_row_until_it_is_imported_again(sqlite_url, tmp_path):
    # SQLite keeps a date as text: an older mentorkit's '999-05-18' cannot be read back
    engine = store.connect(sqlite_url)
    import_csv(engine, "roster", ROSTER_HEADER, ROSTER, tmp_path)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE participants SET matched_on = '999-05-18' WHERE participant_id = 'e1'"))
        conn.execute(sa.text("UPDATE pairs SET matched_on = '999-05-18'"))
    with pytest.raises(UnreadableValueError, match=r"participants row e1: matched_on '999-05-18'"):
        store.load(engine)
    result = run_cli("db", "check", "--db", sqlite_url)
    assert result.returncode == 1
    assert result.stdout.splitlines()[:2] == [
        "participants row e1: matched_on '999-05-18' cannot be read as a date; set aside",
        "pairs row 1: matched_on '999-05-18' cannot be read as a date; set aside",
    ]
    data = store.load(engine)
    assert data.participants["participant_id"].tolist() == ["m1"] and data.pairs.empty
    # the roster imported again with a readable date: the row reads again (its value is no longer the one set aside)
    import_csv(engine, "roster", ROSTER_HEADER, ROSTER, tmp_path, name="again.csv")
    data = store.load(engine)
    assert sorted(data.participants["participant_id"]) == ["e1", "m1"]


def test_the_forms_goal_list_works_again_after_db_check(older_store):
    from mentorkit.forms.directory import Directory

    engine, _ids = older_store
    forms = Directory(engine)
    with pytest.raises(UnreadableValueError, match="mentorkit db check"):
        forms.goals([1])  # the agreement and goal-update forms list a pair's goals from here
    assert store.check_values(engine).found
    assert forms.goals([1])["goal_id"].tolist() == ["g1"]  # g2's agreement is set aside
    assert sorted(forms.people()["participant_id"]) == ["e1", "m1"] and len(forms.pairs()) == 1
