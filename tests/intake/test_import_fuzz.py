"""Fuzzing ``mentorkit import``: no input gives a traceback, a file error writes nothing, every row counts.

Every instrument (and the roster) meets every source (auto-detected and forced) with random bytes,
header-only files, headers drawn from real column names in random order and subsets, random
cells, huge cells and thousands of columns, as CSV (three separators, four encodings, UTF-8 with stray
Windows-1252 bytes, NULs, doubled BOMs) and XLSX; and files over each size limit.
Most examples run in-process through ``cli.main``; a few hostile files go through the real
command in a subprocess. Examples are bounded so the file stays well under a minute in CI.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorkit import cli, instruments, store
from mentorkit.intake import files, ingest
from tests.conftest import run_cli, write_csv
from tests.intake.test_ingest import ROSTER_HEADER
from tests.intake.test_real_exports import REAL
from tests.intake.test_survey_tools import ROSTER5

KINDS = ["roster", *instruments.instruments()]
SOURCES = [
    "auto",
    "mentorkit",
    "qualtrics",
    "googleforms",
    "msforms",
    "surveymonkey",
    "typeform",
    "redcap",
    "limesurvey",
]
SUMMARY = re.compile(
    r"^read (\d+), accepted (\d+)(?:, updated (\d+))?, duplicates (\d+), quarantined (\d+)$", re.MULTILINE
)


def _column_names() -> list[str]:
    """Column names as files carry them: the templates', the tools' and (when present) the real exports'."""
    names = set(ROSTER_HEADER) | {"about", "participant_id", "email", "submitted_at", "department", "comment"}
    for instrument in instruments.instruments().values():
        for item in instrument.items:
            names |= {item.id, item.text, f"3. {item.text}", f"Q: {item.text}", item.text[:60] + "..."}
            if item.element:
                names |= {f"How is it going? [{item.element}]", f"Stem-{item.text}", f"Stem - {item.text}"}
    names |= {"Timestamp", "Email address", "Score", "ID", "Start time", "Completion time", "Email", "Name"}
    names |= {"StartDate", "EndDate", "Status", "ResponseId", "ResponseID", "RecipientEmail", "Finished"}
    names |= {"Duration (in seconds)", "RecordedDate", "V1", "V2", '{"ImportId":"QID1"}', "{'ImportId': 'QID2'}"}
    names |= {"Respondent ID", "RespondentID", "End Date", "Email Address", "Custom Data 1", "Response", "#"}
    names |= {"Submit Date (UTC)", "Response Type", "Stage Date (UTC)", "record_id", "form_complete", "form_timestamp"}
    names |= {"redcap_survey_identifier", "id", "submitdate", "lastpage", "startlanguage", "datestamp", "READY[SQ001]"}
    names |= {
        "Response ID",
        "Date submitted",
        "Last page",
        "Start language",
        "Date last action",
        "<strong>Goal</strong>",
    }
    if REAL is not None:
        for path in sorted(REAL.glob("*/*.csv")):
            with contextlib.suppress(UnicodeDecodeError, csv.Error):
                rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))[:3]
                names |= {c for r in rows for c in r}
    return sorted(names)


NAMES = _column_names()
CELLS = st.one_of(
    st.sampled_from(["", "Yes", "no", "4", "Agree", "Ja", "45%", "abc", "1e400", "-3", "in progress", "NaN", " "]),
    st.sampled_from(["2026-03-14T09:00:00Z", "3/14/2026 9:05:00", "14/03/2026 25:99", "45293.5", "2026-02-30"]),
    st.sampled_from(["ann@example.com", "CY@example.com", "m1", "e2", "c1", "mentor", "anonymous", "R_1", "2"]),
    st.sampled_from(["Y", "N", "U", "N/A", "[not completed]", "03/14/2026 09:05:33 AM", "2026-03-14 09:05:33", "0"]),
    st.text(max_size=20),
    st.text(alphabet='x,;\t"\n\r', max_size=12),
)
ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "utf-16"]


