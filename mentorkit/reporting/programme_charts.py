"""The programme report's charts: each compared figure across cohorts, trends over month ends, outcomes by band.

Bars and points carry their 95 % intervals as error bars; a hidden bar says so, and a ranked report (more cohorts
than ``programme_max_cohorts``) draws each figure's top and bottom cohorts only.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML

from mentorkit.analysis.compared import (
    BY_KEY,
    MISSING,
    ROLE_LABELS,
    TRENDED,
    Compared,
    cells_of,
    outcome_cell,
    trend_points,
)
from mentorkit.formats import chart_text
from mentorkit.reporting import charts
from mentorkit.reporting.cohort import note
from mentorkit.reporting.programme_data import ProgrammeContext, outcome_table, rankings, trend_table


def chart_rows(table: pd.DataFrame, cohorts: list[str], comp: Compared) -> pd.DataFrame:
    """A comparison's chart data: cohort, series, value, low, high (percent for shares), hidden, n."""
    rows = []
    cells = cells_of(table)
    for name, label, _ in comp.series:
        for cohort in cohorts:
            c = cells.get((cohort, name), MISSING)
            value, low, high = c.scaled(comp.scale)
            rows.append(
                {
                    "cohort": cohort,
                    "series": label,
                    "value": value,
                    "low": low,
                    "high": high,
                    "hidden": c.suppressed,
                    "n": c.n,
                }
            )
    return pd.DataFrame(rows)


INSIDE_FROM = 8.0  # a bar lower than this (of 0–100) has its figure above it: inside, a bar of 0 hides it
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
            places.append("inside" if v >= INSIDE_FROM else "outside")
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
    data: list[dict[str, object]] = []
    panels = len(mine)
    gap = 0.12  # between panels, as a share of the chart's height
    height = (1.0 - gap * (panels - 1)) / panels
    axes: dict[str, object] = {}
    for i, (r, (_, label, _)) in enumerate(zip(mine, comp.series, strict=True)):
        shown = [*r.top, *r.bottom]
        scaled = [x.scaled(comp.scale) for _, _, x in shown]
        rows = pd.DataFrame(
            {
                "cohort": [c for _, c, _ in shown],
                "series": label,
                "value": [value for value, _, _ in scaled],
                "low": [low for _, low, _ in scaled],
                "high": [high for _, _, high in scaled],
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


COHORT_COLOURS = ("#1565c0", "#6a1b9a", "#2e7d32", "#e65100", "#00838f", "#ad1457", "#5d4037", "#546e7a")


def trend_lines(
    points: pd.DataFrame, cohorts: list[str], title: str, axis: str, dotted: frozenset[str] = frozenset()
) -> charts.Chart:
    """One line per cohort over month ends, each point with its 95 % interval as an error bar; ``dotted`` dotted.

    Every trace names its mode (lines and markers), so plotly draws no point it was not given.
    """
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
        # ticked at the month ends themselves, each named by its month: the 30 June value reads "Jun 2026"
        xaxis=charts.month_axis(list(points["as_of"]), "Month end (figures as known then)"),
    )
    layout["margin"] = {**layout["margin"], "r": 60}  # type: ignore[dict-item]  # the last, slanted month label
    layout["showlegend"] = True  # plotly leaves a lone line unnamed; the legend says whose line it is
    return charts.Chart(data, layout)


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


# --- readiness and outcomes ---------------------------------------------------------------------


def outcome_chart(ctx: ProgrammeContext, figure: str) -> charts.Chart | HTML:
    """Goals achieved (``share``) or pair health (``health``) by band, mentees and mentors, with error bars."""
    labels = charts.band_labels(ctx.settings)
    percent = figure == "share"
    scale = 100.0 if percent else 1.0
    rows = []
    for row in outcome_table(ctx).to_dict("records"):
        c = outcome_cell(row, figure)
        value, low, high = c.scaled(scale)
        rows.append(
            {
                "cohort": labels.get(str(row["band"]), str(row["band"])),
                "series": ROLE_LABELS.get(str(row["role"]), str(row["role"])),
                "value": value,
                "low": low,
                "high": high,
                "hidden": c.suppressed,
                "n": c.n,
            }
        )
    frame = pd.DataFrame(rows)
    what = "Share of their pairs' goals achieved" if percent else "Mean health of their pairs"
    if frame.empty or frame["value"].isna().all():
        return note(f"{what}: no band has a figure to show yet ({ctx.hidden}).")
    return interval_bars(frame, f"{what}, by band at the first complete checklist", "Percent" if percent else "0–100")
