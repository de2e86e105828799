"""The forms' rules as pure functions of frames and values: no widgets, no database.

Who may answer, which pairs and goals they may pick, whether an answer is complete, the row it
becomes and the message after Send. The widget parts (``who``, ``about``, ``items``) only show
what these return.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from mentorkit import formats as display
from mentorkit import instruments as ins
from mentorkit import workspace
from mentorkit.errors import MentorkitError, UsageError
from mentorkit.intake import form_rows as formrows

if TYPE_CHECKING:  # ingest loads the database layer; the rules only name its result type
    from mentorkit.intake.ingest import ImportResult

NEW_GOAL = "__new__"  # the agreement form's "A new goal" choice
GOAL_FIELDS = formrows.GOAL_FIELDS
CHANNEL_OF = {"link": "link", "email": "email", "roster": "workshop"}  # how each way in is recorded
INVALID_LINK = "This link is not valid any more: ask your programme lead for a new one."


esc = display.esc  # text made safe for HTML (quotes too); None is blank


def error(text: str) -> str:
    """A red message paragraph (``text`` is escaped)."""
    return f"<p class='mk-error'>{esc(text)}</p>"


def answered(value: object) -> bool:
    """A control's value counts as an answer: anything but None or blank text."""
    return value is not None and not (isinstance(value, str) and not value.strip())


def question_text(item: ins.Item) -> str:
    """An item's question as its control's label, marked "(optional)" once when it may be left blank."""
    text = item.text.strip()
    if item.optional and not text.casefold().endswith("(optional)"):
        text += " (optional)"
    return text


def answer_options(item: ins.Item) -> list[tuple[str, str]]:
    """The (label, value) answers of a yes/no, 1–5 or choice item; none for other kinds."""
    if item.kind == "yesno":
        return [("Yes", "yes"), ("No", "no")]
    if item.kind == "likert5":
        labels = ins.likert_labels()
        return [(f"{v} – {labels[v]}", str(v)) for v in sorted(labels)]
    return [(c.replace("_", " ").capitalize(), c) for c in item.choices]


# --- who is answering --------------------------------------------------------------------------

NOT_ON_ROSTER = (
    "<p class='mk-error'>This e-mail is not on the programme's roster. Check the "
    "spelling, or ask your programme lead to add you.</p>"
)


def label(name: object, participant_id: str) -> str:
    """How a person is named in a list: "Name (ID)", or the id alone when the name is blank."""
    return f"{name} ({participant_id})" if isinstance(name, str) else participant_id


def cohort_options(people: pd.DataFrame) -> list[str]:
    """The cohorts of the roster, sorted."""
    return sorted(people["cohort_id"].unique())


def person_options(people: pd.DataFrame, cohort: object, role: str) -> list[tuple[str, str]]:
    """Who may answer in a workshop: the cohort's people, only the role's if the instrument has one."""
    people = people[people["cohort_id"] == cohort]
    if role in ins.ROLES:
        people = people[people["role"] == role]
    return [(label(n, p), p) for n, p in zip(people["name"], people["participant_id"], strict=True)]


def linked_person(people: pd.DataFrame, participant_id: str) -> pd.Series | None:
    """The roster row a personal link names, or None when it names nobody any more.

    A person erased with ``mentorkit forget`` keeps their pseudonymous row without an e-mail
    (every roster row has one otherwise), so their links are void from that moment on.
    """
    found = people[people["participant_id"].eq(participant_id)]
    email = None if found.empty else found["email"].iloc[0]
    if email is None or pd.isna(email) or not str(email).strip():
        return None
    return found.iloc[0]


def person_by_email(people: pd.DataFrame, email: str) -> pd.Series | None:
    """The roster row of a typed e-mail (case and surrounding blanks ignored), or None."""
    if not email.strip():
        return None
    hit = people[people["email"] == email.strip().lower()]
    return None if hit.empty else hit.iloc[0]


