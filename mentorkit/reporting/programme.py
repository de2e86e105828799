"""What the programme report notebook calls: every cohort side by side, with 95 % intervals.

Load the programme once (``open_programme``), then one function per section; each returns
something a notebook displays (``HTML`` or a chart). Figures come from ``figures`` (values
exactly ``score``'s); shares show as "72 (61–83)" in tables and as error bars in charts;
suppressed figures show as hidden, never as numbers. All user-written text is escaped.
With more cohorts than ``Settings.programme_max_cohorts`` the report ranks instead of listing
(``ProgrammeContext.ranked``): each headline figure's top and bottom cohorts, the full per-cohort table in
``FULL_TABLE`` beside the report, trends and segments of the cohorts shown, and findings that name at most
``shown_per_end`` cohorts each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from IPython.display import HTML

from mentorkit import __version__, outputs, store
from mentorkit.analysis import figure_table as figures
from mentorkit.analysis import findings as insights
from mentorkit.analysis import programme
from mentorkit.errors import UsageError
from mentorkit.formats import chart_text
from mentorkit.reporting import charts
from mentorkit.reporting.cohort import esc, findings, note, notebook_as_of, settings_for
from mentorkit.settings import DEFAULT, Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

FULL_TABLE = "programme-cohorts.csv"  # a ranked programme report's full per-cohort table, beside its HTML


@dataclass(frozen=True)
class Compared:
    """One comparison across cohorts: a chart and a group of table columns."""

    key: str
    title: str
    series: tuple[tuple[str, str, str], ...]  # (figure name, label, what it is in a sentence)
    percent: bool  # a share shown in percent, else a mean on 0–100
    next_step: str  # what to do about a cohort that clearly lags on it


COMPARED = (
    Compared(
        "share_ready",
        "Share ready (latest complete checklist)",
        (
            ("mentor_readiness.share_ready", "Mentors", "the share of mentors ready"),
            ("mentee_readiness.share_ready", "Mentees", "the share of mentees ready"),
        ),
        True,
        "Hold an orientation session on what the programme asks, and ask again in a month.",
    ),
    Compared(
        "mean_score",
        "Mean readiness score (0–100)",
        (
            ("mentor_readiness.mean_score", "Mentors", "the mentors' mean readiness score"),
            ("mentee_readiness.mean_score", "Mentees", "the mentees' mean readiness score"),
        ),
        False,
        "Look at the cohort's weakest checklist items and cover them at its next session.",
    ),
    Compared(
        "health",
        "Pair health index (0–100)",
        (("relationship.health_index", "Pairs", "the pair health index"),),
        False,
        "Ask the cohort's pairs for a check-in conversation this month and offer mentors a refresher.",
    ),
    Compared(
        "on_track",
        "Share of pairs on track",
        (("relationship.share_on_track", "Pairs", "the share of pairs on track"),),
        True,
        "Nudge the cohort's pairs that need a check-in; see its goal-progress report for who.",
    ),
    Compared(
        "achieved",
        "Share of goals achieved",
        (("goals.share_achieved", "Goals", "the share of goals achieved"),),
        True,
        "Review the cohort's open goals with its pairs: are they still the right ones?",
    ),
)
BY_KEY = {c.key: c for c in COMPARED}
RATES = (("mentor_readiness.response_rate", "mentors"), ("mentee_readiness.response_rate", "mentees"))


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
    memo: dict[object, object] = field(default_factory=dict, compare=False, repr=False)
    folder: Path | None = None  # where the full per-cohort table goes when ranked (None: the working folder)

    @property
    def hidden(self) -> str:
        return f"hidden: fewer than {self.settings.min_group_size} respondents"

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
        raise UsageError(f"unknown cohort(s): {', '.join(map(repr, unknown))}")
    if not wanted:
        raise UsageError("no cohort to compare: give a list of cohort ids, or None for all")
    return sorted(dict.fromkeys(wanted))


def open_programme(
    as_of: str | date | None,
    db_url: str | None = None,
    min_group_size: int | None = None,
    cohorts: list[str] | str | None = None,
    out: str | Path | None = None,
) -> ProgrammeContext:
    """Load and score the programme's cohorts (all when ``cohorts`` is None) for the programme report.

    ``out`` is the report's folder, where a ranked report writes its full per-cohort table (None: the working one).
    """
    charts.use_report_renderer()
    engine = store.connect(db_url, create=False)
    with engine.connect() as conn:
        chosen = choose_cohorts(store.list_cohorts(conn), cohorts)
        fp = store.fingerprint(conn, chosen)
    settings = settings_for(DEFAULT.min_group_size if min_group_size is None else min_group_size)
    day = notebook_as_of(as_of)
    data = load_in_chunks(engine, chosen, as_of=day)
    return programme_context(data, chosen, day, settings, fp, None if out is None else Path(out))


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


# --- reading the figure table ------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One cohort's figure as a table or chart shows it."""

    value: float | None
    n: int | None  # None when the figure's n is hidden too (a segment under k)
    low: float | None
    high: float | None
    suppressed: bool

    @property
    def shown(self) -> bool:
        return self.value is not None and not self.suppressed


def _opt(x: object) -> float | None:
    return None if x is None or pd.isna(x) else float(x)  # type: ignore[arg-type]


def cell(table: pd.DataFrame, cohort: str, figure: str) -> Cell:
    """A cohort's figure from a figure table (value None when suppressed or undefined)."""
    row = table[(table["cohort_id"] == cohort) & (table["figure"] == figure)]
    if row.empty:
        return Cell(None, 0, None, None, False)
    r = row.iloc[0]
    n = None if pd.isna(r["n"]) else int(r["n"])
    return Cell(_opt(r["value"]), n, _opt(r["ci_low"]), _opt(r["ci_high"]), bool(r["suppressed"]))


MISSING = Cell(None, 0, None, None, False)  # a figure the table does not have


def cells_of(table: pd.DataFrame) -> dict[tuple[str, str], Cell]:
    """Every (cohort, figure) of a figure table as ``cell`` reads it (the first row of each), in one pass."""
    first = table.drop_duplicates(["cohort_id", "figure"], keep="first")
    columns = [first[c].tolist() for c in ("cohort_id", "figure", "value", "n", "ci_low", "ci_high", "suppressed")]
    return {
        (str(cohort), str(figure)): Cell(_opt(value), None if pd.isna(n) else int(n), _opt(low), _opt(high), bool(hid))
        for cohort, figure, value, n, low, high, hid in zip(*columns, strict=True)
    }


