"""The templates' dates as spreadsheets in a locale write them, and rows that depend on a quarantined row.

Every expected date below is worked out by hand from the cell: ``15/11/2026`` can only be day
first (there is no month 15), so its column is read DD/MM/YYYY and ``03/04/2026`` in the same
column is 3 April; alone, ``03/04/2026`` is 3 April or 4 March.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from mentorkit import store
from mentorkit.errors import UsageError
from mentorkit.intake import ingest, times
from tests.builders import CHECKIN_HEADER, GOAL_UPDATES_HEADER, GOALS_HEADER, ROSTER_HEADER, checkin_row, import_csv

MENTORS = [
    ["c1", "m1", "mentor", "Ann Lee", "ann@example.com", "", "", "Eng"],
    ["c1", "m2", "mentor", "Bo Kim", "bo@example.com", "", "", "Eng"],
]
AMBIGUOUS = "matched_on: '03/04/2026' could be 3 April or 4 March: pass --date-order DMY or MDY"


def mentee(pid: str, mentor: str, matched_on: str) -> list[str]:
    return ["c1", pid, "mentee", f"Name {pid}", f"{pid}@example.com", mentor, matched_on, "Ops"]


def matched(engine) -> dict[str, dt.date]:
    """Each stored mentee's matched_on."""
    p = store.participants
    with engine.connect() as conn:
        rows = conn.execute(sa.select(p.c.participant_id, p.c.matched_on).where(p.c.matched_on.is_not(None))).all()
    return {pid: on for pid, on in rows}


def held(engine) -> list[tuple[str, str, int, str]]:
    """The quarantined rows the store keeps for the rows that depend on them."""
    q = store.quarantined_rows
    with engine.connect() as conn:
        rows = conn.execute(sa.select(q.c.subject, q.c.subject_id, q.c.row_number, q.c.reason)).all()
    return sorted(tuple(r) for r in rows)


def test_a_column_with_a_day_above_12_is_read_day_first_and_the_summary_says_so(engine, tmp_path):
    rows = [*MENTORS, mentee("e1", "m1", "15/11/2026"), mentee("e2", "m2", "03/04/2026")]
    result = import_csv(engine, "roster", ROSTER_HEADER, rows, tmp_path)
    assert (result.accepted, result.quarantined) == (4, 0)
    # 15/11/2026: day 15, month 11; so the column is day first, and 03/04/2026 is 3 April
    assert matched(engine) == {"e1": dt.date(2026, 11, 15), "e2": dt.date(2026, 4, 3)}
    assert result.date_orders == {"matched_on": "DD/MM/YYYY"}
    assert (
        result.summary() == "read 4, accepted 4, updated 0, duplicates 0, quarantined 0; matched_on read as DD/MM/YYYY"
    )


def test_a_column_that_fits_both_orders_waits_for_the_date_order_option(engine, tmp_path):
    rows = [*MENTORS, mentee("e1", "m1", "03/04/2026"), mentee("e2", "m2", "05/05/2026")]
    result = import_csv(engine, "roster", ROSTER_HEADER, rows, tmp_path)
    # 05/05/2026 is 5 May either way; 03/04/2026 is not known
    assert (result.accepted, result.quarantined) == (3, 1)
    assert result.reasons == ((4, AMBIGUOUS),)
    assert matched(engine) == {"e2": dt.date(2026, 5, 5)}
    assert "read as" not in result.summary()
    again = import_csv(engine, "roster", ROSTER_HEADER, rows, tmp_path, date_order="MDY")
    assert (again.accepted, again.duplicates, again.quarantined) == (1, 3, 0)
    assert matched(engine) == {"e1": dt.date(2026, 3, 4), "e2": dt.date(2026, 5, 5)}  # month first: 4 March
    assert again.summary().endswith("; matched_on read as MM/DD/YYYY (--date-order MDY)")


