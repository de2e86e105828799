"""Real SurveyMonkey, Typeform, REDCap and LimeSurvey exports, carrying mentorkit's questions.

As in ``test_real_exports``: each test reads a file of ``../shared/real-exports/`` (see its
``SOURCES.md``), keeps its layout (header rows, metadata columns and their cells, quoting, BOM,
line endings, stray bytes, date formats, answer codes), swaps the other survey's questions and
respondents for mentorkit's questions and the people of a small roster, imports it and checks the
accounting, who was matched, the UTC times, the answers and the flags against values worked out
by hand. Nothing of those files is copied into this repository; the tests skip without them.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from mentorkit import instruments, store
from mentorkit.errors import InputFileError
from mentorkit.intake import ingest
from tests.conftest import write_csv
from tests.intake.test_ingest import ROSTER_HEADER
from tests.intake.test_real_exports import EMAIL, REAL, read_layout, real_file, write_like
from tests.intake.test_survey_tools import ROSTER5

pytestmark = pytest.mark.skipif(
    REAL is None, reason="../shared/real-exports is not beside the checkout (set MENTORKIT_REAL_EXPORTS)"
)

MR = instruments.get("mentor_readiness")
ME = instruments.get("mentee_readiness")
CI = instruments.get("checkin")
STATEMENTS = [i.text for i in CI.items if i.id.startswith("rc_")]
RC = [i.id for i in CI.items if i.id.startswith("rc_")]


@pytest.fixture
def programme(tmp_path):
    engine = store.connect(f"sqlite:///{tmp_path / 'data' / 'mentorkit.db'}")
    result = ingest.import_file(engine, write_csv(tmp_path / "roster.csv", ROSTER_HEADER, ROSTER5), "roster")
    assert result.accepted == 8
    return engine


def stored(engine) -> list[tuple[str, datetime, dict[str, object], str | None]]:
    """(participant, submitted_at, {item: answer}, flags) of every stored submission, in time order."""
    s, a = store.submissions, store.answers
    with engine.connect() as conn:
        subs = conn.execute(sa.select(s.c.submission_id, s.c.participant_id, s.c.submitted_at, s.c.flags)).all()
        ans = conn.execute(sa.select(a.c.submission_id, a.c.item_id, a.c.value_num, a.c.value_text)).all()
    by_id: dict[int, dict[str, object]] = {}
    for sid, item, num, text in ans:
        by_id.setdefault(sid, {})[item] = num if num is not None else text
    return sorted(((pid, when, by_id.get(sid, {}), flags) for sid, pid, when, flags in subs), key=lambda r: r[1])


def nothing_stored(engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(store.submissions)).scalar_one() == 0


def yes_no(n_yes: int, total: int) -> list[str]:
    return ["Yes"] * n_yes + ["No"] * (total - n_yes)


def raw_rows(path: Path, encoding: str) -> list[list[str]]:
    """A real file's rows, decoded byte for byte (stray bytes kept), whatever its line endings."""
    return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding), newline="")))


def write_bytes(path: Path, rows: list[list[str]], newline: str, final: bool, encoding: str, quote=None) -> Path:
    """Rows joined as a tool writes them: ``quote(cell)`` decides which cells are quoted."""

    def cell(c: str) -> str:
        needs = quote(c) if quote else any(ch in c for ch in ',"\r\n')
        return '"' + c.replace('"', '""') + '"' if needs else c

    text = newline.join(",".join(cell(c) for c in r) for r in rows) + (newline if final else "")
    path.write_bytes(text.encode(encoding))
    return path


LIKERT = {
    "1": "Strongly disagree",
    "2": "Disagree",
    "3": "Neither agree nor disagree",
    "4": "Agree",
    "5": "Strongly agree",
}

# --- SurveyMonkey ------------------------------------------------------------------------------

GGWASH = "ajturner-dc-elections/2022_anc.head2.csv"


def ggwash_rows(questions: list[str], labels: list[str]) -> tuple[list[str], list[str]]:
    """The GGWash export's two header rows: its metadata block and four-column contact question kept,
    then ``questions`` over ``labels``."""
    layout = read_layout(real_file(GGWASH))
    row1, row2 = layout.rows[0], layout.rows[1]
    assert row1[:9] == [
        "Respondent ID",
        "Collector ID",
        "Start Date",
        "End Date",
        "IP Address",
        "Email Address",
        "First Name",
        "Last Name",
        "Custom Data 1",
    ]
    assert row2[:9] == [""] * 9 and row2[9:13] == row2[9:13] and row1[10:13] == ["", "", ""]
    keep = 13  # the metadata and "Contact information" (Name, Email, social media, fundraising link)
    return row1[:keep] + questions, row2[:keep] + labels


