"""`mentorkit forms`: the collection forms served to participants by Solara's server, in one process.

Every page view is a virtual kernel inside this one process (no kernel process per view): a few
MB and ~0.15 s of CPU each, freed when the page closes or, for a page that went away without
saying so, after ``session_timeout``. Past ``capacity`` open forms a participant gets a small
"busy, retrying…" page that reloads by itself. SIGTERM and SIGINT stop the server within
seconds; nothing else is started. The page's front-end (Solara's app, Font Awesome, RequireJS)
is served from the folder the ``solara-assets`` package installs (``<venv>/share/solara/cdn``),
so the page needs no internet and the install needs no npm.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.cookies
import importlib.metadata
import ipaddress
import os
import re
import secrets
import socket
import sys
import threading
import time
import urllib.parse
import warnings
import webbrowser
from collections import deque
from collections.abc import Awaitable, Callable, Collection, MutableMapping
from pathlib import Path
from typing import Any

from mentorkit import formats as display
from mentorkit import store, workspace
from mentorkit.errors import MentorkitError, UsageError

# the front-end packages the installed Solara's page loads (vue 3, ipywidgets 8), from solara-assets; a test checks that
# Solara's page template names exactly these, so a Solara upgrade cannot silently go online
ASSET_PACKAGES = ("@widgetti/solara-vuetify3-app@5.1.1", "font-awesome@4.5.0", "requirejs@2.3.6")
ASSET_FILES = (
    "@widgetti/solara-vuetify3-app@5.1.1/dist/solara-vuetify-app8.min.js",
    "@widgetti/solara-vuetify3-app@5.1.1/dist/main8.css",
    "@widgetti/solara-vuetify3-app@5.1.1/dist/fonts.css",
    "font-awesome@4.5.0/css/font-awesome.min.css",
    "requirejs@2.3.6/require.js",
)
INSTALL_HINT = "pip install 'mentorkit[forms]'"
ADMIT_WINDOW = 15.0  # seconds a page view with a valid link counts against capacity before its form connects
PROVE_WINDOW = 5.0  # seconds a WebSocket has to show a valid link (or an allowed e-mail login) before it is closed
HEAD_TIMEOUT = 10.0  # seconds a connection has to send a whole request (head and body) before it is closed
MAX_WAITING = 256  # connections still sending their request at once; past it the oldest is closed
PASS_COOKIE = "mentorkit-pass"  # given with a counted page view; its WebSocket skips the waiting queue
KERNEL_SOCKET = re.compile(r"/jupyter/api/kernels/([A-Za-z0-9-]{1,64})/[a-z]+")  # a page's WebSocket
STOP_DEADLINE = 8.0  # seconds after SIGTERM/SIGINT before the process exits whatever is left
PAGE = "mentorkit.forms.solara_app"

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


def assets_dir() -> Path:
    """Where the page's front-end files are served from: ``MENTORKIT_FORMS_ASSETS``, else solara-assets' folder."""
    env = os.environ.get("MENTORKIT_FORMS_ASSETS")
    return Path(env) if env else Path(sys.prefix) / "share" / "solara" / "cdn"


def missing_assets(folder: Path | None = None) -> list[str]:
    """The front-end files not in ``folder`` (empty when the forms can be served offline)."""
    folder = folder or assets_dir()
    return [f for f in ASSET_FILES if not (folder / f).is_file()]


def root_path(base_url: str) -> str:
    """``/mentoring/`` → ``/mentoring``; ``/`` → ``""``. Only a plain URL path is accepted."""
    path = base_url.strip()
    if not path.startswith("/") or not re.fullmatch(r"[A-Za-z0-9._~/-]*", path) or "//" in path or "/." in path:
        raise UsageError(f"--base-url must be a URL path such as /mentoring/, not {base_url!r}")
    return path.rstrip("/")


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def proxy_warning(host: str, tls: bool) -> str | None:
    """The warning for a non-loopback address served without TLS, else None."""
    if is_loopback(host) or tls:
        return None
    return (
        f"mentorkit: warning: serving the forms on {host} without TLS: anyone on the network can read the "
        "answers in transit. Keep --host 127.0.0.1 behind a reverse proxy with TLS (README: "
        "'Offering the forms to participants'), or pass --tls-cert and --tls-key."
    )


def plain_page(text: str) -> str:
    """A page with one message and nothing else, served without the form app (no WebSocket, no place)."""
    name = display.esc(workspace.settings().programme_name)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;
color:#1f2933;line-height:1.5}}h1{{font-size:1.4rem}}</style></head>
<body><main class="mk-plain"><h1>{name}</h1><p class="mk-notice">{display.esc(text)}</p></main></body></html>"""


