"""The programme report's sections: cohorts side by side with hand-worked intervals, findings, escaping."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from mentorkit import store
from mentorkit.analysis import compared, programme_findings
from mentorkit.analysis import figure_table as figures
from mentorkit.analysis.findings import Finding, Kind, Level
from mentorkit.errors import UsageError
from mentorkit.reporting import charts, programme_data, programme_tables
from mentorkit.reporting import cohort as reportkit
from mentorkit.reporting import programme as programmekit
from mentorkit.settings import DEFAULT
from tests.conftest import SAMPLE_AS_OF

COHORTS = ["2026-fall-ops", "2026-pilot-legal", "2026-spring-eng", "2026-spring-sales"]


@pytest.fixture(scope="module")
def programme(sample_db):
    data = store.load(store.connect(sample_db, create=False))
    return programme_data.programme_context(data, COHORTS, date(2026, 11, 15))


def test_cohorts_are_all_by_default_or_the_ones_asked_for():
    known = ["b", "a", "c"]
    assert programme_data.choose_cohorts(known, None) == ["a", "b", "c"]
    assert programme_data.choose_cohorts(known, ["c", "a", "c"]) == ["a", "c"]
    assert programme_data.choose_cohorts(known, "b") == ["b"]
    with pytest.raises(UsageError, match=r"unknown cohort.*'x'"):
        programme_data.choose_cohorts(known, ["a", "x"])
    with pytest.raises(UsageError, match="no cohort"):
        programme_data.choose_cohorts(known, [])


@pytest.mark.slow
def test_side_by_side_shows_hand_worked_intervals(programme):
    rows = programme_tables.comparison_rows(programme.figures, programme.cohorts).set_index("cohort")
    eng, sales, ops, legal = (
        rows.loc[c] for c in ("2026-spring-eng", "2026-spring-sales", "2026-fall-ops", "2026-pilot-legal")
    )
    # eng mentors ready 3 of 6: Wilson centre 0.5, half 0.312384 (worked in test_figures) → 19–81 %
    assert (eng["Mentors ready (%)"], eng["Mentors ready (%) n"]) == ("50 (19–81)", 6)
    # eng mentees ready 5 of 9 scored: p = 0.5556, z²/n = 0.426829; centre (0.5556 + 0.213414)/1.426829 = 0.538936,
    # half 1.959964/1.426829 × sqrt(0.5556·0.4444/9 + 3.841459/324) = 0.272285 → 26.7–81.1 %
    assert (eng["Mentees ready (%)"], eng["Mentees ready (%) n"]) == ("56 (27–81)", 9)
    # sales mentees ready 3 of 5: centre 0.984146/1.768292 = 0.556541, half 1.108393 × 0.293964 = 0.325828 → 23–88 %
    assert sales["Mentees ready (%)"] == "60 (23–88)"
    # ops: 5 mentors answered but only 4 checklists are complete (k = 5): the score is hidden beside n = 4
    assert (ops["Mentors mean score"], ops["Mentors mean score n"]) == ("hidden", 4)
    assert ops["Mentors ready (%)"] == "hidden"
    # eng goals achieved 1 of 8: centre 0.365091/1.480182 = 0.246652, half 1.324137 × 0.169346 = 0.224237 → 2–47 %
    assert eng["goals achieved (%)"] == "12 (2–47)"
    # response rates count a whole cohort: no interval (eng mentees 10 of 12)
    assert eng["response rate (mentors / mentees)"] == "100 % / 83 %"
    assert eng["mentors / mentees"] == "6 / 12"
    # 2 mentors, 2 mentees: every survey figure hidden, goals (never suppressed) shown: 0 of 1
    assert legal["Mentors ready (%)"] == legal["Mentees mean score"] == legal["pair health"] == "hidden"
    assert legal["goals achieved (%)"].startswith("0 (0–")
    assert ops["Mentees ready (%)"] == "hidden" and ops["Mentees ready (%) n"] == 4  # the count of people stays


def test_the_table_marks_hidden_figures_and_never_shows_their_numbers(programme):
    html = programmekit.side_by_side(programme).data
    assert html.count("<tr>") == 1 + len(COHORTS)
    legal = html[html.index("2026-pilot-legal") : html.index("</tr>", html.index("2026-pilot-legal"))]
    # share ready and mean score of both roles, pair health and pairs on track: 6 hidden; goals achieved shown:
    # 0 of 1, Wilson centre 1.920730/4.841459 = 0.396727, half 0.404829 × 0.979982 = 0.396725 → 0–79 %
    assert legal.count("mk-hidden") == 6 and "0 (0–79)" in legal
    assert "hidden: fewer than 5 people&#x27;s answers behind it" in html
    assert "50 (19–81)" in html and "n = 6" in html


def test_comparison_charts_draw_intervals_as_error_bars(programme):
    chart = programmekit.comparison(programme, "share_ready")
    assert isinstance(chart, charts.Chart)
    mentors = chart.figure().data[0]
    assert list(mentors.x) == COHORTS and mentors.name == "Mentors"
    # eng: 50 % with 18.76–81.24: the bar's error bar reaches 31.24 points either side
    i = COHORTS.index("2026-spring-eng")
    assert mentors.y[i] == pytest.approx(50.0)
    assert mentors.error_y.array[i] == pytest.approx(31.2384, abs=1e-3)
    assert mentors.error_y.arrayminus[i] == pytest.approx(31.2384, abs=1e-3)
    assert mentors.text[COHORTS.index("2026-pilot-legal")] == "hidden"
    assert mentors.text[i] == "50" and mentors.customdata[i] == "50 (19–81), n = 6"
    chart.figure()  # plotly keeps it as built


def test_a_comparison_with_nothing_to_show_says_so(sample_db):
    data = store.load(store.connect(sample_db, create=False), ["2026-pilot-legal"])
    ctx = programme_data.programme_context(data, ["2026-pilot-legal"], date(2026, 11, 15))
    out = programmekit.comparison(ctx, "health")
    assert not isinstance(out, charts.Chart) and "no cohort has a figure to show" in out.data


def _table(rows: list[tuple[str, str, float | None, int, float | None, float | None, bool]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["cohort_id", "figure", "value", "n", "ci_low", "ci_high", "suppressed"])
    reason = frame["suppressed"].map({True: "min_group_size", False: None})
    return frame.assign(as_of=pd.Timestamp(SAMPLE_AS_OF), suppressed_reason=reason)[list(figures.COLUMNS)]


def test_a_cohort_whose_interval_lies_below_anothers_is_a_finding():
    # 2 of 20 ready: p 0.1, z²/n 0.192073, centre 0.196036/1.192073 = 0.164450, half 1.644185 × 0.083078 = 0.136596
    # → 2.8–30.1 %; 18 of 20 mirrors it → 69.9–97.2 %: the intervals do not overlap
    table = _table(
        [
            ("a", "mentor_readiness.share_ready", 0.1, 20, 0.02785, 0.30105, False),
            ("b", "mentor_readiness.share_ready", 0.9, 20, 0.69895, 0.97215, False),
            ("c", "mentor_readiness.share_ready", None, 3, None, None, True),
            ("a", "mentee_readiness.response_rate", 0.5, 20, None, None, False),
            ("b", "mentee_readiness.response_rate", 1.0, 20, None, None, False),
        ]
    )
    found = programme_findings.programme_findings(table, ["a", "b", "c"], DEFAULT)
    texts = [f.text for f in found]
    assert texts[0] == (
        "a lags b on the share of mentors ready: 10 (3–30) against 90 (70–97); the 95 % intervals do not overlap."
    )
    assert found[0].level is Level.ACTION and found[0].next_step
    assert "Fewer than 80 % of mentees answered the readiness checklist in a (50 %)." in texts
    assert "1 of 3 cohorts has figures hidden because fewer than 5 people's answers are behind them: c." in texts
    assert not any("No cohort clearly lags" in t for t in texts)


def test_overlapping_intervals_are_not_called_a_difference():
    # 4 of 10 (16.8–68.7 %) and 6 of 10 (31.3–83.2 %) overlap: no cohort lags
    table = _table(
        [
            ("a", "goals.share_achieved", 0.4, 10, 0.168180, 0.687326, False),
            ("b", "goals.share_achieved", 0.6, 10, 0.312674, 0.831820, False),
        ]
    )
    found = programme_findings.programme_findings(table, ["a", "b"], DEFAULT)
    assert [f.level for f in found] == [Level.GOOD] and "No cohort clearly lags another" in found[0].text


@pytest.mark.slow
def test_the_report_context_loads_the_chosen_cohorts(sample_db, monkeypatch):
    monkeypatch.setenv("MENTORKIT_AS_OF", SAMPLE_AS_OF)
    ctx = programmekit.open_programme(None, sample_db, None, ["2026-spring-sales", "2026-spring-eng"])
    assert ctx.cohorts == ["2026-spring-eng", "2026-spring-sales"] and ctx.as_of == date(2026, 11, 15)
    assert sorted(ctx.figures["cohort_id"].unique()) == ctx.cohorts
    assert ctx.settings.min_group_size == DEFAULT.min_group_size
    small = programmekit.open_programme(SAMPLE_AS_OF, sample_db, 3, None)
    assert small.cohorts == COHORTS and small.settings.min_group_size == 3
    # with k = 3 the sales mentors (3 answered) are no longer hidden
    assert compared.cell(small.figures, "2026-spring-sales", "mentor_readiness.share_ready").suppressed is False
    assert "hidden: fewer than 3 people&#x27;s answers behind it" in programmekit.side_by_side(small).data


def _trend(cohort: str, figure: str, points: list[tuple[str, float, float, float, bool]]) -> list[tuple]:
    return [(cohort, figure, v, 10, lo, hi, hidden, d) for d, v, lo, hi, hidden in points]


def _trend_table(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["cohort_id", "figure", "value", "n", "ci_low", "ci_high", "suppressed", "as_of"]
    )
    reason = frame["suppressed"].map({True: "min_group_size", False: None})
    return frame.assign(as_of=pd.to_datetime(frame["as_of"]), suppressed_reason=reason)[list(figures.COLUMNS)]


def test_trend_points_leave_out_hidden_month_ends_and_scale_shares():
    table = _trend_table(
        _trend(
            "a",
            "goals.share_achieved",
            [("2026-05-31", None, None, None, True), ("2026-06-30", 0.25, 0.1, 0.5, False)],
        )
    )
    points = compared.trend_points(table, "goals.share_achieved", percent=True)
    assert points.to_dict("records") == [
        {"cohort": "a", "as_of": date(2026, 6, 30), "value": 25.0, "low": 10.0, "high": 50.0, "n": 10}
    ]


def test_trend_findings_name_clear_rises_and_falls_and_a_sharp_health_drop():
    rows = _trend(  # pair health: 45.0 (37–53) → 75.0 (67–83): intervals apart, a rise
        "a",
        "relationship.health_index",
        [("2026-06-30", 45.0, 37.0, 53.0, False), ("2026-07-31", 75.0, 67.0, 83.0, False)],
    )
    rows += _trend(  # pair health 80 → 68: overlapping intervals (no rise or fall), but 12 points down > 10
        "b",
        "relationship.health_index",
        [("2026-06-30", 80.0, 70.0, 90.0, False), ("2026-07-31", 68.0, 58.0, 78.0, False)],
    )
    rows += _trend(  # share on track 90 % (70–97) → 10 % (3–30): a fall
        "b",
        "relationship.share_on_track",
        [("2026-06-30", 0.9, 0.7, 0.97, False), ("2026-07-31", 0.1, 0.03, 0.3, False)],
    )
    found = programme_findings.trend_findings(_trend_table(rows), ["a", "b"], DEFAULT)
    texts: dict[str, list[str]] = {f.level.value: [] for f in found}
    for f in found:
        texts[f.level.value].append(f.text)
    assert texts["good"] == [
        "a: pair health index rose from 45.0 (37.0–53.0) on 2026-06-30 to 75.0 (67.0–83.0) on 2026-07-31; "
        "the intervals do not overlap."
    ]
    assert texts["watch"] == ["b: the pair health index fell by 12.0 points since 2026-06-30, more than 10."]
    assert texts["action"] == [
        "b: share of pairs on track fell from 90 % (70–97) on 2026-06-30 to 10 % (3–30) on 2026-07-31; "
        "the intervals do not overlap."
    ]
    kinds = {f.text.split(":")[0] + " " + f.level.value: f.kind for f in found}
    assert kinds == {"a good": Kind.ROSE, "b watch": Kind.HEALTH_DROPPED, "b action": Kind.FELL}


def test_a_finding_renders_its_level_as_the_class_and_its_text_escaped():
    found = [Finding(Kind.LAGS, Level.ACTION, "x <lags> y", "Ask & see")]
    assert reportkit.findings(found).data == (
        "<ul class='mk-findings'><li class='mk-f mk-f-action'><strong>x &lt;lags&gt; y</strong>"
        "<br><span class='mk-next'>Next step: Ask &amp; see</span></li></ul>"
    )


@pytest.mark.slow
def test_the_sample_trend_charts_start_when_a_figure_can_be_shown(programme):
    chart = programmekit.trend(programme, "relationship.health_index")
    assert isinstance(chart, charts.Chart)
    lines = {t.name: t for t in chart.figure().data}
    # only spring-eng has 5+ people with a check-in at any month end (sales has 3, ops 2); its first such is
    # June, whose people are a few short of July's: June is hidden by the differencing rule, the line starts in July
    assert list(lines) == ["2026-spring-eng"]
    eng = lines["2026-spring-eng"]
    assert eng.x[0] == "2026-07-31" and eng.x[-1] == "2026-11-15"
    table = programme_data.trend_table(programme)
    eng_health = table[(table["cohort_id"] == "2026-spring-eng") & (table["figure"] == "relationship.health_index")]
    june = eng_health.set_index("as_of").loc[pd.Timestamp(2026, 6, 30)]
    assert june["suppressed_reason"] == "differencing"
    assert eng.y[-1] == pytest.approx((675 + 975 / 14) / 10)  # the health index of test_sample.py


@pytest.mark.slow
def test_segment_tables_hide_small_segments_and_their_complement_and_escape_names(sqlite_url, tmp_path):
    from tests.builders import ROSTER_HEADER, header, import_csv, response_row

    engine = store.connect(sqlite_url)
    # one cohort, mentees only: department A has 6 people, "<i>R&D</i>" 5 and C 2
    people = [("A", 6), ("<i>R&D</i>", 5), ("C", 2)]
    roster, answers, n = [], [], 0
    for department, size in people:
        for _ in range(size):
            n += 1
            roster.append(["c1", f"e{n}", "mentee", f"Mentee {n}", f"e{n}@x.org", "", "", department])
            answers.append(response_row("mentee_readiness", [f"e{n}", "2026-06-02"], "yes"))
    import_csv(engine, "roster", ROSTER_HEADER, roster, tmp_path)
    import_csv(
        engine, "mentee_readiness", header("mentee_readiness", "participant_id", "submitted_at"), answers, tmp_path
    )
    ctx = programme_data.programme_context(store.load(engine), ["c1"], date(2026, 11, 15))
    rows = programme_tables.segment_rows(programme_data.segment_table(ctx), "department").set_index("segment")
    # A: 6 of 6 ready. Wilson: centre (1 + 0.320122)/1.640243 = 0.804834, half 1.194922 × sqrt(0 + 0.026677)
    # = 0.195166 → 61.0–100 %
    assert rows.loc["A", "Mentees ready (%)"] == "100 (61–100)" and rows.loc["A", "Mentees ready (%) n"] == 6
    # C (2 people) is under k = 5, hidden and unnamed (hidden); were it hidden alone, the cohort's total (13
    # people) less A (6) and R&D (5) would give C's figures, so the next smallest segment, R&D, is hidden too
    assert set(rows.index) == {"A", "<i>R&D</i>", "(hidden)"}
    for segment in ("(hidden)", "<i>R&D</i>"):
        assert rows.loc[segment, "Mentees ready (%)"] == "hidden"
        assert pd.isna(rows.loc[segment, "Mentees ready (%) n"])
        assert rows.loc[segment, "mentors / mentees"] == "hidden / hidden"
    html = programmekit.segment_breakdowns(ctx).data
    assert "<i>R&D</i>" not in html and "&lt;i&gt;R&amp;D&lt;/i&gt;" in html
    assert "<h3>By department</h3>" in html and "100 (61–100)" in html


def _outcomes(rows: list[tuple]) -> pd.DataFrame:
    columns = ["role", "band", "people", "goals", "share_achieved", "share_ci_low", "share_ci_high"]
    columns += ["pairs", "health", "health_ci_low", "health_ci_high", "suppressed"]
    return pd.DataFrame(rows, columns=columns)


def test_readiness_and_outcomes_show_n_intervals_and_hide_small_bands():
    table = _outcomes(
        [
            # 2 of 11 goals achieved: Wilson centre (0.181818 + 0.174612)/1.349224 = 0.264173,
            # half 1.452660 × sqrt(0.013524 + 0.007937) = 0.212808 → 5.1–47.7 %
            ("mentee", "ready", 12, 11, 2 / 11, 0.051365, 0.476981, 9, 73.0159, 60.7879, 85.2439, False),
            ("mentee", "not_yet", 1, 0, None, None, None, 1, None, None, None, True),
        ]
    )
    rows = programme_tables.outcome_rows(table, DEFAULT).to_dict("records")
    assert rows[0] == {
        "role": "Mentees",
        "band at the first complete checklist": "Ready (≥ 75)",
        "people": 12,
        "goals achieved (%)": "18 (5–48)",
        "goals": 11,
        "mean pair health": "73.0 (60.8–85.2)",
        "pairs": 9,
    }
    assert rows[1]["goals achieved (%)"] == rows[1]["mean pair health"] == "hidden" and rows[1]["people"] == 1


def test_a_clear_gap_between_bands_is_stated_as_an_association_not_a_cause():
    table = _outcomes(
        [  # 18 of 20 achieved (69.9–97.2 %) against 2 of 20 (2.8–30.1 %): the intervals are apart
            ("mentor", "ready", 10, 20, 0.9, 0.69895, 0.97215, 10, 70.0, 60.0, 80.0, False),
            ("mentor", "developing", 8, 20, 0.1, 0.02785, 0.30105, 8, 65.0, 55.0, 75.0, False),
        ]
    )
    found = programme_findings.outcome_findings(table)
    assert [f.text for f in found] == [
        "Mentors who started ready: 90 % (70–97) of their pairs' goals achieved, against 10 % (3–30) for those "
        "who started developing. An association, not cause."
    ]  # pair health 70 (60–80) against 65 (55–75) overlaps: no finding


def test_the_sample_outcome_view_says_association_not_cause(programme):
    html = programmekit.outcomes_table(programme).data + programmekit.explain_outcomes(programme).data
    assert html.count("This is an association, not cause") == 2
    assert "Ready (≥ 75)" in html
    assert isinstance(programmekit.outcome_chart(programme, "share"), charts.Chart)


@pytest.mark.slow
def test_the_programme_report_shows_no_month_end_one_person_short_of_the_next(sqlite_url, tmp_path):
    from tests.builders import late_sixth

    engine = store.connect(sqlite_url)
    late_sixth(engine, tmp_path)
    ctx = programme_data.programme_context(store.load(engine), ["d1"], date(2026, 7, 31))
    points = compared.trend_points(programme_data.trend_table(ctx), "mentee_readiness.share_ready", percent=True)
    # 30 June: 5 of 5 ready; 31 July: 5 of 6 (e6 all no). June's point would say e6 is not ready: left out
    assert list(points["as_of"]) == [date(2026, 7, 31)]
    assert points["value"].iloc[0] == pytest.approx(500 / 6) and points["n"].iloc[0] == 6
    assert "differ by 1 to 4 from those of a later point" in programmekit.explain_trends(ctx).data


def test_the_programme_report_opens_with_its_headline_tiles(programme):
    html = programmekit.headline(programme).data
    values = re.findall(r"mk-kpi-v'>([^<]*)</div><div class='mk-kpi-l'>([^<]*)<", html)
    # the sample's roster: mentors 5 + 2 + 6 + 3 = 16, mentees 5 + 2 + 12 + 6 = 25, one pair per mentee (25);
    # answered: every mentor (16 of 16 = 100 %), mentees 4 + 2 + 10 + 5 = 21 of 25 = 84 %;
    # goals 2 + 1 + 8 + 3 = 14, achieved 0 + 0 + 1 + 1 = 2 of 14 = 14.3 % → 14 %
    assert values == [
        ("4", "cohorts"),
        ("16", "mentors"),
        ("25", "mentees"),
        ("25", "matched pairs"),
        ("100 %", "mentor response rate"),
        ("84 %", "mentee response rate"),
        ("14", "goals"),
        ("14 %", "goals achieved"),
    ]
    assert "mk-kpi-hidden" not in html  # counts of people and the programme's own records: never hidden
