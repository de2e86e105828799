"""Chart text is plain text: user-written text reaches plotly escaped, in every chart, and reads as written."""

from __future__ import annotations

import json
from importlib.resources import files

import pandas as pd
import plotly.io as pio
import pytest

from mentorkit.formats import chart_text
from mentorkit.reporting import charts, explore, programme_charts
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
