"""The programme report above ``Settings.programme_max_cohorts``: top and bottom cohorts, full CSV, bounded findings."""

from __future__ import annotations

import csv
from datetime import date, datetime
from html import unescape

import pandas as pd
import pytest

from mentorkit import store
from mentorkit.analysis import compared, programme_findings
from mentorkit.analysis import figure_table as figures
from mentorkit.analysis.findings import Level
from mentorkit.reporting import charts, programme_data
from mentorkit.reporting import programme as programmekit
from mentorkit.settings import DEFAULT, Settings
from tests.conftest import SAMPLE_AS_OF

AS_OF = date(2026, 11, 15)
SAMPLE = ["2026-fall-ops", "2026-pilot-legal", "2026-spring-eng", "2026-spring-sales"]
ODD = "=cmd|<b>"  # a cohort id a spreadsheet would run and a page would render, were it not guarded and escaped


def _table(rows: list[tuple[str, str, float | None, int, float | None, float | None, bool]], day: date = AS_OF):
    frame = pd.DataFrame(rows, columns=["cohort_id", "figure", "value", "n", "ci_low", "ci_high", "suppressed"])
    reason = frame["suppressed"].map({True: "min_group_size", False: None})
    return frame.assign(as_of=pd.Timestamp(day), suppressed_reason=reason)[list(figures.COLUMNS)]


# nine cohorts' pair health index; with programme_max_cohorts 8 the report ranks (9 > 8), 8 // 4 = 2 per end.
# Ranked by value, highest first (ties by id): c3 90 (#1), ODD 80 (#2), c8 70 (#3), c9 65 (#4), c2 55 (#5),
# c5 55 (#6, the tie after c2), c7 40 (#7). c4 is hidden (3 respondents) and c6 has nothing recorded: neither ranks.
# Top 2: c3, ODD; bottom 2: c5, c7; 7 - 4 = 3 ranked in between.
HEALTH = [
    (ODD, 80.0, 10, 70.0, 90.0, False),
    ("c2", 55.0, 10, 45.0, 65.0, False),
    ("c3", 90.0, 12, 85.0, 95.0, False),
    ("c4", None, 3, None, None, True),
    ("c5", 55.0, 8, 40.0, 70.0, False),
    ("c6", None, 0, None, None, False),
    ("c7", 40.0, 9, 30.0, 50.0, False),
    ("c8", 70.0, 10, 60.0, 80.0, False),
    ("c9", 65.0, 10, 55.0, 75.0, False),
]


@pytest.fixture
def nine(tmp_path):
    rows = [(c, "relationship.health_index", v, n, lo, hi, s) for c, v, n, lo, hi, s in HEALTH]
    rows += [(c, "enrolled.mentor", 4.0, 4, None, None, False) for c, *_ in HEALTH]
    rows += [(c, "enrolled.mentee", 6.0, 6, None, None, False) for c, *_ in HEALTH]
    rows += [(c, "relationship.pairs", 6.0, 6, None, None, False) for c, *_ in HEALTH]
    table = _table(rows)
    cohorts = sorted(c for c, *_ in HEALTH)
    settings = Settings(programme_max_cohorts=8)
    return programme_data.ProgrammeContext(
        cohorts, AS_OF, settings, None, table, "-", datetime(2026, 11, 15, 6, 0), folder=tmp_path
    )


def test_the_setting_and_its_quarter():
    assert DEFAULT.programme_max_cohorts == 20 and programme_data.shown_per_end(DEFAULT) == 5  # 5 + 5 by default
    assert programme_data.shown_per_end(Settings(programme_max_cohorts=8)) == 2
    assert programme_data.shown_per_end(Settings(programme_max_cohorts=3)) == 1  # never none


def test_a_figure_ranks_its_shown_cohorts_only(nine):
    ranking = next(r for r in programme_data.rankings(nine) if r.figure == "relationship.health_index")
    assert [(rank, c) for rank, c, _ in ranking.top] == [(1, "c3"), (2, ODD)]
    assert [(rank, c) for rank, c, _ in ranking.bottom] == [(6, "c5"), (7, "c7")]
    assert (ranking.ranked, ranking.hidden, ranking.undefined) == (7, 1, 1)
    # a figure every cohort lacks ranks none and leaves all nine undefined
    achieved = next(r for r in programme_data.rankings(nine) if r.figure == "goals.share_achieved")
    assert (achieved.top, achieved.bottom, achieved.ranked, achieved.undefined) == ([], [], 0, 9)
    assert programme_data.shown_cohorts(nine) == sorted(["c3", ODD, "c5", "c7"])


