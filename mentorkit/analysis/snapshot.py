"""A cohort's facts for its run folder: the figures, the data fingerprint and the changes digest's snapshot.

``cohort_snapshot`` records what ``score`` decided (each goal's status and staleness, the pairs
needing a check-in, response rates, the pair health index), suppressed exactly as the reports
are; ``cohort_facts`` bundles it with the figures a cohort's ``meta.json`` records. Both are pure
(they run in the report's kernel, or in the runner when no kernel recorded them).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from mentorkit.analysis import score
from mentorkit.data import CohortData
from mentorkit.settings import DEFAULT, Settings

SNAPSHOT_VERSION = 1


def cohort_facts(
    detail: score.CohortDetail, data: CohortData, settings: Settings, identify: bool, fingerprint: str
) -> dict[str, object]:
    """What meta.json records about a cohort's data, from the detail a report already scored.

    Runs in the report's kernel (``reporting.cohort.report_meta``), so the runner never holds more
    than one cohort's data; ``data``, ``settings`` and ``identify`` feed the changes digest's snapshot.
    """
    return {
        "data_fingerprint": fingerprint,
        "figures": detail.score.to_dict(),
        "snapshot": cohort_snapshot(detail, data, settings, identify),
    }


def cohort_snapshot(
    detail: score.CohortDetail, data: CohortData, settings: Settings = DEFAULT, identify: bool = False
) -> dict[str, Any]:
    """What the digest compares, as ``score`` decided it; pairs only where the reports show them."""
    s = detail.score
    needing = None
    if not s.relationship.suppressed:  # below k people with a check-in the reports list no pair
        need = detail.pairs[detail.pairs["status"] == "needs_checkin"]
        needing = sorted([str(m), str(e)] for m, e in zip(need["mentor_id"], need["mentee_id"], strict=True))
    goals = _goals(detail, _pair_people(detail, data))
    snapshot: dict[str, Any] = {
        "version": SNAPSHOT_VERSION,
        "min_group_size": settings.min_group_size,
        "response_rate": {"mentor": s.mentor_readiness.response_rate, "mentee": s.mentee_readiness.response_rate},
        "health_index": s.relationship.health_index,
        "pairs_needing_checkin": needing,
        "goals": goals,
        "names": _names(data, needing, goals) if identify else {},
    }
    return snapshot


def _pair_people(detail: score.CohortDetail, data: CohortData) -> dict[int, tuple[str, str]]:
    """Each pair id's (mentor id, mentee id): the roster's pairs, then the scored ones."""
    columns = ["pair_id", "mentor_id", "mentee_id"]
    pair_of = {int(p): (str(m), str(e)) for p, m, e in data.pairs[columns].itertuples(False)}
    pair_of.update({int(p): (str(m), str(e)) for p, m, e in detail.pairs[columns].itertuples(False)})
    return pair_of


def _goals(detail: score.CohortDetail, pair_of: dict[int, tuple[str, str]]) -> list[dict[str, Any]]:
    """Every goal's status and staleness with its pair's people, sorted by goal id."""
    goals: list[dict[str, Any]] = []
    for gid, pair, status, stale in detail.goals[["goal_id", "pair_id", "status", "stale"]].itertuples(False):
        mentor, mentee = (None, None) if pd.isna(pair) else pair_of.get(int(pair), (None, None))
        goals.append(
            {"goal_id": str(gid), "status": str(status), "stale": bool(stale), "mentor_id": mentor, "mentee_id": mentee}
        )
    goals.sort(key=lambda g: g["goal_id"])
    return goals


def _names(data: CohortData, needing: list[list[str]] | None, goals: list[dict[str, Any]]) -> dict[str, str]:
    """The names of the people the snapshot mentions (with ``identify``), by participant id."""
    people = {p for pair in needing or [] for p in pair}
    people |= {g[k] for g in goals for k in ("mentor_id", "mentee_id") if g[k] is not None}
    named = data.participants[data.participants["participant_id"].isin(sorted(people))]
    return {
        str(p): str(n) for p, n in zip(named["participant_id"], named["name"], strict=True) if isinstance(n, str) and n
    }
