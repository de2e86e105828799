"""End to end: `mentorkit forms` (Voilà) driven in Debian's Chromium with playwright."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from mentorkit import store

pytestmark = [pytest.mark.browser, pytest.mark.kernel]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMINGS = Path(os.environ.get("MENTORKIT_TIMINGS", "/tmp/mentorkit-form-timings.json"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def forms_server(sample_copy):
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (.ci/run installs it)")
    pytest.importorskip("playwright.sync_api")
    port = free_port()
    exe = str(Path(sys.executable).parent / "mentorkit")
    proc = subprocess.Popen(
        [exe, "forms", "--port", str(port), "--no-browser", "--db", sample_copy],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "voila/static/voila.js", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("mentorkit forms did not start: " + (proc.stdout.read().decode() if proc.stdout else ""))
            time.sleep(0.25)
    yield url, sample_copy
    os.killpg(proc.pid, 15)
    proc.wait(timeout=30)


def email_of(url: str, pid: str) -> str:
    with store.connect(url).connect() as conn:
        return conn.execute(
            sa.select(store.participants.c.email).where(store.participants.c.participant_id == pid)
        ).scalar_one()


def open_form(page, base: str, link: str) -> float:
    """From the landing page, follow a form's link; seconds until the form can be typed in."""
    page.goto(base, timeout=60_000)
    page.get_by_role("link", name=link).click(timeout=60_000)
    start = time.perf_counter()
    page.wait_for_selector(".mk-email input", state="visible", timeout=60_000)
    return time.perf_counter() - start


def who(page, email: str) -> None:
    page.fill(".mk-email input", email)
    page.click(".mk-continue")
    page.wait_for_selector(".mk-hello", timeout=30_000)


WATCH = """() => {
  window.__mk = {};
  document.querySelector('.mk-submit').addEventListener('click', () => { window.__mk.click = performance.now(); },
                                                       {capture: true, once: true});
  new MutationObserver((_, obs) => {
    if (document.querySelector('.mk-receipt')) { window.__mk.done = performance.now(); obs.disconnect(); }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def send(page) -> float:
    """Press Send; seconds from the click event to the receipt on the page, timed in the browser."""
    page.evaluate(WATCH)
    page.click(".mk-submit")
    page.wait_for_selector(".mk-receipt", timeout=30_000)
    marks = page.evaluate("window.__mk")
    return (marks["done"] - marks["click"]) / 1000


def test_participant_sends_a_readiness_checklist_and_a_checkin(forms_server):
    from playwright.sync_api import sync_playwright

    base, db = forms_server
    timings: dict[str, float] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        page.route(
            "**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort()
        )  # offline: only the local server
        start = time.perf_counter()
        page.goto(base, timeout=60_000)
        page.get_by_role("link", name="Mentor readiness").wait_for(timeout=60_000)
        timings["landing_seconds"] = time.perf_counter() - start
        for name in ("Mentee readiness", "Relationship check-in", "Mentoring agreement", "Goal update"):
            assert page.get_by_role("link", name=name).count() == 1
        assert page.locator(".jp-InputArea-editor, .CodeMirror, .cm-editor").count() == 0  # no code in sight
        assert "mentorkit" not in page.inner_text("body")

        start = time.perf_counter()
        page.get_by_role("link", name="Mentor readiness").click()
        page.wait_for_selector(".mk-email input", state="visible", timeout=60_000)
        timings["load_to_interactive_seconds"] = time.perf_counter() - start
        who(page, email_of(db, "M-LEG-02").upper())
        for i in range(1, 12):
            page.locator(f".mk-item-mr{i:02d}").get_by_text("Yes" if i != 7 else "No", exact=True).click()
        timings["mentor_submit_to_confirmation_seconds"] = send(page)
        receipt = page.inner_text(".mk-receipt")

        timings["checkin_load_to_interactive_seconds"] = open_form(page, base, "Relationship check-in")
        who(page, email_of(db, "E-LEG-02"))
        for element in (
            "rc_reciprocity",
            "rc_learning",
            "rc_relationship",
            "rc_partnership",
            "rc_collaboration",
            "rc_goals",
            "rc_development",
        ):
            page.locator(f".mk-item-{element}").get_by_text("4 – Agree", exact=True).click()
        page.fill(".mk-item-comment textarea", "Good start <script>alert(1)</script>")
        timings["checkin_submit_to_confirmation_seconds"] = send(page)
        browser.close()

    with store.connect(db).connect() as conn:
        rows = conn.execute(
            sa.select(store.submissions)
            .where(store.submissions.c.source == "form")
            .order_by(store.submissions.c.submission_id)
        ).all()
        assert [(r.instrument, r.participant_id) for r in rows] == [
            ("mentor_readiness", "M-LEG-02"),
            ("checkin", "E-LEG-02"),
        ]
        assert receipt == f"MK-{rows[0].submission_id}"
        got = dict(
            conn.execute(
                sa.select(store.answers.c.item_id, store.answers.c.value_num).where(
                    store.answers.c.submission_id == rows[0].submission_id
                )
            ).all()
        )
        assert sum(got.values()) == 10 and got["mr07"] == 0.0
        comment = conn.execute(
            sa.select(store.answers.c.value_text).where(
                (store.answers.c.submission_id == rows[1].submission_id) & (store.answers.c.item_id == "comment")
            )
        ).scalar()
        assert comment == "Good start <script>alert(1)</script>"
    TIMINGS.write_text(json.dumps(timings, indent=2))
    print(json.dumps(timings))
