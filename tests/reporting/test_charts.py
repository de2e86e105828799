"""Chart text is plain text: user-written text reaches plotly escaped, in every chart, and reads as written."""

from __future__ import annotations

import itertools
import json
from datetime import date
from importlib.resources import files

import pandas as pd
import plotly.io as pio
import pytest

from mentorkit.formats import chart_text
from mentorkit.reporting import charts, explore, programme_charts
from mentorkit.reporting import cohort as rk
from tests.formserver import ARGS, CHROMIUM

# a goal title, a cohort id or an attribute value as a hostile participant or analyst writes it
HOSTILE = '<a href="https://evil.example/">x</a> <b>bold</b> & co'
# worked by hand: & first (so no entity is escaped twice), then < and >; the quotes stay (plotly
# decodes only &amp; &lt; &gt; and a few more, not &quot;)
ESCAPED = '&lt;a href="https://evil.example/"&gt;x&lt;/a&gt; &lt;b&gt;bold&lt;/b&gt; &amp; co'


def test_chart_text_escapes_the_three_characters_plotly_reads():
    assert chart_text(HOSTILE) == ESCAPED
    assert chart_text("R&D <team>") == "R&amp;D &lt;team&gt;"
    # a literal entity stays literal: plotly decodes once, so the reader sees "&amp;"
    assert chart_text("&amp;") == "&amp;amp;"
    assert chart_text(None) == ""
    assert chart_text("Ops · Berlin") == "Ops · Berlin"


def goals(title: str) -> pd.DataFrame:
    return pd.DataFrame({"status": ["on_track"], "label": [f"G1: {title}"], "expected": [40.0], "progress": [55.0]})


def test_goal_titles_reach_the_hover_text_escaped_and_the_template_keeps_its_markup():
    chart = charts.progress_vs_expected(goals(HOSTILE), 15.0)
    points = chart.data[2]
    assert points["text"] == [f"G1: {ESCAPED}"]
    # the chart's own template keeps its line break: only data is escaped
    assert points["hovertemplate"].startswith("%{text}<br>expected")


def test_a_list_shared_by_two_traces_is_escaped_once():
    labels = [HOSTILE]
    chart = charts.Chart([{"type": "bar", "x": labels, "y": [1]}, {"type": "bar", "x": labels, "y": [2]}], {})
    assert chart.data[0]["x"] == [ESCAPED]
    assert chart.data[1]["x"] == [ESCAPED]
    assert labels == [HOSTILE]  # the caller's data is not edited


def test_titles_legend_names_annotations_and_ticks_are_escaped():
    layout = {
        "title": {"text": f"Cohort {HOSTILE}"},
        "annotations": [{"text": HOSTILE, "x": HOSTILE, "xref": "x"}],
        "xaxis": {"title": {"text": HOSTILE}, "ticktext": [HOSTILE], "tickvals": [HOSTILE]},
    }
    chart = charts.Chart([{"type": "scatter", "name": HOSTILE, "x": [HOSTILE], "y": [1.0]}], layout)
    spec = chart.to_dict()
    assert spec["layout"]["title"]["text"] == f"Cohort {ESCAPED}"
    assert spec["layout"]["annotations"][0]["text"] == ESCAPED
    assert spec["layout"]["annotations"][0]["x"] == ESCAPED  # placed on the escaped category
    assert spec["layout"]["xaxis"]["title"]["text"] == ESCAPED
    assert spec["layout"]["xaxis"]["ticktext"] == [ESCAPED]
    assert spec["data"][0]["name"] == ESCAPED
    assert HOSTILE not in json.dumps(spec)


def comparison(segment: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "figure": ["mentor_readiness.mean_score"],
            "cohort_id": ["2026-fall"],
            "segment": [segment],
            "suppressed": [False],
            "value": [70.0],
            "ci_low": [60.0],
            "ci_high": [80.0],
        }
    )


