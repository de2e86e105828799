"""Writing outputs: every file appears whole (a temporary name, then a rename), and replaces only its own kind.

CSV outputs are guarded against spreadsheet formula injection; an ``--out`` that names some other
file (the store, a secret, a folder) is refused with one line before anything is written.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

import pandas as pd

from mentorkit import frames
from mentorkit.errors import DISK_FULL, OutputError

OUTPUT_HEAD_BYTES = 1 << 16  # how much of an existing --out file is read to find its header row

_UMASK = os.umask(0)
os.umask(_UMASK)


def safe_stem(name: str, limit: int = 40) -> str:
    """A file name part derived from user text: only letters, digits, - and _."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(name).stem).strip("-_")[:limit]
    return stem or "file"


def write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Write a file under a temporary name in the same folder, then rename it into place.

    A file system problem (full disk, no permission, a folder in the way) is one ``OutputError`` line;
    the temporary file is removed, so nothing half-written is left and ``path`` keeps what it held.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(cannot_write(path, exc)) from None
    os.close(fd)
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; final files get the usual mode
        write(Path(tmp))
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(cannot_write(path, exc)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cannot_write(path: Path, exc: OSError) -> str:
    """The one line for a file that could not be written, naming a full disk as such."""
    if exc.errno in DISK_FULL:
        return f"cannot write {path}: the disk is full (no space left on the device); {path.name} was not changed"
    if isinstance(exc, IsADirectoryError):
        return f"cannot write {path}: it is a folder; give a file name"
    return f"cannot write {path}: {exc.strerror or exc}; {path.name} was not changed"


def write_text_atomic(path: Path, text: str) -> None:
    """A UTF-8 text file written under a temporary name, then renamed into place."""
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def csv_header(columns: Sequence[object]) -> str:
    """The header row ``write_csv`` writes for these columns (guarded, quoted as pandas quotes it)."""
    return pd.DataFrame(columns=[frames.guard_formula(str(c)) for c in columns]).to_csv(index=False).rstrip("\r\n")


def check_output_file(
    path: str | os.PathLike[str], columns: Sequence[object], what: str, earlier: Sequence[Sequence[object]] = ()
) -> Path:
    """``path`` as a file CSV output may take: new, or an earlier output with exactly this header row.

    Anything else there (the store, a secret, a folder, any other file) is refused with one line, so
    an ``--out`` naming the wrong file destroys nothing. ``what`` names the output in the message;
    ``earlier`` lists the header rows an older mentorkit wrote for it (those files are replaced too).
    """
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"{target} is a folder; --out needs a file name, e.g. {target / (what + '.csv')}")
    if not target.exists() and not target.is_symlink():
        return target
    try:
        with target.open("rb") as fh:
            first = fh.read(OUTPUT_HEAD_BYTES).split(b"\n", 1)[0].rstrip(b"\r")
    except OSError as exc:
        raise OutputError(f"cannot check {target} before replacing it: {exc.strerror or exc}") from None
    if first.decode("utf-8", errors="replace") not in {csv_header(c) for c in (columns, *earlier)}:
        raise OutputError(
            f"{target} exists and is not an earlier {what} CSV (its first line is not the {what} header); "
            "nothing was written: choose a new file name, or remove that file yourself"
        )
    return target


def write_csv(
    path: Path, frame: pd.DataFrame, what: str = "mentorkit", earlier: Sequence[Sequence[object]] = ()
) -> None:
    """A CSV guarded against spreadsheet formula injection (every cell and the header), written atomically.

    It replaces only an earlier CSV with the same header row, or one of ``earlier`` (``check_output_file``).
    """
    check_output_file(path, list(frame.columns), what, earlier)
    write_atomic(path, lambda tmp: write_csv_to(tmp, frame))


def write_csv_to(target: Path | TextIO, frame: pd.DataFrame) -> None:
    """The one CSV writer: ``frame`` with every text cell and every column name guarded against formulas."""
    frames.guard_frame(frame).to_csv(target, index=False, encoding="utf-8")
