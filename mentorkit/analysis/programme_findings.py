"""What the programme's figures say, each with a next step: cohorts side by side, over time, and outcomes.

``programme_findings`` reads the figure table of every cohort (a cohort that clearly lags another, hidden
figures, low response rates), ``trend_findings`` the month-end trend table (clear rises and falls, a sharp drop
of pair health), ``outcome_findings`` the readiness–outcomes table (a clear difference between bands, stated as
an association). With a ``limit`` (a ranked report of many cohorts) a finding names at most that many cohorts.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from mentorkit.analysis.compared import (
    COMPARED,
    FULL_TABLE,
    MISSING,
    RATES,
    ROLE_LABELS,
    TRENDED,
    Cell,
    cell_text,
    cells_of,
    outcome_cell,
    trend_points,
    with_unit,
)
from mentorkit.analysis.figure_table import interval_text
from mentorkit.analysis.findings import Finding, Kind, Level, most_urgent_first
from mentorkit.formats import figure, plural, plural_of
from mentorkit.settings import Settings

RATE_ROLES = ("mentor", "mentee")  # a cohort with fewer than k of either can never show all its figures
BAND_NAMES = {"ready": "ready", "developing": "developing", "not_yet": "not yet"}  # as a sentence says them


def _listed(names: list[str], limit: int | None) -> str:
    """Names joined by commas; with a ``limit``, the first ``limit`` and "and N more (in the full table)"."""
    if limit is None or len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])} and {len(names) - limit:,} more (all in {FULL_TABLE})"


def programme_findings(
    table: pd.DataFrame, cohorts: list[str], settings: Settings, limit: int | None = None
) -> list[Finding]:
    """What the side-by-side figures say about the programme, each with a next step, most urgent first.

    With a ``limit`` (a ranked report), lists of cohorts name at most that many, the lowest response rates first.
    """
    cells = cells_of(table)
    out = _lags(cells, cohorts)
    out += _hidden_cohorts(table, cohorts, settings, limit)
    out += _low_response(cells, cohorts, settings, limit)
    if not any(f.kind is Kind.LAGS for f in out):
        out.append(
            Finding(
                Kind.NO_LAG,
                Level.GOOD,
                "No cohort clearly lags another: wherever two cohorts can be compared, their 95 % intervals overlap.",
                "Read differences between cohorts as noise for now; compare again when more people have answered.",
            )
        )
    return most_urgent_first(out)


def _lags(cells: dict[tuple[str, str], Cell], cohorts: list[str]) -> list[Finding]:
    """Per compared figure, the lowest cohort when its interval lies wholly below the highest one's."""
    out: list[Finding] = []
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
                    Finding(
                        Kind.LAGS,
                        Level.ACTION,
                        f"{low} lags {high} on {what}: {cell_text(shown[low], comp.percent)} against "
                        f"{cell_text(shown[high], comp.percent)}; the 95 % intervals do not overlap.",
                        comp.next_step,
                    )
                )
    return out


def _hidden_cohorts(table: pd.DataFrame, cohorts: list[str], settings: Settings, limit: int | None) -> list[Finding]:
    """The cohorts with any figure hidden, as one finding (none when no figure is hidden)."""
    any_hidden = table["suppressed"].astype(bool).groupby(table["cohort_id"].astype(str)).any().to_dict()
    hidden = [c for c in cohorts if any_hidden.get(c, False)]
    if not hidden:
        return []
    k = settings.min_group_size
    cells = cells_of(table)
    small = [c for c in hidden if min(cells.get((c, f"enrolled.{r}"), MISSING).value or 0 for r in RATE_ROLES) < k]
    return [
        Finding(
            Kind.HIDDEN_COHORTS,
            Level.WATCH,
            f"{len(hidden)} of {plural(len(cohorts), 'cohort')} {plural(len(hidden), 'has', number=False)} figures "
            f"hidden because fewer than {k} people's answers are behind them: {_listed(hidden, limit)}.",
            hidden_cohorts_step([c for c in hidden if c not in small], small, k, limit),
        )
    ]