@st.composite
def table_files(draw) -> tuple[str, bytes]:
    """A CSV or XLSX file: (suffix, bytes)."""
    shape = draw(
        st.sampled_from(["random", "header", "rows", "rows", "rows", "wide", "huge", "xlsx", "mixed", "nul", "bom"])
    )
    if shape == "random":
        return ".csv", draw(st.binary(max_size=400))
    if shape in ("mixed", "nul", "bom"):  # UTF-8 with stray Windows-1252 bytes, NULs, or a BOM of each kind
        header = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=12))
        lines = [",".join(f'"{h}"' for h in header).encode()]
        for _ in range(draw(st.integers(1, 6))):
            cells = draw(st.lists(st.sampled_from(["José", "Müller", "yes", "e1", "2026-03-14", ""]), min_size=1))
            line = ",".join(cells).encode()
            if shape == "mixed" and draw(st.booleans()):
                line += b",Fran\xe7ois \x96 caf\xe9"
            if shape == "nul" and draw(st.booleans()):
                line = line[: len(line) // 2] + b"\x00" + line[len(line) // 2 :]
            lines.append(line)
        bom = draw(st.sampled_from([b"", b"\xef\xbb\xbf"])) if shape != "bom" else b"\xef\xbb\xbf\xef\xbb\xbf"
        return ".csv", bom + b"\n".join(lines) + b"\n"
    if shape == "wide":
        n = draw(st.integers(1000, 4000))
        header = [draw(st.sampled_from(NAMES)) if i % 97 == 0 else f"c{i}" for i in range(n)]
        rows = [header, ["x"] * n]
    else:
        header = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=30))
        n_rows = 0 if shape == "header" else draw(st.integers(1, 8))
        rows = [header] + [draw(st.lists(CELLS, min_size=len(header), max_size=len(header))) for _ in range(n_rows)]
        if shape == "huge" and len(rows) > 1:
            rows[1][0] = "y" * 300_000
    if shape == "xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        for r in rows:
            sheet.append([re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", c) for c in r])
        buf = io.BytesIO()
        book.save(buf)
        return ".xlsx", buf.getvalue()
    sep = draw(st.sampled_from([",", ";", "\t"]))
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))).writerows(rows)
    return ".csv", out.getvalue().encode(draw(st.sampled_from(ENCODINGS)), errors="replace")


def snapshot(url: str) -> tuple[int, ...]:
    """Row counts of every table the import writes."""
    engine = store.connect(url)
    tables = (store.imports, store.submissions, store.answers, store.participants, store.goals, store.pairs)
    with engine.connect() as conn:
        return tuple(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() for t in tables)


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{folder / 'mentorkit.db'}"
    engine = store.connect(url)
    ingest.import_file(engine, write_csv(folder / "roster.csv", ROSTER_HEADER, ROSTER5), "roster")
    goals = [["g1", "m1", "e1", "Learn SQL", "", "2026-05-01", "2026-09-01", "yes", "yes"]]
    header = ["goal_id", "mentor_id", "mentee_id", "title", "success_criteria", "start_date", "target_date"]
    ingest.import_file(
        engine, write_csv(folder / "goals.csv", [*header, "agreed_by_mentor", "agreed_by_mentee"], goals), "goals"
    )
    return folder, url


def run_in_process(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(args)
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def check_outcome(code: int, out: str, err: str, before: tuple[int, ...], after: tuple[int, ...], kind: str) -> None:
    assert "Traceback" not in out + err
    assert "internal error" not in err, err
    assert code in (0, 1, 2), (code, err)
    if code != 0:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("mentorkit: error: "), err
        assert after == before, "a file-level error wrote to the store"
        return
    found = SUMMARY.search(out)
    assert found, out
    read, accepted, updated, duplicates, quarantined = (int(g or 0) for g in found.groups())
    assert read == accepted + updated + duplicates + quarantined
    assert after[0] == before[0] + 1  # one import recorded
    if kind != "roster":
        assert after[1] == before[1] + accepted  # every accepted row is one new submission


EXAMPLES = int(os.environ.get("MENTORKIT_FUZZ_EXAMPLES", "40"))  # raise it for a long local hunt
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=EXAMPLES <= 40,  # CI: the same examples every run
)


@FUZZ
@given(data=table_files(), kind=st.sampled_from(KINDS), source=st.sampled_from(SOURCES))
@pytest.mark.slow
def test_any_file_any_instrument_any_source(fuzz_store, data, kind, source):
    folder, url = fuzz_store
    suffix, content = data
    path = folder / f"fuzz{suffix}"
    path.write_bytes(content)
    before = snapshot(url)
    code, out, err = run_in_process(["import", str(path), "--instrument", kind, "--source", source, "--db", url])
    check_outcome(code, out, err, before, snapshot(url), kind)


TOOLS = ["qualtrics", "qualtrics-legacy", "google", "msforms", "surveymonkey", "typeform", "redcap", "limesurvey"]
TOOLS += ["limesurvey-texts"]


