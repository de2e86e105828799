"""mentorkit: collect, import, score and report on mentoring programmes (Zachary's model)."""

from __future__ import annotations

__version__ = "0.1.0"

from mentorkit.errors import InputFileError, MentorkitError, ReportError, StoreError, UsageError
from mentorkit.settings import DEFAULT, Settings

__all__ = [
    "DEFAULT",
    "InputFileError",
    "MentorkitError",
    "ReportError",
    "Settings",
    "StoreError",
    "UsageError",
    "__version__",
]
