"""What the answer is about: nothing, a pair, or one goal of a pair; one part per instrument subject."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ipywidgets as widgets
import pandas as pd
import traitlets

from mentorkit import instruments as ins
from mentorkit.forms import rules
from mentorkit.forms.directory import Directory


class Picker(widgets.Dropdown):
    """A dropdown whose first line is a placeholder ("Choose a mentee…"): shown, and the value, while nothing is chosen.

    ipywidgets shows an empty box for ``value=None``; here None is the placeholder's value, so the
    box names what to choose, and choosing the placeholder again means no choice.
    """

    def __init__(self, placeholder: str, options: Sequence[tuple[str, object]], **kwargs: object) -> None:
        super().__init__(options=[(placeholder, None), *options], **kwargs)
        self.index = 0

    @traitlets.observe("value")
    def _propagate_value(self, change: dict[str, object]) -> None:
        if change["new"] is None:  # no choice is the placeholder, not a blank box
            if self.index != 0:
                self.index = 0
            return
        super()._propagate_value(change)


def field(control: widgets.Widget, problem: widgets.HTML, key: str) -> widgets.VBox:
    """A control with its message under it; ``key`` (a class) is how Send moves the focus to it."""
    box = widgets.VBox([control, problem])
    box.add_class("mk-field")
    box.add_class(key)
    return box


def problem_line() -> widgets.HTML:
    """The (empty) message line under a field."""
    line = widgets.HTML(layout=widgets.Layout(min_height="0"))
    line.add_class("mk-problem")
    return line


class AboutPart:
    """The "about what" part of an instrument about nobody but the person answering (subject ``none``)."""

    pair_picker: widgets.Dropdown | None = None
    goal_picker: widgets.Dropdown | None = None

    def __init__(
        self,
        directory: Directory,
        form_rules: rules.FormRules,
        on_goal: Callable[[pd.Series | None], None] = lambda _g: None,
    ) -> None:
        self.directory = directory
        self.rules = form_rules
        self.on_goal = on_goal  # told the chosen goal when the form edits its wording
        self.person: str | None = None
        self.box = widgets.VBox()
        self.problem = problem_line()  # under the picker still to choose

    def show_problem(self, text: str) -> str | None:
        """Show ``text`` under the picker to choose (blank clears it); the class of its field, for the focus."""
        self.problem.value = rules.field_message(text)
        return None

    def show(self, person: str) -> str | None:
        """Offer this person's choices; the reason (HTML) when they have nothing to answer about."""
        self.person = person
        self.box.children = []
        return None

    def chosen(self) -> bool:
        """True when what the answer is about has been chosen."""
        return True

    def missing(self, text: str) -> str:
        """The message to show when nothing is chosen (``text`` is the subject's)."""
        return text

    def pair(self) -> pd.Series | None:
        """The chosen pair."""
        return None

    def goal_id(self) -> str | None:
        """The chosen goal's id (``rules.NEW_GOAL`` for a new one)."""
        return None

    def goal(self) -> pd.Series | None:
        """The chosen goal's latest stored definition (None for a new goal)."""
        return None


class PairPart(AboutPart):
    """Subject ``pair``: the person picks one of their own pairs (chosen for them when there is one)."""

    def show(self, person: str) -> str | None:
        self.person = person
        self.pair_picker = self.goal_picker = None
        names = self.directory.people().set_index("participant_id")["name"]
        options = rules.pair_options(self.directory.pairs(), names, person)
        if not options:
            self.box.children = []
            return rules.NO_PAIR
        role = self.directory.people().set_index("participant_id")["role"].get(person)
        self.pair_picker = Picker(rules.pair_placeholder(role), options, description=rules.PAIR_QUESTION)
        self.pair_picker.add_class("mk-pair")
        if rules.preselected(options):
            self.pair_picker.value = options[0][1]
        self.problem.value = ""
        self.box.children = self._pickers()
        self.pair_picker.observe(lambda _c: self.show_problem(""), names="value")  # chosen: the message goes
        return None

    def _pickers(self) -> list[widgets.Widget]:
        assert self.pair_picker is not None
        return [field(self.pair_picker, self.problem, "mk-about-pair")]

    def show_problem(self, text: str) -> str | None:
        self.problem.value = rules.field_message(text)
        return "mk-about-pair" if text else None

    def chosen(self) -> bool:
        return self.pair_picker is not None and self.pair_picker.value is not None

    def pair(self) -> pd.Series | None:
        if self.pair_picker is None or self.pair_picker.value is None:
            return None
        return self.directory.pairs().set_index("pair_id", drop=False).loc[self.pair_picker.value]


