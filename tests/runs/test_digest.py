"""The changes digest: snapshots from score, their pure diff, suppression, escaping, and two real runs."""

from __future__ import annotations

import json
import re
from datetime import date
from functools import partial
from html.parser import HTMLParser
from pathlib import Path

import pytest

from mentorkit import store
from mentorkit.analysis import score
from mentorkit.analysis.snapshot import cohort_snapshot
from mentorkit.errors import UsageError
from mentorkit.runs import digest as changes
from mentorkit.settings import Settings
from tests.conftest import ROOT, run_cli, write_csv


def snap(
    pairs: list[list[str]] | None = None,
    goals: list[tuple[str, str, bool]] | None = None,
    rates: tuple[float | None, float | None] = (1.0, 1.0),
    health: float | None = 70.0,
    names: dict[str, str] | None = None,
) -> dict:
    """A hand-built snapshot in the shape cohort_snapshot writes (goals all of pair M1–E1)."""
    return {
        "version": 1,
        "min_group_size": 5,
        "response_rate": {"mentor": rates[0], "mentee": rates[1]},
        "health_index": health,
        "pairs_needing_checkin": pairs,
        "goals": [
            {"goal_id": g, "status": s, "stale": st, "mentor_id": "M1", "mentee_id": "E1"} for g, s, st in goals or []
        ],
        "names": names or {},
    }


def lines(items: list[changes.Item]) -> list[tuple[str, str, str, str]]:
    return [(i.kind, i.cohort, i.subject, i.text) for i in items]


# --- the pure diff ------------------------------------------------------------------------------


def test_pairs_newly_needing_a_checkin():
    before = {"c1": snap(pairs=[["M1", "E1"]])}
    after = {"c1": snap(pairs=[["M1", "E1"], ["M2", "E2"]])}
    # M1–E1 needed one before too: only M2–E2 is new
    assert lines(changes.diff(before, after)) == [("pair_needs_checkin", "c1", "M2 & E2", "")]
    assert changes.diff(before, after)[0].href == "c1/goal_progress.html"
    assert changes.diff(after, before) == []  # a pair that no longer needs one is not news


def test_goals_newly_overdue_stale_or_achieved():
    before = {
        "c1": snap(
            goals=[
                ("G1", "at_risk", True),
                ("G2", "on_track", False),
                ("G3", "overdue", True),
                ("G4", "at_risk", False),
            ]
        )
    }
    after = {
        "c1": snap(
            goals=[
                ("G1", "achieved", False),  # newly achieved (was stale: no longer stale is not listed)
                ("G2", "overdue", True),  # newly overdue and newly stale
                ("G3", "overdue", True),  # overdue and stale before: nothing new
                ("G4", "on_track", False),  # nothing to report
                ("G5", "overdue", False),  # a goal the earlier run did not have
            ]
        )
    }
    assert lines(changes.diff(before, after)) == [
        ("goal_overdue", "c1", "G2 (M1 & E1)", "was on track"),
        ("goal_overdue", "c1", "G5 (M1 & E1)", "new goal since the earlier run"),
        ("goal_stale", "c1", "G2 (M1 & E1)", "was on track"),
        ("goal_achieved", "c1", "G1 (M1 & E1)", "was at risk"),
    ]


def test_figures_that_fell_by_more_than_the_settings():
    before = {"a": snap(rates=(0.8, 0.8), health=70.0), "b": snap(rates=(0.8, 1.0), health=70.0)}
    after = {
        # a: 0.8 → 0.7 and 70 → 60 fall by exactly the settings (0.10, 10 points): not "more than"
        "a": snap(rates=(0.7, 0.8), health=60.0),
        # b: 0.8 → 0.69 (11 points) and 70 → 59.9 fall by more; the mentee rate rose
        "b": snap(rates=(0.69, 1.0), health=59.9),
    }
    assert lines(changes.diff(before, after)) == [
        ("fell", "b", "mentor response rate", "80 % → 69 %"),
        ("fell", "b", "pair health index", "70 → 60"),
    ]
    hrefs = [i.href for i in changes.diff(before, after)]
    assert hrefs == ["b/readiness.html", "b/goal_progress.html"]
    # the thresholds are settings: with 5 points, cohort a's falls of 10 are listed too
    loose = Settings(digest_response_rate_drop=0.05, digest_health_drop=5.0)
    assert [(i.cohort, i.subject) for i in changes.diff(before, after, loose)] == [
        ("a", "mentor response rate"),
        ("a", "pair health index"),
        ("b", "mentor response rate"),
        ("b", "pair health index"),
    ]


