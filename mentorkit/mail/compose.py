"""Messages from templates: the sender, and one ``EmailMessage`` per letter with its text and HTML parts.

Each kind of message (``invitation``, ``reminder``, ``digest``) has three Jinja2 templates in
``templates/``: ``<kind>.subject.j2`` (one line), ``<kind>.txt.j2`` (the plain-text part) and
``<kind>.html.j2`` (the HTML part, autoescaped, on ``base.html.j2``). A workspace overrides any of
them with a file of the same name in its ``templates/mail/`` folder. The templates run sandboxed and
strict: a misspelt name fails the run before anything is sent.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mentorkit.errors import UsageError
from mentorkit.formats import plain

if TYPE_CHECKING:
    import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"
OVERRIDES = Path("templates") / "mail"  # in the workspace
KINDS = ("invitation", "reminder", "digest")


@dataclass(frozen=True)
class Sender:
    """Who the messages come from (``From``), where replies and unsubscribe requests go, and the Message-ID domain."""

    name: str  # the From header's display name ("" for a bare address)
    address: str  # the From address and the envelope sender
    reply_to: str
    domain: str


def one_address(text: str, what: str) -> tuple[str, str]:
    """``(name, address)`` of one e-mail address (``Name <a@b>`` or ``a@b``); one line naming ``what`` otherwise."""
    if any(ch in text for ch in "\r\n\0"):
        raise UsageError(f"{what}: not one e-mail address")
    found = getaddresses([text])
    if len(found) != 1 or not usable(found[0][1]):
        raise UsageError(f"{what}: not one e-mail address: {plain(text)!r}")
    return found[0]


def usable(address: object) -> bool:
    """An address a message can go to: one ASCII ``local@domain`` (no SMTPUTF8), nothing that could end a header line."""
    if not isinstance(address, str) or address.count("@") != 1 or not address.isascii():
        return False
    local, domain = address.split("@")
    if not local or "." not in domain or any(ch.isspace() or ch in '<>,;:"()[]\\' for ch in address):
        return False
    try:
        Address(addr_spec=address)
    except (ValueError, IndexError):
        return False
    return True


def sender(from_: str | None, reply_to: str | None) -> Sender:
    """The sender of ``--from`` (else ``[mail] from``) and ``--reply-to`` (else ``[mail] reply_to``, else From)."""
    if not from_:
        raise UsageError('send needs a sender: --from ADDR, or from = "..." under [mail] in mentorkit.toml')
    name, address = one_address(from_, "--from")
    replies = one_address(reply_to, "--reply-to")[1] if reply_to else address
    return Sender(plain(name), address, replies, address.rpartition("@")[2])


def _stamp(folder: Path) -> tuple[tuple[str, int], ...]:
    """The workspace's own templates with their times: a change makes a new environment."""
    try:
        return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in folder.iterdir()))
    except OSError:
        return ()


@functools.lru_cache(maxsize=8)
def _environment(root: str, _stamp: tuple[tuple[str, int], ...]) -> jinja2.Environment:
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    folders = [str(Path(root) / OVERRIDES), str(TEMPLATES)]
    return SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(folders),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=True, default=False),
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def render(kind: str, root: Path, values: dict[str, Any]) -> tuple[str, str, str]:
    """The subject (one line), the text part and the HTML part of a message of ``kind``."""
    import jinja2

    if kind not in KINDS:
        raise ValueError(f"unknown kind of message {kind!r}")
    where = root.resolve()
    env = _environment(str(where), _stamp(where / OVERRIDES))
    try:
        subject = plain(env.get_template(f"{kind}.subject.j2").render(**values))[:200]
        text = env.get_template(f"{kind}.txt.j2").render(**values)
        html = env.get_template(f"{kind}.html.j2").render(subject=subject, **values)
    except jinja2.TemplateError as exc:
        at = f" ({exc.filename}, line {exc.lineno})" if isinstance(exc, jinja2.TemplateSyntaxError) else ""
        raise UsageError(f"the {kind} message's template cannot be rendered{at}: {plain(str(exc))}") from None
    return subject, text, html


def compose(kind: str, who: Sender, to_name: str, to_address: str, values: dict[str, Any], root: Path) -> EmailMessage:
    """One message: From, To, Reply-To, Subject, Date, Message-ID, List-Unsubscribe; a text and an HTML part."""
    context = {**values, "reply_to": who.reply_to}
    subject, text, html = render(kind, root, context)
    message = EmailMessage()
    message["From"] = Address(display_name=who.name, addr_spec=who.address)  # quoted and encoded as needed
    message["To"] = Address(display_name=plain(to_name), addr_spec=to_address)
    message["Reply-To"] = who.reply_to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=who.domain)
    message["List-Unsubscribe"] = f"<mailto:{who.reply_to}?subject=unsubscribe>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message