def tool_rows(tool: str, texts: list[str], cells: list[list[str]], picks) -> list[list[str]]:
    """A file shaped like ``tool``'s export (its header rows and fixed columns) with ``texts`` as questions."""
    if tool.startswith("qualtrics"):
        meta = ["ResponseId", "StartDate", "EndDate", "Status", "Finished", "RecipientEmail", "Duration (in seconds)"]
        zone_cell = picks.draw(st.sampled_from(["Z", "UTC", "America/New_York", "+01:00", "nowhere", ""]))
        ids = [f'{{"ImportId":"{m}","timeZone":"{zone_cell}"}}' for m in meta] + ['{"ImportId":"QID1"}'] * len(texts)
        tags = [f"Q{i}" for i in range(len(texts))]
        if tool == "qualtrics-legacy":
            rows = [[f"V{i + 1}" for i in range(len(meta))] + tags, meta + texts]
        else:
            rows = [meta + tags, meta + texts, ids]
        return rows + [c[: len(meta) + len(texts)] for c in cells]
    fixed = {
        "google": (["Timestamp", "Email address"], None),
        "msforms": (["ID", "Start time", "Completion time", "Email", "Name", "Last modified time"], None),
        "surveymonkey": (["Respondent ID", "Collector ID", "End Date", "Email Address", "Custom Data 1"], "Response"),
        "typeform": (["#", "Response Type", "email", "Submit Date (UTC)", "Stage Date (UTC)"], None),
        "redcap": (["record_id", "redcap_survey_identifier", "form_a_timestamp", "email", "form_a_complete"], None),
        "limesurvey": (["id", "submitdate", "lastpage", "startlanguage", "datestamp", "email"], None),
        "limesurvey-texts": (
            ["Response ID", "Date submitted", "Last page", "Start language", "Date last action"],
            None,
        ),
    }
    head, second = fixed[tool]
    if tool == "redcap":  # variables: the items' ids, or codes the --map could name
        texts = [picks.draw(st.sampled_from([t, re.sub(r"\W+", "_", t.lower())[:20] or "q"])) for t in texts]
    rows = [head + texts]
    if second is not None:  # SurveyMonkey's row 2: blank under the metadata, Response or a label under questions
        rows.append(
            [""] * len(head) + [picks.draw(st.sampled_from([second, "", "Open-Ended Response", t])) for t in texts]
        )
    return rows + [c[: len(head) + len(texts)] for c in cells]


@FUZZ
@given(
    kind=st.sampled_from(KINDS[1:]),
    tool=st.sampled_from(TOOLS),
    picks=st.data(),
    zone=st.sampled_from([None, "UTC", "Europe/Berlin", "+05:30", "Mars/Olympus"]),
)
@pytest.mark.slow
def test_tool_shaped_exports_with_random_cells(fuzz_store, kind, tool, picks, zone):
    """Files shaped like each tool's export (its header rows and fixed columns), questions in a random
    order and subset, random cells."""
    folder, url = fuzz_store
    instrument = instruments.get(kind)
    pool = [i.text for i in instrument.items] + [i.id for i in instrument.items] + NAMES[:40]
    texts = picks.draw(st.lists(st.sampled_from(pool), max_size=12))
    n = picks.draw(st.integers(0, 5))
    cells = [picks.draw(st.lists(CELLS, min_size=len(texts) + 8, max_size=len(texts) + 8)) for _ in range(n)]
    rows = tool_rows(tool, texts, cells, picks)
    path = write_csv(folder / "tool.csv", rows[0], rows[1:])
    before = snapshot(url)
    args = ["import", str(path), "--instrument", kind, "--db", url] + (["--timezone", zone] if zone else [])
    code, out, err = run_in_process(args)
    check_outcome(code, out, err, before, snapshot(url), kind)


YEARS = ["0999", "1899", "1900", "2026", "2100", "2101", "9999"]  # around Settings.earliest_year and latest_year
DATES = st.one_of(
    st.builds(
        lambda y, md, time: f"{y}-{md}{time}",
        st.sampled_from(YEARS),
        st.sampled_from(["01-01", "06-01", "12-31", "02-29", "02-30", "13-01", "1-5"]),
        st.sampled_from(["", "T00:00:00", "T12:00", " 23:59:59", "T23:30:00-01:00", "T00:30+02:00", "Z", "T24:00"]),
    ),
    st.sampled_from(["999-06-01", "06/01/2026", "1.6.2026", "2026/06/01", "20260601", "2026-06-01T12:00:00.1234567Z"]),
    st.sampled_from(["", " ", "2026-03-29T02:30:00", "2026-10-25 02:30", "+2026-06-01", "-0001-01-01"]),
    st.text(alphabet="0123456789-:TZ +", max_size=20),
)


def _dated_rows(kind: str, n: int, dates: list[str], salt: int) -> tuple[list[str], list[list[object]]]:
    """Rows of a template with a drawn date (or two) in each, for people and a goal of the fuzz store's roster."""
    items = [i.id for i in instruments.get(kind).items] if kind != "roster" else []
    if kind == "roster":
        rows = [
            ["c1", f"e{10 + i % 3}", "mentee", "New", f"e{10 + i % 3}@example.com", "m1", dates[i], ""]
            for i in range(n)
        ]
        return ROSTER_HEADER, rows
    if kind == "goals":
        head = ["goal_id", "mentor_id", "mentee_id", *items]
        return head, [[f"g{salt}-{i}", "m1", "e1", "T", "", dates[i], dates[-1 - i], "yes", "yes"] for i in range(n)]
    if kind == "goal_updates":
        return ["goal_id", "reported_by", "reported_at", *items], [
            ["g1", "e1", dates[i], "40", "in_progress", ""] for i in range(n)
        ]
    who = "m1" if kind == "mentor_readiness" else "e1"
    head = ["participant_id", "submitted_at", *(["about"] if kind == "checkin" else []), *items]
    answers = ["4" if kind == "checkin" else "yes"] * (len(items) - (kind == "checkin"))
    return head, [
        [who, dates[i], *([""] if kind == "checkin" else []), *answers, *([""] if kind == "checkin" else [])]
        for i in range(n)
    ]


