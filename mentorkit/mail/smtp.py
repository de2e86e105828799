"""The SMTP server: its URL, its password, a verified TLS connection, and what it answered to one message.

``smtp://[user@]host[:port]`` speaks STARTTLS when the server offers it (``?starttls=no``: never;
``?starttls=yes``: refuse a server that does not offer it); ``smtps://`` is TLS from the start.
``?cafile=FILE`` (or ``MENTORKIT_SMTP_CAFILE``) names the CA that signed the server's certificate
when it is not one the system trusts; ``?timeout=S`` (30) bounds every exchange. The password
comes from ``MENTORKIT_SMTP_PASSWORD`` or a file only its owner can read (``MENTORKIT_SMTP_PASSWORD_FILE``,
``[mail] password_file``, else ``data/smtp-password`` when there), never from the URL or the command
line, and is never sent over a connection without TLS.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import ssl
import stat
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path

from mentorkit.errors import MentorkitError, UsageError
from mentorkit.formats import first_line, plain

PASSWORD_ENV = "MENTORKIT_SMTP_PASSWORD"
PASSWORD_FILE_ENV = "MENTORKIT_SMTP_PASSWORD_FILE"
CAFILE_ENV = "MENTORKIT_SMTP_CAFILE"
DEFAULT_PASSWORD_FILE = Path("data") / "smtp-password"
PORTS = {"smtp": 25, "smtps": 465}
QUERY_KEYS = ("starttls", "cafile", "timeout")


class MailServerError(MentorkitError):
    """The SMTP server cannot be reached, refuses the login, or its certificate cannot be verified."""


@dataclass(frozen=True)
class Server:
    """Where the SMTP server is and how to speak to it (no password: that is never part of the URL)."""

    scheme: str  # smtp or smtps
    host: str
    port: int
    username: str | None = None
    starttls: str = "auto"  # auto (when offered), yes (required) or no
    cafile: str | None = None
    timeout: float = 30.0

    def shown(self) -> str:
        """The server for a message: ``smtp://user@host:port``."""
        user = f"{urllib.parse.quote(self.username, safe='')}@" if self.username else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"


def parse_url(url: str) -> Server:
    """``smtp://`` or ``smtps://`` with a user, host, port and options; one clear line for anything else."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in PORTS or not parts.hostname:
        raise UsageError("not an SMTP server URL; give smtp://[user@]host[:port] or smtps://[user@]host[:port]")
    if parts.password is not None:
        raise UsageError(
            f"the SMTP URL holds a password; give it in {PASSWORD_ENV} or a file of mode 0600 "
            f"({PASSWORD_FILE_ENV}, [mail] password_file), never in the URL"
        )
    try:
        port = parts.port or PORTS[parts.scheme]
    except ValueError:
        raise UsageError(f"the SMTP URL's port is not a number ({plain(parts.netloc.rpartition(':')[2])!r})") from None
    query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - set(QUERY_KEYS))
    if unknown:
        raise UsageError(f"the SMTP URL has an unknown option {unknown[0]!r}; allowed: {', '.join(QUERY_KEYS)}")
    option = {k: v[-1] for k, v in query.items()}
    starttls = option.get("starttls", "auto").lower()
    if starttls not in ("auto", "yes", "no") or (parts.scheme == "smtps" and starttls == "yes"):
        raise UsageError(f"?starttls= takes yes, no or auto (smtp:// only), not {plain(starttls)!r}")
    try:
        timeout = float(option.get("timeout", "30"))
    except ValueError:
        timeout = -1.0
    if not 0 < timeout <= 600:
        raise UsageError("?timeout= takes the seconds to wait for the server, more than 0 and at most 600")
    user = urllib.parse.unquote(parts.username) if parts.username else None
    cafile = option.get("cafile") or os.environ.get(CAFILE_ENV) or None
    return Server(parts.scheme, parts.hostname, port, user, starttls, cafile, timeout)


def read_password(server: Server, password_file: str | None, root: Path) -> str | None:
    """The login password of ``server``'s user (None without a user): the environment, else a 0600 file."""
    if server.username is None:
        return None
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    named = os.environ.get(PASSWORD_FILE_ENV) or password_file
    path = Path(named) if named else root / DEFAULT_PASSWORD_FILE
    if not named and not path.exists():
        raise UsageError(
            f"the SMTP user {plain(server.username)} needs a password: set {PASSWORD_ENV}, or put it in "
            f"{path} (mode 0600) or a file named by {PASSWORD_FILE_ENV}"
        )
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise UsageError(f"the SMTP password file {path} can be read by others; run `chmod 600 {path}`")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read the SMTP password file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"the SMTP password file {path} is not UTF-8 text") from None
    password = text.strip("\r\n")
    if not password:
        raise UsageError(f"the SMTP password file {path} is empty")
    return password