def test_explore_axis_categories_carry_attribute_values_escaped():
    chart = explore.comparison_chart(comparison(HOSTILE), "mentor_readiness.mean_score")
    assert chart.data[0]["y"] == [f"2026-fall · {ESCAPED}"]


def bar_rows(cohort: str, series: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cohort": [cohort],
            "series": [series],
            "value": [70.0],
            "low": [60.0],
            "high": [80.0],
            "hidden": [False],
            "n": [6],
        }
    )


def test_programme_bars_escape_cohorts_and_the_hover_label():
    chart = programme_charts.interval_bars(bar_rows(HOSTILE, HOSTILE), "Mean score", "score")
    trace = chart.data[0]
    assert trace["x"] == [ESCAPED]
    assert trace["name"] == ESCAPED
    # the series label sits in the template's <extra> box; escaped with chart_text, so a quote is
    # not shown as "&quot;"
    assert trace["hovertemplate"] == f"%{{x}}: %{{customdata}}<extra>{ESCAPED}</extra>"


def test_programme_trend_lines_escape_the_cohort():
    points = pd.DataFrame(
        {
            "cohort": [HOSTILE, HOSTILE],
            "as_of": [pd.Timestamp("2026-09-30").date(), pd.Timestamp("2026-10-31").date()],
            "value": [60.0, 70.0],
            "low": [50.0, 60.0],
            "high": [70.0, 80.0],
            "n": [6, 7],
        }
    )
    chart = programme_charts.trend_lines(points, [HOSTILE], "Mean score", "score")
    assert chart.data[0]["name"] == ESCAPED
    assert chart.data[0]["hovertemplate"].endswith(f"<extra>{ESCAPED}</extra>")


# --- in a real browser: nothing in the text is rendered as a tag, and it reads as written -------

INSPECT = """() => {
  const svgs = [...document.querySelectorAll('.js-plotly-plot svg')];
  const tags = svgs.flatMap(s => [...s.querySelectorAll('a, b')]).length;
  const texts = svgs.flatMap(s => [...s.querySelectorAll('text')]).map(t => t.textContent);
  return {plots: svgs.length, tags, texts};
}"""


@pytest.mark.browser
def test_hostile_text_renders_as_plain_text_in_chromium(tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (.ci/run installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    figures = [
        charts.progress_vs_expected(goals(HOSTILE), 15.0),
        explore.comparison_chart(comparison(HOSTILE), "mentor_readiness.mean_score"),
        programme_charts.interval_bars(bar_rows(HOSTILE, "Mentors"), "Mean score", "score"),
    ]
    divs = "".join(pio.to_html(c.to_dict(), full_html=False, include_plotlyjs=False, validate=False) for c in figures)
    # plotly's own plotly.js, as the reports ship it
    plotly_js = files("plotly").joinpath("package_data", "plotly.min.js").read_text("utf-8")
    page = tmp_path / "charts.html"
    page.write_text(f"<!doctype html><meta charset=utf-8><script>{plotly_js}</script><body>{divs}</body>", "utf-8")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1280, "height": 900})
            tab.goto(page.as_uri())
            tab.wait_for_function("document.querySelectorAll('.js-plotly-plot svg.main-svg').length >= 3")
            seen = tab.evaluate(INSPECT)
            assert seen["plots"] >= 3
            assert seen["tags"] == 0  # no link and no bold element anywhere in the charts
            # the explore axis and the programme axis show the attribute value exactly as written
            assert f"2026-fall · {HOSTILE}" in seen["texts"]
            assert HOSTILE in seen["texts"]
            # hovering the goal shows its title as written, with no link in the hover label
            point = tab.locator(".js-plotly-plot").first.locator(".scatterlayer .trace").last.locator("path.point")
            point.hover(force=True)
            tab.wait_for_selector(".hoverlayer .hovertext")
            hover = tab.evaluate(
                "() => [...document.querySelectorAll('.hoverlayer .hovertext text')].map(t => t.textContent).join(' ')"
            )
            assert f"G1: {HOSTILE}" in hover
            assert tab.evaluate("() => document.querySelectorAll('.hoverlayer a, .hoverlayer b').length") == 0
        finally:
            browser.close()


