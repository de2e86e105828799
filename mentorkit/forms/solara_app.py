"""The page Solara's server shows participants (`mentorkit forms`): ``forms.app`` for its address."""

from __future__ import annotations

import os

import solara

from mentorkit import forms
from mentorkit.forms import server as serve


@solara.component
def Page() -> None:
    """One participant's page: the landing page, or the form named by the address's query.

    A page that shows a form takes one of the server's places (``serve.claim_place``): the
    server closes a page's connection that shows no valid link within a few seconds.
    """
    router = solara.use_router()
    query = router.search or ""
    widget = solara.use_memo(
        lambda: forms.app(query, os.environ.get("MENTORKIT_DB"), claim=serve.claim_place), dependencies=[query]
    )
    solara.display(widget)
