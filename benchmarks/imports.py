"""Benchmark: importing a 100,000-row survey export, next to the store's own write of the same rows.

Generates a roster of 20,000 mentees and a Google Forms export of the mentee checklist with
100,000 responses (with mess: odd spellings, blanks, unknown e-mails), imports it into a fresh
SQLite store, then times SQLite alone inserting exactly the rows the import stored (target: the
import ≤ 2x that write). It also times a 5,000-row export through the whole ``mentorkit import``
command, process start included, and pandas.read_csv of the big file for scale. Then the same
100,000 responses as a SurveyMonkey, Typeform, REDCap and LimeSurvey export, each in its own
layout (header rows, metadata, answer codes, date format), each against its own write.

    python benchmarks/imports.py [--rows 100000] [--small 5000] [--db URL] [--tools surveymonkey ...]
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from mentorkit import instruments, store
from mentorkit.intake import ingest

PEOPLE = 20_000


def generate(folder: Path, rows: int, seed: int = 11, name: str = "Mentee readiness") -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    roster = folder / "roster.csv"
    with roster.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["cohort_id", "participant_id", "role", "name", "email", "mentor_id", "matched_on"])
        for i in range(PEOPLE):
            w.writerow([f"c{i // 100:03d}", f"E{i:05d}", "mentee", f"Mentee {i}", f"mentee{i}@example.com", "", ""])
    export = folder / f"{name} (Responses) - Form Responses 1.csv"
    spellings = np.array(["Yes", "yes", "Y", "TRUE", "No", "no", "N", "", "maybe"])
    weights = np.array([0.5, 0.1, 0.05, 0.05, 0.15, 0.05, 0.03, 0.06, 0.01])
    who = rng.integers(0, PEOPLE + 200, rows)  # a few e-mails are not on the roster
    answers = rng.choice(spellings, p=weights / weights.sum(), size=(rows, 6))
    minutes = rng.integers(0, 60 * 24 * 300, rows)
    with export.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Timestamp", "Email address", *[i.text for i in instruments.get("mentee_readiness").items]])
        for r in range(rows):
            m = int(minutes[r])
            day = pd.Timestamp("2026-01-01") + pd.Timedelta(minutes=m)
            w.writerow(
                [
                    f"{day.month}/{day.day}/{day.year} {day.hour}:{day.minute:02d}:{r % 60:02d}",
                    f"mentee{who[r]}@example.com",
                    *answers[r],
                ]
            )
    return roster, export


TOOLS = ("surveymonkey", "typeform", "redcap", "limesurvey")
YES_NO = {  # each tool's spellings of yes and no
    "surveymonkey": ("Yes", "No"),
    "typeform": ("1", "0"),
    "redcap": ("1", "0"),
    "limesurvey": ("Y", "N"),
}


def tool_export(folder: Path, tool: str, rows: int, seed: int = 11) -> Path:
    """The mentee checklist's ``rows`` responses as ``tool`` exports them (a few unknown e-mails, blanks,
    ``N/A`` and odd codes), for the roster of ``generate``."""
    rng = np.random.default_rng(seed)
    yes, no = YES_NO[tool]
    spellings = np.array([yes, yes, yes, no, no, "", "N/A" if tool == "limesurvey" else "x"])
    answers = rng.choice(spellings, p=[0.45, 0.15, 0.1, 0.15, 0.08, 0.06, 0.01], size=(rows, 6))
    who = rng.integers(0, PEOPLE + 200, rows)
    stamps = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 86400 * 300, rows), unit="s")
    texts = [i.text for i in instruments.get("mentee_readiness").items]
    path = folder / f"{tool}.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        if tool == "surveymonkey":
            w.writerow(
                ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address", *texts]
            )
            w.writerow([""] * 6 + ["Response"] * 6)
        elif tool == "typeform":
            w.writerow(
                ["#", *[f"<strong>{t}</strong>" for t in texts], "email", "Start Date (UTC)", "Submit Date (UTC)"]
            )
        elif tool == "redcap":
            w.writerow(
                ["record_id", "redcap_survey_identifier", "mentee_timestamp", "email"]
                + [f"me0{n}" for n in range(1, 7)]
                + ["mentee_complete"]
            )
        else:
            w.writerow(
                ["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp", "email"]
                + [f"{n} - {t}" for n, t in enumerate(texts, 1)]
            )
        for r in range(rows):
            mail, when, cells = f"mentee{who[r]}@example.com", stamps[r], list(answers[r])
            iso = when.strftime("%Y-%m-%d %H:%M:%S")
            if tool == "surveymonkey":
                end = when.strftime("%m/%d/%Y %I:%M:%S %p")
                w.writerow([str(114020000000 + r), "404979342", end, end, "192.0.2.1", mail, *cells])
            elif tool == "typeform":
                w.writerow([f"{r:032x}", *cells, mail, iso, iso])
            elif tool == "redcap":
                w.writerow([str(r + 1), "", iso, mail, *cells, "2" if r % 10 else "0"])
            else:
                submitted = "" if r % 20 == 0 else iso
                w.writerow([str(r + 1), submitted, "2", "en", "", iso, iso, mail, *cells])
    return path


def time_tool(folder: Path, tool: str, rows: int, roster: Path) -> str:
    """One line: a ``tool`` export of ``rows`` responses imported into a fresh SQLite store, against SQLite
    alone inserting the rows it stored."""
    export = tool_export(folder, tool, rows)
    engine = store.connect(f"sqlite:///{folder / f'{tool}.db'}")
    ingest.import_file(engine, roster, "roster")
    start = time.perf_counter()
    result = ingest.import_file(engine, export, "mentee_readiness", source="auto")
    took = time.perf_counter() - start
    floor = write_floor(f"sqlite:///{folder / f'{tool}-floor.db'}", engine)
    engine.dispose()
    return (
        f"{tool:13} {result.source:13} import {took:6.2f} s, SQLite alone {floor:6.2f} s: "
        f"{took / floor:.2f}x (target ≤ 2x); {result.summary()}"
    )


def write_floor(url: str, copy_from: Engine) -> float:
    """Seconds SQLAlchemy's driver needs just to insert, in one transaction, the rows the import
    stored (read back from ``copy_from``) into a fresh store: the write's cost, none of the cleaning."""
    tables = (store.submissions, store.answers)
    with copy_from.connect() as conn:
        imported = conn.execute(sa.select(store.imports)).all()
        # as the database holds them (JSON and times as text), through the driver
        rows = {
            "submissions": conn.exec_driver_sql("SELECT * FROM submissions ORDER BY submission_id").all(),
            "answers": conn.exec_driver_sql("SELECT * FROM answers ORDER BY submission_id, item_id").all(),
        }
    target = store.connect(url)
    with target.begin() as conn:  # the import rows the submissions point to, outside the timing
        conn.execute(store.imports.insert(), [r._asdict() for r in imported])
    raw = target.raw_connection()
    try:
        cur = raw.cursor()
        start = time.perf_counter()
        for t in tables:
            marks = ", ".join("?" * len(t.columns))
            cur.executemany(f"INSERT INTO {t.name} VALUES ({marks})", [tuple(r) for r in rows[t.name]])  # noqa: S608
        raw.commit()
        return time.perf_counter() - start
    finally:
        raw.close()
        target.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=5_000, help="rows of the export timed through the command")
    parser.add_argument("--db", help="a database URL (default: a fresh SQLite file)")
    parser.add_argument("--tools", nargs="*", default=list(TOOLS), choices=TOOLS, help="the survey tools to time too")
    parser.add_argument("--only-tools", action="store_true", help="time only the survey tools' exports")
    args = parser.parse_args()
    if args.only_tools:
        return tools_only(args)
    with tempfile.TemporaryDirectory(prefix="mk-import-bench-") as tmp:
        folder = Path(tmp)
        roster, export = generate(folder, args.rows)
        engine = store.connect(args.db or f"sqlite:///{folder / 'bench.db'}")
        ingest.import_file(engine, roster, "roster")
        start = time.perf_counter()
        frame = pd.read_csv(export)
        baseline = time.perf_counter() - start
        start = time.perf_counter()
        result = ingest.import_file(engine, export, "mentee_readiness")
        took = time.perf_counter() - start
        start = time.perf_counter()
        again = ingest.import_file(engine, export, "mentee_readiness")
        repeat = time.perf_counter() - start
        floor = write_floor(f"sqlite:///{folder / 'floor.db'}", engine) if engine.dialect.name == "sqlite" else None
        small_folder = folder / "small"
        small_folder.mkdir()
        small_roster, small_export = generate(small_folder, args.small, seed=12, name="Small")
        command, small_summary = whole_command(small_folder, small_roster, small_export)
        tool_lines = [time_tool(folder, tool, args.rows, roster) for tool in args.tools]
    print(f"export: {len(frame):,} rows × {frame.shape[1]} columns; {result.summary()}")
    print(f"pandas.read_csv:            {baseline:6.2f} s  (for scale)")
    print(f"mentorkit import:           {took:6.2f} s")
    print(f"the same file again:        {repeat:6.2f} s  ({again.summary()})")
    if floor is not None:
        print(
            f"SQLite alone, inserting the stored rows: {floor:6.2f} s; "
            f"the import is {took / floor:.2f}x that (target ≤ 2x)"
        )
    print(
        f"`mentorkit import` of a {args.small:,}-row export, process start included: {command:5.2f} s ({small_summary})"
    )
    for line in tool_lines:
        print(line)
    return 0


