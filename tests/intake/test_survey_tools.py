"""Survey-tool exports, written by hand here as each tool writes them, imported unedited."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from mentorkit import instruments, store
from mentorkit.analysis import score
from mentorkit.errors import InputFileError
from mentorkit.intake import ingest
from tests.builders import ROSTER_HEADER, header, import_csv
from tests.conftest import write_csv
from tests.intake.test_ingest import ROSTER

MR = instruments.get("mentor_readiness")
ME = instruments.get("mentee_readiness")
# a roster with 5 mentors (m1…m5) so that readiness figures are not suppressed
ROSTER5 = [*ROSTER, *[["c1", f"m{i}", "mentor", f"Mentor {i}", f"m{i}@example.com", "", "", "Eng"] for i in (3, 4, 5)]]
MENTOR_EMAILS = {
    "m1": "ann@example.com",
    "m2": "bo@example.com",
    "m3": "m3@example.com",
    "m4": "m4@example.com",
    "m5": "m5@example.com",
}
# yes answers per mentor (first k items yes, the rest no)
MENTOR_YES = {"m1": 11, "m2": 9, "m3": 8, "m4": 5, "m5": 10}


@pytest.fixture
def programme(engine, tmp_path):
    result = ingest.import_file(engine, write_csv(tmp_path / "roster.csv", ROSTER_HEADER, ROSTER5), "roster")
    assert result.accepted == 8
    return engine


def qualtrics_rows(three_rows: bool = True) -> list[list[str]]:
    meta = [
        "StartDate",
        "EndDate",
        "Status",
        "IPAddress",
        "Progress",
        "Duration (in seconds)",
        "Finished",
        "RecordedDate",
        "ResponseId",
        "RecipientLastName",
        "RecipientFirstName",
        "RecipientEmail",
        "ExternalReference",
        "LocationLatitude",
        "LocationLongitude",
        "DistributionChannel",
        "UserLanguage",
    ]
    ids = [*meta, *[f"Q{i}" for i in range(1, 12)]]
    texts = [
        "Start Date",
        "End Date",
        "Response Type",
        "IP Address",
        "Progress",
        "Duration (in seconds)",
        "Finished",
        "Recorded Date",
        "Response ID",
        "Recipient Last Name",
        "Recipient First Name",
        "Recipient Email",
        "External Data Reference",
        "Location Latitude",
        "Location Longitude",
        "Distribution Channel",
        "User Language",
    ]
    questions = [f"{n}. {item.text}" for n, item in enumerate(MR.items, 1)]
    questions[10] = '11. do you want to "pay it forward"'  # straight quotes, lost "?", other case
    questions[2] = "3.  Do you enjoy   collaborative learning?"  # extra spaces
    importids = [
        json.dumps({"ImportId": c[0].lower() + c[1:], **({"timeZone": "America/Denver"} if "Date" in c else {})})
        for c in meta
    ] + [json.dumps({"ImportId": f"QID{i}"}) for i in range(1, 12)]
    rows = [ids, [*texts, *questions]] + ([importids] if three_rows else [])
    for n, (pid, yes) in enumerate(MENTOR_YES.items()):
        answers = ["Yes"] * yes + ["No"] * (11 - yes)
        duration = "15" if pid == "m4" else str(300 + 10 * n)  # m4 rushed through it
        rows.append(
            [
                "2026-03-14 08:00:00",
                f"2026-03-14 09:0{n}:00",
                "IP Address",
                "10.0.0.1",
                "100",
                duration,
                "True",
                f"2026-03-14 09:0{n}:01",
                f"R_{pid}abc",
                "",
                "",
                MENTOR_EMAILS[pid].upper(),
                "",
                "",
                "",
                "email",
                "EN",
                *answers,
            ]
        )
    rows.append(
        [
            "2026-03-14 08:00:00",
            "2026-03-14 10:00:00",
            "Survey Preview",
            "",
            "100",
            "40",
            "True",
            "2026-03-14 10:00:01",
            "R_preview",
            "",
            "",
            "ann@example.com",
            "",
            "",
            "",
            "preview",
            "EN",
            *["Yes"] * 11,
        ]
    )
    rows.append(
        [
            "2026-03-14 08:00:00",
            "2026-03-14 10:05:00",
            "IP Address",
            "",
            "100",
            "250",
            "True",
            "2026-03-14 10:05:01",
            "R_stranger",
            "",
            "",
            "stranger@example.com",
            "",
            "",
            "",
            "email",
            "EN",
            *["Yes"] * 11,
        ]
    )
    return rows


def write_rows(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.mark.slow
def test_qualtrics_three_row_export(programme, tmp_path):
    path = write_rows(tmp_path / "Mentor+readiness_March+14,+2026_10.05.csv", qualtrics_rows())
    result = ingest.import_file(programme, path, "mentor_readiness")
    assert result.source == "qualtrics"
    assert (result.read, result.accepted, result.duplicates, result.quarantined) == (7, 5, 0, 2)
    assert result.flags["speeder"] == 1  # 15 s against a median of 300 s
    reasons = [why for _, why in result.reasons]
    assert reasons == [
        "a survey preview, test or spam response, not a participant's answer",
        "email 'stranger@example.com' is not on the roster",
    ]
    with programme.connect() as conn:
        rows = dict(conn.execute(sa.select(store.submissions.c.participant_id, store.submissions.c.submitted_at)).all())
        flags = dict(conn.execute(sa.select(store.submissions.c.participant_id, store.submissions.c.flags)).all())
    # EndDate 09:00 in America/Denver (MDT, UTC−6 from 8 March 2026) → 15:00 UTC
    assert rows["m1"] == datetime(2026, 3, 14, 15, 0) and rows["m5"] == datetime(2026, 3, 14, 15, 4)
    assert flags["m4"] == "speeder" and flags["m1"] is None
    again = ingest.import_file(programme, path, "mentor_readiness")
    assert (again.accepted, again.duplicates, again.quarantined) == (0, 5, 2)  # keyed on ResponseId


def test_qualtrics_two_row_layout(programme, tmp_path):
    path = write_rows(tmp_path / "old.csv", qualtrics_rows(three_rows=False))
    result = ingest.import_file(programme, path, "mentor_readiness")
    assert result.source == "qualtrics" and result.accepted == 5
    with programme.connect() as conn:
        when = conn.execute(
            sa.select(store.submissions.c.submitted_at).where(store.submissions.c.participant_id == "m1")
        ).scalar_one()
    assert when == datetime(2026, 3, 14, 9, 0)  # no zone in the file: read as UTC (--timezone to change)


def google_rows() -> list[list[str]]:
    questions = [item.text for item in ME.items]
    questions[0] = "Do I have a sincere interest in learning"  # lost "?"
    questions[3] = "am i willing to be open and honest with myself and another person?"
    rows = [["Timestamp", "Email address", *questions]]
    answers = {
        "cy@example.com": ["Yes"] * 6,
        "DI@example.com": ["Yes", "No", "Yes", "Yes", "Yes", "Yes"],
        "ed@example.com": ["Yes", "Yes", "Yes", "", "", ""],
    }
    for n, (mail, values) in enumerate(answers.items()):
        rows.append([f"3/{14 + n}/2026 9:05:00", mail, *values])
    return rows


@pytest.mark.slow
def test_google_forms_export_windows_1252(programme, tmp_path):
    rows = google_rows()
    rows[1][1] = "cy@example.com"
    path = write_rows(tmp_path / "Mentee readiness (Responses) - Form Responses 1.csv", rows, encoding="cp1252")
    result = ingest.import_file(programme, path, "mentee_readiness", timezone="Europe/Berlin")
    assert result.source == "googleforms" and (result.accepted, result.quarantined) == (3, 0)
    assert result.flags["partial"] == 1
    with programme.connect() as conn:
        rows = dict(conn.execute(sa.select(store.submissions.c.participant_id, store.submissions.c.submitted_at)).all())
    assert rows == {
        "e1": datetime(2026, 3, 14, 8, 5),
        "e2": datetime(2026, 3, 15, 8, 5),
        "e3": datetime(2026, 3, 16, 8, 5),
    }
    assert ingest.import_file(programme, path, "mentee_readiness", timezone="Europe/Berlin").duplicates == 3


@pytest.mark.slow
def test_google_forms_day_first_dates(programme, tmp_path):
    rows = [
        ["Timestamp", "Email Address", *[i.text for i in ME.items]],
        ["14/03/2026 17:30:00", "cy@example.com", *["Yes"] * 6],
    ]
    result = ingest.import_file(programme, write_rows(tmp_path / "g.csv", rows), "mentee_readiness")
    with programme.connect() as conn:
        assert conn.execute(sa.select(store.submissions.c.submitted_at)).scalar_one() == datetime(2026, 3, 14, 17, 30)
    assert result.accepted == 1


def write_msforms(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.mark.slow
def test_microsoft_forms_checkin_xlsx(programme, tmp_path):
    checkin = instruments.get("checkin")
    statements = [i.text for i in checkin.items if i.id.startswith("rc_")]
    header = [
        "ID",
        "Start time",
        "Completion time",
        "Email",
        "Name",
        "Which mentee is this check-in about?",
        *statements,
        "Anything you would like to add? (optional)",
    ]
    rows = [
        [
            1,
            datetime(2026, 6, 1, 10, 0),
            datetime(2026, 6, 1, 10, 4),
            "ann@example.com",
            "Ann Lee",
            "e2",
            *["Agree"] * 7,
            "All good",
        ],  # straight-lining
        [
            2,
            datetime(2026, 6, 1, 11, 0),
            datetime(2026, 6, 1, 11, 6),
            "cy@example.com",
            "Cy Ng",
            "",
            "Agree",
            "Strongly agree",
            "Neutral",
            "Agree",
            "Disagree",
            "Agree",
            "Agree",
            "",
        ],
        [3, datetime(2026, 6, 1, 12, 0), datetime(2026, 6, 1, 12, 6), "anonymous", "", "", *["Agree"] * 7, ""],
    ]
    path = write_msforms(tmp_path / "Relationship check-in(1-3).xlsx", header, rows)
    result = ingest.import_file(programme, path, "checkin", timezone="Europe/London")
    assert result.source == "msforms"
    assert (result.read, result.accepted, result.quarantined) == (3, 2, 1)
    assert result.flags["straight_lining"] == 1
    assert [why for _, why in result.reasons] == ["no participant_id or email"]
    with programme.connect() as conn:
        got = conn.execute(
            sa.select(store.submissions.c.participant_id, store.submissions.c.submitted_at).order_by(
                store.submissions.c.submitted_at
            )
        ).all()
    assert [tuple(r) for r in got] == [("m1", datetime(2026, 6, 1, 9, 4)), ("e1", datetime(2026, 6, 1, 10, 6))]
    assert ingest.import_file(programme, path, "checkin", timezone="Europe/London").duplicates == 2


def test_missing_or_doubled_questions_are_file_errors(programme, tmp_path):
    rows = google_rows()
    short = [r[:-1] for r in rows]  # the last question is gone
    with pytest.raises(InputFileError, match=r"no column for 1 question.*me06"):
        ingest.import_file(programme, write_rows(tmp_path / "a.csv", short), "mentee_readiness")
    doubled = [[*r, r[2]] for r in rows]
    doubled[0][-1] = "1. " + ME.items[0].text
    with pytest.raises(InputFileError, match="both match me01"):
        ingest.import_file(programme, write_rows(tmp_path / "b.csv", doubled), "mentee_readiness")
    with programme.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.submissions)).scalar() == 0


@pytest.mark.slow
def test_map_file_for_other_wordings(programme, tmp_path):
    german = [
        "Habe ich ein aufrichtiges Interesse am Lernen?",
        "Bin ich bereit, Zeit zu investieren?",
        "Bin ich bereit, an meiner Entwicklung zu arbeiten?",
        "Bin ich bereit, offen und ehrlich zu sein?",
        "Bin ich bereit, kritisches Feedback anzuhören?",
        "Kann ich teilnehmen, ohne andere Aufgaben zu beeinträchtigen?",
    ]
    rows = [["Timestamp", "Email address", *german], ["3/14/2026 9:05:00", "cy@example.com", *["Yes"] * 6]]
    path = write_rows(tmp_path / "de.csv", rows)
    mapping = tmp_path / "map.yaml"
    mapping.write_text("\n".join(f'"{q}": me0{i}' for i, q in enumerate(german, 1)), "utf-8")
    with pytest.raises(InputFileError, match="use --map"):
        ingest.import_file(programme, path, "mentee_readiness")
    assert ingest.import_file(programme, path, "mentee_readiness", mapping=mapping).accepted == 1


@pytest.mark.slow
def test_exports_score_like_the_templates(tmp_path):
    """The Done-when check: a Qualtrics mentor export and a Google mentee export give the same figures."""
    urls = [f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"]
    for url in urls:
        ingest.import_file(store.connect(url), write_csv(tmp_path / "roster.csv", ROSTER_HEADER, ROSTER5), "roster")
    exports_db, templates_db = (store.connect(u) for u in urls)
    ingest.import_file(exports_db, write_rows(tmp_path / "q.csv", qualtrics_rows()), "mentor_readiness")
    ingest.import_file(exports_db, write_rows(tmp_path / "g.csv", google_rows()), "mentee_readiness")
    mentor_rows = [
        [pid, f"2026-03-14T15:0{n}:00Z", *(["yes"] * yes + ["no"] * (11 - yes))]
        for n, (pid, yes) in enumerate(MENTOR_YES.items())
    ]
    import_csv(
        templates_db,
        "mentor_readiness",
        header("mentor_readiness", "participant_id", "submitted_at"),
        mentor_rows,
        tmp_path,
    )
    mentee_rows = [
        ["e1", "2026-03-14T09:05:00Z", *["yes"] * 6],
        ["e2", "2026-03-15T09:05:00Z", "yes", "no", "yes", "yes", "yes", "yes"],
        ["e3", "2026-03-16T09:05:00Z", "yes", "yes", "yes", "", "", ""],
    ]
    import_csv(
        templates_db,
        "mentee_readiness",
        header("mentee_readiness", "participant_id", "submitted_at"),
        mentee_rows,
        tmp_path,
    )
    got = [
        score.score_cohort(store.load(e, ["c1"]), "c1", date(2026, 11, 15)).to_dict()
        for e in (exports_db, templates_db)
    ]
    assert got[0] == got[1]
    # by hand: mentors 100, 81.8, 72.7, 45.5, 90.9 → mean 78.18; ready 3, developing 1, not yet 1
    assert got[0]["mentor_readiness"]["mean_score"] == pytest.approx((11 + 9 + 8 + 5 + 10) / 5 / 11 * 100)
    assert got[0]["mentor_readiness"]["respondents"] == 5


CI = instruments.get("checkin")


@pytest.mark.parametrize(
    "template",
    [
        "How is it going? - {text}",  # Qualtrics matrix, spaced dash
        "How is it going?-{text}",  # 2016-era: no spaces
        "How is it going?: {text}",  # stem: statement
        "How is it going? [{text}]",  # Google Forms grid, row label = statement
        "How is it going? [{element}]",  # grid rows named by the element
        "How is it going? [{element} ]",  # a trailing space inside the brackets
        "{cut}...",  # the text cut to 40 characters + "..."
    ],
)
def test_matrix_grid_and_cut_headers_match_the_elements(template):
    from mentorkit.intake import survey_tools as exports

    headers = [
        template.format(text=i.text, element=i.element, cut=i.text[:40]) for i in CI.items if i.id.startswith("rc_")
    ]
    found = exports.match_questions(["Timestamp", *headers], CI, {}, "x.csv")
    # position 0 (Timestamp) matches nothing; positions 1…7 are the seven elements in order
    assert found == {n: i.id for n, i in enumerate(CI.items[:7], 1)}


def test_qualtrics_tag_is_a_fallback_and_map_can_name_tags(programme, tmp_path):
    """Row 2 in German matches nothing; the export tags do, directly (item ids) or through --map."""
    rows = qualtrics_rows()
    n_meta = rows[0].index("Q1")
    rows[0][n_meta:] = ["mr01", "mr02", *[f"custom_{k}" for k in range(3, 12)]]
    rows[1][n_meta:] = [f"Frage {k}" for k in range(1, 12)]
    path = write_rows(tmp_path / "tags.csv", rows)
    with pytest.raises(InputFileError, match="no column for 9 question"):
        ingest.import_file(programme, path, "mentor_readiness")
    mapping = tmp_path / "tags.yaml"
    mapping.write_text("\n".join(f"custom_{k}: mr{k:02d}" for k in range(3, 12)), "utf-8")
    result = ingest.import_file(programme, path, "mentor_readiness", mapping=mapping)
    assert (result.read, result.accepted, result.quarantined) == (7, 5, 2)


@pytest.mark.parametrize(
    ("zone", "option", "expected"),
    [
        ("Z", None, datetime(2026, 3, 14, 9, 0)),  # Z: UTC
        ("UTC", None, datetime(2026, 3, 14, 9, 0)),
        ("+01:00", None, datetime(2026, 3, 14, 8, 0)),
        ("America/Denver", "Europe/Berlin", datetime(2026, 3, 14, 8, 0)),  # --timezone wins: CET, UTC+1
        ("Z", "America/Denver", datetime(2026, 3, 14, 15, 0)),  # MDT, UTC−6
    ],
)
@pytest.mark.slow
def test_qualtrics_zone_spellings_and_the_option(programme, tmp_path, zone, option, expected):
    rows = qualtrics_rows()
    rows[2] = [c.replace("America/Denver", zone) for c in rows[2]]
    result = ingest.import_file(programme, write_rows(tmp_path / "z.csv", rows), "mentor_readiness", timezone=option)
    assert result.accepted == 5
    with programme.connect() as conn:
        when = conn.execute(
            sa.select(store.submissions.c.submitted_at).where(store.submissions.c.participant_id == "m1")
        ).scalar_one()
    assert when == expected  # m1's EndDate is 2026-03-14 09:00:00


def test_unknown_zone_in_the_file_asks_for_the_option(programme, tmp_path):
    rows = qualtrics_rows()
    rows[2] = [c.replace("America/Denver", "Mars/Olympus") for c in rows[2]]
    path = write_rows(tmp_path / "mars.csv", rows)
    with pytest.raises(InputFileError, match=r"^mars.csv: the export's time zone 'Mars/Olympus' is unknown; give one"):
        ingest.import_file(programme, path, "mentor_readiness")
    assert ingest.import_file(programme, path, "mentor_readiness", timezone="UTC").accepted == 5


def test_forced_microsoft_forms_source_without_its_columns_is_one_clear_error(tmp_path, sqlite_url):
    path = write_csv(tmp_path / "updates.csv", ["Q: Progress (%)", "status"], [])
    with pytest.raises(InputFileError, match=r"^updates\.csv: no 'Id' or 'Completion Time' column of a Microsoft"):
        ingest.import_file(store.connect(sqlite_url), path, "goal_updates", source="msforms")
