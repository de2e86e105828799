"""Collection forms built from the instrument definitions (ipywidgets).

One ``InstrumentForm`` class serves every instrument: the controls come from each item's kind,
the "who" and "about what" parts from the instrument's role and subject. Answers go into the
store through ``ingest.submit_rows``, the same validation and writer as file imports.
"""

from __future__ import annotations

import html
import os
import urllib.parse
from collections.abc import Callable
from datetime import datetime
from typing import Any

import ipywidgets as widgets
import pandas as pd
from sqlalchemy.engine import Engine

from . import ingest, links, score, store
from . import instruments as ins
from .errors import MentorkitError
from .settings import DEFAULT as SETTINGS

STYLE = """<style>
.mk-page{max-width:42rem;margin:0 auto;padding:8px clamp(10px,4vw,16px) 48px;box-sizing:border-box;width:100%;
  font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:17px;line-height:1.5;color:#1f2933}
.mk-page h1{font-size:clamp(1.35rem,6vw,1.6rem);margin:.2em 0}.mk-page .mk-programme{color:#3e4c59;margin:0;font-size:.95rem}
.mk-page a{color:#0b4f8a}.mk-page a:focus,.mk-page button:focus,.mk-page input:focus,.mk-page select:focus,
.mk-page textarea:focus{outline:3px solid #f0b429;outline-offset:2px}
.mk-error{color:#b71c1c;font-weight:600}.mk-ok{color:#1b5e20}.mk-receipt{font-family:monospace;font-size:1.2rem}
.mk-item{border-top:1px solid #d9e2ec;padding:14px 0 6px;width:100%}
.mk-page .widget-inline-hbox,.mk-page .widget-radio,.mk-page .widget-textarea{flex-direction:column;align-items:stretch;
  width:100%;height:auto}
.mk-page .widget-label{width:auto!important;max-width:none;white-space:normal;text-align:left;height:auto;
  line-height:1.45;font-size:17px;color:#1f2933;overflow:visible}
.mk-item .widget-label{font-weight:600;margin-bottom:6px}.mk-qno{font-size:.85rem;color:#3e4c59}
.mk-page .widget-radio-box{flex-direction:row;flex-wrap:wrap;gap:8px;height:auto}
.mk-page .widget-radio-box label{display:flex;align-items:center;gap:8px;min-height:44px;min-width:88px;
  padding:4px 14px;border:1px solid #9aa5b1;border-radius:8px;box-sizing:border-box;font-size:17px;line-height:1.3;
  margin:0;cursor:pointer;background:#fff;color:#1f2933}
.mk-page .widget-radio-box input{width:20px;height:20px;margin:0}
.mk-page .widget-radio-box label:has(input:checked){border-color:#0b4f8a;background:#e6f0fa}
.mk-likert .widget-radio-box{flex-direction:column}
.mk-page input[type=text],.mk-page input[type=email],.mk-page select,.mk-page textarea,.mk-page input[type=date]{
  min-height:44px;font-size:17px;width:100%;max-width:100%;box-sizing:border-box}
.mk-page .widget-text,.mk-page .widget-dropdown,.mk-page .widget-datepicker,.mk-page .widget-textarea{width:100%}
.mk-page button.jupyter-button{min-height:48px;min-width:120px;font-size:17px;padding:0 20px;border-radius:8px}
.mk-page button.mod-primary{background:#0b4f8a;color:#fff}.mk-page button.jupyter-button{width:auto}
.mk-buttons.mk-sent{order:1;margin-top:12px}
.mk-progress{position:sticky;top:0;z-index:2;background:#fff;padding:6px 0;font-weight:600;color:#3e4c59}
.mk-progress-bar{height:6px;background:#d9e2ec;border-radius:3px;overflow:hidden;margin-top:4px}
.mk-progress-bar span{display:block;height:100%;background:#0b4f8a}
.mk-done{border:2px solid #1b5e20;border-radius:10px;padding:16px 20px;background:#f1f8f1}
.mk-problem .mk-error{font-size:95%}.mk-forms{padding-left:1.2em}.mk-forms li{margin:14px 0;font-size:110%}
.mk-forms a{display:inline-block;min-height:44px;line-height:44px}
</style>"""


