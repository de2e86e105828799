"""Starting and stopping a real `mentorkit forms` for the browser, server and nginx tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from mentorkit import store
from mentorkit.forms import server as serve

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


def need_browser() -> None:
    """Skip unless Chromium, playwright and the forms' web assets are here (.ci/run installs them)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (.ci/run installs it)")
    pytest.importorskip("playwright.sync_api")
    need_assets()


def need_assets() -> None:
    if missing := serve.missing_assets():  # solara-assets comes with the test extra: missing is a broken install
        pytest.fail(f"the forms' web assets are missing ({missing[0]} …): {serve.INSTALL_HINT}")


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def start_forms(db: str, *extra: str, port: int | None = None, path: str = "/") -> tuple[subprocess.Popen, str]:
    """`mentorkit forms` in its own session; returns the process and the page's URL once it answers."""
    port = port or free_port()
    exe = str(Path(sys.executable).parent / "mentorkit")
    proc = subprocess.Popen(
        [exe, "forms", "--port", str(port), "--no-browser", "--db", db, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}{path}"
    deadline = time.monotonic() + 60
    while True:
        try:
            status_of(url)
            return proc, url
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                out = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail("mentorkit forms did not start: " + out)
            time.sleep(0.25)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def form_submissions(url: str) -> list[sa.Row]:
    with store.connect(url).connect() as conn:
        return list(
            conn.execute(
                sa.select(store.submissions)
                .where(store.submissions.c.source == "form")
                .order_by(store.submissions.c.submission_id)
            ).all()
        )


def offline(page, allowed_prefix: str) -> list[str]:
    """Abort every request that does not go to ``allowed_prefix``; returns the list of those aborted."""
    blocked: list[str] = []

    def route(r) -> None:
        if r.request.url.startswith(allowed_prefix):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return blocked
