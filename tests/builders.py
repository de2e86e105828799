"""Builders for test inputs, from the instrument definitions (instruments.yaml), not copied headers.

A test then says what matters ("a mentee's readiness, all yes"; "a check-in rating every element 4")
and the columns follow the instruments. Expected figures stay worked by hand in each test.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import Engine

from mentorkit import instruments as ins
from mentorkit.intake import ingest
from tests.conftest import write_csv

ROSTER_HEADER = ["cohort_id", "participant_id", "role", "name", "email", "mentor_id", "matched_on", "department"]


def item_ids(kind: str, *, scored: bool = False) -> list[str]:
    """The item ids of an instrument in instruments.yaml order (only the scored ones if ``scored``)."""
    instrument = ins.get(kind)
    return [i.id for i in (instrument.scored_items if scored else instrument.items)]


def header(kind: str, *who: str) -> list[str]:
    """A template header: the identifying columns ``who`` (e.g. participant_id, submitted_at), then every item."""
    return [*who, *item_ids(kind)]


CHECKIN_ELEMENTS = item_ids("checkin", scored=True)  # the seven elements, rated 1-5
CHECKIN_HEADER = header("checkin", "participant_id", "submitted_at", "about")
GOALS_HEADER = header("goals", "goal_id", "mentor_id", "mentee_id")
GOAL_UPDATES_HEADER = header("goal_updates", "goal_id", "reported_by", "reported_at")


def checkin_row(
    who: str, when: str, ratings: object | Sequence[object], *, about: str = "", comment: str = ""
) -> list[object]:
    """A check-in row for ``CHECKIN_HEADER``: one rating for every element, or one per element."""
    if isinstance(ratings, str) or not isinstance(ratings, Sequence):
        ratings = [ratings] * len(CHECKIN_ELEMENTS)
    assert len(ratings) == len(CHECKIN_ELEMENTS), "one rating per element"
    return [who, when, about, *ratings, comment]


def response_row(kind: str, who: Sequence[object], answers: object | Sequence[object]) -> list[object]:
    """A row for ``header(kind, ...)``: the identifying cells, then one answer for every item or one per item."""
    n = len(item_ids(kind))
    if isinstance(answers, str) or not isinstance(answers, Sequence):
        answers = [answers] * n
    assert len(answers) == n, f"{kind} has {n} items"
    return [*who, *answers]


def import_csv(
    engine: Engine,
    kind: str,
    header: list[str],
    rows: list[list[object]],
    folder: Path,
    *,
    name: str | None = None,
    **options: object,
) -> ingest.ImportResult:
    """Write the rows as a CSV in ``folder`` and import them as ``kind``."""
    path = write_csv(folder / (name or f"{kind}.csv"), header, rows)
    return ingest.import_file(engine, path, kind, **options)  # type: ignore[arg-type]


def late_sixth(engine: Engine, folder: Path) -> None:
    """Cohort d1: mentor m1, mentees e1..e6 matched 2026-06-01; e1..e5 answer readiness all yes on 10 June,
    e6 all no on 10 July. June's figures (n = 5) less July's (n = 6) would give e6's answers."""
    roster = [["d1", "m1", "mentor", "M", "m1@x.org", "", "", "Ops"]]
    roster += [["d1", f"e{i}", "mentee", f"E{i}", f"e{i}@x.org", "m1", "2026-06-01", "Ops"] for i in range(1, 7)]
    import_csv(engine, "roster", ROSTER_HEADER, roster, folder)
    rows = [response_row("mentee_readiness", [f"e{i}", "2026-06-10"], "yes") for i in range(1, 6)]
    rows.append(response_row("mentee_readiness", ["e6", "2026-07-10"], "no"))
    import_csv(engine, "mentee_readiness", header("mentee_readiness", "participant_id", "submitted_at"), rows, folder)


def one_apart(engine: Engine, folder: Path) -> None:
    """Cohort d2: mentees a1..a12, unmatched; department A = a1..a6, B = a7..a12; site X = a1..a5, Y = a6..a12.

    Readiness on 2 June: a6 all no, everyone else all yes. Department A less site X is a6 alone.
    """
    roster = [
        ["d2", f"a{i}", "mentee", f"A{i}", f"a{i}@x.org", "", "", "A" if i <= 6 else "B", "X" if i <= 5 else "Y"]
        for i in range(1, 13)
    ]
    import_csv(engine, "roster", [*ROSTER_HEADER, "site"], roster, folder)
    rows = [response_row("mentee_readiness", [f"a{i}", "2026-06-02"], "no" if i == 6 else "yes") for i in range(1, 13)]
    import_csv(engine, "mentee_readiness", header("mentee_readiness", "participant_id", "submitted_at"), rows, folder)
