"""Personal links: signed tokens, the workspace secret, and the form a link opens."""

from __future__ import annotations

import os
import stat
import urllib.parse
from datetime import UTC, datetime, timedelta

import ipywidgets as widgets
import pandas as pd
import pytest
import sqlalchemy as sa

from mentorkit import forms, store
from mentorkit.forms import links
from tests.conftest import SAMPLE

LATER = datetime(2030, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _count(url: str) -> int:
    with store.connect(url).connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(store.submissions)).scalar_one()


def visible_text(widget: widgets.Widget) -> str:
    """Everything a participant could read on the page: HTML, labels, options, values."""
    parts: list[str] = []
    layout = getattr(widget, "layout", None)
    if layout is not None and layout.display == "none":
        return ""
    for name in ("value", "description", "placeholder"):
        value = getattr(widget, name, None)
        if isinstance(value, str):
            parts.append(value)
    for label in getattr(widget, "_options_labels", ()):
        parts.append(str(label))
    for child in getattr(widget, "children", ()):
        parts.append(visible_text(child))
    return "\n".join(parts)


# --- tokens ---------------------------------------------------------------------------------------


def test_token_round_trip_and_link():
    token = links.make_token("E-ENG-01", "checkin", LATER)
    assert links.read_token(token, "checkin", NOW) == "E-ENG-01"
    link = links.personal_link("https://forms.example.com/mentoring/", "checkin", token)
    assert link.startswith("https://forms.example.com/mentoring/?form=checkin&t=")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(link).query) == {"form": ["checkin"], "t": [token]}


def test_expired_token_is_refused():
    expires = datetime(2026, 12, 1, tzinfo=UTC)
    token = links.make_token("E-ENG-01", "checkin", expires)
    assert links.read_token(token, "checkin", expires - timedelta(seconds=1)) == "E-ENG-01"
    with pytest.raises(links.InvalidLink):
        links.read_token(token, "checkin", expires)
    # a naive expiry means UTC
    naive = links.make_token("E-ENG-01", "checkin", datetime(2026, 11, 20, 12, 0))
    with pytest.raises(links.InvalidLink):
        links.read_token(naive, "checkin", NOW)


def test_token_for_another_form_is_refused():
    token = links.make_token("M-ENG-01", "mentor_readiness", LATER)
    with pytest.raises(links.InvalidLink):
        links.read_token(token, "mentee_readiness", NOW)


@pytest.mark.parametrize("where", ["payload", "signature"])
def test_altered_token_is_refused(where):
    token = links.make_token("E-ENG-01", "checkin", LATER)
    payload, signature = token.split(".")
    if where == "payload":  # someone else's id under the same signature
        other = links.make_token("E-ENG-02", "checkin", LATER).split(".")[0]
        bad = f"{other}.{signature}"
    else:
        flipped = "A" if signature[5] != "A" else "B"
        bad = f"{payload}.{signature[:5]}{flipped}{signature[6:]}"
    with pytest.raises(links.InvalidLink):
        links.read_token(bad, "checkin", NOW)


@pytest.mark.parametrize("bad", ["", "nodot", ".", "abc.def", "é.é", "a.b.c"])
def test_garbage_is_refused(bad):
    links.make_token("E-ENG-01", "checkin", LATER)  # a secret exists
    with pytest.raises(links.InvalidLink):
        links.read_token(bad, "checkin", NOW)


def test_forged_token_from_another_secret_is_refused(tmp_path, monkeypatch):
    forged = links.make_token("E-ENG-01", "checkin", LATER)  # signed in a workspace of its own
    monkeypatch.setenv("MENTORKIT_HOME", str(tmp_path / "other"))
    with pytest.raises(links.InvalidLink):
        links.read_token(forged, "checkin", NOW)


def test_rotate_voids_every_earlier_link():
    old = [links.make_token(p, "checkin", LATER) for p in ("E-ENG-01", "M-ENG-01")]
    links.rotate()
    for token in old:
        with pytest.raises(links.InvalidLink):
            links.read_token(token, "checkin", NOW)
    fresh = links.make_token("E-ENG-01", "checkin", LATER)
    assert links.read_token(fresh, "checkin", NOW) == "E-ENG-01"


