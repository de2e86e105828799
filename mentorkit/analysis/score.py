"""The brief's scoring rules, one small pure function each, over pandas DataFrames.

Nothing here reads the database or files: ``score_cohort`` takes a ``CohortData`` (``mentorkit.data``) and an
as-of date and returns a frozen ``CohortScore``. Thresholds come from ``Settings``. Here: readiness and
relationships, and the cohort's score that gathers them with the goals (``goals``) and the reliability and
data quality (``quality``), over the submissions that count as of the date (``asof``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import overload

import numpy as np
import pandas as pd

from mentorkit import instruments as ins
from mentorkit.analysis.asof import as_of_cut, days_before, latest
from mentorkit.analysis.goals import GoalSummary, goal_summary, goal_table_cut
from mentorkit.analysis.quality import data_quality, reliability_items
from mentorkit.data import CohortData
from mentorkit.errors import UsageError, unknown_cohort
from mentorkit.settings import DEFAULT
from mentorkit.settings import Settings as Settings  # re-exported: callers use score.Settings

BANDS = ("ready", "developing", "not_yet")
PAIR_STATUSES = ("on_track", "needs_checkin", "too_early")


def parse_as_of(text: str | date | None) -> date:
    """An as-of date from ISO text (default: today, UTC); a clear error otherwise."""
    if text is None:
        return datetime.now(UTC).date()
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise UsageError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


# --- shared rules ------------------------------------------------------------------------------


def member(values: pd.Series, allowed: pd.Series) -> np.ndarray:
    """``values.isin(allowed)`` through an index lookup (far faster on string columns)."""
    found: np.ndarray = pd.Index(allowed.unique()).get_indexer(values) >= 0
    return found


@overload
def suppress(value: int, n: int, k: int) -> int | None: ...
@overload
def suppress(value: float | None, n: int, k: int) -> float | None: ...
def suppress(value: float | int | None, n: int, k: int) -> float | int | None:
    """A figure over fewer than k people is suppressed (None)."""
    return None if n < k else value


# --- readiness ---------------------------------------------------------------------------------


def readiness_band(score: pd.Series, settings: Settings = DEFAULT) -> pd.Series:
    """ready from ``band_ready``, developing from ``band_developing``, else not_yet; missing where there is no score."""
    band = np.select(
        [score >= settings.band_ready, score >= settings.band_developing, score < settings.band_developing],
        list(BANDS),
        default="",
    )
    return pd.Series(band, index=score.index, dtype="string").replace("", pd.NA)


def readiness_scores(responses: pd.DataFrame, instrument: ins.Instrument, settings: Settings = DEFAULT) -> pd.DataFrame:
    """Per submission: answered, yes, complete, score (100 × yes ÷ answered), band, capacity risk."""
    items = [i.id for i in instrument.scored_items]
    answers = responses[items].astype("float64")
    out = responses.drop(columns=items).copy()
    out["answered"] = answers.notna().sum(axis=1)
    out["yes"] = answers.sum(axis=1, min_count=1).fillna(0)
    out["complete"] = out["answered"] >= instrument.min_answered(settings)
    out["score"] = (100 * out["yes"] / out["answered"]).where(out["complete"])
    out["band"] = readiness_band(out["score"], settings)
    if instrument.capacity_items:
        out["capacity_risk"] = (answers[list(instrument.capacity_items)] == 0).any(axis=1)
    else:
        out["capacity_risk"] = False
    return out


@dataclass(frozen=True)
class ReadinessSummary:
    """A cohort's figures for one readiness checklist (None where suppressed)."""

    respondents: int
    response_rate: float | None
    mean_score: float | None
    ready: int | None
    developing: int | None
    not_yet: int | None
    incomplete: int
    suppressed: bool
    capacity_risk: int | None = None


