"""The workspace's secrets (personal links, export pseudonyms): files of mode 0600, made and checked here.

A secret is 32 random bytes written as 64 hex digits. ``ensure_secret`` makes one on first use and
reads it; ``replace_secret`` swaps in a new one. Either way the file is written whole under a
temporary name (mode 0600 from its first byte) before it takes its place, so a reader never sees
half a secret, and two processes creating it at once end up reading the same one.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import tempfile
from pathlib import Path

from mentorkit.errors import MentorkitError

SECRET_BYTES = 32  # 256 bits, written as hex
_NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS}


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


def ensure_secret(path: Path, name: str, remedy: str) -> bytes:
    """The secret in ``path``, made on first use (never overwritten); checked as ``read_secret`` does."""
    if not path.exists():
        create_secret(path, name)
    return read_secret(path, name, remedy)


def create_secret(path: Path, name: str) -> bool:
    """Write a fresh secret to ``path`` unless a file is there already; True when this call made it."""
    try:
        tmp = _fresh(path)
        try:
            os.link(tmp, path)  # appears whole, and fails when another process got there first
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno not in _NO_HARD_LINKS:
                raise
            return _create_exclusive(path)  # a file system without hard links
        finally:
            tmp.unlink(missing_ok=True)
        return True
    except OSError as exc:
        raise MentorkitError(f"cannot write the {name} {path}: {exc.strerror or exc}") from None


def replace_secret(path: Path, name: str) -> None:
    """Swap a fresh secret into ``path`` atomically (whatever was there stops working)."""
    try:
        tmp = _fresh(path)
        try:
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise MentorkitError(f"cannot write the {name} {path}: {exc.strerror or exc}") from None


def _fresh(path: Path) -> Path:
    """A new secret in a temporary file beside ``path`` (mkstemp: mode 0600), flushed to disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(SECRET_BYTES).hex().encode())
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _create_exclusive(path: Path) -> bool:
    """Without hard links: O_EXCL, so one process makes the file (a reader may catch it still empty)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as fh:
        fh.write(secrets.token_bytes(SECRET_BYTES).hex().encode())
        fh.flush()
        os.fsync(fh.fileno())
    return True