def test_secret_is_created_once_owner_only_and_outside_git(tmp_path):
    path = links.secret_path()
    assert not path.exists()
    token = links.make_token("E-ENG-01", "checkin", LATER)
    assert path.parent == tmp_path / "data"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_bytes()
    links.make_token("E-ENG-02", "checkin", LATER)
    assert path.read_bytes() == first  # created on first use only
    links.rotate()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_bytes() != first
    with pytest.raises(links.InvalidLink):
        links.read_token(token, "checkin", NOW)
    ignored = (SAMPLE.parent.parent / ".gitignore").read_text().splitlines()
    assert "/data/link-secret" in ignored


def test_secret_readable_by_others_is_refused():
    links.make_token("E-ENG-01", "checkin", LATER)
    os.chmod(links.secret_path(), 0o644)
    with pytest.raises(links.MentorkitError, match="can be read by others"):
        links.make_token("E-ENG-01", "checkin", LATER)


# --- the page a link opens ----------------------------------------------------------------------


def _query(pid: str, form: str, expires: datetime = LATER) -> str:
    return urllib.parse.urlencode({"form": form, "t": links.make_token(pid, form, expires)})


def _others(url: str, keep: set[str]) -> list[str]:
    """Names, ids and e-mails of every roster person not in ``keep``."""
    with store.connect(url).connect() as conn:
        people = store.read_participants(conn)
    rest = people[~people["participant_id"].isin(keep)]
    return [v for c in ("participant_id", "name", "email") for v in rest[c].dropna().tolist()]


def _find(widget: widgets.Widget, cls: type) -> list[widgets.Widget]:
    found = [widget] if isinstance(widget, cls) else []
    for child in getattr(widget, "children", ()):
        found += _find(child, cls)
    return found


def test_link_opens_the_persons_checkin_and_stores_it_with_channel_link(sample_copy):
    # Hiro Tanaka (E-ENG-02) is the mentee of Amara Okafor (M-ENG-01): his check-in form knows
    # him, offers only that pair, shows no input to say who he is, and names nobody else
    before = _count(sample_copy)
    page = forms.app(query=_query("E-ENG-02", "checkin"), db_url=sample_copy)
    text = visible_text(page)
    assert "Hiro Tanaka" in text and "Amara Okafor (M-ENG-01)" in text
    assert not _find(page, widgets.Text)  # nothing to type to say who you are
    leaked = [v for v in _others(sample_copy, {"E-ENG-02", "M-ENG-01"}) if v in text]
    assert leaked == []
    assert "@" not in text  # not even his own e-mail
    radios = {
        r._dom_classes[0]: r
        for r in _find(page, widgets.VBox)
        if r._dom_classes and r._dom_classes[0].startswith("mk-item-rc_")
    }
    assert len(radios) == 7
    for row in radios.values():
        row.children[1].value = "4"
    [button] = [b for b in _find(page, widgets.Button) if "mk-submit" in b._dom_classes]
    button.click()
    assert "Receipt" in visible_text(page)
    assert _count(sample_copy) == before + 1
    with store.connect(sample_copy).connect() as conn:
        row = conn.execute(sa.select(store.submissions).order_by(store.submissions.c.submission_id.desc())).first()
    assert (row.instrument, row.participant_id, row.channel) == ("checkin", "E-ENG-02", "link")


def test_link_of_a_mentor_shows_only_their_own_pairs_and_goals(sample_copy):
    # M-ENG-01 mentors E-ENG-01 (goals G-ENG-01, G-ENG-02) and E-ENG-02 (G-ENG-03)
    page = forms.app(query=_query("M-ENG-01", "goal_updates"), db_url=sample_copy)
    text = visible_text(page)
    assert "Grace Chen (E-ENG-01)" in text and "Hiro Tanaka (E-ENG-02)" in text
    assert [v for v in _others(sample_copy, {"M-ENG-01", "E-ENG-01", "E-ENG-02"}) if v in text] == []
    goals = pd.read_csv(SAMPLE / "goals.csv")
    foreign = goals[goals["mentor_id"] != "M-ENG-01"]["goal_id"].unique().tolist()
    assert [g for g in foreign if g in text] == []


def test_readiness_link_stores_with_channel_link(sample_copy):
    page = forms.app(query=_query("M-LEG-02", "mentor_readiness"), db_url=sample_copy)
    assert "Marco Rossi" in visible_text(page)
    for row in _find(page, widgets.VBox):
        if row._dom_classes and row._dom_classes[0].startswith("mk-item-mr"):
            row.children[1].value = "yes"
    [button] = [b for b in _find(page, widgets.Button) if "mk-submit" in b._dom_classes]
    button.click()
    with store.connect(sample_copy).connect() as conn:
        rows = conn.execute(sa.select(store.submissions).where(store.submissions.c.channel == "link")).all()
    assert [(r.participant_id, r.instrument) for r in rows] == [("M-LEG-02", "mentor_readiness")]


