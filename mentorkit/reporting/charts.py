"""Plotly figures for reports and exploration, with consistent colours, and the report renderer.

The ``mentorkit`` renderer puts two representations in each output: plotly's own JSON (drawn by
JupyterLab) and an HTML ``<div>`` that calls a *shared* plotly.js (drawn in exported reports,
which load ``assets/plotly.min.js`` once per run). No CDN, no plotly.js inlined per file.
"""

from __future__ import annotations

import base64
import json
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

    A copy, not an edit in place: two traces may share one list, and it must be escaped once.
    """
    if isinstance(value, dict):
        return {k: _plain_text(v, k in TEXT_KEYS) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_text(v, drawn) for v in value]
    if drawn and isinstance(value, str):
        return chart_text(value)
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
    return {"title": {"text": text}}


def _layout(title: str, height: int = 360, **extra: object) -> dict[str, object]:
    """The house layout (what ``update_layout`` gave the figures before) plus a chart's own keys."""
    return {
        **extra,
        "title": {"text": title, "x": 0, "xanchor": "left"},
        "margin": {"l": 60, "r": 20, "t": 60, "b": 50},
        "font": {"family": FONT, "size": 13},
        "legend": {"orientation": "h", "y": -0.2},
        "height": height,
        "plot_bgcolor": "white",
    }


def response_rates(table: pd.DataFrame) -> Chart:
    """Bar per role: respondents and enrolled."""
    roles = _array(table["role"])
    colours = [ROLE_COLOURS.get(r.lower().rstrip("s"), "#1565c0") for r in table["role"]]
    data = [
        {"marker": {"color": "#cfd8dc"}, "name": "Enrolled", "x": roles, "y": _array(table["enrolled"]), "type": "bar"},
        {
            "marker": {"color": colours},
            "name": "Responded",
            "x": roles,
            "y": _array(table["respondents"]),
            "type": "bar",
        },
    ]
    layout = _layout(
        "Who has answered the readiness checklist",
        barmode="overlay",
        yaxis=_axis_title("People"),
        xaxis=_axis_title(""),
    )
    return Chart(data, layout)


def band_counts(counts: pd.DataFrame, settings: Settings = DEFAULT) -> Chart:
    """Stacked horizontal bars of band counts per role (rows: roles; columns: bands)."""
    labels = band_labels(settings)
    data = [
        {
            "marker": {"color": BAND_COLOURS[band]},
            "name": labels[band],
            "orientation": "h",
            "x": _array(counts[band]),
            "y": _array(counts.index),
            "type": "bar",
        }
        for band in ("ready", "developing", "not_yet", "incomplete")
        if band in counts.columns
    ]
    layout = _layout("Readiness bands", height=280, barmode="stack", xaxis=_axis_title("People"), yaxis=_axis_title(""))
    return Chart(data, layout)


def score_distribution(scores: pd.DataFrame, settings: Settings = DEFAULT) -> Chart:
    """Histogram of readiness scores per role, with the band thresholds marked."""
    data = [
        {
            "marker": {"color": ROLE_COLOURS.get(str(role), "#1565c0")},
            "name": str(role).title() + "s",
            "opacity": 0.75,
            "x": _array(group["score"]),
            "xbins": {"end": 100.01, "size": 10, "start": 0},
            "type": "histogram",
        }
        for role, group in scores.groupby("role")
    ]
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
            }
            for x, label in marks
        ],
        xaxis={**_axis_title("Readiness score (0–100)"), "range": [0, 100]},
        barmode="overlay",
        yaxis=_axis_title("People"),
    )
    return Chart(data, layout)


def item_rates(table: pd.DataFrame, title: str) -> Chart:
    """Horizontal bars of yes rates per item, weakest at the top."""
    shown = table.dropna(subset=["yes_rate"]).iloc[::-1]
    labels = [
        f"{i}: {q if len(q) < 70 else q[:67] + '…'}" for i, q in zip(shown["item_id"], shown["question"], strict=True)
    ]
    data = [
        {
            "marker": {"color": "#1565c0"},
            "orientation": "h",
            "text": [f"{100 * v:.0f} %" for v in shown["yes_rate"]],
            "textposition": "auto",
            "x": _array(100 * shown["yes_rate"]),
            "y": labels,
            "type": "bar",
        }
    ]
    layout = _layout(
        title,
        height=120 + 32 * len(shown),
        xaxis={**_axis_title("Answered yes (%)"), "range": [0, 100]},
        yaxis=_axis_title(""),
    )
    return Chart(data, layout)


def status_bars(
    counts: dict[str, int], colours: dict[str, str], labels: dict[str, str], title: str, axis: str
) -> Chart:
    """One bar per status with the status colours."""
    keys = [k for k in colours if k in counts]
    data: list[dict[str, object]] = [
        {
            "marker": {"color": [colours[k] for k in keys]},
            "text": [str(counts[k]) for k in keys],
            "textposition": "auto",
            "x": [labels[k] for k in keys],
            "y": [int(counts[k]) for k in keys],
            "type": "bar",
        }
    ]
    return Chart(data, _layout(title, height=320, yaxis=_axis_title(axis), xaxis=_axis_title("")))


def progress_vs_expected(goals: pd.DataFrame, tolerance: float) -> Chart:
    """Each goal's progress against the progress expected by now; the tolerance band shaded."""
    data: list[dict[str, object]] = [
        # the on-track region: reported ≥ expected − tolerance
        {
            "fill": "toself",
            "fillcolor": "rgba(67,160,71,0.08)",
            "hoverinfo": "skip",
            "line": {"width": 0},
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
        height=420,
        xaxis={**_axis_title("Expected progress by now (%)"), "range": [-5, 105]},
        yaxis={**_axis_title("Reported progress (%)"), "range": [-5, 105]},
    )
    return Chart(data, layout)


def health_over_time(monthly: pd.DataFrame, labels: dict[str, str]) -> Chart:
    """Mean rating per element per month (months with too few people are left out)."""
    months = _array(monthly.index.astype(str))
    data = [
        {
            "mode": "lines+markers",
            "name": labels.get(element, element),
            "x": months,
            "y": _array(monthly[element]),
            "type": "scatter",
        }
        for element in [c for c in monthly.columns if c.startswith("rc_")]
    ]
    layout = _layout(
        "Relationship health over time, by element",
        height=420,
        yaxis={**_axis_title("Mean rating (1–5)"), "range": [1, 5]},
        xaxis=_axis_title("Month"),
    )
    return Chart(data, layout)
