"""Plotly figures for reports and exploration, with consistent colours, and the report renderer.

The ``mentorkit`` renderer puts two representations in each output: plotly's own JSON (drawn by
JupyterLab) and an HTML ``<div>`` that calls a *shared* plotly.js (drawn in exported reports,
which load ``assets/plotly.min.js`` once per run). No CDN, no plotly.js inlined per file.
"""

from __future__ import annotations

import base64
import json
from datetime import date
from typing import cast

import numpy as np
import pandas as pd

from mentorkit._imports import skip_iri_grammar
from mentorkit.formats import chart_text
from mentorkit.settings import DEFAULT, Settings

skip_iri_grammar()

import plotly.graph_objects as go  # noqa: E402
import plotly.io as pio  # noqa: E402
from _plotly_utils.utils import convert_to_base64  # noqa: E402
from plotly.io._base_renderers import MimetypeRenderer  # noqa: E402

BAND_COLOURS = {"ready": "#2e7d32", "developing": "#f9a825", "not_yet": "#c62828", "incomplete": "#9e9e9e"}


def _num(x: float) -> float | int:
    """A threshold as a figure shows it: 75.0 as 75."""
    return int(x) if float(x).is_integer() else x


def band_labels(settings: Settings = DEFAULT) -> dict[str, str]:
    """The readiness bands' legend labels, with the thresholds of ``settings``."""
    ready, developing = _num(settings.band_ready), _num(settings.band_developing)
    below = f"{ready - 1}" if isinstance(ready, int) else f"< {ready}"
    return {
        "ready": f"Ready (≥ {ready})",
        "developing": f"Developing ({developing}–{below})",
        "not_yet": f"Not yet (< {developing})",
        "incomplete": "Incomplete",
    }


BAND_LABELS = band_labels()
PAIR_COLOURS = {"on_track": "#2e7d32", "needs_checkin": "#e65100", "too_early": "#78909c"}
PAIR_LABELS = {"on_track": "On track", "needs_checkin": "Needs a check-in", "too_early": "Too early"}
GOAL_COLOURS = {
    "achieved": "#1b5e20",
    "on_track": "#43a047",
    "at_risk": "#f9a825",
    "overdue": "#c62828",
    "dropped": "#9e9e9e",
}
GOAL_LABELS = {
    "achieved": "Achieved",
    "on_track": "On track",
    "at_risk": "At risk",
    "overdue": "Overdue",
    "dropped": "Dropped",
}
ROLE_COLOURS = {"mentor": "#1565c0", "mentee": "#6a1b9a"}
FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"


def _template() -> dict[str, object]:
    """The plotly_white template exactly as a validated figure carries it (built once per process)."""
    global _TEMPLATE
    if _TEMPLATE is None:
        _TEMPLATE = go.Figure(layout={"template": "plotly_white"}).to_dict()["layout"]["template"]
    return _TEMPLATE


_TEMPLATE: dict[str, object] | None = None
CONFIG = {"displaylogo": False, "responsive": True}


def _array(values: object) -> object:
    """Data for a trace as plotly keeps it: numbers as a numpy array (sent as a typed array), else a list."""
    if isinstance(values, pd.Series | pd.Index | np.ndarray) and values.dtype.kind in "biuf":
        return np.asarray(values)
    if isinstance(values, pd.Series | pd.Index | np.ndarray):
        return values.tolist()
    return list(values)  # type: ignore[call-overload]


# the keys whose strings plotly draws as text (or matches against drawn categories); templates
# (hovertemplate, texttemplate) are the charts' own markup and keep theirs
TEXT_KEYS = frozenset(
    {"text", "hovertext", "name", "customdata", "ticktext", "tickvals", "categoryarray", "x", "y", "labels", "title"}
)


def _plain_text(value: object, drawn: bool = False) -> object:
    """A copy of figure data with every drawn string made literal (``display.chart_text``), nothing else changed.

    A newline is the one mark kept: plotly draws it as a line break (``<br>``), as the text was written.

    A copy, not an edit in place: two traces may share one list, and it must be escaped once.
    """
    if isinstance(value, dict):
        return {k: _plain_text(v, k in TEXT_KEYS) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_text(v, drawn) for v in value]
    if drawn and isinstance(value, str):
        return chart_text(value).replace("\n", "<br>")  # a line break the chart asked for, once escaped
    return value


