"""The sample's report pages in Debian's Chromium at a laptop's and a phone's width: nothing wider than the page.

Reads the session's sample run (``sample_reports``) and writes nothing into it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.formserver import ARGS, CHROMIUM

pytestmark = pytest.mark.browser
COHORTS = ["2026-fall-ops", "2026-pilot-legal", "2026-spring-eng", "2026-spring-sales"]
WIDTHS = (1280, 390)

# the page's own width against the window's, and each table against the box it sits in
LAYOUT = """() => {
  const de = document.documentElement;
  const tables = [...document.querySelectorAll('table')].map(t => ({
    cls: t.className, width: Math.ceil(t.getBoundingClientRect().width), room: t.parentElement.clientWidth,
    head: t.rows[0] ? t.rows[0].innerText.slice(0, 60) : ''}));
  return {scrollWidth: de.scrollWidth, clientWidth: de.clientWidth, tables};
}"""
# the programme report's first outputs: which comes first, the headline tiles or the findings
ORDER = """() => {
  const kpis = document.querySelector('.mk-kpis'), found = document.querySelector('.mk-findings');
  const first = document.querySelector('h2');
  return {kpis: !!kpis, found: !!found, tilesFirst: !!(kpis && found &&
          (kpis.compareDocumentPosition(found) & Node.DOCUMENT_POSITION_FOLLOWING)),
          tilesBeforeFirstSection: !!(kpis && first && (kpis.compareDocumentPosition(first) & Node.DOCUMENT_POSITION_FOLLOWING)),
          tiles: kpis ? kpis.querySelectorAll('.mk-kpi').length : 0};
}"""


def pages(out: Path) -> list[Path]:
    found = [out / c / f"{r}.html" for c in COHORTS for r in ("readiness", "goal_progress")]
    return [*found, out / "programme.html", out / "index.html", out / "changes.html"]


def need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (.ci/run installs it)")
    pytest.importorskip("playwright.sync_api")


def test_no_page_is_wider_than_a_laptop_or_a_phone(sample_reports):
    need_chromium()
    from playwright.sync_api import sync_playwright

    out, _ = sample_reports
    seen: dict[tuple[str, int], dict] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for width in WIDTHS:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.route("http*://**", lambda route: route.abort())
            for html in pages(out):
                assert html.is_file(), html
                page.goto(html.as_uri(), wait_until="load")
                seen[(str(html.relative_to(out)), width)] = page.evaluate(LAYOUT)
            page.close()
        browser.close()
    for (name, width), got in seen.items():
        # the page itself never scrolls sideways (a wide table scrolls in its own box on a phone)
        assert got["scrollWidth"] <= got["clientWidth"] == width, (name, width, got["scrollWidth"])
        if width == 1280:  # at a laptop's width every table fits its box: none needs a sideways scroll
            wide = [t for t in got["tables"] if t["width"] > t["room"]]
            assert not wide, (name, wide)
    # the programme report's segment table (11 columns) is among those checked
    programme = seen[("programme.html", 1280)]["tables"]
    assert any(t["head"].startswith("Cohort\tDepartment") for t in programme), programme


def test_the_programme_report_opens_with_its_headline_figures(sample_reports):
    need_chromium()
    from playwright.sync_api import sync_playwright

    out, _ = sample_reports
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.route("http*://**", lambda route: route.abort())
        page.goto((out / "programme.html").as_uri(), wait_until="load")
        got = page.evaluate(ORDER)
        browser.close()
    # cohorts, mentors, mentees, matched pairs, two response rates, goals, goals achieved
    assert got == {"kpis": True, "found": True, "tilesFirst": True, "tilesBeforeFirstSection": True, "tiles": 8}