def test_few_ranked_cohorts_are_all_shown_once():
    cells = compared.cells_of(_table([(c, "f", v, 9, None, None, False) for c, v in (("a", 1.0), ("b", 3.0))]))
    top, bottom, ranked, hidden = programme_data.rank_figure(cells, ["a", "b", "z"], "f", 2)
    assert [c for _, c, _ in top] == ["b", "a"] and bottom == [] and (ranked, hidden) == (2, 0)


def test_the_ranked_page_says_how_many_and_links_the_full_table(nine, tmp_path):
    page = programmekit.side_by_side(nine).data
    assert "9 cohorts in total, more than the 8 this report lists one by one" in page
    assert "the 2 highest and the 2 lowest" in page
    # c4 has its pair health hidden; no other headline figure is hidden anywhere (they are undefined)
    assert (
        "1 of the 9 cohorts have at least one of these figures hidden (fewer than 5 people's answers behind it)"
        in unescape(page)
    )
    assert "<a href='programme-cohorts.csv'>programme-cohorts.csv</a>" in page
    health = page[page.index("<h3>The pair health index</h3>") :]
    health = health[: health.index("</table>")]
    assert health.index(">c3<") < health.index("=cmd|&lt;b&gt;") < health.index(">c5<") < health.index(">c7<")
    assert "<b>" not in page  # the odd id is escaped
    assert "90.0 (85.0–95.0)" in health and "<td>7</td>" in health and "3 cohorts ranked in between" in health
    assert ">c8<" not in health and ">c4<" not in health and ">c6<" not in health
    assert (
        "Ranked: 7 of 9 cohorts; hidden (fewer than 5 people's answers behind it): 1; nothing recorded yet: 1."
        in unescape(page)
    )
    title = programmekit.title(nine).data
    assert "9 cohorts, the top and bottom of each figure" in title and "c9" not in title


def test_the_full_table_has_every_cohort_guarded(nine, tmp_path):
    programmekit.side_by_side(nine)
    with (tmp_path / "programme-cohorts.csv").open(encoding="utf-8", newline="") as f:
        rows = {r["cohort"]: r for r in csv.DictReader(f)}
    assert len(rows) == 9 and "'" + ODD in rows  # a leading = is quoted away, as in `mentorkit export`
    odd = rows["'" + ODD]
    assert (odd["pair health"], odd["pair health low"], odd["pair health high"], odd["pair health n"]) == (
        "80.0",
        "70.0",
        "90.0",
        "10",
    )
    assert (rows["c4"]["pair health"], rows["c4"]["pair health low"], rows["c4"]["pair health n"]) == (
        "hidden",
        "",
        "3",
    )
    assert rows["c6"]["pair health"] == "" and rows["c9"]["mentors"] == "4"
    assert not list(tmp_path.glob("*.tmp*"))  # written under a temporary name, then renamed


def test_the_ranked_chart_shows_the_top_and_bottom_highest_first(nine):
    chart = programmekit.comparison(nine, "health")
    assert isinstance(chart, charts.Chart)
    bars = chart.figure().data[0]
    # the cohort id reaches plotly with its tag as entities (plotly shows them as "<b>", renders nothing)
    assert list(bars.x) == ["c3", "=cmd|&lt;b&gt;", "c5", "c7"] and list(bars.y) == pytest.approx(
        [90.0, 80.0, 55.0, 40.0]
    )
    assert "top 2 and bottom 2 of 7 ranked cohorts" in chart.figure().layout.xaxis.title.text


