"""End to end: `mentorkit forms` (Solara's server) driven in Debian's Chromium with playwright."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from mentorkit import forms, store
from mentorkit.forms import links
from tests.formserver import ARGS, CHROMIUM, form_submissions, need_browser, offline, start_forms, stop

pytestmark = [pytest.mark.browser]
TIMINGS = Path(os.environ.get("MENTORKIT_TIMINGS", "/tmp/mentorkit-form-timings.json"))
SERIOUS = ("serious", "critical")


@pytest.fixture
def forms_server(sample_copy):
    need_browser()
    proc, url = start_forms(sample_copy, "--allow-email-login")
    yield url, sample_copy
    stop(proc)


def link_for(participant_id: str, form: str) -> str:
    token = links.make_token(participant_id, form, datetime.now(UTC) + timedelta(days=7))
    return links.personal_link("", form, token)


def email_of(url: str, pid: str) -> str:
    with store.connect(url).connect() as conn:
        return conn.execute(
            sa.select(store.participants.c.email).where(store.participants.c.participant_id == pid)
        ).scalar_one()


def axe_problems(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    # a page still fading in has text at part opacity: check what a participant reads once it has settled
    page.evaluate("() => Promise.all(document.getAnimations().map(a => a.finished))")
    page.wait_for_timeout(300)
    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['nodes'][0]['html'][:120]}" for v in found if v["impact"] in SERIOUS]


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the focused element matches ``selector`` (keyboard only, no clicks)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


WATCH = """() => {
  window.__mk = {};
  document.querySelector('.mk-submit').addEventListener('click', () => { window.__mk.click = performance.now(); },
                                                       {capture: true, once: true});
  new MutationObserver((_, obs) => {
    if (document.querySelector('.mk-receipt')) { window.__mk.done = performance.now(); obs.disconnect(); }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def send(page) -> float:
    """Press Send; seconds from the click event to the receipt on the page, timed in the browser."""
    page.evaluate(WATCH)
    page.click(".mk-submit")
    page.wait_for_selector(".mk-receipt", timeout=30_000)
    marks = page.evaluate("window.__mk")
    return (marks["done"] - marks["click"]) / 1000


def test_a_personal_link_on_a_phone_with_the_keyboard_alone_offline_and_accessible(forms_server):
    from playwright.sync_api import sync_playwright

    base, db = forms_server
    timings: dict[str, float] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        blocked = offline(page, base)
        start = time.perf_counter()
        page.goto(base + link_for("M-LEG-02", "mentor_readiness"), timeout=60_000)
        page.wait_for_selector(".mk-item-mr01 input", state="visible", timeout=60_000)
        timings["link_to_interactive_seconds"] = time.perf_counter() - start
        body = page.inner_text("body")
        assert "Mentor readiness" in body and "Mentoring programme" in body  # the programme name from settings
        assert "0 of 11 answered" in body
        assert "@" not in body and page.locator("input[type=text], input[type=email]").count() == 0  # nothing to type
        # fits a 390-px screen: nothing wider than the viewport, answers are large touch targets
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        box = page.locator(".mk-item-mr01 .widget-radio-box label").first.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44
        # each question is the label of its own control
        question = page.locator(".mk-item-mr01 .widget-radio > label.widget-label").inner_text()
        assert question.startswith("Do you have specific knowledge")
        # a screen reader hears each pair of buttons as a group named by its question
        page.get_by_role("radiogroup", name=question).wait_for(timeout=10_000)
        assert page.locator(".mk-item [role=radiogroup]").count() == 11
        assert axe_problems(page) == []

        # keyboard alone: Tab into each question, Space answers Yes, an arrow key moves to No (question 7)
        for i in range(1, 12):
            tab_to(page, f".mk-item-mr{i:02d} input[type=radio]")
            page.keyboard.press("Space")
            if i == 7:
                page.keyboard.press("ArrowDown")
        page.wait_for_function("document.querySelector('.mk-progress').innerText.includes('11 of 11 answered')")
        tab_to(page, "button.mk-submit")
        page.keyboard.press("Enter")
        page.wait_for_selector(".mk-receipt", timeout=30_000)
        receipt = page.inner_text(".mk-receipt")
        assert page.locator(".mk-item-mr01").is_hidden()  # the confirmation page replaces the questions
        assert "Thank you" in page.inner_text(".mk-done")
        assert axe_problems(page) == []
        assert blocked == []  # every file came from the forms server
        browser.close()

    rows = form_submissions(db)
    assert [(r.instrument, r.participant_id, r.channel) for r in rows] == [("mentor_readiness", "M-LEG-02", "link")]
    assert receipt == f"MK-{rows[0].submission_id}"
    with store.connect(db).connect() as conn:
        got = dict(
            conn.execute(
                sa.select(store.answers.c.item_id, store.answers.c.value_num).where(
                    store.answers.c.submission_id == rows[0].submission_id
                )
            ).all()
        )
    assert sum(got.values()) == 10 and got["mr07"] == 0.0  # 11 answers: ten Yes (1) and No (0) to question 7
    TIMINGS.write_text(json.dumps(timings, indent=2))


def test_workshop_email_login_checkin_and_a_tampered_link(forms_server):
    from playwright.sync_api import sync_playwright

    base, db = forms_server
    timings: dict[str, float] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        blocked = offline(page, base)
        page.goto(base, timeout=60_000)
        page.get_by_role("link", name="Relationship check-in").click(timeout=60_000)
        page.wait_for_selector(".mk-email input", state="visible", timeout=60_000)
        page.get_by_label("Your e-mail").fill(email_of(db, "E-LEG-02").upper())
        page.click(".mk-continue")
        page.wait_for_selector(".mk-hello", timeout=30_000)
        for element in (
            "rc_reciprocity",
            "rc_learning",
            "rc_relationship",
            "rc_partnership",
            "rc_collaboration",
            "rc_goals",
            "rc_development",
        ):
            page.locator(f".mk-item-{element}").get_by_text("4 – Agree", exact=True).click()
        page.wait_for_function("document.querySelector('.mk-progress').innerText.includes('7 of 7 answered')")
        page.get_by_label("Anything you would like to add?", exact=False).fill("Good start <script>alert(1)</script>")
        timings["checkin_submit_to_confirmation_seconds"] = send(page)

        good = link_for("M-LEG-02", "mentor_readiness")
        page.goto(base + good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"), timeout=60_000)
        page.get_by_text(forms.INVALID_LINK).wait_for(timeout=60_000)
        assert page.locator(".mk-item-mr01").count() == 0
        assert blocked == []
        browser.close()

    rows = form_submissions(db)
    assert [(r.instrument, r.participant_id, r.channel) for r in rows] == [("checkin", "E-LEG-02", "email")]
    with store.connect(db).connect() as conn:
        comment = conn.execute(
            sa.select(store.answers.c.value_text).where(
                (store.answers.c.submission_id == rows[0].submission_id) & (store.answers.c.item_id == "comment")
            )
        ).scalar()
    assert comment == "Good start <script>alert(1)</script>"
    print(json.dumps(timings))
