"""Benchmark input: a store's roster as a roster CSV with a tenth of the matched mentees re-matched.

Each chosen mentee gets another mentor of their cohort, matched on ``--matched-on``. Importing the
file (``mentorkit import OUT --instrument roster``) records those changes as new versions, so that
``benchmarks/load.py --as-of DAY`` with a day before the import reads versions no longer in force.

    python benchmarks/rematch.py --db sqlite:////path/programme-200.db --out roster-rematch.csv
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mentorkit import store  # noqa: E402
from mentorkit.intake.ingest import ROSTER_COLUMNS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="store URL (read only)")
    parser.add_argument("--out", required=True, help="the roster CSV to write")
    parser.add_argument("--share", type=float, default=0.1, help="share of matched mentees re-matched (default 0.1)")
    parser.add_argument("--matched-on", default="2026-11-20", help="their new matched_on (default 2026-11-20)")
    args = parser.parse_args()
    engine = store.connect(args.db, create=False)
    with engine.connect() as conn:
        people = store.read_participants(conn).drop(columns="attributes")
    rng = np.random.default_rng(3)
    mentors = people[people["role"] == "mentor"].groupby("cohort_id")["participant_id"].agg(list)
    matched = people.index[(people["role"] == "mentee") & people["mentor_id"].notna()]
    chosen = rng.choice(matched, size=int(len(matched) * args.share), replace=False)
    for i in chosen:
        others = [m for m in mentors[people.at[i, "cohort_id"]] if m != people.at[i, "mentor_id"]]
        people.at[i, "mentor_id"] = others[rng.integers(len(others))]
        people.at[i, "matched_on"] = pd.Timestamp(args.matched_on)
    people["matched_on"] = people["matched_on"].dt.strftime("%Y-%m-%d")
    people[[*ROSTER_COLUMNS, "department"]].to_csv(args.out, index=False)
    print(f"{len(people)} rows, {len(chosen)} mentees re-matched: {args.out}")


if __name__ == "__main__":
    main()