def test_suppressed_pairs_and_health_never_appear():
    # the current run hides the cohort's pairs (fewer than k people with a check-in): no pair
    # item and no health figure, whatever the earlier run showed
    before = {"c1": snap(pairs=[], health=80.0)}
    after = {"c1": snap(pairs=None, health=None)}
    assert changes.diff(before, after) == []
    # hidden before, shown now: the pairs needing a check-in are listed, saying why they are "new"
    assert lines(changes.diff(after, before | {"c1": snap(pairs=[["M1", "E1"]])})) == [
        ("pair_needs_checkin", "c1", "M1 & E1", "the earlier run hid this cohort's pair statuses")
    ]
    # a health index hidden in either run is never compared
    assert changes.diff({"c1": snap(health=None)}, {"c1": snap(health=10.0)}) == []
    assert changes.diff({"c1": snap(health=90.0)}, {"c1": snap(health=None)}) == []


def test_each_section_of_the_diff_is_one_function_listing_its_own_kind():
    before = {"c1": snap(pairs=[], goals=[("G1", "on_track", False)], rates=(0.9, 0.9), health=80.0)}
    now = snap(pairs=[["M1", "E1"]], goals=[("G1", "overdue", True)], rates=(0.5, 0.9), health=80.0)
    c = changes.compared("c1", before, now, Settings())
    assert (c.then, c.unseen) == (before["c1"], "")
    found = {section.__name__: lines(section(c)) for section in changes.SECTION_DIFFS}
    assert found == {
        "new_pairs_needing_checkin": [("pair_needs_checkin", "c1", "M1 & E1", "")],
        "goals_newly_overdue": [("goal_overdue", "c1", "G1 (M1 & E1)", "was on track")],
        "goals_newly_stale": [("goal_stale", "c1", "G1 (M1 & E1)", "was on track")],
        "goals_newly_achieved": [],
        "figures_that_fell": [("fell", "c1", "mentor response rate", "90 % → 50 %")],
    }
    # the sections come in the digest's order (failed reports come from the outcomes, not from diff)
    kinds = [section(c)[0].kind for section in changes.SECTION_DIFFS if section(c)]
    assert kinds == ["pair_needs_checkin", "goal_overdue", "goal_stale", "fell"]
    # a cohort new since the earlier run: nothing can have fallen, and it says why everything is listed
    new = changes.compared("c9", before, now, Settings())
    assert (new.then, new.unseen) == (None, "cohort new since the earlier run")
    assert changes.figures_that_fell(new) == []
    assert changes.compared("c1", {"c1": None}, now, Settings()).unseen == "the earlier run kept no snapshot of it"


def test_diff_lists_section_by_section_then_cohort_by_cohort():
    after = {
        "b": snap(pairs=[["M2", "E2"]], goals=[("G2", "overdue", False)]),
        "a": snap(pairs=[["M1", "E1"]], goals=[("G1", "overdue", False)]),
    }
    assert [(i.kind, i.cohort) for i in changes.diff({}, after)] == [
        ("pair_needs_checkin", "a"),
        ("pair_needs_checkin", "b"),
        ("goal_overdue", "a"),
        ("goal_overdue", "b"),
    ]


def test_new_cohorts_and_people_named_only_with_identify():
    after = {"c2": snap(pairs=[["M1", "E1"]], goals=[("G1", "overdue", False)], rates=(0.1, 0.1), health=1.0)}
    # a cohort the earlier run did not have: its current items are all news, no figure fell
    assert lines(changes.diff({}, after)) == [
        ("pair_needs_checkin", "c2", "M1 & E1", "cohort new since the earlier run"),
        ("goal_overdue", "c2", "G1 (M1 & E1)", "cohort new since the earlier run"),
    ]
    # the same for a cohort whose earlier meta.json has no snapshot (written by an older mentorkit)
    assert [i.text for i in changes.diff({"c2": None}, after)] == ["the earlier run kept no snapshot of it"] * 2
    named = {"c2": {**after["c2"], "names": {"M1": "Ann", "E1": "Bo"}}}
    assert [i.subject for i in changes.diff({}, named)] == ["Ann (M1) & Bo (E1)", "G1 (Ann (M1) & Bo (E1))"]


