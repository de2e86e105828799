"""Findings carry a next step; the sample's figures (worked out in test_sample.py) drive them."""

from __future__ import annotations

import pandas as pd
import pytest

from mentorkit import store
from mentorkit.analysis import figure_table as figures
from mentorkit.analysis import findings as insights
from mentorkit.analysis import programme_findings, score
from mentorkit.settings import DEFAULT
from tests.conftest import SAMPLE_AS_OF


def detail(sample_db: str, cohort: str) -> score.CohortDetail:
    return score.cohort_detail(store.load(store.connect(sample_db), [cohort]), cohort, score.parse_as_of(SAMPLE_AS_OF))


def test_readiness_findings_for_the_engineering_cohort(sample_db):
    found = insights.readiness_findings(detail(sample_db, "2026-spring-eng"), DEFAULT)
    texts = [f.text for f in found]
    # mentors: 1 not yet (45.5); mentees: 1 incomplete, 1 not yet, 2 capacity risks, 10 of 12 answered (83 %)
    assert "1 mentor(s) score below 50 (not yet ready)." in texts
    assert "1 mentee checklist(s) are incomplete and not scored." in texts
    assert any(t.startswith("2 mentee(s) doubt they have the time") for t in texts)
    assert not any("answered the readiness checklist" in t for t in texts)  # 83 % is not below 80 %
    assert all(f.next_step for f in found)
    ranks = [f.level.rank for f in found]
    assert ranks == sorted(ranks)


def test_goal_findings_for_the_engineering_cohort(sample_db):
    texts = [f.text for f in insights.goal_findings(detail(sample_db, "2026-spring-eng"), DEFAULT)]
    assert "1 goal(s) are past their target date and not achieved." in texts
    assert "2 goal(s) are behind the expected pace by more than 15 points." in texts
    assert "2 goal(s) have had no update for more than 45 days." in texts
    assert "2 goal(s) are not yet agreed by both mentor and mentee." in texts
    assert "4 of 12 pairs need a check-in." in texts
    assert "1 goal(s) achieved." in texts


@pytest.mark.slow
def test_small_cohort_findings_say_what_is_hidden(sample_db):
    found = insights.readiness_findings(detail(sample_db, "2026-pilot-legal"), DEFAULT)
    hidden = [f for f in found if "hidden" in f.text]
    # 2 mentors and 2 mentees, k = 5: no number of answers can show the scores, so no advice asks for more
    assert len(hidden) == 2 and not any("more" in f.next_step for f in hidden)
    assert "This cohort has 2 mentors, fewer than 5" in " ".join(f.next_step for f in hidden)
    goal_texts = [f.text for f in insights.goal_findings(detail(sample_db, "2026-pilot-legal"), DEFAULT)]
    assert any(t.startswith("Relationship figures are hidden") for t in goal_texts)
    assert not any("pairs need a check-in" in t for t in goal_texts)


def _summary(respondents: int, incomplete: int, enrolled: int) -> score.ReadinessSummary:
    """A role's readiness summary with the score figures hidden (fewer than 5 complete checklists)."""
    return score.ReadinessSummary(respondents, respondents / enrolled, None, None, None, None, incomplete, True, None)


def test_hidden_readiness_counts_complete_checklists_and_asks_only_what_is_possible():
    # 8 mentees, 5 answered, 1 incompletely: 4 complete, k = 5 → 1 more complete checklist, from the
    # 1 incomplete or the 3 who have not answered
    text, advice = (
        insights._hidden_text("mentee", _summary(5, 1, 8), 8, 5),
        insights._hidden_advice("mentee", _summary(5, 1, 8), 8, 5),
    )
    assert (
        text
        == "Mentee readiness figures are hidden: 4 complete checklists (5 of 8 mentees answered, 1 incompletely), fewer than 5."
    )
    assert advice.startswith(
        "Ask for 1 more complete mentee checklist from the 1 who left theirs incomplete or the 3 who have not answered"
    )
    # 6 mentors, all 3 who answered complete: 2 more, only from those who have not answered
    assert insights._hidden_advice("mentor", _summary(3, 0, 6), 6, 5).startswith(
        "Ask for 2 more complete mentor checklists from the 3 who have not answered"
    )
    # 4 mentors in all (k = 5): however many answer, the scores stay hidden; no advice to collect more
    small = insights._hidden_advice("mentor", _summary(4, 0, 4), 4, 5)
    assert "Ask for" not in small and "This cohort has 4 mentors, fewer than 5" in small


def test_levels_are_listed_most_urgent_first_and_keep_their_order_within_a_level():
    assert [level.value for level in insights.Level] == ["action", "watch", "good"]
    assert [level.rank for level in insights.Level] == [0, 1, 2]
    good = insights.Finding(insights.Kind.ACHIEVED, insights.Level.GOOD, "g", "-")
    first = insights.Finding(insights.Kind.STALE, insights.Level.WATCH, "w1", "-")
    second = insights.Finding(insights.Kind.UNAGREED, insights.Level.WATCH, "w2", "-")
    act = insights.Finding(insights.Kind.OVERDUE, insights.Level.ACTION, "a", "-")
    assert [f.text for f in insights.most_urgent_first([good, first, act, second])] == ["a", "w1", "w2", "g"]


def _programme_table(rows: list[tuple[str, str, float, int, float | None, float | None]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["cohort_id", "figure", "value", "n", "ci_low", "ci_high"])
    return frame.assign(suppressed=False, suppressed_reason=None, as_of=pd.Timestamp(SAMPLE_AS_OF))[
        list(figures.COLUMNS)
    ]


def test_a_cohort_that_lags_is_one_finding_of_kind_lags_and_level_action():
    # mentees ready: a 2 of 20 (Wilson 2.785–30.105 %), b 18 of 20 (69.895–97.215 %): 30.1 < 69.9, apart.
    # Both answered 19 of 20 (95 %, not below 80 %) and nothing is hidden: the lag is the only finding.
    table = _programme_table(
        [
            ("a", "mentee_readiness.share_ready", 0.1, 20, 0.02785, 0.30105),
            ("b", "mentee_readiness.share_ready", 0.9, 20, 0.69895, 0.97215),
            ("a", "mentee_readiness.response_rate", 0.95, 20, None, None),
            ("b", "mentee_readiness.response_rate", 0.95, 20, None, None),
        ]
    )
    found = programme_findings.programme_findings(table, ["a", "b"], DEFAULT)
    assert found == [
        insights.Finding(
            insights.Kind.LAGS,
            insights.Level.ACTION,
            "a lags b on the share of mentees ready: 10 (3–30) against 90 (70–97); the 95 % intervals do not overlap.",
            "Hold an orientation session on what the programme asks, and ask again in a month.",
        )
    ]


def test_a_cohort_named_like_a_lag_is_no_lag():
    # "flags" answered 1 of 2 (50 %): a low response rate (action) whose text holds "lags"; nothing compares
    table = _programme_table([("flags", "mentor_readiness.response_rate", 0.5, 2, None, None)])
    found = programme_findings.programme_findings(table, ["flags"], DEFAULT)
    assert [(f.kind, f.level) for f in found] == [
        (insights.Kind.LOW_RESPONSE_COHORTS, insights.Level.ACTION),
        (insights.Kind.NO_LAG, insights.Level.GOOD),
    ]
    assert found[0].text == "Fewer than 80 % of mentors answered the readiness checklist in flags (50 %)."
