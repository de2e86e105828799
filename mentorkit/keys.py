"""The workspace's secrets (personal links, export pseudonyms): files of mode 0600, checked on every read."""

from __future__ import annotations

import stat
from pathlib import Path

from .errors import MentorkitError

SECRET_BYTES = 32  # 256 bits, written as hex


def read_secret(path: Path, name: str, remedy: str) -> bytes:
    """The secret in ``path``; refused (one line) when others can read it or it is damaged (``remedy`` says what to do)."""
    try:
        mode = path.stat().st_mode
        value = path.read_bytes().strip()
    except OSError as exc:
        raise MentorkitError(f"cannot read the {name} {path}: {exc.strerror or exc}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise MentorkitError(f"the {name} {path} can be read by others; run `chmod 600 {path}`")
    if len(value) < 2 * SECRET_BYTES:
        raise MentorkitError(f"the {name} {path} is damaged; {remedy}")
    return value
