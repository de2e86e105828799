"""End to end in Debian's Chromium: an invitation's link opens the person's form, a tampered one nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mentorkit import forms, store
from mentorkit.forms import outreach
from tests.formserver import ARGS, CHROMIUM, need_browser, start_forms, stop

pytestmark = [pytest.mark.browser, pytest.mark.kernel]


@pytest.fixture
def server(sample_copy):
    need_browser()  # Chromium, playwright and the forms' front-end (solara-assets)
    proc, url = start_forms(sample_copy)  # the test's MENTORKIT_HOME is the server's: one link secret
    yield url, sample_copy
    stop(proc)


def _stored(url: str) -> list[tuple[str, str, str]]:
    with store.connect(url).connect() as conn:
        rows = conn.execute(
            sa.select(store.submissions.c.instrument, store.submissions.c.participant_id, store.submissions.c.channel)
            .where(store.submissions.c.source == "form")
            .order_by(store.submissions.c.submission_id)
        ).all()
    return [tuple(r) for r in rows]


def test_invitation_link_opens_the_persons_form_and_a_tampered_one_nothing(server):
    from playwright.sync_api import sync_playwright

    base, db = server
    table = outreach.invitations(store.connect(db), "2026-pilot-legal", "mentor_readiness", base)
    link = table.set_index("participant_id").loc["M-LEG-02", "link"]
    tampered = link[:-4] + ("AAAA" if not link.endswith("AAAA") else "BBBB")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())

        page.goto(tampered, timeout=60_000)
        page.get_by_text(forms.INVALID_LINK).wait_for(timeout=60_000)
        body = page.inner_text("body")
        assert "Marco" not in body and "M-LEG" not in body
        assert page.locator(".mk-submit, .mk-email input").count() == 0

        page.goto(link, timeout=60_000)
        page.wait_for_selector(".mk-hello", timeout=60_000)
        assert "Marco Rossi" in page.inner_text(".mk-hello")
        assert page.locator(".mk-email input").count() == 0  # nothing to type
        for i in range(1, 12):
            page.locator(f".mk-item-mr{i:02d}").get_by_text("Yes", exact=True).click()
        page.click(".mk-submit")
        page.wait_for_selector(".mk-receipt", timeout=30_000)
        browser.close()
    assert _stored(db) == [("mentor_readiness", "M-LEG-02", "link")]
