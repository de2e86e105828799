"""The exported tables' schemas: every column's Frictionless type and meaning, each table's primary key."""

from __future__ import annotations

from dataclasses import dataclass

FORMATS = ("csv", "parquet")
LEVELS = ("aggregate", "responses")


@dataclass(frozen=True)
class Field:
    """One column: its Frictionless type (string, number, integer, boolean, date, datetime) and meaning.

    A description may name a setting as ``{stale_days}``: the data package states the number in force.
    """

    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Table:
    """One exported table: what a row is, its columns and its primary key."""

    name: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]


PSEUDONYM = "a pseudonym (P- and 16 hex digits, the same in every table and export; not the roster's id)"
COHORT = Field("cohort_id", "string", "the cohort's id, as in the roster")
AS_OF = Field(
    "as_of", "date", "the date the figure is computed as of: only submissions on or before it (the whole day, UTC)"
)
FIGURE_FIELDS = (
    Field(
        "figure",
        "string",
        "the figure's name: a dotted path of `mentorkit score --json` (mentor_readiness.mean_score), a share "
        "(mentor_readiness.share_ready, mentee_readiness.share_ready, relationship.share_on_track, "
        "goals.share_achieved) or an item's yes rate (mentor_readiness.items.mr01.yes_rate)",
    ),
    Field(
        "value",
        "number",
        "the figure, unrounded: response rates, shares and yes rates as fractions (0-1), readiness scores and "
        "pair health on 0-100, counts as whole numbers; empty when suppressed or undefined (nothing to count)",
    ),
    Field(
        "n",
        "integer",
        "what the figure is over: enrolled people for counts of respondents and response rates, complete "
        "checklists for readiness means, bands and shares, people answering the item for yes rates, "
        "pairs (with a health, for the health index) for relationship figures, goals for goal figures",
    ),
    Field(
        "ci_low",
        "number",
        "lower end of the 95 % interval: Wilson (z = 1.959964) for shares, Student-t (clipped to 0-100) for "
        "means; empty for counts, response rates, suppressed figures and a mean of a single value",
    ),
    Field("ci_high", "number", "upper end of the 95 % interval (empty where ci_low is)"),
    Field(
        "suppressed",
        "boolean",
        "true when the figure is hidden (suppressed_reason says why); value and interval are then empty",
    ),
    Field(
        "suppressed_reason",
        "string",
        "why a figure is hidden, empty when shown: min_group_size (fewer than {min_group_size} people's answers behind it, "
        "or a segment of fewer than {min_group_size} people); differencing (its people differ by 1 to "
        "{min_group_size} minus one from those of a figure shown for a newer date or a larger group, so "
        "subtracting one from the other would give those few people's answers); complementary (the next "
        "smallest segment of a breakdown in which exactly one was hidden)",
    ),
)

COHORT_FIGURES = Table(
    "cohort_figures",
    "Every cohort's figures as of the export's date, one row per figure; values equal `mentorkit score --json`.",
    (COHORT, AS_OF, *FIGURE_FIELDS),
    ("cohort_id", "as_of", "figure"),
)

COHORT_TRENDS = Table(
    "cohort_trends",
    "Every cohort's figures at each month end from the programme's earliest match date, and at the export's "
    "date, each computed as of that day (what was known then); the same columns and figure names as "
    "cohort_figures.",
    (
        COHORT,
        Field(
            "as_of",
            "date",
            "the month end (or, last, the export's own date) the figure is computed as of: only submissions on or "
            "before that day (UTC) count",
        ),
        *FIGURE_FIELDS,
    ),
    ("cohort_id", "as_of", "figure"),
)

SEGMENT_FIGURES = Table(
    "segment_figures",
    "Every cohort's figures as of the export's date per segment: per value of department and of each roster "
    "column named in the segment_attributes setting (a column identifying people is never one). Segments under "
    "the minimum group size are hidden (empty value and n, suppressed = true) and carry no label: together they "
    "are one row (hidden). When exactly one segment of a breakdown is hidden the next smallest is hidden too, "
    "so no hidden figure can be worked out from the cohort's total.",
    (
        COHORT,
        AS_OF,
        *FIGURE_FIELDS[:2],
        Field("n", "integer", FIGURE_FIELDS[2].description + "; empty when the segment is hidden"),
        *FIGURE_FIELDS[3:],
        Field("attribute", "string", "the breakdown: department or a roster attribute's column name"),
        Field(
            "segment",
            "string",
            "the attribute's value the row is about; (none) for people without one; (hidden) for the segments "
            "under the minimum group size, whose values are not shown. People count in their own segment, pairs "
            "(check-ins, goals) in their mentee's",
        ),
    ),
    ("cohort_id", "as_of", "attribute", "segment", "figure"),
)

PARTICIPANTS = Table(
    "participants",
    "One row per person on the roster, pseudonymous: no name, e-mail or free text.",
    (
        Field("participant_id", "string", f"the person: {PSEUDONYM}"),
        COHORT,
        Field("role", "string", "mentor or mentee"),
        Field("mentor_id", "string", f"for a mentee, the mentor they are paired with: {PSEUDONYM}; empty if unmatched"),
        Field("matched_on", "date", "for a mentee, the date the pair was matched; empty if unmatched"),
        Field("department", "string", "the roster's department (empty when not given)"),
    ),
    ("participant_id",),
)

