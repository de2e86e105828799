"""What the programme report notebook calls: every cohort side by side, with 95 % intervals.

Load the programme once (``open_programme``), then one function per section; each returns
something a notebook displays (``HTML`` or a chart). Figures come from ``figures`` (values
exactly ``score``'s); shares show as "72 (61–83)" in tables and as error bars in charts;
suppressed figures show as hidden, never as numbers. All user-written text is escaped.
With more cohorts than ``Settings.programme_max_cohorts`` the report ranks instead of listing
(``ProgrammeContext.ranked``): each headline figure's top and bottom cohorts, the full per-cohort table in
``FULL_TABLE`` beside the report, trends and segments of the cohorts shown, and findings that name at most
``shown_per_end`` cohorts each.

This module holds the title, the explanations, the key findings and the footer; the tables are
``programme_tables``'s, the charts ``programme_charts``'s and the loaded data ``programme_data``'s, all
reachable from here under the names the notebook uses.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML

from mentorkit import __version__
from mentorkit.analysis.compared import FULL_TABLE, MISSING, cells_of
from mentorkit.analysis.findings import most_urgent_first
from mentorkit.analysis.programme_findings import outcome_findings, programme_findings, trend_findings
from mentorkit.formats import hiding_rule
from mentorkit.reporting.cohort import esc, findings, kpis
from mentorkit.reporting.programme_charts import comparison, outcome_chart, trend
from mentorkit.reporting.programme_data import (
    ProgrammeContext,
    open_programme,
    outcome_table,
    shown_cohorts,
    trend_table,
)
from mentorkit.reporting.programme_tables import (
    CAUSE_CAVEAT,
    full_table_link,
    outcomes_table,
    segment_breakdowns,
    side_by_side,
)

__all__ = [  # the notebook's sections, and the name of the table a ranked report writes
    "FULL_TABLE",
    "comparison",
    "explain_intervals",
    "explain_outcomes",
    "explain_segments",
    "explain_trends",
    "footer",
    "headline",
    "key_findings",
    "open_programme",
    "outcome_chart",
    "outcomes_table",
    "segment_breakdowns",
    "side_by_side",
    "title",
    "trend",
]


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


def _total(ctx: ProgrammeContext, name: str) -> float:
    """A count summed over the report's cohorts (a missing one counts 0)."""
    cells = cells_of(ctx.figures)
    return float(sum(cells.get((c, name), MISSING).value or 0 for c in ctx.cohorts))


def _percent(part: float, whole: float) -> str:
    """A share of a whole as a whole percentage; "—" when there is no whole."""
    return f"{100 * part / whole:.0f} %" if whole else "—"


def headline(ctx: ProgrammeContext) -> HTML:
    """The programme's headline figures as tiles: people, pairs, pooled response rates and goals.

    Each is a count of people or of the programme's own records over every cohort (never hidden): the
    response rate is everyone who answered over everyone enrolled, and goals achieved is achieved over all goals.
    """
    enrolled = {role: _total(ctx, f"enrolled.{role}") for role in ("mentor", "mentee")}
    answered = {role: _total(ctx, f"{role}_readiness.respondents") for role in ("mentor", "mentee")}
    goals, achieved = _total(ctx, "goals.total"), _total(ctx, "goals.achieved")
    tiles = [
        ("cohorts", f"{len(ctx.cohorts):,}"),
        ("mentors", f"{enrolled['mentor']:,.0f}"),
        ("mentees", f"{enrolled['mentee']:,.0f}"),
        ("matched pairs", f"{_total(ctx, 'relationship.pairs'):,.0f}"),
        *((f"{role} response rate", _percent(answered[role], enrolled[role])) for role in ("mentor", "mentee")),
        ("goals", f"{goals:,.0f}"),
        ("goals achieved", _percent(achieved, goals)),
    ]
    return kpis([(label, esc(value)) for label, value in tiles])


def explain_intervals(ctx: ProgrammeContext) -> HTML:
    """How to read the intervals (with the report's minimum group size)."""
    return HTML(
        "<p class='mk-explain'>Each figure comes with its 95 % interval, written <em>72 (61–83)</em>: the range "
        "of values the data are compatible with. Shares (ready, on track, goals achieved) use Wilson score "
        "intervals, means (readiness score, pair health) Student-t intervals; <em>n</em> is the number of people, "
        "pairs or goals behind the figure. A small cohort has a wide interval: two cohorts differ clearly only "
        "when their intervals do not overlap. Response rates count a whole cohort and have no interval. A readiness "
        "figure's <em>n</em> is its complete checklists; "
        f"{esc(hiding_rule(ctx.settings.min_group_size))}.</p>"
    )


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
        f"the figure stands on at least {ctx.settings.min_group_size} people's answers. A point whose people "
        f"differ by 1 to {ctx.settings.min_group_size - 1} from those of a later point is left out too: one less "
        f"the other would give those few people's answers.{which}</p>"
    )


def explain_segments(ctx: ProgrammeContext) -> HTML:
    """How segments are formed and hidden."""
    k = ctx.settings.min_group_size
    return HTML(
        "<p class='mk-explain'>Each cohort broken down by <em>department</em> and by the roster columns named in "
        "the <code>segment_attributes</code> setting (never a column that identifies people). People count in "
        f"their own segment; pairs, check-ins and goals in their mentee's. Segments of fewer than {k} people are "
        "hidden and not named (one row <em>(hidden)</em>), and when exactly one segment of a breakdown is "
        "hidden the next smallest is hidden too, so that no hidden figure can be worked out from the cohort's "
        "total. Figures of a visible segment with fewer than {k} people's answers behind them are hidden as in "
        "the cohort reports (goal figures never are), and "
        f"so is a figure whose people differ by 1 to {k - 1} from those of the cohort (at any month end) or "
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


def explain_outcomes(ctx: ProgrammeContext) -> HTML:
    """What the readiness–outcomes view compares, and that it shows association, not cause."""
    return HTML(
        "<p class='mk-explain'>Each mentee and mentor is placed in the band of their <em>first</em> complete "
        "readiness checklist, then their pairs' outcomes as of "
        f"{esc(ctx.as_of.isoformat())} are pooled across the cohorts: the share of the pairs' goals achieved "
        "(Wilson interval, n = goals) and the mean pair health (t interval, n = pairs with a check-in). A band "
        f"of fewer than {ctx.settings.min_group_size} people shows no figure. <strong>{esc(CAUSE_CAVEAT)}</strong></p>"
    )


# --- findings ----------------------------------------------------------------------------------


def key_findings(ctx: ProgrammeContext) -> HTML:
    """The programme's key findings (side by side and over time), each with a suggested next step."""
    limit = ctx.per_end if ctx.ranked else None  # a ranked report names at most this many cohorts per finding
    found = programme_findings(ctx.figures, ctx.cohorts, ctx.settings, limit)
    found += trend_findings(trend_table(ctx), ctx.cohorts, ctx.settings, limit)
    found += outcome_findings(outcome_table(ctx))
    return findings(most_urgent_first(found))


def footer(ctx: ProgrammeContext) -> HTML:
    """As-of date, generation time, version and data fingerprint."""
    return HTML(
        "<footer class='mk-footer'>"
        f"Programme of {len(ctx.cohorts)} cohorts · as of {esc(ctx.as_of.isoformat())} · generated "
        f"{esc(ctx.generated_at.strftime('%Y-%m-%d %H:%M'))} UTC · mentorkit {esc(__version__)} · "
        f"data fingerprint {esc(ctx.fingerprint)} · no person is named; "
        f"{esc(hiding_rule(ctx.settings.min_group_size))}</footer>"
    )
