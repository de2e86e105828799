"""Programme analytics: cohorts over time, segments, and readiness against outcomes (the brief's "Programme analytics").

``trends`` gives each cohort's figure table (``figures.COLUMNS``) at every month end, computed as of that date,
with the differencing rule (``differencing.hide``) applied to the sets of people behind the figures;
``readiness_outcomes`` a person's band at their first complete readiness checklist against their pairs' outcomes.
The per-segment figures (``segments.segments``) are built from the same pieces. The figures are exactly
``figures.cohort_figures``'s; they are computed for all cohorts (and segments) of a date at once, because one
cohort at a time is far too slow for a store of hundreds of cohorts.
"""

from __future__ import annotations

import calendar
import dataclasses
import functools
import math
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from mentorkit import instruments as ins
from mentorkit.analysis import asof, differencing, score, stats
from mentorkit.analysis import figure_table as figures
from mentorkit.analysis import goals as goal_rules
from mentorkit.analysis.compared import number
from mentorkit.analysis.figure_table import Figure
from mentorkit.data import CohortData
from mentorkit.errors import unknown_cohort
from mentorkit.settings import DEFAULT, Settings

SEP = "\x1f"  # joins a cohort id to another key: ids never contain it


# --- month ends ------------------------------------------------------------------------------


def month_ends(first: date, as_of: date) -> list[date]:
    """Every month end from ``first``'s month to ``as_of``, and ``as_of`` itself last when it is not a month end."""
    out: list[date] = []
    year, month = first.year, first.month
    while True:
        end = date(year, month, calendar.monthrange(year, month)[1])
        if end > as_of:
            break
        out.append(end)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if not out or out[-1] != as_of:
        out.append(as_of)
    return out


# --- every cohort's figures as of one date, at once -----------------------------------------


@dataclass(frozen=True)
class _Prepared:
    """The data of some cohorts, keyed so that one pass over all cohorts equals one pass per cohort.

    ``score.cohort_detail`` takes a cohort's submissions by their ``cohort_id`` and its roster by the
    participant's: responses of a person filed under another cohort, check-ins on a pair of another cohort and
    goals filed under several cohorts are dropped or kept apart here the same way.
    """

    people: pd.DataFrame
    cohorts: list[str]
    readiness: dict[str, pd.DataFrame]
    pairs: pd.DataFrame
    checkins: pd.DataFrame
    goals: pd.DataFrame
    updates: pd.DataFrame