# --- the digest: failures, links, escaping -----------------------------------------------------


def meta(cohort: str, snapshot: dict, reports: dict | None = None, as_of: str = "2026-11-15") -> dict:
    ok = {
        r: {"status": "ok", "html": f"{cohort}/{r}.html", "ipynb": f"{cohort}/{r}.ipynb", "error": None}
        for r in ("readiness", "goal_progress")
    }
    return {"cohort": cohort, "as_of": as_of, "reports": reports or ok, "snapshot": snapshot}


def test_failed_reports_are_listed_and_relinked():
    failed = {
        "readiness": {"status": "ok", "html": "c1/readiness.html", "ipynb": "c1/readiness.ipynb", "error": None},
        "goal_progress": {"status": "failed", "html": None, "ipynb": "c1/goal_progress.ipynb", "error": "boom"},
    }
    now = [meta("c1", snap(pairs=[["M1", "E1"]]), failed)]
    then = [meta("c1", snap(pairs=[]), as_of="2026-11-14")]
    d = changes.build(now, then, "../2026-11-14")
    assert lines(list(d.items)) == [
        ("pair_needs_checkin", "c1", "M1 & E1", ""),
        ("report_failed", "c1", "Goal progress", "boom"),
    ]
    # the goal progress page does not exist: both point at the executed notebook kept for debugging
    assert [i.href for i in d.items] == ["c1/goal_progress.ipynb", "c1/goal_progress.ipynb"]
    # with no earlier run, failures are still listed
    alone = changes.build(now, None)
    assert alone.earlier is None and lines(list(alone.items)) == [("report_failed", "c1", "Goal progress", "boom")]
    assert "no earlier run to compare with; 1 report failed" in alone.summary()
    assert "No earlier run to compare with" in changes.to_markdown(alone)


def test_digest_escapes_what_people_wrote():
    evil = "<script>alert(1)</script> [x](javascript:alert(2)) *b* `c` & d\nline"
    now = [meta("c1", snap(pairs=[["M1", "E1"]], names={"M1": evil, "E1": "Bo"}))]
    d = changes.build(now, [meta("c1", snap(pairs=[]))], "../x")
    page = changes.to_html(d)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "*b* `c` &amp; d" in page and "[x](javascript:alert(2))" in page  # text, not markup, in HTML
    md = changes.to_markdown(d)
    assert "<script>" not in md and "\\<script\\>" in md
    assert "\\[x\\](javascript:alert(2))" in md  # no link can be formed
    assert "\\*b\\* \\`c\\` \\& d line (M1) \\& Bo (E1)" in md
    assert re.findall(r"(?<!\\)\](\([^)]*\))", md) == ["(c1/goal_progress.html)"]  # the only link: the report
    assert "\n" not in d.summary().splitlines()[-1] and "line (M1)" in d.summary()