PARTICIPANT_ATTRIBUTES = Table(
    "participant_attributes",
    "The roster attributes that segment_figures breaks down by (the columns named in the segment_attributes "
    "setting, never one identifying people), one row per person and attribute that has a value.",
    (
        Field("participant_id", "string", f"the person: {PSEUDONYM}"),
        Field("attribute", "string", "the roster column's name (as in segment_figures.attribute)"),
        Field("value", "string", "the person's value (as in segment_figures.segment)"),
    ),
    ("participant_id", "attribute"),
)

ANSWERS = Table(
    "answers",
    "Every readiness and check-in answer submitted on or before the export's date, one row per submission and "
    "scored item (unanswered items included, with an empty value); free-text items are left out.",
    (
        Field("submission_id", "integer", "the submission (the store's number)"),
        Field("item_id", "string", "the item: mr01-mr11, me01-me06, or a check-in element (rc_reciprocity, ...)"),
        Field("instrument", "string", "mentor_readiness, mentee_readiness or checkin"),
        COHORT,
        Field("participant_id", "string", f"who answered: {PSEUDONYM}"),
        Field("pair_id", "integer", "for a check-in, the pair it is about (pairs.pair_id)"),
        Field("submitted_at", "datetime", "when it was submitted (UTC)"),
        Field(
            "latest",
            "boolean",
            "true for the submission that counts as of the export's date: the person's latest of this instrument "
            "(for a check-in, their latest about this pair)",
        ),
        Field(
            "value",
            "number",
            "the answer: yes 1, no 0; check-in elements 1-5 (strongly disagree to strongly "
            "agree); empty when unanswered",
        ),
        Field("source", "string", "where it came from: mentorkit (templates and forms), qualtrics, google_forms, ..."),
        Field("flags", "string", "data-quality flags of the submission (speeder, partial, straight_lining), if any"),
    ),
    ("submission_id", "item_id"),
)

PAIRS = Table(
    "pairs",
    "Every pair matched on or before the export's date, with its check-in figures as `score` computes them.",
    (
        Field("pair_id", "integer", "the pair (the store's number)"),
        COHORT,
        Field("mentor_id", "string", f"the mentor: {PSEUDONYM}"),
        Field("mentee_id", "string", f"the mentee: {PSEUDONYM}"),
        Field("matched_on", "date", "the date the pair was matched"),
        Field(
            "mentor_health",
            "number",
            "health (0-100) of the mentor's latest check-in; empty if none or too few answered",
        ),
        Field(
            "mentee_health",
            "number",
            "health (0-100) of the mentee's latest check-in; empty if none or too few answered",
        ),
        Field("health", "number", "pair health (0-100): the mean of the two sides' health, or the one side's"),
        Field(
            "perception_gap",
            "boolean",
            "both sides answered and differ by {perception_gap} or more points on an element",
        ),
        Field("low_element", "boolean", "an element rated {element_low} or lower in either side's latest check-in"),
        Field("last_checkin", "datetime", "the latest check-in of either side (UTC); empty if none"),
        Field("days_since_checkin", "integer", "days from the latest check-in to the export's date"),
        Field("status", "string", "on_track, needs_checkin or too_early (the brief's pair status)"),
    ),
    ("pair_id",),
)

GOALS = Table(
    "goals",
    "Every goal of a mentoring agreement as defined on the export's date (its latest definition), with its "
    "status as `score` computes it; titles and success criteria (free text) are left out.",
    (
        Field("goal_id", "string", "the goal: a pseudonym (G- and 16 hex digits), the same in goal_updates"),
        COHORT,
        Field("pair_id", "integer", "the pair whose goal it is (pairs.pair_id)"),
        Field("start_date", "date", "the goal's start date"),
        Field("target_date", "date", "the goal's target date"),
        Field("agreed_by_mentor", "boolean", "the mentor agreed to the goal"),
        Field("agreed_by_mentee", "boolean", "the mentee agreed to the goal"),
        Field("mutually_agreed", "boolean", "both agreed (a mutually defined goal)"),
        Field("progress", "number", "progress (0-100) of the latest update; 0 when never updated"),
        Field(
            "reported_status", "string", "status of the latest update: not_started, in_progress, achieved or dropped"
        ),
        Field("last_update", "datetime", "when the latest update was reported (UTC); empty if never"),
        Field("expected", "number", "expected progress (0-100): the elapsed share of start to target date"),
        Field("status", "string", "achieved, dropped, overdue, on_track or at_risk (the brief's goal status)"),
        Field("stale", "boolean", "open and not updated for more than {stale_days} days (stale_days)"),
    ),
    ("cohort_id", "goal_id"),
)

GOAL_UPDATES = Table(
    "goal_updates",
    "Every goal progress update reported on or before the export's date; notes (free text) are left out.",
    (
        Field("submission_id", "integer", "the update (the store's number)"),
        Field("goal_id", "string", "the goal: its pseudonym in goals"),
        COHORT,
        Field("pair_id", "integer", "the pair whose goal it is"),
        Field("reported_by", "string", f"who reported it: {PSEUDONYM}"),
        Field("reported_at", "datetime", "when it was reported (UTC)"),
        Field("progress_pct", "number", "progress reported (0-100)"),
        Field("status", "string", "not_started, in_progress, achieved or dropped"),
        Field("latest", "boolean", "true for the goal's latest update as of the export's date (the one that counts)"),
    ),
    ("submission_id",),
)

AGGREGATE_TABLES: tuple[Table, ...] = (COHORT_FIGURES, COHORT_TRENDS, SEGMENT_FIGURES)
RESPONSE_TABLES: tuple[Table, ...] = (PARTICIPANTS, PARTICIPANT_ATTRIBUTES, ANSWERS, PAIRS, GOALS, GOAL_UPDATES)
