"""Outputs that cannot destroy: ``--out`` replaces only an earlier output of the same command.

Every CSV mentorkit writes guards its cells and its header against spreadsheet formulas, and a
destructive step (``invite --rotate``) runs only once every argument is known good.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from mentorkit import cli, store
from mentorkit.forms import links
from mentorkit.intake import ingest
from tests.conftest import write_csv

BASE = "https://forms.example.com/mentoring/"
COHORT = "2026-pilot-legal"  # the sample's small cohort: 3 mentors, 3 mentees
LATER = datetime(2030, 1, 1, tzinfo=UTC)


def one_line(capsys, argv: list[str], code: int, text: str) -> str:
    assert cli.main(argv) == code
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and "internal error" not in err, err
    assert err.count("\n") == 0 and err.startswith("mentorkit: error: ") and text in err, err
    return err


def store_file(url: str) -> Path:
    return Path(sa.make_url(url).database)


@pytest.mark.parametrize("command", ["status", "invite"])
def test_out_naming_the_store_is_refused_and_the_store_is_unchanged(capsys, sample_copy, command):
    db = store_file(sample_copy)
    before = db.read_bytes()
    argv = [command, "--cohort", COHORT, "--db", sample_copy, "--out", str(db)]
    if command == "invite":
        argv += ["--form", "checkin", "--base-url", BASE]
    one_line(capsys, argv, 1, "is not an earlier")
    assert db.read_bytes() == before
    store.dispose_all()
    assert store.connect(sample_copy).connect().execute(sa.text("SELECT count(*) FROM participants")).scalar() > 0


@pytest.mark.parametrize("secret", ["link-secret", "export-secret"])
def test_out_naming_a_secret_is_refused(capsys, sample_copy, tmp_path, secret):
    links.make_token("M-LEG-01", "checkin", LATER)  # makes data/link-secret
    path = tmp_path / "data" / secret
    if not path.exists():
        path.write_text("ab" * 32 + "\n")
        path.chmod(0o600)
    before = path.read_bytes()
    one_line(capsys, ["status", "--cohort", COHORT, "--db", sample_copy, "--out", str(path)], 1, "is not an earlier")
    assert path.read_bytes() == before


def test_out_naming_another_file_or_a_folder_is_refused(capsys, sample_db, tmp_path):
    notes = tmp_path / "notes.csv"
    notes.write_text("participant_id,name\nM-1,someone's own table\n")
    argv = ["status", "--cohort", COHORT, "--db", sample_db, "--out"]
    one_line(capsys, [*argv, str(notes)], 1, "is not an earlier status CSV")
    assert notes.read_text() == "participant_id,name\nM-1,someone's own table\n"
    one_line(capsys, [*argv, str(tmp_path)], 1, "is a folder")
    empty = tmp_path / "empty.csv"
    empty.touch()
    one_line(capsys, [*argv, str(empty)], 1, "is not an earlier status CSV")


def test_out_replaces_an_earlier_output_of_the_same_command_only(capsys, sample_db, tmp_path):
    out = tmp_path / "due.csv"
    status = ["status", "--cohort", COHORT, "--db", sample_db, "--out", str(out), "--as-of", "2026-11-15"]
    assert cli.main(status) == 0
    first = out.read_text()
    assert first.splitlines()[0] == "participant_id,name,email,role,due,form,about,detail,link,expires,mail"
    out.write_text(first.splitlines()[0] + "\nstale,row\n")
    assert cli.main(status) == 0  # an earlier status CSV (its header) is replaced
    assert out.read_text() == first
    out.write_text("participant_id,name,email,role,due,form,about,detail,link,expires\nstale,row\n")
    assert cli.main(status) == 0  # and one from before the mail column
    assert out.read_text() == first
    capsys.readouterr()
    invite = ["invite", "--cohort", COHORT, "--form", "checkin", "--base-url", BASE, "--db", sample_db]
    one_line(capsys, [*invite, "--out", str(out)], 1, "is not an earlier invite CSV")  # a status CSV is not an invite
    assert out.read_text() == first
    links_csv = tmp_path / "links.csv"
    assert cli.main([*invite, "--out", str(links_csv)]) == 0
    assert cli.main([*invite, "--out", str(links_csv)]) == 0
    assert links_csv.read_text().splitlines()[0] == "participant_id,name,email,role,form,link,expires"


@pytest.mark.parametrize(
    "bad",
    [
        ["--cohort", "nope", "--form", "checkin", "--base-url", BASE],
        ["--cohort", COHORT, "--form", "checkin", "--base-url", "forms/"],
        ["--cohort", COHORT, "--form", "checkin", "--base-url", BASE, "--expires-days", "0"],
    ],
)
def test_rotate_with_a_bad_argument_voids_nothing(capsys, sample_db, bad):
    token = links.make_token("M-LEG-01", "checkin", LATER)
    one_line(capsys, ["invite", "--rotate", *bad, "--db", sample_db], 2, "")
    assert links.read_token(token, "checkin") == "M-LEG-01"  # still valid: nothing was voided


def test_rotate_with_an_out_it_must_not_replace_voids_nothing(capsys, sample_db, tmp_path):
    token = links.make_token("M-LEG-01", "checkin", LATER)
    other = tmp_path / "other.csv"
    other.write_text("a,b\n")
    argv = ["invite", "--rotate", "--cohort", COHORT, "--form", "checkin", "--base-url", BASE, "--db", sample_db]
    one_line(capsys, [*argv, "--out", str(other)], 1, "is not an earlier invite CSV")
    assert links.read_token(token, "checkin") == "M-LEG-01"
    assert other.read_text() == "a,b\n"


def test_quarantine_csv_guards_its_header_and_cells(engine, tmp_path):
    """A hostile column name and cell reach the quarantine file as text, not as formulas."""
    header = ["cohort_id", "participant_id", "role", "name", "email", "mentor_id", "matched_on", '=HYPERLINK("x")']
    rows = [["2026-x", "M-1", "boss", "+SUM(A1)", "m@example.com", "", "", "@cmd"]]  # role 'boss': quarantined
    result = ingest.import_file(engine, write_csv(tmp_path / "roster.csv", header, rows), "roster")
    assert result.quarantined == 1 and result.quarantine_file is not None
    with Path(result.quarantine_file).open(newline="", encoding="utf-8") as fh:
        written = list(csv.reader(fh))
    assert written[0][-1] == '\'=HYPERLINK("x")'
    assert written[1][written[0].index("name")] == "'+SUM(A1)" and written[1][-1] == "'@cmd"
    assert not any(cell[:1] in "=+-@" for line in written for cell in line if cell)


def test_report_out_that_is_the_store_or_a_folder_of_other_files_is_refused(capsys, sample_copy, tmp_path):
    db = store_file(sample_copy)
    data = db.parent
    before = sorted(p.name for p in data.iterdir())
    report = ["report", "--cohort", COHORT, "--as-of", "2026-11-15", "--db", sample_copy, "--out"]
    one_line(capsys, [*report, str(data)], 2, "holds other files (not an earlier report run)")
    one_line(capsys, [*report, str(db)], 2, "is a file")
    assert sorted(p.name for p in data.iterdir()) == before