def test_surveymonkey_checkin_matrix_full_metadata_new_york(programme, tmp_path):
    """GGWash questionnaire: full metadata block, CRLF, no final line break, a matrix matched by its row-2
    statements, M/D/YY H:MM dates as a spreadsheet re-saves them, in New York time."""
    stem = "How far do you agree with each statement about your mentoring relationship?"
    about = "Which mentee is this check-in about? (mentors only)"
    questions = [stem] + [""] * 6 + ["Anything you would like to add? (optional)", about]
    labels = [*STATEMENTS, "Open-Ended Response", "Response"]
    labels[0] = labels[0].replace("equally engaged", "“equally engaged”")  # curly quotes, as the real file mixes
    row1, row2 = ggwash_rows(questions, labels)
    layout = read_layout(real_file(GGWASH))
    assert layout.newline == "\r\n" and not layout.bom
    layout = replace(layout, final_newline=False)  # the excerpt ends a record; the full file has no final line break
    rows = [row1, row2]
    # (Respondent ID, End Date, e-mail, ratings, comment, about) — IDs descending, newest first
    plan = [
        ("114020553811", "8/24/22 9:32", EMAIL["e1"].upper(), "4455445", "Good start", ""),
        ("114020550002", "8/23/22 18:05", EMAIL["m2"], "3333333", "", ""),
        ("114020549913", "8/22/22 15:44", EMAIL["m1"], "5454545", "", "e2"),
        ("114020549000", "8/22/22 15:40", EMAIL["e3"], "22 3222", "", ""),
        ("114020548101", "8/22/22 12:01", "stranger@example.org", "5555555", "", ""),
        ("114020553811", "8/24/22 9:32", EMAIL["e1"].upper(), "4455445", "Good start", ""),  # exported twice
    ]
    for rid, end, mail, ratings, comment, who in plan:
        contact = ["A Person", mail.lower(), "", "N/A"]
        meta = [rid, "404979342", end, end, "192.0.2.1", mail, "", "", ""]
        ratings_as_labels = [LIKERT.get(r, "") for r in ratings]  # labels, as SurveyMonkey writes them
        rows.append(meta + contact + ratings_as_labels + [comment, who])
    path = write_like(layout, rows, tmp_path / "Check-in.csv")
    assert path.read_bytes().startswith(b"Respondent ID,Collector ID") and not path.read_bytes().endswith(b"\n")
    result = ingest.import_file(programme, path, "checkin", timezone="America/New_York")
    assert result.source == "surveymonkey"
    assert (result.read, result.accepted, result.duplicates, result.quarantined) == (6, 4, 1, 1)
    assert [why for _, why in result.reasons] == ["email 'stranger@example.org' is not on the roster"]
    got = {(p, w): (a, f) for p, w, a, f in stored(programme)}
    # EDT (UTC−4) in August: 9:32 → 13:32, 18:05 → 22:05, 15:44 → 19:44, 15:40 → 19:40
    assert set(got) == {
        ("e1", datetime(2022, 8, 24, 13, 32)),
        ("m2", datetime(2022, 8, 23, 22, 5)),
        ("m1", datetime(2022, 8, 22, 19, 44)),
        ("e3", datetime(2022, 8, 22, 19, 40)),
    }
    e1 = got[("e1", datetime(2022, 8, 24, 13, 32))][0]
    assert e1 == {**dict(zip(RC, [4.0, 4.0, 5.0, 5.0, 4.0, 4.0, 5.0], strict=True)), "comment": "Good start"}
    e3, e3_flags = got[("e3", datetime(2022, 8, 22, 19, 40))]
    assert "rc_relationship" not in e3 and e3_flags == "partial"  # one rating left blank
    assert got[("m2", datetime(2022, 8, 23, 22, 5))][1] == "straight_lining"  # 3 everywhere
    assert result.flags == {"partial": 1, "straight_lining": 1}
    again = ingest.import_file(programme, path, "checkin", timezone="America/New_York")
    assert (again.accepted, again.duplicates, again.quarantined) == (0, 5, 1)  # keyed on Respondent ID