def _style() -> widgets.HTML:
    """The forms' few styles (errors in red, the receipt in monospace)."""
    return widgets.HTML(STYLE)


FORM_ORDER = tuple(ins.instruments())  # the order of instruments.yaml
NEW_GOAL = "__new__"
GOAL_FIELDS = ingest.GOAL_FIELDS


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


class Directory:
    """The roster, pairs and goals as forms need them (read fresh on each use)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def people(self) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return store.read_participants(conn)

    def pairs(self) -> pd.DataFrame:
        with self.engine.connect() as conn:
            return store.read_pairs(conn)

    def goals(self, pair_ids: list[int]) -> pd.DataFrame:
        """The latest definition of every goal of these pairs."""
        with self.engine.connect() as conn:
            defs = store.read_responses(conn, ins.get("goals"))
        defs = defs[defs["pair_id"].isin(pair_ids)]
        return score.latest(defs, ["goal_id"]) if not defs.empty else defs

    def find_email(self, email: str) -> pd.Series | None:
        people = self.people()
        hit = people[people["email"] == email.strip().lower()]
        return None if hit.empty else hit.iloc[0]


CHANNEL_OF = {"link": "link", "email": "email", "roster": "workshop"}  # how each way in is recorded


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
        if identify not in CHANNEL_OF:
            raise ValueError(f"unknown way to identify: {identify!r}")
        if (identify == "link") != (token is not None):
            raise ValueError("a token goes with identify='link', and only with it")
        self.token = token
        self.instrument = ins.get(instrument_id)
        self.engine = engine or store.connect(db_url, create=False)
        self.directory = Directory(self.engine)
        self.identify = identify
        self.clock = clock
        self.person: pd.Series | None = None
        self.sent = False
        self._saving = False
        self.last_result: ingest.ImportResult | None = None
        self.buttons = widgets.HBox()
        self.buttons.add_class("mk-buttons")

        self.title = widgets.HTML(
            f"<p class='mk-programme'>{_esc(SETTINGS.programme_name)}</p>"
            f"<h1>{_esc(self.instrument.title)}</h1><p>{_esc(self.instrument.description)}</p>"
        )
        self.progress = widgets.HTML()
        self.progress.add_class("mk-progress")
        self.who_box = widgets.VBox()
        self.who_message = widgets.HTML()
        self.subject_box = widgets.VBox()
        self.controls: dict[str, widgets.ValueWidget] = {}
        self.problems: dict[str, widgets.HTML] = {}
        item_rows: list[widgets.Widget] = []
        for item in self.instrument.items:
            if self.instrument.id == "goals" and item.id in ("agreed_by_mentor", "agreed_by_mentee"):
                continue
            control = _control_for(item)
            # the question is the control's own label (tied to its input), above it, full width
            control.description = item.text + (" (optional)" if item.optional else "")
            control.style.description_width = "initial"
            control.observe(lambda _c: self._update_progress(), names="value")
            problem = widgets.HTML(layout=widgets.Layout(min_height="0"))
            problem.add_class("mk-problem")
            self.controls[item.id] = control
            self.problems[item.id] = problem
            number = widgets.HTML(f"<span class='mk-qno' aria-hidden='true'>Question {len(item_rows) + 1}</span>")
            row = widgets.VBox([number, control, problem])
            row.add_class(f"mk-item-{item.id}")
            row.add_class("mk-item")
            if item.kind == "likert5":
                row.add_class("mk-likert")
            item_rows.append(row)
        self.agree = widgets.Checkbox(description="I agree to this goal", value=True, indent=False)
        self.agree.add_class("mk-agree")
        if self.instrument.id == "goals":
            item_rows.append(self.agree)
        self.items_box = widgets.VBox(item_rows)
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
        self._build_who()

    # --- who is answering ------------------------------------------------------------------

    def _build_who(self) -> None:
        if self.identify == "link":
            assert self.token is not None  # checked in __init__
            self.who_box.children = [self.who_message]
            pid = links.read_token(self.token, self.instrument.id)
            if not self.directory.people()["participant_id"].eq(pid).any():
                raise links.InvalidLink("this link names nobody on the roster any more")
            self.choose_person(pid)
            return
        if self.identify == "email":
            self.email = widgets.Text(placeholder="you@company.com", description="Your e-mail", continuous_update=False)
            self.email.add_class("mk-email")
            go = widgets.Button(description="Continue")
            go.add_class("mk-continue")
            go.on_click(lambda _b: self.identify_by_email(self.email.value))
            self.who_box.children = [widgets.HBox([self.email, go]), self.who_message]
            return
        people = self.directory.people()
        cohorts = sorted(people["cohort_id"].unique())
        self.cohort = widgets.Dropdown(options=cohorts, value=None, description="Cohort")
        self.cohort.add_class("mk-cohort")
        self.person_picker = widgets.Dropdown(options=[], value=None, description="Person")
        self.person_picker.add_class("mk-person")
        self.cohort.observe(self._cohort_changed, names="value")
        self.person_picker.observe(lambda ch: self.choose_person(ch["new"]), names="value")
        self.who_box.children = [widgets.HBox([self.cohort, self.person_picker]), self.who_message]

    def _cohort_changed(self, change: dict[str, Any]) -> None:
        people = self.directory.people()
        people = people[people["cohort_id"] == change["new"]]
        if self.instrument.role in ins.ROLES:
            people = people[people["role"] == self.instrument.role]
        self.person_picker.options = [
            (f"{n} ({p})" if isinstance(n, str) else p, p)
            for n, p in zip(people["name"], people["participant_id"], strict=True)
        ]
        self.person_picker.value = None

    def identify_by_email(self, email: str) -> bool:
        """Find the participant by e-mail (case-insensitive); explain when that fails."""
        found = self.directory.find_email(email) if email.strip() else None
        if found is None:
            self.who_message.value = (
                "<p class='mk-error'>This e-mail is not on the programme's roster. Check the "
                "spelling, or ask your programme lead to add you.</p>"
            )
            self._show_form(False)
            return False
        return self.choose_person(found["participant_id"])

    def choose_person(self, participant_id: str | None) -> bool:
        """Set who is answering; shows the subject choices and the questions."""
        if participant_id is None:
            self.person = None
            self._show_form(False)
            return False
        people = self.directory.people().set_index("participant_id", drop=False)
        person = people.loc[participant_id]
        need = self.instrument.role
        if need in ins.ROLES and person["role"] != need:
            other = "Mentee readiness" if need == "mentor" else "Mentor readiness"
            self.who_message.value = (
                f"<p class='mk-error'>This checklist is for {need}s. You are enrolled as a "
                f"{_esc(person['role'])}: please use the {other} form.</p>"
            )
            self._show_form(False)
            return False
        self.person = person
        greeting = person["name"] if isinstance(person["name"], str) else person["participant_id"]
        self.who_message.value = f"<p class='mk-hello'>Answering as {_esc(greeting)}.</p>"
        ok = self._build_subject()
        self._show_form(ok)
        return ok

    # --- what the answer is about ----------------------------------------------------------

    def my_pairs(self) -> pd.DataFrame:
        assert self.person is not None
        pairs = self.directory.pairs()
        pid = self.person["participant_id"]
        return pairs[(pairs["mentor_id"] == pid) | (pairs["mentee_id"] == pid)]

    def _other(self, pair: pd.Series) -> str:
        assert self.person is not None
        return pair["mentee_id"] if pair["mentor_id"] == self.person["participant_id"] else pair["mentor_id"]

    def _pair_options(self, pairs: pd.DataFrame) -> list[tuple[str, int]]:
        people = self.directory.people().set_index("participant_id")["name"]
        out = []
        for _, pair in pairs.iterrows():
            other = self._other(pair)
            name = people.get(other)
            out.append((f"{name} ({other})" if isinstance(name, str) else other, int(pair["pair_id"])))
        return out

    def _build_subject(self) -> bool:
        subject = self.instrument.subject
        self.pair_picker = self.goal_picker = None
        if subject == "none":
            self.subject_box.children = []
            return True
        pairs = self.my_pairs()
        if pairs.empty:
            self.who_message.value += (
                "<p class='mk-error'>You are not in a mentoring pair yet, so there is nothing to answer about.</p>"
            )
            self.subject_box.children = []
            return False
        self.pair_picker = widgets.Dropdown(options=self._pair_options(pairs), description="About")
        self.pair_picker.add_class("mk-pair")
        if len(pairs) > 1:
            self.pair_picker.value = None
        children: list[widgets.Widget] = [self.pair_picker]
        if subject == "goal":
            self.goal_picker = widgets.Dropdown(options=[], description="Goal")
            self.goal_picker.add_class("mk-goal")
            self.pair_picker.observe(lambda _c: self._refresh_goals(), names="value")
            self.goal_picker.observe(lambda _c: self._load_goal(), names="value")
            children.append(self.goal_picker)
            self._refresh_goals()
        self.subject_box.children = children
        return True

    def _refresh_goals(self) -> None:
        if self.goal_picker is None or self.pair_picker is None:
            return
        pair = self.pair_picker.value
        goals = self.directory.goals([] if pair is None else [pair])
        options = [(f"{t} ({g})", g) for g, t in zip(goals.get("goal_id", []), goals.get("title", []), strict=True)]
        if self.instrument.id == "goals":
            options = [("A new goal", NEW_GOAL), *options]
        self.goal_picker.options = options
        self.goal_picker.value = options[0][1] if options else None

    def _load_goal(self) -> None:
        """In the agreement form, show the chosen goal's current wording to confirm or change."""
        if self.instrument.id != "goals" or self.goal_picker is None:
            return
        goal = self._current_goal()
        for field in GOAL_FIELDS:
            control = self.controls[field]
            if goal is None:
                control.value = None if field.endswith("_date") else ""
            elif field.endswith("_date"):
                control.value = None if pd.isna(goal[field]) else pd.Timestamp(goal[field]).date()
            else:
                control.value = "" if pd.isna(goal[field]) else str(goal[field])

    def _current_goal(self) -> pd.Series | None:
        if self.pair_picker is None or self.goal_picker is None or self.goal_picker.value in (None, NEW_GOAL):
            return None
        goals = self.directory.goals([self.pair_picker.value]).set_index("goal_id", drop=False)
        return goals.loc[self.goal_picker.value] if self.goal_picker.value in goals.index else None

    # --- checking and sending ----------------------------------------------------------------

    def _show_form(self, visible: bool) -> None:
        display = None if visible else "none"
        for w in (self.subject_box, self.items_box, self.submit_button, self.progress):
            w.layout.display = display
        if visible:
            self._update_progress()

    def counted_items(self) -> list[str]:
        """The questions the progress line counts (every one not marked optional)."""
        return [i.id for i in self.instrument.items if i.id in self.controls and not i.optional]

    def _update_progress(self) -> None:
        """The "7 of 11 answered" line, with a bar."""
        counted = self.counted_items()
        done = sum(1 for i in counted if _answered(self.controls[i].value))
        share = 100 * done // len(counted) if counted else 100
        self.progress.value = (
            f"<div role='status' aria-live='polite'>{done} of {len(counted)} answered</div>"
            f"<div class='mk-progress-bar' aria-hidden='true'><span style='width:{share}%'></span></div>"
        )

    def check(self) -> tuple[dict[str, str], list[str]]:
        """Problems per item (shown next to the control) and the unanswered optional-to-confirm items."""
        problems: dict[str, str] = {}
        unanswered: list[str] = []
        for item in self.instrument.items:
            if item.id not in self.controls:
                continue
            value = self.controls[item.id].value
            empty = value is None or (isinstance(value, str) and not value.strip())
            if empty and item.required:
                problems[item.id] = "Please fill this in."
            elif empty and not item.optional:
                unanswered.append(item.id)
        if self.instrument.id == "goals":
            start, target = self.controls["start_date"].value, self.controls["target_date"].value
            if start and target and target < start:
                problems["target_date"] = "The target date is before the start date."
        if self.instrument.subject == "pair" and (self.pair_picker is None or self.pair_picker.value is None):
            problems["_subject"] = "Choose which mentoring relationship this is about."
        if self.instrument.subject == "goal" and (self.goal_picker is None or self.goal_picker.value is None):
            problems["_subject"] = "Choose a goal."
        return problems, unanswered

    def row(self) -> dict[str, str]:
        """The answers as a row of the project's template."""
        assert self.person is not None
        pid = self.person["participant_id"]
        now = self.clock().strftime("%Y-%m-%dT%H:%M:%SZ")
        answers = {i: _as_cell(self.controls[i].value) for i in self.controls}
        kind = self.instrument.id
        if kind in ("mentor_readiness", "mentee_readiness"):
            return {"participant_id": pid, "submitted_at": now, **answers}
        assert self.pair_picker is not None  # every other form is about a pair
        pairs = self.directory.pairs().set_index("pair_id")
        pair = pairs.loc[self.pair_picker.value]
        if kind == "checkin":
            about = pair["mentee_id"] if pair["mentor_id"] == pid else pair["mentor_id"]
            return {"participant_id": pid, "submitted_at": now, "about": about, **answers}
        if kind == "goal_updates":
            assert self.goal_picker is not None  # forms about goals have a goal picker
            return {"goal_id": self.goal_picker.value, "reported_by": pid, "reported_at": now, **answers}
        goal = self._current_goal()
        return ingest.agreement_row(
            person=pid,
            mentor_id=pair["mentor_id"],
            mentee_id=pair["mentee_id"],
            goal=None if goal is None else goal.to_dict(),
            answers=answers,
            agree=bool(self.agree.value),
            now=now,
        )

    def submit(self, _button: object = None) -> ingest.ImportResult | None:
        """Check, then store one submission; a second click while saving or after sending does nothing."""
        if self._saving or self.sent:
            return None
        if self.person is None:
            self.status.value = "<p class='mk-error'>Say who you are first.</p>"
            return None
        problems, unanswered = self.check()
        for item_id, widget in self.problems.items():
            text = problems.get(item_id) or ("Not answered yet." if item_id in unanswered else "")
            widget.value = f"<span class='mk-error'>{_esc(text)}</span>" if text else ""
        if problems:
            self.status.value = (
                "<p class='mk-error'>"
                + _esc(problems.get("_subject", "Please complete the highlighted questions."))
                + "</p>"
            )
            return None
        if unanswered and not self.confirm_partial.value:
            self.confirm_partial.layout.display = None
            self.status.value = (
                f"<p class='mk-error'>{len(unanswered)} question(s) are not answered. Answer them, or "
                "tick “Send anyway” to send a partial response.</p>"
            )
            return None
        if self.token is not None:
            try:  # voided or expired since the page opened: store nothing
                links.read_token(self.token, self.instrument.id)
            except links.InvalidLink:
                self.status.value = f"<p class='mk-error'>{_esc(INVALID_LINK)}</p>"
                return None
        self._saving = True
        self.submit_button.disabled = True  # one widget message; no other changes until the answer
        try:
            result = ingest.submit_rows(
                self.engine, self.instrument.id, [self.row()], channel=CHANNEL_OF[self.identify]
            )
        except MentorkitError as exc:
            self._saving = False
            self.submit_button.disabled = False
            self.status.value = f"<p class='mk-error'>Could not save your answers: {_esc(exc.message)} Your answers are still here; please try again.</p>"
            return None
        except Exception as exc:  # the database went away: keep the answers, say so plainly
            self._saving = False
            self.submit_button.disabled = False
            self.status.value = (
                f"<p class='mk-error'>Could not save your answers ({_esc(type(exc).__name__)}). "
                "Your answers are still here; please try again in a moment.</p>"
            )
            return None
        self._saving = False
        self.last_result = result
        if result.quarantined:
            reason = result.reasons[0][1] if result.reasons else ""
            self.submit_button.disabled = False
            self.status.value = f"<p class='mk-error'>Your answers could not be accepted: {_esc(reason)}</p>"
            return result
        self.sent = True
        receipt = f"MK-{result.receipts[0]}" if result.receipts else "already received"
        self._show_form(False)  # the confirmation page: the receipt, nothing left to press by mistake
        self.confirm_partial.layout.display = "none"
        self.status.value = (
            f"<div class='mk-done' role='status'><h2 class='mk-ok'>Thank you — your answers are saved.</h2>"
            f"<p>Receipt: <b class='mk-receipt'>{_esc(receipt)}</b></p>"
            f"<p>Keep it if you want to refer to this answer later. You can close this page.</p></div>"
        )
        self.new_button.layout.display = None
        self.buttons.add_class("mk-sent")  # the confirmation first, the "New response" button below it
        return result

    def reset(self) -> None:
        """Clear the answers for a new response."""
        for item_id, control in self.controls.items():
            control.value = _empty_value(control)
            self.problems[item_id].value = ""
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
                _style(),
                self.title,
                self.progress,
                self.who_box,
                self.subject_box,
                self.items_box,
                self.confirm_partial,
                self.buttons,
                self.status,
            ]
        )
        self.buttons.children = [self.submit_button, self.new_button]
        box.add_class("mk-form")
        box.add_class("mk-page")
        return box