class _Page(HTMLParser):
    """A page as its elements (tag, attributes) and its text, entities decoded, blanks squeezed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> tuple[list[tuple[str, dict[str, str | None]]], str]:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser.tags, re.sub(r"\s+", " ", "".join(parser.text)).strip()


def page_items(page: str) -> list[tuple[str, str]]:
    """Each list item of a digest page as (its link, its text)."""
    return [
        (parse(li)[0][1][1]["href"] or "", parse(li)[1]) for li in re.findall(r"<li>.*?</li>", page, flags=re.DOTALL)
    ]


def test_the_digest_page_escapes_hostile_cohort_ids_goal_ids_and_names():
    cohort = "c1<script>alert('c')</script> & \"q\""
    goal = "G-<img src=x onerror=alert(1)>'&"
    person = 'Zoë O\'Neill & "Bo" <b>'
    now = [meta(cohort, snap(pairs=[["M1", "E1"]], goals=[(goal, "achieved", False)], names={"M1": person}))]
    then = [meta(cohort, snap(pairs=[], goals=[(goal, "in_progress", False)]))]
    d = changes.build(now, then, "../x")
    page = changes.to_html(d)
    tags, text = parse(page)
    # nothing people wrote became markup: only the page's own elements, links only where the digest puts them
    assert " ".join(sorted({t for t, _ in tags})) == "a body footer h1 h2 head html li link main meta p small title ul"
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert [a["href"] for t, a in tags if t == "a"] == [
        # quote() of the cohort id: < %3C, ' %27, ( %28, ) %29, space %20, & %26, " %22 (/ stays)
        "c1%3Cscript%3Ealert%28%27c%27%29%3C/script%3E%20%26%20%22q%22/goal_progress.html",
        "c1%3Cscript%3Ealert%28%27c%27%29%3C/script%3E%20%26%20%22q%22/goal_progress.html",
        "index.html",
    ]
    # and every character reads back as written
    assert f"{cohort}: {person} (M1) & E1" in text
    assert f"{cohort}: {goal} ({person} (M1) & E1) (was in progress)" in text
    assert page_items(page) == [
        (
            "c1%3Cscript%3Ealert%28%27c%27%29%3C/script%3E%20%26%20%22q%22/goal_progress.html",
            f"{cohort}: {person} (M1) & E1",
        ),
        (
            "c1%3Cscript%3Ealert%28%27c%27%29%3C/script%3E%20%26%20%22q%22/goal_progress.html",
            f"{cohort}: {goal} ({person} (M1) & E1) (was in progress)",
        ),
    ]
    assert "<title>What changed: reports as of 2026-11-15</title>" in page


def test_the_digest_template_marks_nothing_safe():
    template = (ROOT / "mentorkit" / "runs" / "templates" / "changes.html.j2").read_text("utf-8")
    assert "safe" not in template and "Markup" not in template and "autoescape" not in template


def test_suppressed_cohorts_are_named_without_their_figures():
    now = [meta("small", snap(pairs=None, health=None)), meta("big", snap(pairs=[["M1", "E1"]], health=50.0))]
    then = [meta("small", snap(pairs=None, health=None)), meta("big", snap(pairs=[], health=90.0))]
    md = changes.to_markdown(changes.build(now, then, "../x"))
    assert (
        "fewer than 5 people with a check-in are hidden for confidentiality, as in the reports (goal figures never "
        "are): small." in md
    )
    assert "[big](big/goal_progress.html): pair health index — 90 → 50" in md
    assert "[small]" not in md


# --- finding the earlier run ------------------------------------------------------------------


def test_the_newest_earlier_run_beside_out(tmp_path):
    for name, manifest in [
        ("2026-10-01", True),
        ("2026-10-15", False),  # no manifest: not a finished run
        ("2026-11-01", True),
        ("2026-12-01", True),  # later than the run's as-of
        ("latest", True),  # not named for a date
    ]:
        (tmp_path / name).mkdir()
        if manifest:
            (tmp_path / name / "manifest.json").write_text("{}")
    assert changes.find_earlier_run(tmp_path / "2026-11-15", "2026-11-15") == tmp_path / "2026-11-01"
    assert changes.find_earlier_run(tmp_path / "nightly", date(2026, 11, 1)) == tmp_path / "2026-10-01"
    assert changes.find_earlier_run(tmp_path / "2026-10-01", "2026-10-01") is None
    assert changes.find_earlier_run(tmp_path / "nowhere" / "2026-11-15", "2026-11-15") is None


def test_since_must_name_another_run(tmp_path):
    with pytest.raises(UsageError, match=r"no manifest\.json"):
        changes.check_since(tmp_path / "missing", tmp_path / "out")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "manifest.json").write_text("{}")
    with pytest.raises(UsageError, match="own --out"):
        changes.check_since(tmp_path / "out", tmp_path / "out")
    with pytest.raises(UsageError, match="--index --since"):
        changes.check_since(tmp_path / "out", tmp_path / "other", sharded=True)
    assert changes.check_since(None, tmp_path / "out") is None


# --- the snapshot comes from score -------------------------------------------------------------


@pytest.mark.slow
def test_snapshot_of_the_sample_is_what_score_decided(sample_db):
    data = store.load(store.connect(sample_db, create=False))
    day = date(2026, 11, 15)
    eng = cohort_snapshot(score.cohort_detail(data, "2026-spring-eng", day), data)
    # hand-worked in test_sample.py: the four pairs needing a check-in as of 2026-11-15 are
    # M2–E3 (rc_goals 2), M2–E4 (last check-in 77 days ago), M3–E5 (health 50), M4–E7 (none at all)
    assert eng["pairs_needing_checkin"] == [
        ["M-ENG-02", "E-ENG-03"],
        ["M-ENG-02", "E-ENG-04"],
        ["M-ENG-03", "E-ENG-05"],
        ["M-ENG-04", "E-ENG-07"],
    ]
    # goals: G1 achieved, G2 overdue, G3 on track, G4 at risk, G5 dropped, G6 at risk and stale,
    # G7 on track (not started yet), G8 on track and stale
    assert [(g["goal_id"], g["status"], g["stale"]) for g in eng["goals"]] == [
        ("G-ENG-01", "achieved", False),
        ("G-ENG-02", "overdue", False),
        ("G-ENG-03", "on_track", False),
        ("G-ENG-04", "at_risk", False),
        ("G-ENG-05", "dropped", False),
        ("G-ENG-06", "at_risk", True),
        ("G-ENG-07", "on_track", False),
        ("G-ENG-08", "on_track", True),
    ]
    assert (eng["goals"][0]["mentor_id"], eng["goals"][0]["mentee_id"]) == ("M-ENG-01", "E-ENG-01")
    assert eng["response_rate"] == {"mentor": 1.0, "mentee": 10 / 12}
    assert eng["health_index"] == pytest.approx((675 + 975 / 14) / 10) and eng["names"] == {}
    # 2026-spring-sales: 4 people with a check-in, fewer than 5: neither pairs nor health
    sales = cohort_snapshot(score.cohort_detail(data, "2026-spring-sales", day), data)
    assert sales["pairs_needing_checkin"] is None and sales["health_index"] is None
    assert [g["goal_id"] for g in sales["goals"]] == ["G-SAL-01", "G-SAL-02", "G-SAL-03"]
    # --identify: names of the people the digest may list, and no one else's
    named = cohort_snapshot(score.cohort_detail(data, "2026-spring-sales", day), data, identify=True)
    assert named["names"] == {
        "M-SAL-01": "Sami Okafor",
        "E-SAL-01": "Viktor Patel",
        "E-SAL-02": "Wen Yilmaz",
        "M-SAL-02": "Tove Lindqvist",
        "E-SAL-03": "Ximena Haddad",
    }
    json.dumps(named)  # it goes into meta.json as it is


# --- two real runs on the sample ---------------------------------------------------------------

# Hand-worked from data/sample/*.csv, as of 2026-10-15 against 2026-11-15 (rules of the brief):
#
# Pairs (only 2026-spring-eng shows them: sales has 4 people with a check-in, legal 2, ops 2 or
# no pairs yet, all fewer than 5). Needing a check-in as of 10-15: M2–E3 (E3 rated rc_goals 2 on
# 09-28), M3–E5 (both sides all 3 on 09-25: health 50 < 60), M4–E7 (E7's one check-in was
# quarantined: none, matched in May). M2–E4's last check-ins were on 08-30: 46 days on 10-15
# (on track), 77 days on 11-15 (> 60: needs one) → the one pair newly needing a check-in.
# M6–E11 (09-16) is exactly 60 days on 11-15: still on track. M6–E12 was matched 11-01: too early.
#
# Goals (latest update as of each date; stale = no update for > 45 days, never updated: since start):
#  G-ENG-01 10-15: 40 % (08-01) < 63.8 − 15 → at risk, stale (75 d); 11-15: achieved (10-30)  → newly achieved
#  G-ENG-02 10-15: 30 % (07-15) → at risk, stale (92 d); 11-15: target 10-31 passed at 80 %   → newly overdue
#  G-ENG-03/04 were stale on 10-15 and updated 11-01/11-02: not stale, not overdue            → nothing
#  G-ENG-06 never updated since its 07-01 start: stale on both dates                           → nothing
#  G-ENG-08 last update 09-15: 30 days on 10-15, 61 days on 11-15                              → newly stale
#  G-SAL-03 target 11-01 at 50 %: at risk on 10-15, overdue on 11-15 (stale on both)           → newly overdue
#  G-SAL-02 stale on 10-15 (08-15), updated 11-05: on track                                    → nothing
#  G-LEG-01 never updated since 09-01: 44 days on 10-15 (not stale), 20 % on 11-01: at risk     → nothing
#  G-ENG-07, G-OPS-01, G-OPS-02 were defined after 10-15 and are on track                       → nothing
# Figures: every readiness checklist was sent by 10-14 and the roster is the same, so response
# rates are equal; eng's pair health index is 744.64/10 = 74.46 on both dates → nothing fell.
EXPECTED = """\
## Pairs newly needing a check-in (1)

