"""store.load: a few cohorts in two queries gives the frames the per-instrument reading gave."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
import sqlalchemy as sa

from mentorkit import instruments as ins
from mentorkit import store
from mentorkit.errors import UnreadableValueError
from tests import load_reference as reference
from tests.conftest import _pg_database, run_cli

T0 = datetime(2026, 1, 1)
RATED = {  # submission 10's check-in, rated element by element
    "rc_reciprocity": 1.0,
    "rc_learning": 2.0,
    "rc_relationship": 3.0,
    "rc_partnership": 4.0,
    "rc_collaboration": 5.0,
    "rc_goals": 4.0,
    "rc_development": 3.0,
}


def _small_store(engine) -> None:
    """Two cohorts written row by row: c1 has a pair, two check-ins and one readiness checklist with no answer."""
    with engine.begin() as conn:
        conn.execute(sa.insert(store.cohorts), [{"cohort_id": c, "created_at": T0} for c in ("c1", "c2")])
        people = [
            ("c1-m", "c1", "mentor", "Ann", None, None, "Ops", None),
            ("c1-e", "c1", "mentee", "Bo", "c1-m", date(2026, 3, 2), None, {"site": "Leeds"}),
            ("c2-m", "c2", "mentor", "Cy", None, None, "Ops", None),
        ]
        conn.execute(
            sa.insert(store.participants),
            [
                dict(
                    participant_id=pid,
                    cohort_id=cid,
                    role=role,
                    name=name,
                    email=f"{pid}@example.org",
                    mentor_id=mentor,
                    matched_on=matched,
                    department=dept,
                    attributes=attrs,
                    updated_at=T0,
                )
                for pid, cid, role, name, mentor, matched, dept, attrs in people
            ],
        )
        conn.execute(
            sa.insert(store.pairs),
            [dict(pair_id=1, cohort_id="c1", mentor_id="c1-m", mentee_id="c1-e", matched_on=date(2026, 3, 2))],
        )
        subs = [  # id, instrument, cohort, who, pair, submitted_at, flags
            (10, "checkin", "c1", "c1-e", 1, datetime(2026, 4, 1, 9, 30), None),
            (11, "checkin", "c1", "c1-m", 1, datetime(2026, 3, 15, 8, 0, 0, 250), "partial"),
            (12, "mentor_readiness", "c1", "c1-m", None, datetime(2026, 3, 1), None),
            (13, "checkin", "c2", "c2-m", None, datetime(2026, 3, 1), None),
        ]
        conn.execute(
            sa.insert(store.submissions),
            [
                dict(
                    submission_id=sid,
                    instrument=kind,
                    cohort_id=cid,
                    participant_id=who,
                    pair_id=pair,
                    submitted_at=when,
                    source="test",
                    dedupe_key=str(sid),
                    received_at=T0,
                    flags=flags,
                    channel="import",
                )
                for sid, kind, cid, who, pair, when, flags in subs
            ],
        )
        answers = [dict(submission_id=10, item_id=k, value_num=v, value_text=None) for k, v in RATED.items()]
        answers += [
            dict(submission_id=10, item_id="comment", value_num=None, value_text="Good"),
            dict(submission_id=11, item_id="rc_goals", value_num=5.0, value_text=None),
            dict(submission_id=11, item_id="rc_learning", value_num=3.0, value_text=None),
            dict(submission_id=13, item_id="rc_goals", value_num=1.0, value_text=None),
        ]
        conn.execute(sa.insert(store.answers), answers)


def _items(kind: str) -> list[str]:
    return [i.id for i in ins.get(kind).items]


HEAD = ["submission_id", "cohort_id", "participant_id", "pair_id", "goal_id", "submitted_at", "source", "flags"]


@pytest.mark.slow
def test_load_of_a_small_cohort_worked_by_hand(engine):
    _small_store(engine)
    data = store.load(engine, ["c1"])

    # check-ins of c1: 11 (15 March) before 10 (1 April); c2's submission 13 is not read
    checkin = data.responses["checkin"]
    # every element answered by someone: the seven sorted, then the comment (text)
    assert list(checkin.columns) == [*HEAD, *sorted(RATED), "comment"]
    assert checkin["submission_id"].tolist() == [11, 10] and str(checkin["submission_id"].dtype) == "int64"
    assert checkin["pair_id"].tolist() == [1, 1] and str(checkin["pair_id"].dtype) == "int64"
    assert checkin["goal_id"].dtype == object and checkin["goal_id"].tolist() == [None, None]  # nobody's: object
    assert str(checkin["flags"].dtype) == "str" and checkin["flags"].iloc[0] == "partial"
    assert pd.isna(checkin["flags"].iloc[1])
    assert checkin["submitted_at"].tolist() == [
        pd.Timestamp("2026-03-15 08:00:00.000250"),
        pd.Timestamp("2026-04-01 09:30"),
    ]
    assert str(checkin["submitted_at"].dtype) == "datetime64[us]"
    # 11 rated goals 5 and learning 3 and nothing else; 10 rated every element as RATED says
    assert checkin.loc[0, "rc_goals"] == 5.0 and checkin.loc[0, "rc_learning"] == 3.0
    assert checkin.loc[0, [k for k in RATED if k not in ("rc_goals", "rc_learning")]].isna().all()
    assert checkin.loc[1, list(RATED)].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 4.0, 3.0]
    assert str(checkin["comment"].dtype) == "string" and checkin["comment"].iloc[1] == "Good"
    assert pd.isna(checkin["comment"].iloc[0])

    # the readiness checklist with no answer: one row, every item a missing number, in the instrument's order
    ready = data.responses["mentor_readiness"]
    assert list(ready.columns) == [*HEAD, *_items("mentor_readiness")]
    assert ready["submission_id"].tolist() == [12] and ready["pair_id"].dtype == object
    assert ready[_items("mentor_readiness")].dtypes.eq("float64").all()
    assert ready[_items("mentor_readiness")].isna().all().all()

    # instruments with no submission: no rows; head columns object (dates datetime), items typed by kind
    for kind in ("mentee_readiness", "goals", "goal_updates"):
        empty = data.responses[kind]
        assert empty.empty and list(empty.columns) == [*HEAD, *_items(kind)]
        assert [str(d) for d in empty[HEAD].dtypes].count("object") == len(HEAD) - 1
        assert str(empty["submitted_at"].dtype) == "datetime64[us]"
    goals = data.responses["goals"]
    assert [str(goals[c].dtype) for c in _items("goals")] == [
        "string",
        "string",
        "datetime64[us]",
        "datetime64[us]",
        "float64",
        "float64",
    ]

    # the roster of c1 (not c2's mentor) and its one pair
    people = data.participants.set_index("participant_id")
    assert sorted(people.index) == ["c1-e", "c1-m"]
    assert people.loc["c1-e", "mentor_id"] == "c1-m" and pd.isna(people.loc["c1-m", "mentor_id"])
    assert people.loc["c1-e", "matched_on"] == pd.Timestamp("2026-03-02") and pd.isna(people.loc["c1-m", "matched_on"])
    assert people.loc["c1-e", "attributes"] == {"site": "Leeds"} and people.loc["c1-m", "attributes"] is None
    assert str(data.participants["matched_on"].dtype) == "datetime64[us]"
    assert str(data.participants["department"].dtype) == "str"
    assert data.pairs.to_dict("records") == [
        {
            "pair_id": 1,
            "cohort_id": "c1",
            "mentor_id": "c1-m",
            "mentee_id": "c1-e",
            "matched_on": pd.Timestamp("2026-03-02"),
        }
    ]

    # and the same frames as the per-instrument reading, scoped, unscoped and for an unknown cohort
    for scope in (["c1"], ["c1", "c2"], None, ["nobody"], []):
        got, expected = store.load(engine, scope), reference.load(engine, scope)
        if engine.dialect.name == "postgresql":  # PostgreSQL sets no order: see _settled
            got, expected = _settled(got, scope, ours=True), _settled(expected, scope, ours=False)
        _assert_same(got, expected, str(scope))


def _assert_same(got, expected, what: str) -> None:
    frames = [("participants", got.participants, expected.participants), ("pairs", got.pairs, expected.pairs)]
    assert list(got.responses) == list(expected.responses)
    frames += [(k, got.responses[k], expected.responses[k]) for k in expected.responses]
    for name, left, right in frames:
        # dtypes by name too: assert_frame_equal lets "str" and "string" pass as equal-ish in places
        assert list(left.dtypes.astype(str)) == list(right.dtypes.astype(str)), f"{what} {name}"
        pd.testing.assert_frame_equal(left, right, check_exact=True, obj=f"{what} {name}")


def _scopes(url: str) -> list[list[str] | None]:
    engine = store.connect(url, create=False)
    with engine.connect() as conn:
        cohorts = store.list_cohorts(conn)
    return [[c] for c in cohorts] + [cohorts[:2], cohorts[::-1], cohorts, None, ["nobody"]]


@pytest.mark.slow
def test_load_gives_the_per_instrument_frames_on_the_sample(sample_db):
    engine = store.connect(sample_db, create=False)
    for scope in _scopes(sample_db):
        _assert_same(store.load(engine, scope), reference.load(engine, scope), str(scope))
    with engine.connect() as conn:
        for instrument in ins.instruments().values():
            for scope in ([store.list_cohorts(conn)[0]], None):
                got = store.read_responses(conn, instrument, scope)
                pd.testing.assert_frame_equal(got, reference.read_responses(conn, instrument, scope), check_exact=True)


@pytest.mark.postgres
def test_load_gives_the_per_instrument_frames_on_postgres(sample_db, tmp_path):
    url = _pg_database()
    result = run_cli("demo", "--db", url, env={"MENTORKIT_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    engine = store.connect(url, create=False)
    sqlite = store.connect(sample_db, create=False)
    for scope in _scopes(url):
        got = store.load(engine, scope)
        expected = reference.load(engine, scope)
        _assert_same(_settled(got, scope, ours=True), _settled(expected, scope, ours=False), f"postgres {scope}")
        if scope is not None:  # the roster's order is the backend's (no ORDER BY), the responses' not now
            on_sqlite = store.load(sqlite, scope).responses
            for kind, frame in got.responses.items():
                pd.testing.assert_frame_equal(frame, on_sqlite[kind], check_exact=True, obj=f"{scope} {kind}")


def _settled(data, scope, *, ours: bool):
    """PostgreSQL's rows in a set order, where the query set none (the plan, which ANALYZE changes, did).

    The roster and pairs by id; the responses in the submissions index's order (cohort,
    submitted_at, id), except ours of some cohorts, which must come in that order already (as
    SQLite always gave them). The whole store's queries set no order, before or now.
    """
    keys = ["cohort_id", "submitted_at", "submission_id"]
    responses = data.responses
    if not (ours and scope is not None):
        responses = {k: f.sort_values(keys, kind="stable").reset_index(drop=True) for k, f in responses.items()}
    return store.CohortData(
        participants=data.participants.sort_values("participant_id").reset_index(drop=True),
        pairs=data.pairs.sort_values("pair_id").reset_index(drop=True),
        responses=responses,
    )


def test_date_times_written_by_hand_read_as_sqlalchemy_reads_them(sqlite_url):
    engine = store.connect(sqlite_url)
    _small_store(engine)
    # without a fraction of a second (as SQL's CURRENT_TIMESTAMP writes it): 10:00 all the same
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE submissions SET submitted_at = '2026-04-01 10:00:00' WHERE submission_id = 10"))
    got = store.load(engine, ["c1"])
    assert got.responses["checkin"]["submitted_at"].iloc[1] == pd.Timestamp("2026-04-01 10:00")
    _assert_same(got, reference.load(engine, ["c1"]), "no fraction")
    # with a zone offset (an ISO parser would move it to UTC, 08:00): SQLAlchemy reads it
    # zone-aware and the frame cannot hold it: an error, as the per-instrument reading gave, that
    # names the row and `mentorkit db check` (which sets it aside) instead of pandas' message
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE submissions SET submitted_at = '2026-04-01 10:00:00.000000+02:00' WHERE submission_id = 10")
        )
    with pytest.raises(ValueError, match="Tz-aware"):
        reference.load(engine, ["c1"])
    with pytest.raises(UnreadableValueError, match=r"submissions row 10: submitted_at .*mentorkit db check"):
        store.load(engine, ["c1"])