def hidden_cohorts_step(can_grow: list[str], small: list[str], k: int, limit: int | None = None) -> str:
    """The next step for cohorts with hidden figures: more answers only where the cohort has k people of each role.

    ``small`` are the cohorts with fewer than k mentors or mentees: no answer can show their figures, so they
    are compared together with others instead.
    """
    if not small:
        return "Collect more answers there, or compare them together as one group rather than one by one."
    one = len(small) == 1
    few = (
        f"Some figures of {_listed(small, limit)} stay hidden even when everyone answers: "
        f"{'it has' if one else 'they have'} fewer than {k} mentors or mentees. Compare {'it' if one else 'them'} "
        f"with other cohorts as one group: give {'it' if one else 'them'} and another cohort one cohort_id on the roster."
    )
    return f"Collect more answers in {_listed(can_grow, limit)}. {few}" if can_grow else few


def _low_response(
    cells: dict[tuple[str, str], Cell], cohorts: list[str], settings: Settings, limit: int | None
) -> list[Finding]:
    """Per role, the cohorts whose response rate is below ``response_rate_low`` (lowest first with a limit)."""
    out: list[Finding] = []
    for name, role in RATES:
        low_rate = [
            (c, value)
            for c in cohorts
            if (value := cells.get((c, name), MISSING).value) is not None and value < settings.response_rate_low
        ]
        if limit is not None:
            low_rate.sort(key=lambda cv: (cv[1], cv[0]))
        if low_rate:
            listed = _listed([f"{c} ({figure(v, 'pct')})" for c, v in low_rate], limit)
            out.append(
                Finding(
                    Kind.LOW_RESPONSE_COHORTS,
                    Level.ACTION,
                    f"Fewer than {figure(settings.response_rate_low, 'pct')} of {role} answered the readiness "
                    f"checklist in {listed}.",
                    f"Send the {role} who have not answered a reminder with their personal link (`mentorkit status`).",
                )
            )
    return out


# --- over time ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Change:
    """A trend finding with the size of its change and its cohort (how a ranked report orders them)."""

    size: float
    cohort: str
    finding: Finding


TREND_MORE = {  # a ranked report's summary of the clear changes over time it does not list: (level, text, next step)
    Kind.ROSE: (Level.GOOD, "clear rise", "Ask the cohorts that improved most what they did, and share it."),
    Kind.FELL: (Level.ACTION, "clear fall", "Look at the cohorts that fell most first; plan check-in rounds there."),
    Kind.HEALTH_DROPPED: (
        Level.WATCH,
        "drop of a pair health index",
        "Ask those cohorts' pairs for a check-in conversation.",
    ),
}


def _point_text(point: pd.Series, percent: bool) -> str:
    """ "58 % (32–81) on 2026-11-15" for a share, "74.5 (67.1–81.9) on …" for a mean (point already scaled)."""
    if percent:
        text = f"{point['value']:.0f} %"
        if pd.notna(point["low"]) and pd.notna(point["high"]):
            text += f" ({point['low']:.0f}–{point['high']:.0f})"
    else:
        text = interval_text(point["value"], point["low"], point["high"], percent=False)
    return f"{text} on {point['as_of']}"


def trend_findings(
    trends: pd.DataFrame, cohorts: list[str], settings: Settings, limit: int | None = None
) -> list[Finding]:
    """Clear changes over time: a cohort's figure now against its first shown month end, intervals apart.

    Also a pair health index that fell by more than ``settings.digest_health_drop`` since the month end before.
    With a ``limit``, at most that many of each kind (rose, fell, health dropped), the largest changes first
    (ties by cohort), then one finding saying how many more there are.
    """
    found: list[_Change] = []
    for figure_name, title_text, percent in TRENDED:
        points = trend_points(trends, figure_name, percent)
        by_cohort = {str(c): frame for c, frame in points.groupby("cohort", sort=False)}
        for cohort in cohorts:
            mine = by_cohort.get(cohort, points.iloc[:0]).sort_values("as_of")
            if len(mine) < 2:
                continue
            found += _rise_or_fall(cohort, mine, title_text.split(" (")[0].lower(), percent)
            if figure_name == "relationship.health_index":
                found += _health_drop(cohort, mine, settings)
    if limit is None:
        return [x.finding for x in found]
    return _at_most(found, limit)


