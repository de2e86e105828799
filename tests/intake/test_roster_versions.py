"""The roster as master data: a re-import records changes as versions, scoring reads the version in force."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from mentorkit import store
from mentorkit.analysis import score
from mentorkit.intake import ingest
from tests.builders import ROSTER_HEADER
from tests.conftest import run_cli, write_csv

ROSTER = [
    ["c1", "m1", "mentor", "Ann Lee", "ann@example.com", "", "", "Eng"],
    ["c1", "m2", "mentor", "Bo Kim", "bo@example.com", "", "", "Eng"],
    ["c1", "e1", "mentee", "Cy Ng", "cy@example.com", "m1", "2026-05-01", "Eng"],
    ["c1", "e2", "mentee", "Di Ox", "di@example.com", "m1", "2026-05-01", "Ops"],
    ["c1", "e3", "mentee", "Ed Po", "ed@example.com", "m2", "2026-05-01", "Ops"],
]


def _import(engine, tmp_path, header, rows, name="roster.csv"):
    return ingest.import_file(engine, write_csv(tmp_path / name, header, rows), "roster")


def test_a_reimport_with_a_new_column_and_a_rematch_records_updates(engine, tmp_path):
    first = _import(engine, tmp_path, ROSTER_HEADER, ROSTER)
    assert (first.read, first.accepted, first.updated, first.duplicates, first.quarantined) == (5, 5, 0, 0, 0)
    # the same five people again with a new `site` column: m1 and m2 get a site (2 updates), e3
    # moves from m2 to m1 on 2026-07-01 (1 update), e1 and e2 are as before with a blank site
    # (a blank cell of a column they never had changes nothing: 2 duplicates) → 5 = 0 + 3 + 2 + 0
    again = [[*r, s] for r, s in zip(ROSTER, ["Berlin", "Paris", "", "", ""], strict=True)]
    again[4][5:7] = ["m1", "2026-07-01"]
    second = _import(engine, tmp_path, [*ROSTER_HEADER, "site"], again, name="roster-2.csv")
    assert (second.read, second.accepted, second.updated, second.duplicates, second.quarantined) == (5, 0, 3, 2, 0)
    assert second.summary() == "read 5, accepted 0, updated 3, duplicates 2, quarantined 0"
    with engine.connect() as conn:
        now = store.read_participants(conn).set_index("participant_id")
        logged = conn.execute(sa.select(store.imports.c.updated).order_by(store.imports.c.import_id)).scalars().all()
    assert now.at["m1", "attributes"] == {"site": "Berlin"} and now.at["m2", "attributes"] == {"site": "Paris"}
    assert now.at["e3", "mentor_id"] == "m1" and now.at["e3", "matched_on"] == pd.Timestamp("2026-07-01")
    assert logged == [0, 3]
    # the very same file a third time changes nothing
    third = _import(engine, tmp_path, [*ROSTER_HEADER, "site"], again, name="roster-2.csv")
    assert (third.accepted, third.updated, third.duplicates) == (0, 0, 5)


def _recorded_on(engine, import_id: int, when: str) -> None:
    """Date the versions an import recorded (an import records them at the time it runs)."""
    v = store.participant_versions
    with engine.begin() as conn:
        conn.execute(
            v.update()
            .where(v.c.import_id == import_id)
            .values(recorded_at=pd.Timestamp(when).to_pydatetime(), in_force_from=pd.Timestamp(when).to_pydatetime())
        )


def _pairs(data) -> list[tuple[str, str, str]]:
    frame = data.pairs.sort_values("mentee_id")
    return [
        (m, e, d.strftime("%Y-%m-%d"))
        for m, e, d in zip(frame["mentor_id"], frame["mentee_id"], frame["matched_on"], strict=True)
    ]


@pytest.mark.slow
def test_scoring_as_of_a_day_uses_the_roster_in_force_at_its_end(engine, tmp_path):
    _import(engine, tmp_path, ROSTER_HEADER, ROSTER)
    # e3 moves from m2 to m1 and Ed Po's department changes, recorded on 2026-07-01 at 09:00
    moved = [*ROSTER[:4], ["c1", "e3", "mentee", "Ed Po", "ed@example.com", "m1", "2026-07-01", "Sales"]]
    second = _import(engine, tmp_path, ROSTER_HEADER, moved, name="roster-2.csv")
    assert (second.updated, second.duplicates) == (1, 4)
    with engine.connect() as conn:
        import_id = conn.execute(sa.select(sa.func.max(store.imports.c.import_id))).scalar_one()
    _recorded_on(engine, import_id, "2026-07-01 09:00")
    # the first version is in force from the start; the second from 2026-07-01 09:00, so for the
    # whole of 30 June e3 is m2's mentee (matched 1 May, Ops), and at the end of 1 July m1's
    before = store.load(engine, ["c1"], as_of=pd.Timestamp("2026-06-30").date())
    assert _pairs(before) == [("m1", "e1", "2026-05-01"), ("m1", "e2", "2026-05-01"), ("m2", "e3", "2026-05-01")]
    ed = before.participants.set_index("participant_id").loc["e3"]
    assert (ed["mentor_id"], ed["department"], ed["matched_on"]) == ("m2", "Ops", pd.Timestamp("2026-05-01"))
    after = store.load(engine, ["c1"], as_of=pd.Timestamp("2026-07-01").date())
    assert _pairs(after) == [("m1", "e1", "2026-05-01"), ("m1", "e2", "2026-05-01"), ("m1", "e3", "2026-07-01")]
    assert after.participants.set_index("participant_id").at["e3", "department"] == "Sales"
    # the latest roster (no as-of) is the one in force now; history did not change who is enrolled
    now = store.load(engine, ["c1"])
    assert _pairs(now) == _pairs(after)
    assert list(before.participants["participant_id"]) == list(now.participants["participant_id"])
    assert before.participants.dtypes.equals(now.participants.dtypes) and before.pairs.dtypes.equals(now.pairs.dtypes)
    # scored as of 30 June, e3's pair is with m2 and 60 days old (1 May → 1 June 31 days, → 30 June
    # 29 more); as of 1 July it is the new pair with m1, matched that day (0 days)
    june = score.cohort_detail(before, "c1", pd.Timestamp("2026-06-30").date()).pairs.set_index("mentee_id")
    july = score.cohort_detail(after, "c1", pd.Timestamp("2026-07-01").date()).pairs.set_index("mentee_id")
    assert (june.at["e3", "mentor_id"], int(june.at["e3", "days_matched"])) == ("m2", 60)
    assert (july.at["e3", "mentor_id"], int(july.at["e3", "days_matched"])) == ("m1", 0)


@pytest.mark.slow
def test_forget_erases_the_personal_fields_of_every_version(db_url, tmp_path):
    engine = store.connect(db_url)
    _import(engine, tmp_path, [*ROSTER_HEADER, "site"], [[*r, "Berlin"] for r in ROSTER])
    # Ed Po changes name and address, and gets a mentor: three versions of e3 in all
    renamed = [*ROSTER[:4], ["c1", "e3", "mentee", "Ed Poe", "ed.poe@example.com", "m2", "2026-05-01", "Ops"]]
    _import(engine, tmp_path, ROSTER_HEADER, renamed, name="roster-2.csv")
    renamed[4][5] = "m1"
    _import(engine, tmp_path, ROSTER_HEADER, renamed, name="roster-3.csv")
    # the address of the first version only still finds the person
    result = run_cli("forget", "--email", "ED@example.com", "--db", db_url)
    assert result.returncode == 0, result.stderr
    assert "erased the personal data of e3: name, email, department, attributes (3 roster versions)" in result.stdout
    v = store.participant_versions
    with engine.connect() as conn:
        rows = conn.execute(sa.select(v).order_by(v.c.version_id)).all()
        audit = conn.execute(sa.select(store.erasures.c.removed)).scalar_one()
    his = [r for r in rows if r.participant_id == "e3"]
    assert [r.mentor_id for r in his] == ["m2", "m2", "m1"]  # the versions stay, the pair history with them
    assert all((r.name, r.email, r.department, r.attributes) == (None, None, None, None) for r in his)
    others = [r for r in rows if r.participant_id != "e3"]
    assert [r.email for r in others] == ["ann@example.com", "bo@example.com", "cy@example.com", "di@example.com"]
    assert audit["roster_versions"] == 3 and "example.com" not in str(audit) and "e3" not in str(audit)


def test_a_column_left_out_keeps_its_value_and_a_blank_cell_clears_it(engine, tmp_path):
    wide = [*ROSTER_HEADER, "site", "team"]
    _import(
        engine,
        tmp_path,
        wide,
        [
            ["c1", "m1", "mentor", "Ann Lee", "ann@example.com", "", "", "Eng", "Berlin", "A"],
            ["c1", "m2", "mentor", "Bo Kim", "bo@example.com", "", "", "Ops", "Paris", "B"],
            ["c1", "e1", "mentee", "Cy Ng", "cy@example.com", "m1", "2026-05-01", "Eng", "", ""],
        ],
    )
    # no department or team column; m1's site blank (cleared), m2 as before, e1's mentor blank
    # (unmatched): m1 keeps department Eng and team A and loses the site (updated); m2 keeps all
    # (duplicate); e1 loses the match (updated) → read 3 = 0 + 2 + 1 + 0
    narrow = [*ROSTER_HEADER[:7], "site"]
    second = _import(
        engine,
        tmp_path,
        narrow,
        [
            ["c1", "m1", "mentor", "Ann Lee", "ann@example.com", "", "", ""],
            ["c1", "m2", "mentor", "Bo Kim", "bo@example.com", "", "", "Paris"],
            ["c1", "e1", "mentee", "Cy Ng", "cy@example.com", "", "", ""],
        ],
        name="roster-2.csv",
    )
    assert second.summary() == "read 3, accepted 0, updated 2, duplicates 1, quarantined 0"
    with engine.connect() as conn:
        now = store.read_participants(conn).set_index("participant_id")
        current = store.read_pairs(conn)
        every = store.read_all_pairs(conn)
    assert (now.at["m1", "department"], now.at["m1", "attributes"]) == ("Eng", {"team": "A"})
    assert (now.at["m2", "department"], now.at["m2", "attributes"]) == ("Ops", {"site": "Paris", "team": "B"})
    assert pd.isna(now.at["e1", "mentor_id"]) and current.empty
    assert list(zip(every["mentor_id"], every["mentee_id"], strict=True)) == [("m1", "e1")]  # the pair is kept
