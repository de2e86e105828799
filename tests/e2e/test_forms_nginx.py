"""The README's nginx recipe, run by Debian's nginx in front of `mentorkit forms --base-url /mentoring/`."""

from __future__ import annotations

import http.client
import re
import signal
import socket
import ssl
import subprocess
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mentorkit.forms import links
from tests.formserver import (
    ARGS,
    CHROMIUM,
    form_submissions,
    free_port,
    need_browser,
    offline,
    start_forms,
    status_of,
    stop,
)

pytestmark = [pytest.mark.browser]
NGINX = Path("/usr/sbin/nginx")
SELF_SIGNED = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
README = Path(__file__).resolve().parents[2] / "README.md"


def readme_nginx(port: int, cert: Path, key: Path) -> str:
    """The README's nginx block, on a free loopback port with a throwaway certificate, no port 80."""
    block = re.search(r"```nginx\n(.*?)```", README.read_text(), re.S).group(1)
    https = block.split("\nserver {\n    listen 80;")[0]  # the redirect from port 80 needs root
    https = https.replace("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;")
    https = re.sub(r"ssl_certificate +\S+;", f"ssl_certificate {cert};", https)
    https = re.sub(r"ssl_certificate_key +\S+;", f"ssl_certificate_key {key};", https)
    assert (
        f"listen 127.0.0.1:{port} ssl;" in https and str(key) in https and "proxy_pass http://127.0.0.1:8866;" in https
    )
    return https


@pytest.fixture
def nginx_in_front(sample_copy, tmp_path):
    need_browser()
    if not NGINX.exists():
        pytest.skip("Debian nginx is not installed (.ci/run installs it)")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [*SELF_SIGNED, "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    forms_port, web_port = free_port(), free_port()
    server = readme_nginx(web_port, cert, key).replace("127.0.0.1:8866", f"127.0.0.1:{forms_port}")
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    conf = prefix / "nginx.conf"
    conf.write_text(
        f"""worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    proxy_max_temp_file_size 0;
{server}
}}
"""
    )
    proc, _ = start_forms(sample_copy, "--base-url", "/mentoring/", port=forms_port, path="/mentoring/")
    web = subprocess.Popen(
        [str(NGINX), "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"https://127.0.0.1:{web_port}/mentoring/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                ctx = ssl.create_default_context()
                ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
                urllib.request.urlopen(base, context=ctx, timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline or web.poll() is not None:
                    log = (prefix / "error.log").read_text() if (prefix / "error.log").exists() else ""
                    pytest.fail("nginx did not start: " + (web.stdout.read().decode() if web.stdout else "") + log)
                time.sleep(0.25)
        yield base, sample_copy, prefix, forms_port
    finally:
        web.send_signal(signal.SIGQUIT)
        try:
            web.wait(timeout=15)
        except subprocess.TimeoutExpired:
            web.kill()
            web.wait()
        stop(proc)


def test_a_participant_submits_through_nginx_with_tls_and_a_base_path(nginx_in_front):
    from playwright.sync_api import sync_playwright

    base, db, prefix, forms_port = nginx_in_front
    assert status_of(f"http://127.0.0.1:{forms_port}/") == 404  # only the base path is served
    # a link made with a base URL without its trailing slash keeps its query through the redirect
    conn = http.client.HTTPConnection("127.0.0.1", forms_port, timeout=10)
    conn.request("GET", "/mentoring?form=checkin&t=abc")
    answer = conn.getresponse()
    assert (answer.status, answer.getheader("location")) == (308, "/mentoring/?form=checkin&t=abc")
    conn.close()
    token = links.make_token("M-ENG-01", "mentor_readiness", datetime.now(UTC) + timedelta(days=7))
    link = links.personal_link(base, "mentor_readiness", token)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(ignore_https_errors=True)
        blocked = offline(page, base)
        page.goto(link, timeout=60_000)
        page.wait_for_selector(".mk-item-mr01 input", state="visible", timeout=60_000)
        for i in range(1, 12):
            page.locator(f".mk-item-mr{i:02d}").get_by_text("Yes", exact=True).click()
        page.click(".mk-submit")
        receipt = page.wait_for_selector(".mk-receipt", timeout=30_000).inner_text()
        assert blocked == []  # every file came through nginx under /mentoring/
        browser.close()
    rows = form_submissions(db)
    assert [(r.participant_id, r.instrument, r.channel) for r in rows] == [("M-ENG-01", "mentor_readiness", "link")]
    assert receipt == f"MK-{rows[0].submission_id}"
    log = (prefix / "access.log").read_text()
    assert re.search(r'"GET /mentoring/jupyter/api/kernels/\S+ HTTP/1.1" 101 ', log)  # the WebSocket went through
    assert re.search(r'"GET /mentoring/_solara/cdn/@widgetti/\S+ HTTP/1.1" 200 ', log)  # and the front-end


def test_nginx_closes_half_open_requests_and_serves_a_participant_meanwhile(nginx_in_front):
    base, _db, _prefix, _forms_port = nginx_in_front
    port = int(base.split(":")[2].split("/")[0])
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    hanging = []
    for _ in range(20):  # TLS done, then a request head that never ends
        raw = socket.create_connection(("127.0.0.1", port), timeout=5)
        tls = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        tls.sendall(b"GET /mentoring/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        hanging.append(tls)
    try:
        token = links.make_token("M-ENG-01", "mentor_readiness", datetime.now(UTC) + timedelta(days=7))
        with urllib.request.urlopen(links.personal_link(base, "mentor_readiness", token), context=ctx, timeout=10) as r:
            assert r.status == 200  # a participant is served while they hang
        # client_header_timeout 10s in the README's configuration; 30 s of slack on a loaded machine
        deadline, still_open = time.monotonic() + 40, list(hanging)
        while still_open and time.monotonic() < deadline:
            for s in list(still_open):
                s.settimeout(0.05)
                try:
                    if s.recv(1024) == b"":  # closed by nginx (after a 408, if it sends one)
                        still_open.remove(s)
                except (TimeoutError, ssl.SSLWantReadError):
                    pass
                except OSError:
                    still_open.remove(s)
        assert still_open == []
    finally:
        for s in hanging:
            s.close()