class Chart:
    """A plotly figure as plain data, the dict ``go.Figure(...).to_dict()`` would give.

    Building it skips plotly's per-property validation (most of a report's time went there);
    ``figure()`` gives the validated ``go.Figure`` when one is wanted, and a test checks that
    plotly keeps every chart as it is. Every string plotly draws is made literal here, once, so
    no tag in a goal title, a name or an attribute value is rendered (``_plain_text``).
    """

    def __init__(self, data: list[dict[str, object]], layout: dict[str, object]) -> None:
        data = cast(list[dict[str, object]], _plain_text(data))
        layout = cast(dict[str, object], _plain_text(layout))
        convert_to_base64({"data": data, "layout": layout})  # the template holds no arrays (a test checks)
        self.spec: dict[str, object] = {"data": data, "layout": {"template": _template(), **layout}}

    def to_dict(self) -> dict[str, object]:
        """The figure as plotly's dict (typed arrays for numbers)."""
        return self.spec

    def figure(self) -> go.Figure:
        """The validated plotly figure (numbers as numpy arrays again, as plotly holds them)."""
        return go.Figure(_numpy_arrays(self.spec))

    @property
    def layout(self) -> dict[str, object]:
        return self.spec["layout"]  # type: ignore[return-value]

    @property
    def data(self) -> list[dict[str, object]]:
        return self.spec["data"]  # type: ignore[return-value]

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, object]:
        return mimebundle(self.spec)


LAB_JSON = True  # False in batch report runs: their pages only use the HTML div


def lab_json(keep: bool) -> None:
    """Whether charts also carry plotly's JSON for JupyterLab (batch report runs skip it)."""
    global LAB_JSON
    LAB_JSON = bool(keep)


