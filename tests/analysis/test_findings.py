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
    assert "1 mentor scores below 50 (not yet ready)." in texts
    assert "1 mentee checklist is incomplete and not scored." in texts
    assert any(t.startswith("2 mentees doubt they have the time") for t in texts)
    assert not any("answered the readiness checklist" in t for t in texts)  # 83 % is not below 80 %
    assert all(f.next_step for f in found)
    ranks = [f.level.rank for f in found]
    assert ranks == sorted(ranks)


def test_goal_findings_for_the_engineering_cohort(sample_db):
    texts = [f.text for f in insights.goal_findings(detail(sample_db, "2026-spring-eng"), DEFAULT)]
    assert "1 goal is past its target date and not achieved." in texts
    assert "2 goals are behind the expected pace by more than 15 points." in texts
    assert "2 goals have had no update for more than 45 days." in texts
    assert "2 goals are not yet agreed by both mentor and mentee." in texts
    assert "4 of 12 pairs need a check-in." in texts
    assert "1 goal achieved." in texts


@pytest.mark.slow
def test_small_cohort_findings_say_what_is_hidden(sample_db):
    found = insights.readiness_findings(detail(sample_db, "2026-pilot-legal"), DEFAULT)
    hidden = [f for f in found if "hidden" in f.text]
    # 2 mentors and 2 mentees, both answered: no answer can reach k = 5, so no step asks for more answers
    assert [f.text for f in hidden] == [
        "Mentor readiness figures are hidden: 2 complete checklists (2 of 2 mentors answered), fewer than 5.",
        "Mentee readiness figures are hidden: 2 complete checklists (2 of 2 mentees answered), fewer than 5.",
    ]
    assert [f.next_step for f in hidden] == [
        "The cohort has 2 mentors, fewer than 5, so its mentor figures stay hidden even when everyone answers: "
        "use its response counts and goal figures, which are shown, or give it and another cohort one cohort_id "
        "on the roster.",
        "The cohort has 2 mentees, fewer than 5, so its mentee figures stay hidden even when everyone answers: "
        "use its response counts and goal figures, which are shown, or give it and another cohort one cohort_id "
        "on the roster.",
    ]
    assert not any("more" in f.next_step for f in hidden)
    goal_texts = [f.text for f in insights.goal_findings(detail(sample_db, "2026-pilot-legal"), DEFAULT)]
    assert any(t.startswith("Relationship figures are hidden") for t in goal_texts)
    assert not any("pairs need a check-in" in t for t in goal_texts)


def _summary(respondents: int, incomplete: int, enrolled: int) -> score.ReadinessSummary:
    """A role's readiness summary with the score figures hidden (fewer than 5 complete checklists)."""
    return score.ReadinessSummary(respondents, respondents / enrolled, None, None, None, None, incomplete, True, None)


def test_hidden_readiness_text_counts_the_complete_checklists_behind_the_figures():
    # 8 mentees, 5 answered, 1 incompletely: 4 complete checklists, k = 5
    assert insights._hidden_text("mentee", _summary(5, 1, 8), 8, 5) == (
        "Mentee readiness figures are hidden: 4 complete checklists (5 of 8 mentees answered, 1 incompletely), "
        "fewer than 5."
    )
    assert insights._hidden_text("mentor", _summary(1, 0, 6), 6, 5) == (
        "Mentor readiness figures are hidden: 1 complete checklist (1 of 6 mentors answered), fewer than 5."
    )
    # the step asks for the 1 complete checklist still missing, from either source
    step = insights.hidden_readiness_step("mentee", 8, 5, 1, 5)
    assert step.startswith("Collect at least 1 more complete mentee checklist (3 mentees have not answered yet")
    assert "1 checklist is unfinished" in step


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


