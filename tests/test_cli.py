"""The command line: user errors are one line and a non-zero exit, never a traceback."""

from __future__ import annotations

import pytest

from mentorkit import cli
from tests.conftest import SAMPLE, SAMPLE_AS_OF, run_cli


def one_line_error(capsys, argv: list[str], code: int, text: str) -> None:
    assert cli.main(argv) == code
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    assert err.count("\n") == 0, err
    assert err.startswith("mentorkit: error: ") and text in err, err


# every command of `mentorkit --help`, as worked out by hand, each with a mistake of its user's:
# the arguments after the command, the exit code and what the one line says
USER_ERRORS = {
    "init": (["/proc/forbidden/ws"], 1, "cannot write /proc/forbidden/ws"),
    "demo": (["--db", "nonsense://"], 1, "no driver for nonsense"),
    "import": (["none.csv", "--instrument", "checkin"], 1, "none.csv: no such file"),
    "cohorts": ([], 1, "no mentorkit store at"),
    "score": (["--cohort", "../x"], 2, "not a cohort id: '../x'"),
    "report": (["--cohort", "x", "--jobs", "0"], 2, "--jobs must be at least 1"),
    "forms": (["--capacity", "0"], 2, "--capacity must be at least 1"),
    "invite": (["--cohort", "x"], 2, "invite needs --cohort, --form and --base-url"),
    "status": (["--cohort", "x", "--as-of", "2026-02-30"], 2, "not a date: '2026-02-30'"),
    "db": (["upgrade", "--db", "sqlite:////proc/forbidden/x.db"], 1, "cannot upgrade the database"),
    "forget": (["--email", "nobody@example.org"], 2, "no participant has that e-mail address"),
    "export": ([], 2, "export needs --out DIR"),
    "send": (
        ["invitations", "--cohort", "x", "--form", "checkin", "--from", "no address"],
        2,
        "--from: not one e-mail",
    ),
    "optout": (["--email", "nobody@example.org"], 2, "no participant has that e-mail address"),
}


def listed_commands(help_text: str) -> list[str]:
    """The commands the top-level help lists: the indented lines under COMMAND, up to the blank line."""
    lines = help_text.splitlines()
    start = lines.index("  COMMAND") + 1
    end = lines.index("", start)
    return [line.split()[0] for line in lines[start:end]]


def test_help_lists_every_command():
    result = run_cli("--help")
    assert result.returncode == 0
    listed = listed_commands(result.stdout)
    assert sorted(listed) == sorted(USER_ERRORS)
    # and the parser has no command the help leaves out
    choices = cli.build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert sorted(choices) == sorted(listed)


@pytest.mark.parametrize("command", list(USER_ERRORS))
@pytest.mark.slow
def test_every_command_gives_a_user_error_one_line(command, tmp_path):
    """A mistake of the user's, in the real command: one line on standard error, a non-zero exit, no traceback."""
    args, code, text = USER_ERRORS[command]
    env = {"MENTORKIT_HOME": str(tmp_path), "MENTORKIT_DB": f"sqlite:///{tmp_path / 'm.db'}"}
    result = run_cli(command, *args, env=env, cwd=tmp_path)
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"mentorkit: error: {text}"), result.stderr
    assert result.stdout == ""


@pytest.mark.slow
def test_help_names_db_check_and_the_accepted_years():
    assert "upgrade, status, check" in run_cli("--help").stdout
    db = " ".join(run_cli("db", "--help").stdout.split())
    assert "check find stored dates that cannot be read back (or lie outside 1900–2100)" in db
    imp = " ".join(run_cli("import", "--help").stdout.split())
    assert "in exports and the templates (submitted_at, reported_at)" in imp and "outside 1900–2100" in imp


def test_user_errors(capsys, sample_db, tmp_path):
    db = ["--db", sample_db]
    one_line_error(capsys, ["score", "--cohort", "nope", *db], 2, "unknown cohort 'nope'")
    one_line_error(capsys, ["score", "--cohort", "../x", *db], 2, "not a cohort id")
    one_line_error(capsys, ["score", "--cohort", "2026-fall-ops", "--as-of", "2026-13-01", *db], 2, "not a date")
    one_line_error(capsys, ["import", str(tmp_path / "none.csv"), "--instrument", "checkin", *db], 1, "no such file")
    one_line_error(capsys, ["score", "--cohort", "x", "--db", "nonsense://"], 1, "")
    one_line_error(
        capsys, ["score", "--cohort", "x", "--db", "sqlite:////proc/forbidden/x.db"], 1, "cannot open the database"
    )


def test_unreachable_postgres_is_one_line(capsys):
    one_line_error(
        capsys,
        ["score", "--cohort", "x", "--db", "postgresql://nobody@127.0.0.1:1/none"],
        1,
        "cannot open the database postgresql+psycopg://nobody@127.0.0.1:1/none",
    )


