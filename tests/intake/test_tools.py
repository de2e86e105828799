"""SurveyMonkey, Typeform, REDCap and LimeSurvey exports written here as each tool lays them out:
every instrument, detection and ``--source``, the files that lack what the tool always writes,
``person:``, ``--dictionary`` and the answer codes (``../shared/SURVEY-TOOLS.md``)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from mentorkit import instruments, store
from mentorkit.errors import InputFileError, UsageError
from mentorkit.instruments import Instrument
from mentorkit.intake import ingest
from mentorkit.intake.tools import common
from tests.conftest import write_csv
from tests.intake.test_import_fuzz import run_in_process
from tests.intake.test_ingest import ROSTER_HEADER
from tests.intake.test_survey_tools import ROSTER5

TOOLS = ("surveymonkey", "typeform", "redcap", "limesurvey")
WHEN = datetime(2026, 3, 14, 9, 5, 33)  # every row's time below, as each tool writes it
WRITTEN = {
    "surveymonkey": "03/14/2026 09:05:33 AM",
    "typeform": "2026-03-14 09:05:33",
    "redcap": "2026-03-14 09:05:33",
    "limesurvey": "2026-03-14 09:05:33",
}
YES = {"surveymonkey": "Yes", "typeform": "1", "redcap": "1", "limesurvey": "Y"}  # each tool's yes


@pytest.fixture
def programme(tmp_path):
    engine = store.connect(f"sqlite:///{tmp_path / 'data' / 'mentorkit.db'}")
    assert (
        ingest.import_file(engine, write_csv(tmp_path / "roster.csv", ROSTER_HEADER, ROSTER5), "roster").accepted == 8
    )
    return engine


def write_rows(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def export(tool: str, path: Path, columns: list[str], rows: list[tuple[str, str, list[str]]]) -> Path:
    """A ``tool`` export of ``columns`` (question texts; REDCap: variable names) with rows of
    (response id, e-mail, cells), every row at ``WHEN``."""
    when = WRITTEN[tool]
    if tool == "surveymonkey":
        meta = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address"]
        table = [meta + columns, [""] * len(meta) + ["Response"] * len(columns)]
        table += [[rid, "7", when, when, "", mail, *cells] for rid, mail, cells in rows]
    elif tool == "typeform":
        table = [["#", *columns, "email", "Start Date (UTC)", "Submit Date (UTC)", "Network ID"]]
        table += [[rid, *cells, mail, when, when, "ab12"] for rid, mail, cells in rows]
    elif tool == "redcap":
        table = [["record_id", "redcap_survey_identifier", "form_a_timestamp", *columns, "email", "form_a_complete"]]
        table += [[rid, "", when, *cells, mail, "2"] for rid, mail, cells in rows]
    else:
        meta = ["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp", "email"]
        table = [meta + [f"{n} - {c}" for n, c in enumerate(columns, 1)]]
        table += [[rid, when, "2", "en", "1", when, when, mail, *cells] for rid, mail, cells in rows]
    return write_rows(path, table)


def answer(tool: str, kind: str, choices: tuple[str, ...]) -> str:
    """A valid answer of an item's kind, as the tool writes it."""
    return {
        "yesno": YES[tool],
        "likert5": "4",
        "percent": "40",
        "choice": choices[0] if choices else "",
        "date": "2026-05-01",
    }.get(kind, "some text")


