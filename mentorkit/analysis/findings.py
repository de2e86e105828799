"""Findings for the programme lead, each with a suggested next step (rules over a CohortDetail).

A ``Finding`` is data: its ``kind`` says what it is about, its ``level`` how urgent it is (``Level``'s order,
most urgent first, is the order findings are listed in), and ``text`` and ``next_step`` are what a report shows.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from mentorkit.analysis import goals as goal_rules
from mentorkit.analysis import score
from mentorkit.formats import figure, plural
from mentorkit.settings import DEFAULT, Settings


class Level(enum.Enum):
    """How urgent a finding is; the members' order is the order findings are listed in."""

    ACTION = "action"
    WATCH = "watch"
    GOOD = "good"

    @property
    def rank(self) -> int:
        """0 for the most urgent level."""
        return list(Level).index(self)


class Kind(enum.Enum):
    """What a finding is about."""

    # a cohort's readiness
    READINESS_HIDDEN = "readiness_hidden"
    LOW_RESPONSE = "low_response"
    INCOMPLETE = "incomplete"
    NOT_YET_READY = "not_yet_ready"
    CAPACITY_RISK = "capacity_risk"
    READY = "ready"
    WEAK_ITEM = "weak_item"
    # a cohort's goals and relationships
    NO_GOALS = "no_goals"
    OVERDUE = "overdue"
    AT_RISK = "at_risk"
    STALE = "stale"
    UNAGREED = "unagreed"
    RELATIONSHIP_HIDDEN = "relationship_hidden"
    NEEDS_CHECKIN = "needs_checkin"
    PERCEPTION_GAP = "perception_gap"
    HEALTHY = "healthy"
    TOO_EARLY = "too_early"
    ACHIEVED = "achieved"
    # the programme: cohorts side by side, over time, and readiness against outcomes
    LAGS = "lags"
    NO_LAG = "no_lag"
    HIDDEN_COHORTS = "hidden_cohorts"
    LOW_RESPONSE_COHORTS = "low_response_cohorts"
    ROSE = "rose"
    FELL = "fell"
    HEALTH_DROPPED = "health_dropped"
    OUTCOME = "outcome"


@dataclass(frozen=True)
class Finding:
    """One thing the data says, and what to do about it."""

    kind: Kind
    level: Level
    text: str
    next_step: str


def most_urgent_first(found: Iterable[Finding]) -> list[Finding]:
    """The findings by ``Level`` (most urgent first), in their own order within a level."""
    return sorted(found, key=lambda f: f.level.rank)


Rule = tuple[object, Kind, Level, str, str]  # (holds, kind, level, text, next step): a finding when it holds


def _holding(rules: Iterable[Rule]) -> list[Finding]:
    """The findings of the rules that hold, in the rules' order."""
    return [Finding(kind, level, text, step) for holds, kind, level, text, step in rules if holds]


def readiness_findings(detail: score.CohortDetail, settings: Settings) -> list[Finding]:
    """What the readiness figures say, most urgent first."""
    out: list[Finding] = []
    s = detail.score
    for role, summary in (("mentor", s.mentor_readiness), ("mentee", s.mentee_readiness)):
        out += _holding(_answers(role, summary, s.enrolled[role], settings))
        out += _holding(_scores(role, summary, settings))
    return most_urgent_first(out)


def _answers(role: str, summary: score.ReadinessSummary, enrolled: int, settings: Settings) -> list[Rule]:
    """One role's answers: figures hidden, too few answers, incomplete checklists."""
    k = settings.min_group_size
    missing = enrolled - summary.respondents
    rate = summary.response_rate or 0
    return [
        (
            summary.suppressed,
            Kind.READINESS_HIDDEN,
            Level.WATCH,
            _hidden_text(role, summary, enrolled, k),
            hidden_readiness_step(role, enrolled, summary.respondents, summary.incomplete, k),
        ),
        (
            enrolled and missing > 0 and rate < settings.response_rate_low,
            Kind.LOW_RESPONSE,
            Level.ACTION,
            f"Only {summary.respondents} of {plural(enrolled, role)} ({figure(rate, 'pct')}) answered the readiness "
            "checklist.",
            f"Send a reminder to the {plural(missing, role)} who {plural(missing, 'has', number=False)} not "
            "answered yet.",
        ),
        (
            summary.incomplete,
            Kind.INCOMPLETE,
            Level.ACTION,
            f"{plural(summary.incomplete, role + ' checklist')} {plural(summary.incomplete, 'is', number=False)} "
            "incomplete and not scored.",
            "Ask those people to answer the remaining questions.",
        ),
    ]


