"""A real SMTP server on loopback for the mail tests: aiosmtpd with STARTTLS on a self-signed certificate and AUTH.

The certificate is made at test time (``openssl req``) for ``127.0.0.1`` and ``localhost``; the
tests trust it through ``?cafile=``, as a programme trusts its company CA. The handler keeps
every message it accepted, refuses (550) or defers (451) the addresses it is told to, and can
answer slowly (a slow relay) or stall on an address past the client's timeout.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER = "mentoring"
PASSWORD = "pw-Zq8!vX3-not-on-any-line"  # the tests search every output for it


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate and key for 127.0.0.1 and localhost (valid two days)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@dataclass
class Received:
    """One message the server accepted: the envelope, the message, and how the session was secured."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    tls: bool
    login: str | None
    at: float  # when the server accepted it (time.monotonic)


@dataclass
class Recorder:
    """The server's handler: accepts, refuses, defers, delays or stalls; keeps what it accepted."""

    refuse: set[str] = field(default_factory=set)  # 550 at RCPT
    defer: set[str] = field(default_factory=set)  # 451 at RCPT
    stall: set[str] = field(default_factory=set)  # no answer to DATA for `stall_seconds`
    delay: float = 0.0  # every DATA answer this late (a slow relay)
    stall_seconds: float = 3.0
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address.lower() in self.refuse:
            return "550 5.1.1 <" + address + ">: mailbox unavailable"
        if address.lower() in self.defer:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if any(a.lower() in self.stall for a in envelope.rcpt_tos):
            await asyncio.sleep(self.stall_seconds)
            return "451 4.4.2 too slow"
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        login = getattr(session.auth_data, "login", None)
        secured = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        with self.lock:
            self.received.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    message,
                    secured,
                    login and login.decode(),
                    time.monotonic(),
                )
            )
        return "250 2.0.0 OK: queued"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(r.message["Message-ID"]) for r in self.received]


def _authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class MailServer:
    """A running server: where it listens, its CA file, what it received."""

    port: int
    cafile: Path
    handler: Recorder
    implicit_tls: bool = False

    def url(self, user: str | None = USER, **query: str) -> str:
        """The server's ``smtp://`` (or ``smtps://``) URL, trusting its certificate through ``cafile``."""
        options = {"cafile": str(self.cafile), **query}
        tail = "&".join(f"{k}={v}" for k, v in options.items() if v)
        who = f"{user}@" if user else ""
        return f"{'smtps' if self.implicit_tls else 'smtp'}://{who}127.0.0.1:{self.port}?{tail}"


@contextmanager
def serving(folder: Path, handler: Recorder | None = None, implicit_tls: bool = False) -> Iterator[MailServer]:
    """aiosmtpd on 127.0.0.1: STARTTLS required (or TLS from the start) and AUTH required, on a fresh certificate."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = make_certificate(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = handler or Recorder()
    port = _free_port()
    options = {"authenticator": _authenticator, "auth_required": True, "ready_timeout": 10}
    if implicit_tls:
        # TLS from the first byte; aiosmtpd only counts STARTTLS as TLS for AUTH, so that check is off here
        controller = Controller(
            handler, hostname="127.0.0.1", port=port, ssl_context=context, auth_require_tls=False, **options
        )
    else:
        controller = Controller(
            handler, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True, **options
        )
    controller.start()
    try:
        yield MailServer(port, cert, handler, implicit_tls)
    finally:
        controller.stop()