# --- charts that read right: modes, whole-number counts, months, panels, legend colours ------------


def _scatter_modes(chart: charts.Chart) -> list[object]:
    return [t.get("mode") for t in chart.data if t.get("type", "scatter") == "scatter"]


def test_every_scatter_trace_names_its_mode_and_the_pace_band_draws_no_points():
    chart = charts.progress_vs_expected(goals("Publish a talk"), 15.0)
    modes = _scatter_modes(chart)
    assert len(modes) == 3 and None not in modes
    band = chart.data[0]
    assert band["fill"] == "toself" and band["mode"] == "lines"  # an area: no dot at (0,100), (15,0), (100,85)
    months = pd.DataFrame({"rc_goals": [3.0, 4.0]}, index=pd.PeriodIndex(["2026-06", "2026-07"], freq="M"))
    assert None not in _scatter_modes(charts.health_over_time(months, {"rc_goals": "Goals"}))
    assert None not in _scatter_modes(programme_charts.trend_lines(trend_points(), ["2026-fall"], "Share", "Percent"))


def test_a_count_step_is_a_whole_number_giving_at_most_six_steps():
    # worked by hand: the smallest of 1, 2, 5, 10, 20, 50 … with top ÷ step ≤ 6
    assert [charts.count_step(t) for t in (0, 1, 2, 6, 7, 12, 13, 30, 31, 60, 61, 1000)] == [
        1, 1, 1, 1, 2, 2, 5, 5, 10, 10, 20, 200,
    ]  # fmt: skip


def _whole_ticks(axis: dict[str, object]) -> bool:
    """Ticks tick0 + k × dtick, written as integers: whole numbers only."""
    return (
        isinstance(axis["tick0"], int)
        and isinstance(axis["dtick"], int)
        and axis["dtick"] >= 1
        and axis["tickformat"] == ",d"
        and axis["rangemode"] == "tozero"
    )


def test_count_axes_tick_in_whole_numbers():
    # 2 mentors and 2 mentees: plotly's own ticks would be 0, 0.5, 1, 1.5, 2
    table = pd.DataFrame({"role": ["Mentors", "Mentees"], "enrolled": [2, 2], "respondents": [2, 1]})
    answered = charts.response_rates(table)
    assert _whole_ticks(answered.layout["yaxis"]) and answered.layout["yaxis"]["dtick"] == 1
    bands = pd.DataFrame({"ready": [1, 0], "developing": [0, 1]}, index=["Mentors", "Mentees"])
    assert _whole_ticks(charts.band_counts(bands).layout["xaxis"])
    scores = pd.DataFrame({"role": ["mentor"], "score": [80.0]})
    assert _whole_ticks(charts.score_distribution(scores).layout["yaxis"])
    status = charts.status_bars({"on_track": 1}, charts.PAIR_COLOURS, charts.PAIR_LABELS, "Pairs by status", "Pairs")
    assert _whole_ticks(status.layout["yaxis"])
    # 12 enrolled: steps of 2 (0, 2 … 12), 7 would be 0, 2 … 6 and the bar at 7
    big = pd.DataFrame({"role": ["Mentees"], "enrolled": [12], "respondents": [7]})
    assert charts.response_rates(big).layout["yaxis"]["dtick"] == 2
    for chart in (answered, status):
        chart.figure()  # plotly accepts every key as given


def trend_points() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cohort": ["2026-fall"] * 3,
            "as_of": [date(2026, 5, 31), date(2026, 6, 30), date(2026, 11, 15)],
            "value": [50.0, 60.0, 70.0],
            "low": [40.0, 50.0, 60.0],
            "high": [60.0, 70.0, 80.0],
            "n": [6, 6, 7],
        }
    )


