"""The programme report's data: every chosen cohort loaded and scored once, and the tables its sections share.

``open_programme`` loads the cohorts (``load_in_chunks``) into a ``ProgrammeContext``; ``trend_table``,
``segment_table`` and ``outcome_table`` compute the month-end, per-segment and readiness–outcomes tables once per
context. With more cohorts than ``Settings.programme_max_cohorts`` the report ranks instead of listing
(``ProgrammeContext.ranked``): ``rankings`` gives each headline figure's top and bottom cohorts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from mentorkit import store
from mentorkit.analysis import figure_table as figures
from mentorkit.analysis import programme, segments
from mentorkit.analysis.compared import COMPARED, MISSING, TRENDED, Cell, cells_of
from mentorkit.errors import UsageError, unknown_cohort
from mentorkit.reporting import charts
from mentorkit.reporting.cohort import notebook_as_of, settings_for
from mentorkit.settings import DEFAULT, Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


@dataclass
class Computed:
    """The tables a programme report computes once, when a section first needs them."""

    trends: pd.DataFrame | None = None
    segments: pd.DataFrame | None = None
    outcomes: pd.DataFrame | None = None
    rankings: list[Ranking] | None = None
    full_table: Path | None = None


@dataclass(frozen=True)
class ProgrammeContext:
    """The programme's data and every cohort's figure table, loaded once per report."""

    cohorts: list[str]
    as_of: date
    settings: Settings
    data: store.CohortData
    figures: pd.DataFrame  # figures.programme_figures: one row per cohort and figure
    fingerprint: str
    generated_at: datetime
    memo: Computed = field(default_factory=Computed, compare=False, repr=False)
    folder: Path | None = None  # where the full per-cohort table goes when ranked (None: the working folder)

    @property
    def hidden(self) -> str:
        return f"hidden: fewer than {self.settings.min_group_size} people's answers behind it"

    @property
    def ranked(self) -> bool:
        """More cohorts than ``programme_max_cohorts``: each figure shows only its top and bottom cohorts."""
        return len(self.cohorts) > self.settings.programme_max_cohorts

    @property
    def per_end(self) -> int:
        return shown_per_end(self.settings)


def shown_per_end(settings: Settings) -> int:
    """How many top (and bottom) cohorts a ranked figure shows: a quarter of ``programme_max_cohorts``, at least 1."""
    return max(1, settings.programme_max_cohorts // 4)


def choose_cohorts(known: list[str], requested: list[str] | str | None) -> list[str]:
    """The cohorts to compare: all known ones for None, else the requested ones (each must exist), sorted."""
    if requested is None:
        return sorted(known)
    wanted = [requested] if isinstance(requested, str) else list(requested)
    unknown = [c for c in wanted if c not in known]
    if unknown:
        if len(unknown) == 1:
            raise unknown_cohort(unknown[0], known)
        raise UsageError(f"unknown cohorts: {', '.join(map(repr, unknown))}; `mentorkit cohorts` lists them")
    if not wanted:
        raise UsageError("no cohort to compare: give a list of cohort ids, or None for all")
    return sorted(dict.fromkeys(wanted))


def open_programme(
    as_of: str | date | None,
    db_url: str | None = None,
    min_group_size: int | None = None,
    cohorts: list[str] | str | None = None,
    out: str | Path | None = None,
    settings: dict[str, object] | None = None,
) -> ProgrammeContext:
    """Load and score the programme's cohorts (all when ``cohorts`` is None) for the programme report.

    ``out`` is the report's folder, where a ranked report writes its full per-cohort table (None: the working one).
    ``settings`` and ``min_group_size`` as for :func:`mentorkit.reporting.cohort.open_report`.
    """
    charts.use_report_renderer()
    engine = store.connect(db_url, create=False)
    with engine.connect() as conn:
        chosen = choose_cohorts(store.list_cohorts(conn), cohorts)
        fp = store.fingerprint(conn, chosen)
    in_force = settings_for(min_group_size, settings)
    day = notebook_as_of(as_of)
    data = load_in_chunks(engine, chosen, as_of=day)
    return programme_context(data, chosen, day, in_force, fp, None if out is None else Path(out))


LOAD_CHUNK = 100  # cohorts read from the store at a time (a read's size, not a threshold)


def load_in_chunks(
    engine: Engine, cohorts: list[str], size: int = LOAD_CHUNK, as_of: date | None = None
) -> store.CohortData:
    """``store.load`` of these cohorts, read ``size`` cohorts at a time and joined: the same rows and columns.

    One read of a whole store holds every answer row as Python objects at once while it widens them: about
    0.5 GB on top of the data at 1,000 cohorts. Reading in parts keeps that to one part's.
    """
    if len(cohorts) <= size:
        return store.load(engine, cohorts, as_of)
    people: list[pd.DataFrame] = []
    pairs: list[pd.DataFrame] = []
    responses: dict[str, list[pd.DataFrame]] = {}
    for start in range(0, len(cohorts), size):
        part = store.load(engine, cohorts[start : start + size], as_of)
        people.append(part.participants)
        pairs.append(part.pairs)
        for name, frame in part.responses.items():
            responses.setdefault(name, []).append(frame)
        del part
    return store.CohortData(
        participants=pd.concat(people, ignore_index=True),
        pairs=pd.concat(pairs, ignore_index=True),
        responses={name: pd.concat(frames, ignore_index=True) for name, frames in responses.items()},
    )


def programme_context(
    data: store.CohortData,
    cohorts: list[str],
    as_of: date,
    settings: Settings = DEFAULT,
    fingerprint: str = "-",
    folder: Path | None = None,
) -> ProgrammeContext:
    """A programme context from data already in memory."""
    table = figures.programme_figures(data, cohorts, as_of, settings)
    return ProgrammeContext(sorted(cohorts), as_of, settings, data, table, fingerprint, store.now(), folder=folder)


# --- the tables the sections share, computed once per context ------------------------------------


def trend_table(ctx: ProgrammeContext) -> pd.DataFrame:
    """Every cohort's figures at each month end, as known then (``programme.trends``; computed once per context)."""
    if ctx.memo.trends is None:
        only = [figure for figure, _, _ in TRENDED]  # what the charts and findings read
        ctx.memo.trends = programme.trends(ctx.data, ctx.cohorts, ctx.as_of, ctx.settings, only)
    return ctx.memo.trends


