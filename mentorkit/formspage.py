"""The page Solara's server shows participants (`mentorkit forms`): ``forms.app`` for its address."""

from __future__ import annotations

import os

import solara

from . import forms


@solara.component
def Page() -> None:
    """One participant's page: the landing page, or the form named by the address's query."""
    router = solara.use_router()
    query = router.search or ""
    widget = solara.use_memo(lambda: forms.app(query, os.environ.get("MENTORKIT_DB")), dependencies=[query])
    solara.display(widget)
