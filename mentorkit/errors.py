"""One base error; the CLI turns any of them into one line and an exit code."""

from __future__ import annotations

import difflib
import errno
from collections.abc import Iterable

DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})  # "no space left", "disk quota exceeded"


class MentorkitError(Exception):
    """A problem with the user's input or environment, not a bug in mentorkit."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __reduce__(self) -> tuple[type[MentorkitError], tuple[str]]:
        # picklable across processes (parallel report runs)
        return (type(self), (self.message,))


class UsageError(MentorkitError):
    """The command was called wrongly (unknown cohort, unsafe id, bad option)."""

    exit_code = 2


def unknown_cohort(cohort_id: str, known: Iterable[str]) -> UsageError:
    """ "unknown cohort 'x' (did you mean …?)": the nearest known ids (difflib), else where to find them."""
    close = difflib.get_close_matches(cohort_id, sorted(set(known)), n=3, cutoff=0.6)
    if close:  # the best, and those about as near: "2026-spring" names eng and sales, "2026-spring-en" eng alone
        best = difflib.SequenceMatcher(None, cohort_id, close[0]).ratio()
        close = [c for c in close if difflib.SequenceMatcher(None, cohort_id, c).ratio() >= best - 0.1]
        hint = f"did you mean {' or '.join(close)}?"
    else:
        hint = "`mentorkit cohorts` lists the store's cohorts"
    return UsageError(f"unknown cohort {cohort_id!r} ({hint})")


class InputFileError(MentorkitError):
    """A file cannot be imported as a whole: nothing from it was written."""

    def about(self, file_name: str) -> InputFileError:
        """The same error, its message starting with the file's name (once)."""
        if self.message.startswith(f"{file_name}:") or self.message.startswith("cannot read the map file"):
            return self
        if self.message.startswith("the map file"):
            return self
        return type(self)(f"{file_name}: {self.message}")


class ImportStoredError(MentorkitError):
    """An import committed its rows, then something after the commit failed; the message says what was stored."""


class StoreError(MentorkitError):
    """The database cannot be reached or is not a mentorkit store."""


class ReportError(MentorkitError):
    """A report could not be produced."""


class UnreadableValueError(StoreError):
    """The store holds a value mentorkit cannot read back (``mentorkit db check`` sets it aside)."""


class OutputError(MentorkitError):
    """An output cannot be written where asked (a file it must not replace, a folder, a full disk)."""


class StoreBusyError(StoreError):
    """Another process holds the store's write lock longer than the busy timeout."""


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception, what it wraps (a database driver's ``orig``), and what it was raised from."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop(0)
        if e is None or any(e is s for s in seen):
            continue
        seen.append(e)
        todo += [getattr(e, "orig", None), e.__cause__, e.__context__]
    return seen


def environment_problem(exc: BaseException, store: str, busy_seconds: float) -> MentorkitError | None:
    """The user or environment problem behind a low-level exception, as one clear error; None for a bug.

    A full disk, a SQLite store another process holds locked past the busy timeout, a folder where a
    file belongs, a file mentorkit may not read or write. ``store`` names the store (no password).
    """
    for e in _causes(exc):
        text = str(e).lower()
        if "database is locked" in text or "database table is locked" in text:
            return StoreBusyError(
                f"the store {store} is locked by another process (waited {busy_seconds:g} s); "
                "try again when that process has finished"
            )
        full = isinstance(e, OSError) and e.errno in DISK_FULL
        if full or "database or disk is full" in text:
            where = f" writing {e.filename}" if isinstance(e, OSError) and e.filename else ""
            return OutputError(
                f"the disk is full (no space left on the device{where}); free some space and run the command "
                "again (store writes were rolled back, files appear whole or not at all)"
            )
    for e in _causes(exc):
        if isinstance(e, IsADirectoryError) and e.filename:
            return OutputError(f"{e.filename} is a folder; give a file name")
        if isinstance(e, OSError) and e.filename and e.strerror:
            return OutputError(f"{e.strerror}: {e.filename}")
    return None
