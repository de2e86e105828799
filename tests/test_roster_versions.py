"""The roster as master data: a re-import records changes as versions, scoring reads the version in force."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from mentorkit import ingest, store

from .builders import ROSTER_HEADER
from .conftest import write_csv

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