def cell_text(c: Cell, percent: bool) -> str:
    """ "72 (61–83)" for a share in percent, "74.5 (66.1–82.9)" for a mean; "hidden"/"—" otherwise."""
    if c.suppressed:
        return "hidden"
    if c.value is None:
        return "—"
    return figures.interval_text(c.value, c.low, c.high, percent=percent)


def comparison_rows(table: pd.DataFrame, cohorts: list[str]) -> pd.DataFrame:
    """The side-by-side table as text: one row per cohort, "72 (61–83)" cells with their n."""
    rows = []
    cells = cells_of(table)
    for cohort in cohorts:
        enrolled = [cells.get((cohort, f"enrolled.{role}"), MISSING) for role in ("mentor", "mentee")]
        row: dict[str, object] = {
            "cohort": cohort,
            "mentors / mentees": f"{_whole(enrolled[0])} / {_whole(enrolled[1])}",
            "response rate (mentors / mentees)": " / ".join(
                _rate(cells.get((cohort, name), MISSING)) for name, _ in RATES
            ),
        }
        for comp in COMPARED:
            for name, label, _ in comp.series:
                c = cells.get((cohort, name), MISSING)
                row[_column(comp, label)] = cell_text(c, comp.percent)
                row[_column(comp, label) + " n"] = c.n
        rows.append(row)
    return pd.DataFrame(rows)


def _rate(c: Cell) -> str:
    """A response rate in whole percent (a count of a whole population: no interval)."""
    return cell_text(c, True) + (" %" if c.shown else "")


def _whole(c: Cell) -> str:
    if c.suppressed:
        return "hidden"
    return "—" if c.value is None else f"{c.value:.0f}"


def _column(comp: Compared, label: str) -> str:
    short = {
        "share_ready": "ready (%)",
        "mean_score": "mean score",
        "health": "pair health",
        "on_track": "pairs on track (%)",
        "achieved": "goals achieved (%)",
    }[comp.key]
    return f"{label} {short}" if comp.key in ("share_ready", "mean_score") else short


# --- sections ----------------------------------------------------------------------------------


def title(ctx: ProgrammeContext) -> HTML:
    """The programme report's title block."""
    t = cells_of(ctx.figures)
    mentors = sum(t.get((c, "enrolled.mentor"), MISSING).value or 0 for c in ctx.cohorts)
    mentees = sum(t.get((c, "enrolled.mentee"), MISSING).value or 0 for c in ctx.cohorts)
    pairs = sum(t.get((c, "relationship.pairs"), MISSING).value or 0 for c in ctx.cohorts)
    if ctx.ranked:  # too many to list: the full table names them all
        head = f"Programme: {len(ctx.cohorts):,} cohorts, the top and bottom of each figure"
        listed = f"every cohort in {full_table_link()}"
    else:
        head, listed = f"Programme: {len(ctx.cohorts)} cohorts side by side", f"cohorts: {esc(', '.join(ctx.cohorts))}"
    return HTML(
        f"<header class='mk-title'><h1>{esc(head)}</h1>"
        f"<p>As of {esc(ctx.as_of.isoformat())} · {mentors:.0f} mentors · {mentees:.0f} mentees"
        f" · {pairs:.0f} matched pairs · {listed}</p></header>"
    )


def explain_intervals(ctx: ProgrammeContext) -> HTML:
    """How to read the intervals (with the report's minimum group size)."""
    return HTML(
        "<p class='mk-explain'>Each figure comes with its 95 % interval, written <em>72 (61–83)</em>: the range "
        "of values the data are compatible with. Shares (ready, on track, goals achieved) use Wilson score "
        "intervals, means (readiness score, pair health) Student-t intervals; <em>n</em> is the number of people, "
        "pairs or goals behind the figure. A small cohort has a wide interval: two cohorts differ clearly only "
        "when their intervals do not overlap. Response rates count a whole cohort and have no interval. Figures "
        f"over fewer than {ctx.settings.min_group_size} respondents are hidden.</p>"
    )