def test_a_column_mixing_day_first_and_month_first_dates_is_quarantined_with_why(engine, tmp_path):
    rows = [
        *MENTORS,
        mentee("e1", "m1", "15/11/2026"),
        mentee("e2", "m2", "11/15/2026"),
        mentee("e3", "m2", "2026-05-01"),
    ]
    result = import_csv(engine, "roster", ROSTER_HEADER, rows, tmp_path)
    assert (result.accepted, result.quarantined) == (3, 2)
    both = "the column has day-first ('15/11/2026', row 4) and month-first ('11/15/2026', row 5) dates"
    assert result.reasons == (
        (4, f"matched_on: '15/11/2026' cannot be read: {both}; write its dates as YYYY-MM-DD"),
        (5, f"matched_on: '11/15/2026' cannot be read: {both}; write its dates as YYYY-MM-DD"),
    )
    assert matched(engine) == {"e3": dt.date(2026, 5, 1)}  # an ISO date is read as ever


def test_the_date_order_option_wins_and_a_date_it_cannot_read_is_quarantined(engine, tmp_path):
    rows = [*MENTORS, mentee("e1", "m1", "11/15/2026"), mentee("e2", "m2", "31/02/2026")]
    result = import_csv(engine, "roster", ROSTER_HEADER, rows, tmp_path, date_order="DMY")
    assert result.reasons == (
        (4, "matched_on: '11/15/2026' is not a date in DD/MM/YYYY (--date-order DMY)"),  # no month 15
        (5, "matched_on: '31/02/2026' is not a date in DD/MM/YYYY (--date-order DMY)"),  # no 31 February
    )
    with pytest.raises(UsageError, match="unknown date order 'YMD'; choose DMY"):
        import_csv(engine, "roster", ROSTER_HEADER, rows, tmp_path, date_order="YMD")


def test_goal_dates_are_read_column_by_column(engine, tmp_path):
    import_csv(engine, "roster", ROSTER_HEADER, [*MENTORS, mentee("e1", "m1", "2026-05-01")], tmp_path)
    goals = [
        ["g1", "m1", "e1", "Lead a review", "", "13/06/2026", "15/12/2026", "yes", "yes", "13/06/2026 14:30"],
        ["g2", "m1", "e1", "Run a session", "", "02/06/2026", "01/09/2026", "yes", "yes", ""],
        ["g3", "m1", "e1", "Coach a peer", "", "2026-06-03", "11/10/2026", "yes", "yes", ""],
    ]
    result = import_csv(engine, "goals", [*GOALS_HEADER, "submitted_at"], goals, tmp_path, timezone="Europe/Berlin")
    assert (result.accepted, result.quarantined) == (3, 0)
    # each column by its own dates: 13/06 (start_date), 15/12 (target_date), 13/06 (submitted_at) are day first
    assert result.summary().endswith("; start_date, target_date, submitted_at read as DD/MM/YYYY")
    answers = store.load(engine).responses["goals"].sort_values("goal_id")
    assert answers["start_date"].astype(str).tolist() == ["2026-06-13", "2026-06-02", "2026-06-03"]
    assert answers["target_date"].astype(str).tolist() == ["2026-12-15", "2026-09-01", "2026-10-11"]
    # 14:30 CEST (UTC+2) = 12:30 UTC; a goal without submitted_at is dated by its start
    assert answers["submitted_at"].astype(str).tolist() == [
        "2026-06-13 12:30:00",
        "2026-06-02 00:00:00",
        "2026-06-03 00:00:00",
    ]