def readiness_table(
    scored: pd.DataFrame, enrolled: pd.Series, settings: Settings = DEFAULT, capacity: bool = False
) -> pd.DataFrame:
    """Per cohort: respondents, response rate, mean score, band counts, complete, incomplete, suppression.

    The score figures are hidden (``suppressed``) when fewer than k complete checklists are behind them.

    ``scored`` is the latest scored submission per respondent (any number of cohorts);
    ``enrolled`` counts enrolled participants of the role per cohort.
    """
    g = scored.groupby("cohort_id")
    table = pd.DataFrame(
        {
            "respondents": g.size(),
            "mean_score": g["score"].mean(),
            "incomplete": (~scored["complete"]).groupby(scored["cohort_id"]).sum(),
            "complete": scored["complete"].groupby(scored["cohort_id"]).sum(),
            "capacity_risk": g["capacity_risk"].sum(),
        }
    )
    bands = scored.groupby(["cohort_id", "band"]).size().unstack(fill_value=0)
    table = table.join(bands.reindex(columns=list(BANDS), fill_value=0))
    table = table.reindex(enrolled.index.union(table.index))
    table["respondents"] = table["respondents"].fillna(0).astype(int)
    table["incomplete"] = table["incomplete"].fillna(0).astype(int)
    table["complete"] = table["complete"].fillna(0).astype(int)
    table[["capacity_risk", *BANDS]] = table[["capacity_risk", *BANDS]].fillna(0).astype(int)
    table["enrolled"] = enrolled.reindex(table.index).fillna(0).astype(int)
    table["response_rate"] = (table["respondents"] / table["enrolled"]).where(table["enrolled"] > 0)
    # the people behind a score, band or share are the complete checklists, not every respondent
    table["suppressed"] = table["complete"] < settings.min_group_size
    hidden = ["mean_score", *BANDS, "capacity_risk"]
    table[hidden] = table[hidden].astype("object").where(~table["suppressed"], None)
    if not capacity:
        table = table.drop(columns="capacity_risk")
    return table