def instrument_columns(tool: str, instrument: Instrument) -> tuple[list[str], list[str]]:
    """The columns and cells of one answer by e1 (m1 for a mentor's instrument) to ``instrument``: its
    items, and the template's own columns its rows need (a goal, a pair's mentor and mentee)."""
    extra = {"goal_id": "g1"} if instrument.subject == "goal" else {}
    if instrument.id == "goals":
        extra |= {"mentor_id": "m1", "mentee_id": "e1"}
    names = [i.id if tool == "redcap" else i.text for i in instrument.items]
    return [*extra, *names], [*extra.values(), *(answer(tool, i.kind, i.choices) for i in instrument.items)]


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.slow
def test_every_instrument_through_every_tool(programme, tmp_path, tool):
    """Each instrument of instruments.yaml, in its order (the agreement before its goal's updates), is
    detected, matched, placed and stored with the tool's time as UTC."""
    for kind, instrument in instruments.instruments().items():
        columns, cells = instrument_columns(tool, instrument)
        person = "ann@example.com" if instrument.role == "mentor" else "cy@example.com"
        path = export(tool, tmp_path / f"{kind}.csv", columns, [(f"{kind}-1", person, cells)])
        result = ingest.import_file(programme, path, kind)
        assert (result.source, result.read, result.accepted, result.quarantined) == (tool, 1, 1, 0), result.reasons
        with programme.connect() as conn:
            when = conn.execute(
                sa.select(store.submissions.c.submitted_at).where(store.submissions.c.instrument == kind)
            ).scalar_one()
        assert when == WHEN  # no --timezone: UTC
    with programme.connect() as conn:
        people = dict(conn.execute(sa.select(store.submissions.c.instrument, store.submissions.c.participant_id)).all())
    assert people == {
        "mentor_readiness": "m1",
        "mentee_readiness": "e1",
        "checkin": "e1",
        "goals": "e1",
        "goal_updates": "e1",
    }


@pytest.mark.parametrize(
    ("tool", "first"),
    [
        ("surveymonkey", "Respondent ID"),
        ("surveymonkey", "RespondentID"),  # older exports
        ("typeform", "#"),
        ("redcap", "record_id"),
        ("limesurvey", "id"),
        ("limesurvey", "Response ID"),
    ],
)
def test_detected_and_forced(programme, tmp_path, tool, first):
    me = instruments.get("mentee_readiness")
    columns = [i.id for i in me.items] if tool == "redcap" else [i.text for i in me.items]
    path = export(tool, tmp_path / "x.csv", columns, [("r1", "CY@example.com", [YES[tool]] * 6)])
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    rows[0][0] = first
    if first == "Response ID":  # question texts as headings: the metadata's texts
        rows[0][1:8] = [
            "Date submitted",
            "Last page",
            "Start language",
            "Seed",
            "Date started",
            "Date last action",
            "Email address",
        ]
    write_rows(path, rows)
    for source in ("auto", tool):
        result = ingest.import_file(programme, path, "mentee_readiness", source=source)
        assert (result.source, result.read) == (tool, 1)
    assert ingest.import_file(programme, path, "mentee_readiness").duplicates == 1


LACKING = [  # a file shaped like the tool without the column it always writes → (column removed, message)
    ("surveymonkey", "End Date", "no 'End Date' column"),
    ("typeform", "Submit Date (UTC)", "no 'Submit Date (UTC)' column"),
    ("redcap", "form_a_timestamp", "no 'form_a_timestamp' column"),
    ("limesurvey", "submitdate", "no 'submitdate' (or 'Date submitted') column"),
]


@pytest.mark.parametrize(("tool", "column", "message"), LACKING)
def test_a_file_without_the_tools_time_column_is_one_error_and_writes_nothing(tmp_path, tool, column, message):
    me = instruments.get("mentee_readiness")
    columns = [i.id for i in me.items] if tool == "redcap" else [i.text for i in me.items]
    path = export(tool, tmp_path / "answers.csv", columns, [("r1", "cy@example.com", [YES[tool]] * 6)])
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    at = rows[0].index(column)
    write_rows(path, [r[:at] + r[at + 1 :] for r in rows])
    url = f"sqlite:///{tmp_path / 'data' / 'mentorkit.db'}"
    code, out, err = run_in_process(["import", str(path), "--instrument", "mentee_readiness", "--db", url])
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mentorkit: error: answers.csv: ")
    assert message in lines[0]
    engine = store.connect(url)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.imports)).scalar_one() == 0