def _rise_or_fall(cohort: str, mine: pd.DataFrame, name: str, percent: bool) -> list[_Change]:
    """A cohort's figure from its first to its last shown point, when the two intervals are apart."""
    first, last = mine.iloc[0], mine.iloc[-1]
    then, now = _point_text(first, percent), _point_text(last, percent)
    change = abs(float(last["value"] - first["value"]))
    if last["low"] > first["high"]:
        finding = Finding(
            Kind.ROSE,
            Level.GOOD,
            f"{cohort}: {name} rose from {then} to {now}; the intervals do not overlap.",
            "Find out what the cohort did differently and share it with the other cohorts.",
        )
    elif last["high"] < first["low"]:
        finding = Finding(
            Kind.FELL,
            Level.ACTION,
            f"{cohort}: {name} fell from {then} to {now}; the intervals do not overlap.",
            "Talk with the cohort's mentors about what changed, and plan a check-in round.",
        )
    else:
        return []
    return [_Change(change, cohort, finding)]


def _health_drop(cohort: str, mine: pd.DataFrame, settings: Settings) -> list[_Change]:
    """The pair health index's fall since the month end before, when more than ``digest_health_drop``."""
    before, latest = mine.iloc[-2], mine.iloc[-1]
    drop = before["value"] - latest["value"]
    if not drop > settings.digest_health_drop:
        return []
    finding = Finding(
        Kind.HEALTH_DROPPED,
        Level.WATCH,
        f"{cohort}: the pair health index fell by {drop:.1f} points since "  # one decimal, as the trends show
        f"{before['as_of']}, more than {settings.digest_health_drop:.0f}.",
        "Ask the cohort's pairs for a check-in conversation this month.",
    )
    return [_Change(float(drop), cohort, finding)]


def _more_of(what: str) -> str:
    """The plural of "more clear rise" or "more drop of a pair health index" (the first noun takes it)."""
    first, _, rest = what.partition(" of ")
    return f"more {plural_of(first)}" + (f" of {rest}" if rest else "")


def _at_most(found: list[_Change], limit: int) -> list[Finding]:
    """At most ``limit`` trend findings of each kind, the largest changes first, and a line (of that kind) for the rest."""
    out: list[Finding] = []
    for kind, (level, what, step) in TREND_MORE.items():
        mine = sorted((x for x in found if x.finding.kind is kind), key=lambda x: (-x.size, x.cohort))
        out += [x.finding for x in mine[:limit]]
        more = len(mine) - limit
        if more > 0:
            out.append(
                Finding(
                    kind,
                    level,
                    f"… and {plural(more, 'more ' + what, _more_of(what))} like {'this' if more == 1 else 'these'}, "
                    "not listed here: every cohort's month ends are in "
                    "`mentorkit export`'s cohort_trends.",
                    step,
                )
            )
    return out


# --- readiness against outcomes ----------------------------------------------------------------


def outcome_findings(table: pd.DataFrame) -> list[Finding]:
    """A clear difference between the ready and a lower band (intervals apart), stated as an association."""
    out: list[Finding] = []
    for role in dict.fromkeys(table["role"].astype(str)):
        mine = {str(r["band"]): r for r in table[table["role"] == role].to_dict("records")}
        ready = mine.get("ready")
        if ready is None:
            continue
        for which, what in (("share", "of their pairs' goals achieved"), ("health", "mean pair health")):
            top = outcome_cell(ready, which)
            for band in ("developing", "not_yet"):
                if band in mine and _apart(top, other := outcome_cell(mine[band], which)):
                    out.append(_outcome_finding(role, band, top, other, what, which == "share"))
    return out


def _apart(top: Cell, other: Cell) -> bool:
    """Both shown with intervals, and the intervals do not overlap."""
    if not (top.shown and other.shown):
        return False
    if top.low is None or top.high is None or other.low is None or other.high is None:
        return False
    return top.low > other.high or top.high < other.low


def _outcome_finding(role: str, band: str, top: Cell, other: Cell, what: str, percent: bool) -> Finding:
    lead = f"{ROLE_LABELS[role]} who started {BAND_NAMES['ready']}"
    return Finding(
        Kind.OUTCOME,
        Level.WATCH,
        f"{lead}: {with_unit(top, percent)} {what}, against "
        f"{with_unit(other, percent)} for those who started {BAND_NAMES[band]}. An association, not cause.",
        "Use readiness conversations before matching, and follow whether the gap holds in the next "
        "cohort before drawing conclusions.",
    )