def test_surveymonkey_person_by_custom_data_web_link(programme, tmp_path):
    """GGWash layout through a web link (Email Address blank): ``person: "Custom Data 1"`` names the
    participant ids; readiness questions as one-column questions (row 2 ``Response``)."""
    row1, row2 = ggwash_rows([i.text for i in ME.items], ["Response"] * 6)
    layout = read_layout(real_file(GGWASH))
    rows = [row1, row2]
    plan = [("e1", 6), ("e2", 4), ("E9", 6), ("m1", 6), ("", 6)]
    for n, (pid, yes) in enumerate(plan):
        meta = [f"11402055{9000 - n:04d}", "404979342", "8/22/22 15:44", f"8/22/22 15:4{n}", "", "", "", "", pid]
        rows.append([*meta, "", "", "", "", *yes_no(yes, 6)])
    path = write_like(layout, rows, tmp_path / "Mentee readiness.csv")
    without = ingest.import_file(programme, path, "mentee_readiness")
    assert (without.read, without.accepted, without.quarantined) == (5, 0, 5)  # nobody: Email Address is blank
    assert {why for _, why in without.reasons} == {"no participant_id or email"}
    mapping = tmp_path / "map.yaml"
    mapping.write_text('person: "Custom Data 1"\n', encoding="utf-8")
    result = ingest.import_file(programme, path, "mentee_readiness", mapping=mapping)
    assert (result.read, result.accepted, result.quarantined) == (5, 2, 3)
    assert [why for _, why in result.reasons] == [
        "participant_id 'E9' is not on the roster",
        "m1 is a mentor; mentee readiness is for mentees",
        "no participant_id or email",
    ]
    got = stored(programme)
    assert [(p, w) for p, w, _a, _f in got] == [
        ("e1", datetime(2022, 8, 22, 15, 40)),
        ("e2", datetime(2022, 8, 22, 15, 41)),
    ]
    assert sum(got[1][2].values()) == 4.0  # type: ignore[arg-type]


STARWARS = "fivethirtyeight-data/StarWars.head15.csv"


def starwars_rows(with_dates: bool) -> list[list[str]]:
    """The Star Wars export's header rows (RespondentID, the six-film multi-select, the stray bytes
    after "…Expanded Universe?") with the mentor checklist as one-column questions."""
    real = raw_rows(real_file(STARWARS), "cp1252")
    row1, row2, data = real[0], real[1], real[2:]
    assert row1[0] == "RespondentID" and row1[4:9] == [""] * 5 and row2[3].startswith("Star Wars: Episode I ")
    universe = next(i for i, h in enumerate(row1) if h.startswith("Do you consider yourself to be a fan of the Exp"))
    assert row1[universe].endswith("?\u0152\u00e6")  # 0x8C 0xE6 read as Windows-1252
    meta1 = ["RespondentID", *(["End Date", "Email Address"] if with_dates else [])]
    meta2 = [""] * len(meta1)
    rows = [
        meta1 + row1[3:9] + [row1[universe]] + [i.text for i in MR.items],
        meta2 + row2[3:9] + ["Response"] + ["Response"] * 11,
    ]
    plan = [
        ("m1", 11, "03/14/2026 09:05:33 AM"),
        ("m2", 9, "03/14/2026 01:15:00 PM"),
        ("m3", 0, "03/15/2026 12:00:00 AM"),
    ]
    for cells, (pid, yes, end) in zip(data, plan, strict=False):
        meta = [cells[0], *([end, EMAIL[pid]] if with_dates else [])]
        rows.append(meta + cells[3:9] + ["No"] + (yes_no(yes, 11) if yes else [""] * 11))
    return rows


def test_surveymonkey_without_end_date_is_one_error_and_then_imports(programme, tmp_path):
    """FiveThirtyEight's Star Wars file keeps only RespondentID: no End Date is a file error naming it;
    with End Date and Email Address back (SurveyMonkey's own MM/DD/YYYY HH:MM:SS AM/PM) it imports.
    Windows-1252 bytes, LF, no final line break, as the real file."""
    path = write_bytes(tmp_path / "sw.csv", starwars_rows(with_dates=False), "\n", False, "cp1252")
    assert b"?\x8c\xe6," in path.read_bytes()
    with pytest.raises(InputFileError, match=r"^sw\.csv: no 'End Date' column"):
        ingest.import_file(programme, path, "mentor_readiness")
    assert nothing_stored(programme)
    path = write_bytes(tmp_path / "sw.csv", starwars_rows(with_dates=True), "\n", False, "cp1252")
    result = ingest.import_file(programme, path, "mentor_readiness", source="surveymonkey")
    # m3 answered none of our questions (the real second row answered one question only)
    assert (result.read, result.accepted, result.duplicates, result.quarantined) == (3, 2, 0, 1)
    assert [why for _, why in result.reasons] == ["no answers"]
    got = stored(programme)
    # no --timezone: UTC; 09:05:33 AM and 01:15:00 PM
    assert [(p, w) for p, w, _a, _f in got] == [
        ("m1", datetime(2026, 3, 14, 9, 5, 33)),
        ("m2", datetime(2026, 3, 14, 13, 15)),
    ]
    assert got[1][2]["mr09"] == 1.0 and got[1][2]["mr10"] == 0.0 and sum(got[1][2].values()) == 9.0  # type: ignore[arg-type]