def test_dictionary_option_on_the_command_line(programme, tmp_path):
    """``--dictionary FILE``: REDCap columns by field label, radio codes as labels; on another tool's
    file it is a usage error."""
    me = instruments.get("mentee_readiness")
    path = export(
        "redcap",
        tmp_path / "rc.csv",
        [f"q{n}" for n in range(1, 7)],
        [("1", "cy@example.com", ["1", "0", "1", "1", "1", "1"])],
    )
    dictionary = [
        [
            "Variable / Field Name",
            "Form Name",
            "Section Header",
            "Field Type",
            "Field Label",
            "Choices, Calculations, OR Slider Labels",
        ],
        *[[f"q{n}", "form_a", "", "yesno", f"<p>{i.text}</p>", ""] for n, i in enumerate(me.items, 1)],
    ]
    dict_path = write_rows(tmp_path / "dictionary.csv", dictionary)
    url = str(programme.url)
    code, out, err = run_in_process(["import", str(path), "--instrument", "mentee_readiness", "--db", url])
    assert code == 1 and "--dictionary" in err
    code, out, err = run_in_process(
        ["import", str(path), "--instrument", "mentee_readiness", "--dictionary", str(dict_path), "--db", url]
    )
    assert code == 0 and out.startswith("read 1, accepted 1, duplicates 0, quarantined 0"), err
    other = export("typeform", tmp_path / "tf.csv", [i.text for i in me.items], [("t1", "cy@example.com", ["1"] * 6)])
    with pytest.raises(UsageError, match="--dictionary"):
        ingest.import_file(programme, other, "mentee_readiness", dictionary=dict_path)
    missing = tmp_path / "nowhere.csv"
    with pytest.raises(InputFileError, match=r"the data dictionary nowhere\.csv no such file"):
        ingest.import_file(programme, path, "mentee_readiness", dictionary=missing)


def test_redcap_radio_codes_outside_the_choices_and_as_written_without(programme, tmp_path):
    """Coded choices through the dictionary (``1, Strongly disagree | …``): a code not among them is
    quarantined naming the column and value; without a dictionary values are taken as written."""
    ci = instruments.get("checkin")
    variables = [i.id for i in ci.items if i.scored]
    rows = [("1", "cy@example.com", list("1234512")), ("2", "ed@example.com", list("5555559"))]
    path = export("redcap", tmp_path / "rc.csv", variables, rows)
    codes = "1, Strongly disagree | 2, Disagree | 3, Neither agree nor disagree | 4, Agree | 5, Strongly agree"
    dictionary = [
        ["Variable / Field Name", "Form Name", "Field Type", "Field Label", "Choices, Calculations, OR Slider Labels"]
    ]
    dictionary += [[v, "form_a", "dropdown", f"Label {v}", codes] for v in variables]
    dict_path = write_rows(tmp_path / "dictionary.csv", dictionary)
    result = ingest.import_file(programme, path, "checkin", dictionary=dict_path)
    assert (result.accepted, result.quarantined) == (1, 1)
    assert result.reasons == ((3, "rc_development: '9' is not one of the field's choices (1, 2, 3, 4, 5)"),)
    plain = store.connect(f"sqlite:///{tmp_path / 'plain.db'}")
    ingest.import_file(plain, write_csv(tmp_path / "roster.csv", ROSTER_HEADER, ROSTER5), "roster")
    result = ingest.import_file(plain, path, "checkin")
    assert result.reasons == ((3, "rc_development: '9' is not a 1–5 rating"),)