def test_findings_name_at_most_the_limit_lowest_rates_first():
    cohorts = ["a", "b", "c", "d", "e"]
    rates = {"a": 0.5, "b": 0.7, "c": 0.3, "d": 0.9, "e": 0.6}
    table = _table(
        [(c, "mentor_readiness.mean_score", None, 2, None, None, True) for c in cohorts]
        + [(c, "mentee_readiness.response_rate", r, 10, None, None, False) for c, r in rates.items()]
    )
    unlimited = [f.text for f in programme_findings.programme_findings(table, cohorts, DEFAULT)]
    assert (
        "5 of 5 cohorts have figures hidden because fewer than 5 people's answers are behind them: a, b, c, d, e."
        in unlimited
    )
    # under 80 %: a, b, c, e, listed in cohort order below the threshold
    assert "answered the readiness checklist in a (50 %), b (70 %), c (30 %), e (60 %)." in unlimited[0]
    limited = [f.text for f in programme_findings.programme_findings(table, cohorts, DEFAULT, limit=2)]
    assert (
        "5 of 5 cohorts have figures hidden because fewer than 5 people's answers are behind them: a, b and 3 more "
        "(all in programme-cohorts.csv)." in limited
    )
    # lowest first: c 30 %, a 50 %, then e and b (the action comes before the watch)
    assert "in c (30 %), a (50 %) and 2 more (all in programme-cohorts.csv)." in limited[0]


def _trends() -> pd.DataFrame:
    # goals achieved on 30 Sep and 31 Oct: p 10 → 50 (+40), q 10 → 80 (+70), r 20 → 40 (+20): intervals apart;
    # s 50 → 55 overlaps (40–60 against 45–65): no finding
    points = {
        "p": ((0.1, 0.05, 0.2), (0.5, 0.4, 0.6)),
        "q": ((0.1, 0.05, 0.2), (0.8, 0.7, 0.9)),
        "r": ((0.2, 0.1, 0.3), (0.4, 0.35, 0.45)),
        "s": ((0.5, 0.4, 0.6), (0.55, 0.45, 0.65)),
    }
    parts = []
    for day, i in ((date(2026, 9, 30), 0), (date(2026, 10, 31), 1)):
        rows = [(c, "goals.share_achieved", v[i][0], 20, v[i][1], v[i][2], False) for c, v in points.items()]
        parts.append(_table(rows, day))
    return pd.concat(parts, ignore_index=True)


def test_trend_findings_keep_the_largest_changes_and_count_the_rest():
    every = programme_findings.trend_findings(_trends(), ["p", "q", "r", "s"], DEFAULT)
    assert [f.text.split(":")[0] for f in every] == ["p", "q", "r"]  # cohort order, as below the threshold
    few = programme_findings.trend_findings(_trends(), ["p", "q", "r", "s"], DEFAULT, limit=2)
    assert [f.text.split(":")[0] for f in few[:2]] == ["q", "p"]  # +70, then +40
    assert few[0].text == (
        "q: share of goals achieved rose from 10 % (5–20) on 2026-09-30 to 80 % (70–90) on 2026-10-31; "
        "the intervals do not overlap."
    )
    assert len(few) == 3 and few[2].level is Level.GOOD
    assert few[2].text.startswith("… and 1 more clear rise like this, not listed here")


@pytest.fixture(scope="module")
def sample_data(sample_db):
    return store.load(store.connect(sample_db, create=False))


