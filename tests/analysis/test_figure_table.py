"""The tidy figure table: values equal score's, n and 95 % intervals worked by hand."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from mentorkit import store
from mentorkit.analysis import figure_table as figures
from tests.builders import (
    CHECKIN_HEADER,
    GOAL_UPDATES_HEADER,
    GOALS_HEADER,
    ROSTER_HEADER,
    checkin_row,
    header,
    import_csv,
    response_row,
)

AS_OF = date(2026, 11, 15)
MENTEE_ANSWERS = {  # me01..me06 → score, band
    "e1": ["yes"] * 6,  # 100, ready
    "e2": ["yes"] * 6,  # 100, ready
    "e3": ["yes", "yes", "yes", "no", "no", "no"],  # 50, developing
    "e4": ["yes", "yes", "yes", "yes", "yes", "no"],  # 83.3, ready
    "e5": ["yes", "yes", "no", "no", "no", "no"],  # 33.3, not yet
    "e6": ["yes", "yes", "yes", "yes", "no", "no"],  # 66.7, developing
}


@pytest.fixture
def cohort(sqlite_url, tmp_path):
    """Three mentors with two mentees each, matched 2026-06-01: every mentee answered, no mentor did."""
    engine = store.connect(sqlite_url)
    roster = [["c1", f"m{i}", "mentor", f"Mentor {i}", f"m{i}@x.org", "", "", "Eng"] for i in (1, 2, 3)]
    roster += [
        ["c1", f"e{i}", "mentee", f"Mentee {i}", f"e{i}@x.org", f"m{(i + 1) // 2}", "2026-06-01", "Eng"]
        for i in range(1, 7)
    ]
    import_csv(engine, "roster", ROSTER_HEADER, roster, tmp_path)
    readiness = [response_row("mentee_readiness", [p, "2026-06-02"], a) for p, a in MENTEE_ANSWERS.items()]
    import_csv(
        engine, "mentee_readiness", header("mentee_readiness", "participant_id", "submitted_at"), readiness, tmp_path
    )
    # e1..e5 rate every element 4 → health (4 − 1)/4 × 100 = 75, on track; e6 rates 2 → 25, needs a check-in
    checkins = [checkin_row(f"e{i}", "2026-11-01", 2 if i == 6 else 4) for i in range(1, 7)]
    import_csv(engine, "checkin", CHECKIN_HEADER, checkins, tmp_path)
    goals = [
        ["g1", "m1", "e1", "Lead a review", "", "2026-06-01", "2026-12-31", "yes", "yes"],
        ["g2", "m2", "e3", "Present at all-hands", "", "2026-06-01", "2026-12-31", "yes", "no"],
    ]
    import_csv(engine, "goals", GOALS_HEADER, goals, tmp_path)
    updates = [["g1", "e1", "2026-10-01", "100", "achieved", ""], ["g2", "e3", "2026-10-01", "60", "in_progress", ""]]
    import_csv(engine, "goal_updates", GOAL_UPDATES_HEADER, updates, tmp_path)
    return store.load(engine)


def by_name(frame: pd.DataFrame) -> dict[str, dict[str, object]]:
    return {row["figure"]: row for row in frame.to_dict("records")}


@pytest.mark.slow
def test_shares_and_means_carry_hand_worked_intervals(cohort):
    got = by_name(figures.cohort_figures(cohort, "c1", AS_OF))
    # mentee scores 100, 100, 50, 83.33, 33.33, 66.67: mean 72.22; in units of 100/6 the deviations
    # squared sum to 13.333 → × 277.78 = 3703.7; sd = sqrt(3703.7/5) = 27.2166; t(0.975, 5) = 2.570582;
    # half = 2.570582 × 27.2166 / sqrt(6) = 28.562 → (43.660, 100.784) clipped to 100
    mean = got["mentee_readiness.mean_score"]
    assert (mean["value"], mean["n"]) == (pytest.approx(433.3333 / 6), 6)
    assert (mean["ci_low"], mean["ci_high"]) == (pytest.approx(43.660, abs=1e-3), 100.0)
    # share ready 3 of 6: centre 0.5; half = 1.959964/1.640243 × sqrt(0.25/6 + 3.841459/144) = 0.312384
    ready = got["mentee_readiness.share_ready"]
    assert (ready["value"], ready["n"]) == (0.5, 6)
    assert (ready["ci_low"], ready["ci_high"]) == (pytest.approx(0.187616, abs=1e-5), pytest.approx(0.812384, abs=1e-5))
    # me06 yes by e1 and e2 only: 2 of 6 → centre 0.398389, half 0.301617
    me06 = got["mentee_readiness.items.me06.yes_rate"]
    assert (me06["value"], me06["n"]) == (pytest.approx(2 / 6), 6)
    assert (me06["ci_low"], me06["ci_high"]) == (pytest.approx(0.096772, abs=1e-5), pytest.approx(0.700006, abs=1e-5))
    # pair health 75 × 5 and 25: mean 66.67, sd = sqrt((5 × 8.333² + 41.667²)/5) = 20.4124,
    # half = 2.570582 × 20.4124 / sqrt(6) = 21.4215
    health = got["relationship.health_index"]
    assert (health["value"], health["n"]) == (pytest.approx(400 / 6), 6)
    assert health["ci_low"] == pytest.approx(45.245, abs=1e-3)
    assert health["ci_high"] == pytest.approx(88.088, abs=1e-3)
    # on track 5 of 6 pairs: the mirror of 1 of 6 (centre 0.296776, half 0.266725) → (0.436499, 0.969949)
    on_track = got["relationship.share_on_track"]
    assert (on_track["value"], on_track["n"]) == (pytest.approx(5 / 6), 6)
    assert on_track["ci_low"] == pytest.approx(0.436499, abs=1e-5)
    # goals: 1 of 2 achieved; z²/n = 1.920730, half = 1.959964/2.920730 × sqrt(0.125 + 3.841459/16) = 0.405469
    achieved = got["goals.share_achieved"]
    assert (achieved["value"], achieved["n"]) == (0.5, 2)
    assert achieved["ci_low"] == pytest.approx(0.094531, abs=1e-5)


@pytest.mark.slow
def test_counts_and_population_rates_get_no_interval_and_suppressed_figures_neither(cohort):
    got = by_name(figures.cohort_figures(cohort, "c1", AS_OF))
    rate = got["mentee_readiness.response_rate"]
    assert (rate["value"], rate["n"]) == (1.0, 6)
    assert pd.isna(rate["ci_low"]) and pd.isna(rate["ci_high"])
    # capacity items me02 and me06: e3, e4, e5 and e6 said no to me06 → 4 at risk
    assert (got["mentee_readiness.ready"]["value"], got["mentee_readiness.capacity_risk"]["value"]) == (3, 4)
    # no mentor answered (3 enrolled < k = 5): the mean and the share are hidden, with no interval
    for name in ("mentor_readiness.mean_score", "mentor_readiness.share_ready", "mentor_readiness.ready"):
        row = got[name]
        assert row["suppressed"] and pd.isna(row["value"]) and pd.isna(row["ci_low"]), name
    assert got["mentor_readiness.response_rate"]["value"] == 0 and not got["mentor_readiness.respondents"]["suppressed"]


@pytest.mark.slow
def test_the_table_holds_every_score_json_figure_with_the_same_value(cohort):
    from mentorkit.analysis import score

    table = figures.cohort_figures(cohort, "c1", AS_OF)
    assert list(table.columns) == list(figures.COLUMNS)
    values = by_name(table)
    flat: dict[str, object] = {}
    for section, content in score.score_cohort(cohort, "c1", AS_OF).to_dict().items():
        if isinstance(content, dict):
            flat.update({f"{section}.{k}": v for k, v in content.items() if k != "suppressed"})
    assert set(flat) <= set(values)
    for name, value in flat.items():
        got = values[name]["value"]
        assert (pd.isna(got) and value is None) or got == pytest.approx(value), name


def test_interval_text():
    assert figures.interval_text(0.72, 0.6149, 0.8251, percent=True) == "72 (61–83)"
    assert figures.interval_text(78.84, 70.06, 87.61) == "78.8 (70.1–87.6)"
    assert figures.interval_text(0.5, None, None, percent=True) == "50"
    assert figures.interval_text(None, None, None) == ""
