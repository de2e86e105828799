"""What is due, as of a date, worked out by hand from the sample CSVs (data/sample/)."""

from __future__ import annotations

from datetime import date

import pytest

from mentorkit import store
from mentorkit.analysis import due
from tests.conftest import SAMPLE_AS_OF

AS_OF = date.fromisoformat(SAMPLE_AS_OF)  # 2026-11-15


@pytest.fixture(scope="module")
def data(sample_db):
    return store.load(store.connect(sample_db))


def items(data, cohort: str, as_of: date = AS_OF) -> list[tuple[str, str, str]]:
    table = due.due_items(data, cohort, as_of)
    return list(zip(table["participant_id"], table["due"], table["about"], strict=True))


# Working, as of 2026-11-15 (check-in due when the person's latest about the pair is before
# 2026-09-16, i.e. more than 60 days old, or none at all and the pair matched 30+ days ago; a goal
# stale when its latest update, or its start when never updated, is before 2026-10-01, >45 days):
#
# Readiness (mentor_readiness.csv, mentee_readiness.csv): every mentor has a row. Mentees missing:
# E-ENG-11 (its only row has the date 05/03/2026, either order, and is quarantined), E-ENG-12, E-SAL-06,
# E-OPS-05 (no row). M-ENG-01's row in mentee_readiness.csv is quarantined (a mentor).
#
# Check-ins (checkin.csv; spring-eng matched 2026-05-18, E-ENG-12 on 2026-11-01 = 14 days: too early):
#   M-ENG-02/E-ENG-04: both last on 2026-08-30 (77 days)           -> both due
#   M-ENG-03/E-ENG-06: mentor none (mentee 2026-11-10)             -> M-ENG-03 due
#   M-ENG-04/E-ENG-07: mentor none; mentee's only row (2026-09-01) has rc_learning 6, quarantined
#                                                                   -> both due
#   M-ENG-06/E-ENG-11: both last on 2026-09-16, exactly 60 days    -> not due
#   the other eng pairs have both sides on or after 2026-10-01      -> not due
# Goals (goals.csv, goal_updates.csv):
#   G-ENG-06 (M-ENG-03/E-ENG-05): never updated, start 2026-07-01   -> stale, both due
#   G-ENG-08 (M-ENG-05/E-ENG-09): last update 2026-09-15 (61 days)  -> stale, both due
#   G-ENG-01 achieved, G-ENG-05 dropped, G-ENG-07 starts 2026-11-20, others updated since 2026-10-20
SPRING_ENG = [
    ("M-ENG-02", "checkin", "E-ENG-04"),
    ("M-ENG-03", "checkin", "E-ENG-06"),
    ("M-ENG-03", "goal_update", "G-ENG-06"),
    ("M-ENG-04", "checkin", "E-ENG-07"),
    ("M-ENG-05", "goal_update", "G-ENG-08"),
    ("E-ENG-04", "checkin", "M-ENG-02"),
    ("E-ENG-05", "goal_update", "G-ENG-06"),
    ("E-ENG-07", "checkin", "M-ENG-04"),
    ("E-ENG-09", "goal_update", "G-ENG-08"),
    ("E-ENG-11", "readiness", ""),
    ("E-ENG-12", "readiness", ""),
]
# spring-sales, matched 2026-06-01: M-SAL-01 checks in about E-SAL-01 only; M-SAL-02 and M-SAL-03
# never; E-SAL-01..03 last in October or November, E-SAL-04..06 never. G-SAL-03 (M-SAL-02/E-SAL-03)
# last updated 2026-08-01: stale. G-SAL-01 achieved, G-SAL-02 updated 2026-11-05.
SPRING_SALES = [
    ("M-SAL-01", "checkin", "E-SAL-02"),
    ("M-SAL-02", "checkin", "E-SAL-03"),
    ("M-SAL-02", "checkin", "E-SAL-04"),
    ("M-SAL-02", "goal_update", "G-SAL-03"),
    ("M-SAL-03", "checkin", "E-SAL-05"),
    ("M-SAL-03", "checkin", "E-SAL-06"),
    ("E-SAL-03", "goal_update", "G-SAL-03"),
    ("E-SAL-04", "checkin", "M-SAL-02"),
    ("E-SAL-05", "checkin", "M-SAL-03"),
    ("E-SAL-06", "readiness", ""),
    ("E-SAL-06", "checkin", "M-SAL-03"),
]
# fall-ops matched 2026-10-20 (26 days): too early for check-ins; E-OPS-05 sent no readiness.
# pilot-legal matched 2026-08-15: M-LEG-02/E-LEG-02 never checked in; the other pair on 2026-11-05.
FALL_OPS = [("E-OPS-05", "readiness", "")]
PILOT_LEGAL = [("M-LEG-02", "checkin", "E-LEG-02"), ("E-LEG-02", "checkin", "M-LEG-02")]


