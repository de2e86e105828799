"""A cohort's figures as one tidy table with n and 95 % intervals (the brief's "Programme analytics").

One row per figure: ``cohort_id, as_of, figure, value, n, ci_low, ci_high, suppressed``. Figure names are the
dotted paths of ``mentorkit score --json`` (``mentor_readiness.mean_score``) plus the shares the brief names
(``mentor_readiness.share_ready``, ``relationship.share_on_track``, ``goals.share_achieved``) and the item yes
rates (``mentor_readiness.items.<item_id>.yes_rate``). Values are exactly ``score``'s, unrounded: shares and
response rates are fractions (0–1), scores and health 0–100. Shares get Wilson intervals, means Student-t
intervals; counts and response rates (a whole population) get none, and neither do suppressed figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from mentorkit import instruments as ins
from mentorkit.analysis import score, stats
from mentorkit.analysis.goals import GoalSummary
from mentorkit.data import CohortData
from mentorkit.settings import DEFAULT, Settings

COLUMNS = ("cohort_id", "as_of", "figure", "value", "n", "ci_low", "ci_high", "suppressed", "suppressed_reason")
MIN_GROUP = "min_group_size"  # the suppressed_reason of a figure over fewer than k people
READINESS = {"mentor": "mentor_readiness", "mentee": "mentee_readiness"}


@dataclass(frozen=True)
class Figure:
    """One figure of one cohort: its value (None when suppressed or undefined), n and interval."""

    figure: str
    value: float | None
    n: int
    ci_low: float | None = None
    ci_high: float | None = None
    suppressed: bool = False
    people: frozenset[str] | None = field(default=None, compare=False, repr=False)  # whose answers it rests on


def share(figure: str, successes: int | None, n: int, suppressed: bool) -> Figure:
    """successes ÷ n with its Wilson interval; None when suppressed or n is 0."""
    if suppressed or successes is None or n == 0:
        return Figure(figure, None, n, suppressed=suppressed)
    interval = stats.wilson(successes, n)
    assert interval is not None  # n > 0
    return Figure(figure, successes / n, n, *interval)


def mean(figure: str, value: float | None, values: pd.Series, suppressed: bool) -> Figure:
    """A mean on 0–100 with its t interval over ``values`` (none below two values or when suppressed)."""
    n = int(values.notna().sum())
    if suppressed or value is None:
        return Figure(figure, None, n, suppressed=suppressed)
    interval = stats.t_interval(values.to_numpy(dtype="float64", na_value=float("nan")))
    low, high = interval if interval is not None else (None, None)
    return Figure(figure, value, n, low, high)


def count(figure: str, value: float | None, n: int, suppressed: bool = False) -> Figure:
    """A count or a population rate: no interval."""
    return Figure(figure, None if value is None else float(value), n, suppressed=suppressed and value is None)


def readiness_figures(detail: score.CohortDetail, data: CohortData, role: str, settings: Settings) -> list[Figure]:
    """Respondents, response rate, mean score, bands, share ready and item yes rates of one role."""
    name = READINESS[role]
    summary: score.ReadinessSummary = getattr(detail.score, name)
    enrolled = detail.score.enrolled[role]
    scored = detail.readiness[role]
    complete = scored[scored["complete"]] if len(scored) else scored
    n_scored = len(complete)
    hidden = summary.suppressed
    out = [
        count(f"{name}.respondents", summary.respondents, enrolled),
        count(f"{name}.response_rate", summary.response_rate, enrolled),
        mean(f"{name}.mean_score", summary.mean_score, complete["score"] if n_scored else pd.Series([]), hidden),
    ]
    out += [count(f"{name}.{band}", getattr(summary, band), n_scored, hidden) for band in score.BANDS]
    out.append(count(f"{name}.incomplete", summary.incomplete, summary.respondents))
    if role == "mentee":
        out.append(count(f"{name}.capacity_risk", summary.capacity_risk, summary.respondents, hidden))
    out.append(share(f"{name}.share_ready", summary.ready, n_scored, hidden))
    instrument = ins.readiness_for(role)
    items = score.item_yes_rates(scored, data.responses[instrument.id], instrument, settings)
    order = {item.id: n for n, item in enumerate(instrument.scored_items)}
    items = items.sort_values("item_id", key=lambda ids: ids.map(order), kind="stable")
    for row in items.itertuples(index=False):
        answered = int(row.answered)
        rate = row.yes_rate
        yes = None if rate is None or pd.isna(rate) else round(float(rate) * answered)
        out.append(share(f"{name}.items.{row.item_id}.yes_rate", yes, answered, answered < settings.min_group_size))
    return out


def relationship_figures(detail: score.CohortDetail) -> list[Figure]:
    """Pairs, health index, statuses, perception gaps and the share on track."""
    r = detail.score.relationship
    pairs = r.pairs
    hidden = r.suppressed
    return [
        count("relationship.pairs", pairs, pairs),
        mean("relationship.health_index", r.health_index, detail.pairs["health"].astype("float64"), hidden),
        count("relationship.on_track", r.on_track, pairs, hidden),
        count("relationship.needs_checkin", r.needs_checkin, pairs, hidden),
        count("relationship.too_early", r.too_early, pairs),
        count("relationship.perception_gaps", r.perception_gaps, pairs, hidden),
        share("relationship.share_on_track", r.on_track, pairs, hidden),
    ]


def goal_figures(detail: score.CohortDetail) -> list[Figure]:
    """Goal counts by status and the share achieved (goals are never suppressed)."""
    g = detail.score.goals
    counts = [count(f"goals.{key}", getattr(g, key), g.total) for key in GoalSummary.__dataclass_fields__]
    return [*counts, share("goals.share_achieved", g.achieved, g.total, False)]


def detail_figures(detail: score.CohortDetail, data: CohortData, settings: Settings = DEFAULT) -> pd.DataFrame:
    """The tidy figure table of a cohort already scored (``score.cohort_detail``)."""
    s = detail.score
    rows = [count(f"enrolled.{role}", s.enrolled[role], s.enrolled[role]) for role in ins.ROLES]
    for role in ins.ROLES:
        rows += readiness_figures(detail, data, role, settings)
    rows += relationship_figures(detail)
    rows += goal_figures(detail)
    frame = pd.DataFrame(
        {
            "cohort_id": s.cohort,
            "as_of": pd.Timestamp(s.as_of),
            "figure": [f.figure for f in rows],
            "value": pd.array([f.value for f in rows], dtype="Float64"),
            "n": pd.array([f.n for f in rows], dtype="Int64"),
            "ci_low": pd.array([f.ci_low for f in rows], dtype="Float64"),
            "ci_high": pd.array([f.ci_high for f in rows], dtype="Float64"),
            "suppressed": [f.suppressed for f in rows],
            "suppressed_reason": pd.array([MIN_GROUP if f.suppressed else None for f in rows], dtype="string"),
        }
    )
    return frame.astype({"cohort_id": "string", "figure": "string", "as_of": "datetime64[us]"})


def cohort_figures(data: CohortData, cohort_id: str, as_of: date, settings: Settings = DEFAULT) -> pd.DataFrame:
    """Score one cohort as of a date and return its tidy figure table."""
    return detail_figures(score.cohort_detail(data, cohort_id, as_of, settings), data, settings)


def programme_figures(
    data: CohortData, cohorts: list[str] | None, as_of: date, settings: Settings = DEFAULT
) -> pd.DataFrame:
    """The figure tables of several cohorts (all in ``data`` when None), one after another, sorted by id."""
    chosen = sorted(data.participants["cohort_id"].unique()) if cohorts is None else sorted(cohorts)
    frames = [cohort_figures(data, c, as_of, settings) for c in chosen]
    return pd.concat(frames, ignore_index=True) if frames else empty()


def empty() -> pd.DataFrame:
    """A figure table with no rows and the right columns."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})


def interval_text(value: float | None, low: float | None, high: float | None, percent: bool = False) -> str:
    """ "72 (61–83)": a share in whole percent or a mean to one decimal, with its interval when it has one."""
    if value is None or pd.isna(value):
        return ""
    scale, form = (100.0, "{:.0f}") if percent else (1.0, "{:.1f}")
    text = form.format(scale * value)
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return text
    return f"{text} ({form.format(scale * low)}–{form.format(scale * high)})"