def busy_page(retry_seconds: int = 5) -> str:
    """The friendly page shown past capacity: it retries by itself."""
    name = display.esc(workspace.settings().programme_name)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{retry_seconds}">
<title>{name}: busy, retrying…</title>
<style>body{{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;
color:#1f2933;line-height:1.5}}h1{{font-size:1.4rem}}.mk-busy{{font-size:1.1rem}}</style></head>
<body><main><h1>{name}</h1>
<p class="mk-busy" role="status">Many people are answering right now. Busy, retrying… Your form
opens by itself in a few seconds; please keep this page open.</p>
<p><a href="">Try again now</a></p></main>
<script>setTimeout(function(){{location.reload()}}, {retry_seconds * 1000});</script>
</body></html>"""


class Places:
    """Who holds one of the server's ``capacity`` places: only sessions that showed a valid link.

    A page's WebSocket is *waiting* from the moment it connects until its form proves a valid
    personal link (or an allowed e-mail login); at most ``capacity`` sessions wait at once, and
    the gate closes one that proves nothing within ``PROVE_WINDOW``. A proven session holds its
    place until Solara closes its virtual kernel (the page closed, or ``session_timeout`` after it
    went away silently). ``alive`` gives the ids of the kernels Solara still holds.
    """

    def __init__(self, capacity: int, alive: Callable[[], Collection[str]]) -> None:
        self.capacity, self.alive = capacity, alive
        self.proven: set[str] = set()
        self.waiting: dict[str, float] = {}
        self.lock = threading.Lock()

    def _prune(self, now: float) -> None:
        alive = set(self.alive())
        self.proven &= alive
        for kernel, since in list(self.waiting.items()):
            if now - since > 2 * PROVE_WINDOW:  # its socket went without a word: not waiting any more
                del self.waiting[kernel]

    def held(self) -> int:
        """Places held by proven sessions."""
        with self.lock:
            self._prune(time.monotonic())
            return len(self.proven)

    def connect(self, kernel: str, passed: bool = False) -> bool:
        """A page's WebSocket opens: True for a proven session coming back, a counted page view's
        socket (``passed``), or while fewer than ``capacity`` others wait."""
        now = time.monotonic()
        with self.lock:
            self._prune(now)
            if kernel in self.proven:
                return True
            if not passed and kernel not in self.waiting and len(self.waiting) >= self.capacity:
                return False
            self.waiting[kernel] = now
            return True

    def prove(self, kernel: str) -> bool:
        """The session shows a valid link: it takes a place, unless every place is held (False)."""
        with self.lock:
            self._prune(time.monotonic())
            self.waiting.pop(kernel, None)
            if kernel in self.proven:
                return True
            if len(self.proven) >= self.capacity:
                return False
            self.proven.add(kernel)
            return True

    def is_proven(self, kernel: str) -> bool:
        with self.lock:
            return kernel in self.proven

    def disconnect(self, kernel: str) -> None:
        """The WebSocket has ended; a session that never proved anything stops waiting."""
        with self.lock:
            self.waiting.pop(kernel, None)


PLACES: Places | None = None  # the running server's places (None outside `mentorkit forms`)


def claim_place() -> bool:
    """Called by the page when it shows a valid link: take a place (True), or none is free (False)."""
    if PLACES is None:
        return True
    from solara.server import kernel_context

    return PLACES.prove(kernel_context.get_current_context().id)


def link_is_signed(query: bytes) -> bool:
    """True when a page's query carries a personal link whose signature, form and expiry are valid."""
    from mentorkit.forms import links

    params = urllib.parse.parse_qs(query.decode("latin-1"), keep_blank_values=True)
    form, token = params.get("form", [""])[0], params.get("t", [""])[0]
    if not token:
        return False
    try:
        links.read_token(token, form)
    except MentorkitError:
        return False
    return True


class Gate:
    """ASGI wrapper: serves under the base path, counts places, and answers past capacity with the busy page.

    A page view counts against capacity only when it carries a validly signed link (or e-mail
    login is allowed); a page's WebSocket is let in while few sessions wait to prove a link, and
    closed when it proves none within ``PROVE_WINDOW``, so no client holds a place without a link.
    """

    def __init__(
        self,
        app: ASGIApp,
        root: str,
        capacity: int,
        live: Callable[[], int],
        places: Places | None = None,
        open_pages: bool = False,
        drop: Callable[[str], None] | None = None,
    ) -> None:
        self.app, self.root, self.capacity, self.live = app, root, capacity, live
        self.places, self.open_pages, self.drop = places, open_pages, drop
        self.admitted: deque[float] = deque()
        self.passes: dict[str, float] = {}  # pass → when it was given (one per counted page view)
        self.lock = threading.Lock()

    def admit(self) -> bool:
        """Count a page view; False when open forms plus recent views reach capacity."""
        now = time.monotonic()
        with self.lock:
            while self.admitted and now - self.admitted[0] > ADMIT_WINDOW:
                self.admitted.popleft()
            if self.live() + len(self.admitted) >= self.capacity:
                return False
            self.admitted.append(now)
            return True

    def give_pass(self) -> str:
        """A one-time pass for the WebSocket of a page view that was counted."""
        now = time.monotonic()
        with self.lock:
            for old, since in list(self.passes.items()):
                if now - since > ADMIT_WINDOW:
                    del self.passes[old]
            token = secrets.token_urlsafe(16)
            self.passes[token] = now
            return token

    def take_pass(self, scope: Scope) -> bool:
        """True (once) when a WebSocket carries a pass given within ``ADMIT_WINDOW``."""
        cookies = http.cookies.SimpleCookie()
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                with contextlib.suppress(http.cookies.CookieError):
                    cookies.load(value.decode("latin-1"))
        morsel = cookies.get(PASS_COOKIE)
        if morsel is None:
            return False
        with self.lock:
            since = self.passes.pop(morsel.value, None)
        return since is not None and time.monotonic() - since <= ADMIT_WINDOW

    async def _socket(self, kernel: str, scope: Scope, receive: Callable[[], Awaitable[Any]], send: Any) -> None:
        """Run a page's WebSocket; close it when its session proves no link within ``PROVE_WINDOW``."""
        assert self.places is not None
        if not self.places.connect(kernel, self.take_pass(scope)):
            await receive()  # websocket.connect
            return await send({"type": "websocket.close", "code": 1013})  # refused before accept: HTTP 403
        expired = asyncio.Event()

        async def watch() -> None:
            await asyncio.sleep(PROVE_WINDOW)
            if not self.places.is_proven(kernel):  # type: ignore[union-attr]
                expired.set()

        async def guarded_receive() -> Any:
            if expired.is_set():
                return {"type": "websocket.disconnect", "code": 1008}
            message = asyncio.ensure_future(receive())
            timeout = asyncio.ensure_future(expired.wait())
            done, _ = await asyncio.wait({message, timeout}, return_when=asyncio.FIRST_COMPLETED)
            if message in done:
                timeout.cancel()
                return message.result()
            message.cancel()
            with contextlib.suppress(Exception):
                await send({"type": "websocket.close", "code": 1008, "reason": "no valid link"})
            return {"type": "websocket.disconnect", "code": 1008}

        watcher = asyncio.ensure_future(watch())
        try:
            await self.app(scope, guarded_receive, send)
        finally:
            watcher.cancel()
            self.places.disconnect(kernel)
            if not self.places.is_proven(kernel) and self.drop is not None:
                self.drop(kernel)  # its virtual kernel is freed now, not after the session timeout

    async def __call__(
        self, scope: Scope, receive: Callable[[], Awaitable[Any]], send: Callable[[Any], Awaitable[None]]
    ) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        path: str = scope["path"]
        if self.root:
            if path == self.root and scope["type"] == "http":  # /mentoring?form=…&t=… → /mentoring/?form=…&t=…
                query: bytes = scope.get("query_string", b"")
                location = (self.root + "/").encode() + (b"?" + query if query else b"")
                return await _respond(send, 308, b"", [(b"location", location)])
            if not path.startswith(self.root + "/"):
                return await _respond(send, 404, b"Not found", [(b"content-type", b"text/plain")])
            scope = {**scope, "root_path": self.root}
        inner = path[len(self.root) :]
        socket_of = KERNEL_SOCKET.fullmatch(inner) if scope["type"] == "websocket" else None
        if socket_of and self.places is not None:
            return await self._socket(socket_of.group(1), scope, receive, send)
        page = inner == "/"
        counted = self.places is None or self.open_pages or link_is_signed(scope.get("query_string", b""))
        if scope["type"] == "http" and scope["method"] == "GET" and page and counted and not self.admit():
            headers = [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"retry-after", b"5"),
                (b"cache-control", b"no-store"),
            ]
            return await _respond(send, 503, busy_page().encode(), headers)
        if scope["type"] == "http" and scope["method"] == "GET" and page and not counted:
            from mentorkit.forms import INVALID_LINK, USE_YOUR_LINK  # the texts the form app shows

            params = urllib.parse.parse_qs(scope.get("query_string", b"").decode("latin-1"))
            text = INVALID_LINK if "t" in params else USE_YOUR_LINK
            headers = [(b"content-type", b"text/html; charset=utf-8"), (b"cache-control", b"no-store")]
            return await _respond(send, 200, plain_page(text).encode(), headers)
        if scope["type"] == "http" and page and counted and self.places is not None:
            cookie = f"{PASS_COOKIE}={self.give_pass()}; Path={self.root}/; HttpOnly; SameSite=Lax"
            return await self.app(scope, receive, _with_header(send, b"set-cookie", cookie.encode()))
        return await self.app(scope, receive, send)


def _with_header(send: Callable[[Any], Awaitable[None]], name: bytes, value: bytes) -> Callable[[Any], Awaitable[None]]:
    """``send`` with one more header on the response's start."""

    async def sending(message: Any) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), (name, value)]}
        await send(message)

    return sending


