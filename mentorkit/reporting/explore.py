"""The exploration workbench of ``notebooks/explore.ipynb``: compare cohorts, break them down, drill into one.

The store is read once and split per cohort; a redraw scores only the cohorts on screen, each (cohort, as-of
date) once per session. Figures come from ``figures`` (value, n and 95 % interval) and look as in the reports:
the report stylesheet ships with the widget output, every rule confined to the dashboard (``.mk-explore``).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import ipywidgets as widgets
import pandas as pd
from IPython.display import HTML

from mentorkit import outputs, store, workspace
from mentorkit.analysis import figure_table as figures
from mentorkit.analysis import programme, segments
from mentorkit.data import CohortData
from mentorkit.formats import pair_label
from mentorkit.reporting import STYLESHEET, charts
from mentorkit.reporting import cohort as rk
from mentorkit.settings import Settings

SCOPE = "mk-explore"  # the class of the dashboard's root element; every style rule sits under it

PAGE_ONLY = ("main", ".mk-nav", ".anchor-link")  # the report page's furniture: nothing of it is in a notebook
ROOT_SELECTORS = (":root", "html", "body")  # what the page's root carries, the dashboard's root carries
INK_VARIABLES = (  # JupyterLab's text colours, set inside the dashboard only
    *(f"content-font-color{i}" for i in range(4)),
    *(f"ui-font-color{i}" for i in range(4)),
    "widgets-color",
    "widgets-label-color",
    "widgets-readout-color",
    "widgets-input-color",
)
PAPER_VARIABLES = {  # JupyterLab's surfaces inside the dashboard: light, as on a report page
    "layout-color0": "#fff",
    "layout-color1": "#fff",
    "layout-color2": "#eef1f4",
    "layout-color3": "#c4ccd4",
    "border-color1": "#c4ccd4",
    "border-color2": "#e3e8ee",
    "widgets-input-background-color": "#fff",
    "widgets-input-border-color": "#9aa5b1",
    "rendermime-table-row-background": "#fafbfc",
    "rendermime-table-row-hover-background": "#eef3f8",
}


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


# --- the report stylesheet, scoped -------------------------------------------------------------


def _blocks(css: str) -> list[tuple[str, str]]:
    """Top-level ``prelude { body }`` blocks of a stylesheet (comments removed; nested braces kept in body)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    out, i = [], 0
    while (start := css.find("{", i)) >= 0:
        depth, j = 1, start + 1
        while depth and j < len(css):
            depth += {"{": 1, "}": -1}.get(css[j], 0)
            j += 1
        out.append((css[i:start].strip(), css[start + 1 : j - 1].strip()))
        i = j
    return out


def _scope_selector(selector: str, scope: str) -> str | None:
    """One selector confined to ``.scope`` (the page root becomes the scope itself); None for page furniture."""
    sel = " ".join(selector.split())
    if not sel or ".jp-" in sel or any(sel == p or sel.startswith(p + " ") for p in PAGE_ONLY):
        return None
    if sel in ROOT_SELECTORS:
        return f".{scope}"
    return f".{scope} {sel}"


def scoped_css(css: str, scope: str = SCOPE) -> str:
    """A stylesheet whose every rule applies only inside elements of class ``scope``.

    The root's rules (``:root``, ``body``) move to the scope element; the report page's own furniture
    (``main``, the navigation, JupyterLab's cells in an exported page) and at-rules other than ``@media``
    are left out, so nothing reaches JupyterLab's own interface.
    """
    rules = []
    for prelude, body in _blocks(css):
        if prelude.startswith("@media"):
            inner = scoped_css(body, scope)
            if inner:
                rules.append(f"{prelude} {{\n{inner}\n}}")
            continue
        if prelude.startswith("@"):
            continue
        selectors = [s for s in (_scope_selector(p, scope) for p in prelude.split(",")) if s]
        if selectors:
            rules.append(f"{', '.join(selectors)} {{ {body} }}")
    return "\n".join(rules)


def style_html(scope: str = SCOPE) -> str:
    """A ``<style>`` element with the report stylesheet scoped to the dashboard (read from the package)."""
    # a light card in JupyterLab's dark themes too: the controls and outputs inside it take the report's ink
    ink = "; ".join(f"--jp-{name}: var(--ink)" for name in INK_VARIABLES)
    paper = "; ".join(f"--jp-{name}: {colour}" for name, colour in PAPER_VARIABLES.items())
    extra = f".{scope} {{ padding: 8px 12px; border-radius: 4px; {ink}; {paper}; }}"
    return f"<style>{scoped_css(STYLESHEET.read_text(encoding='utf-8'), scope)}\n{extra}</style>"


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
    """A cohort's matched pairs by pseudonymous id; health and status only where the reports show them."""
    p = ctx.detail.pairs
    out = pd.DataFrame(
        {
            "pair": p["pair_id"],
            "mentor": [ctx.name(x) for x in p["mentor_id"]],
            "mentee": [ctx.name(x) for x in p["mentee_id"]],
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
    pairs = ctx.detail.pairs.set_index("pair_id") if len(ctx.detail.pairs) else None
    mentors = ctx.data.pairs.set_index("pair_id")
    names = []
    for pid in g["pair_id"]:
        frame = pairs if pairs is not None and pid in pairs.index else mentors
        if pid in frame.index:
            names.append(pair_label(ctx.name(frame.at[pid, "mentor_id"]), ctx.name(frame.at[pid, "mentee_id"])))
        else:
            names.append("—")
    return pd.DataFrame(
        {
            "goal": g["goal_id"],
            "pair": names,
            "title": g["title"],
            "status": g["status"].map(charts.GOAL_LABELS).fillna(g["status"]),
            "progress %": g["progress"].round(0),
            "expected %": g["expected"].round(0),
            "target date": g["target_date"].dt.strftime("%Y-%m-%d"),
            "last update": [d.strftime("%Y-%m-%d") if pd.notna(d) else "never" for d in g["last_update"]],
        }
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
        cohorts = [c for c in cohorts if c in self.parts]  # a cohort without people has nothing to show
        if not cohorts:
            raise store.StoreError("the store has no cohorts yet; run `mentorkit demo` or import a roster")
        self.day = rk.notebook_as_of(as_of)
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
        self.last_redraw_seconds = time.perf_counter() - start

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
        caption = (
            f"As of {self.as_of.value.isoformat()}: value (95 % interval) · n. Shares and response rates in %, "
            f"scores and health on 0–100; groups under {self.settings.min_group_size} are hidden."
        )
        if self.attribute.value:
            caption += (
                " A person counts in their own segment, a pair in its mentee's; when one segment of a cohort is "
                "hidden, the next smallest is hidden too, so no hidden figure can be worked out from the total. "
                "Segments under the minimum group size are not named: they are the row (hidden)."
            )
        caption += (
            f" A figure is also hidden when the people behind it differ by 1 to {self.settings.min_group_size - 1} "
            "from those of a figure shown at another date or of a larger group, since one less the other would "
            "tell about those few people."
        )
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

    # --- export --------------------------------------------------------------------------------

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