def tools_only(args: argparse.Namespace) -> int:
    """Only the survey tools' exports, each against its own write (after an untimed warm-up import)."""
    with tempfile.TemporaryDirectory(prefix="mk-import-bench-") as tmp:
        folder = Path(tmp)
        roster, _export = generate(folder, 1)
        warm = folder / "warm"  # the first import in a process pays for lazy imports and compiled statements
        warm.mkdir()
        time_tool(warm, args.tools[0], 1_000, roster)
        for tool in args.tools:
            print(time_tool(folder, tool, args.rows, roster), flush=True)
    return 0


def whole_command(folder: Path, roster: Path, export: Path) -> tuple[float, str]:
    """Seconds of the real command importing ``export`` into a store that holds the roster."""
    exe = Path(sys.executable).with_name("mentorkit")
    url = f"sqlite:///{folder / 'cmd.db'}"
    env = {**os.environ, "MENTORKIT_HOME": str(folder)}
    subprocess.run(
        [exe, "import", roster, "--instrument", "roster", "--db", url], check=True, env=env, capture_output=True
    )
    start = time.perf_counter()
    done = subprocess.run(
        [exe, "import", export, "--instrument", "mentee_readiness", "--db", url],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - start, done.stdout.splitlines()[0]


if __name__ == "__main__":
    sys.exit(main())
