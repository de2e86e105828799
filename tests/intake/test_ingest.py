"""Import accounting: every row accepted, duplicate or quarantined; files either import or not at all."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
import sqlalchemy as sa

from mentorkit import store
from mentorkit.errors import InputFileError, MentorkitError, UsageError
from mentorkit.intake import form_rows as formrows
from mentorkit.intake import ingest, resolve
from tests.builders import (
    CHECKIN_HEADER,
    GOAL_UPDATES_HEADER,
    GOALS_HEADER,
    ROSTER_HEADER,
    checkin_row,
    header,
    import_csv,
)
from tests.conftest import write_csv

ROSTER = [
    ["c1", "m1", "mentor", "Ann Lee", "ann@example.com", "", "", "Eng"],
    ["c1", "m2", "mentor", "Bo Kim", "bo@example.com", "", "", "Eng"],
    ["c1", "e1", "mentee", "Cy Ng", "cy@example.com", "m1", "2026-05-01", "Eng"],
    ["c1", "e2", "mentee", "Di Ox", "di@example.com", "m1", "2026-05-01", "Ops"],
    ["c1", "e3", "mentee", "Ed Po", "ed@example.com", "m2", "2026-05-01", "Ops"],
]
MENTEE = header("mentee_readiness", "participant_id", "email", "submitted_at")


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


@pytest.fixture
def roster(engine, tmp_path):
    result = ingest.import_file(engine, write_csv(tmp_path / "roster.csv", ROSTER_HEADER, ROSTER), "roster")
    assert (result.read, result.accepted) == (5, 5)
    return engine


def test_roster_accounting_and_idempotence(engine, tmp_path):
    rows = [
        *ROSTER,
        ["c1", "x1", "coach", "X", "x@example.com", "", "", ""],  # bad role
        ["c1", "e4", "mentee", "Y", "y@example.com", "e1", "2026-05-01", ""],  # mentor is a mentee
        ["c/1", "e5", "mentee", "Z", "z@example.com", "", "", ""],  # unsafe cohort id
        ["c1", "e6", "mentee", "W", "ANN@example.com", "", "", ""],
    ]  # e-mail taken (case-insensitive)
    path = write_csv(tmp_path / "roster.csv", ROSTER_HEADER, rows)
    first = ingest.import_file(engine, path, "roster")
    assert (first.read, first.accepted, first.duplicates, first.quarantined) == (9, 5, 0, 4)
    again = ingest.import_file(engine, path, "roster")
    assert (again.read, again.accepted, again.duplicates, again.quarantined) == (9, 0, 5, 4)
    assert count(engine, store.participants) == 5
    assert count(engine, store.pairs) == 3
    reasons = [why for _, why in first.reasons]
    assert reasons == [
        "role: 'coach' is not mentor or mentee",
        "mentor_id 'e1' is not a mentor of cohort c1",
        "cohort_id: 'c/1' is not an id (letters, digits, - and _)",
        "email is used by another row of the file",
    ]


def test_readiness_import_accounting(roster, tmp_path):
    rows = [
        ["e1", "", "2026-05-02T10:00:00Z", "Yes", "y", "TRUE", "1", " yes ", "no"],
        ["", "DI@Example.com", "2026-05-02 11:00", "yes", "yes", "yes", "yes", "", ""],  # by e-mail, partial
        ["e1", "", "2026-05-02T10:00:00Z", "Yes", "y", "TRUE", "1", " yes ", "no"],  # exact repeat
        ["e9", "", "2026-05-02T10:00:00Z", "yes", "yes", "yes", "yes", "yes", "yes"],  # not on roster
        ["e3", "", "2026-05-02T10:00:00Z", "yes", "perhaps", "yes", "yes", "yes", "yes"],  # unmappable
        ["m1", "", "2026-05-02T10:00:00Z", "yes", "yes", "yes", "yes", "yes", "yes"],  # wrong role
        ["e3", "", "yesterday", "yes", "yes", "yes", "yes", "yes", "yes"],  # bad time
        ["e3", "", "2026-05-02T10:00:00Z", "", "", "", "", "", ""],  # no answers
    ]
    path = write_csv(tmp_path / "mentee.csv", MENTEE, rows)
    stages: list[str] = []
    result = ingest.import_file(roster, path, "mentee_readiness", progress=stages.append)
    assert stages == [
        "reading mentee.csv",
        "8 rows (mentorkit template): checking and cleaning",
        "writing 2 submissions in one transaction",  # 8 less 5 quarantined and 1 repeated in the file
    ]
    assert (result.read, result.accepted, result.duplicates, result.quarantined) == (8, 2, 1, 5)
    assert result.summary() == "read 8, accepted 2, duplicates 1, quarantined 5"
    assert result.reasons == (  # file rows (the header is row 1) and why
        (5, "participant_id 'e9' is not on the roster"),
        (6, "me02: 'perhaps' is not a yes/no answer"),
        (7, "m1 is a mentor; mentee readiness is for mentees"),
        (8, "submitted_at: 'yesterday' is not an ISO date-time"),
        (9, "no answers"),
    )
    q = pd.read_csv(result.quarantine_file)  # the file for people says the same
    assert list(zip(q["row"], q["reason"], strict=True)) == list(result.reasons)
    again = ingest.import_file(roster, path, "mentee_readiness")
    assert (again.accepted, again.duplicates, again.quarantined) == (0, 3, 5)
    assert count(roster, store.submissions) == 2
    assert count(roster, store.answers) == 6 + 4  # blanks are not stored: they are unanswered


def test_missing_column_imports_nothing(roster, tmp_path):
    path = write_csv(tmp_path / "m.csv", MENTEE[:-1], [["e1", "", "2026-05-02", "y", "y", "y", "y", "y"]])
    with pytest.raises(InputFileError, match=r"missing required column.*me06"):
        ingest.import_file(roster, path, "mentee_readiness")
    assert count(roster, store.submissions) == 0


def test_unreadable_files_are_one_clear_error(roster, tmp_path):
    (tmp_path / "bin.csv").write_bytes(b"\x00\x01\x02garbage")
    with pytest.raises(InputFileError, match="not a CSV or XLSX"):
        ingest.import_file(roster, tmp_path / "bin.csv", "mentee_readiness")
    with pytest.raises(InputFileError, match="no such file"):
        ingest.import_file(roster, tmp_path / "missing.csv", "mentee_readiness")
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InputFileError, match="not a readable XLSX"):
        ingest.import_file(roster, tmp_path / "bad.xlsx", "mentee_readiness")
    with pytest.raises(UsageError, match="unknown instrument"):
        ingest.import_file(roster, tmp_path / "bin.csv", "survey")


def test_xlsx_and_windows_1252(roster, tmp_path):
    frame = pd.DataFrame(
        [["e1", "2026-05-02T10:00:00Z", "yes", "yes", "yes", "yes", "yes", "yes"]],
        columns=header("mentee_readiness", "participant_id", "submitted_at"),
    )
    frame.to_excel(tmp_path / "m.xlsx", index=False)
    assert ingest.import_file(roster, tmp_path / "m.xlsx", "mentee_readiness").accepted == 1
    text = ",".join(header("checkin", "participant_id", "submitted_at")) + "\n"
    text += "e1,2026-06-01T10:00:00Z,4,4,4,4,4,4,4,Très bien – “merci”\n"
    (tmp_path / "c.csv").write_bytes(text.encode("cp1252"))
    result = ingest.import_file(roster, tmp_path / "c.csv", "checkin")
    assert result.accepted == 1
    with roster.connect() as conn:
        comment = conn.execute(
            sa.select(store.answers.c.value_text).where(store.answers.c.item_id == "comment")
        ).scalar_one()
    assert comment == "Très bien – “merci”"


def test_checkin_pairs_and_about(roster, tmp_path):
    rows = [
        checkin_row("m1", "2026-06-01", ["Agree", 4, 4, 4, 4, 4, 4], about="e2"),  # mentor of two: names e2
        checkin_row("m1", "2026-06-01", 4),  # needs about
        checkin_row("m2", "2026-06-01", 5),  # one mentee: implied
        checkin_row("e1", "2026-06-01", 3, comment='=HYPERLINK("x")'),
        checkin_row("m2", "2026-06-01", 5, about="e1"),  # e1 is not m2's mentee
    ]
    result = import_csv(roster, "checkin", CHECKIN_HEADER, rows, tmp_path)
    assert (result.accepted, result.quarantined) == (3, 2)
    assert [why for _, why in result.reasons] == [
        "about is needed: m1 mentors 2 mentees",
        "about 'e1' is not a mentee of m2",
    ]
    with roster.connect() as conn:
        got = dict(
            conn.execute(
                sa.select(store.submissions.c.participant_id, store.pairs.c.mentee_id).join(
                    store.pairs, store.pairs.c.pair_id == store.submissions.c.pair_id
                )
            ).all()
        )
    assert got == {"m1": "e2", "m2": "e3", "e1": "e1"}


def test_quarantine_csv_guards_formulas(roster, tmp_path):
    rows = [["=cmd|'/c calc'!A1", "", "2026-05-02", "yes", "yes", "yes", "yes", "yes", "yes"]]
    result = ingest.import_file(roster, write_csv(tmp_path / "m.csv", MENTEE, rows), "mentee_readiness")
    with open(result.quarantine_file, newline="", encoding="utf-8") as fh:
        cells = next(iter(csv.DictReader(fh)))
    assert cells["participant_id"].startswith("'=")
    assert cells["reason"].startswith("participant_id: ")  # a reason never starts a formula


@pytest.mark.slow
def test_goals_and_updates(roster, tmp_path):
    goals = [
        ["g1", "m1", "e1", "Lead a review", "done", "2026-06-01", "2026-12-01", "yes", "yes"],
        ["g2", "m1", "e3", "Wrong pair", "", "2026-06-01", "2026-12-01", "yes", "yes"],
        ["g3", "m1", "e2", "Backwards", "", "2026-12-01", "2026-06-01", "yes", "yes"],
    ]
    result = import_csv(roster, "goals", GOALS_HEADER, goals, tmp_path)
    assert (result.accepted, result.quarantined) == (1, 2)
    ups = [
        ["g1", "e1", "2026-07-01", "40%", "In progress", ""],
        ["g1", "ANN@example.com", "2026-08-01", "60", "in_progress", "by the mentor's e-mail"],
        ["g1", "e3", "2026-08-01", "60", "in_progress", ""],  # not in the pair
        ["g9", "e1", "2026-08-01", "60", "in_progress", ""],
    ]  # unknown goal
    result = import_csv(roster, "goal_updates", GOAL_UPDATES_HEADER, ups, tmp_path)
    assert (result.accepted, result.quarantined) == (2, 2)
    assert [why for _, why in result.reasons] == [
        "reported_by is not part of the goal's pair",
        "goal_id 'g9' is not a known goal",
    ]
    odd = [
        ["g1", "e1", "2026-09-01", "abc", "in_progress", ""],
        ["g1", "e1", "2026-09-02", "1e400", "in_progress", ""],
        ["g1", "e1", "2026-09-03", "", "in_progress", ""],
    ]
    result = import_csv(roster, "goal_updates", GOAL_UPDATES_HEADER, odd, tmp_path, name="odd.csv")
    assert (result.read, result.accepted, result.quarantined) == (3, 0, 3)  # a row each, no traceback
    assert [why for _, why in result.reasons] == [
        "progress_pct: 'abc' is not a percentage from 0 to 100",
        "progress_pct: '1e400' is not a percentage from 0 to 100",
        "progress_pct is required",
    ]


def test_submissions_are_append_only(roster, tmp_path):
    path1 = write_csv(tmp_path / "a.csv", MENTEE, [["e1", "", "2026-05-02", "no", "no", "no", "no", "no", "no"]])
    path2 = write_csv(tmp_path / "b.csv", MENTEE, [["e1", "", "2026-06-02", "yes", "yes", "yes", "yes", "yes", "yes"]])
    ingest.import_file(roster, path1, "mentee_readiness")
    ingest.import_file(roster, path2, "mentee_readiness")
    with roster.connect() as conn:
        ids = conn.execute(sa.select(store.submissions.c.submission_id).order_by(store.submissions.c.submitted_at))
        raw = store.read_raw(conn, ids.scalars())
    assert [r["me01"] for r in raw.values()] == ["no", "yes"]


@pytest.mark.slow
def test_small_and_large_file_roster_reads_agree(tmp_path, monkeypatch):
    # forms and small files read only the roster rows they name; large files read the whole
    # roster. Both must account for the messy sample programme identically.
    from mentorkit.cli import SAMPLE_ORDER
    from tests.conftest import SAMPLE

    def load(name: str, lookup_rows: int) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        monkeypatch.setattr(resolve, "ROSTER_LOOKUP_ROWS", lookup_rows)
        engine = store.connect(f"sqlite:///{tmp_path / name}")
        outcomes = []
        for kind in SAMPLE_ORDER:
            r = ingest.import_file(engine, SAMPLE / f"{kind}.csv", kind)
            reasons = [why for _, why in r.reasons]
            outcomes.append((kind, r.accepted, r.duplicates, r.quarantined, reasons))
        s = store.submissions
        with engine.connect() as conn:
            stored = conn.execute(
                sa.select(s.c.instrument, s.c.participant_id, s.c.pair_id, s.c.cohort_id, s.c.dedupe_key).order_by(
                    s.c.instrument, s.c.dedupe_key
                )
            ).all()
        return outcomes, [tuple(r) for r in stored]

    small_outcomes, small_rows = load("named.db", 500)  # every sample file has ≤ 118 rows
    whole_outcomes, whole_rows = load("whole.db", 0)
    assert small_outcomes == whole_outcomes
    assert small_rows == whole_rows
    # the sample's quarantined rows include people who are not on the roster
    assert any("is not on the roster" in reason for *_, reasons in small_outcomes for reason in reasons)
    assert len(small_rows) == 17 + 21 + 117 + 15 + 18  # accepted: mentor, mentee, check-ins, goals, updates


def test_each_instrument_has_a_resolver_chosen_by_id_then_subject():
    import dataclasses

    from mentorkit import instruments as ins

    chosen = {i.id: ingest.resolver_for(i).__name__ for i in ins.instruments().values()}
    assert chosen == {
        "mentor_readiness": "_person_rows",  # subject none
        "mentee_readiness": "_person_rows",
        "checkin": "_pair_rows",  # subject pair: the pair found from the person and "about"
        "goals": "_goal_rows",  # its own entry, by id
        "goal_updates": "_goal_update_rows",  # subject goal
    }
    odd = dataclasses.replace(ins.get("checkin"), id="survey", subject="team")
    with pytest.raises(UsageError, match="no resolver for instrument 'survey'"):
        ingest.resolver_for(odd)


# --- the agreement rule, without widgets -------------------------------------------------------

WORDING = {
    "title": "Lead a review",
    "success_criteria": "done",
    "start_date": "2026-06-01",
    "target_date": "2026-12-01",
}


def stored_goal(agreed_by_mentor: int, agreed_by_mentee: int, **wording: object) -> dict[str, object]:
    """A goal as the store gives it back: dates as timestamps, agreements as 0/1."""
    return {
        "goal_id": "G-1",
        "title": "Lead a review",
        "success_criteria": "done",
        "start_date": pd.Timestamp("2026-06-01"),
        "target_date": pd.Timestamp("2026-12-01"),
        "agreed_by_mentor": agreed_by_mentor,
        "agreed_by_mentee": agreed_by_mentee,
        **wording,
    }


def agree(person: str, goal: dict[str, object] | None, answers: dict[str, str], yes: bool = True) -> dict[str, str]:
    return formrows.agreement_row(
        person=person,
        mentor_id="m1",
        mentee_id="e1",
        goal=goal,
        answers=answers,
        agree=yes,
        now="2026-11-14T10:00:00Z",
        new_goal_id=lambda: "G-NEW",
    )


def test_each_side_confirms_only_its_own_agreement():
    row = agree("e1", stored_goal(1, 0), WORDING)  # the mentee confirms the mentor's unchanged goal
    assert (row["agreed_by_mentee"], row["agreed_by_mentor"]) == ("yes", "yes")
    assert (row["goal_id"], row["mentor_id"], row["mentee_id"]) == ("G-1", "m1", "e1")
    assert row["submitted_at"] == "2026-11-14T10:00:00Z" and row["title"] == "Lead a review"
    row = agree("m1", stored_goal(0, 0), WORDING)  # the other side never agreed: it stays no
    assert (row["agreed_by_mentor"], row["agreed_by_mentee"]) == ("yes", "no")
    row = agree("e1", stored_goal(1, 1), WORDING, yes=False)  # taking one's own agreement back
    assert (row["agreed_by_mentee"], row["agreed_by_mentor"]) == ("no", "yes")


def test_a_wording_change_withdraws_the_other_sides_agreement():
    changed = {**WORDING, "target_date": "2027-01-31"}
    row = agree("e1", stored_goal(1, 0), changed)
    assert (row["agreed_by_mentee"], row["agreed_by_mentor"]) == ("yes", "no")
    row = agree("m1", stored_goal(1, 1, title="Lead a review "), {**WORDING, "title": "Run a review"})
    assert (row["agreed_by_mentor"], row["agreed_by_mentee"]) == ("yes", "no")
    # stored text with a trailing space still counts as the same wording
    row = agree("m1", stored_goal(1, 1, title="Lead a review "), WORDING)
    assert row["agreed_by_mentee"] == "yes"


def test_a_new_goal_gets_a_fresh_id_and_only_this_sides_agreement():
    row = agree("m1", None, WORDING)
    assert (row["goal_id"], row["agreed_by_mentor"], row["agreed_by_mentee"]) == ("G-NEW", "yes", "no")
    default = formrows.agreement_row(
        person="m1", mentor_id="m1", mentee_id="e1", goal=None, answers=WORDING, agree=True, now="x"
    )
    assert default["goal_id"].startswith("G-") and len(default["goal_id"]) == 12  # G- and 10 hex digits


def test_the_builders_headers_are_the_templates():
    from tests.conftest import SAMPLE

    def sample_header(kind: str) -> list[str]:
        return (SAMPLE / f"{kind}.csv").read_text("utf-8").splitlines()[0].split(",")

    assert sample_header("mentee_readiness") == MENTEE
    assert header("mentor_readiness", "participant_id", "email", "submitted_at") == sample_header("mentor_readiness")
    assert [c for c in sample_header("checkin") if c != "email"] == CHECKIN_HEADER  # the builder names by id
    assert [*GOALS_HEADER, "submitted_at"] == sample_header("goals")
    assert sample_header("goal_updates") == GOAL_UPDATES_HEADER
    assert sorted(ROSTER_HEADER) == sorted(sample_header("roster"))
    assert checkin_row("m1", "2026-06-01", 4, about="e1", comment="ok") == ["m1", "2026-06-01", "e1", *[4] * 7, "ok"]


@pytest.mark.slow
def test_a_date_outside_the_years_is_quarantined_in_every_date_column(roster, tmp_path):
    # 1900–2100 (Settings.earliest_year, latest_year): 0999 once became '999-06-01' in the store,
    # which nothing could read back; 1900-01-01 and 2100-12-31 are the first and last days allowed
    roster_rows = [
        ["c1", "e7", "mentee", "Fa Qu", "fa@example.com", "m2", "0999-06-01", ""],
        ["c1", "e8", "mentee", "Ga Ru", "ga@example.com", "m2", "2100-12-31", ""],
    ]
    result = import_csv(roster, "roster", ROSTER_HEADER, roster_rows, tmp_path, name="more.csv")
    assert (result.accepted, result.quarantined) == (1, 1)
    assert result.reasons == ((2, "matched_on: '0999-06-01' is not within the years 1900–2100"),)
    goals = [
        ["g1", "m1", "e1", "Old start", "", "0999-06-01", "2026-12-01", "yes", "yes"],
        ["g2", "m1", "e1", "Far target", "", "2026-06-01", "2101-01-01", "yes", "yes"],
        ["g3", "m1", "e2", "Edges", "", "1900-01-01", "2100-12-31", "yes", "yes"],
    ]
    result = import_csv(roster, "goals", GOALS_HEADER, goals, tmp_path)
    assert (result.accepted, result.quarantined) == (1, 2)
    assert [why for _, why in result.reasons] == [
        "start_date: '0999-06-01' is not within the years 1900–2100",
        "target_date: '2101-01-01' is not within the years 1900–2100",
    ]
    ups = [
        ["g3", "e2", "9999-07-01T10:00:00Z", "40", "in_progress", ""],
        ["g3", "e2", "1899-12-31T23:59:59", "40", "in_progress", ""],
        ["g3", "e2", "2026-07-01T10:00:00Z", "40", "in_progress", ""],
    ]
    result = import_csv(roster, "goal_updates", GOAL_UPDATES_HEADER, ups, tmp_path)
    assert (result.accepted, result.quarantined) == (1, 2)
    assert [why for _, why in result.reasons] == [
        "reported_at: '9999-07-01T10:00:00Z' is not within the years 1900–2100",
        "reported_at: '1899-12-31T23:59:59' is not within the years 1900–2100",
    ]
    checkins = [checkin_row("e1", "0999-06-01", 4), checkin_row("e1", "2026-06-01", 4)]
    result = import_csv(roster, "checkin", CHECKIN_HEADER, checkins, tmp_path)
    assert result.reasons == ((2, "submitted_at: '0999-06-01' is not within the years 1900–2100"),)
    mentee = [["e1", "", "2101-01-01", *["yes"] * 6]]
    result = import_csv(roster, "mentee_readiness", MENTEE, mentee, tmp_path)
    assert result.reasons == ((2, "submitted_at: '2101-01-01' is not within the years 1900–2100"),)
    # everything stored reads back: the one agreement keeps both edge days
    data = store.load(roster)
    goals_read = data.responses["goals"]
    assert goals_read["start_date"].tolist() == [pd.Timestamp("1900-01-01")]
    assert goals_read["target_date"].tolist() == [pd.Timestamp("2100-12-31")]
    assert sorted(data.participants["matched_on"].dropna().astype(str)) == ["2026-05-01"] * 3 + ["2100-12-31"]


@pytest.mark.slow
def test_the_timezone_option_applies_to_template_times_without_a_zone(roster, tmp_path):
    # Europe/Berlin: CEST (UTC+2) in June, CET (UTC+1) in January; 2026-03-29 02:00–03:00 does not exist there
    rows = [
        ["e1", "", "2026-06-01T12:00:00", *["yes"] * 6],  # 12:00 CEST = 10:00 UTC
        ["e1", "", "2026-01-15 12:00", *["yes"] * 6],  # 12:00 CET = 11:00 UTC
        ["e1", "", "2026-06-02T12:00:00+05:00", *["yes"] * 6],  # its own zone wins: 07:00 UTC
        ["e1", "", "2026-06-03T12:00:00Z", *["yes"] * 6],  # UTC stays 12:00
        ["e1", "", "2026-06-04", *["yes"] * 6],  # a date without a time stays that day
        ["e1", "", "2026-03-29T02:30:00", *["yes"] * 6],  # skipped by the clock change
    ]
    result = import_csv(roster, "mentee_readiness", MENTEE, rows, tmp_path, timezone="Europe/Berlin")
    assert (result.accepted, result.quarantined) == (5, 1)
    assert result.reasons == (
        (7, "submitted_at: '2026-03-29T02:30:00' is skipped or repeated by a clock change in Europe/Berlin"),
    )
    got = store.load(roster).responses["mentee_readiness"]["submitted_at"].sort_values().astype(str).tolist()
    assert got == [
        "2026-01-15 11:00:00",
        "2026-06-01 10:00:00",
        "2026-06-02 07:00:00",
        "2026-06-03 12:00:00",
        "2026-06-04 00:00:00",
    ]
    again = import_csv(roster, "mentee_readiness", MENTEE, rows, tmp_path, timezone="Europe/Berlin")
    assert (again.accepted, again.duplicates) == (0, 5)  # the same times again
    goals = [["g1", "m1", "e1", "Lead a review", "", "2026-06-01", "2026-12-01", "yes", "yes"]]
    import_csv(roster, "goals", GOALS_HEADER, goals, tmp_path)
    ups = [["g1", "e1", "2026-07-01 09:30", "40", "in_progress", ""]]  # 09:30 CEST = 07:30 UTC
    import_csv(roster, "goal_updates", GOAL_UPDATES_HEADER, ups, tmp_path, timezone="Europe/Berlin")
    reported = store.load(roster).responses["goal_updates"]["submitted_at"].tolist()
    assert reported == [pd.Timestamp("2026-07-01 07:30")]


# two rows: e1 accepted, e9 quarantined (not on the roster)
TWO_ROWS = [
    ["e1", "", "2026-05-02T10:00:00Z", "yes", "yes", "yes", "yes", "yes", "yes"],
    ["e9", "", "2026-05-02T10:00:00Z", "yes", "yes", "yes", "yes", "yes", "yes"],
]


def test_unwritable_quarantine_folder_stores_nothing_and_says_so(roster, tmp_path):
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "quarantine").write_text("a file where the folder should be")
    path = write_csv(tmp_path / "m.csv", MENTEE, TWO_ROWS)
    before = (count(roster, store.imports), count(roster, store.submissions))
    with pytest.raises(InputFileError, match=r"^m\.csv: cannot write the quarantine file .*; nothing was stored$"):
        ingest.import_file(roster, path, "mentee_readiness")
    assert (count(roster, store.imports), count(roster, store.submissions)) == before  # rolled back


@pytest.mark.slow
def test_quarantine_file_that_cannot_be_named_after_the_commit_says_what_was_stored(roster, tmp_path):
    path = write_csv(tmp_path / "m.csv", MENTEE, TWO_ROWS)
    # the same file into a store elsewhere gives the quarantine file's name (it is named by content)
    elsewhere = store.connect(f"sqlite:///{tmp_path / 'other' / 'mentorkit.db'}")
    ingest.import_file(elsewhere, write_csv(tmp_path / "roster.csv", ROSTER_HEADER, ROSTER), "roster")
    name = ingest.import_file(elsewhere, path, "mentee_readiness").quarantine_file.name
    (tmp_path / "data" / "quarantine" / name).mkdir(parents=True)  # a folder in its place: the rename fails
    with pytest.raises(MentorkitError) as caught:
        ingest.import_file(roster, path, "mentee_readiness")
    message = caught.value.message
    assert message.startswith("m.csv: stored read 2, accepted 1, duplicates 0, quarantined 1; ")
    assert "nothing" not in message
    pending = message.rsplit("the reasons are in ", 1)[1]
    assert pd.read_csv(pending)["reason"].tolist() == ["participant_id 'e9' is not on the roster"]
    assert count(roster, store.submissions) == 1  # e1 is stored, as the message says


def test_mixed_encoding_and_nul_rows_are_quarantined_on_every_database(engine, tmp_path):
    # row 2 is long so that the NUL of row 4 comes well after the first 4 KB of the file
    lines = [
        ",".join(ROSTER_HEADER).encode(),
        b"c1,m1,mentor,Ann Lee,ann@example.com,,," + b"x" * 5000,
        "c1,e1,mentee,José Müller,e1@example.com,m1,2026-05-01,".encode(),  # valid UTF-8
        b"c1,e2,mentee,Fran\xe7ois,e2@example.com,m1,2026-05-01,",  # a Windows-1252 byte
        b"c1,e3,mentee,Ed,e3@example.com,m1,2026-05-01,Ops\x00",  # a NUL
    ]
    path = tmp_path / "roster.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = ingest.import_file(engine, path, "roster")
    assert (result.read, result.accepted, result.quarantined) == (4, 2, 2)
    assert result.reasons == (
        (
            4,
            "name: bytes that are not UTF-8 (\\xNN in the quarantine file); save the file as CSV UTF-8 and import the row again",
        ),
        (5, "department: a NUL character (\\x00 in the quarantine file); remove it and import the row again"),
    )
    with engine.connect() as conn:
        names = dict(conn.execute(sa.select(store.participants.c.participant_id, store.participants.c.name)).all())
    assert names == {"m1": "Ann Lee", "e1": "José Müller"}
    q = pd.read_csv(result.quarantine_file, dtype=str, keep_default_na=False)
    assert q["name"].tolist() == ["Fran\\xe7ois", "Ed"]  # the byte as it was, written out
    assert q["department"].tolist() == ["", "Ops\\x00"]


@pytest.mark.slow
def test_nul_in_an_answer_row_is_quarantined_on_every_database(roster, tmp_path):
    padding = [["e2", "", f"2026-05-0{d}T10:00:00Z", "yes", "yes", "yes", "yes", "yes", "yes"] for d in range(1, 10)]
    rows = [*padding * 12, ["e1\x00", "", "2026-05-02T10:00:00Z", "yes", "yes", "yes", "yes", "yes", "yes"]]
    # 108 rows of about 50 bytes: the NUL of the last row is past the first 4 KB
    result = ingest.import_file(roster, write_csv(tmp_path / "m.csv", MENTEE, rows), "mentee_readiness")
    assert (result.read, result.accepted, result.duplicates, result.quarantined) == (109, 9, 99, 1)
    assert result.reasons == (
        (110, "participant_id: a NUL character (\\x00 in the quarantine file); remove it and import the row again"),
    )