def role_problem(need: str, role: str) -> str | None:
    """Why a person of ``role`` may not answer an instrument for ``need`` (HTML), or None when they may."""
    if need not in ins.ROLES or role == need:
        return None
    other = next(r for r in ins.ROLES if r != need)
    return (
        f"<p class='mk-error'>This checklist is for {need}s. You are enrolled as a "
        f"{esc(role)}: please use the {ins.readiness_for(other).title} form.</p>"
    )


def greeting(person: Mapping[str, object]) -> str:
    """The line saying who is answering (HTML)."""
    name = person["name"] if isinstance(person["name"], str) else person["participant_id"]
    return f"<p class='mk-hello'>Answering as {esc(name)}.</p>"


# --- what the answer is about ------------------------------------------------------------------

NO_PAIR = "<p class='mk-error'>You are not in a mentoring pair yet, so there is nothing to answer about.</p>"
MISSING_SUBJECT = {  # by instrument subject: the message when nothing is chosen
    "pair": "Choose which mentoring relationship this is about.",
    "goal": "Choose a goal.",
}


PAIR_QUESTION = "Which mentoring relationship is this about?"  # the pair picker's label


def pair_placeholder(role: object) -> str:
    """The pair picker's first line before anything is chosen: a mentor picks a mentee, a mentee a mentor."""
    return "Choose a mentee…" if role == "mentor" else "Choose a mentor…"


def pairs_of(pairs: pd.DataFrame, person: str) -> pd.DataFrame:
    """The pairs a person is in, as mentor or as mentee."""
    return pairs[(pairs["mentor_id"] == person) | (pairs["mentee_id"] == person)]


def other_side(pair: Mapping[str, object], person: str) -> str:
    """The other person of a pair."""
    return str(pair["mentee_id"] if pair["mentor_id"] == person else pair["mentor_id"])


def pair_options(pairs: pd.DataFrame, names: Mapping[str, object], person: str) -> list[tuple[str, int]]:
    """The pairs a person may answer about, each named by the other side; ``names`` maps ids to names."""
    mine = pairs_of(pairs, person)
    out = []
    for pair in mine.to_dict("records"):
        other = other_side(pair, person)
        out.append((label(names.get(other), other), int(pair["pair_id"])))
    return out


def preselected(options: Collection[object]) -> bool:
    """A single choice is made for the person; with several, they choose."""
    return len(options) == 1


def goal_options(goals: pd.DataFrame, *, new_goal: bool) -> list[tuple[str, str]]:
    """The goals to pick, "Title (id)"; the agreement form offers "A new goal" first."""
    options = [(f"{t} ({g})", g) for g, t in zip(goals.get("goal_id", []), goals.get("title", []), strict=True)]
    return [("A new goal", NEW_GOAL), *options] if new_goal else options


def goal_wording(goal: Mapping[str, object] | None) -> dict[str, object]:
    """What the agreement form shows for a goal: its stored wording, or blanks for a new one."""
    out: dict[str, object] = {}
    for field in GOAL_FIELDS:
        value = None if goal is None else goal[field]
        missing = value is None or pd.isna(value)  # type: ignore[call-overload]
        if field.endswith("_date"):
            out[field] = None if missing else pd.Timestamp(value).date()  # type: ignore[arg-type]
        else:
            out[field] = "" if missing else str(value)
    return out


# --- one rule set per instrument subject (the agreement has its own) ---------------------------


@dataclass(frozen=True)
class Answer:
    """One person's answers to one form, with what they are about."""

    person: str
    now: str  # the submission time, ``YYYY-MM-DDTHH:MM:SSZ``
    answers: Mapping[str, str]  # template cells by item id
    pair: Mapping[str, object] | None = None  # the chosen pair (mentor_id, mentee_id)
    goal_id: str | None = None  # the chosen goal (NEW_GOAL for a new one)
    goal: Mapping[str, object] | None = None  # the chosen goal's stored wording (None for a new goal)
    agree: bool = True  # the agreement form's "I agree to this goal"


def _person_row(a: Answer) -> dict[str, str]:
    return {"participant_id": a.person, "submitted_at": a.now, **a.answers}