def test_surveymonkey_html_in_question_and_partial_respondent(programme, tmp_path):
    """FiveThirtyEight's steak survey: a question text with HTML line breaks, row 2 ``Response``
    throughout, a respondent who answered only the first question; ASCII, LF, final line break."""
    layout = read_layout(real_file("fivethirtyeight-data/steak-risk-survey.head15.csv"))
    row1, row2, data = layout.rows[0], layout.rows[1], layout.rows[2:]
    assert "<br>" in row1[1] and set(row2[1:]) == {"Response"} and data[0][2:] == [""] * 13
    questions = [i.text for i in ME.items]
    questions[0] = "Do I have a sincere <br>interest in learning?<br><br>"
    questions[4] = "Am I willing to <strong>listen</strong> to critical feedback?"
    rows = [
        ["RespondentID", "End Date", "Email Address", *questions, *row1[-2:]],
        ["", "", "", *["Response"] * 6, *row2[-2:]],
    ]
    plan = [(data[0], "e1", ["Yes"] + [""] * 5), (data[1], "e2", yes_no(5, 6)), (data[2], "e3", yes_no(6, 6))]
    for n, (cells, pid, answers) in enumerate(plan):
        rows.append([cells[0], f"3/1/26 10:0{n}", EMAIL[pid], *answers, *cells[-2:]])
    path = write_like(layout, rows, tmp_path / "mentee.csv")
    result = ingest.import_file(programme, path, "mentee_readiness", timezone="Europe/Paris")
    assert (result.read, result.accepted, result.quarantined) == (3, 3, 0)
    assert result.flags == {"partial": 1}  # e1 answered one question of six
    got = {p: (w, a) for p, w, a, _f in stored(programme)}
    assert got["e1"] == (datetime(2026, 3, 1, 9, 0), {"me01": 1.0})  # 10:00 CET (UTC+1)
    assert got["e2"][1]["me05"] == 1.0 and got["e2"][1]["me06"] == 0.0


# --- Typeform ----------------------------------------------------------------------------------

OSMI = "tongsantan-Mental-Health-Modelling/OSMI Mental Health in Tech Survey {}.head15.csv"


def test_typeform_resaved_html_headers_one_zero_and_utc(programme, tmp_path):
    """OSMI 2017: ``#`` tokens, HTML in the questions, Yes/No as 1/0, CRLF, dates re-saved by a
    spreadsheet (M/D/YYYY H:MM); Submit Date is UTC whatever --timezone says."""
    layout = read_layout(real_file(OSMI.format(2017)))
    header, data = layout.rows[0], layout.rows[1:]
    assert (
        layout.newline == "\r\n"
        and header[0] == "#"
        and header[-3:] == ["Start Date (UTC)", "Submit Date (UTC)", "Network ID"]
    )
    questions = [f"<strong>{i.text}</strong>" if n % 2 else i.text for n, i in enumerate(ME.items)]
    questions[2] = "Am I willing to work on my <em>own</em> growth and development?"
    head = ["#", header[1], *questions, "What is your <strong>work e-mail</strong> address?", *header[-3:]]
    rows = [head]
    plan = {"e1": "111111", "e2": "101110", "e3": "000001"}
    for cells, (pid, answers) in zip(data, plan.items(), strict=False):
        rows.append([cells[0], cells[1], *list(answers), EMAIL[pid], *cells[-3:]])
    path = write_like(layout, rows, tmp_path / "responses.csv")
    result = ingest.import_file(programme, path, "mentee_readiness", timezone="Asia/Tokyo")
    assert result.source == "typeform"
    assert (result.read, result.accepted, result.duplicates, result.quarantined) == (3, 3, 0, 0)
    got = {p: (w, a) for p, w, a, _f in stored(programme)}
    # the real Submit Dates 5/16/2018 12:42, 5/16/2018 12:40, 5/9/2018 5:46, in UTC (Tokyo ignored)
    assert [got[p][0] for p in plan] == [
        datetime(2018, 5, 16, 12, 42),
        datetime(2018, 5, 16, 12, 40),
        datetime(2018, 5, 9, 5, 46),
    ]
    assert got["e2"][1] == {"me01": 1.0, "me02": 0.0, "me03": 1.0, "me04": 1.0, "me05": 1.0, "me06": 0.0}
    assert sum(got["e3"][1].values()) == 1.0  # type: ignore[arg-type]
    again = ingest.import_file(programme, path, "mentee_readiness")
    assert (again.accepted, again.duplicates) == (0, 3)  # keyed on #


