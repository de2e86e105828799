"""``mentorkit db check``: stored dates that cannot be read back, set aside without changing anything else.

An older mentorkit could store a date it cannot read again (a year before 1000 written as
``999-06-01``) or outside the years an import now accepts. Each such value is recorded in
``value_exclusions`` (table, row, column, the value as stored, why); reading the store then skips
its row (a submission, a roster row or a pair). No row is deleted or changed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from mentorkit import instruments as ins
from mentorkit import workspace
from mentorkit.formats import plural
from mentorkit.store.engine import now, retrying
from mentorkit.store.read import _unprocessed, as_text, readings
from mentorkit.store.schema import answers, pairs, participants, submissions, value_exclusions


@dataclass(frozen=True)
class SetAside:
    """One stored value that cannot be read back."""

    table: str
    row_id: str
    column: str
    raw: str | None
    reason: str

    def line(self) -> str:
        """One line for the terminal: where it is, what it holds and why it was set aside."""
        row = f"answers of submission {self.row_id}" if self.table == "answers" else f"{self.table} row {self.row_id}"
        return f"{row}: {self.column} {str(self.raw)[:40]!r} {self.reason}; set aside"


@dataclass(frozen=True)
class CheckResult:
    """What ``check_values`` found: the values it set aside now, and how many were set aside before."""

    found: tuple[SetAside, ...]
    earlier: int

    def summary(self) -> str:
        """The closing line."""
        before = f" ({self.earlier} set aside earlier)" if self.earlier else ""
        if not self.found:
            return f"every stored date can be read{before}"
        rows = len({(v.table if v.table != "answers" else "submissions", v.row_id) for v in self.found})
        return (
            f"set aside {plural(len(self.found), 'value')} that cannot be read, skipping {plural(rows, 'row')} when reading; "
            f"nothing was deleted or changed{before}"
        )


def _checked(conn: Connection) -> list[tuple[str, str, str, sa.Select]]:
    """(table, kind, column name, query of row id, value as the driver gives it, value as text) to check."""
    s, a = submissions, answers
    out = [
        ("participants", "date", "matched_on", _query(participants.c.participant_id, participants.c.matched_on)),
        ("pairs", "date", "matched_on", _query(pairs.c.pair_id, pairs.c.matched_on)),
        ("submissions", "datetime", "submitted_at", _query(s.c.submission_id, s.c.submitted_at)),
    ]
    for instrument in ins.instruments().values():
        for item in instrument.items:
            if item.kind == "date":
                query = (
                    sa.select(a.c.submission_id, a.c.value_text, a.c.value_text)
                    .join(s, s.c.submission_id == a.c.submission_id)
                    .where((s.c.instrument == instrument.id) & (a.c.item_id == item.id) & a.c.value_text.isnot(None))
                )
                out.append(("answers", "item-date", item.id, query))
    return out


def _query(key: sa.ColumnElement, column: sa.ColumnElement) -> sa.Select:
    return sa.select(key, _unprocessed(column), as_text(column)).where(column.isnot(None))


def find_unreadable(conn: Connection) -> list[SetAside]:
    """Every stored date that a read cannot parse, or whose year is outside the settings' years."""
    found: list[SetAside] = []
    chosen = workspace.settings()
    span = f"{chosen.earliest_year}–{chosen.latest_year}"
    for table, kind, column, query in _checked(conn):
        rows = conn.execute(query).all()
        if not rows:
            continue
        ids, values, texts = (np.array(c, dtype=object) for c in zip(*rows, strict=True))
        parsed, bad = readings(values, kind, conn)
        years = pd.DatetimeIndex(parsed).year
        outside = ~bad & ((years < chosen.earliest_year) | (years > chosen.latest_year))
        for n in np.flatnonzero(bad | outside):
            why = "cannot be read as a date" if bad[n] else f"is outside the years {span}"
            found.append(SetAside(table, str(ids[n]), column, None if texts[n] is None else str(texts[n]), why))
    return found


def check_values(engine: Engine) -> CheckResult:
    """Find the stored values that cannot be read back and set aside those not set aside yet (one transaction)."""
    ve = value_exclusions
    with retrying(engine) as conn:
        known = {
            tuple(r) for r in conn.execute(sa.select(ve.c.table_name, ve.c.row_id, ve.c.column_name, ve.c.raw_value))
        }
        new = [v for v in find_unreadable(conn) if (v.table, v.row_id, v.column, v.raw) not in known]
        if new:
            at = now()
            conn.execute(
                ve.insert(),
                [
                    {
                        "table_name": v.table,
                        "row_id": v.row_id,
                        "column_name": v.column,
                        "raw_value": v.raw,
                        "reason": v.reason,
                        "excluded_at": at,
                    }
                    for v in new
                ],
            )
    return CheckResult(found=tuple(new), earlier=len(known))
