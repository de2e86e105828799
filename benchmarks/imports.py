"""Benchmark: importing a 100,000-row survey export, next to pandas.read_csv of the same file.

Generates a roster of 20,000 mentees and a Google Forms export of the mentee checklist with
100,000 responses (with mess: odd spellings, blanks, unknown e-mails), imports it into a fresh
SQLite store, and prints both times and the ratio (target ≤ 5x).

    python benchmarks/imports.py [--rows 100000] [--db URL]
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from mentorkit import ingest, instruments, store

PEOPLE = 20_000


def generate(folder: Path, rows: int, seed: int = 11) -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    roster = folder / "roster.csv"
    with roster.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["cohort_id", "participant_id", "role", "name", "email", "mentor_id", "matched_on"])
        for i in range(PEOPLE):
            w.writerow([f"c{i // 100:03d}", f"E{i:05d}", "mentee", f"Mentee {i}", f"mentee{i}@example.com", "", ""])
    export = folder / "Mentee readiness (Responses) - Form Responses 1.csv"
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", help="a database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
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
    print(f"export: {len(frame):,} rows × {frame.shape[1]} columns; {result.summary()}")
    print(f"pandas.read_csv:            {baseline:6.2f} s")
    print(f"mentorkit import:           {took:6.2f} s  ({took / baseline:.1f}x read_csv; target ≤ 5x)")
    print(f"the same file again:        {repeat:6.2f} s  ({again.summary()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