FIRST, LAST = pd.Timestamp("1900-01-01"), pd.Timestamp("2100-12-31 23:59:59.999999")


@FUZZ
@given(
    kind=st.sampled_from(KINDS),
    dates=st.lists(DATES, min_size=1, max_size=8),
    zone=st.sampled_from([None, "UTC", "Europe/Berlin", "+05:30"]),
    salt=st.integers(0, 10**6),
)
@pytest.mark.slow
def test_every_dated_row_reads_back_or_is_quarantined_with_a_reason(fuzz_store, kind, dates, zone, salt):
    folder, url = fuzz_store
    engine = store.connect(url)
    head, rows = _dated_rows(kind, len(dates), dates, salt)
    path = write_csv(folder / "dated.csv", head, rows)
    result = ingest.import_file(engine, path, kind, timezone=zone)
    assert result.read == len(rows) == result.accepted + result.duplicates + result.quarantined
    assert len(result.reasons) == result.quarantined and all(why.strip() for _, why in result.reasons)
    # everything stored reads back, within 1900–2100, and db check finds nothing to set aside
    data = store.load(engine)
    stamps = [data.participants["matched_on"], data.pairs["matched_on"]]
    for frame in data.responses.values():
        stamps += [frame[c] for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    for column in stamps:
        known = pd.Series(column).dropna()
        assert ((known >= FIRST) & (known <= LAST)).all(), known[(known < FIRST) | (known > LAST)]
    with engine.connect() as conn:
        assert store.find_unreadable(conn) == []


HOSTILE = {
    "random.bin": bytes(range(256)) * 8,
    "header-only-roster.csv": (",".join(ROSTER_HEADER) + "\n").encode(),
    "nothing-matches.csv": b"foo,bar,baz\n1,2,3\n",
    "no-person.csv": b"submitted_at,me01,me02,me03,me04,me05,me06\n2026-01-01,y,y,y,y,y,y\n",
    "wide.csv": (",".join(f"c{i}" for i in range(12_000)) + "\n" + ",".join("x" * 12_000) + "\n").encode(),
    "not-any-encoding.csv": b"Timestamp,Email address\n1/1/2026 9:00:00,\xc5\xbe\x81\x8d@x.cz\n",
    # sizes: each over one limit of mentorkit.intake.files, rejected before it is parsed
    "million-columns.csv": b"x," * 999_999 + b"x\n1\n",
    "long.csv": b"x\n" * (files.MAX_ROWS + 1),
    "huge-cell.csv": b"participant_id,comment\ne1," + b"y" * (files.MAX_CELL_CHARS + 1) + b"\n",
    "nul-in-header.csv": b"participant_id,\x00comment\ne1,x\n",
}


def check_hostile(name: str, code: int, out: str, err: str) -> None:
    assert "Traceback" not in out + err
    assert code in (0, 1), err
    if code == 1:
        line = err.strip()
        assert "\n" not in line and line.startswith(f"mentorkit: error: {name}: ") and "internal error" not in line
    else:  # only a header-only roster imports (nothing): read 0
        assert name == "header-only-roster.csv" and "read 0, accepted 0" in out


@pytest.mark.parametrize(("name", "kind"), [(n, k) for n in HOSTILE for k in ("roster", "mentee_readiness")])
@pytest.mark.slow
def test_hostile_files(tmp_path, name, kind):
    path = tmp_path / name
    path.write_bytes(HOSTILE[name])
    url = f"sqlite:///{tmp_path / 'data' / 'mentorkit.db'}"
    check_hostile(name, *run_in_process(["import", str(path), "--instrument", kind, "--db", url]))


@pytest.mark.parametrize("name", ["random.bin", "no-person.csv", "wide.csv", "million-columns.csv", "long.csv"])
@pytest.mark.slow
def test_hostile_files_through_the_real_command(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(HOSTILE[name])
    url = f"sqlite:///{tmp_path / 'data' / 'mentorkit.db'}"
    result = run_cli("import", str(path), "--instrument", "mentee_readiness", "--db", url)
    check_hostile(name, result.returncode, result.stdout, result.stderr)