def _numpy_arrays(value: object) -> object:
    """A copy of a figure dict with plotly's typed arrays ({dtype, bdata}) as numpy arrays."""
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]).newbyteorder("<"))
        return {k: _numpy_arrays(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numpy_arrays(v) for v in value]
    return value


def mimebundle(fig_dict: dict[str, object]) -> dict[str, object]:
    """Plotly JSON for JupyterLab plus an HTML div that uses a page-level plotly.js."""
    html = pio.to_html(fig_dict, full_html=False, include_plotlyjs=False, config=CONFIG, validate=False)
    if not LAB_JSON:
        return {"text/html": html}
    return {"application/vnd.plotly.v1+json": json.loads(pio.to_json(fig_dict, validate=False)), "text/html": html}


class ReportRenderer(MimetypeRenderer):
    """The same two representations for ``go.Figure`` objects shown in a notebook."""

    def to_mimebundle(self, fig_dict):  # type: ignore[no-untyped-def]
        return mimebundle(fig_dict)


def use_report_renderer() -> None:
    """Make figures render for both JupyterLab and offline HTML reports."""
    if pio.renderers.default != "mentorkit":
        pio.renderers["mentorkit"] = ReportRenderer()
        pio.renderers.default = "mentorkit"


def _axis_title(text: str) -> dict[str, object]:
    """An axis with a title; its labels and title push the margins rather than run into the legend."""
    return {"title": {"text": text}, "automargin": True}


def wrap(text: str, width: int, lines: int = 99) -> str:
    """Text broken at spaces into lines of at most ``width`` characters (``\\n``), at most ``lines`` of them."""
    out: list[str] = []
    for word in str(text).split():
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = (out[-1] if len(out[-1]) < width else out[-1][: width - 1]) + "…"
    return "\n".join(out)


TITLE_WIDTH = 40  # characters per line of a chart title: one line fits a phone (390 px)


def count_step(top: float) -> int:
    """A whole-number tick step (1, 2, 5, 10, 20, 50 …) giving at most six steps from 0 to ``top``."""
    scale = 1
    while True:
        for m in (1, 2, 5):
            if top <= 6 * m * scale:
                return m * scale
        scale *= 10


def count_axis(text: str, top: float) -> dict[str, object]:
    """An axis that counts people, goals or pairs: whole-number ticks only, from zero."""
    return {
        **_axis_title(text),
        "tick0": 0,
        "dtick": count_step(top),
        "tickformat": ",d",
        "rangemode": "tozero",
    }


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def month_axis(days: list[date], text: str, most: int = 12) -> dict[str, object]:
    """A date axis ticked at the values' own dates, each labelled with its month ("Jun 2026" at 30 June).

    Plotly's own date ticks sit at month starts, so a month-end value would read as the month after.
    More than ``most`` dates: every k-th is labelled, counted back from the latest.
    """
    shown = sorted(set(days))
    every = max(1, -(-len(shown) // most))
    ticks = shown[::-1][::every][::-1]
    return {
        **_axis_title(text),
        "type": "date",
        "tickmode": "array",
        "tickvals": [d.isoformat() for d in ticks],
        "ticktext": [f"{MONTHS[d.month - 1]} {d.year}" for d in ticks],
        "hoverformat": "%d %b %Y",
    }


def _layout(title: str, height: int = 360, **extra: object) -> dict[str, object]:
    """The house layout plus a chart's own keys.

    The title sits above the plot and the legend at the figure's foot (``container``), and each reserves its
    own margin, as the axes' labels and titles do (``automargin``): at any width none lies over another.
    Titles are wrapped to lines that fit a phone.
    """
    return {
        **extra,
        "title": {
            "text": wrap(title, TITLE_WIDTH),
            "x": 0,
            "xanchor": "left",
            "xref": "container",
            "y": 1,
            "yanchor": "bottom",
            "yref": "paper",  # just above the plot, every line of it: the top margin grows to fit
            "pad": {"b": 14},
            "automargin": True,
            "font": {"size": 16},
        },
        "margin": {"l": 10, "r": 20, "t": 40, "b": 10},
        "font": {"family": FONT, "size": 13},
        "legend": {
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "xref": "container",
            "y": 0,
            "yanchor": "bottom",
            "yref": "container",
        },
        "height": height,
        "plot_bgcolor": "white",
    }


def response_rates(table: pd.DataFrame) -> Chart:
    """Bar per role: enrolled (grey) behind, respondents in the role's colour, one legend entry per colour."""
    data: list[dict[str, object]] = [
        {
            "marker": {"color": "#cfd8dc"},
            "name": "Enrolled",
            "x": _array(table["role"]),
            "y": _array(table["enrolled"]),
            "type": "bar",
        }
    ]
    for role, respondents in zip(table["role"], table["respondents"], strict=True):
        data.append(
            {
                "marker": {"color": ROLE_COLOURS.get(str(role).lower().rstrip("s"), "#1565c0")},
                "name": f"{role} who responded",
                "x": [role],
                "y": [int(respondents)],
                "type": "bar",
            }
        )
    top = float(pd.to_numeric(table["enrolled"]).max()) if len(table) else 0.0
    layout = _layout(
        "Who has answered the readiness checklist",
        barmode="overlay",
        yaxis=count_axis("People", top),
        xaxis=_axis_title(""),
    )
    return Chart(data, layout)


def band_counts(counts: pd.DataFrame, settings: Settings = DEFAULT) -> Chart:
    """Stacked horizontal bars of band counts per role (rows: roles; columns: bands)."""
    labels = band_labels(settings)
    bands = [b for b in ("ready", "developing", "not_yet", "incomplete") if b in counts.columns]
    data = [
        {
            "marker": {"color": BAND_COLOURS[band]},
            "name": labels[band],
            "orientation": "h",
            "x": _array(counts[band]),
            "y": _array(counts.index),
            "type": "bar",
        }
        for band in bands
    ]
    top = float(counts[bands].sum(axis=1).max()) if bands and len(counts) else 0.0
    layout = _layout(
        "Readiness bands",
        height=300,
        barmode="stack",
        xaxis=count_axis("People", top),
        yaxis=_axis_title(""),
    )
    # left to right as the bars stack (plotly reverses a stack's legend by default)
    layout["legend"] = {**layout["legend"], "traceorder": "normal"}  # type: ignore[dict-item]
    return Chart(data, layout)


SCORE_BINS = tuple(range(0, 101, 10))  # 0–10 … 90–100, a score of 100 in the last


def score_distribution(scores: pd.DataFrame, settings: Settings = DEFAULT) -> Chart:
    """People per ten-point score range, mentors and mentees side by side; the band thresholds marked."""
    data: list[dict[str, object]] = []
    top = 0
    for role in sorted(scores["role"].unique(), key=lambda r: (r != "mentor", str(r))):  # mentors first
        group = scores[scores["role"] == role]
        counts, _ = np.histogram(group["score"].astype("float64"), bins=SCORE_BINS)  # the last bin takes 100
        top = max(top, int(counts.max()) if len(counts) else 0)
        name = str(role).title() + "s"
        data.append(
            {
                "marker": {"color": ROLE_COLOURS.get(str(role), "#1565c0")},
                "name": name,
                "x": [lo + 5 for lo in SCORE_BINS[:-1]],
                "y": [int(c) for c in counts],
                "customdata": [f"{lo}–{lo + 10}" for lo in SCORE_BINS[:-1]],
                "hovertemplate": "Score %{customdata}: %{y}<extra>" + chart_text(name) + "</extra>",
                "type": "bar",
            }
        )
    marks = ((_num(settings.band_developing), "developing"), (_num(settings.band_ready), "ready"))
    line = {"color": "#616161", "dash": "dot"}
    layout = _layout(
        "Distribution of readiness scores",
        shapes=[
            {"line": line, "type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain"}
            for x, _ in marks
        ],
        annotations=[
            {
                "showarrow": False,
                "text": label,
                "x": x,
                "xanchor": "left",
                "xref": "x",
                "y": 1,
                "yanchor": "top",
                "yref": "y domain",
                "yshift": -18 * i,  # one below the other: at phone width the two would meet
                "bgcolor": "rgba(255,255,255,0.85)",
            }
            for i, (x, label) in enumerate(marks)
        ],
        # the range starts just left of 0, so that its "0" and the count axis's "0" do not meet at the corner
        xaxis={**_axis_title("Readiness score (0–100)"), "range": [-3, 100], "tick0": 0, "dtick": 10},
        barmode="group",
        bargap=0.15,
        yaxis=count_axis("People", top),
        showlegend=True,  # with one group shown (the other hidden), the legend still says whose scores these are
    )
    return Chart(data, layout)


def item_rates(table: pd.DataFrame, title: str) -> Chart:
    """Horizontal bars of yes rates per item, weakest at the top; each question on up to three short lines."""
    shown = table.dropna(subset=["yes_rate"]).iloc[::-1]
    labels = [wrap(f"{i}: {q}", 28, lines=3) for i, q in zip(shown["item_id"], shown["question"], strict=True)]
    rows = sum(label.count("\n") + 1 for label in labels)
    data = [
        {
            "marker": {"color": "#1565c0"},
            "orientation": "h",
            "text": [f"{100 * v:.0f} %" for v in shown["yes_rate"]],
            "textposition": "auto",
            "textangle": 0,  # level: a short bar has its figure beside it, not turned inside it
            "cliponaxis": False,
            "x": _array(100 * shown["yes_rate"]),
            "y": labels,
            "type": "bar",
        }
    ]
    layout = _layout(
        title,
        height=140 + 12 * len(shown) + 17 * rows,
        xaxis={**_axis_title("Answered yes (%)"), "range": [0, 100]},
        yaxis=_axis_title(""),
    )
    return Chart(data, layout)


def status_bars(
    counts: dict[str, int], colours: dict[str, str], labels: dict[str, str], title: str, axis: str
) -> Chart:
    """One bar per status with the status colours (the bars are labelled: no legend)."""
    keys = [k for k in colours if k in counts]
    data: list[dict[str, object]] = [
        {
            "marker": {"color": [colours[k] for k in keys]},
            "text": [str(counts[k]) for k in keys],
            "textposition": "auto",
            "x": [labels[k] for k in keys],
            "y": [int(counts[k]) for k in keys],
            "showlegend": False,
            "type": "bar",
        }
    ]
    top = max((int(counts[k]) for k in keys), default=0)
    return Chart(data, _layout(title, height=320, yaxis=count_axis(axis, top), xaxis=_axis_title("")))


def progress_vs_expected(goals: pd.DataFrame, tolerance: float) -> Chart:
    """Each goal's progress against the progress expected by now; the tolerance band shaded."""
    data: list[dict[str, object]] = [
        # the on-track region: reported ≥ expected − tolerance; an area, drawn with no points
        {
            "fill": "toself",
            "fillcolor": "rgba(67,160,71,0.08)",
            "hoverinfo": "skip",
            "line": {"width": 0},
            "mode": "lines",
            "showlegend": False,
            "x": [0, tolerance, 100, 100, 0],
            "y": [0, 0, 100 - tolerance, 100, 100],
            "type": "scatter",
        },
        {
            "hoverinfo": "skip",
            "line": {"color": "#616161", "dash": "dot"},
            "mode": "lines",
            "name": "Expected pace",
            "x": [0, 100],
            "y": [0, 100],
            "type": "scatter",
        },
    ]
    for status, group in goals.groupby("status"):
        data.append(
            {
                "hovertemplate": "%{text}<br>expected %{x:.0f} %, reported %{y:.0f} %<extra></extra>",
                "marker": {"color": GOAL_COLOURS.get(str(status), "#000"), "size": 11},
                "mode": "markers",
                "name": GOAL_LABELS.get(str(status), str(status)),
                "text": _array(group["label"]),
                "x": _array(group["expected"]),
                "y": _array(group["progress"]),
                "type": "scatter",
            }
        )
    layout = _layout(
        "Goal progress against the expected pace",
        height=440,
        xaxis={**_axis_title("Expected progress by now (%)"), "range": [-5, 105]},
        yaxis={**_axis_title("Reported progress (%)"), "range": [-5, 105]},
    )
    return Chart(data, layout)


PANEL_HEIGHT = 70  # pixels of one element's panel in the health chart
PANEL_GAP = 34  # pixels between panels, for the next panel's title


def health_over_time(monthly: pd.DataFrame, labels: dict[str, str]) -> Chart:
    """Mean rating per element per month, one panel per element (months with too few people left out).

    Small multiples: seven lines in one plot lie on top of each other, one per panel cannot hide.
    """
    elements = [c for c in monthly.columns if c.startswith("rc_")]
    starts = [p.start_time.date() for p in monthly.index]  # a month's mean sits at the month's start
    n = max(len(elements), 1)
    top, bottom = 40, 70  # pixels: the title above (its margin grows to fit it), the month axis below
    span = n * (PANEL_HEIGHT + PANEL_GAP)  # each panel with its own title above it
    height = top + bottom + span
    data: list[dict[str, object]] = []
    layout = _layout("Relationship health over time, by element: mean rating (1–5)", height=height)
    annotations = []
    for i, element in enumerate(elements):
        suffix = "" if i == 0 else str(i + 1)
        upper = 1 - (PANEL_GAP + i * (PANEL_HEIGHT + PANEL_GAP)) / span
        lower = upper - PANEL_HEIGHT / span
        last = i == len(elements) - 1
        data.append(
            {
                "mode": "lines+markers",
                "name": labels.get(element, element),
                "x": [d.isoformat() for d in starts],
                "y": _array(monthly[element]),
                "line": {"color": "#1565c0"},
                "showlegend": False,
                "hovertemplate": "%{x}: %{y:.1f}<extra></extra>",
                "xaxis": f"x{suffix}",
                "yaxis": f"y{suffix}",
                "type": "scatter",
            }
        )
        axis = month_axis(starts, "Month" if last else "")
        layout[f"xaxis{suffix}"] = {**axis, "anchor": f"y{suffix}", "showticklabels": last, "hoverformat": "%b %Y"}
        if i:
            layout[f"xaxis{suffix}"]["matches"] = "x"  # type: ignore[index]
        layout[f"yaxis{suffix}"] = {
            "range": [0.8, 5.2],
            "tickvals": [1, 3, 5],
            "domain": [max(0.0, lower), min(1.0, upper)],
            "anchor": f"x{suffix}",
            "automargin": True,
        }
        annotations.append(
            {
                "text": labels.get(element, element),
                "showarrow": False,
                "x": 0,
                "xref": "paper",
                "xanchor": "left",
                "y": min(1.0, upper),
                "yref": "paper",
                "yanchor": "bottom",
                "font": {"size": 13},
            }
        )
    layout["annotations"] = annotations
    layout["margin"] = {"l": 10, "r": 60, "t": top, "b": bottom}  # r: room for the last, slanted month
    return Chart(data, layout)