- [2026-spring-eng](2026-spring-eng/goal_progress.html): M-ENG-02 \\& E-ENG-04

## Goals newly overdue (2)

- [2026-spring-eng](2026-spring-eng/goal_progress.html): G-ENG-02 (M-ENG-01 \\& E-ENG-01) — was at risk
- [2026-spring-sales](2026-spring-sales/goal_progress.html): G-SAL-03 (M-SAL-02 \\& E-SAL-03) — was at risk

## Goals newly stale (1)

- [2026-spring-eng](2026-spring-eng/goal_progress.html): G-ENG-08 (M-ENG-05 \\& E-ENG-09) — was on track

## Goals newly achieved (1)

- [2026-spring-eng](2026-spring-eng/goal_progress.html): G-ENG-01 (M-ENG-01 \\& E-ENG-01) — was at risk

## Cohorts whose response rate or pair health fell (0)

None.

## Reports that failed (0)

None.
"""


@pytest.mark.kernel
def test_two_runs_on_the_sample_give_the_hand_worked_digest(sample_db, tmp_path):
    reports = tmp_path / "reports"
    first = run_cli("report", "--all", "--as-of", "2026-10-15", "--db", sample_db, "--out", str(reports / "2026-10-15"))
    assert first.returncode == 0, first.stderr
    assert "changes: no earlier run to compare with; 0 reports failed" in first.stdout
    assert "No earlier run to compare with" in (reports / "2026-10-15" / "changes.md").read_text("utf-8")
    out = reports / "2026-11-15"
    second = run_cli("report", "--all", "--as-of", "2026-11-15", "--db", sample_db, "--out", str(out))
    assert second.returncode == 0, second.stderr
    md = (out / "changes.md").read_text("utf-8")
    assert "Compared with the run as of 2026-10-15 (../2026-10-15), over 4 cohorts." in md
    assert EXPECTED in md
    assert md.rstrip().endswith(
        "as in the reports (goal figures never are): 2026-fall-ops, 2026-pilot-legal, 2026-spring-sales."
    )
    # the summary cron mails
    assert "changes since the run as of 2026-10-15 (../2026-10-15):" in second.stdout
    assert (
        "1 pair newly needing a check-in; goals: 2 newly overdue, 1 newly stale, 1 newly achieved; "
        "0 figures fell; 0 reports failed"
    ) in second.stdout
    assert "2026-spring-eng: Pairs newly needing a check-in: M-ENG-02 & E-ENG-04" in second.stdout
    page = (out / "changes.html").read_text("utf-8")
    links = re.findall(r"href='([^']*)'", page)
    assert links.count("2026-spring-eng/goal_progress.html") == 4 and all((out / h).is_file() for h in links)
    # the page lists what changes.md lists, item by item: same links, same cohorts and subjects
    listed = re.findall(r"^- \[(.*?)\]\((.*?)\): (.*?)(?: — (.*))?$", md, flags=re.MULTILINE)
    unmd = partial(re.sub, r"\\(.)", r"\1")  # the Markdown escapes of changes.md (M-ENG-02 \& E-ENG-04)
    assert len(listed) == 5 and page_items(page) == [
        (href, f"{cohort}: {unmd(subject)}" + (f" ({unmd(text)})" if text else ""))
        for cohort, href, subject, text in listed
    ]
    # the snapshot is part of each cohort's meta.json; suppressed pairs are not written at all
    legal = json.loads((out / "2026-pilot-legal" / "meta.json").read_text())["snapshot"]
    assert legal["pairs_needing_checkin"] is None and legal["health_index"] is None


@pytest.mark.kernel
def test_falls_failures_since_and_identify(sample_copy, tmp_path):
    eng = "2026-spring-eng"
    run1 = tmp_path / "a" / "first"
    first = run_cli("report", "--cohort", eng, "--as-of", "2026-11-15", "--db", sample_copy, "--out", str(run1))
    assert first.returncode == 0, first.stderr
    # then: three new mentees join (not yet matched), and two pairs rate every element 1 on 11-16
    roster = ["cohort_id", "participant_id", "role", "name", "email", "mentor_id", "matched_on"]
    rows = [[eng, f"E-NEW-{i}", "mentee", f"New {i}", f"new{i}@example.com", "", ""] for i in (1, 2, 3)]
    r = run_cli(
        "import", str(write_csv(tmp_path / "r.csv", roster, rows)), "--instrument", "roster", "--db", sample_copy
    )
    assert r.returncode == 0, r.stderr
    head = ["participant_id", "submitted_at", "about", *[f"rc_{e}" for e in ELEMENTS], "comment"]
    low = [1] * 7
    checkins = [
        ["M-ENG-01", "2026-11-16T09:00:00Z", "E-ENG-01", *low, ""],
        ["E-ENG-01", "2026-11-16T09:00:00Z", "", *low, ""],
        ["M-ENG-05", "2026-11-16T09:00:00Z", "E-ENG-09", *low, ""],
        ["E-ENG-09", "2026-11-16T09:00:00Z", "", *low, ""],
    ]
    c = run_cli(
        "import", str(write_csv(tmp_path / "c.csv", head, checkins)), "--instrument", "checkin", "--db", sample_copy
    )
    assert c.returncode == 0 and "accepted 4" in c.stdout, c.stdout + c.stderr
    out = tmp_path / "b" / "nightly"
    args = ["--as-of", "2026-11-16", "--db", sample_copy, "--out", str(out), "--since", str(run1), "--identify"]
    second = run_cli("report", "--cohort", eng, *args, "--notebooks", str(broken_notebooks(tmp_path)))
    assert second.returncode == 1  # the goal progress report failed
    md = (out / "changes.md").read_text("utf-8")
    nb = "2026-spring-eng/goal_progress.ipynb"  # the failed report's kept notebook
    # as of 11-16 against 11-15 (pair health as in test_sample.py):
    #  M1–E1 and M5–E9 now rated 1 by both sides → health 0 < 60 (they were 87.5, on track);
    #  M6–E11's last check-in (09-16) is 61 days old on 11-16 (60 on 11-15: on track then)
    #  health index (744.64 − 87.5 − 87.5) / 10 = 56.96: 74 → 57, a fall of 17.5 > 10 points
    #  mentee response rate 10/12 → 10/15 (three new mentees): 83 % → 67 %, 16.7 > 10 points
    #  goals: nothing changes status between 11-15 and 11-16
    assert (
        f"""\