async def _respond(
    send: Callable[[Any], Awaitable[None]], status: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _solara_env(root: str, session_timeout: int) -> dict[str, str]:
    """Solara's settings (read when it is imported): offline, quiet, production, our page."""
    return {
        "SOLARA_APP": PAGE,
        "SOLARA_MODE": "production",
        "SOLARA_ROOT_PATH": root,
        "SOLARA_ASSETS_PROXY": "True",
        "SOLARA_ASSETS_PROXY_CACHE_DIR": str(assets_dir()),
        "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",  # never reached: every file is in the folder above
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "SOLARA_THEME_LOADER": "plain",
        "SOLARA_THEME_SHOW_BANNER": "False",
        "SOLARA_THEME_TITLE": workspace.settings().programme_name,
        "SOLARA_THEME_VARIANT": "light",
        "SOLARA_KERNEL_CULL_TIMEOUT": f"{session_timeout}s",
        "SOLARA_SERVER_HTTP_GZIP": "True",
    }


def _check_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def serve(
    port: int = 8866,
    db: str | None = None,
    open_browser: bool = True,
    *,
    host: str = "127.0.0.1",
    base_url: str = "/",
    allow_email_login: bool = False,
    capacity: int = 60,
    session_timeout: int = 600,
    tls_cert: str | None = None,
    tls_key: str | None = None,
) -> int:
    """Serve the forms until SIGTERM or SIGINT; they use the store given by ``db`` (or the default)."""
    if not 1 <= port <= 65535:
        raise UsageError(f"not a port number: {port}")
    if capacity < 1 or session_timeout < 10:
        raise UsageError("--capacity must be at least 1 and --session-timeout at least 10 seconds")
    if bool(tls_cert) != bool(tls_key):
        raise UsageError("--tls-cert and --tls-key go together")
    root = root_path(base_url)
    missing = missing_assets()
    if missing:
        assets = (
            f"solara-assets=={importlib.metadata.version('solara')}"  # the same release as Solara (pyproject pins both)
        )
        raise UsageError(
            f"the forms' web assets ({assets}) are missing from {assets_dir()}: {INSTALL_HINT} brings them"
        )
    url = db or store.default_url()
    store.connect(url, create=False)  # one clear error now if the store is unreachable
    warning = proxy_warning(host, bool(tls_cert))
    if warning:
        print(warning, file=sys.stderr, flush=True)
    _check_port(host, port)

    os.environ.update(_solara_env(root, session_timeout))
    os.environ["MENTORKIT_DB"] = url
    if allow_email_login:
        os.environ["MENTORKIT_FORMS_EMAIL_LOGIN"] = "1"
    else:
        os.environ.pop("MENTORKIT_FORMS_EMAIL_LOGIN", None)
    # lax cookies are right for a page that is never embedded in another site's frame
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    import uvicorn
    from solara.server import kernel_context
    from solara.server.starlette import app as solara_app

    _page_template()
    global PLACES
    PLACES = Places(capacity, lambda: list(kernel_context.contexts))

    def drop(kernel: str) -> None:
        context = kernel_context.contexts.get(kernel)
        if context is not None:
            context.close()

    gate = Gate(solara_app, root, capacity, PLACES.held, places=PLACES, open_pages=allow_email_login, drop=drop)
    config = uvicorn.Config(
        gate,
        host=host,
        port=port,
        http=_protocol(),
        log_level="warning",
        timeout_graceful_shutdown=3,
        ssl_certfile=tls_cert,
        ssl_keyfile=tls_key,
        lifespan="on",
    )
    server = _Server(config)
    shown = f"{'https' if tls_cert else 'http'}://{host if ':' not in host else f'[{host}]'}:{port}{root}/"
    print(f"serving the forms on {shown} (Ctrl-C to stop)", flush=True)
    if open_browser:
        threading.Timer(1.5, webbrowser.open, args=(shown,)).start()
    server.run()
    return 0


# Solara closes a page's virtual kernel (and so frees its place) on beforeunload, which Chromium does
# not fire when a tab is closed without a prompt; pagehide always comes, so it is passed on, once.
CLOSE_ON_PAGEHIDE = """<script>
window.addEventListener('beforeunload', function () { window.mkUnloading = true; });
window.addEventListener('pagehide', function () {
  if (!window.mkUnloading) { window.mkUnloading = true; window.dispatchEvent(new Event('beforeunload')); }
});
</script>
</head>"""


def _page_template() -> None:
    """Solara's page template with zoom allowed, the language set (axe: meta-viewport, html-has-lang), and
    the page's kernel closed when its tab is (``CLOSE_ON_PAGEHIDE``)."""
    import jinja2
    from solara.server import server as solara_server

    folder = Path(solara_server.__file__).parent / "templates"
    text = (folder / "solara.html.j2").read_text(encoding="utf-8")
    fixed = text.replace(", maximum-scale=1, user-scalable=no, minimal-ui", "").replace("<html>", '<html lang="en">', 1)
    fixed = fixed.replace("</head>", CLOSE_ON_PAGEHIDE, 1)
    if fixed.count('lang="en"') != 1 or "user-scalable=no" in fixed or "mkUnloading" not in fixed:
        raise UsageError("this Solara's page template is not the one mentorkit knows: reinstall mentorkit's solara")
    loader = jinja2.ChoiceLoader([jinja2.DictLoader({"solara.html.j2": fixed}), jinja2.FileSystemLoader(str(folder))])
    env = jinja2.Environment(loader=loader, autoescape=True)
    solara_server.get_jinja_env = lambda app_name: env  # type: ignore[assignment]


def _protocol() -> type:
    """uvicorn's HTTP protocol with a deadline for each request: slow and half-open requests are closed.

    A connection has ``HEAD_TIMEOUT`` seconds (from its start, or from the end of its previous
    response) to send a whole request; at most ``MAX_WAITING`` connections may be sending one at
    once, and past that the longest waiting is closed. A request the app is answering, and a
    WebSocket, are not touched.
    """
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    waiting: dict[Any, None] = {}  # connections still sending their request, oldest first

    class Protocol(H11Protocol):
        deadline: asyncio.TimerHandle | None = None

        def _arm(self) -> None:
            self._disarm()
            self.deadline = self.loop.call_later(HEAD_TIMEOUT, self._expire)
            waiting[self] = None
            while len(waiting) > MAX_WAITING:
                next(iter(waiting))._expire()

        def _disarm(self) -> None:
            if self.deadline is not None:
                self.deadline.cancel()
                self.deadline = None
            waiting.pop(self, None)

        def _expire(self) -> None:
            self._disarm()
            if not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            upgraded = self.transport.get_protocol() is not self
            whole = self.cycle is not None and (
                self.cycle.response_started or self.conn.their_state is not h11.SEND_BODY
            )
            if upgraded or whole:
                self._disarm()  # a WebSocket now, or the app has the whole request

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()  # the next request on this connection gets its own deadline

    return Protocol


class _Server:
    """uvicorn's server, with a deadline: once asked to stop, the process is gone within seconds."""

    def __init__(self, config: Any) -> None:
        import uvicorn

        class Server(uvicorn.Server):
            def handle_exit(self, sig: int, frame: Any) -> None:
                if not self.should_exit:
                    deadline = threading.Timer(STOP_DEADLINE, os._exit, args=(0,))
                    deadline.daemon = True
                    deadline.start()
                super().handle_exit(sig, frame)

        self.server = Server(config)

    def run(self) -> None:
        self.server.run()