def _hidden_text(role: str, summary: score.ReadinessSummary, enrolled: int, k: int) -> str:
    """Why a role's readiness figures are hidden: fewer than k complete checklists behind them."""
    complete = summary.respondents - summary.incomplete
    answered = f"{summary.respondents} of {plural(enrolled, role)} answered"
    if summary.incomplete:
        answered += f", {summary.incomplete} incompletely"
    return f"{role.title()} readiness figures are hidden: {plural(complete, 'complete checklist')} ({answered}), fewer than {k}."


def too_few_to_show(role: str, enrolled: int, k: int) -> str:
    """The next step for a group that can never reach k: fewer than k people of the role in the cohort."""
    return (
        f"The cohort has {plural(enrolled, role)}, fewer than {k}, so its {role} figures stay hidden even when "
        "everyone answers: use its response counts and goal figures, which are shown, or give it and another "
        "cohort one cohort_id on the roster."
    )


def hidden_readiness_step(role: str, enrolled: int, respondents: int, incomplete: int, k: int) -> str:
    """What would show a role's hidden readiness figures, and only what the cohort can do.

    A figure shows once k complete checklists are behind it. With fewer than k people of the role enrolled,
    no answer can show it: the step says so. Otherwise it asks for the complete checklists still missing, and
    says where they can come from: people who have not answered and checklists left unfinished.
    """
    if enrolled < k:
        return too_few_to_show(role, enrolled, k)
    complete = respondents - incomplete
    need = k - complete
    unanswered = max(enrolled - respondents, 0)
    sources = [f"{plural(unanswered, role)} {plural(unanswered, 'has', number=False)} not answered yet"] * bool(
        unanswered
    ) + [f"{plural(incomplete, 'checklist')} {plural(incomplete, 'is', number=False)} unfinished"] * bool(incomplete)
    where = f" ({' and '.join(sources)})" if sources else ""
    return (
        f"Collect at least {plural(need, f'more complete {role} checklist')}{where}, or report this cohort "
        "together with others."
    )


def _scores(role: str, summary: score.ReadinessSummary, settings: Settings) -> list[Rule]:
    """One role's scores: not yet ready, capacity risks (mentees), ready."""
    mean = summary.mean_score
    ready = not summary.suppressed and mean is not None and mean >= settings.band_ready and not summary.not_yet
    not_yet, at_risk = summary.not_yet or 0, summary.capacity_risk or 0  # None where suppressed: the rule holds not
    return [
        (
            summary.not_yet,
            Kind.NOT_YET_READY,
            Level.ACTION,
            f"{plural(not_yet, role)} {'scores' if not_yet == 1 else 'score'} below "
            f"{settings.band_developing:g} (not yet ready).",
            "Offer them an orientation conversation about what the programme asks before they start."
            if role == "mentor"
            else "Talk with them about what they want to learn before matching them.",
        ),
        (
            role == "mentee" and summary.capacity_risk,
            Kind.CAPACITY_RISK,
            Level.ACTION,
            f"{plural(at_risk, 'mentee')} {'doubts' if at_risk == 1 else 'doubt'} they have "
            "the time, or fear "
            "mentoring will affect their other responsibilities.",
            "Discuss workload with them and their managers before the first meeting.",
        ),
        (
            ready,
            Kind.READY,
            Level.GOOD,
            f"{role.title()}s are ready: mean score {mean:.0f}." if ready and mean is not None else "",
            "Proceed with matching; ask again after three months.",
        ),
    ]


def weakest_item(table: pd.DataFrame, settings: Settings = DEFAULT) -> Finding | None:
    """The checklist item with the lowest yes rate, when it is below ``settings.weak_item``."""
    shown = table.dropna(subset=["yes_rate"])
    if shown.empty or shown["yes_rate"].iloc[0] >= settings.weak_item:
        return None
    row = shown.iloc[0]
    return Finding(
        Kind.WEAK_ITEM,
        Level.WATCH,
        f"Weakest item: “{row['question']}” ({figure(row['yes_rate'], 'pct')} yes).",
        "Cover this topic in the programme kickoff.",
    )


def goal_findings(detail: score.CohortDetail, settings: Settings) -> list[Finding]:
    """What the goal and relationship figures say, most urgent first."""
    g, r = detail.score.goals, detail.score.relationship
    rules = _goal_gaps(g, settings) + _relationships(r, settings, paired_people(detail.pairs))
    rules.append(
        (
            g.achieved,
            Kind.ACHIEVED,
            Level.GOOD,
            f"{plural(g.achieved, 'goal')} achieved.",
            "Celebrate them in the programme newsletter.",
        )
    )
    return most_urgent_first(_holding(rules))


