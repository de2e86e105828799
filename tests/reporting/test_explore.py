"""The explore workbench without a browser: ipywidgets fire callbacks synchronously on ``widget.value = …``."""

from __future__ import annotations

import csv
import re
from datetime import date

import pandas as pd
import pytest

from mentorkit import store
from mentorkit.analysis import programme, score
from mentorkit.reporting.explore import SCOPE, Explorer, scoped_css, scored_pairs, style_html
from tests.builders import ROSTER_HEADER, header, import_csv, response_row
from tests.conftest import SAMPLE_AS_OF

READY = "mentors ready %"


def cell(explorer: Explorer, cohort: str, column: str, segment: str | None = None) -> str:
    """One cell of the comparison table as shown."""
    table = explorer.table
    rows = table[table["cohort"] == cohort]
    if segment is not None:
        rows = rows[rows[explorer.attribute.value] == segment]
    assert len(rows) == 1, rows
    return str(rows.iloc[0][column])


@pytest.mark.slow
def test_choosing_cohorts_changes_what_the_table_holds(sample_db):
    explorer = Explorer(sample_db, SAMPLE_AS_OF)
    # the sample's four cohorts are all compared when the dashboard opens
    assert list(explorer.table["cohort"]) == [
        "2026-fall-ops",
        "2026-pilot-legal",
        "2026-spring-eng",
        "2026-spring-sales",
    ]
    explorer.cohorts.value = ("2026-spring-sales", "2026-spring-eng")
    assert list(explorer.table["cohort"]) == ["2026-spring-eng", "2026-spring-sales"]  # in the list's order
    # eng mentors: 3 ready of 6 scored (tests/e2e/test_sample.py). Wilson, z = 1.96, n = 6, p = 0.5:
    #   centre (0.5 + 3.8416/12) / (1 + 3.8416/6) = 0.5; half 1.96/1.64027 × √(0.25/6 + 3.8416/144) = 0.3124
    #   → 0.188–0.812 → "50 (19–81)"
    assert cell(explorer, "2026-spring-eng", READY) == "50 (19–81) · n 6"
    # sales: 3 mentors answered (< 5) → hidden, with its n; goals 1 achieved of 3. Wilson n = 3, p = 1/3:
    #   centre (0.3333 + 0.6403) / 2.2805 = 0.4269; half 0.8594 × √(0.07407 + 0.10671) = 0.3654 → "33 (6–79)"
    assert cell(explorer, "2026-spring-sales", "mentor mean score") == "hidden · n 3"
    assert cell(explorer, "2026-spring-sales", "goals achieved %") == "33 (6–79) · n 3"
    # response rates describe the whole cohort: no interval; eng mentees 10 of 12 → 83 %
    assert cell(explorer, "2026-spring-eng", "mentee response rate %") == "83 · n 12"
    # the tidy rows behind it: 9 headline figures per cohort, values unrounded
    assert len(explorer.shown) == 2 * 9
    share = explorer.shown.set_index(["cohort_id", "figure"]).loc[("2026-spring-eng", "mentor_readiness.share_ready")]
    assert share["value"] == 0.5 and share["n"] == 6
    assert share["ci_low"] == pytest.approx(0.18762, abs=1e-4) and share["ci_high"] == pytest.approx(0.81238, abs=1e-4)
    # the chart shows the chosen figure for the same rows: eng 50 with its interval as error bars
    chart = explorer.figures["compare"]
    bars = chart.data[0]
    assert bars["y"] == ["2026-spring-sales (hidden)", "2026-spring-eng"]  # bottom to top
    assert bars["error_x"]["arrayminus"][1] == pytest.approx(50 - 18.762, abs=0.01)

    explorer.cohorts.value = ()
    assert explorer.table.empty and explorer.shown.empty
    assert "Choose one or more cohorts" in explorer.view.outputs[0]["data"]["text/html"]


