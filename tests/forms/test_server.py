"""`mentorkit forms` as a server: base path, capacity and the busy page, the clean stop, the warning, the assets."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from mentorkit.forms import server as serve
from tests.formserver import ARGS, CHROMIUM, free_port, need_assets, need_browser, start_forms, status_of, stop

MENTORKIT = str(Path(sys.executable).parent / "mentorkit")


def test_root_path_takes_plain_url_paths_only():
    assert serve.root_path("/mentoring/") == "/mentoring"
    assert serve.root_path("/mentoring") == "/mentoring"
    assert serve.root_path("/") == ""
    for bad in ("mentoring/", "/a b/", "//evil.example/", "/../x", "/a?b=1"):
        with pytest.raises(serve.UsageError):
            serve.root_path(bad)


def test_warning_for_a_non_loopback_address_without_tls():
    for quiet in ("127.0.0.1", "127.0.0.2", "::1", "localhost"):
        assert serve.proxy_warning(quiet, tls=False) is None
    assert serve.proxy_warning("0.0.0.0", tls=True) is None
    warning = serve.proxy_warning("0.0.0.0", tls=False)
    assert warning and "without TLS" in warning and "Offering the forms to participants" in warning


def test_capacity_counts_open_forms_and_recent_page_views():
    live = [0]
    gate = serve.Gate(app=None, root="", capacity=3, live=lambda: live[0])  # type: ignore[arg-type]
    # capacity 3: three page views in a burst are let in (0+0, 0+1, 0+2 < 3), the fourth is not
    assert [gate.admit() for _ in range(4)] == [True, True, True, False]
    gate.admitted.clear()  # the views' window has passed: only the open forms count now
    live[0] = 2
    assert gate.admit() is True  # 2 open + 0 recent < 3
    assert gate.admit() is False  # 2 open + 1 recent = 3


def test_busy_page_retries_by_itself():
    page = serve.busy_page(retry_seconds=5)
    assert "Busy, retrying…" in page
    assert '<meta http-equiv="refresh" content="5">' in page and "location.reload()" in page
    assert "Mentoring programme" in page


@pytest.mark.slow
def test_the_assets_fetched_are_those_solaras_page_loads():
    # Solara's page template names its front-end packages as {{cdn}}/<package>@<version>/…; for
    # vue 3 (ipyvue 3) and ipywidgets 8 they must be exactly the packages the fetch script gets
    import solara.server.settings
    from solara.server import server as solara_server

    template = (Path(solara_server.__file__).parent / "templates" / "solara.html.j2").read_text()
    package = r"\{\{cdn\}\}/((?:@[\w-]+/)?[\w-]+@[\d.]+)/"
    vue3 = template.split("{% if vue3 == True %}")[1].split("{% else %}")[0]
    named = set(re.findall(package, vue3))
    named |= {p for p in re.findall(package, template) if "vuetify" not in p}  # requirejs
    named.add(solara.server.settings.assets.fontawesome_path.split("/")[1])  # font-awesome@4.5.0
    assert named == set(serve.ASSET_PACKAGES)
    assert serve.missing_assets(Path("/nonexistent")) == list(serve.ASSET_FILES)


@pytest.mark.slow
def test_missing_assets_are_one_line_saying_how_to_get_them(sample_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("MENTORKIT_FORMS_ASSETS", str(tmp_path / "empty"))
    done = subprocess.run(
        [MENTORKIT, "forms", "--no-browser", "--port", str(free_port()), "--db", sample_copy],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        f"mentorkit: error: the forms' web assets (solara-assets==1.58.2) are missing from {tmp_path / 'empty'}: "
        "pip install 'mentorkit[forms]' brings them"
    ]


@pytest.mark.slow
def test_non_loopback_address_prints_the_warning(sample_copy):
    need_assets()
    # 192.0.2.1 is TEST-NET-1: no machine has it, so the warning is printed and then binding fails;
    # nothing listens beyond loopback during the test
    done = subprocess.run(
        [MENTORKIT, "forms", "--no-browser", "--host", "192.0.2.1", "--port", str(free_port()), "--db", sample_copy],
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("mentorkit: warning: serving the forms on 192.0.2.1 without TLS")
    assert "Offering the forms to participants" in lines[0]
    assert lines[-1].startswith("mentorkit: error: cannot listen on 192.0.2.1:") and done.returncode != 0


def port_is_free(port: int) -> bool:
    """Nothing listens there any more: a new server can take the port (as servers do, with SO_REUSEADDR)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            s.listen()
        except OSError:
            return False
        return True


@pytest.mark.browser
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_server_and_everything_it_started(sample_copy, sig):
    need_browser()
    from playwright.sync_api import sync_playwright

    port = free_port()
    proc, url = start_forms(sample_copy, "--allow-email-login", port=port)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            page = browser.new_page()
            page.goto(url + "?form=mentor_readiness", timeout=60_000)
            page.wait_for_selector(".mk-email input", state="visible", timeout=60_000)  # a live form (websocket)
            tree = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
            start = time.monotonic()
            proc.send_signal(sig)  # to the server alone, as systemd or a supervisor does
            proc.wait(timeout=10)
            took = time.monotonic() - start
            browser.close()
        assert took < 10
        assert [q.pid for q in tree if q.is_running() and q.status() != psutil.STATUS_ZOMBIE] == []
        assert port_is_free(port)
    finally:
        stop(proc)


@pytest.mark.browser
def test_past_capacity_a_busy_page_that_retries_until_the_form_opens(sample_copy):
    need_browser()
    from playwright.sync_api import sync_playwright

    proc, url = start_forms(sample_copy, "--allow-email-login", "--capacity", "1")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            first = browser.new_page()
            first.goto(url + "?form=mentor_readiness", timeout=60_000)
            first.wait_for_selector(".mk-email input", state="visible", timeout=60_000)
            assert status_of(url + "?form=mentor_readiness") == 503
            second = browser.new_page()
            second.goto(url + "?form=mentee_readiness", timeout=60_000)
            assert "Busy, retrying…" in second.inner_text("body")  # friendly, never blank or an error
            first.close(run_before_unload=True)  # the first participant leaves: their form is freed
            # the busy page reloads by itself every 5 s; the recent view counts for 15 s at most (90 s: a loaded CI box)
            second.wait_for_selector(".mk-email input", state="visible", timeout=90_000)
            assert "Mentee readiness" in second.inner_text("body")
            browser.close()
    finally:
        stop(proc)