def _control_for(item: ins.Item) -> widgets.ValueWidget:
    if item.kind == "yesno":
        return widgets.RadioButtons(options=[("Yes", "yes"), ("No", "no")], index=None)
    if item.kind == "likert5":
        labels = ins.likert_labels()
        return widgets.RadioButtons(options=[(f"{v} – {labels[v]}", str(v)) for v in sorted(labels)], index=None)
    if item.kind == "percent":
        return widgets.BoundedIntText(value=0, min=0, max=100, step=5)  # a labelled number field (0–100 %)
    if item.kind == "choice":
        return widgets.Dropdown(options=[(c.replace("_", " ").capitalize(), c) for c in item.choices], value=None)
    if item.kind == "date":
        return widgets.DatePicker(value=None)
    return widgets.Textarea(value="", placeholder="", layout=widgets.Layout(width="100%"))


def _answered(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _empty_value(control: widgets.ValueWidget) -> object:
    if isinstance(control, widgets.BoundedIntText):
        return 0
    if isinstance(control, widgets.Textarea):
        return ""
    return None


_as_cell = ingest.form_cell


# --- the web app ---------------------------------------------------------------------------------


def landing() -> widgets.VBox:
    """The landing page: one link per form, named for people."""
    links = "".join(
        f"<li><a class='mk-form-link' href='?form={f}'>{_esc(ins.get(f).title)}</a>"
        f"<br><small>{_esc(ins.get(f).description)}</small></li>"
        for f in FORM_ORDER
    )
    page = widgets.VBox(
        [
            _style(),
            widgets.HTML(
                f"<h1>{_esc(SETTINGS.programme_name)}</h1><p>Choose a form:</p><ul class='mk-forms'>{links}</ul>"
            ),
        ]
    )
    page.add_class("mk-page")
    return page


INVALID_LINK = "This link is not valid any more: ask your programme lead for a new one."
USE_YOUR_LINK = (
    "To answer, open the personal link from your invitation e-mail. "
    "If you cannot find it, ask your programme lead for a new one."
)
EMAIL_LOGIN_ENV = "MENTORKIT_FORMS_EMAIL_LOGIN"  # "1": participants may identify by typing an e-mail


def email_login_allowed() -> bool:
    """True when the server was started with ``--allow-email-login`` (a workshop on a trusted network)."""
    return os.environ.get(EMAIL_LOGIN_ENV, "") == "1"


def notice(text: str) -> widgets.VBox:
    """A plain page with one message and nothing else."""
    page = widgets.VBox(
        [_style(), widgets.HTML(f"<h1>{_esc(SETTINGS.programme_name)}</h1><p class='mk-notice'>{_esc(text)}</p>")]
    )
    page.add_class("mk-plain")
    page.add_class("mk-page")
    return page


def app(query: str | None = None, db_url: str | None = None) -> widgets.Widget:
    """What the served page shows for its query string.

    ``?form=F&t=TOKEN``: that person's form when the token is valid for F, else a plain page that
    names nobody. Without a token, the e-mail form and the landing page only when e-mail login is
    allowed; otherwise a page saying to open the personal link.
    """
    query = os.environ.get("QUERY_STRING", "") if query is None else query
    params = urllib.parse.parse_qs(query, keep_blank_values=True)
    wanted = params.get("form", [""])[0]
    if "t" in params:
        if wanted not in FORM_ORDER:
            return notice(INVALID_LINK)
        try:
            form = InstrumentForm(wanted, db_url, identify="link", token=params["t"][0])
        except links.InvalidLink:
            return notice(INVALID_LINK)
        return form.widget()
    if not email_login_allowed():
        return notice(USE_YOUR_LINK)
    if wanted not in FORM_ORDER:
        return landing()
    form = InstrumentForm(wanted, db_url, identify="email")
    back = widgets.HTML("<p><a href='?'>← All forms</a></p>")
    return widgets.VBox([back, form.widget()])
