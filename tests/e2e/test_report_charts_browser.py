"""Every report of the sample run in Chromium at 1280 px and 390 px: its charts read as a person reads them.

For every plotly chart on every page: each trace that has a mode says which (no stray default markers), no
legend, chart title or axis title lies over another text box, count axes tick in whole numbers, and the page
does not scroll sideways. With ``MENTORKIT_SCREENSHOTS`` set, a full-page PNG of each page at each width is
kept there for a person to look at (CI keeps them).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.formserver import ARGS, CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.kernel]

WIDTHS = (1280, 390)
# the axes that count people, goals or pairs (their titles, as the reports write them)
COUNT_TITLES = ("People", "Goals", "Pairs")

READY = """() => {
  const divs = [...document.querySelectorAll('.plotly-graph-div')];
  return divs.every(d => d._fullLayout && d.querySelector('.main-svg'));
}"""

# For each chart: its traces' own modes, the text boxes that overlap or run past its edges, and the tick labels
# of its count axes.
INSPECT = """(countTitles) => {
  const box = el => { const r = el.getBoundingClientRect(); return {l: r.left, r: r.right, t: r.top, b: r.bottom}; };
  const seen = r => r.r - r.l > 0.5 && r.b - r.t > 0.5;
  const charts = [];
  for (const gd of document.querySelectorAll('.plotly-graph-div')) {
    const full = gd._fullLayout;
    const title = (full.title && full.title.text) || '(untitled)';
    const modeless = gd._fullData
      .filter(t => 'mode' in t && t.visible !== false && gd.data[t.index].mode === undefined)
      .map(t => `${t.type} trace ${t.index} "${t.name}"`);
    const labelled = (el, what) => ({what, text: el.textContent.trim(), ...box(el)});
    // the boxes that must stand clear: legend, chart title, axis titles
    const keys = [];
    gd.querySelectorAll('.legend').forEach(el => keys.push(labelled(el, 'legend')));
    gd.querySelectorAll('.gtitle').forEach(el => keys.push(labelled(el, 'chart title')));
    gd.querySelectorAll('g[class]').forEach(el => {
      const m = /^g-([xy]\\d*)title$/.exec(el.getAttribute('class'));
      if (m) keys.push(labelled(el, `${m[1]} axis title`));
    });
    gd.querySelectorAll('.annotation').forEach(el => keys.push(labelled(el, 'annotation')));
    // every other text drawn: the tick labels
    const others = [];
    const tickEls = [...gd.querySelectorAll('g[class$="axislayer-above"] > g[class$="tick"] > text')];
    tickEls.forEach(el => others.push(labelled(el, 'tick label')));
    const overlaps = [];
    const shown = keys.filter(seen);
    // level tick labels: slanted ones are drawn clear of each other, though their boxes meet
    const ticks = others.filter((t, i) => seen(t) && !/rotate\\([^0]/.test(tickEls[i].getAttribute('transform') || ''));
    ticks.forEach((a, i) => {
      for (const b of ticks.slice(i + 1)) {
        const w = Math.min(a.r, b.r) - Math.max(a.l, b.l), h = Math.min(a.b, b.b) - Math.max(a.t, b.t);
        if (w > 1 && h > 1) overlaps.push(`tick label "${a.text}" over tick label "${b.text}"`);
      }
    });
    // and nothing cut off at the chart's edges (plotly hides a tick label that would run past them)
    others.filter(t => t.text && !seen(t)).forEach(t => overlaps.push(`tick label "${t.text}" hidden: no room for it`));
    const edge = box(gd);
    for (const t of [...shown, ...others.filter(seen)]) {
      if (t.l < edge.l - 1 || t.r > edge.r + 1 || t.t < edge.t - 1 || t.b > edge.b + 1)
        overlaps.push(`${t.what} "${t.text.slice(0, 40)}" runs past the chart's edge`);
    }
    shown.forEach((a, i) => {
      for (const b of [...shown.slice(i + 1), ...others.filter(seen)]) {
        const w = Math.min(a.r, b.r) - Math.max(a.l, b.l), h = Math.min(a.b, b.b) - Math.max(a.t, b.t);
        if (w > 1 && h > 1) overlaps.push(`${a.what} "${a.text.slice(0, 40)}" over ${b.what} "${b.text.slice(0, 40)}"`);
      }
    });
    const counts = [];
    for (const [name, ax] of Object.entries(full)) {
      if (!/^[xy]axis\\d*$/.test(name) || !ax || !ax.title || !countTitles.includes(ax.title.text)) continue;
      const letter = ax._id.charAt(0);
      const ticks = [...gd.querySelectorAll(`.subplot.${ax._mainSubplot} .${letter}axislayer-above .${ax._id}tick text`)]
        .map(t => t.textContent);
      counts.push({axis: name, title: ax.title.text, ticks});
    }
    charts.push({title, modeless, overlaps, counts});
  }
  const doc = document.documentElement;
  return {charts, scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth};
}"""

WHOLE = re.compile(r"^−?-?\d{1,3}(,\d{3})*$")  # 0, 12, 1,200 (plotly writes a minus as U+2212)


def pages(run: Path) -> list[Path]:
    """The run's report pages: the index, the changes, the programme and every cohort's reports."""
    return sorted(run.glob("*.html")) + sorted(run.glob("*/*.html"))


def shot_name(run: Path, page: Path, width: int) -> str:
    return "-".join(page.relative_to(run).with_suffix("").parts) + f"-{width}.png"


def inspect_run(run: Path, shots: Path | None) -> tuple[list[str], dict[str, int]]:
    """Open every page at every width; the problems a reader would see, and what was looked at."""
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    looked = {"pages": 0, "charts": 0, "count_axes": 0, "count_ticks": 0}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            for width in WIDTHS:
                tab = browser.new_page(viewport={"width": width, "height": 900})
                # the run's own files only: no request leaves the machine
                tab.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
                for page in pages(run):
                    where = f"{page.relative_to(run)} at {width} px"
                    tab.goto(page.as_uri())
                    tab.wait_for_function(READY, timeout=30_000)
                    tab.wait_for_timeout(150)  # plotly's responsive resize settles
                    seen = tab.evaluate(INSPECT, list(COUNT_TITLES))
                    looked["pages"] += 1
                    for chart in seen["charts"]:
                        looked["charts"] += 1
                        for trace in chart["modeless"]:
                            problems.append(f"{where}, {chart['title']!r}: {trace} has no explicit mode")
                        for overlap in chart["overlaps"]:
                            problems.append(f"{where}, {chart['title']!r}: {overlap}")
                        for axis in chart["counts"]:
                            looked["count_axes"] += 1
                            looked["count_ticks"] += len(axis["ticks"])
                            bad = [t for t in axis["ticks"] if not WHOLE.match(t)]
                            if bad or not axis["ticks"]:
                                problems.append(f"{where}, {chart['title']!r}: count axis ticks {axis['ticks']}")
                    if seen["scrollWidth"] > seen["clientWidth"] + 1:
                        problems.append(
                            f"{where}: the page scrolls sideways ({seen['scrollWidth']} px > {seen['clientWidth']} px)"
                        )
                    if shots is not None:
                        tab.screenshot(path=str(shots / shot_name(run, page, width)), full_page=True)
                tab.close()
        finally:
            browser.close()
    return problems, looked


def test_every_chart_of_every_report_reads_right_at_desktop_and_phone_width(sample_reports):
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (.ci/run installs it)")
    pytest.importorskip("playwright.sync_api")
    run, _ = sample_reports
    where = os.environ.get("MENTORKIT_SCREENSHOTS")
    shots = Path(where) if where else None
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    problems, looked = inspect_run(run, shots)
    # 4 cohorts × 2 reports + the programme + the index + the changes = 11 pages, at two widths
    assert looked["pages"] == 22
    # the sample's reports draw charts, and among them count axes with ticks (the checks ran on something)
    assert looked["charts"] >= 40 and looked["count_axes"] >= 20 and looked["count_ticks"] >= 40, looked
    assert problems == []
    if shots is not None:
        assert len(list(shots.glob("*.png"))) >= 22