def _figures_html(rows: pd.DataFrame, lead: list[tuple[str, str]], ctx: ProgrammeContext, caption: str) -> HTML:
    """A figure table as HTML: the ``lead`` columns (header, column) first, then each compared figure with its n."""
    names = [_column(comp, label) for comp in COMPARED for _, label, _ in comp.series]
    head = [h for h, _ in lead] + ["Mentors / mentees", "Response rate (mentors / mentees)"]
    head += [n[0].upper() + n[1:] for n in names]
    marker = f"<span class='mk-hidden' title='{esc(ctx.hidden)}'>hidden</span>"
    body = []
    for r in rows.to_dict("records"):
        cells = [
            f"<td>{'<strong>' if i == 0 else ''}{esc(r[c])}{'</strong>' if i == 0 else ''}</td>"
            for i, (_, c) in enumerate(lead)
        ]
        cells.append(f"<td>{esc(r['mentors / mentees'])}</td>")
        cells.append(f"<td>{esc(r['response rate (mentors / mentees)'])}</td>")
        for name in names:
            text, n = str(r[name]), r[name + " n"]
            shown = marker if text == "hidden" else esc(text)
            count = "" if n is None or pd.isna(n) else f"<br><small class='mk-n'>n = {int(n)}</small>"
            cells.append(f"<td>{shown}{count}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    header = "".join(f"<th>{esc(h)}</th>" for h in head)
    return HTML(
        f"<div class='mk-scroll'><table class='mk-table mk-programme'><thead><tr>{header}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div><p class='mk-caption'>{esc(caption)}</p>"
    )


def side_by_side(ctx: ProgrammeContext) -> HTML:
    """Every cohort in one table: enrolment, response rates and each compared figure with interval and n.

    With more cohorts than ``programme_max_cohorts``: each figure's top and bottom cohorts (``ranked_tables``),
    and every cohort in the full table written beside the report (``write_full_table``).
    """
    if ctx.ranked:
        return ranked_tables(ctx)
    rows = comparison_rows(ctx.figures, ctx.cohorts)
    caption = (
        "Each figure with its 95 % interval in brackets; n counts the respondents, pairs or goals behind it. "
        f"Hidden: {ctx.hidden[len('hidden: ') :]}."
    )
    return _figures_html(rows, [("Cohort", "cohort")], ctx, caption)


# --- many cohorts: each figure's top and bottom, and the full table beside the report ------------


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
    hidden: int  # cohorts whose figure is suppressed (fewer than k respondents)
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
    if "rankings" not in ctx.memo:
        cells = cells_of(ctx.figures)
        found = []
        for comp in COMPARED:
            for name, label, what in comp.series:
                top, bottom, ranked, hidden = rank_figure(cells, ctx.cohorts, name, ctx.per_end)
                column = _column(comp, label)
                undefined = len(ctx.cohorts) - ranked - hidden
                found.append(
                    Ranking(
                        name, what, column[0].upper() + column[1:], comp.percent, top, bottom, ranked, hidden, undefined
                    )
                )
        ctx.memo["rankings"] = found
    return ctx.memo["rankings"]  # type: ignore[return-value]


def shown_cohorts(ctx: ProgrammeContext) -> list[str]:
    """The cohorts a ranked report shows somewhere (top or bottom of a figure), sorted; all of them otherwise."""
    if not ctx.ranked:
        return ctx.cohorts
    return sorted({c for r in rankings(ctx) for c in r.cohorts})


def full_table_link() -> str:
    """The link to the full per-cohort table, relative to the report (HTML)."""
    return f"the full table <a href='{esc(FULL_TABLE)}'>{esc(FULL_TABLE)}</a>"


def full_table(table: pd.DataFrame, cohorts: list[str]) -> pd.DataFrame:
    """Every cohort's headline figures as numbers: enrolment, response rates, and each figure with low, high, n.

    Shares and response rates in percent, means on 0–100, rounded to 0.1; a suppressed figure reads ``hidden``
    (no interval), a figure with nothing recorded is empty.
    """
    cells = cells_of(table)

    def number(c: Cell, scale: float) -> object:
        if c.suppressed:
            return "hidden"
        return None if c.value is None else round(scale * c.value, 1)

    def bound(c: Cell, x: float | None, scale: float) -> float | None:
        return None if c.suppressed or x is None else round(scale * x, 1)

    rows = []
    for cohort in cohorts:
        row: dict[str, object] = {"cohort": cohort}
        for role in ("mentor", "mentee"):
            row[f"{role}s"] = cells.get((cohort, f"enrolled.{role}"), MISSING).value
        for name, role in RATES:
            row[f"{role} response rate (%)"] = number(cells.get((cohort, name), MISSING), 100.0)
        for comp in COMPARED:
            scale = 100.0 if comp.percent else 1.0
            for name, label, _ in comp.series:
                c, column = cells.get((cohort, name), MISSING), _column(comp, label)
                row[column] = number(c, scale)
                row[f"{column} low"] = bound(c, c.low, scale)
                row[f"{column} high"] = bound(c, c.high, scale)
                row[f"{column} n"] = c.n
        rows.append(row)
    frame = pd.DataFrame(rows)
    counts = ["mentors", "mentees", *[c for c in frame.columns if c.endswith(" n")]]
    return frame.astype(dict.fromkeys(counts, "Int64"))


def write_full_table(ctx: ProgrammeContext) -> Path:
    """``full_table`` of every cohort as ``FULL_TABLE`` in the report's folder (guarded, atomically; once)."""
    if "full_table" not in ctx.memo:
        path = (ctx.folder or Path.cwd()) / FULL_TABLE
        outputs.write_csv(path, full_table(ctx.figures, ctx.cohorts))
        ctx.memo["full_table"] = path
    return ctx.memo["full_table"]  # type: ignore[return-value]


def ranked_tables(ctx: ProgrammeContext) -> HTML:
    """Per headline figure, its top and bottom cohorts with intervals and n; the full table written and linked."""
    write_full_table(ctx)
    k, n, total = ctx.settings.min_group_size, ctx.per_end, len(ctx.cohorts)
    cells = cells_of(ctx.figures)
    figure_names = [r.figure for r in rankings(ctx)]
    hidden = sum(any(cells.get((c, f), MISSING).suppressed for f in figure_names) for c in ctx.cohorts)
    lead = (
        f"<p class='mk-explain'>{total:,} cohorts in total, more than the {ctx.settings.programme_max_cohorts} "
        f"this report lists one by one: for each headline figure it shows the {n} highest and the {n} lowest "
        f"cohorts, ranked by the figure's value (ties by cohort id), each with its 95 % interval and n. "
        f"{hidden:,} of the {total:,} cohorts have at least one of these figures hidden (fewer than {k} "
        "respondents); a hidden figure never ranks, and under each table is how many it leaves out. Every "
        f"cohort's figures, response rates and enrolment are in {full_table_link()}, beside this page.</p>"
    )
    marker = f"<span class='mk-hidden' title='{esc(ctx.hidden)}'>hidden</span>"
    parts = [lead]
    for r in rankings(ctx):
        parts.append(f"<h3>{esc(r.what[0].upper() + r.what[1:])}</h3>")
        caption = (
            f"Ranked: {r.ranked:,} of {total:,} cohorts; hidden (fewer than {k} respondents): {r.hidden:,}; "
            f"nothing recorded yet: {r.undefined:,}."
        )
        if not r.ranked:
            parts.append(f"<p class='mk-note'>No cohort has this figure to show. {esc(caption)}</p>")
            continue
        body = []
        for rank, cohort, c in r.top:
            body.append(_ranked_row(rank, cohort, c, r.percent, marker))
        if r.bottom:
            between = r.bottom[0][0] - r.top[-1][0] - 1
            if between:
                gap = f"… {between:,} cohorts ranked in between …"
                body.append(f"<tr class='mk-gap'><td colspan='4'>{gap}</td></tr>")
            body += [_ranked_row(rank, cohort, c, r.percent, marker) for rank, cohort, c in r.bottom]
        head = "".join(f"<th>{esc(h)}</th>" for h in ("Rank", "Cohort", r.column, "n"))
        parts.append(
            f"<div class='mk-scroll'><table class='mk-table mk-programme'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div><p class='mk-caption'>{esc(caption)}</p>"
        )
    return HTML("".join(parts))


def _ranked_row(rank: int, cohort: str, c: Cell, percent: bool, marker: str) -> str:
    text = cell_text(c, percent)
    shown = marker if text == "hidden" else esc(text)
    n = "" if c.n is None else str(c.n)
    return f"<tr><td>{rank:,}</td><td><strong>{esc(cohort)}</strong></td><td>{shown}</td><td>{n}</td></tr>"


def chart_rows(table: pd.DataFrame, cohorts: list[str], comp: Compared) -> pd.DataFrame:
    """A comparison's chart data: cohort, series, value, low, high (percent for shares), hidden, n."""
    scale = 100.0 if comp.percent else 1.0
    rows = []
    cells = cells_of(table)
    for name, label, _ in comp.series:
        for cohort in cohorts:
            c = cells.get((cohort, name), MISSING)
            rows.append(
                {
                    "cohort": cohort,
                    "series": label,
                    "value": None if not c.shown else scale * c.value,  # type: ignore[operator]
                    "low": None if not c.shown or c.low is None else scale * c.low,
                    "high": None if not c.shown or c.high is None else scale * c.high,
                    "hidden": c.suppressed,
                    "n": c.n,
                }
            )
    return pd.DataFrame(rows)


SERIES_COLOURS = {"Mentors": charts.ROLE_COLOURS["mentor"], "Mentees": charts.ROLE_COLOURS["mentee"]}


def interval_bars(rows: pd.DataFrame, title: str, axis: str) -> charts.Chart:
    """Bars per cohort (one trace per series) with their 95 % intervals as error bars; hidden bars say so."""
    layout = charts._layout(
        title,
        height=380,
        barmode="group",
        yaxis={**charts._axis_title(axis), "range": [0, 100]},  # every compared figure lives on 0–100
        xaxis=charts._axis_title(""),
    )
    return charts.Chart(_bar_traces(rows), layout)


def _bar_traces(rows: pd.DataFrame) -> list[dict[str, object]]:
    """``interval_bars``'s traces: one per series, each bar with its error bar, hidden bars labelled."""
    data: list[dict[str, object]] = []
    for label, group in rows.groupby("series", sort=False):
        value = pd.to_numeric(group["value"], errors="coerce").astype("float64")
        low = pd.to_numeric(group["low"], errors="coerce").astype("float64")
        high = pd.to_numeric(group["high"], errors="coerce").astype("float64")
        texts, hovers, places = [], [], []
        for v, lo, hi, hidden, n in zip(value, low, high, group["hidden"], group["n"], strict=True):
            if hidden or pd.isna(v):
                texts.append("hidden" if hidden else "—")
                hovers.append(texts[-1])
                places.append("outside")
                continue
            texts.append(f"{v:.0f}")
            hovers.append(f"{v:.0f}, n = {n}" if pd.isna(lo) else f"{v:.0f} ({lo:.0f}–{hi:.0f}), n = {n}")
            places.append("inside")
        data.append(
            {
                "type": "bar",
                "name": str(label),
                "x": list(group["cohort"]),
                "y": charts._array(value.fillna(0.0)),
                "text": texts,
                "textposition": places,
                "insidetextanchor": "start",
                "cliponaxis": False,
                "customdata": hovers,
                "hovertemplate": "%{x}: %{customdata}<extra>" + chart_text(label) + "</extra>",
                "marker": {"color": SERIES_COLOURS.get(str(label), charts.ROLE_COLOURS["mentor"])},
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": charts._array((high - value).fillna(0.0)),
                    "arrayminus": charts._array((value - low).fillna(0.0)),
                    "color": "#37474f",
                    "thickness": 1.5,
                    "width": 6,
                },
            }
        )
    return data


