"""How far the answers can be trusted: reliability (KR-20, Cronbach's alpha) and the import's data-quality flags."""

from __future__ import annotations

from typing import TypedDict

import pandas as pd

from mentorkit import instruments as ins
from mentorkit.analysis.asof import latest
from mentorkit.settings import DEFAULT, Settings

# --- reliability -------------------------------------------------------------------------------


def kr20(items: pd.DataFrame) -> float | None:
    """Kuder–Richardson 20 over complete 0/1 answers (None when not computable)."""
    data = items.dropna().astype("float64")
    k = data.shape[1]
    if k < 2 or len(data) < 2:
        return None
    p = data.mean()
    var = data.sum(axis=1).var(ddof=0)
    if var == 0:
        return None
    return float(k / (k - 1) * (1 - (p * (1 - p)).sum() / var))


def cronbach_alpha(items: pd.DataFrame) -> float | None:
    """Cronbach's alpha over complete rows (None when not computable)."""
    data = items.dropna().astype("float64")
    k = data.shape[1]
    if k < 2 or len(data) < 2:
        return None
    var = data.sum(axis=1).var(ddof=1)
    if var == 0:
        return None
    return float(k / (k - 1) * (1 - data.var(ddof=1).sum() / var))


class Reliability(TypedDict):
    """A reliability coefficient (missing below the minimum n or without variation), its n and its reading."""

    method: str
    n: int
    value: float | None
    reference: float
    reading: str  # too_few, not_computable, acceptable (at or above the reference) or below


def reliability(items: pd.DataFrame, method: str, settings: Settings = DEFAULT) -> Reliability:
    """A reliability coefficient with its n, reported only from ``reliability_min_n`` complete responses."""
    n = len(items.dropna())
    too_few = n < settings.reliability_min_n
    value = None if too_few else (kr20 if method == "kr20" else cronbach_alpha)(items)
    ref = settings.reliability_reference
    if value is None:
        reading = "too_few" if too_few else "not_computable"
    else:
        reading = "acceptable" if value >= ref else "below"
    return {"method": method, "n": n, "value": value, "reference": ref, "reading": reading}


RELIABILITY_METHODS = {"mentor": "kr20", "mentee": "kr20", "checkin": "alpha"}  # yes/no checklists, 1-5 scale


def reliability_items(
    scored: dict[str, pd.DataFrame], readiness: dict[str, pd.DataFrame], checkins: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """The answers each reliability coefficient is computed over, by scale (mentor, mentee, checkin).

    A checklist's latest scored submission per person (``scored`` by role, ``readiness`` the responses by
    instrument); the check-in scale's latest submission per person and pair. All already cut to the as-of date.
    """
    out = {}
    for role in ins.ROLES:
        inst = ins.readiness_for(role)
        answers = readiness[inst.id]
        out[role] = answers[answers["submission_id"].isin(scored[role]["submission_id"])][
            [i.id for i in inst.scored_items]
        ]
    out["checkin"] = latest(checkins, ["participant_id", "pair_id"])[list(ins.CHECKIN_ELEMENTS)]
    return out


# --- data quality ------------------------------------------------------------------------------

QUALITY_INSTRUMENTS = ("mentor_readiness", "mentee_readiness", "checkin")  # the instruments flagged at import


def data_quality(responses: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per instrument: submissions and how many were flagged at import (straight-lining: check-ins only).

    ``responses`` by instrument id, already cut to the as-of date; flagged answers still count.
    """
    rows = []
    for inst_id in QUALITY_INSTRUMENTS:
        frame = responses[inst_id]
        flags = frame["flags"].fillna("") if "flags" in frame.columns else pd.Series("", index=frame.index)
        rows.append(
            {
                "instrument": inst_id,
                "submissions": len(frame),
                "speeders": int(flags.str.contains("speeder").sum()),
                "partial": int(flags.str.contains("partial").sum()),
                "straight_lining": int(flags.str.contains("straight_lining").sum()) if inst_id == "checkin" else None,
            }
        )
    table = pd.DataFrame(rows).set_index("instrument")
    table["straight_lining"] = table["straight_lining"].astype("Int64")
    return table
