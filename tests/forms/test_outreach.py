"""`mentorkit invite` and `mentorkit status`: personal links for mail merge, and who is due."""

from __future__ import annotations

import csv
import io
import urllib.parse
from datetime import UTC, datetime

import ipywidgets as widgets
import pytest

from mentorkit import cli, forms, store
from mentorkit.forms import links, outreach
from mentorkit.intake import ingest
from tests.conftest import run_cli, write_csv

BASE = "https://forms.example.com/mentoring/"
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _token(link: str) -> tuple[str, str]:
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)
    return query["form"][0], query["t"][0]


# spring-eng on the roster: mentors M-ENG-01..06, mentees E-ENG-01..12, every one matched
# (M-ENG-06 mentors E-ENG-11 and E-ENG-12); the coach C-ENG-01 is quarantined at import.
MENTORS = [f"M-ENG-0{n}" for n in range(1, 7)]
MENTEES = [f"E-ENG-{n:02d}" for n in range(1, 13)]


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ("mentor_readiness", MENTORS),
        ("mentee_readiness", MENTEES),
        ("checkin", MENTORS + MENTEES),
        ("goals", MENTORS + MENTEES),
        ("goal_updates", MENTORS + MENTEES),
    ],
)
def test_invite_rows_per_form_on_the_sample(sample_db, form, expected):
    table = outreach.invitations(store.connect(sample_db), "2026-spring-eng", form, BASE, expires_days=14, now=NOW)
    assert list(table.columns) == ["participant_id", "name", "email", "role", "form", "link", "expires"]
    assert table["participant_id"].tolist() == expected
    assert set(table["form"]) == {form} and set(table["expires"]) == {"2026-12-04T09:00:00Z"}  # 20 Nov + 14 days
    for pid, link in zip(table["participant_id"], table["link"], strict=True):
        assert link.startswith(BASE + "?form=" + form + "&t=")
        linked_form, token = _token(link)
        assert linked_form == form and links.read_token(token, form, NOW) == pid


