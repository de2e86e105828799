"""One base error; the CLI turns any of them into one line and an exit code."""

from __future__ import annotations

import errno

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