class GoalPart(PairPart):
    """Subject ``goal``: a pair, then one of its goals; ``on_goal`` hears the chosen goal when it is editable."""

    def _pickers(self) -> list[widgets.Widget]:
        assert self.pair_picker is not None
        self.goal_picker = widgets.Dropdown(options=[], description="Which goal is this about?")
        self.goal_picker.add_class("mk-goal")
        self.pair_picker.observe(lambda _c: self._refresh_goals(), names="value")
        self.goal_picker.observe(lambda _c: self._goal_changed(), names="value")
        self.goal_problem = problem_line()
        self.goal_field = field(self.goal_picker, self.goal_problem, "mk-about-goal")
        self._refresh_goals()
        return [field(self.pair_picker, self.problem, "mk-about-pair"), self.goal_field]

    def missing(self, text: str) -> str:
        """While no pair is chosen, choosing one is what is missing (the goals follow the pair)."""
        return text if super().chosen() else rules.MISSING_SUBJECT["pair"]

    def show_problem(self, text: str) -> str | None:
        """Under the pair picker while no pair is chosen, else under the goal picker."""
        at_pair = not super().chosen()
        self.problem.value = rules.field_message(text if at_pair else "")
        self.goal_problem.value = "" if at_pair else rules.field_message(text)
        if not text:
            return None
        return "mk-about-pair" if at_pair else "mk-about-goal"

    def _refresh_goals(self) -> None:
        if self.goal_picker is None or self.pair_picker is None:
            return
        pair = self.pair_picker.value  # the goals follow the pair: none (and no goal picker) until one is chosen
        self.goal_field.layout.display = "none" if pair is None else None
        options = [] if pair is None else rules.goal_options(self.directory.goals([pair]), new_goal=self.rules.new_goal)
        self.goal_picker.options = options
        self.goal_picker.value = options[0][1] if options else None

    def _goal_changed(self) -> None:
        """In the agreement form, the chosen goal's current wording is loaded to confirm or change."""
        if self.goal_picker is not None and self.goal_picker.value is not None:
            self.goal_problem.value = ""
        if self.rules.new_goal:
            self.on_goal(self.goal())

    def chosen(self) -> bool:
        return super().chosen() and self.goal_picker is not None and self.goal_picker.value is not None

    def goal_id(self) -> str | None:
        return None if self.goal_picker is None else self.goal_picker.value

    def goal(self) -> pd.Series | None:
        if self.pair_picker is None or self.goal_picker is None or self.goal_picker.value in (None, rules.NEW_GOAL):
            return None
        goals = self.directory.goals([self.pair_picker.value]).set_index("goal_id", drop=False)
        return goals.loc[self.goal_picker.value] if self.goal_picker.value in goals.index else None


ABOUT: dict[str, type[AboutPart]] = {"none": AboutPart, "pair": PairPart, "goal": GoalPart}  # by subject


def about_part(
    instrument: ins.Instrument, directory: Directory, on_goal: Callable[[pd.Series | None], None]
) -> AboutPart:
    """The "about what" part of an instrument, chosen by its subject."""
    return ABOUT[instrument.subject](directory, rules.rules_for(instrument), on_goal)