@pytest.mark.slow
def test_unmatched_people_get_readiness_links_only(sample_copy, tmp_path):
    # a new mentor with no mentee yet and a new mentee with no mentor; the mentor's name is a
    # spreadsheet formula, which the CSV must defuse
    roster = write_csv(
        tmp_path / "more.csv",
        ["cohort_id", "participant_id", "role", "name", "email", "mentor_id", "matched_on"],
        [
            ["2026-pilot-legal", "M-LEG-03", "mentor", '=HYPERLINK("http://x")', "m3@example.com", "", ""],
            ["2026-pilot-legal", "E-LEG-03", "mentee", "Pia New", "e3@example.com", "", ""],
        ],
    )
    ingest.import_file(store.connect(sample_copy), roster, "roster")
    out = tmp_path / "links" / "mentors.csv"
    result = run_cli(
        "invite", "--cohort", "2026-pilot-legal", "--form", "mentor_readiness", "--base-url", BASE,
        "--out", str(out), "--db", sample_copy, env={"MENTORKIT_HOME": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "3 personal links for mentor_readiness" in result.stdout
    rows = _rows(out.read_text())
    assert [r["participant_id"] for r in rows] == ["M-LEG-01", "M-LEG-02", "M-LEG-03"]
    assert rows[2]["name"] == '\'=HYPERLINK("http://x")'
    assert [p.name for p in out.parent.iterdir()] == ["mentors.csv"]  # no temporary file left behind
    checkin = run_cli(
        "invite", "--cohort", "2026-pilot-legal", "--form", "checkin", "--base-url", BASE, "--db", sample_copy,
        env={"MENTORKIT_HOME": str(tmp_path)},
    )  # fmt: skip
    assert [r["participant_id"] for r in _rows(checkin.stdout)] == ["M-LEG-01", "M-LEG-02", "E-LEG-01", "E-LEG-02"]
    mentees = outreach.invitations(store.connect(sample_copy), "2026-pilot-legal", "mentee_readiness", BASE)
    assert mentees["participant_id"].tolist() == ["E-LEG-01", "E-LEG-02", "E-LEG-03"]


@pytest.mark.slow
def test_invite_rotate_voids_the_links_it_gave(sample_db, tmp_path):
    home = {"MENTORKIT_HOME": str(tmp_path)}
    args = ["invite", "--cohort", "2026-pilot-legal", "--form", "checkin", "--base-url", BASE, "--db", sample_db]
    first = _rows(run_cli(*args, env=home).stdout)
    _form, token = _token(first[0]["link"])
    assert links.read_token(token, "checkin") == "M-LEG-01"  # same workspace, same secret
    rotated = run_cli("invite", "--rotate", env=home)
    assert rotated.returncode == 0 and "void" in rotated.stderr
    with pytest.raises(links.InvalidLink):
        links.read_token(token, "checkin")
    again = _rows(run_cli(*args, env=home).stdout)
    assert links.read_token(_token(again[0]["link"])[1], "checkin") == "M-LEG-01"


def test_invite_and_status_user_errors(capsys, sample_db):
    db = ["--db", sample_db]

    def error(argv: list[str], text: str) -> None:
        assert cli.main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and err.startswith("mentorkit: error: ") and text in err, err

    error(["invite", "--cohort", "2026-fall-ops", *db], "needs --cohort, --form and --base-url")
    before = links.make_token("M-OPS-01", "checkin", NOW.replace(year=2030))
    error(["invite", "--rotate", "--form", "checkin", *db], "needs --cohort, --form and --base-url")
    assert links.read_token(before, "checkin", NOW) == "M-OPS-01"  # refused before rotating anything
    error(["invite", "--cohort", "nope", "--form", "checkin", "--base-url", BASE, *db], "unknown cohort 'nope'")
    error(["invite", "--cohort", "2026-fall-ops", "--form", "checkin", "--base-url", "forms/", *db], "web address")
    error(
        ["invite", "--cohort", "2026-fall-ops", "--form", "checkin", "--base-url", BASE, "--expires-days", "0", *db],
        "at least 1",
    )
    error(["status", "--cohort", "../x", *db], "not a cohort id")
    error(["status", "--cohort", "2026-fall-ops", "--as-of", "tomorrow", *db], "not a date")


@pytest.mark.slow
def test_status_lists_the_due_with_links_and_ends_with_the_summary(sample_db, tmp_path):
    home = {"MENTORKIT_HOME": str(tmp_path)}
    args = ["status", "--cohort", "2026-pilot-legal", "--as-of", "2026-11-15", "--db", sample_db]
    shown = run_cli(*args, "--base-url", BASE, env=home)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.strip().splitlines()
    assert (
        lines[-1]
        == "cohort 2026-pilot-legal as of 2026-11-15: 2 people, 0 readiness due, 2 check-ins due, 0 goal updates due"
    )
    assert lines[0] == "M-LEG-02 Marco Rossi <marco.rossi.m-leg-02@example.com> (mentor)"
    out = tmp_path / "due.csv"
    written = run_cli(*args, "--base-url", BASE, "--out", str(out), env=home)
    assert written.stdout.strip() == lines[-1]
    rows = _rows(out.read_text())
    assert [(r["participant_id"], r["due"], r["about"]) for r in rows] == [
        ("M-LEG-02", "checkin", "E-LEG-02"),
        ("E-LEG-02", "checkin", "M-LEG-02"),
    ]
    for row in rows:
        form, token = _token(row["link"])
        assert form == "checkin" and links.read_token(token, "checkin") == row["participant_id"]
    bare = run_cli(*args, "--out", str(out), env=home)
    assert bare.returncode == 0 and {r["link"] for r in _rows(out.read_text())} == {""}


@pytest.mark.slow
def test_answering_through_the_link_takes_the_item_off_the_status_list(sample_copy):
    engine = store.connect(sample_copy)
    today = datetime.now(UTC).date()
    before = outreach.status(engine, "2026-pilot-legal", today, base_url=BASE)
    [link] = before[(before["participant_id"] == "M-LEG-02") & (before["due"] == "checkin")]["link"].tolist()
    page = forms.app(query=urllib.parse.urlsplit(link).query, db_url=sample_copy)
    boxes = [page]
    while boxes:  # answer every element with 4, then send
        box = boxes.pop()
        boxes += list(getattr(box, "children", ()))
        if isinstance(box, widgets.RadioButtons):
            box.value = "4"
        if isinstance(box, widgets.Button) and "mk-submit" in box._dom_classes:
            send = box
    send.click()
    after = outreach.status(engine, "2026-pilot-legal", today, base_url=BASE)
    key = ["participant_id", "due", "about"]
    gone = set(map(tuple, before[key].to_numpy())) - set(map(tuple, after[key].to_numpy()))
    assert gone == {("M-LEG-02", "checkin", "E-LEG-02")}
    assert len(after) == len(before) - 1


def test_status_list_drops_terminal_escapes_from_roster_text():
    import pandas as pd

    items = pd.DataFrame(
        [
            [
                "E-1",
                "Eve\x1b]0;owned\x07 Doe",
                pd.NA,
                "mentee",
                "readiness",
                "mentee_readiness",
                "",
                "never sent",
                "",
                "",
                "",
            ]
        ],
        columns=outreach.STATUS_COLUMNS,
    ).astype("string")
    text = outreach.format_status(items, "c1", datetime(2026, 11, 15).date())
    assert text.splitlines() == [
        "E-1 Eve]0;owned Doe (mentee)",
        "  readiness: never sent",
        "cohort c1 as of 2026-11-15: 1 people, 1 readiness due, 0 check-ins due, 0 goal updates due",
    ]