def _pair_row(a: Answer) -> dict[str, str]:
    assert a.pair is not None, "a check-in is about a pair"
    return {"participant_id": a.person, "submitted_at": a.now, "about": other_side(a.pair, a.person), **a.answers}


def _goal_update_row(a: Answer) -> dict[str, str]:
    assert a.goal_id is not None, "a goal update is about a goal"
    return {"goal_id": a.goal_id, "reported_by": a.person, "reported_at": a.now, **a.answers}


def _agreement_row(a: Answer) -> dict[str, str]:
    assert a.pair is not None, "an agreement is about a pair's goal"
    return formrows.agreement_row(
        person=a.person,
        mentor_id=str(a.pair["mentor_id"]),
        mentee_id=str(a.pair["mentee_id"]),
        goal=a.goal,
        answers=a.answers,
        agree=a.agree,
        now=a.now,
    )


def date_problem(value: object) -> str | None:
    """Why a date control's value cannot be stored (its year outside the settings' years), or None."""
    year = getattr(value, "year", None)
    years = workspace.settings()  # the workspace's earliest_year and latest_year
    if isinstance(year, int) and not years.earliest_year <= year <= years.latest_year:
        return f"Please give a date in the years {years.earliest_year}–{years.latest_year}."
    return None


def _target_not_before_start(values: Mapping[str, object]) -> dict[str, str]:
    start, target = values.get("start_date"), values.get("target_date")
    if start and target and target < start:  # type: ignore[operator]
        return {"target_date": "The target date is before the start date."}
    return {}


Check = Callable[[Mapping[str, object]], dict[str, str]]  # control values -> problems by item id


@dataclass(frozen=True)
class FormRules:
    """What a form does beyond asking its items: the row it sends, and the agreement's extras."""

    row: Callable[[Answer], dict[str, str]]
    checks: tuple[Check, ...] = ()
    set_by_form: tuple[str, ...] = ()  # items the form fills itself instead of asking
    new_goal: bool = False  # the goal picker offers "A new goal"; a chosen goal's wording is loaded to edit
    asks_agreement: bool = False  # an "I agree to this goal" box


RULES: dict[str, FormRules] = {
    "goals": FormRules(
        _agreement_row,
        checks=(_target_not_before_start,),
        set_by_form=("agreed_by_mentor", "agreed_by_mentee"),
        new_goal=True,
        asks_agreement=True,
    ),
    "goal": FormRules(_goal_update_row),
    "pair": FormRules(_pair_row),
    "none": FormRules(_person_row),
}


def rules_for(instrument: ins.Instrument) -> FormRules:
    """The rules of an instrument's form: its own by id, else its subject's (as ``ingest.resolver_for``)."""
    found = RULES.get(instrument.id) or RULES.get(instrument.subject)
    if found is None:
        raise UsageError(f"no form rules for instrument {instrument.id!r} (subject {instrument.subject!r})")
    return found


def asked_items(instrument: ins.Instrument) -> list[ins.Item]:
    """The items the form asks, in instruments.yaml order."""
    skip = rules_for(instrument).set_by_form
    return [i for i in instrument.items if i.id not in skip]


def submission_row(instrument: ins.Instrument, answer: Answer) -> dict[str, str]:
    """The answer as a row of the instrument's template, as ``ingest.submit_rows`` takes it."""
    return rules_for(instrument).row(answer)


# --- is it complete ----------------------------------------------------------------------------


def check(
    instrument: ins.Instrument, values: Mapping[str, object], *, subject_chosen: bool
) -> tuple[dict[str, str], list[str]]:
    """Problems by item id (``_subject`` for the pair or goal) and the unanswered items to confirm.

    ``values`` are the asked items' control values. A required blank is a problem; any other
    blank that is not optional is unanswered, and sending it needs the person's confirmation.
    """
    problems: dict[str, str] = {}
    unanswered: list[str] = []
    for item in instrument.items:
        if item.id not in values:
            continue
        if not answered(values[item.id]) and item.required:
            problems[item.id] = "Please fill this in."
        elif not answered(values[item.id]) and not item.optional:
            unanswered.append(item.id)
        elif item.kind == "date" and (why := date_problem(values[item.id])):
            problems[item.id] = why
    for rule in rules_for(instrument).checks:
        problems.update(rule(values))
    if not subject_chosen and instrument.subject in MISSING_SUBJECT:
        problems["_subject"] = MISSING_SUBJECT[instrument.subject]
    return problems, unanswered