def ranked_bars(ctx: ProgrammeContext, comp: Compared) -> charts.Chart | HTML:
    """A ranked report's comparison: per series, its top and bottom cohorts as bars (highest first), one panel each."""
    mine = [r for r in rankings(ctx) for name, _, _ in comp.series if r.figure == name]
    if not any(r.ranked for r in mine):
        return note(f"{comp.title}: no cohort has a figure to show ({ctx.hidden}, or nothing recorded yet).")
    scale = 100.0 if comp.percent else 1.0
    data: list[dict[str, object]] = []
    panels = len(mine)
    gap = 0.12  # between panels, as a share of the chart's height
    height = (1.0 - gap * (panels - 1)) / panels
    axes: dict[str, object] = {}
    for i, (r, (_, label, _)) in enumerate(zip(mine, comp.series, strict=True)):
        shown = [*r.top, *r.bottom]
        rows = pd.DataFrame(
            {
                "cohort": [c for _, c, _ in shown],
                "series": label,
                "value": [scale * x.value for _, _, x in shown],  # type: ignore[operator]
                "low": [None if x.low is None else scale * x.low for _, _, x in shown],
                "high": [None if x.high is None else scale * x.high for _, _, x in shown],
                "hidden": False,
                "n": [x.n for _, _, x in shown],
            }
        )
        suffix = "" if i == 0 else str(i + 1)
        for trace in _bar_traces(rows):
            data.append({**trace, "xaxis": f"x{suffix}", "yaxis": f"y{suffix}"})
        top = 1.0 - i * (height + gap)
        which = f"top {len(r.top)}" + (f" and bottom {len(r.bottom)}" if r.bottom else "")
        axes[f"xaxis{suffix}"] = {
            **charts._axis_title(f"{label}: {which} of {r.ranked:,} ranked cohorts, highest first"),
            "anchor": f"y{suffix}",
            "type": "category",
        }
        axes[f"yaxis{suffix}"] = {
            **charts._axis_title("Percent" if comp.percent else "0–100"),
            "range": [0, 100],
            "domain": [max(0.0, top - height), top],
            "anchor": f"x{suffix}",
        }
    title_text = f"{comp.title}: top and bottom of {len(ctx.cohorts):,} cohorts, with 95 % intervals"
    return charts.Chart(data, charts._layout(title_text, height=420 * panels, barmode="group", **axes))


