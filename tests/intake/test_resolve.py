"""Placing rows: people by id or e-mail, the roster rows a file needs, and an instrument's rows checked."""

from __future__ import annotations

import json
import re

import pandas as pd

from mentorkit import instruments as ins
from mentorkit.intake import files, ingest, resolve, submissions
from tests.builders import ROSTER_HEADER
from tests.conftest import write_csv
from tests.intake.test_ingest import ROSTER


def _roster(engine, tmp_path):
    result = ingest.import_file(engine, write_csv(tmp_path / "roster.csv", ROSTER_HEADER, ROSTER), "roster")
    assert result.accepted == 5
    return engine


def test_resolve_people_finds_each_person_by_id_or_email_and_says_why_not():
    roster = pd.DataFrame({"participant_id": ["m1", "e1", "e2"], "email": ["ann@example.com", "cy@example.com", None]})
    ids = pd.Series(["e1", None, "zz", "e1", None, "bad id!", None], dtype="string")
    emails = pd.Series(
        [None, "CY@Example.com", None, "ann@example.com", "nobody@example.com", None, None], dtype="string"
    )
    person, reasons = resolve.resolve_people(ids, emails, roster)
    assert person.tolist()[:2] == ["e1", "e1"]  # by id; by e-mail, whatever its case
    assert person[2:].isna().all()
    assert reasons[:2].isna().all()
    assert reasons[2:].tolist() == [
        "participant_id 'zz' is not on the roster",
        "participant_id and email name different people",  # e1 by id, m1 by e-mail
        "email 'nobody@example.com' is not on the roster",
        "participant_id: 'bad id!' is not an id (letters, digits, - and _)",
        "no participant_id or email",
    ]
    _, named = resolve.resolve_people(ids[2:3], emails[2:3], roster, "reported_by")
    assert named.tolist() == ["reported_by 'zz' is not on the roster"]


def test_roster_index_reads_the_people_a_small_file_names_and_their_mentees(engine, tmp_path, monkeypatch):
    _roster(engine, tmp_path)
    frame = pd.DataFrame({"participant_id": ["m2", None], "email": [None, "CY@example.com"]})
    with engine.connect() as conn:
        named = resolve.roster_index(conn, frame)
        monkeypatch.setattr(resolve, "ROSTER_LOOKUP_ROWS", 1)  # two rows: a large file, the whole roster
        whole = resolve.roster_index(conn, frame)
    # m2 by id, e1 (Cy) by e-mail, e3 as m2's mentee; not m1, e2
    assert sorted(named["participant_id"]) == ["e1", "e3", "m2"]
    assert sorted(whole["participant_id"]) == ["e1", "e2", "e3", "m1", "m2"]
    assert list(whole.columns) == ["participant_id", "cohort_id", "role", "email", "mentor_id"]


def test_prepare_submissions_cleans_places_and_keys_each_row(engine, tmp_path):
    _roster(engine, tmp_path)
    items = ["me01", "me02", "me03", "me04", "me05", "me06"]
    cells = [
        ["e1", "", "2026-06-02", "", *["yes"] * 6],
        ["", "DI@example.com", "2026-06-03", "", "yes", "no", "no", "no", "no", "no"],
        ["m1", "", "2026-06-02", "", *["yes"] * 6],  # a mentor answering the mentees' checklist
        ["e3", "", "2026-06-02", "", *[""] * 6],
        ["e1", "", "2026-06-02", "", *["yes"] * 6],  # the first row again
        ["e1", "", "2026-06-02", "form:7", *["yes"] * 6],  # the source's own response id
    ]
    columns = ["participant_id", "email", "submitted_at", "response_id", *items]
    raw = pd.DataFrame(cells, columns=columns, dtype="string")
    frame = raw.copy()
    frame.insert(0, "_row", range(2, 8))
    canon = files.Canonical(frame=frame, source="mentorkit", raw=raw)
    with engine.connect() as conn:
        out, reasons = submissions.prepare_submissions(canon, ins.get("mentee_readiness"), conn, "a.csv")
    assert out["participant_id"].tolist()[:2] == ["e1", "e2"]
    assert out["cohort_id"].tolist()[:2] == ["c1", "c1"]
    assert out["pair_id"].isna().all() and out["goal_id"].isna().all()  # a checklist is about the person
    assert out.loc[1, items].tolist() == [1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert out.loc[0, "submitted_at"] == pd.Timestamp("2026-06-02")
    assert reasons.isna().tolist() == [True, True, False, False, True, True]
    assert reasons[2] == "m1 is a mentor; mentee readiness is for mentees"
    assert reasons[3] == "no answers"
    keys = out["dedupe_key"]
    assert all(re.fullmatch(r"c:[0-9a-f]{40}", k) for k in keys[:5])
    assert keys[0] == keys[4] and keys[0] != keys[1]  # the same answers, the same key
    assert keys[5] == "r:form:7"
    assert [json.loads(r) for r in out["raw"]] == cells  # each row's cells as the file had them
    assert out["flags"].isna().all()
