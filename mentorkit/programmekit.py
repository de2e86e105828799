"""What the programme report notebook calls: every cohort side by side, with 95 % intervals.

Load the programme once (``open_programme``), then one function per section; each returns
something a notebook displays (``HTML`` or a chart). Figures come from ``figures`` (values
exactly ``score``'s); shares show as "72 (61–83)" in tables and as error bars in charts;
suppressed figures show as hidden, never as numbers. All user-written text is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from IPython.display import HTML

from . import __version__, charts, figures, insights, programme, store
from .errors import UsageError
from .reportkit import esc, findings, note, notebook_as_of, settings_for
from .settings import DEFAULT, Settings


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

    @property
    def hidden(self) -> str:
        return f"hidden: fewer than {self.settings.min_group_size} respondents"


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
) -> ProgrammeContext:
    """Load and score the programme's cohorts (all when ``cohorts`` is None) for the programme report."""
    charts.use_report_renderer()
    engine = store.connect(db_url, create=False)
    with engine.connect() as conn:
        chosen = choose_cohorts(store.list_cohorts(conn), cohorts)
        fp = store.fingerprint(conn, chosen)
    settings = settings_for(DEFAULT.min_group_size if min_group_size is None else min_group_size)
    data = store.load(engine, chosen)
    return programme_context(data, chosen, notebook_as_of(as_of), settings, fp)


