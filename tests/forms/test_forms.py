"""Forms driven in Python: ipywidgets fire callbacks synchronously on value changes and clicks."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from mentorkit import forms, store
from mentorkit.analysis import score
from tests.builders import CHECKIN_ELEMENTS

CLOCK = lambda: datetime(2026, 11, 14, 10, 0, 0)  # noqa: E731


def submissions(url: str, instrument: str) -> list[sa.Row]:
    engine = store.connect(url)
    with engine.connect() as conn:
        return conn.execute(
            sa.select(store.submissions)
            .where(store.submissions.c.instrument == instrument)
            .where(store.submissions.c.source == "form")
        ).all()


def answers(url: str, submission_id: int) -> dict[str, object]:
    with store.connect(url).connect() as conn:
        rows = conn.execute(sa.select(store.answers).where(store.answers.c.submission_id == submission_id)).all()
    return {r.item_id: r.value_num if r.value_text is None else r.value_text for r in rows}


def test_mentor_readiness_by_roster_and_double_click(sample_copy):
    form = forms.InstrumentForm("mentor_readiness", sample_copy, clock=CLOCK)
    form.cohort.value = "2026-pilot-legal"
    assert [v for _, v in form.person_picker.options] == ["M-LEG-01", "M-LEG-02"]  # mentors only
    form.person_picker.value = "M-LEG-02"
    for i in range(1, 12):
        form.controls[f"mr{i:02d}"].value = "yes" if i <= 8 else "no"
    form.submit_button.click()
    form.submit_button.click()  # a double click stores one submission
    rows = submissions(sample_copy, "mentor_readiness")
    assert len(rows) == 1 and rows[0].participant_id == "M-LEG-02"
    assert rows[0].channel == "workshop"  # the roster picker of a workshop notebook
    assert f"MK-{rows[0].submission_id}" in form.status.value
    got = answers(sample_copy, rows[0].submission_id)
    assert sum(v == 1.0 for v in got.values()) == 8 and len(got) == 11


def test_partial_checklist_needs_explicit_confirmation(sample_copy):
    form = forms.InstrumentForm("mentee_readiness", sample_copy, clock=CLOCK)
    form.cohort.value = "2026-spring-eng"
    form.person_picker.value = "E-ENG-12"
    for i in range(1, 6):
        form.controls[f"me{i:02d}"].value = "yes"
    assert form.submit() is None
    assert "Not answered yet." in form.problems["me06"].value and form.problems["me01"].value == ""
    assert form.confirm_partial.layout.display is None  # the confirmation appears
    assert submissions(sample_copy, "mentee_readiness") == []
    form.confirm_partial.value = True
    result = form.submit()
    assert result is not None and result.accepted == 1
    assert len(answers(sample_copy, result.receipts[0])) == 5  # the blank stays unanswered


def _email(url: str, pid: str) -> str:
    with store.connect(url).connect() as conn:
        return conn.execute(
            sa.select(store.participants.c.email).where(store.participants.c.participant_id == pid)
        ).scalar_one()


def test_email_identification(sample_copy):
    form = forms.InstrumentForm("mentor_readiness", sample_copy, identify="email")
    assert not form.identify_by_email("nobody@example.com")
    assert "not on the programme's roster" in form.who_message.value
    mentee_mail = _email(sample_copy, "E-ENG-01")
    assert not form.identify_by_email(mentee_mail.upper())  # found, case-insensitive, but a mentee
    assert "This checklist is for mentors" in form.who_message.value
    assert form.identify_by_email(_email(sample_copy, "M-ENG-01").upper())
    assert form.person["participant_id"] == "M-ENG-01"
    for i in range(1, 12):
        form.controls[f"mr{i:02d}"].value = "yes"
    form.submit_button.click()
    [row] = submissions(sample_copy, "mentor_readiness")
    assert (row.participant_id, row.channel) == ("M-ENG-01", "email")


def test_checkin_by_a_mentor_of_two_needs_the_pair(sample_copy):
    form = forms.InstrumentForm("checkin", sample_copy, clock=CLOCK)
    form.cohort.value = "2026-spring-eng"
    form.person_picker.value = "M-ENG-04"  # mentors E-ENG-07 and E-ENG-08
    # the picker names what to choose: a placeholder first (no choice), then the two mentees
    assert form.pair_picker.options[0] == ("Choose a mentee…", None) and len(form.pair_picker.options) == 3
    assert form.pair_picker.value is None and form.pair_picker.index == 0
    for element in CHECKIN_ELEMENTS:
        form.controls[element].value = "4"
    assert form.submit() is None and "Choose which mentoring relationship" in form.status.value
    # the message is at the picker too, and the focus goes there
    assert "Choose which mentoring relationship" in form.about.problem.value
    assert (form.aria.focus_key, form.aria.focus_count) == ("mk-about-pair", 1)
    form.pair_picker.value = form.pair_picker.options[1][1]
    assert form.about.problem.value == ""  # chosen: the message goes
    form.pair_picker.index = 0  # the placeholder again is no choice, still shown
    assert form.pair_picker.value is None and form.pair_picker.index == 0
    form.pair_picker.value = dict((label.split(" (")[-1].rstrip(")"), v) for label, v in form.pair_picker.options)[
        "E-ENG-07"
    ]
    form.controls["comment"].value = "First real talk <b>today</b>"
    result = form.submit()
    assert result.accepted == 1
    # the pair E-ENG-07 had never checked in (needs a check-in); now it is on track (health 75)
    data = store.load(store.connect(sample_copy), ["2026-spring-eng"])
    pairs = score.cohort_detail(data, "2026-spring-eng", date(2026, 11, 15)).pairs.set_index("mentee_id")
    assert pairs.loc["E-ENG-07", "status"] == "on_track" and pairs.loc["E-ENG-07", "health"] == 75.0
    assert answers(sample_copy, result.receipts[0])["comment"] == "First real talk <b>today</b>"


def _pick_pair(form, other: str) -> None:
    form.pair_picker.value = next(v for label, v in form.pair_picker.options if label.endswith(f"({other})"))


@pytest.mark.slow
def test_goal_is_mutual_only_when_both_sides_confirm(sample_copy):
    mentor = forms.InstrumentForm("goals", sample_copy, clock=CLOCK)
    mentor.cohort.value = "2026-fall-ops"
    mentor.person_picker.value = "M-OPS-03"
    assert mentor.goal_picker.value == forms.NEW_GOAL
    mentor.controls["title"].value = "Lead the Q1 planning <script>"
    mentor.controls["start_date"].value = date(2026, 11, 10)
    mentor.controls["target_date"].value = date(2027, 2, 1)
    assert mentor.submit().accepted == 1

    def mutual() -> int:
        data = store.load(store.connect(sample_copy), ["2026-fall-ops"])
        return score.score_cohort(data, "2026-fall-ops", date(2026, 11, 15)).goals.mutually_agreed

    before = mutual()  # the sample's 1, plus nothing: only the mentor agreed
    mentee = forms.InstrumentForm("goals", sample_copy, clock=lambda: datetime(2026, 11, 14, 11, 0))
    mentee.cohort.value = "2026-fall-ops"
    mentee.person_picker.value = "E-OPS-03"
    new_goal = next(v for _, v in mentee.goal_picker.options if v != forms.NEW_GOAL)
    mentee.goal_picker.value = new_goal
    assert mentee.controls["title"].value == "Lead the Q1 planning <script>"  # loaded to confirm
    assert mentee.submit().accepted == 1
    assert (before, mutual()) == (1, 2)
    # changing the wording withdraws the other side's agreement until they confirm again
    changer = forms.InstrumentForm("goals", sample_copy, clock=lambda: datetime(2026, 11, 14, 12, 0))
    changer.cohort.value = "2026-fall-ops"
    changer.person_picker.value = "E-OPS-03"
    changer.goal_picker.value = new_goal
    changer.controls["target_date"].value = date(2027, 3, 1)
    assert changer.submit().accepted == 1
    assert mutual() == 1


def test_goal_update_and_target_before_start(sample_copy):
    form = forms.InstrumentForm("goal_updates", sample_copy, clock=CLOCK)
    form.cohort.value = "2026-pilot-legal"
    form.person_picker.value = "E-LEG-01"
    assert [v for _, v in form.goal_picker.options] == ["G-LEG-01"]
    form.controls["progress_pct"].value = 70
    assert form.submit() is None and "Please fill this in." in form.problems["status"].value
    assert form.aria.focus_key == "mk-item-status"  # the focus goes to the field to fill in
    form.controls["status"].value = "in_progress"
    assert form.submit().accepted == 1
    data = store.load(store.connect(sample_copy), ["2026-pilot-legal"])
    goals = score.cohort_detail(data, "2026-pilot-legal", date(2026, 11, 15)).goals.set_index("goal_id")
    # 70 ≥ 82.4 − 15 → the goal that was at risk is now on track
    assert goals.loc["G-LEG-01", "progress"] == 70 and goals.loc["G-LEG-01", "status"] == "on_track"
    agreement = forms.InstrumentForm("goals", sample_copy, clock=CLOCK)
    agreement.cohort.value = "2026-pilot-legal"
    agreement.person_picker.value = "M-LEG-02"
    agreement.controls["title"].value = "x"
    agreement.controls["start_date"].value = date(2026, 12, 1)
    agreement.controls["target_date"].value = date(2026, 11, 1)
    assert agreement.submit() is None
    assert "before the start date" in agreement.problems["target_date"].value


def test_store_error_keeps_the_answers(sample_copy):
    form = forms.InstrumentForm("mentee_readiness", sample_copy, clock=CLOCK)
    form.cohort.value = "2026-pilot-legal"
    form.person_picker.value = "E-LEG-02"
    for i in range(1, 7):
        form.controls[f"me{i:02d}"].value = "no"
    with form.engine.begin() as conn:  # the store breaks under the form
        conn.execute(sa.text("ALTER TABLE answers RENAME TO answers_gone"))
    assert form.submit() is None
    assert "Could not save your answers" in form.status.value and not form.sent
    assert form.controls["me03"].value == "no" and not form.submit_button.disabled
    with form.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE answers_gone RENAME TO answers"))
        assert (
            conn.execute(
                sa.select(sa.func.count()).select_from(store.submissions).where(store.submissions.c.source == "form")
            ).scalar()
            == 0
        )  # nothing half-written
    assert form.submit().accepted == 1


def test_landing_page_links_every_form(monkeypatch):
    monkeypatch.setenv(forms.EMAIL_LOGIN_ENV, "1")  # the list of forms is for e-mail login only
    page = forms.app(query="").children[1].value
    for title, kind in (
        ("Mentor readiness", "mentor_readiness"),
        ("Mentee readiness", "mentee_readiness"),
        ("Relationship check-in", "checkin"),
        ("Mentoring agreement", "goals"),
        ("Goal update", "goal_updates"),
    ):
        assert f"href='?form={kind}'>{title}</a>" in page


def test_collect_notebooks_exist_and_are_thin():
    import nbformat

    folder = Path(__file__).resolve().parents[2] / "notebooks" / "collect"
    names = sorted(p.stem for p in folder.glob("*.ipynb"))
    assert names == sorted(["index", *forms.FORM_ORDER])
    for path in folder.glob("*.ipynb"):
        code = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        assert all(" if " not in c and "def " not in c for c in code)