## Pairs newly needing a check-in (3)

- [2026-spring-eng]({nb}): Amara Okafor (M-ENG-01) \\& Grace Chen (E-ENG-01)
- [2026-spring-eng]({nb}): Elif Yilmaz (M-ENG-05) \\& Olga Ivanova (E-ENG-09)
- [2026-spring-eng]({nb}): Farid Haddad (M-ENG-06) \\& Quinn O'Neill (E-ENG-11)

## Goals newly overdue (0)

None.

## Goals newly stale (0)

None.

## Goals newly achieved (0)

None.

## Cohorts whose response rate or pair health fell (2)

- [2026-spring-eng](2026-spring-eng/readiness.html): mentee response rate — 83 % → 67 %
- [2026-spring-eng]({nb}): pair health index — 74 → 57

## Reports that failed (1)

- [2026-spring-eng]({nb}): Goal progress — RuntimeError: boom
"""
        in md
    )
    assert "Compared with the run as of 2026-11-15 (../../a/first), over 1 cohort." in md
    page = (out / "changes.html").read_text("utf-8")
    assert "Quinn O'Neill" not in page and "Quinn O'Neill (E-ENG-11)" in parse(page)[1]  # escaped, reads back
    assert "3 pairs newly needing a check-in" in second.stdout and "2 figures fell; 1 report failed" in second.stdout


ELEMENTS = ("reciprocity", "learning", "relationship", "partnership", "collaboration", "goals", "development")


def broken_notebooks(tmp_path: Path) -> Path:
    """The bundled report notebooks with the goal progress one failing in its fourth cell."""
    import shutil

    import nbformat

    folder = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks" / "reports", folder)
    nb = nbformat.read(folder / "goal_progress.ipynb", as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell("raise RuntimeError('boom')"))
    nbformat.write(nb, folder / "goal_progress.ipynb")
    return folder