def comparison(ctx: ProgrammeContext, key: str) -> charts.Chart | HTML:
    """One compared figure across cohorts, as bars with 95 % error bars (a ranked report: top and bottom only)."""
    comp = BY_KEY[key]
    if ctx.ranked:
        return ranked_bars(ctx, comp)
    rows = chart_rows(ctx.figures, ctx.cohorts, comp)
    if rows["value"].isna().all():
        return note(f"{comp.title}: no cohort has a figure to show ({ctx.hidden}, or nothing recorded yet).")
    axis = "Percent" if comp.percent else "0–100"
    return interval_bars(rows, f"{comp.title}, with 95 % intervals", axis)


# --- trends ------------------------------------------------------------------------------------

TRENDED = (  # (figure, title, percent)
    ("mentor_readiness.share_ready", "Share of mentors ready", True),
    ("mentee_readiness.share_ready", "Share of mentees ready", True),
    ("relationship.health_index", "Pair health index (0–100)", False),
    ("relationship.share_on_track", "Share of pairs on track", True),
    ("goals.share_achieved", "Share of goals achieved", True),
)
COHORT_COLOURS = ("#1565c0", "#6a1b9a", "#2e7d32", "#e65100", "#00838f", "#ad1457", "#5d4037", "#546e7a")


def trend_table(ctx: ProgrammeContext) -> pd.DataFrame:
    """Every cohort's figures at each month end, as known then (``programme.trends``; computed once per context)."""
    if "trends" not in ctx.memo:
        only = [figure for figure, _, _ in TRENDED]  # what the charts and findings read
        ctx.memo["trends"] = programme.trends(ctx.data, ctx.cohorts, ctx.as_of, ctx.settings, only)
    return ctx.memo["trends"]  # type: ignore[return-value]


def trend_points(trends: pd.DataFrame, figure: str, percent: bool) -> pd.DataFrame:
    """One figure's shown points over time: cohort, as_of, value, low, high, n (percent for shares).

    Suppressed and undefined points are left out; a cohort's line starts when its figure can be shown.
    """
    scale = 100.0 if percent else 1.0
    rows = trends[(trends["figure"] == figure) & ~trends["suppressed"].astype(bool) & trends["value"].notna()]
    return pd.DataFrame(
        {
            "cohort": rows["cohort_id"].astype(str),
            "as_of": pd.to_datetime(rows["as_of"]).dt.date,
            "value": scale * rows["value"].astype("float64"),
            "low": scale * rows["ci_low"].astype("float64"),
            "high": scale * rows["ci_high"].astype("float64"),
            "n": rows["n"].astype("int64"),
        }
    ).reset_index(drop=True)


def trend_lines(
    points: pd.DataFrame, cohorts: list[str], title: str, axis: str, dotted: frozenset[str] = frozenset()
) -> charts.Chart:
    """One line per cohort over month ends, each point with its 95 % interval as an error bar; ``dotted`` dotted."""
    data: list[dict[str, object]] = []
    for i, cohort in enumerate(cohorts):
        mine = points[points["cohort"] == cohort]
        if mine.empty:
            continue
        value, low, high = mine["value"], mine["low"], mine["high"]
        line = {"color": COHORT_COLOURS[i % len(COHORT_COLOURS)]} | ({"dash": "dot"} if cohort in dotted else {})
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": cohort,
                "x": [d.isoformat() for d in mine["as_of"]],
                "y": charts._array(value),
                "line": line,
                "customdata": [int(n) for n in mine["n"]],
                "hovertemplate": "%{x}: %{y:.0f}, n = %{customdata}<extra>" + chart_text(cohort) + "</extra>",
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": charts._array((high - value).fillna(0.0)),
                    "arrayminus": charts._array((value - low).fillna(0.0)),
                    "thickness": 1,
                    "width": 4,
                },
            }
        )
    layout = charts._layout(
        title,
        height=380,
        yaxis={**charts._axis_title(axis), "range": [0, 100]},
        xaxis={**charts._axis_title("Month end (figures as known then)"), "type": "date"},
    )
    return charts.Chart(data, layout)


def explain_trends(ctx: ProgrammeContext) -> HTML:
    """How the trend charts are computed."""
    first = trend_table(ctx)["as_of"].min()
    start = "" if pd.isna(first) else f" from {pd.Timestamp(first).date().isoformat()}"
    which = (
        f" Of the {len(ctx.cohorts):,} cohorts, each chart follows the {ctx.per_end} highest and the {ctx.per_end} "
        f"lowest on its figure as of {esc(ctx.as_of.isoformat())} (as ranked above); every cohort's month ends "
        "are in <code>mentorkit export</code>'s <code>cohort_trends</code>."
        if ctx.ranked
        else ""
    )
    return HTML(
        "<p class='mk-explain'>Each point is a cohort's figure at a month end"
        f"{esc(start)} to {esc(ctx.as_of.isoformat())}, computed from what had been submitted by that day: what "
        "the programme knew then, not a later revision. Bars show the 95 % interval. A cohort's line starts once "
        f"the figure stands on at least {ctx.settings.min_group_size} respondents. A point whose respondents "
        f"differ by 1 to {ctx.settings.min_group_size - 1} from those of a later point is left out too: one less "
        f"the other would give those few people's answers.{which}</p>"
    )


def trend(ctx: ProgrammeContext, figure: str) -> charts.Chart | HTML:
    """One figure of every cohort at each month end, with error bars (a ranked report: its top and bottom cohorts)."""
    _, title_text, percent = next(t for t in TRENDED if t[0] == figure)
    points = trend_points(trend_table(ctx), figure, percent)
    axis = "Percent" if percent else "0–100"
    if ctx.ranked:
        ranking = next(r for r in rankings(ctx) if r.figure == figure)
        points = points[points["cohort"].isin(ranking.cohorts)]
        title_text = f"{title_text}: the top (solid) and bottom (dotted) cohorts of {ctx.as_of.isoformat()}"
        if points.empty:
            return note(f"{title_text}, over time: no month end has a figure to show yet ({ctx.hidden}).")
        bottom = frozenset(c for _, c, _ in ranking.bottom)
        return trend_lines(points, ranking.cohorts, f"{title_text}, at each month end", axis, bottom)
    if points.empty:
        return note(f"{title_text} over time: no month end has a figure to show yet ({ctx.hidden}).")
    return trend_lines(points, ctx.cohorts, f"{title_text} at each month end", axis)


