"""Benchmark: ``store.load`` of one cohort (and of the whole store), the baseline and this code in one run.

The baseline is the per-instrument reading kept in ``tests/load_reference.py`` (pandas.read_sql,
two queries per instrument), or ``read.py`` at a git ref with ``--baseline REF``. Cohorts are
read alternately by baseline and candidate, so load from other processes hits both alike; CPU
time (``process_time``) is what is compared. ``--check`` also asserts that every frame is equal.

    python benchmarks/load.py --db sqlite:////path/programme-200.db [--cohorts 40] [--whole] [--check] [--as-of DAY]

``--as-of`` has the candidate read the roster in force at the end of that day, as reports do
(the baseline reads the roster in force now; ``--check`` then needs no version recorded after it).
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mentorkit import store  # noqa: E402


def baseline(ref: str | None) -> ModuleType:
    """The reference reading, or ``mentorkit/store/read.py`` as it was at ``ref``."""
    if ref is None:
        from tests import load_reference

        return load_reference
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{ref}:mentorkit/store/read.py"], capture_output=True, text=True, check=True
    ).stdout
    spec = importlib.util.spec_from_loader("mentorkit.store._baseline_read", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "mentorkit.store"
    exec(compile(source, f"{ref}:mentorkit/store/read.py", "exec"), module.__dict__)
    return module


def cpu_ms(fn, *args) -> float:  # type: ignore[no-untyped-def]
    start = time.process_time()
    fn(*args)
    return (time.process_time() - start) * 1000


def settled(data):  # type: ignore[no-untyped-def]
    """Rows in a set order: roster and pairs by id, responses by cohort, submitted_at and id."""
    keys = ["cohort_id", "submitted_at", "submission_id"]
    return store.CohortData(
        participants=data.participants.sort_values("participant_id").reset_index(drop=True),
        pairs=data.pairs.sort_values("pair_id").reset_index(drop=True),
        responses={k: f.sort_values(keys, kind="stable").reset_index(drop=True) for k, f in data.responses.items()},
    )


def same(got, expected, *, any_order: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Equal frames; with ``any_order`` (PostgreSQL) once both are ``settled``."""
    import pandas as pd

    if any_order:  # PostgreSQL sets no order where the queries set none: compare rows in one
        got, expected = settled(got), settled(expected)
    pairs = [(got.participants, expected.participants), (got.pairs, expected.pairs)]
    pairs += [(got.responses[k], expected.responses[k]) for k in expected.responses]
    assert list(got.responses) == list(expected.responses)
    for left, right in pairs:
        assert list(left.dtypes.astype(str)) == list(right.dtypes.astype(str))
        pd.testing.assert_frame_equal(left, right, check_exact=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", required=True, help="store URL (opened read-only use; SQLite writes its -shm beside it)"
    )
    parser.add_argument("--baseline", help="git ref of read.py to compare with (default: tests/load_reference.py)")
    parser.add_argument("--cohorts", type=int, default=40, help="cohorts timed (default 40)")
    parser.add_argument("--whole", action="store_true", help="also time a whole-store load (each once)")
    parser.add_argument("--check", action="store_true", help="assert equal frames for every cohort and the whole store")
    parser.add_argument("--as-of", type=date.fromisoformat, help="the candidate reads the roster as of this day")
    args = parser.parse_args()
    new = functools.partial(store.load, as_of=args.as_of)

    old = baseline(args.baseline)
    engine = store.connect(args.db, create=False)
    with engine.connect() as conn:
        cohorts = store.list_cohorts(conn)
    for cohort in cohorts[:3]:  # warm caches and compiled statements
        old.load(engine, [cohort])
        new(engine, [cohort])
    timed = cohorts[: args.cohorts]
    before, after = [], []
    for cohort in timed:
        before.append(cpu_ms(old.load, engine, [cohort]))
        after.append(cpu_ms(new, engine, [cohort]))
    b, a = statistics.median(before), statistics.median(after)
    print(f"store.load, one cohort, CPU ms (median of {len(timed)}): baseline {b:.1f}, new {a:.1f}, ratio {a / b:.2f}")
    if args.whole:
        wb = cpu_ms(old.load, engine, None)
        wa = cpu_ms(new, engine, None)
        print(f"store.load, whole store, CPU s: baseline {wb / 1000:.2f}, new {wa / 1000:.2f}, ratio {wa / wb:.2f}")
    if args.check:
        pg = engine.dialect.name == "postgresql"
        for cohort in cohorts:
            same(new(engine, [cohort]), old.load(engine, [cohort]), any_order=pg)
        same(new(engine, cohorts[:3]), old.load(engine, cohorts[:3]), any_order=pg)
        same(new(engine, None), old.load(engine, None), any_order=pg)
        print(f"equal frames: {len(cohorts)} cohorts one by one, three together, the whole store")


if __name__ == "__main__":
    main()