def test_typeform_checkin_opinion_scale_hidden_email_iso_dates(programme, tmp_path):
    """OSMI 2018 as downloaded: LF, ISO dates, an answer starting with a space quoted; the check-in as
    opinion scales 1–5, the person by the hidden field ``email`` (as newer exports write it)."""
    layout = read_layout(real_file(OSMI.format(2018)))
    header, data = layout.rows[0], layout.rows[1:]
    assert layout.newline == "\n" and data[0][-3] == "2018-12-29 23:46:38"
    head = ["#", *STATEMENTS, "Anything you would like to add? (optional)", "Which mentee is this about?", "email"]
    rows = [head + header[-3:]]
    plan = [("e1", "4445544", " It's going well", ""), ("m1", "2323232", "", "e2"), ("e3", "5555555", "", "")]
    plan.append(("m1", "4444444", "", ""))  # a mentor of two mentees who does not say which: quarantined
    for cells, (pid, ratings, comment, about) in zip(data, plan, strict=False):
        rows.append([cells[0], *list(ratings), comment, about, EMAIL[pid], *cells[-3:]])
    path = write_bytes(
        tmp_path / "checkin.csv", rows, "\n", True, "utf-8", quote=lambda c: c.startswith(" ") or "," in c or '"' in c
    )
    assert b'," It\'s going well",' in path.read_bytes()
    result = ingest.import_file(programme, path, "checkin")
    assert (result.read, result.accepted, result.quarantined) == (4, 3, 1)
    assert [why for _, why in result.reasons] == ["about is needed: m1 mentors 2 mentees"]
    assert result.flags == {"partial": 0, "straight_lining": 1}  # e3 rated 5 everywhere
    got = {p: (w, a) for p, w, a, _f in stored(programme)}
    assert got["e1"][0] == datetime(2018, 12, 30, 0, 0, 3)
    assert got["m1"][0] == datetime(2018, 12, 27, 21, 45, 45)
    assert got["e1"][1]["comment"] == "It's going well" and got["e1"][1]["rc_collaboration"] == 5.0


# --- REDCap ------------------------------------------------------------------------------------

REDCAP_DATA, REDCAP_DICT = "OuhscBbmc-REDCapR/data.csv", "OuhscBbmc-REDCapR/dictionary.csv"
LIKERT_CODES = "0, Strongly disagree | 1, Disagree | 2, Neither agree nor disagree | 3, Agree | 4, Strongly agree"


def fputcsv(cell: str) -> bool:
    """PHP ``fputcsv``'s rule, as REDCap writes: a cell with a space, comma, quote or line break is quoted."""
    return any(ch in cell for ch in ' ,"\n\r\t')


def redcap_files(tmp_path: Path, records: list[dict[str, str]], variables: list[str]) -> tuple[Path, Path]:
    """REDCapR's survey project with its morale questionnaire replaced by a ``relationship_checkin``
    survey (its fields ``variables``), as REDCap exports the records and the data dictionary."""
    data = read_layout(real_file(REDCAP_DATA))
    header, real = data.rows[0], data.rows[1:]
    assert (
        header[0] == "participant_id"
        and real[0][header.index("participant_morale_questionnaire_timestamp")] == "[not completed]"
    )
    assert (
        data.newline == "\n" and data.final_newline and b'"2018-03-06 15:52:43"' in real_file(REDCAP_DATA).read_bytes()
    )
    start = header.index("participant_morale_questionnaire_timestamp")
    end = header.index("participant_morale_questionnaire_complete")
    ours = ["relationship_checkin_timestamp", *variables, "comment", "relationship_checkin_complete"]
    new_header = header[:start] + ours + header[end + 1 :]
    rows = [new_header]
    for n, record in enumerate(records):
        base = dict(zip(header, real[min(n, 1)], strict=True))
        base["participant_id"] = str(n + 1)
        rows.append([record.get(h, base.get(h, "")) for h in new_header])
    data_path = write_bytes(tmp_path / "data.csv", rows, "\n", True, "utf-8", quote=fputcsv)
    dictionary = read_layout(real_file(REDCAP_DICT))
    drows = [r for r in dictionary.rows if r[1] != "participant_morale_questionnaire"]
    at = next(i for i, r in enumerate(dictionary.rows) if r[1] == "participant_morale_questionnaire")
    mine = [
        [v, "relationship_checkin", "", "radio", s, LIKERT_CODES] + [""] * 12
        for v, s in zip(variables, STATEMENTS, strict=True)
    ]
    mine[0][4] = (
        "<strong>We are equally engaged</strong>: each of us has responsibilities, a role to play and something to gain."
    )
    mine.append(
        ["comment", "relationship_checkin", "", "notes", "Anything you would like to add? (optional)", ""] + [""] * 12
    )
    drows = drows[:at] + mine + drows[at:]
    dict_path = write_bytes(tmp_path / "dictionary.csv", drows, "\n", True, "utf-8", quote=fputcsv)
    return data_path, dict_path


