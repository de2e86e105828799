"""The exploration workbench of ``notebooks/explore.ipynb``: compare cohorts, break them down, drill into one.

The store is read once and split per cohort; a redraw scores only the cohorts on screen, each (cohort, as-of
date) once per session. Figures come from ``figures`` (value, n and 95 % interval) and look as in the reports:
the report stylesheet ships with the widget output, every rule confined to the dashboard (``.mk-explore``).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import ipywidgets as widgets
import pandas as pd
from IPython.display import HTML

from mentorkit import outputs, store, workspace
from mentorkit.analysis import figure_table as figures
from mentorkit.analysis import programme, segments
from mentorkit.data import CohortData
from mentorkit.formats import hiding_rule
from mentorkit.reporting import STYLESHEET, charts
from mentorkit.reporting import cohort as rk
from mentorkit.reporting.explore_style import SCOPE, scoped_css, style_html
from mentorkit.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

__all__ = [
    "SCOPE",
    "SHOWN",
    "STYLESHEET",
    "Explorer",
    "as_of_html",
    "cells_html",
    "comparison_chart",
    "goal_rows",
    "opening_as_of",
    "pair_rows",
    "scoped_css",
    "scored_pairs",
    "style_html",
    "wide_table",
]


@dataclass(frozen=True)
class Shown:
    """A headline figure of the comparison: its figure name, column label and whether it is a share."""

    figure: str
    label: str
    percent: bool


SHOWN = (
    Shown("mentor_readiness.response_rate", "mentor response rate %", True),
    Shown("mentor_readiness.mean_score", "mentor mean score", False),
    Shown("mentor_readiness.share_ready", "mentors ready %", True),
    Shown("mentee_readiness.response_rate", "mentee response rate %", True),
    Shown("mentee_readiness.mean_score", "mentee mean score", False),
    Shown("mentee_readiness.share_ready", "mentees ready %", True),
    Shown("relationship.health_index", "pair health index", False),
    Shown("relationship.share_on_track", "pairs on track %", True),
    Shown("goals.share_achieved", "goals achieved %", True),
)
BY_FIGURE = {s.figure: s for s in SHOWN}
DEFAULT_COMPARE = 4  # cohorts chosen when the dashboard opens


# --- data held once, scored per (cohort, as-of) ------------------------------------------------


def split_by_cohort(data: CohortData) -> dict[str, CohortData]:
    """Every cohort's own rows, split once (scoring a cohort then never scans the others' rows)."""

    def groups(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
        return {str(k): g for k, g in frame.groupby("cohort_id", sort=False, observed=True)}

    people, pairs = groups(data.participants), groups(data.pairs)
    responses = {inst: groups(frame) for inst, frame in data.responses.items()}
    out = {}
    for cohort in people:
        out[cohort] = CohortData(
            participants=people[cohort],
            pairs=pairs.get(cohort, data.pairs.iloc[:0]),
            responses={inst: responses[inst].get(cohort, frame.iloc[:0]) for inst, frame in data.responses.items()},
        )
    return out


def opening_as_of(as_of: str | date | None, conn: Connection) -> tuple[date, str]:
    """The date the workbench opens with, and where it comes from.

    The ``as_of`` parameter when given, else $MENTORKIT_AS_OF, else the as-of of the workspace's newest report
    run (so the workbench shows the reports' figures), else the store's suggested as-of (the day of its latest
    submission, as ``mentorkit cohorts`` prints it).
    """
    if as_of is not None:
        return rk.notebook_as_of(as_of), "set by the notebook's <code>as_of</code> parameter"
    if os.environ.get(rk.AS_OF_ENV):
        return rk.notebook_as_of(None), f"set by <code>${rk.AS_OF_ENV}</code>"
    run = newest_run_as_of(store.workspace() / "reports")
    if run is not None:
        return run, f"the as-of of the newest report run, <code>reports/{run.isoformat()}/</code>"
    return store.suggested_as_of(
        conn
    ), "the day of the store's latest submission, as <code>mentorkit cohorts</code> suggests"


def newest_run_as_of(folder: Path) -> date | None:
    """The latest as-of date of a report run in ``folder``: a YYYY-MM-DD folder holding a manifest.json."""
    days = []
    for child in folder.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"):
        try:
            day = date.fromisoformat(child.name)
        except ValueError:  # 2026-13-45
            continue
        if (child / "manifest.json").is_file():
            days.append(day)
    return max(days, default=None)


def first_day(data: CohortData, as_of: date) -> date:
    """Where the as-of slider starts: where ``programme.trends`` starts."""
    return programme.first_date(data, as_of)


def figure_cell(value: object, low: object, high: object, n: object, suppressed: bool, percent: bool) -> str:
    """A table cell: "72 (61–83) · n 14", "hidden · n 3" when suppressed, "—" when there is nothing to show."""
    count = "" if pd.isna(n) else f" · n {int(n)}"  # type: ignore[call-overload]
    if suppressed:
        return f"hidden{count}"
    text = figures.interval_text(
        None if pd.isna(value) else float(value),  # type: ignore[arg-type]
        None if pd.isna(low) else float(low),  # type: ignore[arg-type]
        None if pd.isna(high) else float(high),  # type: ignore[arg-type]
        percent=percent,
    )
    return f"{text}{count}" if text else "—"


def wide_table(tidy: pd.DataFrame) -> pd.DataFrame:
    """The comparison as shown: one row per cohort (and segment), one column per headline figure."""
    keys = ["cohort_id", "segment"] if "segment" in tidy.columns else ["cohort_id"]
    rows = []
    for key, group in tidy.groupby(keys, sort=False):
        parts = key if isinstance(key, tuple) else (key,)
        row: dict[str, object] = {"cohort": parts[0]}
        if len(parts) > 1:
            row[str(group["attribute"].iloc[0])] = parts[1]
        for r in group.itertuples(index=False):
            shown = BY_FIGURE.get(str(r.figure))
            if shown is not None:
                row[shown.label] = figure_cell(r.value, r.ci_low, r.ci_high, r.n, bool(r.suppressed), shown.percent)
        rows.append(row)
    return pd.DataFrame(rows)


def comparison_chart(tidy: pd.DataFrame, figure: str) -> charts.Chart:
    """One headline figure across the rows of the comparison, with 95 % intervals as error bars."""
    shown = BY_FIGURE[figure]
    picked = tidy[tidy["figure"] == figure].iloc[::-1]
    scale = 100.0 if shown.percent else 1.0
    if "segment" in picked.columns:
        labels = [f"{c} · {s}" for c, s in zip(picked["cohort_id"], picked["segment"], strict=True)]
    else:
        labels = [str(c) for c in picked["cohort_id"]]
    labels = [f"{label} (hidden)" if s else label for label, s in zip(labels, picked["suppressed"], strict=True)]
    value = picked["value"].astype("float64") * scale
    low = picked["ci_low"].astype("float64") * scale
    high = picked["ci_high"].astype("float64") * scale
    text = ["" if pd.isna(v) else f"{v:.0f}" for v in value]
    data: list[dict[str, object]] = [
        {
            "type": "bar",
            "orientation": "h",
            "x": [None if pd.isna(v) else float(v) for v in value],
            "y": labels,
            "text": text,
            "textposition": "auto",
            "marker": {"color": "#1565c0"},
            "error_x": {
                "type": "data",
                "symmetric": False,
                "array": [None if pd.isna(h) else float(h - v) for h, v in zip(high, value, strict=True)],
                "arrayminus": [None if pd.isna(lo) else float(v - lo) for lo, v in zip(low, value, strict=True)],
                "color": "#1f2933",
            },
        }
    ]
    interval = "" if figure.endswith("response_rate") else ", 95 % interval"  # a whole population: none
    axis: dict[str, object] = {"title": {"text": shown.label + interval}}
    if shown.percent:
        axis["range"] = [0, 100]
    layout = {
        "title": {"text": shown.label + interval, "x": 0, "xanchor": "left"},
        "margin": {"l": 160, "r": 20, "t": 50, "b": 50},
        "font": {"family": charts.FONT, "size": 13},
        "height": 120 + 28 * len(labels),
        "plot_bgcolor": "white",
        "xaxis": axis,
        "showlegend": False,
    }
    return charts.Chart(data, layout)


def pair_rows(ctx: rk.ReportContext) -> pd.DataFrame:
    """A cohort's matched pairs by pseudonymous ids ("mentor & mentee"); health and status where the reports show them."""
    p = ctx.detail.pairs
    out = pd.DataFrame(
        {
            "pair": [rk._pair_label(ctx, pid) for pid in p["pair_id"]],  # "M-ENG-01 & E-ENG-01", as the reports
            "matched on": p["matched_on"].dt.strftime("%Y-%m-%d"),
        }
    )
    if not ctx.detail.score.relationship.suppressed:
        out["health"] = p["health"].round(0)
        out["status"] = p["status"].map(charts.PAIR_LABELS).fillna(p["status"])
        out["last check-in"] = p["last_checkin"].dt.strftime("%Y-%m-%d")
    return out


def goal_rows(ctx: rk.ReportContext) -> pd.DataFrame:
    """A cohort's goals with their pair (pseudonymous ids), status and progress against the expected pace."""
    g = ctx.detail.goals
    return pd.DataFrame(
        {
            "goal": g["goal_id"],
            "pair": [rk._pair_label(ctx, pid) for pid in g["pair_id"]],
            "title": g["title"],
            "status": g["status"].map(charts.GOAL_LABELS).fillna(g["status"]),
            "progress %": g["progress"].round(0),
            "expected %": g["expected"].round(0),
            "target date": g["target_date"].dt.strftime("%Y-%m-%d"),
            "last update": [d.strftime("%Y-%m-%d") if pd.notna(d) else "never" for d in g["last_update"]],
        }
    )


def compare_caption(day: date, k: int, breakdown: bool) -> str:
    """The comparison table's caption: the date, how figures read, and why some are hidden."""
    caption = (
        f"As of {day.isoformat()}: value (95 % interval) · n. Shares and response rates in %, "
        f"scores and health on 0–100; {hiding_rule(k)}."
    )
    if breakdown:
        caption += (
            " A person counts in their own segment, a pair in its mentee's; when one segment of a cohort is "
            "hidden, the next smallest is hidden too, so no hidden figure can be worked out from the total. "
            "Segments under the minimum group size are not named: they are the row (hidden)."
        )
    return caption + (
        f" A figure is also hidden when the people behind it differ by 1 to {k - 1} "
        "from those of a figure shown at another date or of a larger group, since one less the other would "
        "tell about those few people."
    )


def scored_pairs(ctx: rk.ReportContext) -> pd.DataFrame:
    """A cohort's scored pairs for one's own analysis: named "mentor & mentee" by pseudonymous id, not by number."""
    p = ctx.detail.pairs
    label = pd.Series([rk._pair_label(ctx, pid) for pid in p["pair_id"]], index=p.index, dtype="str")
    return p.drop(columns=["pair_id"]).assign(pair=label)[["pair", *(c for c in p.columns if c != "pair_id")]]


def as_of_html(day: date, opened: date, source: str) -> str:
    """The date the figures are as of, large, with where the notebook's date comes from and how to change it."""
    shown = f"<strong class='mk-asof-day'>As of {day.isoformat()}</strong>"
    if day == opened:
        why = source
    else:
        why = f"a month end on the slider (the notebook's date is {opened.isoformat()}: {source})"
    return (
        f"<div class='mk-asof'>{shown} <span>— {why}.</span><br><span class='mk-note'>Reports show these figures "
        f"with <code>mentorkit report --as-of {day.isoformat()}</code>. Move the slider for an earlier month end; "
        'for another day set <code>as_of = "YYYY-MM-DD"</code> in the notebook\'s first cell (its parameters) '
        "and run all cells again.</span></div>"
    )


def cells_html(ran: tuple[str | None, date], now: tuple[str | None, date], same: bool) -> str:
    """What the cells below the dashboard show: the choices they ran with, and whether the widget still agrees."""

    def where(state: tuple[str | None, date]) -> str:
        return f"<strong>{rk.esc(state[0] or 'no cohort')}</strong> as of <strong>{state[1].isoformat()}</strong>"

    again = "run them again (select this cell, then Run ▸ Run Selected Cell and All Below)"
    if same:
        return (
            f"<p class='mk-note'>The cells below show {where(ran)}, the dashboard's choices when they ran. "
            f"They do not follow the dashboard: after changing it, {again}.</p>"
        )
    return (
        f"<p class='mk-note mk-stale'>⚠ The cells below still show {where(ran)} and the comparison as it was then; "
        f"the dashboard now shows {where(now)}: {again}.</p>"
    )


def bundle(obj: object) -> dict[str, object]:
    """One output of an Output widget for a report piece (HTML or a chart), as a kernel would send it."""
    if isinstance(obj, charts.Chart):
        data = obj._repr_mimebundle_()
    elif isinstance(obj, HTML):
        data = {"text/html": obj.data, "text/plain": "<HTML>"}
    else:
        raise TypeError(f"cannot show {type(obj).__name__}")
    return {"output_type": "display_data", "data": data, "metadata": {}}


def show(out: widgets.Output, *objs: object) -> None:
    """Replace everything an Output widget shows in one step (drawn in place, never appended)."""
    out.outputs = tuple(bundle(o) for o in objs)


class Explorer:
    """Cohorts to compare, a breakdown and an as-of date over a comparison table and chart, and a drill-down."""

    def __init__(
        self, db_url: str | None = None, as_of: str | date | None = None, settings: Settings | None = None
    ) -> None:
        charts.use_report_renderer()
        self.settings = workspace.settings() if settings is None else settings  # None: the workspace's
        engine = store.connect(db_url, create=False)
        self.data = store.load(engine)
        self.parts = split_by_cohort(self.data)
        with engine.connect() as conn:
            cohorts = store.list_cohorts(conn)
            self.day, self.day_source = opening_as_of(as_of, conn)
        cohorts = [c for c in cohorts if c in self.parts]  # a cohort without people has nothing to show
        if not cohorts:
            raise store.StoreError("the store has no cohorts yet; run `mentorkit demo` or import a roster")
        self._contexts: dict[tuple[str, date], rk.ReportContext] = {}
        self._figures: dict[tuple[str, date], pd.DataFrame] = {}
        self._segments: dict[tuple[str, date, str], pd.DataFrame] = {}

        self.cohorts = widgets.SelectMultiple(
            options=cohorts, value=tuple(cohorts[:DEFAULT_COMPARE]), rows=min(8, len(cohorts)), description="Compare"
        )
        wide = {"description_width": "initial"}
        self.attribute = widgets.Dropdown(
            options=[
                ("nothing", ""),
                *((a, a) for a in segments.segment_attributes(self.data.participants, self.settings)),
            ],
            value="",
            description="Break down by",
            style=wide,
        )
        self.attribute.add_class("mk-breakdown")
        self.as_of = widgets.SelectionSlider(
            options=[(d.isoformat(), d) for d in self.dates()],
            value=self.day,
            description="As of",
            continuous_update=False,  # redraw when the handle is let go, not at every month passed
            layout=widgets.Layout(width="min(640px, 100%)"),
        )
        self.chart_figure = widgets.Dropdown(
            options=[(s.label, s.figure) for s in SHOWN], value=SHOWN[2].figure, description="Chart", style=wide
        )
        self.cohort = widgets.Dropdown(options=self.cohorts.value, description="Drill down", style=wide)
        self.cohort.add_class("mk-drill")
        self.role = widgets.ToggleButtons(
            options=[("Mentors", "mentor"), ("Mentees", "mentee")], value="mentor", description="Role", style=wide
        )
        self.export_button = widgets.Button(description="Export CSV", icon="download", tooltip="the table on screen")
        self.status = widgets.HTML()
        self.as_of_note = widgets.HTML()  # the date in force, large, and how to change it
        self._cells_notes: list[tuple[widgets.HTML, tuple[object, ...]]] = []  # notes above cells, and their state
        self.style = widgets.HTML(style_html(), layout=widgets.Layout(display="none"))
        self.view = widgets.Output()
        self.headline = widgets.HTML()
        self.drill = widgets.Output()
        self.table = pd.DataFrame()  # the comparison as shown
        self.shown = figures.empty()  # the tidy figures behind it: what Export CSV writes
        self.figures: dict[str, object] = {}
        self.last_redraw_seconds = 0.0
        self._quiet = False

        for control in (self.cohorts, self.attribute, self.as_of, self.chart_figure):
            control.observe(self._compare_changed, names="value")
        for control in (self.cohort, self.role):
            control.observe(self._drill_changed, names="value")
        self.export_button.on_click(lambda _b: self._export_clicked())
        self.redraw()

    # --- what is known -------------------------------------------------------------------------

    def dates(self) -> list[date]:
        """The slider's dates: every month end from the earliest match (or submission) to the as-of date, then it."""
        return programme.month_ends(first_day(self.data, self.day), self.day)

    def chosen(self) -> list[str]:
        """The cohorts chosen for the comparison, in the list's order."""
        picked = set(self.cohorts.value)
        return [c for c in self.cohorts.options if c in picked]

    def context(self, cohort: str | None = None) -> rk.ReportContext:
        """The report context of a cohort (the drilled-down one by default) as of the chosen date, cached."""
        cid = cohort or self.cohort.value
        key = (cid, self.as_of.value)
        if key not in self._contexts:
            self._contexts[key] = rk.context(self.parts[cid], cid, key[1], self.settings)
        return self._contexts[key]

    def cohort_figures(self, cohorts: list[str]) -> pd.DataFrame:
        """The cohorts' tidy figure tables as of the chosen date (``figures``' values, n and intervals), cached.

        They are the cohorts' trend points (``programme.trends`` to the last date of the slider), so the
        differencing rule holds between every date the slider shows; the cohorts not seen before are scored
        together, at every date at once.
        """
        day = self.as_of.value
        missing = [c for c in cohorts if (c, day) not in self._figures]
        if missing:
            found = programme.trends(self.data, missing, self.day, self.settings)
            for (cohort, when), rows in found.groupby(["cohort_id", "as_of"], sort=False):
                self._figures[(str(cohort), pd.Timestamp(when).date())] = rows.reset_index(drop=True)
            for cohort in missing:  # a date before the cohort's first: nothing was known yet
                self._figures.setdefault((cohort, day), figures.empty())
        return pd.concat([self._figures[(c, day)] for c in cohorts], ignore_index=True)

    def segment_figures(self, cohorts: list[str], attribute: str) -> pd.DataFrame:
        """The cohorts' figures per segment of an attribute (``segments.segments``, suppression included), cached.

        The cohorts not seen before at this date are scored together in one call; segments never mix cohorts,
        so each cohort's rows are the same as when it is scored alone.
        """
        day = self.as_of.value
        missing = [c for c in cohorts if (c, day, attribute) not in self._segments]
        if missing:
            found = segments.segments(self.data, missing, day, self.settings, [attribute], trends_to=self.day)
            for cohort in missing:
                rows = found[found["cohort_id"] == cohort].reset_index(drop=True)
                self._segments[(cohort, day, attribute)] = rows
        return pd.concat([self._segments[(c, day, attribute)] for c in cohorts], ignore_index=True)

    def tidy(self) -> pd.DataFrame:
        """The figures on screen as tidy rows: the chosen cohorts (or their segments), headline figures only."""
        chosen = self.chosen()
        if not chosen:
            return figures.empty()
        if self.attribute.value:
            frame = self.segment_figures(chosen, self.attribute.value)
        else:
            frame = self.cohort_figures(chosen)
        return frame[frame["figure"].isin(list(BY_FIGURE))].reset_index(drop=True)

    # --- drawing -------------------------------------------------------------------------------

    def _compare_changed(self, _change: dict) -> None:  # type: ignore[type-arg]
        self.redraw()

    def _drill_changed(self, _change: dict) -> None:  # type: ignore[type-arg]
        if self._quiet:
            return
        start = time.perf_counter()
        self.redraw_drill()
        self.redraw_notes()
        self.last_redraw_seconds = time.perf_counter() - start

    def redraw(self) -> None:
        """Redraw the comparison and the drill-down for the current choices (each output replaced in place)."""
        start = time.perf_counter()
        chosen = tuple(self.chosen())
        focus = self.cohort.value if self.cohort.value in chosen else (chosen[0] if chosen else None)
        self._quiet = True  # the drill-down follows the choice; it is redrawn below, once
        try:
            self.cohort.options = chosen
            self.cohort.value = focus
        finally:
            self._quiet = False
        self.redraw_compare()
        self.redraw_drill()
        self.redraw_notes()
        self.last_redraw_seconds = time.perf_counter() - start

    def state(self) -> tuple[object, ...]:
        """Every choice the figures depend on: the compared cohorts, the breakdown, the date and the drill-down."""
        return (tuple(self.chosen()), self.attribute.value, self.as_of.value, self.cohort.value)

    def redraw_notes(self) -> None:
        """The date in force, and each note above the cells below (do they still show the dashboard's choices?)."""
        self.as_of_note.value = as_of_html(self.as_of.value, self.day, self.day_source)
        now = self.state()
        for note, ran in self._cells_notes:
            note.value = cells_html((ran[3], ran[2]), (now[3], now[2]), ran == now)  # type: ignore[arg-type]

    def cells_note(self) -> widgets.HTML:
        """A note for the cells below it: the cohort and date they show, and when they no longer follow the widget."""
        note = widgets.HTML()
        note.add_class(SCOPE)
        self._cells_notes.append((note, self.state()))
        self.redraw_notes()
        return note

    def redraw_compare(self) -> None:
        """The comparison table and chart of the chosen cohorts as of the chosen date."""
        self.shown = self.tidy()
        self.table = wide_table(self.shown) if len(self.shown) else pd.DataFrame()
        if self.table.empty:
            self.figures.pop("compare", None)
            show(self.view, rk.note("Choose one or more cohorts to compare."))
            return
        chart = comparison_chart(self.shown, self.chart_figure.value)
        self.figures["compare"] = chart
        caption = compare_caption(self.as_of.value, self.settings.min_group_size, bool(self.attribute.value))
        show(self.view, rk.table(self.table, caption), chart)

    def redraw_drill(self) -> None:
        """The drilled-down cohort: headline figures as in the reports, charts, its pairs and its goals."""
        if self.cohort.value is None:
            self.headline.value = ""
            show(self.drill)
            return
        ctx = self.context()
        role = self.role.value
        self.headline.value = rk.title(ctx, "Explore").data + rk.readiness_kpis(ctx).data + rk.goal_kpis(ctx).data
        pieces = {
            "items": rk.item_rates(ctx, role),
            "bands": rk.bands(ctx),
            "pairs": rk.pair_status(ctx),
            "goals": rk.progress_vs_expected(ctx),
        }
        self.figures.update(pieces)
        pairs, goals = pair_rows(ctx), goal_rows(ctx)
        show(
            self.drill,
            *pieces.values(),
            rk.table(pairs, "Matched pairs by pseudonymous id.") if len(pairs) else rk.note("No matched pairs yet."),
            rk.table(goals, "Goals by pair (pseudonymous ids).") if len(goals) else rk.note("No goals recorded yet."),
        )

    def export_path(self) -> Path:
        """Where Export CSV writes: ``exports/explore-<as-of>.csv`` in the workspace."""
        return store.workspace() / "exports" / f"explore-{self.as_of.value.isoformat()}.csv"

    def export_csv(self, path: str | Path | None = None) -> Path:
        """Write the figures on screen as tidy CSV (formula-guarded, atomically); returns the file written."""
        target = Path(path) if path is not None else self.export_path()
        outputs.write_csv(target, self.shown)
        return target

    def _export_clicked(self) -> None:
        target = self.export_csv()
        self.status.value = f"<span class='mk-note'>Wrote {rk.esc(target)} ({len(self.shown)} figures).</span>"

    def widget(self) -> widgets.Widget:
        """The whole dashboard."""
        box = widgets.VBox(
            [
                self.style,
                widgets.HBox([self.cohorts, widgets.VBox([self.attribute, self.chart_figure])]),
                self.as_of_note,
                self.as_of,
                self.view,
                widgets.HBox([self.export_button, self.status]),
                widgets.HBox([self.cohort, self.role]),
                self.headline,
                self.drill,
            ]
        )
        box.add_class(SCOPE)
        return box