@pytest.mark.parametrize(
    ("enrolled", "respondents", "incomplete", "step"),
    [
        # fewer than k = 5 enrolled: even everyone's complete checklist leaves the figures hidden
        (
            2,
            2,
            0,
            "The cohort has 2 mentors, fewer than 5, so its mentor figures stay hidden even when everyone "
            "answers: use its response counts and goal figures, which are shown, or give it and another cohort one "
            "cohort_id on the roster.",
        ),
        (
            4,
            1,
            0,
            "The cohort has 4 mentors, fewer than 5, so its mentor figures stay hidden even when everyone "
            "answers: use its response counts and goal figures, which are shown, or give it and another cohort one "
            "cohort_id on the roster.",
        ),
        (
            1,
            0,
            0,
            "The cohort has 1 mentor, fewer than 5, so its mentor figures stay hidden even when everyone "
            "answers: use its response counts and goal figures, which are shown, or give it and another cohort one "
            "cohort_id on the roster.",
        ),
        # exactly k enrolled, 2 answered completely: 5 − 2 = 3 more, and 5 − 2 = 3 have not answered
        (
            5,
            2,
            0,
            "Collect at least 3 more complete mentor checklists (3 mentors have not answered yet), "
            "or report this cohort together with others.",
        ),
        # 6 enrolled, 5 answered of whom 1 incompletely: 5 − 4 = 1 more; 1 has not answered, 1 is unfinished
        (
            6,
            5,
            1,
            "Collect at least 1 more complete mentor checklist (1 mentor has not answered yet and "
            "1 checklist is unfinished), or report this cohort together with others.",
        ),
        # 5 enrolled, all answered, 2 incompletely: only finishing those can show the figures (5 − 3 = 2)
        (
            5,
            5,
            2,
            "Collect at least 2 more complete mentor checklists (2 checklists are unfinished), or report "
            "this cohort together with others.",
        ),
    ],
)
def test_the_step_for_hidden_readiness_is_possible_for_the_cohort(enrolled, respondents, incomplete, step):
    assert insights.hidden_readiness_step("mentor", enrolled, respondents, incomplete, 5) == step
    need = 5 - (respondents - incomplete)
    if enrolled >= 5:  # what it asks for is there to be had: the people not yet answered plus the unfinished
        assert need <= (enrolled - respondents) + incomplete


def test_the_step_for_hidden_relationships_counts_the_people_in_pairs():
    # M1 mentors E1 and E2, M2 mentors E3: 2 mentors + 3 mentees = 5 people in 3 pairs
    pairs = pd.DataFrame({"mentor_id": ["M1", "M1", "M2"], "mentee_id": ["E1", "E2", "E3"]})
    assert insights.paired_people(pairs) == 5
    assert insights.paired_people(pairs.iloc[:0]) == 0
    assert insights.hidden_relationship_step(5, 5) == "Send the check-in form to every pair."
    # 2 pairs, 4 people: everyone sending a check-in still leaves 4 < 5
    assert insights.hidden_relationship_step(4, 5) == (
        "The cohort's pairs hold 4 people, fewer than 5, so its relationship figures stay hidden even when "
        "everyone sends a check-in: use its goal figures, which are shown, or give it and another cohort one "
        "cohort_id on the roster."
    )
    assert "1 person, fewer than 5" in insights.hidden_relationship_step(1, 5)


def test_hidden_cohorts_are_told_to_collect_more_only_when_they_can():
    step = programme_findings.hidden_cohorts_step
    assert step(["a", "b"], [], 5) == (
        "Collect more answers there, or compare them together as one group rather than one by one."
    )
    assert step([], ["legal"], 5) == (
        "Some figures of legal stay hidden even when everyone answers: it has fewer than 5 mentors or mentees. "
        "Compare it with other cohorts as one group: give it and another cohort one cohort_id on the roster."
    )
    both = step(["ops"], ["legal", "sales"], 5)
    assert both.startswith("Collect more answers in ops. Some figures of legal, sales stay hidden")
    assert "they have fewer than 5 mentors or mentees" in both


def test_the_programme_finding_on_hidden_figures_tells_small_cohorts_apart():
    # a: 6 mentors and 6 mentees, 3 mentors answered (hidden); b: 2 mentors and 8 mentees (too small to show)
    rows = [
        ("a", "enrolled.mentor", 6, 6, None, None),
        ("a", "enrolled.mentee", 6, 6, None, None),
        ("a", "mentor_readiness.mean_score", float("nan"), 3, None, None),
        ("b", "enrolled.mentor", 2, 2, None, None),
        ("b", "enrolled.mentee", 8, 8, None, None),
        ("b", "mentor_readiness.mean_score", float("nan"), 2, None, None),
    ]
    table = _programme_table(rows)
    table["suppressed"] = table["figure"].str.endswith("mean_score")
    found = [
        f for f in programme_findings.programme_findings(table, ["a", "b"], DEFAULT) if f.kind.value == "hidden_cohorts"
    ]
    assert [f.text for f in found] == [
        "2 of 2 cohorts have figures hidden because fewer than 5 people's answers are behind them: a, b."
    ]
    assert found[0].next_step == (
        "Collect more answers in a. Some figures of b stay hidden even when everyone answers: it has fewer than "
        "5 mentors or mentees. Compare it with other cohorts as one group: give it and another cohort one cohort_id "
        "on the roster."
    )
