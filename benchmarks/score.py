"""Benchmark: scoring at scale, pandas (mentorkit) against DuckDB SQL over the same tables.

Generates 100,000 participants in 1,000 cohorts and 1,000,000 readiness submissions into a
SQLite store, then measures, each in a fresh process (wall time and peak RSS):

1. `mentorkit score --cohort ID` for one cohort (the whole command: read + score);
2. readiness figures of every cohort with mentorkit's pandas code over in-memory tables;
3. the same figures with DuckDB SQL over the same in-memory tables (the baseline).

    python benchmarks/score.py [--participants 100000] [--submissions 1000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

AS_OF = date(2026, 11, 15)
COHORT_SIZE = 100


def generate(db_url: str, participants: int, submissions: int, seed: int = 7) -> None:
    """A programme of `participants` people and `submissions` readiness checklists."""
    import sqlalchemy as sa

    from mentorkit import store

    rng = np.random.default_rng(seed)
    engine = store.connect(db_url)
    n_cohorts = participants // COHORT_SIZE
    pid = np.array([f"P{i:06d}" for i in range(participants)])
    cohort = np.array([f"c{i // COHORT_SIZE:04d}" for i in range(participants)])
    role = np.where(np.arange(participants) % COHORT_SIZE < 30, "mentor", "mentee")
    now = store.now()
    with engine.begin() as conn:
        conn.execute(store.cohorts.insert(), [{"cohort_id": f"c{i:04d}", "created_at": now} for i in range(n_cohorts)])
        conn.execute(
            store.participants.insert(),
            [
                {
                    "participant_id": p,
                    "cohort_id": c,
                    "role": r,
                    "name": None,
                    "email": f"{p.lower()}@example.com",
                    "mentor_id": None,
                    "matched_on": None,
                    "department": None,
                    "attributes": None,
                    "updated_at": now,
                }
                for p, c, r in zip(pid, cohort, role, strict=True)
            ],
        )
        store.version_unversioned(conn)
    who = rng.integers(0, participants, submissions)
    start = datetime(2026, 1, 1)
    seconds = rng.integers(0, 320 * 86400, submissions)
    # about 85 % yes, about 3 % unanswered
    answers = rng.choice([1.0, 0.0, np.nan], p=[0.82, 0.15, 0.03], size=(submissions, 11))
    chunk = 100_000
    for lo in range(0, submissions, chunk):
        hi = min(lo + chunk, submissions)
        with engine.begin() as conn:
            rows = []
            for i in range(lo, hi):
                p = who[i]
                inst = "mentor_readiness" if role[p] == "mentor" else "mentee_readiness"
                rows.append(
                    {
                        "submission_id": i + 1,
                        "instrument": inst,
                        "cohort_id": cohort[p],
                        "participant_id": pid[p],
                        "pair_id": None,
                        "goal_id": None,
                        "submitted_at": start + timedelta(seconds=int(seconds[i])),
                        "source": "bench",
                        "dedupe_key": f"b:{i}",
                        "import_id": None,
                        "received_at": now,
                        "raw": None,
                        "channel": "import",
                    }
                )
            conn.execute(store.submissions.insert(), rows)
            ans = []
            for i in range(lo, hi):
                n_items = 11 if role[who[i]] == "mentor" else 6
                prefix = "mr" if n_items == 11 else "me"
                for j in range(n_items):
                    v = answers[i, j]
                    if v == v:  # not NaN
                        ans.append(
                            {
                                "submission_id": i + 1,
                                "item_id": f"{prefix}{j + 1:02d}",
                                "value_num": v,
                                "value_text": None,
                            }
                        )
            conn.execute(store.answers.insert(), ans)
        print(f"  generated {hi:,} of {submissions:,} submissions", file=sys.stderr, flush=True)
    with engine.connect() as conn:
        conn.execute(sa.text("ANALYZE"))


def load_tables(db_url: str) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    from mentorkit import instruments as ins
    from mentorkit import store

    engine = store.connect(db_url, create=False)
    with engine.connect() as conn:
        people = store.read_participants(conn)
        wide = {r: store.read_responses(conn, ins.readiness_for(r)) for r in ("mentor", "mentee")}
    return people, wide


def phase_pandas(tables) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from mentorkit.analysis import score

    people, wide = tables
    t = time.perf_counter()
    tables = {r: score.readiness_by_cohort(wide[r], people, r, AS_OF)[0] for r in ("mentor", "mentee")}
    wall = time.perf_counter() - t
    return {
        "seconds": wall,
        "cohorts": len(tables["mentee"]),
        "mean_of_means": float(pd.to_numeric(tables["mentee"]["mean_score"]).mean()),
    }


DUCK_SQL = """
WITH cut AS (
  SELECT r.* FROM wide r JOIN people p ON p.participant_id = r.participant_id AND p.role = '{role}'
  WHERE r.submitted_at < TIMESTAMP '{end}'
), latest AS (
  SELECT * FROM cut QUALIFY row_number() OVER (PARTITION BY participant_id ORDER BY submitted_at DESC, submission_id DESC) = 1
), scored AS (
  SELECT cohort_id, {answered} AS answered, {yes} AS yes FROM latest
), banded AS (
  SELECT cohort_id, answered >= {min_answered} AS complete,
         CASE WHEN answered >= {min_answered} THEN 100.0 * yes / answered END AS score FROM scored
), agg AS (
  SELECT cohort_id, count(*) AS respondents, avg(score) AS mean_score,
         count(*) FILTER (WHERE score >= 75) AS ready,
         count(*) FILTER (WHERE score >= 50 AND score < 75) AS developing,
         count(*) FILTER (WHERE score < 50) AS not_yet,
         count(*) FILTER (WHERE NOT complete) AS incomplete
  FROM banded GROUP BY cohort_id
), enrolled AS (SELECT cohort_id, count(*) AS enrolled FROM people WHERE role = '{role}' GROUP BY cohort_id)
SELECT e.cohort_id, e.enrolled, coalesce(a.respondents, 0) AS respondents,
       coalesce(a.respondents, 0) / e.enrolled AS response_rate,
       CASE WHEN coalesce(a.respondents, 0) >= 5 THEN a.mean_score END AS mean_score,
       CASE WHEN coalesce(a.respondents, 0) >= 5 THEN a.ready END AS ready,
       CASE WHEN coalesce(a.respondents, 0) >= 5 THEN a.developing END AS developing,
       CASE WHEN coalesce(a.respondents, 0) >= 5 THEN a.not_yet END AS not_yet,
       coalesce(a.incomplete, 0) AS incomplete
