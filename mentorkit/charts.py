"""Plotly figures for reports and exploration, with consistent colours, and the report renderer.

The ``mentorkit`` renderer puts two representations in each output: plotly's own JSON (drawn by
JupyterLab) and an HTML ``<div>`` that calls a *shared* plotly.js (drawn in exported reports,
which load ``assets/plotly.min.js`` once per run). No CDN, no plotly.js inlined per file.
"""

from __future__ import annotations

import json

import pandas as pd

from ._imports import skip_iri_grammar

skip_iri_grammar()

import plotly.graph_objects as go  # noqa: E402
import plotly.io as pio  # noqa: E402
from plotly.io._base_renderers import MimetypeRenderer  # noqa: E402

BAND_COLOURS = {"ready": "#2e7d32", "developing": "#f9a825", "not_yet": "#c62828", "incomplete": "#9e9e9e"}
BAND_LABELS = {
    "ready": "Ready (≥ 75)",
    "developing": "Developing (50–74)",
    "not_yet": "Not yet (< 50)",
    "incomplete": "Incomplete",
}
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


class ReportRenderer(MimetypeRenderer):
    """Plotly JSON for JupyterLab plus an HTML div that uses a page-level plotly.js."""

    def to_mimebundle(self, fig_dict):  # type: ignore[no-untyped-def]
        # fig_dict comes validated from the figure: serialise it once, without validating again
        config = {"displaylogo": False, "responsive": True}
        html = pio.to_html(fig_dict, full_html=False, include_plotlyjs=False, config=config, validate=False)
        return {"application/vnd.plotly.v1+json": json.loads(pio.to_json(fig_dict, validate=False)), "text/html": html}


def use_report_renderer() -> None:
    """Make figures render for both JupyterLab and offline HTML reports."""
    pio.renderers["mentorkit"] = ReportRenderer()
    pio.renderers.default = "mentorkit"


def _layout(fig: go.Figure, title: str, height: int = 360) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        height=height,
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        font={"family": FONT, "size": 13},
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.2},
        template="plotly_white",
    )
    return fig


def response_rates(table: pd.DataFrame) -> go.Figure:
    """Bar per role: respondents and enrolled."""
    fig = go.Figure()
    fig.add_bar(x=table["role"], y=table["enrolled"], name="Enrolled", marker_color="#cfd8dc")
    fig.add_bar(
        x=table["role"],
        y=table["respondents"],
        name="Responded",
        marker_color=[ROLE_COLOURS.get(r.lower().rstrip("s"), "#1565c0") for r in table["role"]],
    )
    fig.update_layout(barmode="overlay", yaxis_title="People", xaxis_title="")
    return _layout(fig, "Who has answered the readiness checklist")


def band_counts(counts: pd.DataFrame) -> go.Figure:
    """Stacked horizontal bars of band counts per role (rows: roles; columns: bands)."""
    fig = go.Figure()
    for band in ("ready", "developing", "not_yet", "incomplete"):
        if band in counts.columns:
            fig.add_bar(
                y=counts.index, x=counts[band], name=BAND_LABELS[band], orientation="h", marker_color=BAND_COLOURS[band]
            )
    fig.update_layout(barmode="stack", xaxis_title="People", yaxis_title="")
    return _layout(fig, "Readiness bands", height=280)


def score_distribution(scores: pd.DataFrame) -> go.Figure:
    """Histogram of readiness scores per role, with the band thresholds marked."""
    fig = go.Figure()
    for role, group in scores.groupby("role"):
        fig.add_histogram(
            x=group["score"],
            name=str(role).title() + "s",
            xbins={"start": 0, "end": 100.01, "size": 10},
            marker_color=ROLE_COLOURS.get(str(role), "#1565c0"),
            opacity=0.75,
        )
    for x, label in ((50, "developing"), (75, "ready")):
        fig.add_vline(x=x, line_dash="dot", line_color="#616161", annotation_text=label)
    fig.update_layout(
        barmode="overlay", xaxis_title="Readiness score (0–100)", yaxis_title="People", xaxis_range=[0, 100]
    )
    return _layout(fig, "Distribution of readiness scores")


def item_rates(table: pd.DataFrame, title: str) -> go.Figure:
    """Horizontal bars of yes rates per item, weakest at the top."""
    shown = table.dropna(subset=["yes_rate"]).iloc[::-1]
    labels = [
        f"{i}: {q if len(q) < 70 else q[:67] + '…'}" for i, q in zip(shown["item_id"], shown["question"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=100 * shown["yes_rate"],
            y=labels,
            orientation="h",
            marker_color="#1565c0",
            text=[f"{100 * v:.0f} %" for v in shown["yes_rate"]],
            textposition="auto",
        )
    )
    fig.update_layout(xaxis_title="Answered yes (%)", xaxis_range=[0, 100], yaxis_title="")
    return _layout(fig, title, height=120 + 32 * len(shown))


def status_bars(
    counts: dict[str, int], colours: dict[str, str], labels: dict[str, str], title: str, axis: str
) -> go.Figure:
    """One bar per status with the status colours."""
    keys = [k for k in colours if k in counts]
    fig = go.Figure(
        go.Bar(
            x=[labels[k] for k in keys],
            y=[counts[k] for k in keys],
            marker_color=[colours[k] for k in keys],
            text=[counts[k] for k in keys],
            textposition="auto",
        )
    )
    fig.update_layout(yaxis_title=axis, xaxis_title="")
    return _layout(fig, title, height=320)


def progress_vs_expected(goals: pd.DataFrame, tolerance: float) -> go.Figure:
    """Each goal's progress against the progress expected by now; the tolerance band shaded."""
    fig = go.Figure()
    # the on-track region: reported ≥ expected − tolerance
    fig.add_scatter(
        x=[0, tolerance, 100, 100, 0],
        y=[0, 0, 100 - tolerance, 100, 100],
        fill="toself",
        fillcolor="rgba(67,160,71,0.08)",
        line={"width": 0},
        hoverinfo="skip",
        showlegend=False,
    )
    fig.add_scatter(
        x=[0, 100],
        y=[0, 100],
        mode="lines",
        line={"dash": "dot", "color": "#616161"},
        name="Expected pace",
        hoverinfo="skip",
    )
    for status, group in goals.groupby("status"):
        fig.add_scatter(
            x=group["expected"],
            y=group["progress"],
            mode="markers",
            name=GOAL_LABELS.get(str(status), str(status)),
            marker={"size": 11, "color": GOAL_COLOURS.get(str(status), "#000")},
            text=group["label"],
            hovertemplate="%{text}<br>expected %{x:.0f} %, reported %{y:.0f} %<extra></extra>",
        )
    fig.update_layout(
        xaxis_title="Expected progress by now (%)",
        yaxis_title="Reported progress (%)",
        xaxis_range=[-5, 105],
        yaxis_range=[-5, 105],
    )
    return _layout(fig, "Goal progress against the expected pace", height=420)


def health_over_time(monthly: pd.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Mean rating per element per month (months with too few people are left out)."""
    fig = go.Figure()
    for element in [c for c in monthly.columns if c.startswith("rc_")]:
        fig.add_scatter(
            x=monthly.index.astype(str), y=monthly[element], mode="lines+markers", name=labels.get(element, element)
        )
    fig.update_layout(xaxis_title="Month", yaxis_title="Mean rating (1–5)", yaxis_range=[1, 5])
    return _layout(fig, "Relationship health over time, by element", height=420)