def tls_context(server: Server, insecure: bool) -> ssl.SSLContext:
    """A context that verifies the server's certificate and name (``cafile`` trusted too), unless ``insecure``."""
    if insecure:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    try:
        return ssl.create_default_context(cafile=server.cafile)
    except (OSError, ssl.SSLError) as exc:
        raise UsageError(f"cannot read the CA file {server.cafile}: {getattr(exc, 'strerror', None) or exc}") from None


@dataclass(frozen=True)
class Outcome:
    """What the server answered to one message: ``sent``, ``refused`` (5xx) or ``failed`` (4xx, timeout, lost)."""

    status: str
    reply: str


def _outcome(code: int, text: bytes | str) -> Outcome:
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    reply = plain(f"{code} {said}")[:500]
    if 200 <= code < 300:
        return Outcome("sent", reply)
    return Outcome("refused" if 500 <= code < 600 else "failed", reply)


class Postman:
    """One connection to the SMTP server, opened on first use and again after it was lost."""

    def __init__(self, server: Server, password: str | None, context: ssl.SSLContext, insecure: bool = False) -> None:
        self.server, self.context, self.insecure = server, context, insecure
        self._password = password
        self._conn: smtplib.SMTP | None = None

    def __repr__(self) -> str:  # never the password
        return f"Postman({self.server.shown()})"

    def open(self) -> None:
        """Connect, STARTTLS as the URL says, and log in; ``MailServerError`` (one line) when that fails."""
        s = self.server
        where = s.shown()
        try:
            if s.scheme == "smtps":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self.context)
            else:
                conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            conn.ehlo()
            encrypted = s.scheme == "smtps"
            if s.scheme == "smtp" and s.starttls != "no" and conn.has_extn("starttls"):
                conn.starttls(context=self.context)
                conn.ehlo()
                encrypted = True
            elif s.starttls == "yes":
                conn.close()
                raise MailServerError(f"the SMTP server {where} does not offer STARTTLS (the URL says ?starttls=yes)")
            if s.username is not None:
                if not encrypted and not self.insecure:
                    conn.close()
                    raise MailServerError(
                        f"the SMTP server {where} offers no TLS; the password is never sent in the clear "
                        "(use smtps://, a server with STARTTLS, or --insecure)"
                    )
                conn.login(s.username, self._password or "")
        except ssl.SSLCertVerificationError as exc:
            raise MailServerError(
                f"the certificate of the SMTP server {where} cannot be verified ({exc.verify_message or exc.reason}); "
                f"name its CA with ?cafile=FILE or {CAFILE_ENV}, or pass --insecure"
            ) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise MailServerError(
                f"the SMTP server {where} refused the login: {_outcome(exc.smtp_code, exc.smtp_error).reply}"
            ) from None
        except smtplib.SMTPException as exc:
            raise MailServerError(
                f"the SMTP server {where} did not let mentorkit in: {plain(first_line(str(exc)))}"
            ) from None
        except (OSError, ssl.SSLError) as exc:
            raise MailServerError(f"cannot reach the SMTP server {where}: {plain(str(exc.strerror or exc))}") from None
        self._conn = conn

    def deliver(self, message: EmailMessage, sender: str, recipient: str) -> Outcome:
        """Hand one message to the server for one recipient; its outcome (the connection reopened as needed)."""
        if self._conn is None:
            self.open()
        conn = self._conn
        assert conn is not None
        try:
            code, said = conn.mail(sender)
            if code == 250:
                code, said = conn.rcpt(recipient)
                if code in (250, 251):
                    code, said = conn.data(message.as_bytes(policy=SMTP_POLICY))
            if not 200 <= code < 300:
                conn.rset()
            return _outcome(code, said)
        except smtplib.SMTPServerDisconnected as exc:
            self._drop()
            return Outcome("failed", plain(f"connection lost: {exc}")[:500])
        except smtplib.SMTPResponseException as exc:
            outcome = _outcome(exc.smtp_code, exc.smtp_error)
            self._reset()
            return outcome
        except TimeoutError as exc:
            self._drop()
            return Outcome("failed", plain(f"no answer within {self.server.timeout:g} s ({exc or 'timeout'})")[:500])
        except OSError as exc:
            self._drop()
            return Outcome("failed", plain(f"connection lost: {exc.strerror or exc}")[:500])

    def _reset(self) -> None:
        try:
            if self._conn is not None:
                self._conn.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()

    def close(self) -> None:
        """QUIT and close (quietly: the messages are already recorded)."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            with contextlib.suppress(OSError):
                conn.close()


def postman_factory(
    url: str | None, insecure: bool, root: Path, password_file: str | None = None
) -> Callable[[], Postman] | None:
    """What opens the connection of ``url`` (None without one); the URL and the password are checked now."""
    if not url:
        return None
    server = parse_url(url)
    password = read_password(server, password_file, root)
    context = tls_context(server, insecure)
    return lambda: Postman(server, password, context, insecure)