def _key(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame["cohort_id"].astype("string") + SEP + frame[column].astype("string")


def _pair_key(frame: pd.DataFrame) -> pd.Series:
    pair = pd.to_numeric(frame["pair_id"]).astype("Int64").astype("string")
    return frame["cohort_id"].astype("string") + SEP + pair


def _prepare(data: CohortData) -> _Prepared:
    people = data.participants
    readiness = {}
    for role in ins.ROLES:
        responses = data.responses[ins.readiness_for(role).id]
        own = people[people["role"] == role]
        readiness[role] = responses[score.member(_key(responses, "participant_id"), _key(own, "participant_id"))]
    checkins = data.responses["checkin"]
    checkins = checkins[score.member(_pair_key(checkins), _pair_key(data.pairs))]
    goals, updates = data.responses["goals"], data.responses["goal_updates"]
    return _Prepared(
        people=people,
        cohorts=sorted(people["cohort_id"].unique()),
        readiness=readiness,
        pairs=data.pairs,
        checkins=checkins,
        goals=goals.assign(goal_id=_key(goals, "goal_id")),
        updates=updates.assign(goal_id=_key(updates, "goal_id")),
    )


def _groups(frame: pd.DataFrame, column: str) -> dict[str, np.ndarray]:
    """A float column's values per cohort, in their order."""
    if frame.empty:
        return {}
    values = frame[column].to_numpy(dtype="float64", na_value=np.nan)
    return {str(k): values[i] for k, i in frame.groupby("cohort_id", sort=False).indices.items()}


@functools.cache
def _t_quantile(n: int) -> float:
    return float(scipy_stats.t.ppf(0.5 + stats.CONFIDENCE / 2, n - 1))


def _mean(figure: str, value: float | None, values: np.ndarray, hidden: bool) -> Figure:
    """``figures.mean`` over an array, with ``stats.t_interval``'s arithmetic and its t quantile computed once per n."""
    data = values[~np.isnan(values)]
    n = len(data)
    if hidden or value is None:
        return Figure(figure, None, n, suppressed=hidden)
    if n < 2:
        return Figure(figure, value, n)
    centre = float(data.mean())
    half = _t_quantile(n) * float(data.std(ddof=1)) / math.sqrt(n)
    return Figure(figure, value, n, max(stats.SCALE[0], centre - half), min(stats.SCALE[1], centre + half))


Pool = dict[frozenset[str], frozenset[str]]  # equal sets of people held once (most figures share a few)


def _sets(frame: pd.DataFrame, pool: Pool) -> dict[str, frozenset[str]]:
    """The set of participant ids of each cohort's rows."""
    if frame.empty:
        return {}
    ids = frame["participant_id"].astype(str).to_numpy()
    out = {}
    for cohort, rows in frame.groupby("cohort_id", sort=False).indices.items():
        found = frozenset(ids[rows])
        out[str(cohort)] = pool.setdefault(found, found)
    return out


def _on(figure: Figure, people: frozenset[str] | None) -> Figure:
    """A shown figure with the people whose answers it rests on (the differencing rule compares them)."""
    if figure.value is None or figure.suppressed or people is None:
        return figure
    return dataclasses.replace(figure, people=people)


_EMPTY_SUMMARY = {"respondents": 0, "response_rate": None, "mean_score": None, "incomplete": 0, "suppressed": True}


def _readiness(
    prep: _Prepared, role: str, as_of: date, settings: Settings, enrolled: dict[str, int], pool: Pool
) -> dict[str, list[Figure]]:
    """``figures.readiness_figures`` of every cohort for one role."""
    instrument = ins.readiness_for(role)
    name = figures.READINESS[role]
    k = settings.min_group_size
    # per cohort and person: segments copy a person's submissions into one pseudo-cohort per attribute
    current = asof.latest(asof.as_of_cut(prep.readiness[role], as_of), ["cohort_id", "participant_id"])
    scored = score.readiness_scores(current, instrument, settings)
    people = prep.people[prep.people["role"] == role]
    capacity = bool(instrument.capacity_items)
    table = score.readiness_table(scored, people.groupby("cohort_id").size(), settings, capacity=capacity)
    summaries = table.to_dict("index")
    values = _groups(scored[scored["complete"]], "score")
    item_ids = [i.id for i in instrument.scored_items]
    complete_sets, respondent_sets = _sets(scored[scored["complete"]], pool), _sets(current, pool)
    item_sets = {item: _sets(current[current[item].notna()], pool) for item in item_ids}
    by_cohort = current.groupby("cohort_id")[item_ids]
    answered = by_cohort.count().to_dict("index")
    yes = by_cohort.sum().to_dict("index")
    nothing = np.array([], dtype="float64")
    out: dict[str, list[Figure]] = {}
    for cohort, n_enrolled in enrolled.items():
        row = summaries.get(cohort) or _EMPTY_SUMMARY | dict.fromkeys((*score.BANDS, "capacity_risk"))
        hidden = bool(row["suppressed"])
        respondents = int(row["respondents"])
        mine = values.get(cohort, nothing)
        n_scored = len(mine)
        complete = complete_sets.get(cohort)
        rows = [
            figures.count(f"{name}.respondents", respondents, n_enrolled),
            figures.count(f"{name}.response_rate", number(row["response_rate"]), n_enrolled),
            _on(_mean(f"{name}.mean_score", number(row["mean_score"]), mine, hidden), complete),
            *(
                _on(figures.count(f"{name}.{band}", number(row[band]), n_scored, hidden), complete)
                for band in score.BANDS
            ),
            figures.count(f"{name}.incomplete", int(row["incomplete"]), respondents),
        ]
        if capacity:
            risk = figures.count(f"{name}.capacity_risk", number(row["capacity_risk"]), respondents, hidden)
            rows.append(_on(risk, respondent_sets.get(cohort)))
        ready = number(row["ready"])
        share_ready = figures.share(f"{name}.share_ready", None if ready is None else int(ready), n_scored, hidden)
        rows.append(_on(share_ready, complete))
        n_items, yes_items = answered.get(cohort, {}), yes.get(cohort, {})
        for item in item_ids:
            n = int(n_items.get(item, 0))
            small = n < k
            rate = figures.share(f"{name}.items.{item}.yes_rate", None if small else int(yes_items[item]), n, small)
            rows.append(_on(rate, item_sets[item].get(cohort)))
        out[cohort] = rows
    return out


def _relationship(prep: _Prepared, as_of: date, settings: Settings, pool: Pool) -> dict[str, list[Figure]]:
    """``figures.relationship_figures`` of every cohort."""
    k = settings.min_group_size
    table = score.pair_table(prep.pairs, prep.checkins, as_of, settings)
    cut = asof.as_of_cut(prep.checkins, as_of)
    cut = cut[score.member(cut["pair_id"], table["pair_id"])]
    people = cut.groupby("cohort_id")["participant_id"].nunique().to_dict()
    answered = _sets(cut, pool)
    health = _groups(table, "health")
    statuses = table.groupby(["cohort_id", "status"]).size().to_dict()
    gaps = table.groupby("cohort_id")["perception_gap"].sum().to_dict()
    nothing = np.array([], dtype="float64")
    out: dict[str, list[Figure]] = {}
    for cohort in prep.cohorts:
        values = health.get(cohort, nothing)
        pairs = len(values)
        hidden = int(people.get(cohort, 0)) < k
        mean = None if hidden else number(pd.Series(values).mean())

        def counted(status: str, cohort: str = cohort) -> int:
            return int(statuses.get((cohort, status), 0))

        on_track = None if hidden else counted("on_track")
        who = answered.get(cohort)
        out[cohort] = [
            figures.count("relationship.pairs", pairs, pairs),
            _on(_mean("relationship.health_index", mean, values, hidden), who),
            _on(figures.count("relationship.on_track", on_track, pairs, hidden), who),
            _on(
                figures.count(
                    "relationship.needs_checkin", None if hidden else counted("needs_checkin"), pairs, hidden
                ),
                who,
            ),
            figures.count("relationship.too_early", counted("too_early"), pairs),
            _on(
                figures.count(
                    "relationship.perception_gaps", None if hidden else int(gaps.get(cohort, 0)), pairs, hidden
                ),
                who,
            ),
            _on(figures.share("relationship.share_on_track", on_track, pairs, hidden), who),
        ]
    return out


def _goals(prep: _Prepared, as_of: date, settings: Settings) -> dict[str, list[Figure]]:
    """``figures.goal_figures`` of every cohort."""
    table = goal_rules.goal_table(prep.goals, prep.updates, as_of, settings)
    g = table.groupby("cohort_id")
    sums = pd.DataFrame(
        {"total": g.size(), "mutually_agreed": g["mutually_agreed"].sum(), "stale": g["stale"].sum()}
    ).to_dict("index")
    statuses = table.groupby(["cohort_id", "status"]).size().to_dict()
    out: dict[str, list[Figure]] = {}
    for cohort in prep.cohorts:
        counts = dict(sums.get(cohort, {"total": 0, "mutually_agreed": 0, "stale": 0}))
        counts |= {s: statuses.get((cohort, s), 0) for s in goal_rules.GOAL_STATUSES}
        summary = goal_rules.GoalSummary(**{key: int(value) for key, value in counts.items()})
        total = summary.total
        rows = [
            figures.count(f"goals.{key}", getattr(summary, key), total)
            for key in goal_rules.GoalSummary.__dataclass_fields__
        ]
        out[cohort] = [*rows, figures.share("goals.share_achieved", summary.achieved, total, False)]
    return out


def _snapshot(
    prep: _Prepared, as_of: date, settings: Settings, pool: Pool | None = None
) -> list[tuple[str, list[Figure]]]:
    """Every cohort's figures as of a date, in ``figures.detail_figures``'s order."""
    pool = {} if pool is None else pool
    roles = prep.people.groupby(["cohort_id", "role"]).size().to_dict()
    enrolled = {role: {c: int(roles.get((c, role), 0)) for c in prep.cohorts} for role in ins.ROLES}
    readiness = {role: _readiness(prep, role, as_of, settings, enrolled[role], pool) for role in ins.ROLES}
    relationship = _relationship(prep, as_of, settings, pool)
    goals = _goals(prep, as_of, settings)
    out = []
    for cohort in prep.cohorts:
        rows = [figures.count(f"enrolled.{r}", enrolled[r][cohort], enrolled[r][cohort]) for r in ins.ROLES]
        for role in ins.ROLES:
            rows += readiness[role][cohort]
        out.append((cohort, rows + relationship[cohort] + goals[cohort]))
    return out


def _frame(snapshots: list[tuple[date, list[tuple[str, list[Figure]]]]]) -> pd.DataFrame:
    """The tidy table (``figures.COLUMNS``, ``figures.detail_figures``'s dtypes) of several snapshots."""
    cohort, when, rows = [], [], []
    for as_of, cohorts in snapshots:
        stamp = pd.Timestamp(as_of)
        for c, figs in cohorts:
            cohort += [c] * len(figs)
            when += [stamp] * len(figs)
            rows += figs
    frame = pd.DataFrame(
        {
            "cohort_id": pd.array(cohort, dtype="string"),
            "as_of": pd.array(when, dtype="datetime64[us]"),
            "figure": pd.array([f.figure for f in rows], dtype="string"),
            "value": pd.array([f.value for f in rows], dtype="Float64"),
            "n": pd.array([f.n for f in rows], dtype="Int64"),
            "ci_low": pd.array([f.ci_low for f in rows], dtype="Float64"),
            "ci_high": pd.array([f.ci_high for f in rows], dtype="Float64"),
            "suppressed": np.array([f.suppressed for f in rows], dtype=bool),
            "suppressed_reason": pd.array([figures.MIN_GROUP if f.suppressed else None for f in rows], dtype="string"),
            PEOPLE: pd.Series([f.people for f in rows], dtype=object),
        }
    )
    return frame


PEOPLE = "_people"  # the internal column of each figure's set of people (dropped before a table leaves)


def _difference(frame: pd.DataFrame, order: list[str], ascending: list[bool], k: int) -> np.ndarray:
    """The differencing rule over a figure table with its sets: which rows to hide, kept in ``order``'s order."""
    ranked = frame.sort_values(order, ascending=ascending, kind="stable")
    groups = list(zip(ranked["cohort_id"], ranked["figure"], strict=True))
    hidden = differencing.hide(list(ranked[PEOPLE]), groups, k)
    mask = np.zeros(len(frame), dtype=bool)
    mask[frame.index.get_indexer(ranked.index[hidden])] = True
    return mask


def _hide_differencing(frame: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """These rows hidden by the differencing rule: no value or interval (n stays, as for any hidden figure)."""
    out = frame.copy()
    rows = pd.Series(mask, index=frame.index)
    for column in ("value", "ci_low", "ci_high"):
        out[column] = out[column].mask(rows)
    out["suppressed"] = out["suppressed"] | rows
    out["suppressed_reason"] = out["suppressed_reason"].mask(rows, differencing.REASON)
    out[PEOPLE] = out[PEOPLE].mask(rows, None)
    return out


def _subset(data: CohortData, cohorts: list[str] | None) -> CohortData:
    """The data of these cohorts (all when None); an unknown cohort is a usage error."""
    if cohorts is None:
        return data
    known = set(data.participants["cohort_id"].unique())
    for cohort in cohorts:
        if cohort not in known:
            raise unknown_cohort(cohort, known)
    chosen = pd.Series(sorted(set(cohorts)), dtype="string")

    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[score.member(frame["cohort_id"], chosen)]

    return CohortData(
        participants=keep(data.participants),
        pairs=keep(data.pairs),
        responses={name: keep(frame) for name, frame in data.responses.items()},
    )


def first_date(data: CohortData, as_of: date) -> date:
    """The earliest ``matched_on`` of the data; before anyone is matched, its earliest submission; else ``as_of``."""
    matched = data.participants["matched_on"].min()
    if pd.notna(matched):
        return min(pd.Timestamp(matched).date(), as_of)
    submitted = [frame["submitted_at"].min() for frame in data.responses.values() if len(frame)]
    earliest = min((t for t in submitted if pd.notna(t)), default=None)
    return as_of if earliest is None else min(pd.Timestamp(earliest).date(), as_of)


def trends(
    data: CohortData,
    cohorts: list[str] | None,
    as_of: date,
    settings: Settings = DEFAULT,
    only: Collection[str] | None = None,
) -> pd.DataFrame:
    """Each cohort's figures (``figures.COLUMNS``) at every month end from the earliest ``matched_on`` to ``as_of``.

    Each date's figures are those ``figures.cohort_figures`` gives as of that date (the whole day, UTC): what
    was known then. Rows are sorted by cohort, then date, then the figure table's own order. When none of the
    chosen cohorts has a match date yet, the months start at the earliest submission. ``only`` keeps just these
    figures (all when None). Each date's figures become a table before the next date is scored, so memory holds
    one date's figure objects at a time, not every month's.
    """
    frame = _trends(_subset(data, cohorts), as_of, settings, only)
    if frame.empty:
        return figures.empty()
    return frame.drop(columns=PEOPLE)


def _trends(chosen: CohortData, as_of: date, settings: Settings, only: Collection[str] | None = None) -> pd.DataFrame:
    """``trends`` with each figure's set of people (``PEOPLE``), the differencing rule applied."""
    prep = _prepare(chosen)
    keep = None if only is None else set(only)
    pool: Pool = {}
    parts = []
    for day in month_ends(first_date(chosen, as_of), as_of):
        snapshot = _snapshot(prep, day, settings, pool)
        if keep is not None:
            snapshot = [(c, [f for f in figs if f.figure in keep]) for c, figs in snapshot]
        parts.append(_frame([(day, snapshot)]))
    frame = pd.concat(parts, ignore_index=True) if parts else _frame([])
    if frame.empty:
        return frame
    frame = frame.sort_values(["cohort_id", "as_of"], kind="stable", ignore_index=True)
    # a point over an older set is hidden when a newer one differs from it by 1 to k − 1 people
    mask = _difference(frame, ["as_of"], [False], settings.min_group_size)
    return _hide_differencing(frame, mask)


def figures_as_of(
    data: CohortData, cohorts: list[str] | None, as_of: date, settings: Settings = DEFAULT
) -> pd.DataFrame:
    """Every chosen cohort's figures as of one date, scored together: equal to ``figures.cohort_figures`` per cohort."""
    chosen = _subset(data, cohorts)
    frame = _frame([(as_of, _snapshot(_prepare(chosen), as_of, settings))])
    if frame.empty:
        return figures.empty()
    return frame.sort_values(["cohort_id"], kind="stable", ignore_index=True).drop(columns=PEOPLE)


# --- readiness and outcomes --------------------------------------------------------------------

OUTCOME_COLUMNS = (
    "role",
    "band",
    "people",
    "goals",
    "share_achieved",
    "share_ci_low",
    "share_ci_high",
    "pairs",
    "health",
    "health_ci_low",
    "health_ci_high",
    "suppressed",
)
OUTCOME_ROLES = {"mentee": "mentee_id", "mentor": "mentor_id"}  # mentees first, as the report shows them


def _first_bands(prep: _Prepared, role: str, as_of: date, settings: Settings) -> pd.DataFrame:
    """Each person's band at their first complete readiness checklist as of the date (``participant_id, band``)."""
    scored = score.readiness_scores(asof.as_of_cut(prep.readiness[role], as_of), ins.readiness_for(role), settings)
    complete = scored[scored["complete"]].sort_values(["submitted_at", "submission_id"], kind="stable")
    return complete.drop_duplicates("participant_id", keep="first")[["participant_id", "band"]]


def readiness_outcomes(
    data: CohortData, cohorts: list[str] | None, as_of: date, settings: Settings = DEFAULT
) -> pd.DataFrame:
    """Per role and readiness band at the first complete checklist: their pairs' share of goals achieved and health.

    For mentees and for mentors (``OUTCOME_COLUMNS``), over the chosen cohorts together (all when None): the
    people whose first complete readiness checklist (as of the date) fell in each band; the goals of their current pairs, with the share achieved and its Wilson
    interval (n = goals); their pairs, with the mean pair health and its t interval (n = pairs with a health).
    A cell of fewer than ``min_group_size`` people shows no share, health or interval. This is an association
    between readiness at the start and later outcomes, not evidence that readiness causes them.
    """
    chosen = _subset(data, cohorts)
    prep = _prepare(chosen)
    pairs = score.pair_table(prep.pairs, prep.checkins, as_of, settings)
    pairs = pairs.assign(pair_id=pd.to_numeric(pairs["pair_id"]).astype("Int64"))
    goals = goal_rules.goal_table(prep.goals, prep.updates, as_of, settings)
    goals = pd.DataFrame(
        {"pair_id": pd.to_numeric(goals["pair_id"]).astype("Int64"), "achieved": goals["status"] == "achieved"}
    )
    k = settings.min_group_size
    rows = []
    for role, side in OUTCOME_ROLES.items():
        bands = _first_bands(prep, role, as_of, settings)
        theirs = pairs.merge(bands, left_on=side, right_on="participant_id")
        their_goals = goals.merge(theirs[["pair_id", "band"]], on="pair_id")
        for band in score.BANDS:
            people = int((bands["band"] == band).sum())
            health = theirs.loc[theirs["band"] == band, "health"].dropna().to_numpy(dtype="float64")
            achieved = their_goals.loc[their_goals["band"] == band, "achieved"]
            hidden = people < k
            share = None if hidden or achieved.empty else stats.wilson(int(achieved.sum()), len(achieved))
            spread = None if hidden else stats.t_interval(health)
            rows.append(
                {
                    "role": role,
                    "band": band,
                    "people": people,
                    "goals": len(achieved),
                    "share_achieved": None if share is None else float(achieved.mean()),
                    "share_ci_low": None if share is None else share[0],
                    "share_ci_high": None if share is None else share[1],
                    "pairs": len(health),
                    "health": None if hidden or len(health) == 0 else float(health.mean()),
                    "health_ci_low": None if spread is None else spread[0],
                    "health_ci_high": None if spread is None else spread[1],
                    "suppressed": hidden,
                }
            )
    frame = pd.DataFrame(rows, columns=list(OUTCOME_COLUMNS))
    floats = [c for c in OUTCOME_COLUMNS if c.startswith(("share", "health"))]
    return frame.astype(
        {"role": "string", "band": "string", "people": "int64", "goals": "int64", "pairs": "int64"}
        | dict.fromkeys(floats, "Float64")
    )