def _goal_gaps(g: goal_rules.GoalSummary, settings: Settings) -> list[Rule]:
    """Goals missing, overdue, behind pace, without an update, or not agreed by both sides."""
    unagreed = g.total - g.mutually_agreed
    return [
        (
            g.total == 0,
            Kind.NO_GOALS,
            Level.ACTION,
            "No mentoring-agreement goals have been recorded yet.",
            "Ask every pair to agree two or three goals in their first month.",
        ),
        (
            g.overdue,
            Kind.OVERDUE,
            Level.ACTION,
            f"{plural(g.overdue, 'goal')} {'is past its' if g.overdue == 1 else 'are past their'} target date and not "
            "achieved.",
            "Review them at the next check-in: set a new date, or drop the goal.",
        ),
        (
            g.at_risk,
            Kind.AT_RISK,
            Level.ACTION,
            f"{plural(g.at_risk, 'goal')} {plural(g.at_risk, 'is', number=False)} behind the expected pace by more "
            f"than {settings.goal_tolerance:.0f} points.",
            "Ask those pairs what support they need.",
        ),
        (
            g.stale,
            Kind.STALE,
            Level.WATCH,
            f"{plural(g.stale, 'goal')} {plural(g.stale, 'has', number=False)} had no update for more than "
            f"{plural(settings.stale_days, 'day')}.",
            "Ask the pairs for a progress update.",
        ),
        (
            unagreed,
            Kind.UNAGREED,
            Level.WATCH,
            f"{plural(unagreed, 'goal')} {plural(unagreed, 'is', number=False)} not yet agreed by both mentor and mentee.",
            "Have both sides confirm them: goals that are not mutually defined lose focus.",
        ),
    ]


def paired_people(pairs: pd.DataFrame) -> int:
    """How many people are in the matched pairs: mentors and mentees, each once (a mentor of two mentees once)."""
    if pairs.empty:
        return 0
    return int(pd.concat([pairs["mentor_id"], pairs["mentee_id"]]).dropna().nunique())


def hidden_relationship_step(people: int, k: int) -> str:
    """What would show hidden relationship figures: check-ins from more people, when the pairs hold k people."""
    if people < k:
        return (
            f"The cohort's pairs hold {plural(people, 'person')}, fewer than {k}, so its relationship figures "
            "stay hidden even when everyone sends a check-in: use its goal figures, which are shown, or give it and "
            "another cohort one cohort_id on the roster."
        )
    return "Send the check-in form to every pair."


def _relationships(r: score.RelationshipSummary, settings: Settings, people: int) -> list[Rule]:
    """The pairs' check-ins: hidden, or what the shown figures say; then pairs matched too recently."""
    k = settings.min_group_size
    hidden: Rule = (
        r.suppressed,
        Kind.RELATIONSHIP_HIDDEN,
        Level.WATCH,
        f"Relationship figures are hidden: fewer than {k} people have sent a check-in.",
        hidden_relationship_step(people, k),
    )
    too_early: Rule = (
        r.too_early,
        Kind.TOO_EARLY,
        Level.WATCH,
        f"{plural(r.too_early, 'pair')} {plural(r.too_early, 'was', number=False)} matched less than "
        f"{plural(settings.too_early_days, 'day')} ago.",
        "Send them the check-in form after their first month.",
    )
    return [hidden, *([] if r.suppressed else _relationships_shown(r, settings)), too_early]


def _relationships_shown(r: score.RelationshipSummary, settings: Settings) -> list[Rule]:
    """Shown relationship figures: pairs needing a check-in, perception gaps, healthy relationships."""
    health = r.health_index
    healthy = health is not None and health >= settings.healthy_index and not r.needs_checkin
    gaps = r.perception_gaps or 0
    return [
        (
            r.needs_checkin,
            Kind.NEEDS_CHECKIN,
            Level.ACTION,
            f"{r.needs_checkin} of {plural(r.pairs, 'pair')} {'needs' if r.needs_checkin == 1 else 'need'} a check-in.",
            "Nudge these pairs to hold a check-in conversation this month.",
        ),
        (
            r.perception_gaps,
            Kind.PERCEPTION_GAP,
            Level.WATCH,
            f"{plural(gaps, 'pair')} {'sees its' if gaps == 1 else 'see their'} relationship differently "
            f"(a gap of {settings.perception_gap}+ points on an element).",
            "Suggest a conversation where both compare their answers.",
        ),
        (
            healthy,
            Kind.HEALTHY,
            Level.GOOD,
            f"Relationships are healthy: index {health:.0f} of 100." if healthy and health is not None else "",
            "Keep the current check-in rhythm.",
        ),
    ]
