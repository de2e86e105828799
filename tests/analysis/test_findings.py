"""Findings carry a next step; the sample's figures (worked out in test_sample.py) drive them."""

from __future__ import annotations

from mentorkit import store
from mentorkit.analysis import findings as insights
from mentorkit.analysis import score
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
    assert [f.level for f in found] == sorted((f.level for f in found), key=("action", "watch", "good").index)


def test_goal_findings_for_the_engineering_cohort(sample_db):
    texts = [f.text for f in insights.goal_findings(detail(sample_db, "2026-spring-eng"), DEFAULT)]
    assert "1 goal(s) are past their target date and not achieved." in texts
    assert "2 goal(s) are behind the expected pace by more than 15 points." in texts
    assert "2 goal(s) have had no update for more than 45 days." in texts
    assert "2 goal(s) are not yet agreed by both mentor and mentee." in texts
    assert "4 of 12 pairs need a check-in." in texts
    assert "1 goal(s) achieved." in texts


def test_small_cohort_findings_say_what_is_hidden(sample_db):
    found = insights.readiness_findings(detail(sample_db, "2026-pilot-legal"), DEFAULT)
    hidden = [f for f in found if "hidden" in f.text]
    assert len(hidden) == 2 and all("more" in f.next_step for f in hidden)
    goal_texts = [f.text for f in insights.goal_findings(detail(sample_db, "2026-pilot-legal"), DEFAULT)]
    assert any(t.startswith("Relationship figures are hidden") for t in goal_texts)
    assert not any("pairs need a check-in" in t for t in goal_texts)
