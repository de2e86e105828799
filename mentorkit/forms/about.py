"""What the answer is about: nothing, a pair, or one goal of a pair; one part per instrument subject."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import pandas as pd

from mentorkit import instruments as ins
from mentorkit.forms import rules
from mentorkit.forms.directory import Directory


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

    def show(self, person: str) -> str | None:
        """Offer this person's choices; the reason (HTML) when they have nothing to answer about."""
        self.person = person
        self.box.children = []
        return None

    def chosen(self) -> bool:
        """True when what the answer is about has been chosen."""
        return True

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
        self.pair_picker = widgets.Dropdown(options=options, description="About")
        self.pair_picker.add_class("mk-pair")
        if not rules.preselected(options):
            self.pair_picker.value = None
        self.box.children = self._pickers()
        return None

    def _pickers(self) -> list[widgets.Widget]:
        assert self.pair_picker is not None
        return [self.pair_picker]

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
        self.goal_picker = widgets.Dropdown(options=[], description="Goal")
        self.goal_picker.add_class("mk-goal")
        self.pair_picker.observe(lambda _c: self._refresh_goals(), names="value")
        self.goal_picker.observe(lambda _c: self._goal_changed(), names="value")
        self._refresh_goals()
        return [self.pair_picker, self.goal_picker]

    def _refresh_goals(self) -> None:
        if self.goal_picker is None or self.pair_picker is None:
            return
        pair = self.pair_picker.value
        goals = self.directory.goals([] if pair is None else [pair])
        options = rules.goal_options(goals, new_goal=self.rules.new_goal)
        self.goal_picker.options = options
        self.goal_picker.value = options[0][1] if options else None

    def _goal_changed(self) -> None:
        """In the agreement form, the chosen goal's current wording is loaded to confirm or change."""
        if self.rules.new_goal:
            self.on_goal(self.goal())

    def chosen(self) -> bool:
        return self.goal_picker is not None and self.goal_picker.value is not None

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