RECORDS = [
    # REDCapR's two real states: "[not completed]" (Save & Return Later) and blank (never opened)
    {"email": EMAIL["e1"], "relationship_checkin_timestamp": "[not completed]", "relationship_checkin_complete": "0"},
    {"email": EMAIL["e2"], "relationship_checkin_timestamp": "", "relationship_checkin_complete": "0"},
    {
        "email": EMAIL["e3"],
        "relationship_checkin_timestamp": "2018-03-06 15:54:02",
        "relationship_checkin_complete": "2",
    },
    {
        "email": EMAIL["m2"],
        "relationship_checkin_timestamp": "2018-03-07 09:01:00",
        "relationship_checkin_complete": "0",
    },
    {
        "email": EMAIL["e1"],
        "relationship_checkin_timestamp": "2018-03-08 10:00:00",
        "relationship_checkin_complete": "2",
    },
]
CODES = {3: "3342334", 4: "12     ", 5: "3732333"}  # record → its seven codes (blank: unanswered)


def redcap_records(variables: list[str]) -> list[dict[str, str]]:
    records = [dict(r) for r in RECORDS]
    for n, codes in CODES.items():
        records[n - 1] |= {v: c.strip() for v, c in zip(variables, codes, strict=True)}
    records[2]["comment"] = "We meet every week, on Tuesdays"
    return records


def test_redcap_survey_with_dictionary_codes_labels_and_states(programme, tmp_path):
    """REDCapR's survey project: record id ``participant_id``, ``[not completed]`` and blank timestamps,
    ``<form>_complete`` 0/2, PHP quoting; the check-in coded 0–4, read through the data dictionary."""
    variables = [f"rc{n}" for n in range(1, 8)]
    data, dictionary = redcap_files(tmp_path, redcap_records(variables), variables)
    assert b',"[not completed]",' in data.read_bytes() and b',"2018-03-06 15:54:02",' in data.read_bytes()
    with pytest.raises(InputFileError, match=r"no column for 7 questions.*--dictionary"):
        ingest.import_file(programme, data, "checkin")
    assert nothing_stored(programme)
    result = ingest.import_file(programme, data, "checkin", dictionary=dictionary, timezone="America/Chicago")
    assert result.source == "redcap"
    assert (result.read, result.accepted, result.duplicates, result.quarantined) == (5, 2, 0, 3)
    assert [why for _, why in result.reasons] == [
        "relationship_checkin_timestamp is '[not completed]': the survey was saved, never submitted, so it has no time",
        "relationship_checkin_timestamp is empty: the survey was not submitted, so it has no time",
        "rc2: '7' is not one of the field's choices (0, 1, 2, 3, 4)",
    ]
    got = {p: (w, a, f) for p, w, a, f in stored(programme)}
    # CST (UTC−6) before the 11 March 2018 change: 15:54:02 → 21:54:02, 09:01 → 15:01
    assert got["e3"][0] == datetime(2018, 3, 6, 21, 54, 2)
    # codes 3 3 4 2 3 3 4 → Agree Agree Strongly agree Neither … → 4 4 5 3 4 4 5
    assert got["e3"][1] == {
        **dict(zip(RC, [4.0, 4.0, 5.0, 3.0, 4.0, 4.0, 5.0], strict=True)),
        "comment": "We meet every week, on Tuesdays",
    }
    assert got["m2"][0] == datetime(2018, 3, 7, 15, 1)
    assert got["m2"][1] == {"rc_reciprocity": 2.0, "rc_learning": 3.0} and got["m2"][2] == "partial"  # complete 0
    assert result.flags["partial"] == 1
    again = ingest.import_file(programme, data, "checkin", dictionary=dictionary, timezone="America/Chicago")
    assert (again.accepted, again.duplicates, again.quarantined) == (0, 2, 3)  # record id with the form