def programme_context(
    data: store.CohortData, cohorts: list[str], as_of: date, settings: Settings = DEFAULT, fingerprint: str = "-"
) -> ProgrammeContext:
    """A programme context from data already in memory."""
    table = figures.programme_figures(data, cohorts, as_of, settings)
    return ProgrammeContext(sorted(cohorts), as_of, settings, data, table, fingerprint, store.now())


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
    for cohort in cohorts:
        enrolled = [cell(table, cohort, f"enrolled.{role}") for role in ("mentor", "mentee")]
        row: dict[str, object] = {
            "cohort": cohort,
            "mentors / mentees": f"{_whole(enrolled[0])} / {_whole(enrolled[1])}",
            "response rate (mentors / mentees)": " / ".join(_rate(cell(table, cohort, name)) for name, _ in RATES),
        }
        for comp in COMPARED:
            for name, label, _ in comp.series:
                c = cell(table, cohort, name)
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
    t = ctx.figures
    mentors = sum(cell(t, c, "enrolled.mentor").value or 0 for c in ctx.cohorts)
    mentees = sum(cell(t, c, "enrolled.mentee").value or 0 for c in ctx.cohorts)
    pairs = sum(cell(t, c, "relationship.pairs").value or 0 for c in ctx.cohorts)
    return HTML(
        f"<header class='mk-title'><h1>Programme: {len(ctx.cohorts)} cohorts side by side</h1>"
        f"<p>As of {esc(ctx.as_of.isoformat())} · {mentors:.0f} mentors · {mentees:.0f} mentees"
        f" · {pairs:.0f} matched pairs · cohorts: {esc(', '.join(ctx.cohorts))}</p></header>"
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
    """Every cohort in one table: enrolment, response rates and each compared figure with interval and n."""
    rows = comparison_rows(ctx.figures, ctx.cohorts)
    caption = (
        "Each figure with its 95 % interval in brackets; n counts the respondents, pairs or goals behind it. "
        f"Hidden: {ctx.hidden[len('hidden: ') :]}."
    )
    return _figures_html(rows, [("Cohort", "cohort")], ctx, caption)


def chart_rows(table: pd.DataFrame, cohorts: list[str], comp: Compared) -> pd.DataFrame:
    """A comparison's chart data: cohort, series, value, low, high (percent for shares), hidden, n."""
    scale = 100.0 if comp.percent else 1.0
    rows = []
    for name, label, _ in comp.series:
        for cohort in cohorts:
            c = cell(table, cohort, name)
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
                "hovertemplate": "%{x}: %{customdata}<extra>" + esc(label) + "</extra>",
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
    layout = charts._layout(
        title,
        height=380,
        barmode="group",
        yaxis={**charts._axis_title(axis), "range": [0, 100]},  # every compared figure lives on 0–100
        xaxis=charts._axis_title(""),
    )
    return charts.Chart(data, layout)


def comparison(ctx: ProgrammeContext, key: str) -> charts.Chart | HTML:
    """One compared figure across cohorts, as bars with 95 % error bars."""
    comp = BY_KEY[key]
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
        ctx.memo["trends"] = programme.trends(ctx.data, ctx.cohorts, ctx.as_of, ctx.settings)
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


def trend_lines(points: pd.DataFrame, cohorts: list[str], title: str, axis: str) -> charts.Chart:
    """One line per cohort over month ends, each point with its 95 % interval as an error bar."""
    data: list[dict[str, object]] = []
    for i, cohort in enumerate(cohorts):
        mine = points[points["cohort"] == cohort]
        if mine.empty:
            continue
        value, low, high = mine["value"], mine["low"], mine["high"]
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": cohort,
                "x": [d.isoformat() for d in mine["as_of"]],
                "y": charts._array(value),
                "line": {"color": COHORT_COLOURS[i % len(COHORT_COLOURS)]},
                "customdata": [int(n) for n in mine["n"]],
                "hovertemplate": "%{x}: %{y:.0f}, n = %{customdata}<extra>" + esc(cohort) + "</extra>",
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
    return HTML(
        "<p class='mk-explain'>Each point is a cohort's figure at a month end"
        f"{esc(start)} to {esc(ctx.as_of.isoformat())}, computed from what had been submitted by that day: what "
        "the programme knew then, not a later revision. Bars show the 95 % interval. A cohort's line starts once "
        f"the figure stands on at least {ctx.settings.min_group_size} respondents.</p>"
    )


def trend(ctx: ProgrammeContext, figure: str) -> charts.Chart | HTML:
    """One figure of every cohort at each month end, with error bars."""
    _, title_text, percent = next(t for t in TRENDED if t[0] == figure)
    points = trend_points(trend_table(ctx), figure, percent)
    if points.empty:
        return note(f"{title_text} over time: no month end has a figure to show yet ({ctx.hidden}).")
    return trend_lines(points, ctx.cohorts, f"{title_text} at each month end", "Percent" if percent else "0–100")


def _point_text(point: pd.Series, percent: bool) -> str:
    """ "58 % (32–81) on 2026-11-15" for a share, "74.5 (67.1–81.9) on …" for a mean (point already scaled)."""
    text = figures.interval_text(point["value"], point["low"], point["high"], percent=False)
    if percent:
        text = f"{point['value']:.0f} %"
        if pd.notna(point["low"]) and pd.notna(point["high"]):
            text += f" ({point['low']:.0f}–{point['high']:.0f})"
    return f"{text} on {point['as_of']}"


def trend_findings(trends: pd.DataFrame, cohorts: list[str], settings: Settings) -> list[insights.Finding]:
    """Clear changes over time: a cohort's figure now against its first shown month end, intervals apart.

    Also a pair health index that fell by more than ``settings.digest_health_drop`` since the month end before.
    """
    out: list[insights.Finding] = []
    for figure, title_text, percent in TRENDED:
        points = trend_points(trends, figure, percent)
        for cohort in cohorts:
            mine = points[points["cohort"] == cohort].sort_values("as_of")
            if len(mine) < 2:
                continue
            first, last = mine.iloc[0], mine.iloc[-1]
            then, now = _point_text(first, percent), _point_text(last, percent)
            name = title_text.split(" (")[0].lower()
            if last["low"] > first["high"]:
                out.append(
                    insights.Finding(
                        "good",
                        f"{cohort}: {name} rose from {then} to {now}; the intervals do not overlap.",
                        "Find out what the cohort did differently and share it with the other cohorts.",
                    )
                )
            elif last["high"] < first["low"]:
                out.append(
                    insights.Finding(
                        "action",
                        f"{cohort}: {name} fell from {then} to {now}; the intervals do not overlap.",
                        "Talk with the cohort's mentors about what changed, and plan a check-in round.",
                    )
                )
            if figure == "relationship.health_index":
                before, latest = mine.iloc[-2], mine.iloc[-1]
                drop = before["value"] - latest["value"]
                if drop > settings.digest_health_drop:
                    out.append(
                        insights.Finding(
                            "watch",
                            f"{cohort}: the pair health index fell by {drop:.0f} points since {before['as_of']}, "
                            f"more than {settings.digest_health_drop:.0f}.",
                            "Ask the cohort's pairs for a check-in conversation this month.",
                        )
                    )
    return out


# --- segments ----------------------------------------------------------------------------------

KEY_SEP = "\x1f"  # joins a cohort id and a segment name into one row key (ids never contain it)


def segment_table(ctx: ProgrammeContext) -> pd.DataFrame:
    """Every cohort's figures per segment of each breakdown attribute (``programme.segments``; computed once)."""
    if "segments" not in ctx.memo:
        ctx.memo["segments"] = programme.segments(ctx.data, ctx.cohorts, ctx.as_of, ctx.settings)
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
        "<p class='mk-explain'>Each cohort broken down by <em>department</em> and by every other roster attribute "
        "with a handful of values. People count in their own segment; pairs, check-ins and goals in their "
        f"mentee's. A segment of fewer than {k} people is hidden, and when exactly one segment of a breakdown is "
        "hidden the next smallest is hidden too, so that no hidden figure can be worked out from the cohort's "
        "total. Figures of a visible segment over too few respondents are hidden as in the cohort reports.</p>"
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


def programme_findings(table: pd.DataFrame, cohorts: list[str], settings: Settings) -> list[insights.Finding]:
    """What the side-by-side figures say about the programme, each with a next step, most urgent first."""
    out: list[insights.Finding] = []
    for comp in COMPARED:
        for name, _, what in comp.series:
            shown = {c: x for c in cohorts if (x := cell(table, c, name)).shown and x.low is not None}
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
    hidden = [c for c in cohorts if table[(table["cohort_id"] == c)]["suppressed"].astype(bool).any()]
    if hidden:
        out.append(
            insights.Finding(
                "watch",
                f"{len(hidden)} of {len(cohorts)} cohort(s) have figures hidden because fewer than "
                f"{settings.min_group_size} people answered: {', '.join(hidden)}.",
                "Collect more answers there, or compare them together as one group rather than one by one.",
            )
        )
    for name, role in RATES:
        low_rate = [
            (c, x.value)
            for c in cohorts
            if (x := cell(table, c, name)).value is not None and x.value < settings.response_rate_low
        ]
        if low_rate:
            listed = ", ".join(f"{c} ({_pct(v)})" for c, v in low_rate)  # type: ignore[arg-type]
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
    found = programme_findings(ctx.figures, ctx.cohorts, ctx.settings)
    found += trend_findings(trend_table(ctx), ctx.cohorts, ctx.settings)
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