def test_trend_ticks_name_the_month_of_each_value():
    chart = programme_charts.trend_lines(trend_points(), ["2026-fall"], "Share ready", "Percent")
    axis = chart.layout["xaxis"]
    # worked by hand: the 30 June value is June's, and the as-of day 15 November is November's
    assert axis["tickvals"] == ["2026-05-31", "2026-06-30", "2026-11-15"]
    assert axis["ticktext"] == ["May 2026", "Jun 2026", "Nov 2026"]
    assert chart.data[0]["x"] == axis["tickvals"]  # each tick sits on its point
    # one cohort's line still has its legend entry: plotly would hide the legend of a single trace
    assert chart.layout["showlegend"] is True and chart.data[0]["name"] == "2026-fall"


def test_a_long_trend_labels_every_other_month_back_from_the_latest():
    ends = [(pd.Timestamp(2025, m, 1) + pd.offsets.MonthEnd(0)).date() for m in range(1, 13)]
    ends += [(pd.Timestamp(2026, m, 1) + pd.offsets.MonthEnd(0)).date() for m in range(1, 13)]
    axis = charts.month_axis(ends, "Month end")
    # 24 month ends, at most 12 labels: every 2nd, from Dec 2026 back to Feb 2025
    assert len(axis["tickvals"]) == 12
    assert axis["ticktext"][-1] == "Dec 2026" and axis["ticktext"][0] == "Feb 2025"
    assert axis["tickvals"][-1] == "2026-12-31"


def test_health_over_time_gives_each_of_the_seven_elements_its_own_panel():
    elements = [f"rc_{e}" for e in ("rec", "learn", "rel", "part", "collab", "goals", "dev")]
    names = {e: e[3:].title() for e in elements}
    # all seven lines equal: in one plot six would lie under the seventh
    monthly = pd.DataFrame(
        {e: [3.0, 3.5, 4.0] for e in elements}, index=pd.PeriodIndex(["2026-06", "2026-07", "2026-08"], freq="M")
    )
    monthly["people"] = 6
    chart = charts.health_over_time(monthly, names)
    assert len(chart.data) == 7
    assert len({t["yaxis"] for t in chart.data}) == 7 and len({t["xaxis"] for t in chart.data}) == 7
    assert [a["text"] for a in chart.layout["annotations"]] == [names[e] for e in elements]
    domains = sorted(chart.layout["yaxis" + ("" if i == 0 else str(i + 1))]["domain"] for i in range(7))
    assert all(lo < hi for lo, hi in domains)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(domains))  # panels do not overlap
    # a month's mean sits at its month's start, labelled with that month
    assert chart.data[0]["x"] == ["2026-06-01", "2026-07-01", "2026-08-01"]
    assert chart.layout["xaxis7"]["ticktext"] == ["Jun 2026", "Jul 2026", "Aug 2026"]
    chart.figure()


def _legend_colours(chart: charts.Chart) -> list[tuple[str, str]]:
    """(legend name, colour) of every bar in the legend: one colour per trace, or the legend would lie."""
    shown = []
    for t in chart.data:
        if t.get("type") != "bar" or t.get("showlegend") is False:
            continue
        assert isinstance(t["marker"]["color"], str), t["name"]  # a list of colours has one legend swatch
        shown.append((t["name"], t["marker"]["color"]))
    return shown


