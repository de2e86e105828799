"""End to end in Debian's Chromium: an invitation's link opens the person's form, a tampered one nothing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from mentorkit import forms, outreach, store

from .formserver import need_assets

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(sample_copy):
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (.ci/run installs it)")
    pytest.importorskip("playwright.sync_api")
    need_assets()  # the forms' front-end (scripts/fetch-form-assets)
    port = free_port()
    exe = str(Path(sys.executable).parent / "mentorkit")
    proc = subprocess.Popen(  # the test's MENTORKIT_HOME is the server's: one link secret
        [exe, "forms", "--port", str(port), "--no-browser", "--db", sample_copy],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                os.killpg(proc.pid, 9)
                pytest.fail("mentorkit forms did not start: " + (proc.stdout.read().decode() if proc.stdout else ""))
            time.sleep(0.25)
    yield url, sample_copy
    os.killpg(proc.pid, 15)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait(timeout=15)


def _stored(url: str) -> list[tuple[str, str, str]]:
    with store.connect(url).connect() as conn:
        rows = conn.execute(
            sa.select(store.submissions.c.instrument, store.submissions.c.participant_id, store.submissions.c.channel)
            .where(store.submissions.c.source == "form")
            .order_by(store.submissions.c.submission_id)
        ).all()
    return [tuple(r) for r in rows]


def test_invitation_link_opens_the_persons_form_and_a_tampered_one_nothing(server):
    from playwright.sync_api import sync_playwright

    base, db = server
    table = outreach.invitations(store.connect(db), "2026-pilot-legal", "mentor_readiness", base)
    link = table.set_index("participant_id").loc["M-LEG-02", "link"]
    tampered = link[:-4] + ("AAAA" if not link.endswith("AAAA") else "BBBB")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())

        page.goto(tampered, timeout=60_000)
        page.get_by_text(forms.INVALID_LINK).wait_for(timeout=60_000)
        body = page.inner_text("body")
        assert "Marco" not in body and "M-LEG" not in body
        assert page.locator(".mk-submit, .mk-email input").count() == 0

        page.goto(link, timeout=60_000)
        page.wait_for_selector(".mk-hello", timeout=60_000)
        assert "Marco Rossi" in page.inner_text(".mk-hello")
        assert page.locator(".mk-email input").count() == 0  # nothing to type
        for i in range(1, 12):
            page.locator(f".mk-item-mr{i:02d}").get_by_text("Yes", exact=True).click()
        page.click(".mk-submit")
        page.wait_for_selector(".mk-receipt", timeout=30_000)
        browser.close()
    assert _stored(db) == [("mentor_readiness", "M-LEG-02", "link")]