FROM enrolled e LEFT JOIN agg a USING (cohort_id)
"""


def phase_duckdb(tables) -> dict[str, float]:  # type: ignore[no-untyped-def]
    import duckdb

    from mentorkit import instruments as ins

    people, wide_tables = tables
    con = duckdb.connect()
    con.register("people", people)
    t = time.perf_counter()
    out = {}
    for role in ("mentor", "mentee"):
        inst = ins.readiness_for(role)
        con.register("wide", wide_tables[role])
        items = [i.id for i in inst.scored_items]
        sql = DUCK_SQL.format(
            role=role,
            end=(AS_OF + timedelta(days=1)).isoformat(),
            answered=" + ".join(f"({i} IS NOT NULL)::INT" for i in items),
            yes=" + ".join(f"coalesce({i}, 0)" for i in items),
            min_answered=inst.min_answered(),
        )
        out[role] = con.execute(sql).df()
    wall = time.perf_counter() - t
    return {
        "seconds": wall,
        "cohorts": len(out["mentee"]),
        "mean_of_means": float(pd.to_numeric(out["mentee"]["mean_score"]).mean()),
    }


class PeakRSS:
    """Peak resident memory of this process while a block runs, sampled every 2 ms."""

    def __enter__(self) -> PeakRSS:
        import threading

        import psutil

        self._proc = psutil.Process()
        self.base = self.peak = self._proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)

    @property
    def added_mb(self) -> float:
        return (self.peak - self.base) / 2**20


def phase_score_one(db_url: str) -> dict[str, float]:
    t = time.perf_counter()
    from mentorkit import store
    from mentorkit.analysis import score

    imported = time.perf_counter() - t
    with PeakRSS() as mem:
        t = time.perf_counter()
        engine = store.connect(db_url, create=False)
        result = score.score_cohort(store.load(engine, ["c0042"]), "c0042", AS_OF)
        wall = time.perf_counter() - t
    return {
        "seconds": wall,
        "import_seconds": imported,
        "added_mb": mem.added_mb,
        "respondents": result.mentee_readiness.respondents,
    }


PHASES = {
    "score-one": phase_score_one,
    "pandas-all": lambda url: measured(phase_pandas, url),
    "duckdb-all": lambda url: measured(phase_duckdb, url),
}


def measured(fn, url: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    tables = load_tables(url)  # the same in-memory tables for both; reading them is not measured
    import duckdb  # noqa: F401  (imported before measuring, like pandas)

    with PeakRSS() as mem:
        result = fn(tables)
    result["added_mb"] = mem.added_mb
    return result


def run_isolated(phase: str, url: str) -> dict[str, float]:
    """One phase in a fresh process."""
    proc = subprocess.run([sys.executable, __file__, "--phase", phase, "--db", url], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--submissions", type=int, default=1_000_000)
    parser.add_argument("--keep", metavar="DIR", help="keep (or reuse) the generated store in DIR")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](args.db)))
        return 0
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="mk-score-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "bench.db"
    url = f"sqlite:///{db}"
    if not db.exists():
        t = time.perf_counter()
        generate(url, args.participants, args.submissions)
        print(f"generated the store in {time.perf_counter() - t:.0f} s ({db.stat().st_size / 1e6:.0f} MB)")
    results = {}
    for phase in ("score-one", "pandas-all", "duckdb-all"):
        # each phase in its own process, so peak memory is that phase's own
        results[phase] = run_isolated(phase, url)
    one, pandas_all, duck_all = results["score-one"], results["pandas-all"], results["duckdb-all"]
    exe = Path(sys.executable).parent / "mentorkit"
    t = time.perf_counter()
    subprocess.run(
        [str(exe), "score", "--cohort", "c0042", "--as-of", AS_OF.isoformat(), "--json", "--db", url],
        check=True,
        capture_output=True,
    )
    command = time.perf_counter() - t
    print(
        f"store: {args.participants:,} participants in {args.participants // COHORT_SIZE:,} cohorts, "
        f"{args.submissions:,} readiness submissions; {os.cpu_count()} CPUs"
    )
    print(
        f"one cohort: read + score {one['seconds']:.2f} s, +{one['added_mb']:.0f} MB (target < 1 s); "
        f"the whole `mentorkit score` command {command:.2f} s, of which imports {one['import_seconds']:.2f} s"
    )
    print(
        f"every cohort, mentorkit pandas (in memory): {pandas_all['seconds']:.2f} s, +{pandas_all['added_mb']:.0f} MB"
    )
    print(f"every cohort, DuckDB SQL (same tables):     {duck_all['seconds']:.2f} s, +{duck_all['added_mb']:.0f} MB")
    print(
        f"pandas / DuckDB: {pandas_all['seconds'] / duck_all['seconds']:.2f}x (target ≤ 2x); same mean of means: "
        f"{abs(pandas_all['mean_of_means'] - duck_all['mean_of_means']) < 1e-9}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