@pytest.mark.parametrize(
    "make",
    [
        lambda: _query("E-ENG-02", "checkin", datetime(2026, 1, 1, tzinfo=UTC)),  # expired
        lambda: _query("E-ENG-02", "mentee_readiness").replace("mentee_readiness", "checkin"),  # other form
        lambda: _query("E-ENG-02", "checkin")[:-3] + "abc",  # altered
        lambda: "form=checkin&t=",  # empty
        lambda: "form=nosuchform&" + _query("E-ENG-02", "checkin").split("&")[1],  # unknown form
        lambda: _query("X-NOT-01", "checkin"),  # signed, but for nobody on the roster
    ],
    ids=["expired", "other-form", "altered", "empty", "unknown-form", "not-on-roster"],
)
def test_invalid_link_gets_a_plain_page_that_reveals_and_stores_nothing(sample_copy, make):
    before = _count(sample_copy)
    page = forms.app(query=make(), db_url=sample_copy)
    text = visible_text(page)
    assert forms.INVALID_LINK in text
    assert not _find(page, widgets.Button) and not _find(page, widgets.Text)
    assert [v for v in _others(sample_copy, set()) if v in text] == []
    assert _count(sample_copy) == before


def test_link_voided_while_the_page_is_open_stores_nothing(sample_copy):
    page = forms.app(query=_query("M-LEG-02", "mentor_readiness"), db_url=sample_copy)
    for row in _find(page, widgets.VBox):
        if row._dom_classes and row._dom_classes[0].startswith("mk-item-mr"):
            row.children[1].value = "yes"
    before = _count(sample_copy)
    links.rotate()
    [button] = [b for b in _find(page, widgets.Button) if "mk-submit" in b._dom_classes]
    button.click()
    assert forms.INVALID_LINK in visible_text(page)
    assert _count(sample_copy) == before


def test_without_a_link_the_page_asks_for_it_unless_email_login_is_allowed(sample_copy, monkeypatch):
    monkeypatch.delenv(forms.EMAIL_LOGIN_ENV, raising=False)
    for query in ("", "form=checkin"):
        page = forms.app(query=query, db_url=sample_copy)
        assert "personal link from your invitation" in visible_text(page)
        assert not _find(page, widgets.Text) and not _find(page, widgets.Button)
    monkeypatch.setenv(forms.EMAIL_LOGIN_ENV, "1")
    page = forms.app(query="form=checkin", db_url=sample_copy)
    assert [t for t in _find(page, widgets.Text) if "mk-email" in t._dom_classes]


HIRO = "hiro.tanaka.e-eng-02@example.com"  # E-ENG-02's address in the sample roster


def test_a_link_of_a_forgotten_person_opens_the_plain_page(sample_copy):
    query = _query("E-ENG-02", "checkin")  # made while he was on the roster
    assert "Hiro Tanaka" in visible_text(forms.app(query=query, db_url=sample_copy))
    assert store.forget(store.connect(sample_copy), HIRO) is not None
    before = _count(sample_copy)
    page = forms.app(query=query, db_url=sample_copy)
    assert forms.INVALID_LINK in visible_text(page)
    assert not _find(page, widgets.Button) and not _find(page, widgets.Text)
    assert _count(sample_copy) == before


def test_forget_while_the_form_is_open_stores_nothing_more(sample_copy):
    # the page opened before `forget`; his answers and a new comment must not reach the store after it
    page = forms.app(query=_query("E-ENG-02", "checkin"), db_url=sample_copy)
    for row in _find(page, widgets.VBox):
        if row._dom_classes and row._dom_classes[0].startswith("mk-item-rc_"):
            row.children[1].value = "4"
    for box in _find(page, widgets.Textarea):
        box.value = "new free text after erasure"
    assert store.forget(store.connect(sample_copy), HIRO) is not None
    before = _count(sample_copy)
    [button] = [b for b in _find(page, widgets.Button) if "mk-submit" in b._dom_classes]
    button.click()
    assert forms.INVALID_LINK in visible_text(page)
    assert _count(sample_copy) == before
    with store.connect(sample_copy).connect() as conn:
        texts = conn.execute(sa.select(store.answers.c.value_text).where(store.answers.c.value_text.is_not(None))).all()
    assert "new free text after erasure" not in [t[0] for t in texts]