def readiness_by_cohort(
    responses: pd.DataFrame, participants: pd.DataFrame, role: str, as_of: date, settings: Settings = DEFAULT
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Readiness figures of every cohort at once, and the latest scored submission per person."""
    return _readiness_by_cohort(as_of_cut(responses, as_of), participants, role, settings)


def _readiness_by_cohort(
    cut: pd.DataFrame, participants: pd.DataFrame, role: str, settings: Settings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``readiness_by_cohort`` over responses already cut to the as-of date."""
    instrument = ins.readiness_for(role)
    people = participants[participants["role"] == role]
    # latest per person first, then keep the role's people: the same rows, far fewer to filter
    current = latest(cut, ["participant_id"])
    current = current[member(current["participant_id"], people["participant_id"])]
    scored = readiness_scores(current, instrument, settings)
    enrolled = people.groupby("cohort_id").size()
    table = readiness_table(scored, enrolled, settings, capacity=bool(instrument.capacity_items))
    return table, scored


def readiness_summary(
    responses: pd.DataFrame, participants: pd.DataFrame, role: str, as_of: date, settings: Settings = DEFAULT
) -> tuple[ReadinessSummary, pd.DataFrame]:
    """One cohort's readiness figures for a role, and the latest scored submission per person."""
    return _readiness_summary(as_of_cut(responses, as_of), participants, role, settings)


def _readiness_summary(
    cut: pd.DataFrame, participants: pd.DataFrame, role: str, settings: Settings
) -> tuple[ReadinessSummary, pd.DataFrame]:
    """``readiness_summary`` over responses already cut to the as-of date."""
    instrument = ins.readiness_for(role)
    cohort = participants["cohort_id"].iloc[0] if len(participants) else "-"
    people = participants[participants["role"] == role]
    # readiness_table's figures for this one cohort, without its per-cohort groupbys and joins
    current = latest(cut, ["participant_id"])
    current = current[member(current["participant_id"], people["participant_id"])]
    scored = readiness_scores(current.assign(cohort_id=cohort), instrument, settings)
    if people.empty:  # nobody of this role enrolled
        return ReadinessSummary(0, None, None, None, None, None, 0, True, None), scored
    respondents, enrolled = len(scored), len(people)
    suppressed = int(scored["complete"].sum()) < settings.min_group_size  # the people behind the score figures
    bands = scored["band"].value_counts()
    capacity = int(scored["capacity_risk"].sum()) if instrument.capacity_items else None
    # the mean as readiness_table's groupby takes it (the same summation, so the same last digit)
    mean = scored.groupby("cohort_id")["score"].mean()
    summary = ReadinessSummary(
        respondents=respondents,
        response_rate=respondents / enrolled,
        mean_score=None if suppressed or mean.empty else _num(mean.iloc[0]),
        ready=None if suppressed else int(bands.get("ready", 0)),
        developing=None if suppressed else int(bands.get("developing", 0)),
        not_yet=None if suppressed else int(bands.get("not_yet", 0)),
        incomplete=int((~scored["complete"]).sum()),
        suppressed=suppressed,
        capacity_risk=None if suppressed else capacity,
    )
    return summary, scored


def item_yes_rates(
    scored_latest: pd.DataFrame, responses: pd.DataFrame, instrument: ins.Instrument, settings: Settings = DEFAULT
) -> pd.DataFrame:
    """Per item: answered and yes rate over the latest submissions, weakest first (None if < k)."""
    rows = responses[responses["submission_id"].isin(scored_latest["submission_id"])]
    out = []
    for item in instrument.scored_items:
        answered = int(rows[item.id].notna().sum())
        rate = float(rows[item.id].mean()) if answered else None
        out.append(
            {
                "item_id": item.id,
                "question": item.text,
                "answered": answered,
                "yes_rate": suppress(rate, answered, settings.min_group_size),
            }
        )
    table = pd.DataFrame(out)
    return table.sort_values("yes_rate", na_position="last", kind="stable").reset_index(drop=True)


# --- relationship check-ins --------------------------------------------------------------------


def checkin_health(responses: pd.DataFrame, settings: Settings = DEFAULT) -> pd.Series:
    """(mean of answered elements − 1) ÷ 4 × 100, needing ``checkin_min_answered`` of the 7 answered."""
    elements = responses[list(ins.CHECKIN_ELEMENTS)].astype("float64")
    answered = elements.notna().sum(axis=1)
    health = (elements.mean(axis=1) - 1) / 4 * 100
    return health.where(answered >= settings.checkin_min_answered)


def matched_pairs(pairs: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """The pairs matched on or before the as-of date."""
    return pairs[pairs["matched_on"] <= pd.Timestamp(as_of)]


def pair_checkins(pairs: pd.DataFrame, checkins: pd.DataFrame) -> pd.DataFrame:
    """The check-ins about these pairs (as given: the caller has cut them to the as-of date)."""
    return checkins[checkins["pair_id"].isin(pairs["pair_id"])]


def pair_table(pairs: pd.DataFrame, checkins: pd.DataFrame, as_of: date, settings: Settings = DEFAULT) -> pd.DataFrame:
    """Per matched pair (as of the date): each side's latest health, pair health, gap, status and reasons."""
    matched = matched_pairs(pairs, as_of)
    return _pair_table(matched, pair_checkins(matched, as_of_cut(checkins, as_of)), as_of, settings)


def _pair_table(pairs: pd.DataFrame, current: pd.DataFrame, as_of: date, settings: Settings) -> pd.DataFrame:
    """``pair_table`` of matched pairs and their check-ins, already cut to the as-of date.

    Each side's latest check-in is placed by the pair's position with numpy: a merge, a join and
    per-side reindexing were most of a cohort's scoring.
    """
    out = pairs.set_index("pair_id")
    # a pair may appear more than once (programme segments copy it per attribute): work per pair id
    rows_of, ids = pd.factorize(out.index)
    n = len(ids)
    first = np.unique(rows_of, return_index=True)[1]
    pos = ids.get_indexer(current["pair_id"])
    mentor_ids = out["mentor_id"].to_numpy(dtype=object)[first]
    mentee = (current["participant_id"].fillna("").to_numpy(dtype=object) != mentor_ids[pos]).astype(np.int64)
    last = latest(current.assign(_side=pos * 2 + mentee), ["_side"])
    side = last["_side"].to_numpy() % 2
    at_pair = last["_side"].to_numpy() // 2
    elements = last[list(ins.CHECKIN_ELEMENTS)].to_numpy(dtype="float64", na_value=np.nan)
    health = checkin_health(last, settings).to_numpy(dtype="float64", na_value=np.nan)
    when = last["submitted_at"].to_numpy()
    at_dtype = current["submitted_at"].dtype
    grids = {}
    for code, name in ((0, "mentor"), (1, "mentee")):
        rows = side == code
        h = np.full(n, np.nan)
        h[at_pair[rows]] = health[rows]
        t = np.full(n, np.datetime64("NaT"), dtype=when.dtype)
        t[at_pair[rows]] = when[rows]
        e = np.full((n, len(ins.CHECKIN_ELEMENTS)), np.nan)
        e[at_pair[rows]] = elements[rows]
        grids[name] = (h, t, e)
        out[f"{name}_health"] = h[rows_of]
        out[f"{name}_at"] = pd.Series(t[rows_of], index=out.index).astype(at_dtype)
    (hm, tm, em), (he, te, ee) = grids["mentor"], grids["mentee"]
    either = ~np.isnan(hm) | ~np.isnan(he)
    total = np.where(np.isnan(hm), 0.0, hm) + np.where(np.isnan(he), 0.0, he)
    count = (~np.isnan(hm)).astype(np.int64) + (~np.isnan(he)).astype(np.int64)
    out["health"] = np.where(either, total / np.maximum(count, 1), np.nan)[rows_of]
    with np.errstate(invalid="ignore"):
        gap: np.ndarray = np.any(np.abs(em - ee) >= settings.perception_gap, axis=1)
        low: np.ndarray = np.any((em <= settings.element_low) | (ee <= settings.element_low), axis=1)
    out["perception_gap"] = gap[rows_of]
    out["low_element"] = low[rows_of]
    out["last_checkin"] = pd.Series(np.fmax(tm, te)[rows_of], index=out.index).astype(at_dtype)
    out["days_matched"] = days_before(as_of, out["matched_on"])
    out["days_since_checkin"] = days_before(as_of, out["last_checkin"])
    out["status"] = pair_status(out, settings)
    out["reasons"] = pair_reasons(out, settings)
    return out.reset_index()


def _checkin_needs(pairs: pd.DataFrame, settings: Settings) -> dict[str, pd.Series]:
    """Each reason a pair needs a check-in, as a mask: the one place pair_status and pair_reasons read."""
    return {
        "never": pairs["last_checkin"].isna(),
        "recency": (pairs["days_since_checkin"] > settings.checkin_recency_days).fillna(False),
        "health": (pairs["health"] < settings.health_needs_checkin).fillna(False),
        "low_element": pairs["low_element"].astype(bool),
    }


def pair_status(pairs: pd.DataFrame, settings: Settings = DEFAULT) -> pd.Series:
    """too_early, needs_checkin or on_track, a partition of matched pairs."""
    need = _checkin_needs(pairs, settings)
    too_early = need["never"] & (pairs["days_matched"] < settings.too_early_days)
    needs = need["never"] | need["health"] | need["low_element"] | need["recency"]
    status = np.select([too_early, needs], ["too_early", "needs_checkin"], default="on_track")
    return pd.Series(status, index=pairs.index, dtype="string")


def pair_reasons(pairs: pd.DataFrame, settings: Settings = DEFAULT) -> pd.Series:
    """Why each pair needs a check-in, in the reports' words ("; " between reasons); empty for other pairs."""
    need = _checkin_needs(pairs, settings)
    shown = pair_status(pairs, settings) == "needs_checkin"
    masks = (need["never"], need["recency"], need["health"], need["low_element"])
    rows = zip(shown, *masks, pairs["days_since_checkin"], pairs["health"], strict=True)
    reasons = []
    for needs, never, recency, unhealthy, low, days, health in rows:
        why: list[str] = []
        if needs and never:
            why.append("no check-in yet")
        elif needs:
            if recency:
                why.append(f"last check-in {int(days)} days ago")
            if unhealthy:
                why.append(f"health {health:.0f}")
            if low:
                why.append(f"an element rated {settings.element_low} or lower")
        reasons.append("; ".join(why))
    return pd.Series(reasons, index=pairs.index, dtype="string")


@dataclass(frozen=True)
class RelationshipSummary:
    """A cohort's pair figures (None where suppressed)."""

    pairs: int
    health_index: float | None
    on_track: int | None
    needs_checkin: int | None
    too_early: int
    perception_gaps: int | None
    suppressed: bool


def relationship_summary(
    table: pd.DataFrame, current: pd.DataFrame, settings: Settings = DEFAULT
) -> RelationshipSummary:
    """Pair counts, mean pair health and gaps, suppressed below k people with a check-in.

    ``current``: the check-ins already cut to the table's as-of date (``pair_table`` cut them).
    """
    people = pair_checkins(table, current)["participant_id"].nunique()
    k = settings.min_group_size
    counts = table["status"].value_counts()
    health = table["health"].mean()
    return RelationshipSummary(
        pairs=len(table),
        health_index=suppress(None if pd.isna(health) else float(health), people, k),
        on_track=suppress(int(counts.get("on_track", 0)), people, k),
        needs_checkin=suppress(int(counts.get("needs_checkin", 0)), people, k),
        too_early=int(counts.get("too_early", 0)),
        perception_gaps=suppress(int(table["perception_gap"].sum()), people, k),
        suppressed=people < k,
    )


def health_by_month(current: pd.DataFrame, settings: Settings = DEFAULT) -> pd.DataFrame:
    """Mean rating per element per month, with the month's people; only months with at least k people.

    ``current``: the check-ins of the matched pairs, already cut to the as-of date. Empty when no month
    reaches k people (always so when the relationship figures are suppressed).
    """
    month = current["submitted_at"].dt.to_period("M")
    monthly = current.groupby(month)[list(ins.CHECKIN_ELEMENTS)].mean()
    monthly["people"] = current.groupby(month)["participant_id"].nunique().reindex(monthly.index)
    return monthly[monthly["people"] >= settings.min_group_size]


@dataclass(frozen=True)
class Comments:
    """The latest comment per person and pair, unattributed, oldest first (None below ``min_comment_group``)."""

    people: int  # people with a check-in: a count, always shown
    texts: tuple[str, ...] | None
    suppressed: bool


def checkin_comments(current: pd.DataFrame, settings: Settings = DEFAULT) -> Comments:
    """Free-text comments, only when at least ``min_comment_group`` people have sent a check-in.

    ``current``: the check-ins of the matched pairs, already cut to the as-of date.
    """
    people = int(current["participant_id"].nunique())
    if people < settings.min_comment_group:
        return Comments(people, None, True)
    last = latest(current, ["participant_id", "pair_id"]).dropna(subset=["comment"])
    return Comments(people, tuple(str(c) for c in last.sort_values("submitted_at")["comment"]), False)


# --- the cohort --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortScore:
    """Every headline figure of one cohort as of a date (the brief's JSON)."""

    cohort: str
    as_of: date
    enrolled: dict[str, int]
    mentor_readiness: ReadinessSummary
    mentee_readiness: ReadinessSummary
    relationship: RelationshipSummary
    goals: GoalSummary

    def to_dict(self) -> dict[str, object]:
        """The brief's JSON shape (suppressed figures are None)."""
        mentor = asdict(self.mentor_readiness)
        mentor.pop("capacity_risk")
        return {
            "cohort": self.cohort,
            "as_of": self.as_of.isoformat(),
            "enrolled": dict(self.enrolled),
            "mentor_readiness": mentor,
            "mentee_readiness": asdict(self.mentee_readiness),
            "relationship": asdict(self.relationship),
            "goals": asdict(self.goals),
        }


@dataclass(frozen=True)
class CohortDetail:
    """The score plus everything the reports show behind it, every rule already applied."""

    score: CohortScore
    readiness: dict[str, pd.DataFrame]  # by role: the latest scored submission per person
    pairs: pd.DataFrame  # pair_table, with each pair's status and reasons
    goals: pd.DataFrame
    health_by_month: pd.DataFrame  # months with at least k people only
    comments: Comments
    reliability_items: dict[str, pd.DataFrame]  # mentor, mentee, checkin
    quality: pd.DataFrame  # data_quality


def cohort_detail(data: CohortData, cohort_id: str, as_of: date, settings: Settings = DEFAULT) -> CohortDetail:
    """Score one cohort from its data: each instrument's responses are cut to the as-of date once, here."""
    people = data.participants[data.participants["cohort_id"] == cohort_id]
    if people.empty:
        raise unknown_cohort(cohort_id, data.participants["cohort_id"].unique())
    resp = {k: as_of_cut(v[v["cohort_id"] == cohort_id], as_of) for k, v in data.responses.items()}
    mentor, mentor_scored = _readiness_summary(resp["mentor_readiness"], people, "mentor", settings)
    mentee, mentee_scored = _readiness_summary(resp["mentee_readiness"], people, "mentee", settings)
    scored = {"mentor": mentor_scored, "mentee": mentee_scored}
    pairs = matched_pairs(data.pairs[data.pairs["cohort_id"] == cohort_id], as_of)
    current = pair_checkins(pairs, resp["checkin"])
    ptable = _pair_table(pairs, current, as_of, settings)
    gtable = goal_table_cut(resp["goals"], resp["goal_updates"], as_of, settings)
    score = CohortScore(
        cohort=cohort_id,
        as_of=as_of,
        enrolled={r: int((people["role"] == r).sum()) for r in ins.ROLES},
        mentor_readiness=mentor,
        mentee_readiness=mentee,
        relationship=relationship_summary(ptable, current, settings),
        goals=goal_summary(gtable),
    )
    return CohortDetail(
        score=score,
        readiness=scored,
        pairs=ptable,
        goals=gtable,
        health_by_month=health_by_month(current, settings),
        comments=checkin_comments(current, settings),
        reliability_items=reliability_items(scored, resp, resp["checkin"]),
        quality=data_quality(resp),
    )


def score_cohort(data: CohortData, cohort_id: str, as_of: date, settings: Settings = DEFAULT) -> CohortScore:
    """The headline figures of one cohort."""
    return cohort_detail(data, cohort_id, as_of, settings).score


def _num(value: object) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)  # type: ignore[arg-type]


def _int(value: object) -> int | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else int(value)  # type: ignore[call-overload]