def test_redcap_item_id_variables_and_the_record_id_through_person(programme, tmp_path):
    """Without a dictionary, variables named as the item ids match and values are taken as written; the
    record id ``participant_id`` names nobody unless ``person:`` says so."""
    records = redcap_records(RC)
    for n, codes in CODES.items():  # as written: the codes are now 1–5 ratings
        records[n - 1] |= {v: str(int(c) + 1) if c.strip() else "" for v, c in zip(RC, codes, strict=True)}
    data, _dictionary = redcap_files(tmp_path, records, RC)
    rows = list(csv.reader(io.StringIO(data.read_text(encoding="utf-8"))))
    mail_at = rows[0].index("email")
    rows = [r[:mail_at] + r[mail_at + 1 :] for r in rows]  # a project without an email field
    for row, pid in zip(rows[1:], ["e1", "e2", "e3", "m2", "e1"], strict=True):
        row[0] = pid  # the record ids are the participant ids, in the field participant_id
    write_bytes(data, rows, "\n", True, "utf-8", quote=fputcsv)
    with pytest.raises(InputFileError, match=r"no field 'email'.*person:"):
        ingest.import_file(programme, data, "checkin")
    assert nothing_stored(programme)
    mapping = tmp_path / "map.yaml"
    mapping.write_text("person: participant_id\n", encoding="utf-8")
    result = ingest.import_file(programme, data, "checkin", mapping=mapping)
    # records 1 and 2 have no time; record 5's "8" is no 1–5 rating
    assert (result.read, result.accepted, result.quarantined) == (5, 2, 3)
    assert result.reasons[2] == (6, "rc_learning: '8' is not a 1–5 rating")
    got = {p: (w, a) for p, w, a, _f in stored(programme)}
    assert got["e3"] == (
        datetime(2018, 3, 6, 15, 54, 2),
        {
            **dict(zip(RC, [4.0, 4.0, 5.0, 3.0, 4.0, 4.0, 5.0], strict=True)),
            "comment": "We meet every week, on Tuesdays",
        },
    )


# --- LimeSurvey --------------------------------------------------------------------------------

CPP = "andreldm-cpp-survey/results-survey.head15.csv"


def test_limesurvey_full_texts_incomplete_responses_sao_paulo(programme, tmp_path):
    """andreldm's LimeSurvey export: full question texts numbered ``N - ``, arrays ``text [statement]``
    with labels, every value quoted, LF; 5 responses opened and never answered, 2 partial, 7 complete."""
    layout = read_layout(real_file(CPP))
    header, data = layout.rows[0], layout.rows[1:]
    assert header[:6] == [
        "Response ID",
        "Date submitted",
        "Last page",
        "Start language",
        "Date started",
        "Date last action",
    ]
    assert len(data) == 14 and b'"",""' in real_file(CPP).read_bytes()
    stem = "28 - How far do you agree with each of the following statements?"
    mail = next(h for h in header if h.startswith("Please enter your e-mail"))
    head = header[:7] + [f"{stem} [{s}]" for s in STATEMENTS] + ["29 - Which mentee is this about?", mail]
    labels = {
        "1": "Strongly disagree",
        "2": "Disagree",
        "3": "Neither agree nor disagree",
        "4": "Agree",
        "5": "Strongly agree",
        "-": "N/A",
    }
    plan = {  # response id → (person, ratings, about); the real rows' states and times kept
        "8": ("e1", "4445444", ""),
        "9": ("e2", "3334333", ""),
        "11": ("e3", "45-----", ""),  # partial: Last page 1, no Date submitted
        "12": ("e3", "4444444", ""),
        "15": ("m2", "3------", ""),  # partial: Last page 0
        "16": ("m2", "5545455", ""),
        "17": ("m1", "4343434", "e2"),
        "18": ("stranger@example.org", "5555555", ""),
        "20": ("m1", "3333334", ""),  # no about: m1 mentors e1 and e2
    }
    rows = [head]
    for cells in data:
        person, ratings, about = plan.get(cells[0], ("", "", ""))
        answers = [labels[r] for r in ratings] if ratings else [""] * 7
        rows.append(cells[:7] + answers + [about, EMAIL.get(person, person)])
    path = tmp_path / "results-survey.csv"
    buf = io.StringIO(newline="")
    csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))
    result = ingest.import_file(programme, path, "checkin", timezone="America/Sao_Paulo")
    assert result.source == "limesurvey"
    assert (result.read, result.accepted, result.duplicates, result.quarantined) == (14, 7, 0, 7)
    assert Counter(why for _, why in result.reasons) == {
        "no participant_id or email": 5,  # the five opened and never answered
        "email 'stranger@example.org' is not on the roster": 1,
        "about is needed: m1 mentors 2 mentees": 1,
    }
    assert result.flags == {"partial": 2, "straight_lining": 1}
    got = stored(programme)
    # BRT (UTC−3), no daylight saving in August 2016; a partial response at its Date last action
    assert (got[0][0], got[0][1]) == ("e2", datetime(2016, 8, 27, 23, 7, 55))  # submitted 20:07:55
    assert (got[1][0], got[1][1]) == ("e3", datetime(2016, 8, 27, 23, 7, 59))  # 20:07:59, partial
    assert got[1][2] == {"rc_reciprocity": 4.0, "rc_learning": 5.0} and got[1][3] == "partial"
    assert (got[2][0], got[2][1]) == ("e1", datetime(2016, 8, 27, 23, 10, 12))
    when = {(p, w) for p, w, _a, _f in got}
    assert ("m2", datetime(2016, 8, 28, 2, 6, 37)) in when  # response 15: 23:06:37 last action
    assert ("m1", datetime(2016, 8, 28, 3, 38, 41)) in when  # response 17: 00:38:41 on the 28th
    again = ingest.import_file(programme, path, "checkin", timezone="America/Sao_Paulo")
    assert (again.accepted, again.duplicates, again.quarantined) == (0, 7, 7)  # keyed on the response id