def test_person_names_a_surveymonkey_question_by_its_row_one_text(programme, tmp_path):
    me = instruments.get("mentee_readiness")
    columns = ["Your employee number", *(i.text for i in me.items)]
    path = export(
        "surveymonkey", tmp_path / "sm.csv", columns, [("1", "", ["e2", *["Yes"] * 6]), ("2", "", ["e1", *["No"] * 6])]
    )
    mapping = tmp_path / "map.yaml"
    mapping.write_text("person: your employee NUMBER\n", encoding="utf-8")
    result = ingest.import_file(programme, path, "mentee_readiness", mapping=mapping)
    assert (result.accepted, result.quarantined) == (2, 0)
    mapping.write_text("person: Employee\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"no column 'Employee', which the --map file names as person:"):
        ingest.import_file(programme, path, "mentee_readiness", mapping=mapping)
    mapping.write_text('person: "Your employee number"\n', encoding="utf-8")
    template = write_csv(tmp_path / "t.csv", ["participant_id", "submitted_at", "me01"], [["e1", "2026-01-01", "yes"]])
    with pytest.raises(UsageError, match="person:"):
        ingest.import_file(programme, template, "mentee_readiness", mapping=mapping)


def test_limesurvey_codes_na_and_uncertain(programme, tmp_path):
    """LimeSurvey's Y/N codes, ``N/A`` as no answer, ``U`` quarantined naming the column and value;
    check-in codes 1–5; Windows-1252 text."""
    me = instruments.get("mentee_readiness")
    rows = [
        ("1", "cy@example.com", ["Y", "N", "N/A", "Y", "Y", "Y"]),
        ("2", "di@example.com", ["Y", "U", "Y", "Y", "Y", "Y"]),
    ]
    path = export("limesurvey", tmp_path / "ls.csv", [i.text for i in me.items], rows)
    path.write_bytes(path.read_text(encoding="utf-8").replace(",en,", ",français,").encode("cp1252"))
    result = ingest.import_file(programme, path, "mentee_readiness")
    assert (result.accepted, result.quarantined) == (1, 1)
    assert result.reasons == (
        (
            3,
            "2 - Am I willing to commit time to developing and maintaining a mentoring relationship?: 'U' (Uncertain) is not a yes/no answer; answer yes or no",
        ),
    )
    with programme.connect() as conn:
        stored = dict(conn.execute(sa.select(store.answers.c.item_id, store.answers.c.value_num)).all())
    assert stored == {"me01": 1.0, "me02": 0.0, "me04": 1.0, "me05": 1.0, "me06": 1.0}  # me03 N/A: unanswered
    assert result.flags == {"partial": 1}


def test_typeform_partial_response_type_and_stage_date(programme, tmp_path):
    """A newer Typeform export: ``Response Type`` partial, no Submit Date, its Stage Date the time."""
    me = instruments.get("mentee_readiness")
    rows = [
        [
            "#",
            "Response Type",
            *(i.text for i in me.items),
            "email",
            "Start Date (UTC)",
            "Stage Date (UTC)",
            "Submit Date (UTC)",
        ]
    ]
    rows.append(
        ["a1", "partial", "1", "1", "", "", "", "", "cy@example.com", "2026-03-14 09:00:00", "2026-03-14 09:02:00", ""]
    )
    rows.append(
        [
            "a2",
            "completed",
            *["1"] * 6,
            "di@example.com",
            "2026-03-14 09:00:00",
            "2026-03-14 09:04:00",
            "2026-03-14 09:04:00",
        ]
    )
    result = ingest.import_file(
        programme, write_rows(tmp_path / "tf.csv", rows), "mentee_readiness", timezone="Europe/Berlin"
    )
    assert (result.accepted, result.quarantined) == (2, 0) and result.flags == {"partial": 1}
    with programme.connect() as conn:
        got = dict(conn.execute(sa.select(store.submissions.c.participant_id, store.submissions.c.submitted_at)).all())
    assert got == {"e1": datetime(2026, 3, 14, 9, 2), "e2": datetime(2026, 3, 14, 9, 4)}  # UTC: Berlin ignored


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "<strong>Do I</strong> have a <em>sincere</em> interest in learning?",
            "Do I have a sincere interest in learning?",
        ),
        ("Line one<br>line two<br/><p>three</p>", "Line one line two three"),
        ("Fish &amp; chips&nbsp;today", "Fish & chips\u00a0today".replace("\u00a0", " ")),
        ("Age < 18 or > 65", "Age < 18 or > 65"),
    ],
)
def test_html_in_headers_does_not_matter(text, expected):
    assert common.strip_html(text) == expected


