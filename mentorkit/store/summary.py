"""What the store holds per cohort (people per role, pairs, the latest submission) and the as-of date it suggests."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mentorkit.store.read import _kept_rows, _kept_submissions, _times
from mentorkit.store.schema import cohorts, pairs, participants, submissions

SUMMARY_COLUMNS = ("cohort_id", "mentors", "mentees", "pairs", "latest_submission")


def _latest(conn: Connection, cohort_ids: list[str] | None = None) -> pd.Series:
    """The latest kept submission per cohort (UTC, ``datetime64[us]``), indexed by cohort id."""
    s = submissions
    stmt = sa.select(s.c.cohort_id, sa.func.max(sa.type_coerce(s.c.submitted_at, sa.String))).where(
        _kept_submissions(conn)
    )
    if cohort_ids is not None:
        stmt = stmt.where(s.c.cohort_id.in_(cohort_ids))
    rows = conn.execute(stmt.group_by(s.c.cohort_id)).all()
    values = np.array([r[1] for r in rows], dtype=object)
    when = _times(values, "datetime", conn) if len(rows) else np.empty(0, dtype="datetime64[us]")
    return pd.Series(when, index=[str(r[0]) for r in rows], dtype="datetime64[us]")


def latest_submission(conn: Connection, cohort_ids: list[str] | None = None) -> datetime | None:
    """The time (UTC, naive) of the latest submission of these cohorts (all when None); None when there is none."""
    found = _latest(conn, cohort_ids).dropna()
    return None if found.empty else found.max().to_pydatetime()


def suggested_as_of(conn: Connection, cohort_ids: list[str] | None = None) -> date:
    """The as-of date that counts everything stored: the day (UTC) of the latest submission, else today (UTC).

    Reports, ``score`` and ``export`` given this date show the figures the explore notebook opens with.
    """
    latest = latest_submission(conn, cohort_ids)
    return latest.date() if latest is not None else datetime.now(UTC).date()


def cohort_summary(conn: Connection) -> pd.DataFrame:
    """Every cohort with its mentors and mentees on the roster, its current pairs and its latest submission."""
    p, m = participants, pairs
    people = conn.execute(
        sa.select(p.c.cohort_id, p.c.role, sa.func.count())
        .where(_kept_rows(conn, p, "participant_id"))
        .group_by(p.c.cohort_id, p.c.role)
    ).all()
    # the current pairs, as ``read_pairs`` reads them: a mentee's pair with the mentor the roster names now
    matched = conn.execute(
        sa.select(m.c.cohort_id, sa.func.count())
        .join(p, (p.c.participant_id == m.c.mentee_id) & (p.c.mentor_id == m.c.mentor_id))
        .where(_kept_rows(conn, m, "pair_id") & _kept_rows(conn, p, "participant_id"))
        .group_by(m.c.cohort_id)
    ).all()
    ids = [str(c) for c in conn.execute(sa.select(cohorts.c.cohort_id).order_by(cohorts.c.cohort_id)).scalars()]
    counts = {(str(c), str(r)): int(n) for c, r, n in people}
    pair_counts = {str(c): int(n) for c, n in matched}
    latest = _latest(conn)
    return pd.DataFrame(
        {
            "cohort_id": pd.array(ids, dtype="str"),
            "mentors": [counts.get((c, "mentor"), 0) for c in ids],
            "mentees": [counts.get((c, "mentee"), 0) for c in ids],
            "pairs": [pair_counts.get(c, 0) for c in ids],
            "latest_submission": pd.Series(latest.reindex(ids).to_numpy(), dtype="datetime64[us]"),
        },
        columns=list(SUMMARY_COLUMNS),
    )
