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


PHONE = {"width": 390, "height": 844}
GEOMETRY = """() => {
  const fits = (el) => {  // inside the screen, and not cut off by any box that clips it
    const r = el.getBoundingClientRect();
    if (r.left < 0 || r.right > document.documentElement.clientWidth) return false;
    for (let a = el.parentElement; a; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.overflowX === 'visible') continue;
      const b = a.getBoundingClientRect();
      if (r.left < b.left - 0.5 || r.right > b.right + 0.5) return false;
    }
    return true;
  };
  const circles = [...document.querySelectorAll('.mk-item .widget-radio-box label')].map((label) => {
    const text = [...label.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    const range = document.createRange();
    range.selectNodeContents(text);
    return [label.querySelector('input').getBoundingClientRect().right, range.getBoundingClientRect().left];
  });
  const page = document.querySelector('.mk-page');
  return {
    circles,
    picker: fits(document.querySelector('.mk-pair select')),
    textarea: fits(document.querySelector('.mk-item-comment textarea')),
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    page_overflow: page.scrollWidth - page.clientWidth,
  };
}"""
AT_FIELD = """(key) => {
  const field = document.querySelector(key);
  const control = field.querySelector('select, textarea, input');
  const message = field.querySelector('.mk-problem .mk-error');
  const described = document.getElementById(control.getAttribute('aria-describedby') || '');
  return {
    gap: message ? message.getBoundingClientRect().top - control.getBoundingClientRect().bottom : null,
    focused: field.contains(document.activeElement) && document.activeElement === control,
    invalid: control.getAttribute('aria-invalid'),
    described: described ? described.innerText : null,
  };
}"""


def screenshot(page, name: str) -> None:
    """The whole page, into $MENTORKIT_SCREENSHOTS when it is set (CI keeps them for a person to look at).

    The page scrolls inside Solara's layout, not the document, so the viewport is made as tall as the
    content for the shot, then put back.
    """
    folder = os.environ.get("MENTORKIT_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    tall = page.evaluate("() => Math.max(...[...document.querySelectorAll('*')].map((e) => e.scrollHeight))")
    page.set_viewport_size({"width": size["width"], "height": tall})
    page.wait_for_timeout(300)
    page.screenshot(path=str(Path(folder) / name), full_page=True)
    page.set_viewport_size(size)


def test_a_checkin_on_a_phone_names_the_choice_and_says_what_is_missing_at_the_field(forms_server):
    from playwright.sync_api import sync_playwright

    base, db = forms_server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
        blocked = offline(page, base)
        page.goto(base + link_for("M-ENG-04", "checkin"), timeout=60_000)  # mentors E-ENG-07 and E-ENG-08
        page.wait_for_selector(".mk-pair select", state="visible", timeout=60_000)
        page.wait_for_selector(".mk-aria", state="attached", timeout=30_000)  # the form's ARIA helper is drawn
        page.get_by_role("radiogroup").first.wait_for(timeout=10_000)
        # the picker is labelled, says what to choose, and is one line high (not a 148-px empty box)
        picker = page.get_by_label("Which mentoring relationship is this about?")
        assert picker.evaluate("e => e.options[e.selectedIndex].text") == "Choose\xa0a\xa0mentee…"
        assert picker.bounding_box()["height"] < 60
        comment = page.locator(".mk-item-comment .widget-textarea > label.widget-label").inner_text()
        assert comment.count("(optional)") == 1, comment
        shape = page.evaluate(GEOMETRY)
        # 7 questions of 5 answers; each circle ends left of where its answer's text begins
        assert len(shape["circles"]) == 35 and all(circle <= text for circle, text in shape["circles"])
        assert shape["picker"] and shape["textarea"]  # their right borders are on the screen, not cut off
        assert shape["overflow"] <= 0 and shape["page_overflow"] <= 0
        assert axe_problems(page) == []
        screenshot(page, "form-checkin-390.png")

        tab_to(page, "button.mk-submit")
        page.keyboard.press("Enter")  # nothing chosen
        page.wait_for_selector(".mk-about-pair .mk-problem .mk-error", timeout=30_000)
        page.wait_for_function("document.activeElement && document.activeElement.matches('.mk-pair select')")
        at = page.evaluate(AT_FIELD, ".mk-about-pair")
        assert 0 <= at["gap"] <= 200 and at["focused"]  # the message is under the picker, the focus on it
        assert at["invalid"] == "true" and at["described"] == "Choose which mentoring relationship this is about."
        assert "Choose which mentoring relationship" in page.inner_text(".mk-status")  # and near Send
        assert axe_problems(page) == []
        screenshot(page, "form-checkin-390-missing-pair.png")

        picker.select_option(label="Maya\xa0Cohen\xa0(E-ENG-07)")
        page.wait_for_function("!document.querySelector('.mk-pair select').hasAttribute('aria-invalid')")
        assert page.locator(".mk-about-pair .mk-problem .mk-error").count() == 0  # chosen: the message goes
        for item in page.locator(".mk-likert").all():
            item.get_by_text("4 – Agree", exact=True).click()
        send(page)
        assert blocked == []
        browser.close()
    [row] = form_submissions(db)
    with store.connect(db).connect() as conn:
        pair = conn.execute(sa.select(store.pairs).where(store.pairs.c.pair_id == row.pair_id)).one()
    assert (row.participant_id, pair.mentor_id, pair.mentee_id) == ("M-ENG-04", "M-ENG-04", "E-ENG-07")


def test_the_agreement_on_a_phone_takes_the_focus_to_each_missing_field_in_turn(forms_server):
    from playwright.sync_api import sync_playwright

    base, _db = forms_server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
        page.goto(base + link_for("M-ENG-04", "goals"), timeout=60_000)
        page.wait_for_selector(".mk-pair select", state="visible", timeout=60_000)
        page.wait_for_selector(".mk-aria", state="attached", timeout=30_000)  # the form's ARIA helper is drawn
        page.click(".mk-submit")  # no pair: the message and the focus at the pair picker
        page.wait_for_function("document.activeElement && document.activeElement.matches('.mk-pair select')")
        at = page.evaluate(AT_FIELD, ".mk-about-pair")
        assert 0 <= at["gap"] <= 200 and at["described"] == "Choose which mentoring relationship this is about."
        assert page.inner_text(".mk-status") == "Choose which mentoring relationship this is about."
        assert page.locator(".mk-about-goal").is_hidden()  # its goals follow the pair
        page.locator(".mk-pair select").select_option(index=1)  # its goal picker offers "A new goal"
        page.wait_for_function("document.querySelector('.mk-goal select').value === 'A new goal'")
        page.click(".mk-submit")  # the goal's title is required: the focus goes to it
        page.wait_for_function("document.activeElement && document.activeElement.matches('.mk-item-title textarea')")
        at = page.evaluate(AT_FIELD, ".mk-item-title")
        assert 0 <= at["gap"] <= 200 and at["focused"] and at["invalid"] == "true"
        assert at["described"] == "Please fill this in."
        assert page.locator(".mk-pair select").get_attribute("aria-invalid") is None  # chosen now
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert axe_problems(page) == []
        screenshot(page, "form-agreement-390-missing-title.png")
        browser.close()