def test_a_time_a_clock_change_skips_is_quarantined_with_why(programme, tmp_path):
    """SurveyMonkey's End Date 02:30 on 29 March 2026 does not exist in Berlin (clocks jump 02:00 → 03:00);
    a time with its own offset keeps it."""
    me = instruments.get("mentee_readiness")
    path = export(
        "surveymonkey", tmp_path / "sm.csv", [i.text for i in me.items], [("1", "cy@example.com", ["Yes"] * 6)]
    )
    text = path.read_text(encoding="utf-8").replace("03/14/2026 09:05:33 AM", "03/29/2026 02:30:00 AM")
    path.write_text(
        text + "2,7,x,2026-03-29T02:30:00+01:00,,di@example.com,Yes,Yes,Yes,Yes,Yes,Yes\r\n", encoding="utf-8"
    )
    result = ingest.import_file(programme, path, "mentee_readiness", timezone="Europe/Berlin")
    assert result.reasons == (
        (3, "End Date: '03/29/2026 02:30:00 AM' is skipped or repeated by a clock change in Europe/Berlin"),
    )
    with programme.connect() as conn:
        assert conn.execute(sa.select(store.submissions.c.submitted_at)).scalar_one() == datetime(2026, 3, 29, 1, 30)


def test_the_readme_map_for_redcap_without_a_dictionary(programme, tmp_path):
    """The README's redcap-checkin.yaml: variables rc1…rc7 and comments, the record id as the person."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("# redcap-checkin.yaml")[1].split("```")[0].split("\n", 1)[1]
    mapping = tmp_path / "redcap-checkin.yaml"
    mapping.write_text(block, encoding="utf-8")
    columns = [f"rc{n}" for n in range(1, 8)] + ["comments"]
    path = export("redcap", tmp_path / "records.csv", columns, [("e3", "", [*"4444455", "fine"])])
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    write_rows(path, [[c for n, c in enumerate(r) if n != len(r) - 2] for r in rows])  # no email field
    result = ingest.import_file(programme, path, "checkin", mapping=mapping, timezone="America/Chicago")
    assert (result.accepted, result.quarantined) == (1, 0)
    with programme.connect() as conn:
        who, when = conn.execute(sa.select(store.submissions.c.participant_id, store.submissions.c.submitted_at)).one()
    assert (who, when) == ("e3", datetime(2026, 3, 14, 14, 5, 33))  # 09:05:33 CDT (UTC−5 after 8 March)


def test_a_blank_email_address_column_quarantines_each_row(programme, tmp_path):
    """A web-link collector leaves SurveyMonkey's Email Address blank: with no question asking for an
    e-mail, each row names nobody (quarantined), and the file is no error."""
    me = instruments.get("mentee_readiness")
    path = export("surveymonkey", tmp_path / "sm.csv", [i.text for i in me.items], [("1", "", ["Yes"] * 6)])
    result = ingest.import_file(programme, path, "mentee_readiness")
    assert (result.read, result.quarantined) == (1, 1) and result.reasons == ((3, "no participant_id or email"),)


@pytest.mark.parametrize("tool", TOOLS)
def test_a_header_only_export_reads_nothing(programme, tmp_path, tool):
    """An export with its headers and no response imports nothing (the quality flags of no rows)."""
    for kind, instrument in instruments.instruments().items():
        columns, _cells = instrument_columns(tool, instrument)
        result = ingest.import_file(programme, export(tool, tmp_path / f"{kind}.csv", columns, []), kind)
        assert (result.source, result.read, result.accepted) == (tool, 0, 0)


def test_a_redcap_variable_matches_only_as_an_item_id_or_map_entry(programme, tmp_path):
    """Without a dictionary the variable ``goal`` is not the item "Goal" (title): variables are not texts;
    a CSV --map with a ``person`` row names the record id as the person."""
    goals = instruments.get("goals")
    columns = ["goal_id", "mentor_id", "mentee_id", "goal", *[i.id for i in goals.items if i.id != "title"]]
    row = ["g7", "m1", "e1", "Learn SQL", "", "2026-05-01", "2026-09-01", "1", "1"]
    path = export("redcap", tmp_path / "rc.csv", columns, [("1", "", row)])
    with pytest.raises(InputFileError, match=r"no column for 1 question: title “Goal”.*--dictionary"):
        ingest.import_file(programme, path, "goals")
    mapping = write_csv(tmp_path / "map.csv", ["question", "item"], [["goal", "title"], ["person", "record_id"]])
    result = ingest.import_file(programme, path, "goals", mapping=mapping)
    assert (result.accepted, result.quarantined) == (1, 0)