def progress(instrument: ins.Instrument, values: Mapping[str, object]) -> tuple[int, int]:
    """(answered, counted): the progress line counts every asked item not marked optional."""
    counted = [i.id for i in instrument.items if i.id in values and not i.optional]
    return sum(1 for i in counted if answered(values[i])), len(counted)


def progress_html(done: int, counted: int) -> str:
    """The "7 of 11 answered" line, with a bar."""
    share = 100 * done // counted if counted else 100
    return (
        f"<div role='status' aria-live='polite'>{done} of {counted} answered</div>"
        f"<div class='mk-progress-bar' aria-hidden='true'><span style='width:{share}%'></span></div>"
    )


def item_messages(
    item_ids: Collection[str], problems: Mapping[str, str], unanswered: Collection[str]
) -> dict[str, str]:
    """The message under each item (HTML, blank for none)."""
    out = {}
    for item_id in item_ids:
        text = problems.get(item_id) or ("Not answered yet." if item_id in unanswered else "")
        out[item_id] = field_message(text)
    return out


def field_message(text: str) -> str:
    """The message under one field (HTML; blank for none)."""
    return f"<span class='mk-error'>{esc(text)}</span>" if text else ""


def first_problem(problems: Mapping[str, str], item_ids: Collection[str]) -> str | None:
    """The field Send takes the person to: what the answer is about (it comes first), then the items in order."""
    return next((key for key in ("_subject", *item_ids) if key in problems), None)


@dataclass(frozen=True)
class Verdict:
    """Whether to send now; if not, the status message and whether to offer "Send anyway"."""

    send: bool
    message: str = ""
    ask_confirm: bool = False


def verdict(problems: Mapping[str, str], unanswered: Collection[str], *, confirmed: bool) -> Verdict:
    """Problems hold the answer back; unanswered items hold it back until "Send anyway" is ticked."""
    if problems:
        return Verdict(False, error(problems.get("_subject", "Please complete the highlighted questions.")))
    if unanswered and not confirmed:
        return Verdict(
            False,
            error(
                f"{display.plural(len(unanswered), 'question')} {display.plural(len(unanswered), 'is', number=False)} not answered. "
                f"Answer {'it' if len(unanswered) == 1 else 'them'}, or "
                "tick “Send anyway” to send a partial response."
            ),
            ask_confirm=True,
        )
    return Verdict(True)


# --- after Send --------------------------------------------------------------------------------

SAY_WHO = error("Say who you are first.")


@dataclass(frozen=True)
class Outcome:
    """What Send ended in: ``sent`` shows the confirmation page; ``message`` is the status (HTML)."""

    sent: bool
    message: str


def outcome(result: ImportResult) -> Outcome:
    """The message after Send, from the import's accounting and its quarantine reasons."""
    if result.quarantined:
        reason = result.reasons[0][1] if result.reasons else ""
        return Outcome(False, error(f"Your answers could not be accepted: {reason}"))
    receipt = f"MK-{result.receipts[0]}" if result.receipts else "already received"  # a duplicate has none
    return Outcome(
        True,
        f"<div class='mk-done' role='status'><h2 class='mk-ok'>Thank you — your answers are saved.</h2>"
        f"<p>Receipt: <b class='mk-receipt'>{esc(receipt)}</b></p>"
        f"<p>Keep it if you want to refer to this answer later. You can close this page.</p></div>",
    )


def save_failed(exc: BaseException) -> str:
    """The message when the store could not take the answer: the answers stay on the page."""
    if isinstance(exc, MentorkitError):
        return error(f"Could not save your answers: {exc.message} Your answers are still here; please try again.")
    return error(
        f"Could not save your answers ({type(exc).__name__}). Your answers are still here; please try again in a moment."
    )