@pytest.mark.slow
def test_the_as_of_slider_runs_over_month_ends_and_shows_what_was_known_then(sample_db):
    explorer = Explorer(sample_db, SAMPLE_AS_OF)
    # the earliest match is 2026-05-18 (spring-eng): month ends May to October, then the as-of date itself
    assert [d for _, d in explorer.as_of.options] == [
        date(2026, 5, 31),
        date(2026, 6, 30),
        date(2026, 7, 31),
        date(2026, 8, 31),
        date(2026, 9, 30),
        date(2026, 10, 31),
        date(2026, 11, 15),
    ]
    assert explorer.as_of.value == date(2026, 11, 15)
    # the same dates as the programme report's trends
    trend_dates = programme.trends(explorer.data, None, date(2026, 11, 15))["as_of"].dt.date.unique()
    assert sorted(trend_dates) == [d for _, d in explorer.as_of.options]
    # fall-ops mentors sent their checklists on 6–14 October (data/sample/mentor_readiness.csv)
    explorer.as_of.value = date(2026, 9, 30)
    assert cell(explorer, "2026-fall-ops", "mentor response rate %") == "0 · n 5"
    assert "As of 2026-09-30" in explorer.headline.value  # the drill-down follows the date too
    explorer.as_of.value = date(2026, 10, 31)
    assert cell(explorer, "2026-fall-ops", "mentor response rate %") == "100 · n 5"
    assert set(explorer.shown["as_of"]) == {pd.Timestamp("2026-10-31")}


@pytest.mark.slow
def test_figures_redraw_in_place(sample_db):
    explorer = Explorer(sample_db, SAMPLE_AS_OF)
    counts = (len(explorer.view.outputs), len(explorer.drill.outputs))
    assert counts == (2, 6)  # table + chart; four charts + pairs + goals
    explorer.cohorts.value = ("2026-spring-eng",)
    explorer.as_of.value = date(2026, 8, 31)
    explorer.role.value = "mentee"
    assert (len(explorer.view.outputs), len(explorer.drill.outputs)) == counts  # replaced, never appended
    assert explorer.last_redraw_seconds > 0


