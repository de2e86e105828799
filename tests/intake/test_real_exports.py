"""Real survey-tool exports, carrying mentorkit's questions: every layout imports with the right people.

The files in ``../shared/real-exports/`` (beside the checkout; see its ``SOURCES.md``) are exports
that survey tools wrote for other surveys. Each test reads one, keeps everything about its
layout (header rows, metadata columns and their cells, quoting, BOM, line endings, date formats,
workbook table, styles and hyperlinks) and swaps the other survey's questions and respondents for
mentorkit's questions and the people of a small roster. It then imports the file and checks the
accounting, who was matched, the UTC times and the stored answers against values worked out by
hand. Nothing of those files is copied into this repository: they are read at test time, and the
tests skip when the folder is absent.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from mentorkit import instruments, store
from mentorkit.intake import ingest
from tests.conftest import write_csv
from tests.intake.test_ingest import ROSTER_HEADER
from tests.intake.test_survey_tools import ROSTER5


def _real_exports() -> Path | None:
    here = Path(__file__).resolve()
    candidates = [os.environ.get("MENTORKIT_REAL_EXPORTS", ""), here.parents[3] / "shared" / "real-exports"]
    for c in candidates:
        if c and Path(c, "SOURCES.md").is_file():
            return Path(c)
    return None


REAL = _real_exports()
pytestmark = pytest.mark.skipif(
    REAL is None, reason="../shared/real-exports is not beside the checkout (set MENTORKIT_REAL_EXPORTS)"
)

MR = instruments.get("mentor_readiness")
ME = instruments.get("mentee_readiness")
CI = instruments.get("checkin")
STATEMENTS = [i.text for i in CI.items if i.id.startswith("rc_")]
EMAIL = {
    "m1": "ann@example.com",
    "m2": "bo@example.com",
    "m3": "m3@example.com",
    "m4": "m4@example.com",
    "m5": "m5@example.com",
    "e1": "cy@example.com",
    "e2": "di@example.com",
    "e3": "ed@example.com",
}


def real_file(relative: str) -> Path:
    assert REAL is not None
    path = REAL / relative
    if not path.is_file():
        pytest.skip(f"{relative} is not in {REAL}")
    return path


@dataclass
class CsvLayout:
    """How a real CSV is written: its rows, and the bytes around them."""

    rows: list[list[str]]
    bom: bool
    newline: str
    final_newline: bool


def read_layout(path: Path) -> CsvLayout:
    data = path.read_bytes()
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    newline = "\r\n" if "\r\n" in text and text.count("\r\n") >= len(rows) - 1 else "\n"
    return CsvLayout(rows, data.startswith(b"\xef\xbb\xbf"), newline, text.endswith(("\n", "\r")))


def write_like(layout: CsvLayout, rows: list[list[str]], path: Path) -> Path:
    """Rows written as the real file was: same BOM, line ending, final newline and minimal quoting."""
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator=layout.newline, quoting=csv.QUOTE_MINIMAL).writerows(rows)
    text = buf.getvalue()
    if not layout.final_newline:
        text = text[: -len(layout.newline)]
    path.write_bytes((b"\xef\xbb\xbf" if layout.bom else b"") + text.encode("utf-8"))
    return path


@pytest.fixture
def programme(tmp_path):
    engine = store.connect(f"sqlite:///{tmp_path / 'data' / 'mentorkit.db'}")
    result = ingest.import_file(engine, write_csv(tmp_path / "roster.csv", ROSTER_HEADER, ROSTER5), "roster")
    assert result.accepted == 8
    return engine


def stored(engine) -> dict[str, tuple[datetime, dict[str, object]]]:
    """participant → (submitted_at, {item: answer}) of every stored submission."""
    s, a = store.submissions, store.answers
    with engine.connect() as conn:
        subs = conn.execute(sa.select(s.c.submission_id, s.c.participant_id, s.c.submitted_at)).all()
        ans = conn.execute(sa.select(a.c.submission_id, a.c.item_id, a.c.value_num, a.c.value_text)).all()
    by_id: dict[int, dict[str, object]] = {}
    for sid, item, num, text in ans:
        by_id.setdefault(sid, {})[item] = num if num is not None else text
    return {pid: (when, by_id.get(sid, {})) for sid, pid, when in subs}


def yes_no(n_yes: int, total: int) -> list[str]:
    return ["Yes"] * n_yes + ["No"] * (total - n_yes)


# --- Qualtrics ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_qualtrics_api_export_numeric_german_labels(programme, tmp_path):
    """ropensci/qualtRics sample.csv: three header rows, German row 2, numeric coding, no timeZone."""
    layout = read_layout(real_file("ropensci-qualtRics/sample.csv"))
    tags, texts, ids, data = layout.rows[0], layout.rows[1], layout.rows[2], layout.rows[3]
    n_meta = tags.index("Q1")  # StartDate … UserLanguage: 17 metadata columns, kept as they are
    assert n_meta == 17 and texts[11] == "E-Mail des Empfängers"
    q_tags = [f"Q{n}" for n in range(1, 9)] + ["Q8 - Topics"]  # as the real file: a text-analytics column
    q_texts = [*STATEMENTS, "Anything you would like to add? (optional)", "Q8 - Topics"]
    q_ids = [json.dumps({"ImportId": f"QID{n}"}, separators=(",", ":")) for n in range(1, 8)] + [
        '{"ImportId":"QID8_TEXT"}',
        '{"ImportId":"QID8_TEXT_eae5a8d0e7fd4bd183e983e5Topics"}',
    ]
    rows = [tags[:n_meta] + q_tags, texts[:n_meta] + q_texts, ids[:n_meta] + q_ids]
    meta = data[:n_meta]
    email_at, rid_at, end_at = tags.index("RecipientEmail"), tags.index("ResponseId"), tags.index("EndDate")
    people = {
        "e1": ("2017-07-18 08:28:48", ["4", "5", "4", "4", "3", "4", "5"], "Hello World!"),
        "m2": ("2017-07-19 17:05:00", ["2", "3", "2", "3", "2", "2", "3"], ""),
        "e2": ("2017-07-20 09:00:00", ["5", "", "5", "5", "5", "5", "5"], ""),
    }
    for n, (pid, (end, ratings, comment)) in enumerate(people.items()):
        cells = list(meta)
        cells[email_at], cells[rid_at], cells[end_at] = EMAIL[pid], f"{meta[rid_at]}{n}", end
        rows.append(cells + ratings + [comment, ""])
    path = write_like(layout, rows, tmp_path / "sample.csv")
    result = ingest.import_file(programme, path, "checkin")
    assert result.source == "qualtrics"
    assert (result.read, result.accepted, result.duplicates, result.quarantined) == (3, 3, 0, 0)
    got = stored(programme)
    assert set(got) == {"e1", "m2", "e2"}
    # no timeZone in the ImportId row and no --timezone: the EndDate is UTC as it stands
    assert got["e1"][0] == datetime(2017, 7, 18, 8, 28, 48)
    assert got["m2"][0] == datetime(2017, 7, 19, 17, 5)
    assert got["e1"][1] == {
        "rc_reciprocity": 4.0,
        "rc_learning": 5.0,
        "rc_relationship": 4.0,
        "rc_partnership": 4.0,
        "rc_collaboration": 3.0,
        "rc_goals": 4.0,
        "rc_development": 5.0,
        "comment": "Hello World!",
    }
    assert "rc_learning" not in got["e2"][1] and len(got["e2"][1]) == 6  # a blank rating is unanswered
    assert result.flags["partial"] == 1  # e2 left one rating blank
    again = ingest.import_file(programme, path, "checkin")
    assert (again.accepted, again.duplicates) == (0, 3)  # keyed on ResponseId


@pytest.mark.slow
def test_qualtrics_api_export_timezone_option_wins(programme, tmp_path):
    """The same layout with "timeZone":"Z" (an API export): Z is UTC; --timezone overrides it."""
    layout = read_layout(real_file("ropensci-qualtRics/sample.csv"))
    tags, texts, ids, data = layout.rows[0], layout.rows[1], layout.rows[2], layout.rows[3]
    n_meta = tags.index("Q1")
    zoned = [c.replace('"}', '","timeZone":"Z"}') if "Date" in c else c for c in ids[:n_meta]]
    q_ids = [json.dumps({"ImportId": f"QID{n}"}, separators=(",", ":")) for n in range(1, 7)]
    rows = [tags[:n_meta] + [f"Q{n}" for n in range(1, 7)], texts[:n_meta] + [i.text for i in ME.items]]
    rows.append(zoned + q_ids)
    cells = list(data[:n_meta])
    cells[tags.index("RecipientEmail")] = EMAIL["e3"]
    rows.append(cells + ["Yes"] * 6)  # EndDate 2017-07-18 08:28:48 (real)
    path = write_like(layout, rows, tmp_path / "api.csv")
    result = ingest.import_file(programme, path, "mentee_readiness")
    assert result.accepted == 1
    assert stored(programme)["e3"][0] == datetime(2017, 7, 18, 8, 28, 48)  # Z: UTC
    # a second import read in Zurich time (CEST, UTC+2 in July): 08:28:48 → 06:28:48 UTC, a new submission
    rows[3][tags.index("ResponseId")] += "x"
    write_like(layout, rows, path)
    assert ingest.import_file(programme, path, "mentee_readiness", timezone="Europe/Zurich").accepted == 1
    with programme.connect() as conn:
        times = sorted(conn.execute(sa.select(store.submissions.c.submitted_at)).scalars())
    assert times == [datetime(2017, 7, 18, 6, 28, 48), datetime(2017, 7, 18, 8, 28, 48)]


@pytest.mark.slow
def test_qualtrics_legacy_layout(programme, tmp_path):
    """qualtRics sample_legacy.csv: BOM, row 1 V1…V10 + tags, row 2 names + texts, trailing commas."""
    layout = read_layout(real_file("ropensci-qualtRics/sample_legacy.csv"))
    assert layout.bom and layout.rows[0][-1] == ""  # the trailing comma: an empty last column
    v_row, names, data = layout.rows[0], layout.rows[1], layout.rows[2]
    n_meta = v_row.index("Q1")  # V1…V10
    tail_tags, tail_names, tail_data = v_row[n_meta + 2 :], names[n_meta + 2 :], data[n_meta + 2 :]  # Location…, ""
    rows = [
        v_row[:n_meta] + [f"Q{n}" for n in range(1, 7)] + tail_tags,
        names[:n_meta] + [i.text for i in ME.items] + tail_names,
    ]
    mail_at, end_at = names.index("EmailAddress"), names.index("EndDate")
    answers = {"e1": yes_no(6, 6), "e2": ["Yes", "No", "Yes", "Yes", "No", "Yes"], "e3": yes_no(3, 6)}
    for n, (pid, values) in enumerate(answers.items()):
        cells = list(data[:n_meta])
        cells[0] = f"{data[0]}{n}"  # ResponseID
        cells[mail_at] = EMAIL[pid].upper()
        cells[end_at] = f"2017-07-18 08:2{n}:48"
        rows.append(cells + values + tail_data)
    path = write_like(layout, rows, tmp_path / "legacy.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbfV1,V2,") and b",\n" in path.read_bytes()
    for source in ("auto", "qualtrics"):
        engine = store.connect(f"sqlite:///{tmp_path / source / 'db.sqlite'}")
        ingest.import_file(engine, write_csv(tmp_path / "roster.csv", ROSTER_HEADER, ROSTER5), "roster")
        result = ingest.import_file(engine, path, "mentee_readiness", source=source)
        assert result.source == "qualtrics"
        assert (result.read, result.accepted, result.quarantined) == (3, 3, 0)
        got = stored(engine)
        assert {p: w for p, (w, _a) in got.items()} == {
            "e1": datetime(2017, 7, 18, 8, 20, 48),
            "e2": datetime(2017, 7, 18, 8, 21, 48),
            "e3": datetime(2017, 7, 18, 8, 22, 48),
        }
        # e2: Yes No Yes Yes No Yes → me02 and me05 are 0
        assert got["e2"][1] == {"me01": 1.0, "me02": 0.0, "me03": 1.0, "me04": 1.0, "me05": 0.0, "me06": 1.0}
        assert sum(v for v in got["e3"][1].values()) == 3.0  # type: ignore[misc]


@pytest.mark.slow
def test_qualtrics_custom_export_tags_and_new_york_time(programme, tmp_path):
    """labordynamicsinstitute tutorial export: custom tags, timeZone America/New_York, CRLF, previews."""
    layout = read_layout(
        real_file("labordynamicsinstitute-tutorial-preserving-survey/Testing+preservation_June+16,+2026_15.35.csv")
    )
    assert layout.newline == "\r\n"
    tags, texts, ids = layout.rows[:3]
    n_meta = tags.index("consent")  # StartDate … UserLanguage
    keep = n_meta + 2  # the real consent and age questions stay: they match nothing of ours
    my_tags = ["knowledge", "rewarding", "collab", "energy", "growth", "visibility", "perf", "succession"]
    my_tags += ["particular", "succeed", "payforward", "work_email"]
    rows = [
        tags[:keep] + my_tags,
        texts[:keep] + [i.text for i in MR.items] + ["What is your work e-mail address?"],
        ids[:keep] + [json.dumps({"ImportId": f"QID{n}"}, separators=(",", ":")) for n in range(10, 21)],
    ]
    rows[2].append('{"ImportId":"QID21_TEXT"}')
    data = layout.rows[3:]
    chosen = [(data[0], "m1", 11), (data[1], "m2", 9), (data[2], "m3", 11), (data[3], "m4", 11)]
    chosen += [(data[4], "m3", 8), (data[-1], "m5", 4)]
    assert [d[2] for d, _p, _y in chosen] == ["IP Address", "IP Address", "Survey Preview", "Survey Preview"] + [
        "IP Address"
    ] * 2
    for cells, pid, yes in chosen:
        answers = yes_no(yes, 11) if pid != "m5" else ["Yes"] * 4 + [""] * 7  # m5 stopped (Finished False)
        rows.append(cells[:keep] + answers + [EMAIL[pid]])
    path = write_like(layout, rows, tmp_path / "Mentor+readiness_June+16,+2026_15.35.csv")
    result = ingest.import_file(programme, path, "mentor_readiness")
    assert (result.read, result.accepted, result.duplicates, result.quarantined) == (6, 4, 0, 2)
    assert [why for _, why in result.reasons] == [
        "a survey preview, test or spam response, not a participant's answer"
    ] * 2
    assert result.flags["partial"] == 1  # the real last row: Finished False, Progress 29
    got = stored(programme)
    # EndDate in America/New_York: EDT (UTC−4) in July, EST (UTC−5) in February
    assert got["m1"][0] == datetime(2025, 7, 1, 15, 14, 18)  # 11:14:18 EDT
    assert got["m2"][0] == datetime(2025, 7, 1, 15, 23, 28)  # 11:23:28 EDT
    assert got["m3"][0] == datetime(2025, 7, 1, 15, 30, 47)  # 11:30:47 EDT
    assert got["m5"][0] == datetime(2026, 2, 5, 20, 24, 21)  # 15:24:21 EST
    assert sum(got["m3"][1].values()) == 8.0  # type: ignore[arg-type]
    assert got["m5"][1] == {"mr01": 1.0, "mr02": 1.0, "mr03": 1.0, "mr04": 1.0}
    # --timezone wins over the file's zone: a fresh store, the times as written
    other = store.connect(f"sqlite:///{tmp_path / 'utc.db'}")
    ingest.import_file(other, write_csv(tmp_path / "roster.csv", ROSTER_HEADER, ROSTER5), "roster")
    ingest.import_file(other, path, "mentor_readiness", timezone="UTC")
    assert stored(other)["m1"][0] == datetime(2025, 7, 1, 11, 14, 18)


def test_qualtrics_2016_insights_dict_rows_and_truncated_texts(programme, tmp_path):
    """QualtricsTools MC export: {'ImportId': …} third row, texts cut to 97 + "...", a _TEXT twin."""
    layout = read_layout(real_file("ctesta01-QualtricsTools/Single_Answer_MC_Questions (Insights).csv"))
    tags, texts, ids = layout.rows[:3]
    n_meta = tags.index("Q2")  # ResponseID … Status
    tail = tags.index("LocationLatitude")
    assert texts[tags.index("Q3")].endswith("choice and...")  # 97 characters, the space at the cut dropped
    assert texts[tags.index("mc_question_five")] == texts[tags.index("mc_question_five_TEXT")]

    def cut(text: str) -> str:  # as Qualtrics cuts texts over 100 characters
        return text if len(text) <= 100 else text[:97].rstrip() + "..."

    my_texts = [cut(i.text) for i in MR.items]
    assert my_texts[5].endswith("...") and my_texts[6].endswith("...")  # mr06 and mr07 are longer
    my_tags = [f"Q{n}" for n in (2, 4, 3, 5, 6, 7, 8, 9, 10, 11)] + ["pay_forward", "pay_forward_TEXT"]
    rows = [
        tags[:n_meta] + my_tags + tags[tail:],
        texts[:n_meta] + my_texts + [my_texts[10]] + texts[tail:],  # the _TEXT twin shares the text
        ids[:n_meta] + [str({"ImportId": f"QID{n}"}) for n in range(2, 13)] + ["{'ImportId': 'QID12-TEXT'}"],
    ]
    rows[2] += ids[tail:]
    data = layout.rows[3:]
    email_at, status_at = tags.index("RecipientEmail"), tags.index("Status")
    plan = [("m1", 11, "0"), ("m2", 7, "0"), ("m4", 10, "2"), ("m5", 2, "0")]  # m4: a generated test response
    for cells, (pid, yes, status) in zip(data, plan, strict=False):
        meta = list(cells[:n_meta])
        meta[email_at], meta[status_at] = EMAIL[pid], status
        rows.append(meta + yes_no(yes, 11) + ["thanks to my mentor" if pid == "m1" else ""] + cells[tail:])
    path = write_like(layout, rows, tmp_path / "insights.csv")
    result = ingest.import_file(programme, path, "mentor_readiness")
    # the dict-style third row is a header row, not a response: read is 4, not 5
    assert (result.read, result.accepted, result.quarantined) == (4, 3, 1)
    got = stored(programme)
    assert set(got) == {"m1", "m2", "m5"}
    assert all(when == datetime(2016, 5, 27, 11, 44, 8) for when, _a in got.values())  # real EndDate, UTC
    assert got["m2"][1]["mr07"] == 1.0 and got["m2"][1]["mr08"] == 0.0  # first 7 yes
    assert got["m2"][1]["mr06"] == 1.0  # matched through its cut text
    assert sum(got["m5"][1].values()) == 2.0  # type: ignore[arg-type]


def test_qualtrics_2016_insights_matrix_stem_statement(programme, tmp_path):
    """QualtricsTools matrix export: columns headed stem-statement, cut stems ("...-statement")."""
    layout = read_layout(real_file("ctesta01-QualtricsTools/Single_Answer_Matrix_Questions (Insights).csv"))
    tags, texts, ids = layout.rows[:3]
    n_meta = tags.index("Q2_1")
    tail = tags.index("LocationLatitude")
    assert texts[n_meta] == "Click to write the question text-Click to write Statement 1"
    stem = (
        "Thinking about the last three months of your mentoring relationship, how far do you agree with "
        "each of the following statements"
    )
    cut = stem[:97] + "..."  # as in the real file: the stem is cut, the statement follows after "-"
    my_texts = [f"{cut}-{s}" for s in STATEMENTS]
    rows = [
        tags[:n_meta] + [f"Q2_{n}" for n in range(1, 8)] + tags[tail:],
        texts[:n_meta] + my_texts + texts[tail:],
        ids[:n_meta] + [str({"ImportId": f"QID2-{n}"}) for n in range(1, 8)] + ids[tail:],
    ]
    data = layout.rows[3:]
    email_at, status_at = tags.index("RecipientEmail"), tags.index("Status")
    plan = {"e1": "3435443", "e3": "2222222", "m2": "5454545"}
    for cells, (pid, ratings) in zip(data, plan.items(), strict=False):
        meta = list(cells[:n_meta])
        meta[email_at], meta[status_at] = EMAIL[pid], "0"
        rows.append(meta + list(ratings) + cells[tail:])
    path = write_like(layout, rows, tmp_path / "matrix.csv")
    result = ingest.import_file(programme, path, "checkin")
    assert (result.read, result.accepted, result.quarantined) == (3, 3, 0)
    assert result.flags["straight_lining"] == 1  # e3 answered 2 everywhere
    got = stored(programme)
    assert got["e1"][1] == dict(zip([i.id for i in CI.items[:7]], [3.0, 4.0, 3.0, 5.0, 4.0, 4.0, 3.0], strict=True))
    assert got["m2"][1]["rc_development"] == 5.0
    assert got["e1"][0] == datetime(2016, 5, 27, 11, 33, 34)  # the real row's EndDate, UTC


# --- Google Forms ------------------------------------------------------------------------------


def test_google_forms_grid_rows_bom_and_los_angeles(programme, tmp_path):
    """spack 2020 survey sheet: BOM, LF, grid columns "stem [row label]", multi-line answers."""
    layout = read_layout(real_file("spack-spack-user-survey/spack-user-survey-2020-responses.head15.csv"))
    assert layout.bom and layout.newline == "\n"
    header, data = layout.rows[0], layout.rows[1:]
    grid = [h for h in header if "[" in h]
    assert any(h.endswith(" ]") for h in grid)  # a row label with a trailing space inside the brackets
    keep = 4  # Timestamp and the real first three questions stay (unmatched)
    labels = [i.element for i in CI.items[:7]]
    labels[1] += " "  # "[Learning ]", as the real file has one
    stem = "How is your mentoring relationship going?"
    rows = [["Timestamp", "Email address", *header[1:keep], *[f"{stem} [{lab}]" for lab in labels]]]
    plan = {"e1": "4444455", "m2": "3333334", "e3": "5544332"}
    for cells, (pid, ratings) in zip(data, plan.items(), strict=False):
        rows.append([cells[0], EMAIL[pid], *cells[1:keep], *list(ratings)])
    path = write_like(layout, rows, tmp_path / "Check-in (Responses).csv")
    result = ingest.import_file(programme, path, "checkin", timezone="America/Los_Angeles")
    assert result.source == "googleforms"
    assert (result.read, result.accepted, result.quarantined) == (3, 3, 0)
    got = stored(programme)
    # 11/17/2020 18:23:58 in Los Angeles (PST, UTC−8) → 11/18 02:23:58 UTC; the next rows 18:24:44, 18:25:24
    assert data[0][0] == "11/17/2020 18:23:58"
    assert got["e1"][0] == datetime(2020, 11, 18, 2, 23, 58)
    assert got["m2"][0] == datetime(2020, 11, 18, 2, 24, 44)
    assert got["e3"][0] == datetime(2020, 11, 18, 2, 25, 24)
    assert got["e3"][1]["rc_reciprocity"] == 5.0 and got["e3"][1]["rc_development"] == 2.0
    assert got["e1"][1]["rc_learning"] == 4.0  # the "[Learning ]" row


@pytest.mark.slow
def test_google_forms_email_question_crlf_multiline(programme, tmp_path):
    """Jupyter 2016 survey sheet: no BOM, CRLF between records and LF inside answers, no e-mail column."""
    layout = read_layout(real_file("jupyter-surveys/2016-05-education-survey-responses.head15.csv"))
    assert layout.newline == "\r\n" and not layout.bom
    header, data = layout.rows[0], layout.rows[1:]
    multi = next(i for i, c in enumerate(data[0]) if "\n" in c)  # "Tom Griffiths\nJessica Hamrick"
    rows = [["Timestamp", header[multi], *[i.text for i in ME.items], "What is your work e-mail address?"]]
    plan = {"e1": 6, "e2": 5, "e3": 2}
    for cells, (pid, yes) in zip(data, plan.items(), strict=False):
        rows.append([cells[0], cells[multi], *yes_no(yes, 6), EMAIL[pid]])
    path = write_like(layout, rows, tmp_path / "mentee.csv")
    assert b"\r\n" in path.read_bytes() and b"Griffiths\nJessica" in path.read_bytes()
    result = ingest.import_file(programme, path, "mentee_readiness")
    assert (result.read, result.accepted, result.quarantined) == (3, 3, 0)
    got = stored(programme)
    # 4/22/2016 19:57:50, 20:06:22, 20:18:24 (M/D/YYYY), no --timezone: UTC
    assert [got[p][0] for p in plan] == [
        datetime(2016, 4, 22, 19, 57, 50),
        datetime(2016, 4, 22, 20, 6, 22),
        datetime(2016, 4, 22, 20, 18, 24),
    ]
    assert sum(got["e2"][1].values()) == 5.0 and got["e2"][1]["me06"] == 0.0  # type: ignore[arg-type]


def test_google_forms_numbered_titles_no_final_newline(programme, tmp_path):
    """Autistica/Turing sheet: CRLF, no final line break, consent first, questions titled "Q1: …"."""
    layout = read_layout(
        real_file(
            "alan-turing-institute-AutisticaCitizenScience/"
            "Autistica_Turing Citizen Science Platform (Responses) - Form Responses 1(3).csv"
        )
    )
    assert not layout.final_newline
    header, data = layout.rows[0], layout.rows[1:]
    questions = [f"Q{n}: {i.text}" for n, i in enumerate(ME.items, 1)]
    rows = [["Timestamp", header[1], *questions, "Q7: What is your e-mail address?"]]
    plan = {"e1": "YYYYYY", "e3": "YNYNYN"}
    chosen = [data[0], data[-1]]  # 8/21/2019 13:10:31 and 1/28/2021 20:15:36
    for cells, (pid, answers) in zip(chosen, plan.items(), strict=True):
        rows.append([cells[0], cells[1], *["Yes" if a == "Y" else "No" for a in answers], EMAIL[pid]])
    rows.append([data[1][0], data[1][1], *["Yes"] * 6, "stranger@example.org"])
    path = write_like(layout, rows, tmp_path / "mentee.csv")
    result = ingest.import_file(programme, path, "mentee_readiness", timezone="Europe/London")
    assert (result.read, result.accepted, result.quarantined) == (3, 2, 1)
    assert [why for _, why in result.reasons] == ["email 'stranger@example.org' is not on the roster"]
    got = stored(programme)
    assert got["e1"][0] == datetime(2019, 8, 21, 12, 10, 31)  # 13:10:31 BST (UTC+1)
    assert got["e3"][0] == datetime(2021, 1, 28, 20, 15, 36)  # 20:15:36 GMT (UTC+0)
    assert got["e3"][1] == {"me01": 1.0, "me02": 0.0, "me03": 1.0, "me04": 0.0, "me05": 1.0, "me06": 0.0}


# --- Microsoft Forms ---------------------------------------------------------------------------


def msforms_book(tmp_path: Path, times: str, sheet_name: str | None = None) -> Path:
    """The real workbook (table, styles, hyperlinks kept) with mentee questions and our people.

    ``times``: ``dates`` (date-formatted cells, as the real file), ``serials`` (plain numbers) or ``text``.
    """
    book = openpyxl.load_workbook(real_file("t0mrg-msforms2doc/exampleformoutput.xlsx"))
    sheet = book.active
    assert sheet is not None and sheet.max_row == 4 and sheet["D2"].hyperlink is not None
    table = next(iter(sheet.tables.values()))
    assert table.name == "Table1"
    fixed = [sheet.cell(1, c).value for c in range(1, 7)]
    assert fixed == ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time"]
    for n, item in enumerate(ME.items, 7):
        sheet.cell(1, n).value = item.text
    people = ["e1", "e2", "e3"]
    for r, pid in enumerate(people, 2):
        email = sheet.cell(r, 4)
        email.value = EMAIL[pid]
        email.hyperlink = f"mailto:{EMAIL[pid]}"
        done = sheet.cell(r, 3)
        if times == "serials":
            done.value = (done.value - datetime(1899, 12, 30)).total_seconds() / 86400
            done.number_format = "General"
        elif times == "text":
            done.value = f"{done.value.month}/{done.value.day}/{done.value:%y %H:%M:%S}"
        for n in range(7, 13):
            sheet.cell(r, n).value = "Yes" if (n - 7) < 6 - r + 2 else "No"  # e1 6, e2 5, e3 4 yes
    table.ref = "A1:L4"
    table.autoFilter.ref = "A1:L4"
    table.tableColumns = []
    table._initialise_columns()
    for col, cell in zip(table.tableColumns, sheet[1], strict=False):
        col.name = str(cell.value)
    if sheet_name:
        sheet.title = sheet_name
    path = tmp_path / f"Mentee readiness ({times}).xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize(("times", "sheet_name"), [("dates", None), ("serials", "Form1"), ("text", "Responses")])
@pytest.mark.slow
def test_microsoft_forms_workbook_as_exported_and_resaved(programme, tmp_path, times, sheet_name):
    path = msforms_book(tmp_path, times, sheet_name)
    result = ingest.import_file(programme, path, "mentee_readiness", timezone="America/New_York")
    assert result.source == "msforms"
    assert (result.read, result.accepted, result.quarantined) == (3, 3, 0)
    got = stored(programme)
    # real Completion times 2024-01-02 12:00, 2024-01-02 12:01, 2024-02-01 12:02 in New York (EST, UTC−5)
    assert got["e1"][0] == datetime(2024, 1, 2, 17, 0)
    assert got["e2"][0] == datetime(2024, 1, 2, 17, 1)
    assert got["e3"][0] == datetime(2024, 2, 1, 17, 2)
    assert [sum(got[p][1].values()) for p in ("e1", "e2", "e3")] == [6.0, 5.0, 4.0]  # type: ignore[arg-type]


# --- a data set as a mentorkit template ---------------------------------------------------------


def test_binary_items_with_missing_cells_as_a_template(tmp_path):
    """pingouin cronbach_wide_missing.csv (BOM, 12 × 11 binary, 4 blank cells) as a mentor checklist:
    its cells under mr01…mr11, people and times added in front."""
    layout = read_layout(real_file("raphaelvallat-pingouin/cronbach_wide_missing.csv"))
    header, data = layout.rows[0], layout.rows[1:]
    assert header == [f"Q{n}" for n in range(1, 12)] and len(data) == 12
    roster = [["c9", f"p{n:02d}", "mentor", f"Mentor {n}", f"p{n:02d}@example.com", "", "", ""] for n in range(12)]
    engine = store.connect(f"sqlite:///{tmp_path / 'data' / 'mk.db'}")
    ingest.import_file(engine, write_csv(tmp_path / "r.csv", ROSTER_HEADER, roster), "roster")
    rows = [["participant_id", "submitted_at", *[i.id for i in MR.items]]]
    rows += [[f"p{n:02d}", f"2026-03-{n + 1:02d}T09:00:00+01:00", *cells] for n, cells in enumerate(data)]
    path = write_like(layout, rows, tmp_path / "mr.csv")
    result = ingest.import_file(engine, path, "mentor_readiness")
    assert (result.read, result.accepted, result.quarantined) == (12, 12, 0)
    got = stored(engine)
    # 12 × 11 cells, 4 blank (two in row 3, one each in rows 6 and 10) → 128 answers stored
    assert sum(len(a) for _w, a in got.values()) == 128
    assert got["p00"][1] == {i.id: 1.0 for i in MR.items}  # the first row: all 1
    assert got["p00"][0] == datetime(2026, 3, 1, 8, 0)  # 09:00+01:00
    assert set(got["p02"][1]) == {i.id for i in MR.items} - {"mr01", "mr05"}  # row 3: Q1 and Q5 blank
