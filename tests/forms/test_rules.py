"""The forms' rules without widgets or a database: small frames in, expected values worked by hand."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import date

import pandas as pd
import pytest

from mentorkit import errors
from mentorkit import instruments as ins
from mentorkit.forms import about, rules
from mentorkit.intake import ingest
from tests.builders import CHECKIN_ELEMENTS, item_ids

NOW = "2026-11-14T10:00:00Z"
PEOPLE = pd.DataFrame(
    {
        "cohort_id": ["c-b", "c-a", "c-a", "c-a", "c-b"],
        "participant_id": ["M2", "M1", "E1", "E2", "E3"],
        "role": ["mentor", "mentor", "mentee", "mentee", "mentee"],
        "name": ["Mo", "Ann <b>", "Eve", pd.NA, "Ida"],
        "email": ["mo@x.org", "ann@x.org", "eve@x.org", "e2@x.org", "ida@x.org"],
    }
)
PAIRS = pd.DataFrame(  # M1 mentors E1 and E2; M2 mentors E3
    {"pair_id": [1, 2, 3], "mentor_id": ["M1", "M1", "M2"], "mentee_id": ["E1", "E2", "E3"]}
)
NAMES = PEOPLE.set_index("participant_id")["name"]


def row_of(frame: pd.DataFrame, column: str, value: object) -> dict[str, object]:
    """The one row of ``frame`` where ``column`` is ``value``, as a dict."""
    [found] = frame[frame[column] == value].to_dict("records")
    return found


def test_the_answers_offered_follow_the_items_kind():
    assert rules.answer_options(ins.get("mentor_readiness").item("mr01")) == [("Yes", "yes"), ("No", "no")]
    assert rules.answer_options(ins.get("checkin").item("rc_goals")) == [
        ("1 – Strongly disagree", "1"),
        ("2 – Disagree", "2"),
        ("3 – Neither agree nor disagree", "3"),
        ("4 – Agree", "4"),
        ("5 – Strongly agree", "5"),
    ]
    assert rules.answer_options(ins.get("goal_updates").item("status")) == [
        ("Not started", "not_started"),
        ("In progress", "in_progress"),
        ("Achieved", "achieved"),
        ("Dropped", "dropped"),
    ]
    assert rules.answer_options(ins.get("goal_updates").item("note")) == []  # free text


# --- who ---------------------------------------------------------------------------------------


def test_a_workshop_offers_the_cohorts_people_of_the_instruments_role():
    assert rules.cohort_options(PEOPLE) == ["c-a", "c-b"]
    # mentor readiness in c-a: M1 only (E1, E2 are mentees); a blank name shows the id alone
    assert rules.person_options(PEOPLE, "c-a", ins.get("mentor_readiness").role) == [("Ann <b> (M1)", "M1")]
    assert rules.person_options(PEOPLE, "c-a", ins.get("checkin").role) == [
        ("Ann <b> (M1)", "M1"),
        ("Eve (E1)", "E1"),
        ("E2", "E2"),
    ]
    assert rules.person_options(PEOPLE, None, "any") == []  # no cohort chosen yet


def test_a_typed_email_finds_its_person_whatever_the_case_and_blanks():
    assert rules.person_by_email(PEOPLE, "  EVE@X.org ")["participant_id"] == "E1"
    assert rules.person_by_email(PEOPLE, "nobody@x.org") is None
    assert rules.person_by_email(PEOPLE, "   ") is None


def test_a_readiness_checklist_turns_away_the_other_role_and_names_their_form():
    assert rules.role_problem("mentor", "mentor") is None
    assert rules.role_problem("any", "mentee") is None  # check-ins and goals are for both
    assert rules.role_problem("mentor", "mentee") == (
        "<p class='mk-error'>This checklist is for mentors. You are enrolled as a "
        "mentee: please use the Mentee readiness form.</p>"
    )
    assert "please use the Mentor readiness form" in rules.role_problem("mentee", "mentor")
    assert "a &lt;b&gt;:" in rules.role_problem("mentee", "<b>")


def test_the_greeting_names_the_person_escaped_or_their_id():
    assert rules.greeting(row_of(PEOPLE, "participant_id", "M1")) == (
        "<p class='mk-hello'>Answering as Ann &lt;b&gt;.</p>"
    )
    assert rules.greeting(row_of(PEOPLE, "participant_id", "E2")) == "<p class='mk-hello'>Answering as E2.</p>"


# --- about what --------------------------------------------------------------------------------


def test_a_person_picks_only_their_own_pairs_named_by_the_other_side():
    assert rules.pair_options(PAIRS, NAMES, "M1") == [("Eve (E1)", 1), ("E2", 2)]
    assert rules.pair_options(PAIRS, NAMES, "E3") == [("Mo (M2)", 3)]
    assert rules.pair_options(PAIRS, NAMES, "X9") == []
    assert rules.other_side(row_of(PAIRS, "pair_id", 2), "E2") == "M1"
    assert rules.other_side(row_of(PAIRS, "pair_id", 2), "M1") == "E2"


def test_one_pair_is_chosen_for_the_person_several_they_choose():
    assert rules.preselected(rules.pair_options(PAIRS, NAMES, "E3"))
    assert not rules.preselected(rules.pair_options(PAIRS, NAMES, "M1"))


def test_the_agreement_offers_a_new_goal_first_and_an_update_only_existing_goals():
    goals = pd.DataFrame({"goal_id": ["G-1", "G-2"], "title": ["Lead a review", "Ship <it>"]})
    assert rules.goal_options(goals, new_goal=False) == [("Lead a review (G-1)", "G-1"), ("Ship <it> (G-2)", "G-2")]
    assert rules.goal_options(goals, new_goal=True)[0] == ("A new goal", rules.NEW_GOAL)
    assert rules.goal_options(pd.DataFrame(), new_goal=False) == []  # a pair without goals
    assert rules.goal_options(pd.DataFrame(), new_goal=True) == [("A new goal", rules.NEW_GOAL)]


def test_a_goals_wording_is_loaded_to_edit_and_a_new_goal_starts_blank():
    stored = {
        "title": "Lead",
        "success_criteria": pd.NA,
        "start_date": pd.Timestamp("2026-11-10"),
        "target_date": pd.NaT,
    }
    assert rules.goal_wording(stored) == {
        "title": "Lead",
        "success_criteria": "",
        "start_date": date(2026, 11, 10),
        "target_date": None,
    }
    assert rules.goal_wording(None) == {"title": "", "success_criteria": "", "start_date": None, "target_date": None}


# --- one rule set per subject ------------------------------------------------------------------


def test_every_instrument_has_form_rules_and_an_about_part_by_its_subject():
    for instrument in ins.instruments().values():
        assert rules.rules_for(instrument).row is not None
        assert instrument.subject in about.ABOUT
    # the agreement has rules of its own; the goal update uses its subject's
    assert rules.rules_for(ins.get("goals")) is rules.RULES["goals"]
    assert rules.rules_for(ins.get("goal_updates")) is rules.RULES["goal"]
    team = dataclasses.replace(ins.get("checkin"), id="team_pulse", subject="team")
    with pytest.raises(errors.UsageError, match="no form rules for instrument 'team_pulse'"):
        rules.rules_for(team)


def test_the_agreement_does_not_ask_who_agreed():
    assert [i.id for i in rules.asked_items(ins.get("goals"))] == [
        "title",
        "success_criteria",
        "start_date",
        "target_date",
    ]
    assert [i.id for i in rules.asked_items(ins.get("checkin"))] == item_ids("checkin")


def test_a_readiness_row_names_the_person_and_a_checkin_row_the_other_side():
    yes = dict.fromkeys(item_ids("mentee_readiness"), "yes")
    answer = rules.Answer(person="E1", now=NOW, answers=yes)
    assert rules.submission_row(ins.get("mentee_readiness"), answer) == {
        "participant_id": "E1",
        "submitted_at": NOW,
        **yes,
    }
    fours = dict.fromkeys(CHECKIN_ELEMENTS, "4") | {"comment": ""}
    answer = rules.Answer(person="E2", now=NOW, answers=fours, pair=row_of(PAIRS, "pair_id", 2))
    assert rules.submission_row(ins.get("checkin"), answer) == {
        "participant_id": "E2",
        "submitted_at": NOW,
        "about": "M1",  # E2's mentor in pair 2
        **fours,
    }


def test_a_goal_update_row_is_reported_by_the_person_about_the_chosen_goal():
    answers = {"progress_pct": "70", "status": "in_progress", "note": ""}
    answer = rules.Answer(person="M1", now=NOW, answers=answers, pair=row_of(PAIRS, "pair_id", 1), goal_id="G-1")
    assert rules.submission_row(ins.get("goal_updates"), answer) == {
        "goal_id": "G-1",
        "reported_by": "M1",
        "reported_at": NOW,
        **answers,
    }


def test_an_agreement_row_keeps_the_other_sides_yes_only_for_unchanged_wording():
    stored = {
        "goal_id": "G-1",
        "title": "Lead",
        "success_criteria": pd.NA,
        "start_date": pd.Timestamp("2026-11-10"),
        "target_date": pd.Timestamp("2027-02-01"),
        "agreed_by_mentor": 0,
        "agreed_by_mentee": 1,
    }
    same = {"title": "Lead", "success_criteria": "", "start_date": "2026-11-10", "target_date": "2027-02-01"}
    pair = row_of(PAIRS, "pair_id", 1)
    confirm = rules.Answer(person="M1", now=NOW, answers=same, pair=pair, goal_id="G-1", goal=stored)
    assert rules.submission_row(ins.get("goals"), confirm) == {
        "goal_id": "G-1",
        "mentor_id": "M1",
        "mentee_id": "E1",
        **same,
        "agreed_by_mentor": "yes",  # M1 ticked "I agree"
        "agreed_by_mentee": "yes",  # E1 had agreed to this very wording
        "submitted_at": NOW,
    }
    later = dataclasses.replace(confirm, answers={**same, "target_date": "2027-03-01"}, agree=True)
    assert rules.submission_row(ins.get("goals"), later)["agreed_by_mentee"] == "no"  # E1 must confirm again
    new = dataclasses.replace(confirm, goal_id=rules.NEW_GOAL, goal=None, agree=False)
    row = rules.submission_row(ins.get("goals"), new)
    assert (row["agreed_by_mentor"], row["agreed_by_mentee"]) == ("no", "no")
    assert row["goal_id"].startswith("G-") and row["goal_id"] != "G-1"


# --- is it complete ----------------------------------------------------------------------------


def test_a_blank_required_item_is_a_problem_and_any_other_blank_needs_confirming():
    # goal update: progress 0 counts as an answer, status is required, the note is optional
    values = {"progress_pct": 0, "status": None, "note": "  "}
    assert rules.check(ins.get("goal_updates"), values, subject_chosen=True) == (
        {"status": "Please fill this in."},
        [],
    )
    # mentee readiness: me01-me04 yes, me05 blank text, me06 unanswered; nothing is required
    values = {**dict.fromkeys(["me01", "me02", "me03", "me04"], "yes"), "me05": " ", "me06": None}
    assert rules.check(ins.get("mentee_readiness"), values, subject_chosen=True) == ({}, ["me05", "me06"])


def test_the_subject_must_be_chosen_and_a_goal_must_not_end_before_it_starts():
    fours = dict.fromkeys(CHECKIN_ELEMENTS, "4") | {"comment": ""}
    assert rules.check(ins.get("checkin"), fours, subject_chosen=False) == (
        {"_subject": "Choose which mentoring relationship this is about."},
        [],
    )
    assert rules.check(ins.get("checkin"), fours, subject_chosen=True) == ({}, [])
    goal = {"title": "x", "success_criteria": "", "start_date": date(2026, 12, 1), "target_date": date(2026, 11, 1)}
    assert rules.check(ins.get("goals"), goal, subject_chosen=False) == (
        {"target_date": "The target date is before the start date.", "_subject": "Choose a goal."},
        [],
    )
    goal["target_date"] = date(2026, 12, 1)  # the same day is fine
    assert rules.check(ins.get("goals"), goal, subject_chosen=True) == ({}, [])


def test_a_date_outside_the_years_is_refused_at_its_field():
    # 1900–2100 (Settings.earliest_year, latest_year): a start in 0999 could never be read back
    goal = {"title": "x", "success_criteria": "", "start_date": date(999, 6, 1), "target_date": date(2101, 1, 1)}
    assert rules.check(ins.get("goals"), goal, subject_chosen=True) == (
        {
            "start_date": "Please give a date in the years 1900–2100.",
            "target_date": "Please give a date in the years 1900–2100.",
        },
        [],
    )
    goal |= {"start_date": date(1900, 1, 1), "target_date": date(2100, 12, 31)}  # the first and last days
    assert rules.check(ins.get("goals"), goal, subject_chosen=True) == ({}, [])


def test_progress_counts_every_item_not_marked_optional():
    # check-in: 4 of the 7 elements rated, the optional comment not counted
    values = {**dict.fromkeys(CHECKIN_ELEMENTS[:4], "4"), **dict.fromkeys(CHECKIN_ELEMENTS[4:]), "comment": "hi"}
    assert rules.progress(ins.get("checkin"), values) == (4, 7)
    # 7 of 11: 100 * 7 // 11 = 63 %
    assert rules.progress_html(7, 11) == (
        "<div role='status' aria-live='polite'>7 of 11 answered</div>"
        "<div class='mk-progress-bar' aria-hidden='true'><span style='width:63%'></span></div>"
    )
    assert "width:100%" in rules.progress_html(0, 0)  # nothing to count: the bar is full


def test_each_item_shows_its_problem_or_that_it_is_unanswered():
    messages = rules.item_messages(["a", "b", "c"], {"a": "Please fill this in.", "_subject": "x"}, ["b"])
    assert messages == {
        "a": "<span class='mk-error'>Please fill this in.</span>",
        "b": "<span class='mk-error'>Not answered yet.</span>",
        "c": "",
    }


def test_an_optional_question_says_so_once_whatever_its_text_says():
    item = ins.Item(id="c", kind="text", text="Anything to add?", optional=True)
    assert rules.question_text(item) == "Anything to add? (optional)"
    said = dataclasses.replace(item, text="Anything to add? (Optional) ")  # the text says it already
    assert rules.question_text(said) == "Anything to add? (Optional)"
    assert rules.question_text(dataclasses.replace(item, optional=False)) == "Anything to add?"
    # the check-in's own comment item, whose text in instruments.yaml ends with "(optional)"
    [comment] = [i for i in ins.get("checkin").items if i.id == "comment"]
    assert rules.question_text(comment).count("(optional)") == 1


def test_send_goes_to_what_the_answer_is_about_first_then_the_items_in_order():
    order = ["title", "start_date", "target_date"]
    assert rules.first_problem({"target_date": "x", "start_date": "y"}, order) == "start_date"
    assert rules.first_problem({"target_date": "x", "_subject": "Choose a goal."}, order) == "_subject"
    assert rules.first_problem({}, order) is None
    assert rules.field_message("a < b") == "<span class='mk-error'>a &lt; b</span>" and rules.field_message("") == ""
    assert (rules.pair_placeholder("mentor"), rules.pair_placeholder("mentee")) == (
        "Choose a mentee…",
        "Choose a mentor…",
    )


def test_problems_hold_the_answer_back_and_blanks_until_send_anyway():
    held = rules.verdict({"_subject": "Choose a goal."}, ["x"], confirmed=True)
    assert held == rules.Verdict(False, "<p class='mk-error'>Choose a goal.</p>")
    held = rules.verdict({"title": "Please fill this in."}, [], confirmed=False)
    assert held.message == "<p class='mk-error'>Please complete the highlighted questions.</p>"
    asked = rules.verdict({}, ["me05", "me06"], confirmed=False)
    assert not asked.send and asked.ask_confirm and "2 questions are not answered" in asked.message
    assert rules.verdict({}, ["me05", "me06"], confirmed=True) == rules.Verdict(True)
    assert rules.verdict({}, [], confirmed=False) == rules.Verdict(True)


# --- after Send --------------------------------------------------------------------------------


def result(**counts: object) -> ingest.ImportResult:
    """An import of one form row (read 1) with the given accounting."""
    base: dict[str, object] = {"instrument": "checkin", "source": "form", "read": 1, "accepted": 0}
    return ingest.ImportResult(**{"duplicates": 0, "quarantined": 0, **base, **counts})  # type: ignore[arg-type]


def test_after_send_the_receipt_or_the_quarantine_reason_from_the_result():
    saved = rules.outcome(result(accepted=1, receipts=(42,)))
    assert saved.sent and "<b class='mk-receipt'>MK-42</b>" in saved.message and "Thank you" in saved.message
    again = rules.outcome(result(duplicates=1))  # the same answer twice: stored once, no new receipt
    assert again.sent and "<b class='mk-receipt'>already received</b>" in again.message
    refused = rules.outcome(result(quarantined=1, reasons=((1, "about is not this person's <pair>"),)))
    assert (
        refused
        == rules.Outcome(
            False,
            "<p class='mk-error'>Your answers could not be accepted: about is not this person&#x27;s &lt;pair&gt;</p>",  # quotes escaped too
        )
    )


def test_a_failed_save_says_why_and_keeps_the_answers():
    assert rules.save_failed(errors.StoreError("the database is locked.")) == (
        "<p class='mk-error'>Could not save your answers: the database is locked. "
        "Your answers are still here; please try again.</p>"
    )
    assert "(OperationalError)" in rules.save_failed(type("OperationalError", (Exception,), {})())


@pytest.mark.slow
def test_the_forms_package_loads_no_database_layer_until_a_form_is_built():
    # the package imports its parts lazily (importlib, unseen by the import contracts, which check
    # mentorkit.forms.rules and intake.form_rows in tests/test_packaging.py): importing it loads neither
    # the store, the import pipeline nor SQLAlchemy; the widgets and the database come with the form itself
    module = "mentorkit.forms"
    code = f"import sys, {module}; print(sorted({{'mentorkit.store', 'mentorkit.intake.ingest', 'sqlalchemy'}} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_forms_package_still_offers_every_name_it_did():
    import mentorkit.forms as forms
    from mentorkit.forms import directory, form, pages, style

    homes = {"Directory": directory, "InstrumentForm": form, "STYLE": style, "app": pages, "notice": pages}
    for name, home in homes.items():
        assert getattr(forms, name) is getattr(home, name)
    assert set(forms.__all__) <= set(dir(forms))
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        forms.nothing  # noqa: B018