def test_legend_swatches_are_the_colours_of_the_bars():
    table = pd.DataFrame({"role": ["Mentors", "Mentees"], "enrolled": [6, 12], "respondents": [6, 10]})
    chart = charts.response_rates(table)
    assert _legend_colours(chart) == [
        ("Enrolled", "#cfd8dc"),
        ("Mentors who responded", charts.ROLE_COLOURS["mentor"]),
        ("Mentees who responded", charts.ROLE_COLOURS["mentee"]),
    ]
    # the mentees' bar is drawn by the trace whose legend entry is purple
    mentees = next(t for t in chart.data if t["x"] == ["Mentees"])
    assert mentees["marker"]["color"] == "#6a1b9a" and mentees["y"] == [10]
    bands = pd.DataFrame({"ready": [3, 5], "not_yet": [1, 1]}, index=["Mentors", "Mentees"])
    assert [c for _, c in _legend_colours(charts.band_counts(bands))] == ["#2e7d32", "#c62828"]
    bars = programme_charts.interval_bars(pd.concat([bar_rows("a", "Mentors"), bar_rows("a", "Mentees")]), "t", "y")
    assert _legend_colours(bars) == [("Mentors", "#1565c0"), ("Mentees", "#6a1b9a")]
    status = charts.status_bars({"on_track": 1, "too_early": 2}, charts.PAIR_COLOURS, charts.PAIR_LABELS, "P", "Pairs")
    assert _legend_colours(status) == []  # many colours, so no legend: each bar is labelled on the axis


def test_score_distribution_sets_the_two_groups_side_by_side_with_counts_worked_by_hand():
    scores = pd.DataFrame(
        {"role": ["mentee", "mentor", "mentor", "mentor", "mentor"], "score": [30.0, 100.0, 95.0, 72.7, 45.0]}
    )
    chart = charts.score_distribution(scores)
    assert chart.layout["barmode"] == "group"
    assert all("opacity" not in t for t in chart.data)  # no overlap, no third colour
    mentors, mentees = chart.data  # mentors first, as everywhere
    assert (mentors["name"], mentees["name"]) == ("Mentors", "Mentees")
    assert mentors["x"] == [5, 15, 25, 35, 45, 55, 65, 75, 85, 95]
    # 45 in 40–50, 72.7 in 70–80, 95 and 100 in 90–100 (the last range takes 100)
    assert mentors["y"] == [0, 0, 0, 0, 1, 0, 0, 1, 0, 2]
    assert mentees["y"] == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    assert chart.layout["yaxis"]["dtick"] == 1
    chart.figure()
    # mentees hidden: the one group left is still named in a legend (plotly leaves a lone trace's out)
    alone = charts.score_distribution(scores[scores["role"] == "mentor"])
    assert [t["name"] for t in alone.data] == ["Mentors"] and alone.layout["showlegend"] is True


def test_titles_wrap_to_lines_a_phone_shows_and_stay_escaped():
    assert charts.wrap("Share of their pairs' goals achieved, by band at the first complete checklist", 40) == (
        "Share of their pairs' goals achieved, by\nband at the first complete checklist"
    )
    assert charts.wrap("mr01: Do you have a sincere interest in learning and growing?", 28, lines=2) == (
        "mr01: Do you have a sincere\ninterest in learning and…"
    )
    chart = charts.Chart([], charts._layout(f"Goals of {HOSTILE} and a title long enough to wrap"))
    text = chart.layout["title"]["text"]
    assert "<br>" in text and HOSTILE not in text and "&lt;b&gt;bold&lt;/b&gt;" in text


def test_ids_and_dates_in_tables_never_break_at_a_hyphen():
    frame = pd.DataFrame({"pair": ["M-ENG-01 & E-ENG-10"], "target date": ["2026-10-31"], "title": ["Give a talk"]})
    html = rk.table(frame).data
    assert "<span class='mk-id'>M-ENG-01</span> &amp; <span class='mk-id'>E-ENG-10</span>" in html
    assert "<span class='mk-id'>2026-10-31</span>" in html
    assert "Give a talk" in html and 'class="dataframe mk-table"' in html  # tags and plain words untouched
    css = (files("mentorkit.reporting") / "assets" / "report.css").read_text("utf-8")
    assert ".mk-id { white-space: nowrap; }" in css or ", .mk-id { white-space: nowrap; }" in css
