"""``mentorkit cohorts``, the nearest ids for an unknown cohort, and help for every option."""

from __future__ import annotations

import argparse
import json

import pytest

from mentorkit import cli, store
from mentorkit.errors import unknown_cohort
from tests.builders import CHECKIN_HEADER, ROSTER_HEADER, checkin_row, header, import_csv, response_row
from tests.test_cli import one_line_error


@pytest.fixture
def small(tmp_path):
    """Two cohorts built by hand (a1 with people, pairs and answers; b2 a lone mentor), as a store URL."""
    url = f"sqlite:///{tmp_path / 'data' / 'small.db'}"
    engine = store.connect(url)
    roster = [
        ["a1", "m1", "mentor", "M1", "m1@x.org", "", "", "Ops"],
        ["a1", "m2", "mentor", "M2", "m2@x.org", "", "", "Ops"],
        ["a1", "e1", "mentee", "E1", "e1@x.org", "m1", "2026-03-01", "Ops"],
        ["a1", "e2", "mentee", "E2", "e2@x.org", "m1", "2026-03-01", "Ops"],
        ["a1", "e3", "mentee", "E3", "e3@x.org", "m2", "2026-03-02", "Ops"],
        ["a1", "e4", "mentee", "E4", "e4@x.org", "", "", "Ops"],  # not matched yet: no pair
        ["b2", "m3", "mentor", "M3", "m3@x.org", "", "", "Legal"],
    ]
    import_csv(engine, "roster", ROSTER_HEADER, roster, tmp_path)
    ready = [response_row("mentee_readiness", ["e1", "2026-03-05"], "yes")]
    import_csv(
        engine, "mentee_readiness", header("mentee_readiness", "participant_id", "submitted_at"), ready, tmp_path
    )
    checkins = [
        checkin_row("m1", "2026-03-20 10:00:00", 4, about="e1"),
        # 23:30 at UTC−2 is 01:30 UTC the next day: the latest submission, on 3 April (UTC)
        checkin_row("m2", "2026-04-02T23:30:00-02:00", 4, about="e3"),
        checkin_row("zz", "2026-05-01 09:00:00", 4, about="e1"),  # not on the roster: quarantined, never counted
    ]
    result = import_csv(engine, "checkin", CHECKIN_HEADER, checkins, tmp_path)
    assert result.quarantined == 1
    return url


def test_cohorts_lists_people_pairs_and_the_latest_submission(capsys, small):
    assert cli.main(["cohorts", "--db", small]) == 0
    lines = capsys.readouterr().out.splitlines()
    # by hand: a1 has mentors m1, m2; mentees e1..e4; pairs m1–e1, m1–e2, m2–e3 (e4 unmatched) → 2, 4, 3;
    # its latest kept submission is m2's check-in, 2026-04-02 23:30 at −02:00 = 2026-04-03 01:30 UTC.
    # b2: one mentor, nobody else, nothing submitted.
    assert lines[0].split() == ["cohort", "mentors", "mentees", "pairs", "latest", "submission", "(UTC)"]
    assert lines[1].split() == ["a1", "2", "4", "3", "2026-04-03", "01:30"]
    assert lines[2].split() == ["b2", "1", "0", "0", "—"]
    assert lines[3].startswith("2 cohorts; suggested as-of 2026-04-03, the day of the latest submission")
    assert "mentorkit report --all --as-of 2026-04-03" in lines[3]
    assert len(lines) == 4
    # the columns line up: every figure ends where its header does
    for column in ("mentors", "mentees", "pairs"):
        end = lines[0].index(column) + len(column)
        assert all(line[end - 1] != " " and line[end : end + 2] == "  " for line in lines[1:3]), column


def test_cohorts_json(capsys, small):
    assert cli.main(["cohorts", "--db", small, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    # the same hand-worked counts as above
    assert got == {
        "cohorts": [
            {"cohort": "a1", "mentors": 2, "mentees": 4, "pairs": 3, "latest_submission": "2026-04-03T01:30:00Z"},
            {"cohort": "b2", "mentors": 1, "mentees": 0, "pairs": 0, "latest_submission": None},
        ],
        "latest_submission": "2026-04-03T01:30:00Z",
        "suggested_as_of": "2026-04-03",
    }
    # the suggestion for one cohort alone is its own latest day; for a cohort with nothing, today
    with store.connect(small).connect() as conn:
        assert store.suggested_as_of(conn, ["a1"]).isoformat() == "2026-04-03"
        assert store.latest_submission(conn, ["b2"]) is None


def test_cohorts_never_creates_a_store(capsys, tmp_path):
    missing = tmp_path / "none.db"
    one_line_error(capsys, ["cohorts", "--db", f"sqlite:///{missing}"], 1, f"no mentorkit store at {missing}")
    assert not missing.exists()


def test_an_empty_store_says_how_to_fill_it(capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    store.connect(url)
    assert cli.main(["cohorts", "--db", url]) == 0
    assert capsys.readouterr().out.startswith("no cohorts yet: run `mentorkit demo` or import a roster")


def test_an_unknown_cohort_names_the_nearest_ids():
    known = ["2026-fall-ops", "2026-pilot-legal", "2026-spring-eng", "2026-spring-sales"]
    # "2026-spring-en" is one letter short of eng (ratio 28/29 = 0.97) and far from sales (0.84): eng alone
    assert unknown_cohort("2026-spring-en", known).message == (
        "unknown cohort '2026-spring-en' (did you mean 2026-spring-eng?)"
    )
    # "2026-spring" is as near eng (0.85) as sales (0.79): both
    assert "did you mean 2026-spring-eng or 2026-spring-sales?" in unknown_cohort("2026-spring", known).message
    # nothing near: where to look
    assert (
        unknown_cohort("nope", known).message == "unknown cohort 'nope' (`mentorkit cohorts` lists the store's cohorts)"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["score", "--cohort", "2026-spring-en"],
        ["status", "--cohort", "2026-spring-en"],
        ["invite", "--cohort", "2026-spring-en", "--form", "checkin", "--base-url", "https://forms.example.org/m/"],
        ["report", "--cohort", "2026-spring-en"],
    ],
)
def test_every_command_taking_a_cohort_suggests_the_nearest(capsys, sample_db, tmp_path, argv):
    out = ["--out", str(tmp_path / "out")] if argv[0] == "report" else []
    one_line_error(
        capsys, [*argv, *out, "--db", sample_db], 2, "unknown cohort '2026-spring-en' (did you mean 2026-spring-eng?)"
    )
    assert not (tmp_path / "out").exists()  # nothing written


def every_option(parser: argparse.ArgumentParser, path: tuple[str, ...] = ("mentorkit",)):
    """(command path, option or argument, its help) for every action of the parser and all its subparsers."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from every_option(sub, (*path, name))
            for choice in action._choices_actions:  # each subcommand's line in its parent's help
                yield (*path, choice.dest), "(the command)", choice.help
        else:
            yield path, "/".join(action.option_strings) or action.dest, action.help


def test_every_option_of_every_help_says_what_it_does():
    found = list(every_option(cli.build_parser()))
    missing = [(" ".join(path), name) for path, name, text in found if not (text or "").strip()]
    assert missing == []
    named = {(" ".join(path), name) for path, name, _ in found}
    # the walk reaches nested subcommands and the options that had none before
    assert ("mentorkit forms", "--port") in named and ("mentorkit score", "--cohort") in named
    assert ("mentorkit db check", "--db") in named and ("mentorkit cohorts", "--json") in named
    assert len({path for path, _, _ in found if len(path) == 2}) == len(cli.COMMANDS)