def test_a_time_column_in_a_locale_is_read_in_its_zone(engine, tmp_path):
    import_csv(engine, "roster", ROSTER_HEADER, [*MENTORS, mentee("e1", "m1", "2026-05-01")], tmp_path)
    header = ["participant_id", "email", "submitted_at", "me01", "me02", "me03", "me04", "me05", "me06"]
    rows = [
        ["e1", "", "15/11/2026 14:30", *["yes"] * 6],  # 14:30 CET (UTC+1) = 13:30 UTC
        ["e1", "", "03/07/2026 9:05 PM", *["yes"] * 6],  # 3 July 21:05 CEST (UTC+2) = 19:05 UTC
        ["e1", "", "16/11/2026 25:00", *["yes"] * 6],  # no hour 25
    ]
    result = import_csv(engine, "mentee_readiness", header, rows, tmp_path, timezone="Europe/Berlin")
    assert result.reasons == ((4, "submitted_at: '16/11/2026 25:00' is not a date-time in DD/MM/YYYY hh:mm"),)
    assert result.date_orders == {"submitted_at": "DD/MM/YYYY"}
    got = store.load(engine).responses["mentee_readiness"]["submitted_at"].sort_values().astype(str).tolist()
    assert got == ["2026-07-03 19:05:00", "2026-11-15 13:30:00"]