def _point_text(point: pd.Series, percent: bool) -> str:
    """ "58 % (32–81) on 2026-11-15" for a share, "74.5 (67.1–81.9) on …" for a mean (point already scaled)."""
    text = figures.interval_text(point["value"], point["low"], point["high"], percent=False)
    if percent:
        text = f"{point['value']:.0f} %"
        if pd.notna(point["low"]) and pd.notna(point["high"]):
            text += f" ({point['low']:.0f}–{point['high']:.0f})"
    return f"{text} on {point['as_of']}"


TREND_MORE = {  # a ranked report's summary of the clear changes over time it does not list: (level, text, next step)
    "rose": ("good", "clear rise(s)", "Ask the cohorts that improved most what they did, and share it."),
    "fell": ("action", "clear fall(s)", "Look at the cohorts that fell most first; plan check-in rounds there."),
    "dropped": ("watch", "drop(s) of a pair health index", "Ask those cohorts' pairs for a check-in conversation."),
}


def trend_findings(
    trends: pd.DataFrame, cohorts: list[str], settings: Settings, limit: int | None = None
) -> list[insights.Finding]:
    """Clear changes over time: a cohort's figure now against its first shown month end, intervals apart.

    Also a pair health index that fell by more than ``settings.digest_health_drop`` since the month end before.
    With a ``limit``, at most that many of each kind (rose, fell, health dropped), the largest changes first
    (ties by cohort), then one finding saying how many more there are.
    """
    found: list[tuple[str, float, str, insights.Finding]] = []  # (kind, size of the change, cohort, finding)
    for figure, title_text, percent in TRENDED:
        points = trend_points(trends, figure, percent)
        by_cohort = {str(c): frame for c, frame in points.groupby("cohort", sort=False)}
        for cohort in cohorts:
            mine = by_cohort.get(cohort, points.iloc[:0]).sort_values("as_of")
            if len(mine) < 2:
                continue
            first, last = mine.iloc[0], mine.iloc[-1]
            then, now = _point_text(first, percent), _point_text(last, percent)
            name = title_text.split(" (")[0].lower()
            change = abs(float(last["value"] - first["value"]))
            if last["low"] > first["high"]:
                found.append(
                    (
                        "rose",
                        change,
                        cohort,
                        insights.Finding(
                            "good",
                            f"{cohort}: {name} rose from {then} to {now}; the intervals do not overlap.",
                            "Find out what the cohort did differently and share it with the other cohorts.",
                        ),
                    )
                )
            elif last["high"] < first["low"]:
                found.append(
                    (
                        "fell",
                        change,
                        cohort,
                        insights.Finding(
                            "action",
                            f"{cohort}: {name} fell from {then} to {now}; the intervals do not overlap.",
                            "Talk with the cohort's mentors about what changed, and plan a check-in round.",
                        ),
                    )
                )
            if figure == "relationship.health_index":
                before, latest = mine.iloc[-2], mine.iloc[-1]
                drop = before["value"] - latest["value"]
                if drop > settings.digest_health_drop:
                    found.append(
                        (
                            "dropped",
                            float(drop),
                            cohort,
                            insights.Finding(
                                "watch",
                                f"{cohort}: the pair health index fell by {drop:.1f} points since "  # one decimal, as the trends show
                                f"{before['as_of']}, more than {settings.digest_health_drop:.0f}.",
                                "Ask the cohort's pairs for a check-in conversation this month.",
                            ),
                        )
                    )
    if limit is None:
        return [f for _, _, _, f in found]
    return _at_most(found, limit)


def _at_most(found: list[tuple[str, float, str, insights.Finding]], limit: int) -> list[insights.Finding]:
    """At most ``limit`` trend findings of each kind, the largest changes first, and a line for the rest."""
    out: list[insights.Finding] = []
    for kind, (level, what, step) in TREND_MORE.items():
        mine = sorted((x for x in found if x[0] == kind), key=lambda x: (-x[1], x[2]))
        out += [f for _, _, _, f in mine[:limit]]
        more = len(mine) - limit
        if more > 0:
            out.append(
                insights.Finding(
                    level,
                    f"… and {more:,} more {what} like these, not listed here: every cohort's month ends are in "
                    "`mentorkit export`'s cohort_trends.",
                    step,
                )
            )
    return out


# --- segments ----------------------------------------------------------------------------------

KEY_SEP = "\x1f"  # joins a cohort id and a segment name into one row key (ids never contain it)


def segment_table(ctx: ProgrammeContext) -> pd.DataFrame:
    """Every cohort's figures per segment of each breakdown attribute (``programme.segments``; computed once)."""
    if "segments" not in ctx.memo:  # a ranked report: the cohorts it shows, each with its own suppression
        ctx.memo["segments"] = programme.segments(ctx.data, shown_cohorts(ctx), ctx.as_of, ctx.settings)
    return ctx.memo["segments"]  # type: ignore[return-value]


def segment_rows(table: pd.DataFrame, attribute: str) -> pd.DataFrame:
    """One breakdown as text, one row per cohort and segment in the table's order (cohort, segment, figures)."""
    part = table[table["attribute"] == attribute]
    keys = part["cohort_id"].astype(str) + KEY_SEP + part["segment"].astype(str)
    order = list(dict.fromkeys(keys))
    rows = comparison_rows(part.assign(cohort_id=keys), order)
    split = rows["cohort"].str.split(KEY_SEP, n=1, expand=True)
    rows = rows.assign(cohort=split[0] if len(rows) else rows["cohort"])
    rows.insert(1, "segment", split[1] if len(rows) else rows["cohort"])
    return rows


def explain_segments(ctx: ProgrammeContext) -> HTML:
    """How segments are formed and hidden."""
    k = ctx.settings.min_group_size
    return HTML(
        "<p class='mk-explain'>Each cohort broken down by <em>department</em> and by the roster columns named in "
        "the <code>segment_attributes</code> setting (never a column that identifies people). People count in "
        f"their own segment; pairs, check-ins and goals in their mentee's. Segments of fewer than {k} people are "
        "hidden and not named (one row <em>(hidden)</em>), and when exactly one segment of a breakdown is "
        "hidden the next smallest is hidden too, so that no hidden figure can be worked out from the cohort's "
        "total. Figures of a visible segment over too few respondents are hidden as in the cohort reports, and "
        f"so is a figure whose respondents differ by 1 to {k - 1} from those of the cohort (at any month end) or "
        "of a larger segment of any breakdown, since one less the other would tell about those few people."
        f"{_segments_which(ctx)}</p>"
    )