@pytest.mark.slow
def test_drill_down_follows_the_choice_and_shows_pairs_and_goals_by_pseudonymous_id(sample_db):
    explorer = Explorer(sample_db, SAMPLE_AS_OF)
    assert explorer.cohort.value == "2026-fall-ops"
    explorer.cohort.value = "2026-spring-eng"
    assert "Explore: 2026-spring-eng" in explorer.headline.value
    assert explorer.figures["items"].layout["title"]["text"].startswith("Mentor checklist")
    explorer.role.value = "mentee"
    assert explorer.figures["items"].layout["title"]["text"].startswith("Mentee checklist")
    goals = explorer.figures["goals"].figure()  # the cohort's 8 goals, as markers across the status traces
    assert sum(len(t.x) for t in goals.data if t.mode == "markers") == 8
    pairs_html, goals_html = (o["data"]["text/html"] for o in explorer.drill.outputs[-2:])
    assert pairs_html.count("<tr>") == 12 and goals_html.count("<tr>") == 8  # body rows (the header's has a style)
    assert "M-ENG-01" in pairs_html and "E-ENG-01" in pairs_html
    # a pair is named by its people's pseudonymous ids, as in the reports, never by its database number
    first = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<tr>\s*<td>(.*?)</td>", pairs_html)]
    assert len(first) == 12 and first[0] == "M-ENG-01 &amp; E-ENG-01"
    assert all(re.fullmatch(r"M-ENG-\d\d &amp; E-ENG-\d\d", f) for f in first), first
    goal_rows = [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", goals_html, re.S)]
    goal_pairs = [re.sub(r"<[^>]+>", "", cells[1]) for cells in goal_rows if len(cells) > 1]
    assert len(goal_pairs) == 8 and all(re.fullmatch(r"M-ENG-\d\d &amp; E-ENG-\d\d", g) for g in goal_pairs)
    # and the table for one's own analysis too: a "pair" label, no pair_id
    own = scored_pairs(explorer.context())
    assert "pair_id" not in own.columns and list(own["pair"])[:2] == ["M-ENG-01 & E-ENG-01", "M-ENG-01 & E-ENG-02"]
    assert "Amara" not in pairs_html + goals_html and "@" not in pairs_html + goals_html  # no names, no e-mails
    # dropping the drilled-down cohort from the comparison moves the drill-down to the first one left
    explorer.cohorts.value = ("2026-fall-ops", "2026-spring-sales")
    assert explorer.cohort.options == ("2026-fall-ops", "2026-spring-sales")
    assert explorer.cohort.value == "2026-fall-ops" and "Explore: 2026-fall-ops" in explorer.headline.value
    # fall-ops' relationship figures are hidden (1 pair with a check-in): its pairs show no health or status
    pairs_html = explorer.drill.outputs[-2]["data"]["text/html"]
    assert "M-OPS-01" in pairs_html and "health" not in pairs_html and "On track" not in pairs_html


HOSTILE = '=HYPERLINK("http://evil.example","<b>x</b>")'


@pytest.fixture
def departments(tmp_path):
    """One cohort of mentors in three departments: 6 in HOSTILE (4 all yes, 2 all no), 5 in Alpha, 2 in Gamma."""
    url = f"sqlite:///{tmp_path / 'data' / 'dept.db'}"
    engine = store.connect(url)
    people = [(f"H{i}", HOSTILE) for i in range(1, 7)] + [(f"A{i}", "Alpha") for i in range(1, 6)]
    people += [("G1", "Gamma"), ("G2", "Gamma")]
    roster = [["c1", pid, "mentor", f"Mentor {pid}", f"{pid.lower()}@example.com", "", "", d] for pid, d in people]
    import_csv(engine, "roster", ROSTER_HEADER, roster, tmp_path)
    answers = {"H5": "no", "H6": "no"}
    rows = [response_row("mentor_readiness", [p, "2026-03-01"], answers.get(p, "yes")) for p, _ in people]
    import_csv(engine, "mentor_readiness", header("mentor_readiness", "participant_id", "submitted_at"), rows, tmp_path)
    return url


@pytest.mark.slow
def test_a_breakdown_hides_small_segments_and_their_complement(departments):
    explorer = Explorer(departments, "2026-03-31")
    assert explorer.attribute.options == (("nothing", ""), ("department", "department"))
    # the whole cohort: 13 mentors, all yes but H5 and H6 → 11 ready of 13. Wilson n = 13, p = 0.8462:
    #   centre (0.8462 + 3.8416/26) / (1 + 3.8416/13) = 0.7672; half 1.5129 × √(0.010014 + 0.005683) = 0.1896
    #   → 0.578–0.957 → "85 (58–96)"
    assert cell(explorer, "c1", READY) == "85 (58–96) · n 13"
    explorer.attribute.value = "department"
    assert list(explorer.table.columns[:2]) == ["cohort", "department"]
    # Gamma has 2 people (< 5): hidden, and its name is not shown; exactly one hidden → the next smallest
    # (Alpha, n 5 < 6) hidden too
    assert cell(explorer, "c1", READY, "(hidden)") == "hidden"
    assert "Gamma" not in set(explorer.table["department"])
    assert cell(explorer, "c1", READY, "Alpha") == "hidden"
    # HOSTILE: 4 ready of 6. Wilson n = 6, p = 2/3: centre (0.6667 + 0.3201) / 1.6403 = 0.6016;
    #   half 1.1949 × √(0.2222/6 + 0.02668) = 0.3016 → 0.300–0.903 → "67 (30–90)"
    assert cell(explorer, "c1", READY, HOSTILE) == "67 (30–90) · n 6"
    # mean score 4 × 100, 2 × 0 → 66.67; sd √(13333.3/5) = 51.64, se 21.08, t(0.975, 5) = 2.5706 → ± 54.2
    #   → 12.5–120.9, clipped to the 0–100 scale
    assert cell(explorer, "c1", "mentor mean score", HOSTILE) == "66.7 (12.5–100.0) · n 6"
    # the segment's name reaches the page escaped
    html = explorer.view.outputs[0]["data"]["text/html"]
    assert "<b>" not in html and '=HYPERLINK("http://evil.example","&lt;b&gt;x&lt;/b&gt;")' in html


@pytest.mark.slow
def test_export_writes_the_table_on_screen_guarded_against_formulas(departments, tmp_path):
    explorer = Explorer(departments, "2026-03-31")
    explorer.attribute.value = "department"
    explorer.export_button.click()  # the button writes exports/explore-<as-of>.csv in the workspace
    written = tmp_path / "exports" / "explore-2026-03-31.csv"
    assert written.is_file() and "explore-2026-03-31.csv" in explorer.status.value
    assert [p.name for p in written.parent.iterdir()] == [written.name]  # no temporary file left behind
    with written.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(explorer.shown) == 3 * 9  # three segments × nine headline figures
    assert set(rows[0]) == {"cohort_id", "as_of", "figure", "value", "n", "ci_low", "ci_high", "suppressed",
                            "suppressed_reason", "attribute", "segment"}  # fmt: skip
    segments = {r["segment"] for r in rows}
    # the hostile department opens as text in a spreadsheet: a leading ' before the =
    assert segments == {"'" + HOSTILE, "Alpha", "(hidden)"}  # Gamma (2 people) is not named
    ready = next(r for r in rows if r["segment"] == "'" + HOSTILE and r["figure"] == "mentor_readiness.share_ready")
    assert float(ready["value"]) == pytest.approx(4 / 6) and ready["n"] == "6"
    # a path given in code is used as is
    other = explorer.export_csv(tmp_path / "mine.csv")
    assert other.read_text(encoding="utf-8") == written.read_text(encoding="utf-8")


def test_the_report_stylesheet_is_confined_to_the_dashboard():
    css = """/* a comment { with braces } */
:root { --ink: #111; }
body, .mk-kpi { color: red; }
main { max-width: 9px; }
.jp-Cell, .jp-OutputArea { margin: 0; }
.mk-nav a { color: blue; }
@font-face { font-family: x; src: url(x.woff); }
@media (max-width: 600px) { h1 { font-size: 1px; } .mk-kpi-v { font-size: 2px; } }
@media print { .mk-nav { display: none; } }"""
    # by hand: the root's rules move to the scope, page furniture and @font-face go, @media keeps scoped rules
    assert scoped_css(css, "s") == (
        ".s { --ink: #111; }\n"
        ".s, .s .mk-kpi { color: red; }\n"
        "@media (max-width: 600px) {\n.s h1 { font-size: 1px; }\n.s .mk-kpi-v { font-size: 2px; }\n}"
    )
    # the real stylesheet: every selector of every rule starts with the scope
    shipped = style_html()
    assert shipped.startswith("<style>") and shipped.endswith("</style>")
    body = shipped.removeprefix("<style>").removesuffix("</style>")
    selectors = []
    for line in body.splitlines():
        if "{" in line and not line.startswith("@media"):
            selectors += [s.strip() for s in line.split("{")[0].split(",")]
    assert selectors and all(s == f".{SCOPE}" or s.startswith(f".{SCOPE} ") for s in selectors)
    assert ".mk-kpi {" in body.replace(f".{SCOPE} ", "") and ".jp-" not in body


@pytest.mark.slow
def test_neither_the_slider_nor_two_breakdowns_give_one_persons_answers_away(tmp_path):
    from mentorkit.settings import Settings
    from tests.builders import late_sixth, one_apart

    url = f"sqlite:///{tmp_path / 'data' / 'apart.db'}"
    engine = store.connect(url)
    late_sixth(engine, tmp_path)
    one_apart(engine, tmp_path)
    explorer = Explorer(url, "2026-07-31", Settings(segment_attributes=("site",)))
    explorer.cohorts.value = ("d1",)
    # d1 on 31 July: 6 mentees scored, mean (5 × 100 + 0) ÷ 6 = 83.3 (t interval: wide, clipped)
    assert cell(explorer, "d1", "mentee mean score").startswith("83.3 (")
    # on 30 June the 5 (mean 100) are one person short of July's 6: hidden, with its n
    explorer.as_of.value = date(2026, 6, 30)
    assert cell(explorer, "d1", "mentee mean score") == "hidden · n 5"
    html = explorer.view.outputs[0]["data"]["text/html"]
    assert "differ by 1 to 4" in html
    # d2: department A (a1..a6) and site X (a1..a5) differ by a6: no segment's mean is shown in either breakdown
    explorer.as_of.value = date(2026, 7, 31)
    explorer.cohorts.value = ("d2",)
    for attribute, segments in (("department", ["A", "B"]), ("site", ["X", "Y"])):
        explorer.attribute.value = attribute
        for segment in segments:
            assert cell(explorer, "d2", "mentee mean score", segment).startswith("hidden"), (attribute, segment)


@pytest.mark.slow
def test_the_workbench_opens_as_of_the_stores_latest_submission_as_the_reports_do(sample_db, monkeypatch):
    monkeypatch.delenv("MENTORKIT_AS_OF", raising=False)  # the test session sets it for the notebooks
    explorer = Explorer(sample_db)
    # the sample's latest submission: a check-in at 2026-11-12T17:40:00Z (data/sample/checkin.csv)
    day = date(2026, 11, 12)
    assert explorer.day == day and explorer.as_of.value == day
    assert [d for _, d in explorer.as_of.options][-2:] == [date(2026, 10, 31), day]
    # shown large above the slider, with where it comes from and how to change it
    note = explorer.as_of_note.value
    assert "<strong class='mk-asof-day'>As of 2026-11-12</strong>" in note
    assert "latest submission" in note and "mentorkit cohorts" in note
    assert "mentorkit report --as-of 2026-11-12" in note and "as_of = " in note
    assert "As of 2026-11-12" in explorer.headline.value  # the drill-down uses it too
    # spring-eng on 12 November: the pairs of tests/e2e/test_sample.py (worked for 15 November) three days earlier:
    #   the pair at exactly 60 days is at 57 (on track), the one at 77 at 74 (needs), the one matched 14 days ago
    #   at 11 (too early) → on track 7 of 12, as in the reports of 15 November (58 %).
    # Wilson n = 12, p = 7/12: centre (0.5833 + 0.1601) / 1.3201 = 0.5631; half 1.4847 × √(0.020255 + 0.006669)
    #   = 0.2436 → 0.320–0.807 → "58 (32–81)"
    assert cell(explorer, "2026-spring-eng", "pairs on track %") == "58 (32–81) · n 12"
    # the figure the reports and `mentorkit score` give for that date
    rel = score.score_cohort(explorer.data, "2026-spring-eng", day).relationship
    assert (rel.on_track, rel.pairs) == (7, 12)
    shown = explorer.shown.set_index(["cohort_id", "figure"]).loc[("2026-spring-eng", "relationship.share_on_track")]
    assert shown["value"] == pytest.approx(7 / 12)
    # moving the slider says which date is shown and which the notebook's is
    explorer.as_of.value = date(2026, 9, 30)
    assert (
        "As of 2026-09-30" in explorer.as_of_note.value
        and "the notebook's date is 2026-11-12" in explorer.as_of_note.value
    )


@pytest.mark.slow
def test_the_workbench_opens_as_of_the_newest_report_run_when_there_is_one(sample_db, monkeypatch, tmp_path):
    monkeypatch.delenv("MENTORKIT_AS_OF", raising=False)
    # the test's workspace (tmp_path): two runs and two folders that are not runs
    for name in ("2026-10-15", "2026-11-15"):
        (tmp_path / "reports" / name).mkdir(parents=True)
        (tmp_path / "reports" / name / "manifest.json").write_text("{}")
    (tmp_path / "reports" / "2026-12-01").mkdir()  # no manifest: not a run
    (tmp_path / "reports" / "2026-13-40").mkdir()  # not a date
    (tmp_path / "reports" / "2026-13-40" / "manifest.json").write_text("{}")
    explorer = Explorer(sample_db)
    assert explorer.day == date(2026, 11, 15)
    assert "newest report run" in explorer.as_of_note.value and "reports/2026-11-15/" in explorer.as_of_note.value


@pytest.mark.slow
def test_a_given_as_of_wins_and_says_so(sample_db, monkeypatch):
    monkeypatch.setenv("MENTORKIT_AS_OF", "2026-10-31")
    explorer = Explorer(sample_db)
    assert explorer.day == date(2026, 10, 31) and "set by <code>$MENTORKIT_AS_OF</code>" in explorer.as_of_note.value
    explorer = Explorer(sample_db, "2026-09-30")
    assert explorer.day == date(2026, 9, 30) and "<code>as_of</code> parameter" in explorer.as_of_note.value


@pytest.mark.slow
def test_the_cells_below_say_what_they_show_and_when_the_dashboard_moved_on(sample_db):
    explorer = Explorer(sample_db, SAMPLE_AS_OF)
    note = explorer.cells_note()
    assert "The cells below show <strong>2026-fall-ops</strong> as of <strong>2026-11-15</strong>" in note.value
    assert "do not follow the dashboard" in note.value and "mk-stale" not in note.value
    explorer.cohort.value = "2026-spring-eng"  # the drill-down moves on: the cells no longer show it
    assert "mk-stale" in note.value and "still show <strong>2026-fall-ops</strong>" in note.value
    assert "now shows <strong>2026-spring-eng</strong> as of <strong>2026-11-15</strong>" in note.value
    explorer.cohort.value = "2026-fall-ops"  # back to what they show
    assert "mk-stale" not in note.value
    explorer.attribute.value = "department"  # the comparison (explorer.shown) changed: stale again
    assert "mk-stale" in note.value


def test_jupyterlabs_fixed_table_layout_is_undone_in_the_dashboard():
    body = style_html()
    # JupyterLab gives rendered tables `table-layout: fixed` (equal columns: "department" ran into the next
    # header) and right-aligned cells; inside the dashboard the report's tables size to their content again
    assert f".{SCOPE} table.mk-table {{ table-layout: auto; }}" in body
    assert re.search(rf"\.{SCOPE} table\.mk-table th, \.{SCOPE} table\.mk-table td \{{ text-align: left;", body)