def test_a_workbooks_date_cells_are_dates(engine, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(ROSTER_HEADER)
    for row in MENTORS:
        sheet.append(row)
    sheet.append([*mentee("e1", "m1", "")[:6], dt.date(2026, 11, 15), "Ops"])  # a date cell: "2026-11-15 00:00:00"
    book.save(tmp_path / "roster.xlsx")
    result = ingest.import_file(engine, tmp_path / "roster.xlsx", "roster")
    assert (result.accepted, result.quarantined) == (3, 0)
    assert matched(engine) == {"e1": dt.date(2026, 11, 15)}


def test_rows_that_depend_on_a_quarantined_roster_row_name_it(engine, tmp_path):
    rows = [*MENTORS, mentee("e1", "m1", "2026-05-01"), mentee("e3", "m2", "03/04/2026")]
    first = import_csv(engine, "roster", ROSTER_HEADER, rows, tmp_path)
    assert first.reasons == ((5, AMBIGUOUS),)
    assert held(engine) == [("participant", "e3", 5, AMBIGUOUS)]
    row = f"the roster row 5 of e3 (file roster.csv) was quarantined: {AMBIGUOUS}"
    goals = [
        ["g1", "m1", "e1", "Lead a review", "", "2026-06-01", "2026-12-01", "yes", "yes"],
        ["g3", "m2", "e3", "Run a session", "", "2026-06-01", "2026-12-01", "yes", "yes"],
        ["g4", "m2", "e1", "Not a pair", "", "2026-06-01", "2026-12-01", "yes", "yes"],
    ]
    got = import_csv(engine, "goals", GOALS_HEADER, goals, tmp_path)
    assert got.reasons == (
        (3, f"pair not on the roster: {row}"),
        (4, "mentor_id and mentee_id are not a pair on the roster"),  # both on the roster: no row to name
    )
    checkins = [checkin_row("e3", "2026-06-10T10:00:00Z", 4), checkin_row("m2", "2026-06-10T10:00:00Z", 4, about="e3")]
    got = import_csv(engine, "checkin", CHECKIN_HEADER, checkins, tmp_path)
    assert got.reasons == (
        (
            2,
            f"participant_id 'e3' is not on the roster: its roster row 5 (file roster.csv) was quarantined: {AMBIGUOUS}",
        ),
        (3, f"about 'e3' is not a mentee of m2: {row}"),
    )
    # the roster row fixed: its record goes, and the goal is accepted
    import_csv(engine, "roster", ROSTER_HEADER, rows, tmp_path, date_order="DMY")
    assert [k for k in held(engine) if k[0] == "participant"] == []
    again = import_csv(engine, "goals", GOALS_HEADER, goals, tmp_path)
    assert (again.accepted, again.duplicates, again.quarantined) == (1, 1, 1)


def test_a_goal_update_names_its_goals_quarantined_row(engine, tmp_path):
    import_csv(engine, "roster", ROSTER_HEADER, [*MENTORS, mentee("e1", "m1", "2026-05-01")], tmp_path)
    goals = [["g1", "m1", "e1", "Lead a review", "", "2026-06-01", "2026-02-01", "yes", "yes"]]
    assert import_csv(engine, "goals", GOALS_HEADER, goals, tmp_path).quarantined == 1
    ups = [["g1", "e1", "2026-07-01T09:30:00Z", "40", "in_progress", ""]]
    got = import_csv(engine, "goal_updates", GOAL_UPDATES_HEADER, ups, tmp_path)
    assert got.reasons == (
        (
            2,
            "goal_id 'g1' is not a known goal: its row 2 (file goals.csv) was quarantined: "
            "target_date is before start_date",
        ),
    )


def test_a_mentee_whose_mentors_row_was_quarantined_names_it_and_no_address_is_kept(engine, tmp_path):
    rows = [
        ["c1", "m1", "mentor", "Ann Lee", "ann@example", "", "", "Eng"],  # not an e-mail address
        mentee("e1", "m1", "2026-05-01"),
    ]
    result = import_csv(engine, "roster", ROSTER_HEADER, rows, tmp_path)
    mentor_row = "email: 'ann@example' is not an e-mail address"
    assert result.reasons == (
        (2, mentor_row),
        (
            3,
            f"mentor_id 'm1' is not a mentor of cohort c1: its roster row 2 (file roster.csv) was quarantined: {mentor_row}",
        ),
    )
    kept = held(engine)
    assert [k[:3] for k in kept] == [("participant", "e1", 3), ("participant", "m1", 2)]
    assert not any("ann@example" in k[3] for k in kept)  # the store keeps no address from a reason
    assert kept[1][3] == "email: the cell is not an e-mail address"
    assert kept[0][3].endswith("was quarantined: email: the cell is not an e-mail address")


def test_the_date_order_is_for_the_templates_only(engine, tmp_path):
    path = tmp_path / "form.csv"
    path.write_text("Timestamp,Email Address,x\n2026/05/02 10:00:00 AM GMT+1,e1@example.com,yes\n")
    with pytest.raises(UsageError, match="--date-order is for the project's templates"):
        ingest.import_file(engine, path, "mentee_readiness", source="googleforms", date_order="DMY")


@pytest.mark.parametrize(
    ("cells", "order", "text", "reasons", "read"),
    [
        (["15.11.2026", "03.04.2026"], None, ["2026-11-15", "2026-04-03"], [None, None], "DD.MM.YYYY"),
        (["11/15/2026", "3/4/2026"], None, ["2026-11-15", "2026-03-04"], [None, None], "MM/DD/YYYY"),
        (["2026-05-01", None, ""], None, ["2026-05-01", None, ""], [None, None, None], None),
        (["15/11/26"], None, ["15/11/26"], [None], None),  # a two-digit year: the cleaner's reason
    ],
)
def test_read_template_dates(cells, order, text, reasons, read):
    got = times.read_template_dates(
        pd.Series(cells, dtype="string"), "d", pd.Series(range(2, 2 + len(cells))), with_time=False, order=order
    )
    assert [None if pd.isna(v) else v for v in got.text] == text
    assert [None if pd.isna(v) else v for v in got.reasons] == reasons
    assert (got.shown or None) == read


def test_forget_removes_the_persons_quarantined_row(engine, tmp_path):
    rows = [*MENTORS, mentee("e1", "m1", "2026-05-01")]
    import_csv(engine, "roster", ROSTER_HEADER, rows, tmp_path)
    changed = [*MENTORS, mentee("e1", "m2", "03/04/2026")]  # a re-match whose date fits both orders
    assert import_csv(engine, "roster", ROSTER_HEADER, changed, tmp_path).reasons == ((4, AMBIGUOUS),)
    assert held(engine) == [("participant", "e1", 4, AMBIGUOUS)]
    assert store.forget(engine, "e1@example.com") is not None
    assert held(engine) == []
