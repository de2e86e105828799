"""The roster's rows checked against the file and the store, and written as versions."""

from __future__ import annotations

import pandas as pd

from mentorkit import store
from mentorkit.intake import files, ingest, roster
from tests.builders import ROSTER_HEADER
from tests.conftest import write_csv
from tests.intake.test_ingest import ROSTER

CHANGES = [
    ["c1", "e1", "mentee", "Cy Ng", "cy@example.com", "m1", "2026-05-01", "Eng"],  # as stored
    ["c1", "e2", "mentee", "Di Oxley", "di@example.com", "m1", "2026-05-01", "Ops"],  # a new name
    ["c1", "e9", "mentee", "Fa Qi", "fa@example.com", "m2", "2026-06-01", "Ops"],  # someone new
    ["c2", "e3", "mentee", "Ed Po", "ed@example.com", "m2", "2026-05-01", "Ops"],  # another cohort
    ["c1", "e8", "mentee", "Gu Ra", "gu@example.com", "e1", "2026-06-01", "Ops"],  # a mentee as mentor
]


def _canonical(rows: list[list[str]]) -> files.Canonical:
    raw = pd.DataFrame(rows, columns=ROSTER_HEADER, dtype="string")
    frame = raw.copy()
    frame.insert(0, "_row", range(2, 2 + len(rows)))
    return files.Canonical(frame=frame, source="mentorkit", raw=raw)


def _stored(engine, tmp_path):
    assert ingest.import_file(engine, write_csv(tmp_path / "r.csv", ROSTER_HEADER, ROSTER), "roster").accepted == 5


def test_prepare_roster_tells_changes_from_rows_as_stored(engine, tmp_path):
    _stored(engine, tmp_path)
    with engine.connect() as conn:
        out, reasons, unchanged, known = roster.prepare_roster(_canonical(CHANGES), conn, "r2.csv")
    assert out["participant_id"].tolist() == ["e1", "e2", "e9", "e3", "e8"]
    assert reasons[:3].isna().all()
    assert reasons[3:].tolist() == [
        "participant already enrolled in cohort c1",
        "mentor_id 'e1' is not a mentor of cohort c1",
    ]
    assert unchanged.tolist() == [True, False, False, False, False]
    assert known.tolist() == [True, True, False, True, False]


def test_write_roster_adds_and_updates_people_and_counts_every_row(engine, tmp_path):
    _stored(engine, tmp_path)
    rows = [*CHANGES, ["c1", "e7", "mentee", "Ha\x00", "ha@example.com", "", "", ""]]
    canon = _canonical(rows)
    unstorable = pd.Series([pd.NA] * 5 + ["name: a NUL character"], index=canon.frame.index, dtype="string")
    storable = files.Canonical(frame=canon.frame[:5], source="mentorkit", raw=canon.raw[:5])
    with engine.begin() as conn:
        import_id = store.record_import(
            conn,
            instrument="roster",
            source="mentorkit",
            file_name="r2.csv",
            rows_read=6,
            raw_columns=ROSTER_HEADER,
            accepted=0,
            duplicates=0,
            quarantined=0,
        )
        reasons, added, updated, unchanged = roster.write_roster(conn, storable, unstorable, "r2.csv", import_id)
    assert reasons.notna().tolist() == [False, False, False, True, True, True]
    assert reasons[5] == "name: a NUL character"  # the store cannot hold it: no check looked at it
    assert added.tolist() == [False, False, True, False, False, False]  # e9
    assert updated.tolist() == [False, True, False, False, False, False]  # e2's new name
    assert unchanged.tolist() == [True, False, False, False, False, False]  # e1 as stored
    with engine.connect() as conn:
        people = store.read_participants(conn).set_index("participant_id")
    assert sorted(people.index) == ["e1", "e2", "e3", "e9", "m1", "m2"]
    assert people.at["e2", "name"] == "Di Oxley" and people.at["e9", "mentor_id"] == "m2"
    assert people.at["e3", "cohort_id"] == "c1"  # the row naming another cohort changed nothing
