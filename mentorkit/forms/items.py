"""The items: one control per question of ``instruments.yaml``, a message under each, and the progress line."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import ipywidgets as widgets

from mentorkit import instruments as ins
from mentorkit.forms import rules
from mentorkit.intake import form_rows as formrows


def _radios(item: ins.Item) -> widgets.ValueWidget:
    return widgets.RadioButtons(options=rules.answer_options(item), index=None)


CONTROLS: dict[str, Callable[[ins.Item], widgets.ValueWidget]] = {  # by item kind; anything else is free text
    "yesno": _radios,
    "likert5": _radios,
    "percent": lambda _i: widgets.BoundedIntText(value=0, min=0, max=100, step=5),  # a number field (0–100 %)
    "choice": lambda item: widgets.Dropdown(options=rules.answer_options(item), value=None),
    "date": lambda _i: widgets.DatePicker(value=None),
    "text": lambda _i: widgets.Textarea(value="", placeholder="", layout=widgets.Layout(width="100%")),
}


def control_for(item: ins.Item) -> widgets.ValueWidget:
    """The control of an item's kind (yes/no, Likert, percent, choice, date or text)."""
    return CONTROLS.get(item.kind, CONTROLS["text"])(item)


def empty_value(control: widgets.ValueWidget) -> object:
    """A control's value before anything is answered."""
    if isinstance(control, widgets.BoundedIntText):
        return 0
    if isinstance(control, widgets.Textarea):
        return ""
    return None


class ItemsPart:
    """The questions of an instrument the form asks, numbered, each the label of its own control."""

    def __init__(self, instrument: ins.Instrument, form_rules: rules.FormRules) -> None:
        self.instrument = instrument
        self.progress = widgets.HTML()
        self.progress.add_class("mk-progress")
        self.controls: dict[str, widgets.ValueWidget] = {}
        self.problems: dict[str, widgets.HTML] = {}
        item_rows: list[widgets.Widget] = []
        for number, item in enumerate(rules.asked_items(instrument), 1):
            control = control_for(item)
            # the question is the control's own label (tied to its input), above it, full width
            control.description = rules.question_text(item)
            control.style.description_width = "initial"
            control.observe(lambda _c: self.update_progress(), names="value")
            problem = widgets.HTML(layout=widgets.Layout(min_height="0"))
            problem.add_class("mk-problem")
            self.controls[item.id] = control
            self.problems[item.id] = problem
            label = widgets.HTML(f"<span class='mk-qno' aria-hidden='true'>Question {number}</span>")
            row = widgets.VBox([label, control, problem])
            row.add_class(f"mk-item-{item.id}")  # how Send moves the focus to it
            row.add_class("mk-item")
            row.add_class("mk-field")  # the control's message names it invalid (aria.FormAria)
            if item.kind == "likert5":
                row.add_class("mk-likert")
            item_rows.append(row)
        self.agree = widgets.Checkbox(description="I agree to this goal", value=True, indent=False)
        self.agree.add_class("mk-agree")
        if form_rules.asks_agreement:
            item_rows.append(self.agree)
        self.box = widgets.VBox(item_rows)

    def values(self) -> dict[str, object]:
        """The controls' values by item id."""
        return {item_id: control.value for item_id, control in self.controls.items()}

    def answers(self) -> dict[str, str]:
        """The answers as template cells by item id."""
        return {item_id: formrows.form_cell(value) for item_id, value in self.values().items()}

    def load(self, values: Mapping[str, object]) -> None:
        """Put these values into their controls (a goal's wording to confirm or change)."""
        for item_id, value in values.items():
            self.controls[item_id].value = value

    def show_problems(self, messages: Mapping[str, str]) -> None:
        """The message under each item (HTML, blank for none)."""
        for item_id, widget in self.problems.items():
            widget.value = messages.get(item_id, "")

    def update_progress(self) -> None:
        """The "7 of 11 answered" line, with a bar."""
        self.progress.value = rules.progress_html(*rules.progress(self.instrument, self.values()))

    def clear(self) -> None:
        """Empty every answer and message, for a new response."""
        for item_id, control in self.controls.items():
            control.value = empty_value(control)
            self.problems[item_id].value = ""
