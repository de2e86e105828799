"""The explore dashboard redraws in place when a control changes (callbacks fire synchronously)."""

from __future__ import annotations

from mentorkit.explore import Explorer

from .conftest import SAMPLE_AS_OF


def test_switching_cohort_and_role_redraws(sample_db):
    explorer = Explorer(sample_db, SAMPLE_AS_OF)
    assert explorer.cohort.value == "2026-fall-ops"
    explorer.cohort.value = "2026-spring-eng"
    assert "Explore: 2026-spring-eng" in explorer.headline.value
    assert explorer.figures["items"].layout.title.text.startswith("Mentor checklist")
    explorer.role.value = "mentee"
    assert explorer.figures["items"].layout.title.text.startswith("Mentee checklist")
    # the goals chart shows the cohort's 8 goals (markers across the status traces)
    goals = explorer.figures["goals"]
    assert sum(len(t.x) for t in goals.data if t.mode == "markers") == 8
    assert explorer.last_redraw_seconds > 0


def test_as_of_date_changes_the_figures(sample_db):
    explorer = Explorer(sample_db, SAMPLE_AS_OF)
    explorer.cohort.value = "2026-spring-eng"
    explorer.as_of.value = explorer.as_of.value.replace(month=5, day=1)  # before any goal was set
    assert explorer.context().detail.score.goals.total == 0