@pytest.mark.slow
def test_the_sample_ranked_keeps_suppression_and_covers_the_shown_cohorts(sample_data, tmp_path):
    # k = 6 and programme_max_cohorts 3: 4 cohorts rank, 3 // 4 → 1 per end.
    # Goals achieved (never suppressed): sales 1 of 3 (33 %), eng 1 of 8 (12 %), ops 0 of 2, legal 0 of 1: the tie at
    # 0 goes by id, so ops is #3 and legal #4: top sales, bottom legal. Mentors ready: eng 6 scored (6 ≥ 6) ranks;
    # ops (4) and the others hide. Mentees ready: eng 9 ranks; sales 5 < 6 hides. So the report shows eng, sales
    # and legal, and never ops.
    settings = Settings(min_group_size=6, programme_max_cohorts=3)
    ctx = programme_data.programme_context(
        sample_data, SAMPLE, date.fromisoformat(SAMPLE_AS_OF), settings, folder=tmp_path
    )
    assert ctx.ranked and ctx.per_end == 1
    achieved = next(r for r in programme_data.rankings(ctx) if r.figure == "goals.share_achieved")
    assert [(rank, c) for rank, c, _ in achieved.top] == [(1, "2026-spring-sales")]
    assert [(rank, c) for rank, c, _ in achieved.bottom] == [(4, "2026-pilot-legal")]
    mentors = next(r for r in programme_data.rankings(ctx) if r.figure == "mentor_readiness.share_ready")
    assert [c for _, c, _ in mentors.top] == ["2026-spring-eng"] and mentors.hidden == 3
    assert programme_data.shown_cohorts(ctx) == ["2026-pilot-legal", "2026-spring-eng", "2026-spring-sales"]
    segments = programme_data.segment_table(ctx)
    assert sorted(segments["cohort_id"].unique()) == programme_data.shown_cohorts(ctx)
    assert "the breakdowns cover the 3 shown above" in programmekit.explain_segments(ctx).data
    # trends: goals achieved follows sales (solid) and legal (dotted) only
    line = programmekit.trend(ctx, "goals.share_achieved")
    if isinstance(line, charts.Chart):
        traces = line.to_dict()["data"]
        assert {t["name"] for t in traces} <= {"2026-spring-sales", "2026-pilot-legal"}
        assert all(t["line"].get("dash") == "dot" for t in traces if t["name"] == "2026-pilot-legal")
    # every section renders, and the full table has every cohort
    for section in (programmekit.title, programmekit.key_findings, programmekit.side_by_side, programmekit.footer):
        assert section(ctx).data
    for key in compared.BY_KEY:
        programmekit.comparison(ctx, key)
    with (tmp_path / "programme-cohorts.csv").open(encoding="utf-8") as f:
        assert sorted(r["cohort"] for r in csv.DictReader(f)) == SAMPLE


@pytest.mark.slow
def test_below_the_setting_nothing_is_ranked_or_written(sample_data, tmp_path):
    ctx = programme_data.programme_context(sample_data, SAMPLE, date.fromisoformat(SAMPLE_AS_OF), folder=tmp_path)
    assert not ctx.ranked and programme_data.shown_cohorts(ctx) == SAMPLE
    page = programmekit.side_by_side(ctx).data
    assert page.count("<tr>") == 1 + len(SAMPLE) and "programme-cohorts.csv" not in page
    assert not (tmp_path / "programme-cohorts.csv").exists()


@pytest.mark.slow
def test_trends_of_some_figures_are_those_rows_of_every_figure(sample_data):
    from mentorkit.analysis import programme

    only = ["relationship.health_index", "goals.share_achieved"]
    every = programme.trends(sample_data, None, AS_OF)
    some = programme.trends(sample_data, None, AS_OF, only=only)
    pd.testing.assert_frame_equal(some, every[every["figure"].isin(only)].reset_index(drop=True))
    assert set(some["figure"]) == set(only)


@pytest.mark.kernel
def test_a_run_below_the_setting_leaves_no_earlier_full_table(sample_db, tmp_path):
    from mentorkit.runs import programme as programmerun
    from mentorkit.runs.folder import PROGRAMME_HTML
    from mentorkit.runs.options import RunOptions

    stale = tmp_path / programmekit.FULL_TABLE
    stale.write_text("cohort\nfrom an earlier run\n", encoding="utf-8")
    options = RunOptions(as_of=AS_OF, out=tmp_path, db_url=sample_db)
    outcome = programmerun.run_programme(options, None)
    assert outcome.status == "ok", outcome.error
    assert not stale.exists()  # 4 cohorts, under 20: the page lists them all and links no table
    page = (tmp_path / PROGRAMME_HTML).read_text("utf-8")
    assert "Programme: 4 cohorts side by side" in page and "programme-cohorts.csv" not in page


@pytest.mark.slow
def test_a_programme_read_in_parts_is_the_programme_read_at_once(sample_db, sample_data):
    engine = store.connect(sample_db, create=False)
    parts = programme_data.load_in_chunks(engine, SAMPLE, size=1)  # four reads of one cohort each
    assert len(parts.participants) == len(sample_data.participants)
    for name, frame in sample_data.responses.items():
        assert sorted(parts.responses[name].columns) == sorted(frame.columns) and len(parts.responses[name]) == len(
            frame
        )
    whole = figures.programme_figures(sample_data, SAMPLE, AS_OF)
    pd.testing.assert_frame_equal(figures.programme_figures(parts, SAMPLE, AS_OF), whole)