@pytest.mark.parametrize(
    ("cohort", "expected", "summary"),
    [
        ("2026-spring-eng", SPRING_ENG, "10 people, 2 readiness due, 5 check-ins due, 4 goal updates due"),
        ("2026-spring-sales", SPRING_SALES, "7 people, 1 readiness due, 8 check-ins due, 2 goal updates due"),
        ("2026-fall-ops", FALL_OPS, "1 people, 1 readiness due, 0 check-ins due, 0 goal updates due"),
        ("2026-pilot-legal", PILOT_LEGAL, "2 people, 0 readiness due, 2 check-ins due, 0 goal updates due"),
    ],
)
@pytest.mark.slow
def test_due_on_the_sample(data, cohort, expected, summary):
    assert items(data, cohort) == expected
    line = due.summary_line(cohort, AS_OF, due.due_items(data, cohort, AS_OF))
    assert line == f"cohort {cohort} as of 2026-11-15: {summary}"


def test_a_pair_is_due_for_a_first_checkin_at_30_days(data):
    # fall-ops pairs matched 2026-10-20: 29 days on 2026-11-18, 30 on 2026-11-19. M-OPS-01/E-OPS-01
    # checked in on 2026-11-10; the four other pairs never did: 8 people due on the 19th.
    assert [i for i in items(data, "2026-fall-ops", date(2026, 11, 18)) if i[1] == "checkin"] == []
    due_19 = [i for i in items(data, "2026-fall-ops", date(2026, 11, 19)) if i[1] == "checkin"]
    assert sorted(due_19) == sorted(
        [(f"M-OPS-0{n}", "checkin", f"E-OPS-0{n}") for n in range(2, 6)]
        + [(f"E-OPS-0{n}", "checkin", f"M-OPS-0{n}") for n in range(2, 6)]
    )


def test_a_checkin_is_due_again_after_60_days(data):
    # M-ENG-06 and E-ENG-11 last checked in on 2026-09-16: 60 days on 2026-11-15, 61 on the 16th
    assert ("E-ENG-11", "checkin", "M-ENG-06") not in items(data, "2026-spring-eng", AS_OF)
    later = items(data, "2026-spring-eng", date(2026, 11, 16))
    assert ("E-ENG-11", "checkin", "M-ENG-06") in later and ("M-ENG-06", "checkin", "E-ENG-11") in later


def test_only_what_was_known_on_the_day_counts(data):
    # as of 2026-05-06 only M-ENG-03 (2026-05-06), E-ENG-06 (2026-05-05), E-ENG-08 and E-ENG-10
    # (2026-05-04) of spring-eng had sent readiness; the pairs matched 2026-05-18 were not there yet
    sent = {"M-ENG-03", "E-ENG-06", "E-ENG-08", "E-ENG-10"}
    mentors = [f"M-ENG-0{n}" for n in range(1, 7)]
    mentees = [f"E-ENG-{n:02d}" for n in range(1, 13)]
    expected = [(p, "readiness", "") for p in mentors + mentees if p not in sent]  # mentors first, then by id
    assert items(data, "2026-spring-eng", date(2026, 5, 6)) == expected


def test_recipients_per_form(data):
    def ids(form: str) -> list[str]:
        return due.recipients(data, "2026-pilot-legal", form)["participant_id"].tolist()

    assert ids("mentor_readiness") == ["M-LEG-01", "M-LEG-02"]
    assert ids("mentee_readiness") == ["E-LEG-01", "E-LEG-02"]
    for form in ("checkin", "goals", "goal_updates"):
        assert ids(form) == ["M-LEG-01", "M-LEG-02", "E-LEG-01", "E-LEG-02"]