def test_limesurvey_code_headings_yn_u_and_map(programme, tmp_path):
    """EncuestasUNC's raw export header (BOM, CRLF, code headings, ``seed``): its rows' formats — every
    value quoted, NULL bare, ISO dates — with a Yes/No/Uncertain array coded Y/N/U and the ``email``
    token attribute; codes matched through --map."""
    layout = read_layout(real_file("crismz-EncuestasUNC/results-survey.head1.csv"))
    header = layout.rows[0]
    assert (
        layout.bom
        and layout.newline == "\r\n"
        and header[:7]
        == [
            "id",
            "submitdate",
            "lastpage",
            "startlanguage",
            "seed",
            "startdate",
            "datestamp",
        ]
    )
    assert "P5[O1]" in header
    codes = [f"READY[SQ00{n}]" for n in range(1, 7)]
    head = [*header[:7], "email", header[7], *codes]
    plan = [
        ("1", "2025-03-17 21:19:03", "e1", "YYYYYY"),
        ("2", "2025-03-17 21:25:40", "e2", "YNYUYY"),  # Uncertain: no yes/no answer
        ("3", "", "e3", "YY    "),  # incomplete: no submitdate
        ("4", "2025-03-18 08:00:00", "e3", "NNNNNN"),
    ]
    lines = ['"' + '","'.join(head) + '"']
    for rid, submitted, pid, answers in plan:
        cells = [
            f'"{rid}"',
            f'"{submitted}"',
            '"2"',
            '"es-AR"',
            '"123456"',
            '"2025-03-17 21:10:00"',
            '"2025-03-18 07:00:00"',
        ]
        cells += [f'"{EMAIL[pid]}"', '""']
        cells += [f'"{a}"' if a.strip() else "" for a in answers]  # a question not shown: NULL, bare
        lines.append(",".join(cells))
    path = tmp_path / "results-survey.csv"
    path.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode("utf-8"))
    with pytest.raises(InputFileError, match=r"no column for 6 questions"):
        ingest.import_file(programme, path, "mentee_readiness")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("".join(f'"{c}": me0{n}\n' for n, c in enumerate(codes, 1)), encoding="utf-8")
    result = ingest.import_file(
        programme, path, "mentee_readiness", mapping=mapping, timezone="America/Argentina/Cordoba"
    )
    assert (result.read, result.accepted, result.quarantined) == (4, 3, 1)
    assert result.reasons == ((3, "READY[SQ004]: 'U' (Uncertain) is not a yes/no answer; answer yes or no"),)
    assert result.flags == {"partial": 1}
    got = stored(programme)
    # ART (UTC−3): 21:19:03 → 00:19:03 next day; the incomplete one at its datestamp 07:00 → 10:00
    assert [(p, w) for p, w, _a, _f in got] == [
        ("e1", datetime(2025, 3, 18, 0, 19, 3)),
        ("e3", datetime(2025, 3, 18, 10, 0)),
        ("e3", datetime(2025, 3, 18, 11, 0)),
    ]
    assert got[1][2] == {"me01": 1.0, "me02": 1.0} and got[1][3] == "partial"
    assert sum(got[2][2].values()) == 0.0  # type: ignore[arg-type]


def test_limesurvey_without_metadata_is_one_error(programme, tmp_path):
    """PLR_tool_AP's export was re-saved without the metadata columns (codes, Y/N, CRLF): forced as
    LimeSurvey, it is one error naming submitdate, and nothing is written."""
    path = real_file("cvanbuckhave-PLR_tool_AP/results-survey.csv")
    with pytest.raises(InputFileError, match=r"^results-survey\.csv: no 'submitdate' \(or 'Date submitted'\) column"):
        ingest.import_file(programme, path, "mentee_readiness", source="limesurvey")
    assert nothing_stored(programme)