def segment_table(ctx: ProgrammeContext) -> pd.DataFrame:
    """Every cohort's figures per segment of each breakdown attribute (``segments.segments``; computed once)."""
    if ctx.memo.segments is None:  # a ranked report: the cohorts it shows, each with its own suppression
        ctx.memo.segments = segments.segments(ctx.data, shown_cohorts(ctx), ctx.as_of, ctx.settings)
    return ctx.memo.segments


def outcome_table(ctx: ProgrammeContext) -> pd.DataFrame:
    """Readiness band at the first complete checklist against outcomes (``programme.readiness_outcomes``; once)."""
    if ctx.memo.outcomes is None:
        ctx.memo.outcomes = programme.readiness_outcomes(ctx.data, ctx.cohorts, ctx.as_of, ctx.settings)
    return ctx.memo.outcomes


# --- many cohorts: each figure's top and bottom ----------------------------------------------------


@dataclass(frozen=True)
class Ranking:
    """One headline figure's cohorts ranked by value, highest first; hidden or undefined figures never rank."""

    figure: str
    what: str  # "the share of mentors ready"
    column: str  # the table's column, "Mentors ready (%)"
    percent: bool
    top: list[tuple[int, str, Cell]]  # (rank, cohort, cell), highest first
    bottom: list[tuple[int, str, Cell]]  # the lowest, in rank order; empty when every ranked cohort is in ``top``
    ranked: int  # cohorts with a figure shown
    hidden: int  # cohorts whose figure is suppressed (fewer than k people's answers behind it)
    undefined: int  # cohorts with nothing recorded for it yet

    @property
    def cohorts(self) -> list[str]:
        return [c for _, c, _ in (*self.top, *self.bottom)]


def rank_figure(
    cells: dict[tuple[str, str], Cell], cohorts: list[str], figure: str, per_end: int
) -> tuple[list[tuple[int, str, Cell]], list[tuple[int, str, Cell]], int, int]:
    """The ``per_end`` highest and lowest cohorts on a figure (ties by id), the number ranked and hidden.

    Only shown figures rank: a suppressed or undefined one is left out. When no more than ``2 * per_end``
    cohorts rank, all of them are in the first list and the second is empty.
    """
    shown = [(c, x) for c in cohorts if (x := cells.get((c, figure), MISSING)).shown]
    hidden = sum(cells.get((c, figure), MISSING).suppressed for c in cohorts)
    order = sorted(shown, key=lambda item: (-(item[1].value or 0.0), item[0]))
    numbered = [(i, c, x) for i, (c, x) in enumerate(order, start=1)]
    if len(numbered) <= 2 * per_end:
        return numbered, [], len(numbered), hidden
    return numbered[:per_end], numbered[-per_end:], len(numbered), hidden


def rankings(ctx: ProgrammeContext) -> list[Ranking]:
    """Every headline figure's ranking (the series of ``COMPARED``), computed once per context."""
    if ctx.memo.rankings is None:
        cells = cells_of(ctx.figures)
        found = []
        for comp in COMPARED:
            for name, label, what in comp.series:
                top, bottom, ranked, hidden = rank_figure(cells, ctx.cohorts, name, ctx.per_end)
                column = comp.column(label)
                undefined = len(ctx.cohorts) - ranked - hidden
                found.append(
                    Ranking(
                        name, what, column[0].upper() + column[1:], comp.percent, top, bottom, ranked, hidden, undefined
                    )
                )
        ctx.memo.rankings = found
    return ctx.memo.rankings


def shown_cohorts(ctx: ProgrammeContext) -> list[str]:
    """The cohorts a ranked report shows somewhere (top or bottom of a figure), sorted; all of them otherwise."""
    if not ctx.ranked:
        return ctx.cohorts
    return sorted({c for r in rankings(ctx) for c in r.cohorts})
