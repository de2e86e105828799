"""Collection forms built from the instrument definitions (ipywidgets).

One ``InstrumentForm`` serves every instrument. It is composed of three parts, each with one
job: ``who`` (the person of a personal link, a typed e-mail, or a workshop's cohort and person),
``about`` (the pair or goal, one part per instrument subject) and ``items`` (the questions of
``instruments.yaml``). Every rule with a branch is a pure function in ``rules``. Answers go into
the store through ``ingest.submit_rows``, the same validation and writer as file imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from mentorkit.forms.rules import CHANNEL_OF, GOAL_FIELDS, INVALID_LINK, NEW_GOAL

if TYPE_CHECKING:
    from mentorkit.forms.directory import Directory
    from mentorkit.forms.form import InstrumentForm
    from mentorkit.forms.pages import (
        EMAIL_LOGIN_ENV,
        FORM_ORDER,
        USE_YOUR_LINK,
        app,
        email_login_allowed,
        landing,
        notice,
    )
    from mentorkit.forms.style import STYLE

# Loaded on first use, so that ``mentorkit.forms.rules`` (pure) brings in no widgets and no database layer.
_LAZY = {
    "Directory": "directory",
    "InstrumentForm": "form",
    **dict.fromkeys(
        ("EMAIL_LOGIN_ENV", "FORM_ORDER", "USE_YOUR_LINK", "app", "email_login_allowed", "landing", "notice"), "pages"
    ),
    "STYLE": "style",
}


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "CHANNEL_OF",
    "EMAIL_LOGIN_ENV",
    "FORM_ORDER",
    "GOAL_FIELDS",
    "INVALID_LINK",
    "NEW_GOAL",
    "STYLE",
    "USE_YOUR_LINK",
    "Directory",
    "InstrumentForm",
    "app",
    "email_login_allowed",
    "landing",
    "notice",
]
