"""Findings for the programme lead, each with a suggested next step (rules over a CohortDetail)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from mentorkit.analysis import score
from mentorkit.settings import DEFAULT, Settings


@dataclass(frozen=True)
class Finding:
    """One thing the data says, and what to do about it."""

    level: str  # "action", "watch" or "good"
    text: str
    next_step: str


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def readiness_findings(detail: score.CohortDetail, settings: Settings) -> list[Finding]:
    """What the readiness figures say, most urgent first."""
    out: list[Finding] = []
    s = detail.score
    k = settings.min_group_size
    for role, summary in (("mentor", s.mentor_readiness), ("mentee", s.mentee_readiness)):
        enrolled = s.enrolled[role]
        missing = enrolled - summary.respondents
        if summary.suppressed:
            out.append(
                Finding(
                    "watch",
                    f"{role.title()} readiness figures are hidden: {summary.respondents} of "
                    f"{enrolled} {role}s answered, fewer than {k}.",
                    f"Collect at least {k - summary.respondents} more {role} answer(s), or report this "
                    "cohort together with others.",
                )
            )
        if enrolled and missing > 0 and (summary.response_rate or 0) < settings.response_rate_low:
            out.append(
                Finding(
                    "action",
                    f"Only {summary.respondents} of {enrolled} {role}s "
                    f"({_pct(summary.response_rate or 0)}) answered the readiness checklist.",
                    f"Send a reminder to the {missing} {role}(s) who have not answered yet.",
                )
            )
        if summary.incomplete:
            out.append(
                Finding(
                    "action",
                    f"{summary.incomplete} {role} checklist(s) are incomplete and not scored.",
                    "Ask those people to answer the remaining questions.",
                )
            )
        if summary.not_yet:
            out.append(
                Finding(
                    "action",
                    f"{summary.not_yet} {role}(s) score below {settings.band_developing:g} (not yet ready).",
                    "Offer them an orientation conversation about what the programme asks before they start."
                    if role == "mentor"
                    else "Talk with them about what they want to learn before matching them.",
                )
            )
        if role == "mentee" and summary.capacity_risk:
            out.append(
                Finding(
                    "action",
                    f"{summary.capacity_risk} mentee(s) doubt they have the time, or fear "
                    "mentoring will affect their other responsibilities.",
                    "Discuss workload with them and their managers before the first meeting.",
                )
            )
        if (
            not summary.suppressed
            and summary.mean_score is not None
            and summary.mean_score >= settings.band_ready
            and not summary.not_yet
        ):
            out.append(
                Finding(
                    "good",
                    f"{role.title()}s are ready: mean score {summary.mean_score:.0f}.",
                    "Proceed with matching; ask again after three months.",
                )
            )
    return sorted(out, key=lambda f: ("action", "watch", "good").index(f.level))


def weakest_item(table: pd.DataFrame, settings: Settings = DEFAULT) -> Finding | None:
    """The checklist item with the lowest yes rate, when it is below ``settings.weak_item``."""
    shown = table.dropna(subset=["yes_rate"])
    if shown.empty or shown["yes_rate"].iloc[0] >= settings.weak_item:
        return None
    row = shown.iloc[0]
    return Finding(
        "watch",
        f"Weakest item: “{row['question']}” ({_pct(row['yes_rate'])} yes).",
        "Cover this topic in the programme kickoff.",
    )


def goal_findings(detail: score.CohortDetail, settings: Settings) -> list[Finding]:
    """What the goal and relationship figures say, most urgent first."""
    out: list[Finding] = []
    g, r = detail.score.goals, detail.score.relationship
    if g.total == 0:
        out.append(
            Finding(
                "action",
                "No mentoring-agreement goals have been recorded yet.",
                "Ask every pair to agree two or three goals in their first month.",
            )
        )
    if g.overdue:
        out.append(
            Finding(
                "action",
                f"{g.overdue} goal(s) are past their target date and not achieved.",
                "Review them at the next check-in: set a new date, or drop the goal.",
            )
        )
    if g.at_risk:
        out.append(
            Finding(
                "action",
                f"{g.at_risk} goal(s) are behind the expected pace by more than {settings.goal_tolerance:.0f} points.",
                "Ask those pairs what support they need.",
            )
        )
    if g.stale:
        out.append(
            Finding(
                "watch",
                f"{g.stale} goal(s) have had no update for more than {settings.stale_days} days.",
                "Ask the pairs for a progress update.",
            )
        )
    unagreed = g.total - g.mutually_agreed
    if unagreed:
        out.append(
            Finding(
                "watch",
                f"{unagreed} goal(s) are not yet agreed by both mentor and mentee.",
                "Have both sides confirm them: goals that are not mutually defined lose focus.",
            )
        )
    if r.suppressed:
        out.append(
            Finding(
                "watch",
                f"Relationship figures are hidden: fewer than {settings.min_group_size} people have sent a check-in.",
                "Send the check-in form to every pair.",
            )
        )
    else:
        if r.needs_checkin:
            out.append(
                Finding(
                    "action",
                    f"{r.needs_checkin} of {r.pairs} pairs need a check-in.",
                    "Nudge these pairs to hold a check-in conversation this month.",
                )
            )
        if r.perception_gaps:
            out.append(
                Finding(
                    "watch",
                    f"{r.perception_gaps} pair(s) see their relationship differently "
                    f"(a gap of {settings.perception_gap}+ points on an element).",
                    "Suggest a conversation where both compare their answers.",
                )
            )
        if r.health_index is not None and r.health_index >= settings.healthy_index and not r.needs_checkin:
            out.append(
                Finding(
                    "good",
                    f"Relationships are healthy: index {r.health_index:.0f} of 100.",
                    "Keep the current check-in rhythm.",
                )
            )
    if r.too_early:
        out.append(
            Finding(
                "watch",
                f"{r.too_early} pair(s) were matched less than {settings.too_early_days} days ago.",
                "Send them the check-in form after their first month.",
            )
        )
    if g.achieved:
        out.append(Finding("good", f"{g.achieved} goal(s) achieved.", "Celebrate them in the programme newsletter."))
    return sorted(out, key=lambda f: ("action", "watch", "good").index(f.level))
