"""The brief's thresholds as named settings, in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """Scoring and confidentiality thresholds of the product brief."""

    min_group_size: int = 5  # k: scores over fewer respondents are suppressed
    min_comment_group: int = 10  # free text only for groups of at least this size
    completeness: float = 0.8  # share of items answered for a readiness score
    band_ready: float = 75.0
    band_developing: float = 50.0
    checkin_min_answered: int = 5  # of the seven elements
    health_needs_checkin: float = 60.0
    element_low: int = 2  # an element rated <= this needs a check-in
    checkin_recency_days: int = 60
    too_early_days: int = 30
    perception_gap: int = 2
    goal_tolerance: float = 15.0
    stale_days: int = 45
    link_expiry_days: int = 30  # personal links expire after this many days unless told otherwise
    reliability_min_n: int = 10
    reliability_reference: float = 0.7
    programme_name: str = "Mentoring programme"  # shown at the top of every participant form


DEFAULT = Settings()