def _segments_which(ctx: ProgrammeContext) -> str:
    """For a ranked report: which cohorts the breakdowns cover (HTML, leading space); nothing otherwise."""
    if not ctx.ranked:
        return ""
    return (
        f" Of the {len(ctx.cohorts):,} cohorts, the breakdowns cover the {len(shown_cohorts(ctx)):,} shown above "
        "(the top or bottom of some figure); every cohort's segments are in <code>mentorkit export</code>'s "
        "<code>segment_figures</code>."
    )


def segment_breakdowns(ctx: ProgrammeContext) -> HTML:
    """One table per breakdown attribute: every cohort's segments with their figures, intervals and n."""
    table = segment_table(ctx)
    if table.empty:
        return note("No roster attribute to break the cohorts down by.")
    parts = []
    for attribute in dict.fromkeys(table["attribute"].astype(str)):
        rows = segment_rows(table, attribute)
        caption = f"By {attribute}: each figure with its 95 % interval and n; hidden segments show no figure."
        block = _figures_html(
            rows, [("Cohort", "cohort"), (attribute.replace("_", " ").capitalize(), "segment")], ctx, caption
        )
        parts.append(f"<h3>By {esc(attribute.replace('_', ' '))}</h3>{block.data}")
    return HTML("".join(parts))


# --- readiness and outcomes ---------------------------------------------------------------------

ROLE_LABELS = {"mentee": "Mentees", "mentor": "Mentors"}
CAUSE_CAVEAT = (
    "This is an association, not cause: people who start ready may differ in many other ways (role, workload, "
    "their match), and the data cannot tell what made the difference."
)


def outcome_table(ctx: ProgrammeContext) -> pd.DataFrame:
    """Readiness band at the first complete checklist against outcomes (``programme.readiness_outcomes``; once)."""
    if "outcomes" not in ctx.memo:
        ctx.memo["outcomes"] = programme.readiness_outcomes(ctx.data, ctx.cohorts, ctx.as_of, ctx.settings)
    return ctx.memo["outcomes"]  # type: ignore[return-value]


def _outcome_cell(row: dict[str, object], figure: str) -> Cell:
    """A band's share achieved (``share``) or mean pair health (``health``) as a Cell."""
    if figure == "share":
        value, low, high, n = row["share_achieved"], row["share_ci_low"], row["share_ci_high"], row["goals"]
    else:
        value, low, high, n = row["health"], row["health_ci_low"], row["health_ci_high"], row["pairs"]
    return Cell(_opt(value), int(n), _opt(low), _opt(high), bool(row["suppressed"]))  # type: ignore[call-overload]


def outcome_rows(table: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """The readiness–outcomes view as text: role, band, people, goals achieved and pair health with n."""
    labels = charts.band_labels(settings)
    rows = []
    for row in table.to_dict("records"):
        share, health = _outcome_cell(row, "share"), _outcome_cell(row, "health")
        rows.append(
            {
                "role": ROLE_LABELS.get(str(row["role"]), str(row["role"])),
                "band at the first complete checklist": labels.get(str(row["band"]), str(row["band"])),
                "people": int(row["people"]),  # type: ignore[call-overload]
                "goals achieved (%)": cell_text(share, True),
                "goals": share.n,
                "mean pair health": cell_text(health, False),
                "pairs": health.n,
            }
        )
    return pd.DataFrame(rows)


def explain_outcomes(ctx: ProgrammeContext) -> HTML:
    """What the readiness–outcomes view compares, and that it shows association, not cause."""
    return HTML(
        "<p class='mk-explain'>Each mentee and mentor is placed in the band of their <em>first</em> complete "
        "readiness checklist, then their pairs' outcomes as of "
        f"{esc(ctx.as_of.isoformat())} are pooled across the cohorts: the share of the pairs' goals achieved "
        "(Wilson interval, n = goals) and the mean pair health (t interval, n = pairs with a check-in). A band "
        f"of fewer than {ctx.settings.min_group_size} people shows no figure. <strong>{esc(CAUSE_CAVEAT)}</strong></p>"
    )


def outcomes_table(ctx: ProgrammeContext) -> HTML:
    """The readiness–outcomes table, hidden cells marked."""
    rows = outcome_rows(outcome_table(ctx), ctx.settings)
    if rows.empty:
        return note("No complete readiness checklist yet.")
    marker = f"<span class='mk-hidden' title='{esc(ctx.hidden)}'>hidden</span>"
    head = "".join(f"<th>{esc(c[0].upper() + c[1:])}</th>" for c in rows.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{marker if v == 'hidden' else esc(v)}</td>" for v in r.values()) + "</tr>"
        for r in rows.to_dict("records")
    )
    return HTML(
        f"<div class='mk-scroll'><table class='mk-table'><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
        f"</table></div><p class='mk-caption'>{esc(CAUSE_CAVEAT)}</p>"
    )


def outcome_chart(ctx: ProgrammeContext, figure: str) -> charts.Chart | HTML:
    """Goals achieved (``share``) or pair health (``health``) by band, mentees and mentors, with error bars."""
    labels = charts.band_labels(ctx.settings)
    percent = figure == "share"
    scale = 100.0 if percent else 1.0
    rows = []
    for row in outcome_table(ctx).to_dict("records"):
        c = _outcome_cell(row, figure)
        rows.append(
            {
                "cohort": labels.get(str(row["band"]), str(row["band"])),
                "series": ROLE_LABELS.get(str(row["role"]), str(row["role"])),
                "value": scale * c.value if c.shown and c.value is not None else None,
                "low": scale * c.low if c.shown and c.low is not None else None,
                "high": scale * c.high if c.shown and c.high is not None else None,
                "hidden": c.suppressed,
                "n": c.n,
            }
        )
    frame = pd.DataFrame(rows)
    what = "Share of their pairs' goals achieved" if percent else "Mean health of their pairs"
    if frame.empty or frame["value"].isna().all():
        return note(f"{what}: no band has a figure to show yet ({ctx.hidden}).")
    return interval_bars(frame, f"{what}, by band at the first complete checklist", "Percent" if percent else "0–100")


def _with_unit(c: Cell, percent: bool) -> str:
    """ "91 % (71–97)" for a share, "74.5 (67.1–81.9)" for a mean."""
    text = cell_text(c, percent)
    if not percent:
        return text
    head, _, rest = text.partition(" ")
    return f"{head} % {rest}".rstrip()


def outcome_findings(table: pd.DataFrame, settings: Settings) -> list[insights.Finding]:
    """A clear difference between the ready and a lower band (intervals apart), stated as an association."""
    labels = charts.band_labels(settings)
    out: list[insights.Finding] = []
    for role in dict.fromkeys(table["role"].astype(str)):
        mine = {str(r["band"]): r for r in table[table["role"] == role].to_dict("records")}
        ready = mine.get("ready")
        if ready is None:
            continue
        for figure, what in (("share", "of their pairs' goals achieved"), ("health", "mean pair health")):
            top = _outcome_cell(ready, figure)
            for band in ("developing", "not_yet"):
                other = _outcome_cell(mine[band], figure) if band in mine else None
                if (
                    other is None
                    or not (top.shown and other.shown)
                    or None in (top.low, top.high, other.low, other.high)
                ):
                    continue
                apart = top.low > other.high or top.high < other.low  # type: ignore[operator]
                if not apart:
                    continue
                percent = figure == "share"
                lead = f"{ROLE_LABELS[role]} who started {labels['ready'].split(' (')[0].lower()}"
                out.append(
                    insights.Finding(
                        "watch",
                        f"{lead}: {_with_unit(top, percent)} {what}, against "
                        f"{_with_unit(other, percent)} for those who started "
                        f"{labels[band].split(' (')[0].lower()}. An association, not cause.",
                        "Use readiness conversations before matching, and follow whether the gap holds in the next "
                        "cohort before drawing conclusions.",
                    )
                )
    return out


# --- findings ----------------------------------------------------------------------------------


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def _listed(names: list[str], limit: int | None) -> str:
    """Names joined by commas; with a ``limit``, the first ``limit`` and "and N more (in the full table)"."""
    if limit is None or len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])} and {len(names) - limit:,} more (all in {FULL_TABLE})"


