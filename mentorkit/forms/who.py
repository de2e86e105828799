"""Who is answering: the person of a personal link, a typed e-mail, or a cohort and person picked in a workshop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import pandas as pd

from mentorkit import instruments as ins
from mentorkit.forms import links, rules
from mentorkit.forms.directory import Directory


class WhoPart:
    """The "who" part of a form; tells ``on_person`` the chosen person (a roster row, or None).

    ``on_person`` returns False when the person has nothing to answer (it may add to ``message``).
    """

    def __init__(
        self,
        directory: Directory,
        instrument: ins.Instrument,
        identify: str,
        token: str | None,
        on_person: Callable[[pd.Series | None], bool],
    ) -> None:
        self.directory = directory
        self.instrument = instrument
        self.identify = identify
        self.token = token
        self.on_person = on_person
        self.person: pd.Series | None = None
        self.box = widgets.VBox()
        self.message = widgets.HTML()

    def start(self) -> None:
        """Build the controls; a personal link chooses its person at once (``links.InvalidLink`` if it cannot)."""
        if self.identify == "link":
            assert self.token is not None  # checked by the form
            self.box.children = [self.message]
            pid = links.read_token(self.token, self.instrument.id)
            if rules.linked_person(self.directory.people(), pid) is None:  # off the roster, or erased
                raise links.InvalidLink("this link names nobody on the roster any more")
            self.choose(pid)
            return
        if self.identify == "email":
            self.email = widgets.Text(placeholder="you@company.com", description="Your e-mail", continuous_update=False)
            self.email.add_class("mk-email")
            go = widgets.Button(description="Continue")
            go.add_class("mk-continue")
            go.on_click(lambda _b: self.by_email(self.email.value))
            self.box.children = [widgets.HBox([self.email, go]), self.message]
            return
        self.cohort = widgets.Dropdown(
            options=rules.cohort_options(self.directory.people()), value=None, description="Cohort"
        )
        self.cohort.add_class("mk-cohort")
        self.person_picker = widgets.Dropdown(options=[], value=None, description="Person")
        self.person_picker.add_class("mk-person")
        self.cohort.observe(self._cohort_changed, names="value")
        self.person_picker.observe(lambda ch: self.choose(ch["new"]), names="value")
        self.box.children = [widgets.HBox([self.cohort, self.person_picker]), self.message]

    def _cohort_changed(self, change: dict[str, Any]) -> None:
        self.person_picker.options = rules.person_options(self.directory.people(), change["new"], self.instrument.role)
        self.person_picker.value = None

    def by_email(self, email: str) -> bool:
        """Find the participant by e-mail (case-insensitive); explain when that fails."""
        found = rules.person_by_email(self.directory.people(), email)
        if found is None:
            self.message.value = rules.NOT_ON_ROSTER
            self.on_person(None)
            return False
        return self.choose(found["participant_id"])

    def choose(self, participant_id: str | None) -> bool:
        """Set who is answering; False (and the reason shown) when they cannot answer this form."""
        if participant_id is None:
            self.person = None
            self.on_person(None)
            return False
        person = self.directory.people().set_index("participant_id", drop=False).loc[participant_id]
        problem = rules.role_problem(self.instrument.role, person["role"])
        if problem is not None:
            self.message.value = problem
            self.on_person(None)
            return False
        self.person = person
        self.message.value = rules.greeting(person)
        return self.on_person(person)
