"""Tidy tables for BI tools (``mentorkit export``), described by a Frictionless Data Package (v1).

Two levels. ``aggregate`` (the default) holds figures only, suppressed as in the reports: ``cohort_trends``
(``programme.trends``: every cohort's figure table of ``figures.py`` at each month end, exactly ``score``'s
values with n and 95 % intervals), ``cohort_figures`` (its rows at the export's date) and ``segment_figures``
(``segments.segments``: per department and named roster attribute, with complementary suppression); no two
figures rest on sets of people 1 to k − 1 apart (``differencing``), and ``suppressed_reason`` says why a figure
is hidden. ``responses``
adds one row per person, answer, pair, goal and goal update, under pseudonyms: no name, e-mail or free
text (check-in comments, goal titles, success criteria and update notes are left out).

Pseudonyms. A roster's ``participant_id`` is often an employee number or built from a name, so it
identifies a person to anyone with the HR directory. The export therefore never writes it: people are
``P-`` and goals ``G-`` followed by 16 hex digits of HMAC-SHA256 of the id under a secret kept in the
workspace (``data/export-secret``, mode 0600). The same person gets the same pseudonym in every table
and every export (dashboards can join and refresh), and only someone holding the secret can map a
pseudonym back to the roster (``Pseudonyms.load().person(id)``). Pair ids are the store's own numbers.

Files appear all at once: every table and ``datapackage.json`` are written into a temporary folder
beside ``OUT``, which then takes ``OUT``'s place; on any error nothing is left behind.

The parts: ``tables`` (every table's columns and key), ``pseudonyms`` (the keyed pseudonyms), ``build``
(the tables from the store's data), ``package`` (the ``datapackage.json`` descriptor) and ``write`` (the
folder). ``export`` here reads the store and does all of it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from mentorkit import store
from mentorkit.export.build import Progress, build_tables
from mentorkit.export.package import datapackage, resource
from mentorkit.export.pseudonyms import SECRET_NAME, Pseudonyms, secret_path
from mentorkit.export.tables import (
    AGGREGATE_TABLES,
    ANSWERS,
    COHORT_FIGURES,
    COHORT_TRENDS,
    FORMATS,
    GOAL_UPDATES,
    GOALS,
    LEVELS,
    PAIRS,
    PARTICIPANT_ATTRIBUTES,
    PARTICIPANTS,
    RESPONSE_TABLES,
    SEGMENT_FIGURES,
    Field,
    Table,
)
from mentorkit.export.write import check_request, write_export
from mentorkit.settings import DEFAULT, Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: the folder and the rows of each table."""

    folder: Path
    rows: dict[str, int]

    def summary(self) -> str:
        """One line for the command's output."""
        parts = ", ".join(f"{name} {n:,}" for name, n in self.rows.items())
        return f"wrote {len(self.rows)} tables to {self.folder} ({parts}) and datapackage.json"


def export(
    engine: Engine,
    out: str | os.PathLike[str],
    as_of: date,
    fmt: str = "csv",
    level: str = "aggregate",
    settings: Settings = DEFAULT,
    progress: Progress | None = None,
) -> ExportResult:
    """Read the store, build the level's tables and write them with their data package to OUT."""
    target = check_request(out, fmt, level)
    names = Pseudonyms.load() if level == "responses" else None
    if progress:
        progress("reading the store")
    data = store.load(engine, None, as_of)  # the roster in force at the end of as_of
    tables = build_tables(data, as_of, level, settings, names, progress)
    folder = write_export(target, tables, as_of, level, fmt, settings, progress)
    return ExportResult(folder, {name: len(frame) for name, (_table, frame) in tables.items()})


__all__ = [
    "AGGREGATE_TABLES",
    "ANSWERS",
    "COHORT_FIGURES",
    "COHORT_TRENDS",
    "FORMATS",
    "GOALS",
    "GOAL_UPDATES",
    "LEVELS",
    "PAIRS",
    "PARTICIPANTS",
    "PARTICIPANT_ATTRIBUTES",
    "RESPONSE_TABLES",
    "SECRET_NAME",
    "SEGMENT_FIGURES",
    "ExportResult",
    "Field",
    "Progress",
    "Pseudonyms",
    "Table",
    "build_tables",
    "check_request",
    "datapackage",
    "export",
    "resource",
    "secret_path",
    "write_export",
]
