"""``InstrumentForm``: one form for any instrument, composed of who is answering, what about, and the items."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import ipywidgets as widgets
import pandas as pd
from sqlalchemy.engine import Engine

from mentorkit import instruments as ins
from mentorkit import store, workspace
from mentorkit.forms import links, rules
from mentorkit.forms.about import AboutPart, about_part
from mentorkit.forms.aria import FormAria
from mentorkit.forms.directory import Directory
from mentorkit.forms.items import ItemsPart
from mentorkit.forms.style import style
from mentorkit.forms.who import WhoPart
from mentorkit.intake import ingest


class InstrumentForm:
    """A form for one instrument; ``identify`` is ``roster`` (pick a person), ``email`` or ``link``.

    With ``link``, ``token`` is the personal link's signed token: the form answers for the person
    it names, with nothing to type, and checks the token again when sending.
    """

    def __init__(
        self,
        instrument_id: str,
        db_url: str | None = None,
        *,
        identify: str = "roster",
        token: str | None = None,
        engine: Engine | None = None,
        clock: Callable[[], datetime] = store.now,
    ) -> None:
        if identify not in rules.CHANNEL_OF:
            raise ValueError(f"unknown way to identify: {identify!r}")
        if (identify == "link") != (token is not None):
            raise ValueError("a token goes with identify='link', and only with it")
        self.token = token
        self.instrument = ins.get(instrument_id)
        self.rules = rules.rules_for(self.instrument)
        self.engine = engine or store.connect(db_url, create=False)
        self.directory = Directory(self.engine)
        self.identify = identify
        self.clock = clock
        self.sent = False
        self._saving = False
        self.last_result: ingest.ImportResult | None = None

        self.title = widgets.HTML(
            f"<p class='mk-programme'>{rules.esc(workspace.settings().programme_name)}</p>"
            f"<h1>{rules.esc(self.instrument.title)}</h1><p>{rules.esc(self.instrument.description)}</p>"
        )
        self.items = ItemsPart(self.instrument, self.rules)
        self.aria = FormAria()  # radio groups named, fields with a message marked invalid, the focus moved
        self.about: AboutPart = about_part(self.instrument, self.directory, self._goal_chosen)
        self.who = WhoPart(self.directory, self.instrument, identify, token, self._person_chosen)
        self.buttons = widgets.HBox()
        self.buttons.add_class("mk-buttons")
        self.confirm_partial = widgets.Checkbox(
            description="Send anyway, with some questions unanswered",
            value=False,
            indent=False,
            layout=widgets.Layout(display="none"),
        )
        self.confirm_partial.add_class("mk-confirm-partial")
        self.submit_button = widgets.Button(description="Send", button_style="primary", icon="paper-plane")
        self.submit_button.add_class("mk-submit")
        self.new_button = widgets.Button(description="New response", layout=widgets.Layout(display="none"))
        self.status = widgets.HTML()
        self.status.add_class("mk-status")
        self.submit_button.on_click(self.submit)
        self.new_button.on_click(lambda _b: self.reset())
        self._show_form(False)  # until someone is chosen (a link chooses at once)
        self.who.start()

    # --- the parts, as the form's callers and tests know them -------------------------------

    @property
    def person(self) -> pd.Series | None:
        """The roster row of who is answering."""
        return self.who.person

    @property
    def who_message(self) -> widgets.HTML:
        return self.who.message

    @property
    def cohort(self) -> widgets.Dropdown:
        return self.who.cohort

    @property
    def person_picker(self) -> widgets.Dropdown:
        return self.who.person_picker

    @property
    def email(self) -> widgets.Text:
        return self.who.email

    @property
    def pair_picker(self) -> widgets.Dropdown | None:
        return self.about.pair_picker

    @property
    def goal_picker(self) -> widgets.Dropdown | None:
        return self.about.goal_picker

    @property
    def controls(self) -> dict[str, widgets.ValueWidget]:
        return self.items.controls

    @property
    def problems(self) -> dict[str, widgets.HTML]:
        return self.items.problems

    @property
    def agree(self) -> widgets.Checkbox:
        return self.items.agree

    @property
    def progress(self) -> widgets.HTML:
        return self.items.progress

    def identify_by_email(self, email: str) -> bool:
        """Find the participant by e-mail (case-insensitive); explain when that fails."""
        return self.who.by_email(email)

    def choose_person(self, participant_id: str | None) -> bool:
        """Set who is answering; shows the subject choices and the questions."""
        return self.who.choose(participant_id)

    # --- how the parts talk -------------------------------------------------------------------

    def _person_chosen(self, person: pd.Series | None) -> bool:
        if person is None:
            self._show_form(False)
            return False
        problem = self.about.show(person["participant_id"])
        if problem is not None:
            self.who.message.value += problem
        self._show_form(problem is None)
        return problem is None

    def _goal_chosen(self, goal: pd.Series | None) -> None:
        self.items.load(rules.goal_wording(None if goal is None else goal.to_dict()))

    def _show_form(self, visible: bool) -> None:
        display = None if visible else "none"
        for w in (self.about.box, self.items.box, self.submit_button, self.items.progress):
            w.layout.display = display
        if visible:
            self.items.update_progress()

    # --- checking and sending ----------------------------------------------------------------

    def check(self) -> tuple[dict[str, str], list[str]]:
        """Problems per item (shown next to the control) and the unanswered optional-to-confirm items."""
        problems, unanswered = rules.check(self.instrument, self.items.values(), subject_chosen=self.about.chosen())
        if "_subject" in problems:  # what exactly is still to choose: the pair, or its goal
            problems["_subject"] = self.about.missing(problems["_subject"])
        return problems, unanswered

    def row(self) -> dict[str, str]:
        """The answers as a row of the project's template."""
        assert self.person is not None
        pair, goal = self.about.pair(), self.about.goal()
        answer = rules.Answer(
            person=self.person["participant_id"],
            now=self.clock().strftime("%Y-%m-%dT%H:%M:%SZ"),
            answers=self.items.answers(),
            pair=None if pair is None else pair.to_dict(),
            goal_id=self.about.goal_id(),
            goal=None if goal is None else goal.to_dict(),
            agree=bool(self.items.agree.value),
        )
        return rules.submission_row(self.instrument, answer)

    def submit(self, _button: object = None) -> ingest.ImportResult | None:
        """Check, then store one submission; a second click while saving or after sending does nothing."""
        if self._saving or self.sent:
            return None
        if self.person is None:
            self.status.value = rules.SAY_WHO
            return None
        problems, unanswered = self.check()
        verdict = rules.verdict(problems, unanswered, confirmed=self.confirm_partial.value)
        self._show_problems(problems, unanswered)
        if not verdict.send:
            if verdict.ask_confirm:
                self.confirm_partial.layout.display = None
            self.status.value = verdict.message
            return None
        if self.token is not None:
            try:  # voided, expired or its person erased since the page opened: store nothing
                pid = links.read_token(self.token, self.instrument.id)
                if rules.linked_person(self.directory.people(), pid) is None:
                    raise links.InvalidLink("this link names nobody on the roster any more")
            except links.InvalidLink:
                self.status.value = rules.error(rules.INVALID_LINK)
                return None
        self._saving = True
        self.submit_button.disabled = True  # one widget message; no other changes until the answer
        try:
            result = ingest.submit_rows(
                self.engine, self.instrument.id, [self.row()], channel=rules.CHANNEL_OF[self.identify]
            )
        except Exception as exc:  # a bad row, or the database went away: keep the answers, say so plainly
            self._saving = False
            self.submit_button.disabled = False
            self.status.value = rules.save_failed(exc)
            return None
        self._saving = False
        self.last_result = result
        done = rules.outcome(result)
        self.status.value = done.message
        if not done.sent:
            self.submit_button.disabled = False
            return result
        self.sent = True
        self._show_form(False)  # the confirmation page: the receipt, nothing left to press by mistake
        self.confirm_partial.layout.display = "none"
        self.new_button.layout.display = None
        self.buttons.add_class("mk-sent")  # the confirmation first, the "New response" button below it
        return result

    def _show_problems(self, problems: dict[str, str], unanswered: list[str]) -> None:
        """Each message at its field, and the focus on the first field with a problem."""
        self.items.show_problems(rules.item_messages(self.items.controls, problems, unanswered))
        about = self.about.show_problem(problems.get("_subject", ""))
        first = rules.first_problem(problems, list(self.items.controls))
        key = about if first == "_subject" else None if first is None else f"mk-item-{first}"
        if key:
            self.aria.focus(key)

    def reset(self) -> None:
        """Clear the answers for a new response."""
        self.items.clear()
        self.about.show_problem("")
        self.confirm_partial.value = False
        self.confirm_partial.layout.display = "none"
        self.sent = False
        self.submit_button.disabled = False
        self.new_button.layout.display = "none"
        self.buttons.remove_class("mk-sent")
        self.status.value = ""
        self._show_form(self.person is not None)

    def widget(self) -> widgets.Widget:
        """The whole form."""
        box = widgets.VBox(
            [
                style(),
                self.aria,
                self.title,
                self.items.progress,
                self.who.box,
                self.about.box,
                self.items.box,
                self.confirm_partial,
                self.buttons,
                self.status,
            ]
        )
        self.buttons.children = [self.submit_button, self.new_button]
        box.add_class("mk-form")
        box.add_class("mk-page")
        return box
