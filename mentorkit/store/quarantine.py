"""The quarantined rows other rows depend on: the latest of each roster participant and each goal.

A goal whose pair's roster row was quarantined is quarantined too; its reason names that row
(its file, row number and reason), read from here. A later import that stores the subject
removes its record.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mentorkit.store.schema import imports, quarantined_rows

CHUNK = 500  # ids per statement: within every database's limit on parameters


def _chunks(values: Iterable[str]) -> list[list[str]]:
    ordered = sorted({str(v) for v in values})
    return [ordered[start : start + CHUNK] for start in range(0, len(ordered), CHUNK)]


def keep_quarantined(conn: Connection, subject: str, import_id: int, stored: Iterable[str], held: pd.DataFrame) -> None:
    """Record this import's quarantined rows of ``subject`` ids (``participant``, ``goal``), in the open transaction.

    ``stored``: ids this import stored or found stored: their record goes. ``held``: its
    quarantined rows (``subject_id``, ``row_number``, ``reason``): each replaces its id's record.
    """
    q = quarantined_rows
    recorded = set(conn.execute(sa.select(q.c.subject_id).where(q.c.subject == subject)).scalars())
    if recorded:  # few: only the rows still quarantined
        for chunk in _chunks(recorded & {*stored, *held["subject_id"]}):
            conn.execute(q.delete().where(q.c.subject == subject).where(q.c.subject_id.in_(chunk)))
    if not held.empty:
        rows = [
            {"subject": subject, "subject_id": i, "import_id": import_id, "row_number": int(n), "reason": str(why)}
            for i, n, why in zip(held["subject_id"], held["row_number"], held["reason"], strict=True)
        ]
        conn.execute(q.insert(), rows)


def read_quarantined(conn: Connection, subject: str, ids: Iterable[str]) -> pd.DataFrame:
    """The recorded quarantined rows of these ``subject`` ids, indexed by id: ``row_number``, ``file_name``, ``reason``."""
    q = quarantined_rows
    stmt = (
        sa.select(q.c.subject_id, q.c.row_number, imports.c.file_name, q.c.reason)
        .select_from(q.outerjoin(imports, q.c.import_id == imports.c.import_id))
        .where(q.c.subject == subject)
        .where(q.c.subject_id.in_(sa.bindparam("ids", expanding=True)))
    )
    found = [pd.read_sql(stmt, conn, params={"ids": chunk}) for chunk in _chunks(ids)]
    columns = ["subject_id", "row_number", "file_name", "reason"]
    return (pd.concat(found) if found else pd.DataFrame(columns=columns)).set_index("subject_id")