def test_bad_usage_exits_2():
    with pytest.raises(SystemExit) as info:
        cli.main(["import", "x.csv", "--instrument", "survey"])
    assert info.value.code == 2


@pytest.mark.slow
def test_score_table_shows_suppression(sample_db):
    result = run_cli("score", "--cohort", "2026-pilot-legal", "--as-of", SAMPLE_AS_OF, "--db", sample_db)
    assert result.returncode == 0
    assert "mean score       suppressed" in result.stdout
    assert "fewer than 5 people's answers behind it is hidden" in result.stdout
    assert "goal figures are the programme's own records and are never hidden" in result.stdout


@pytest.mark.slow
def test_import_prints_the_summary_and_quarantine_file(tmp_path):
    db = f"sqlite:///{tmp_path / 'x.db'}"
    assert run_cli("import", str(SAMPLE / "roster.csv"), "--instrument", "roster", "--db", db).returncode == 0
    result = run_cli("import", str(SAMPLE / "mentor_readiness.csv"), "--instrument", "mentor_readiness", "--db", db)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "read 20, accepted 17, duplicates 1, quarantined 2"
    assert lines[1].startswith("quarantined rows and reasons: ") and lines[1].endswith(".csv")


def test_an_import_that_accepts_nothing_exits_1_and_one_with_duplicates_only_exits_0(capsys, tmp_path):
    from tests.builders import ROSTER_HEADER
    from tests.conftest import write_csv

    db = ["--db", f"sqlite:///{tmp_path / 'x.db'}"]
    roster = write_csv(
        tmp_path / "roster.csv",
        ROSTER_HEADER,
        [
            ["c1", "m1", "mentor", "Ann Lee", "ann@example.com", "", "", "Eng"],
            ["c1", "e1", "mentee", "Cy Ng", "cy@example.com", "m1", "15/11/2026", "Eng"],
        ],
    )
    assert cli.main(["import", str(roster), "--instrument", "roster", *db]) == 0
    assert (
        capsys.readouterr().out
        == "read 2, accepted 2, updated 0, duplicates 0, quarantined 0; matched_on read as DD/MM/YYYY\n"
    )
    assert cli.main(["import", str(roster), "--instrument", "roster", *db]) == 0  # duplicates only: nothing new
    assert capsys.readouterr().out.startswith("read 2, accepted 0, updated 0, duplicates 2, quarantined 0")
    header = ["participant_id", "email", "submitted_at", "me01", "me02", "me03", "me04", "me05", "me06"]
    answers = write_csv(
        tmp_path / "mentee.csv",
        header,
        [
            ["e9", "", "2026-06-01T10:00:00Z", *["yes"] * 6],  # not on the roster
            ["e1", "", "03/04/2026", *["yes"] * 6],  # 3 April or 4 March
        ],
    )
    assert cli.main(["import", str(answers), "--instrument", "mentee_readiness", *db]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == "read 2, accepted 0, duplicates 0, quarantined 2"
    assert out.splitlines()[1].startswith("quarantined rows and reasons: ")  # the quarantine is written as ever
    assert err == (
        "mentorkit: nothing was accepted: all 2 rows of mentee.csv were quarantined "
        "(the reasons are in the quarantine file)\n"
    )
    assert cli.main(["import", str(answers), "--instrument", "mentee_readiness", "--date-order", "DMY", *db]) == 0
    assert capsys.readouterr().out.startswith("read 2, accepted 1, duplicates 0, quarantined 1")


def test_import_help_names_the_date_order():
    imp = " ".join(cli.build_parser()._subparsers._group_actions[0].choices["import"].format_help().split())  # type: ignore[union-attr]
    assert "--date-order {DMY,MDY}" in imp
    assert "DMY is 3 April, MDY is 4 March" in imp


def test_a_bug_is_still_one_line(monkeypatch, capsys, tmp_path):
    """The safety net: an unexpected exception (a bug) prints one line naming the file, exit 1."""
    from mentorkit.intake import ingest

    def broken(*_args, **_kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(ingest, "import_file", broken)
    code = cli.main(
        ["import", str(tmp_path / "x.csv"), "--instrument", "checkin", "--db", f"sqlite:///{tmp_path / 'd.db'}"]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("mentorkit: error: x.csv: internal error (KeyError: 'boom')")
    monkeypatch.setenv("MENTORKIT_DEBUG", "1")  # and the traceback when asked for
    with pytest.raises(KeyError):
        cli.main(
            ["import", str(tmp_path / "x.csv"), "--instrument", "checkin", "--db", f"sqlite:///{tmp_path / 'd.db'}"]
        )
