"""The brief's thresholds as named settings, in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """Scoring and confidentiality thresholds, each with its meaning."""

    min_group_size: int = 5  # k: scores over fewer respondents are suppressed
    min_comment_group: int = 10  # free text only for groups of at least this size
    completeness: float = 0.8  # share of items answered for a readiness score
    band_ready: float = 75.0  # a readiness score at or above this is "ready"
    band_developing: float = 50.0  # at or above this (and below band_ready) "developing"; below "not yet"
    checkin_min_answered: int = 5  # of the seven elements
    health_needs_checkin: float = 60.0  # a pair whose health is under this needs a check-in
    element_low: int = 2  # an element rated <= this needs a check-in
    checkin_recency_days: int = 60  # a pair with no check-in for this many days needs one
    too_early_days: int = 30  # pairs matched fewer days ago are "too early" for a check-in
    perception_gap: int = 2  # the two sides of a pair differing by this much on an element is a gap
    goal_tolerance: float = 15.0  # a goal this many points behind the expected progress is at risk
    stale_days: int = 45  # an open goal with no update for more days is stale
    link_expiry_days: int = 30  # personal links expire after this many days unless told otherwise
    reminder_interval_days: int = 7  # `send reminders` reminds a person of the same due items at most this often
    reliability_min_n: int = 10  # KR-20 / alpha reported only from this many complete responses
    reliability_reference: float = 0.7  # the usual reference line for a reliability coefficient
    programme_name: str = "Mentoring programme"  # shown at the top of every participant form
    digest_response_rate_drop: float = 0.10  # changes.md lists a response rate that fell by more (0–1)
    digest_health_drop: float = 10.0  # changes.md lists a pair health index that fell by more (points)
    response_rate_low: float = 0.8  # a finding asks for reminders when fewer of a role answered (0–1)
    weak_item: float = 0.6  # an item with a lower yes rate is reported as the weakest item (0–1)
    healthy_index: float = 70.0  # relationships are called healthy from this index on (no pair needs a check-in)
    programme_max_cohorts: int = 20  # more cohorts: the programme report ranks, top and bottom quarter of this (5 + 5)
    earliest_year: int = 1900  # a date or time before this year is refused (import: quarantined; forms: at the field)
    latest_year: int = 2100  # a date or time after this year is refused, as before earliest_year
    segment_attributes: tuple[str, ...] = ()  # roster columns besides department that segments break down by
    # a roster column with at least this share of distinct values identifies people, never a segment (0–1)
    segment_identifier_share: float = 0.8
    store_busy_seconds: float = 10.0  # a command waits this long for another process to free a locked SQLite store


DEFAULT = Settings()