def programme_findings(
    table: pd.DataFrame, cohorts: list[str], settings: Settings, limit: int | None = None
) -> list[insights.Finding]:
    """What the side-by-side figures say about the programme, each with a next step, most urgent first.

    With a ``limit`` (a ranked report), lists of cohorts name at most that many, the lowest response rates first.
    """
    out: list[insights.Finding] = []
    cells = cells_of(table)
    for comp in COMPARED:
        for name, _, what in comp.series:
            shown = {c: x for c in cohorts if (x := cells.get((c, name), MISSING)).shown and x.low is not None}
            if len(shown) < 2:  # nothing to compare
                continue
            low = min(shown, key=lambda c: (shown[c].value or 0.0, c))
            high = max(shown, key=lambda c: (shown[c].value or 0.0, c))
            below, above = shown[low].high, shown[high].low
            if below is not None and above is not None and below < above:
                out.append(
                    insights.Finding(
                        "action",
                        f"{low} lags {high} on {what}: {cell_text(shown[low], comp.percent)} against "
                        f"{cell_text(shown[high], comp.percent)}; the 95 % intervals do not overlap.",
                        comp.next_step,
                    )
                )
    any_hidden = table["suppressed"].astype(bool).groupby(table["cohort_id"].astype(str)).any().to_dict()
    hidden = [c for c in cohorts if any_hidden.get(c, False)]
    if hidden:
        out.append(
            insights.Finding(
                "watch",
                f"{len(hidden)} of {len(cohorts)} cohort(s) have figures hidden because fewer than "
                f"{settings.min_group_size} people answered: {_listed(hidden, limit)}.",
                "Collect more answers there, or compare them together as one group rather than one by one.",
            )
        )
    for name, role in RATES:
        low_rate = [
            (c, x.value)
            for c in cohorts
            if (x := cells.get((c, name), MISSING)).value is not None and x.value < settings.response_rate_low
        ]
        if limit is not None:
            low_rate.sort(key=lambda cv: (cv[1], cv[0]))
        if low_rate:
            listed = _listed([f"{c} ({_pct(v)})" for c, v in low_rate], limit)  # type: ignore[arg-type]
            out.append(
                insights.Finding(
                    "action",
                    f"Fewer than {_pct(settings.response_rate_low)} of {role} answered the readiness checklist "
                    f"in {listed}.",
                    f"Send the {role} who have not answered a reminder with their personal link (`mentorkit status`).",
                )
            )
    if not any(f.level == "action" and "lags" in f.text for f in out):
        out.append(
            insights.Finding(
                "good",
                "No cohort clearly lags another: wherever two cohorts can be compared, their 95 % intervals overlap.",
                "Read differences between cohorts as noise for now; compare again when more people have answered.",
            )
        )
    return sorted(out, key=lambda f: ("action", "watch", "good").index(f.level))


def key_findings(ctx: ProgrammeContext) -> HTML:
    """The programme's key findings (side by side and over time), each with a suggested next step."""
    limit = ctx.per_end if ctx.ranked else None  # a ranked report names at most this many cohorts per finding
    found = programme_findings(ctx.figures, ctx.cohorts, ctx.settings, limit)
    found += trend_findings(trend_table(ctx), ctx.cohorts, ctx.settings, limit)
    found += outcome_findings(outcome_table(ctx), ctx.settings)
    return findings(sorted(found, key=lambda f: ("action", "watch", "good").index(f.level)))


def footer(ctx: ProgrammeContext) -> HTML:
    """As-of date, generation time, version and data fingerprint."""
    return HTML(
        "<footer class='mk-footer'>"
        f"Programme of {len(ctx.cohorts)} cohorts · as of {esc(ctx.as_of.isoformat())} · generated "
        f"{esc(ctx.generated_at.strftime('%Y-%m-%d %H:%M'))} UTC · mentorkit {esc(__version__)} · "
        f"data fingerprint {esc(ctx.fingerprint)} · no person is named; groups under "
        f"{ctx.settings.min_group_size} are hidden</footer>"
    )
