"""`mentorkit forms` under three connection attacks on loopback: nobody real is locked out.

Each attack runs against the real server (Solara's, through uvicorn) with a small capacity;
afterwards a participant's personal link must still open its page (HTTP 200, not the busy 503),
and the attacker's connections must be closed by the server within the documented limits.
"""

from __future__ import annotations

import asyncio
import socket
import time
import urllib.parse
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from mentorkit.forms import links
from mentorkit.forms import server as serve
from tests.formserver import need_assets, start_forms, status_of, stop

websockets = pytest.importorskip("websockets")


def link_query(pid: str = "M-LEG-02", form: str = "mentor_readiness") -> str:
    token = links.make_token(pid, form, datetime.now(UTC) + timedelta(days=7))
    return urllib.parse.urlencode({"form": form, "t": token})


def kernel_socket(url: str) -> str:
    """A page's WebSocket address as Solara's front-end builds it, with no link anywhere."""
    base = url.replace("http://", "ws://").rstrip("/")
    return f"{base}/jupyter/api/kernels/{uuid.uuid4()}/channels?session_id={uuid.uuid4()}"


@pytest.fixture
def small_server(sample_copy):
    need_assets()
    proc, url = start_forms(sample_copy, "--capacity", "3")
    yield url
    stop(proc)


@pytest.mark.slow
def test_bare_websocket_cycles_lock_nobody_out(small_server):
    url = small_server

    async def cycles() -> int:
        refused = 0
        for _ in range(10):  # open and close at once, as the attack did
            try:
                async with websockets.connect(kernel_socket(url), open_timeout=10):
                    pass
            except websockets.exceptions.InvalidStatus:  # the gate may refuse a burst: fine
                refused += 1
        return refused

    assert asyncio.run(cycles()) < 10  # the sockets did reach the server
    # capacity 3, ten sessions opened: none of them showed a link, so none holds a place
    assert status_of(url + "?" + link_query()) == 200


@pytest.mark.slow
def test_websockets_past_capacity_are_refused_and_unproven_ones_closed(small_server):
    url = small_server

    async def attack() -> tuple[int, int, list[float]]:
        opened, refused = [], 0
        for _ in range(12):  # twelve sessions straight over the WebSocket, held open
            try:
                opened.append(await websockets.connect(kernel_socket(url), open_timeout=10))
            except websockets.exceptions.InvalidStatus:
                refused += 1
        start = time.monotonic()

        async def closed_after(ws) -> float:
            try:
                while True:
                    await asyncio.wait_for(ws.recv(), timeout=60)
            except websockets.exceptions.ConnectionClosed:
                return time.monotonic() - start

        took = await asyncio.gather(*(closed_after(ws) for ws in opened))
        return len(opened), refused, list(took)

    opened, refused, took = asyncio.run(attack())
    # at most capacity (3) sessions may wait to prove a link; the other nine are refused
    assert opened <= 3 and refused >= 9
    # each waiting one is closed by the server once PROVE_WINDOW (5 s) has passed without a link
    # (a loaded 2-core machine: 30 s of slack, far below the 600 s session timeout)
    assert took and max(took) < serve.PROVE_WINDOW + 30
    assert status_of(url + "?" + link_query()) == 200


@pytest.mark.slow
def test_half_open_and_slow_requests_are_timed_out(small_server):
    url = small_server
    host, port = urllib.parse.urlsplit(url).hostname, urllib.parse.urlsplit(url).port
    half_open = []
    for _ in range(300):  # request heads that never end
        s = socket.create_connection((host, port), timeout=5)
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        half_open.append(s)
    slow = socket.create_connection((host, port), timeout=5)  # a body that never arrives whole
    slow.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n0123456789")
    half_open.append(slow)
    try:
        # while they hang, a participant's link opens its page
        assert status_of(url + "?" + link_query()) == 200
        deadline = time.monotonic() + serve.HEAD_TIMEOUT + 30  # 30 s of slack on a loaded machine
        still_open = list(half_open)
        while still_open and time.monotonic() < deadline:
            for s in list(still_open):
                s.settimeout(0.05)
                try:
                    if s.recv(1024) == b"":  # closed by the server
                        still_open.remove(s)
                except TimeoutError:
                    pass
                except OSError:
                    still_open.remove(s)
        assert still_open == []  # every half-open and slow request was closed by the server
        assert status_of(url + "?" + link_query()) == 200
    finally:
        for s in half_open:
            s.close()


def test_places_are_held_by_proven_sessions_only():
    alive = {"a", "b", "c", "d", "e"}
    places = serve.Places(capacity=2, alive=lambda: alive)
    # two sockets may wait at once; a third without a pass is refused, one with a pass is let in
    assert places.connect("a") and places.connect("b")
    assert places.connect("c") is False
    assert places.connect("c", passed=True) is True
    # proving takes a place while fewer than 2 are held
    assert places.prove("a") is True and places.prove("b") is True
    assert places.prove("c") is False  # every place is held: the page says so instead
    assert places.held() == 2
    # a proven session comes back (a reconnect) without waiting
    assert places.connect("a") is True
    # its virtual kernel closes: the place is free again
    alive.discard("a")
    assert places.held() == 1
    assert places.prove("c") is True


def test_only_page_views_with_a_signed_link_count():
    assert serve.link_is_signed(link_query().encode()) is True
    assert serve.link_is_signed(b"form=checkin&t=forged.token") is False
    assert serve.link_is_signed(b"") is False
