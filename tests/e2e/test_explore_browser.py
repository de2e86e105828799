"""The explore notebook in a real JupyterLab, driven in Debian's Chromium: its figures look as in the reports."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa

from mentorkit.reporting import cohort as rk
from mentorkit.reporting.explore import SCOPE, STYLESHEET
from tests.conftest import ROOT
from tests.formserver import ARGS, CHROMIUM, free_port

pytestmark = [pytest.mark.browser, pytest.mark.kernel]
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"
WAIT_MS = 240_000  # a kernel start and the first scoring on a shared, loaded machine

# the computed styles that make a KPI tile look as in the reports (each selector's first element)
STYLED = {
    ".mk-kpis": ["display", "gap"],
    ".mk-kpi": ["borderTopWidth", "borderTopStyle", "borderTopColor", "borderRadius", "paddingTop", "paddingLeft"],
    ".mk-kpi-v": ["fontSize", "fontWeight"],
    ".mk-kpi-l": ["fontSize", "color"],
}
COMPUTED = """([scope, wanted]) => {
  const out = {};
  for (const [sel, props] of Object.entries(wanted)) {
    const el = document.querySelector(scope + sel);
    if (!el) { out[sel] = null; continue; }
    const cs = getComputedStyle(el);
    out[sel] = Object.fromEntries(props.map(p => [p, cs[p]]));
  }
  return out;
}"""
OUTSIDE = """() => {
  const body = getComputedStyle(document.body);
  const cell = getComputedStyle(document.querySelector('.jp-Cell'));
  const bar = getComputedStyle(document.querySelector('.lm-MenuBar'));
  return {font: body.fontFamily, size: body.fontSize, colour: body.color, background: body.backgroundColor,
          cellPadding: cell.paddingTop + ' ' + cell.paddingLeft, menuFont: bar.fontSize + ' ' + bar.fontFamily};
}"""


def need_browser() -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (.ci/run installs it)")
    pytest.importorskip("playwright.sync_api")


@pytest.fixture
def lab(sample_copy, tmp_path):
    """`jupyter lab` on 127.0.0.1 with a token, over a temp folder holding the notebook and a sample store."""
    need_browser()
    root = tmp_path / "lab"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / "explore.ipynb")
    db = root / "sample.db"
    shutil.copy(sa.make_url(sample_copy).database, db)
    token, port = secrets.token_hex(16), free_port()
    jupyter = tmp_path / "jupyter"
    env = {
        **{k: v for k, v in os.environ.items() if k != "MENTORKIT_AS_OF"},  # the notebook picks its own date
        "MENTORKIT_DB": f"sqlite:///{db}",
        "MENTORKIT_HOME": str(root),
        "JUPYTER_CONFIG_DIR": str(jupyter / "config"),  # nothing from the user's own configuration
        "JUPYTER_RUNTIME_DIR": str(jupyter / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(jupyter / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(jupyter / "workspaces"),
    }
    log = (tmp_path / "lab.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",  # no extension listing from PyPI
            "--allow-root",  # CI containers run as root
        ],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5) as r:
                if r.status == 200:
                    break
        except (OSError, urllib.error.HTTPError):
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail("jupyter lab did not start: " + (tmp_path / "lab.log").read_text(errors="replace")[-2000:])
        time.sleep(0.5)
    # the notebook's kernel started through the REST API: JupyterLab then joins it instead of asking which to start
    session = {"path": "explore.ipynb", "name": "explore.ipynb", "type": "notebook", "kernel": {"name": "python3"}}
    request = urllib.request.Request(
        f"{base}/api/sessions?token={token}",
        data=json.dumps(session).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as r:
        assert r.status == 201
    yield base, token, tmp_path
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


def report_styles(page) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """The same headline in a page styled by the report stylesheet as the report template links it."""
    tiles = rk.kpis([("mentor response rate", "100 %"), ("mentor mean score", "78.8")]).data
    css = STYLESHEET.read_text(encoding="utf-8")
    page.set_content(
        f"<html><head><style>{css}</style></head><body class='mk-report'><main>{tiles}</main></body></html>"
    )
    return page.evaluate(COMPUTED, ["", STYLED])


# a cell of the first table under a root: the row whose first cell is `row`, the column headed `column`
TABLE_CELL = """([root, row, column]) => {
  const table = document.querySelector(root + ' table.mk-table');
  const heads = [...table.querySelectorAll('thead th')].map(th => th.innerText.trim());
  const found = [...table.querySelectorAll('tbody tr')].find(tr => tr.cells[0].innerText.trim() === row);
  return found ? found.cells[heads.indexOf(column)].innerText.trim() : null;
}"""
# every header of the first table: its text, whether the text overflows its cell, and its box
HEADERS = """(root) => [...document.querySelector(root + ' table.mk-table').querySelectorAll('thead th')].map(th => {
  const r = th.getBoundingClientRect();
  const words = document.createRange();
  words.selectNodeContents(th);
  const ink = words.getBoundingClientRect();
  return {text: th.innerText.trim(), overflows: th.scrollWidth > th.clientWidth, right: r.right, inkRight: ink.right};
})"""
FIRST_COLUMN = """(i) => [...document.querySelectorAll('.mk-explore table.mk-table')[i].querySelectorAll('tbody tr')]
  .map(tr => tr.cells[0].innerText.trim())"""

STARTED = "() => /\\[(\\*|\\d+)\\]/.test(document.querySelector('.jp-Notebook .jp-Cell .jp-InputPrompt').innerText)"


def run_all(page) -> None:  # type: ignore[no-untyped-def]
    """Run > Run All Cells until the first cell shows an execution count (queued "[*]" or done "[1]").

    Under load JupyterLab may ask for the kernel ("Select Kernel", the notebook's own Python 3 preselected),
    before or after the command: the dialog is accepted whenever it stands in the way of a click, and the
    command is given again when it took the command's place.
    """
    accept = page.locator(".jp-Dialog:has-text('Select Kernel') .jp-mod-accept")
    page.add_locator_handler(accept, lambda found: found.click(), no_wait_after=True)
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        if accept.is_visible():
            accept.click()
        page.click(".jp-Notebook .jp-Cell .jp-InputPrompt")  # the notebook is the current panel: the command is on
        page.click(".lm-MenuBar-item:has-text('Run')")
        page.click(".lm-Menu-item[data-command='runmenu:run-all']")
        for _ in range(40):
            if page.evaluate(STARTED):
                return
            if accept.is_visible():
                break
            page.wait_for_timeout(500)
    raise AssertionError("the notebook's cells never started running")


def test_the_explore_headline_in_jupyterlab_looks_as_in_the_reports(lab):
    from playwright.sync_api import sync_playwright

    base, token, tmp_path = lab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        try:
            expected = report_styles(page)
            page.goto(f"{base}/lab/tree/explore.ipynb?token={token}", timeout=WAIT_MS)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=WAIT_MS)
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=WAIT_MS)
            before = page.evaluate(OUTSIDE)
            run_all(page)
            page.wait_for_selector(f".{SCOPE} .mk-kpi", timeout=WAIT_MS)
            page.wait_for_selector(f".{SCOPE} table.mk-table", timeout=WAIT_MS)

            # the tiles carry the report's border, radius, padding and large figures, not the browser defaults
            got = page.evaluate(COMPUTED, [f".{SCOPE} ", STYLED])
            assert got == expected
            assert got[".mk-kpis"]["display"] == "grid"
            assert got[".mk-kpi"]["borderTopWidth"] == "1px" and got[".mk-kpi"]["borderRadius"] == "8px"
            assert got[".mk-kpi-v"]["fontWeight"] == "600"
            assert float(got[".mk-kpi-v"]["fontSize"].removesuffix("px")) >= 1.4 * float(before["size"][:-2])
            header = page.evaluate(
                f"() => getComputedStyle(document.querySelector('.{SCOPE} table.mk-table th')).backgroundColor"
            )
            assert header == "rgb(245, 247, 250)"  # the report tables' header shade (#f5f7fa)
            # nothing leaks into JupyterLab's own interface: its body, cells and menus look as before
            assert page.evaluate(OUTSIDE) == before

            # the date in force, large above the slider: the day of the sample's latest submission (a check-in at
            # 2026-11-12T17:40:00Z, data/sample/checkin.csv), the date `mentorkit cohorts` suggests
            day = page.locator(f".{SCOPE} .mk-asof-day")
            assert day.inner_text() == "As of 2026-11-12"
            size = page.evaluate(f"() => getComputedStyle(document.querySelector('.{SCOPE} .mk-asof-day')).fontSize")
            assert float(size.removesuffix("px")) >= 1.3 * float(before["size"][:-2])
            assert "as_of = " in page.locator(f".{SCOPE} .mk-asof").inner_text()  # and how to change it
            # spring-eng's pairs on track as in the reports: 7 of 12 (tests/reporting/test_explore.py) → 58 %
            on_track = page.evaluate(TABLE_CELL, [f".{SCOPE}", "2026-spring-eng", "pairs on track %"])
            assert on_track.startswith("58 (") and on_track.endswith("n 12"), on_track
            # the cells below say which cohort and date they show
            below = page.locator(".mk-explore .mk-note:has-text('The cells below')")
            below.scroll_into_view_if_needed(timeout=WAIT_MS)  # JupyterLab renders a cell once it is in view
            assert "2026-fall-ops as of 2026-11-12" in (below.text_content() or "")
            page.locator(f".{SCOPE} .mk-drill").scroll_into_view_if_needed()

            # drilling down redraws in place: the same two headline rows and tables, now for another cohort
            tiles, tables = (page.locator(f".{SCOPE} {s}").count() for s in (".mk-kpis", "table.mk-table"))
            page.select_option(f".{SCOPE} .mk-drill select", "2026-spring-eng")
            page.wait_for_function(
                f"() => document.querySelector('.{SCOPE} .mk-title h1').innerText.includes('2026-spring-eng')",
                timeout=60_000,
            )
            assert page.locator(f".{SCOPE} .mk-kpis").count() == tiles == 2
            assert page.locator(f".{SCOPE} table.mk-table").count() == tables == 3  # comparison, pairs, goals
            # pairs by their people's pseudonymous ids, never database numbers
            page.wait_for_function(f"() => ({FIRST_COLUMN})(1).some(p => p.startsWith('M-ENG-'))", timeout=60_000)
            pairs = page.evaluate(FIRST_COLUMN, 1)
            assert len(pairs) == 12 and pairs[0] == "M-ENG-01 & E-ENG-01", pairs
            assert all(re.fullmatch(r"M-ENG-\d\d & E-ENG-\d\d", p) for p in pairs), pairs
            # the cells below no longer show the dashboard's choice, and say so
            stale = page.locator(".mk-explore .mk-stale")
            stale.scroll_into_view_if_needed(timeout=60_000)
            assert "now shows 2026-spring-eng" in (stale.text_content() or "")

            # broken down by department, every header stays inside its own column
            page.select_option(f".{SCOPE} .mk-breakdown select", "department")
            page.wait_for_function(
                f"() => [...document.querySelectorAll('.{SCOPE} table.mk-table thead th')]"
                ".some(th => th.innerText.trim() === 'department')",
                timeout=60_000,
            )
            heads = page.evaluate(HEADERS, f".{SCOPE}")
            assert [h["text"] for h in heads[:2]] == ["cohort", "department"]
            assert not [h["text"] for h in heads if h["overflows"]], heads
            assert all(h["inkRight"] <= h["right"] + 0.5 for h in heads), heads  # no text past its cell's edge
            page.locator(f".{SCOPE} table.mk-table").first.scroll_into_view_if_needed()
            page.screenshot(path=str(tmp_path / "explore-breakdown.png"))
            shot = tmp_path / "explore-jupyterlab.png"
            page.locator(f".{SCOPE} .mk-title").scroll_into_view_if_needed()
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
        except Exception:
            page.screenshot(path=str(tmp_path / "failed.png"))  # what the page showed, for the test log
            raise
        finally:
            browser.close()
