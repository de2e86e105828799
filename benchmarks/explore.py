"""Benchmark: how long the explore notebook's dashboard takes to redraw (targets: sample ≤ 0.5 s, 200 cohorts ≤ 2 s).

Runs `mentorkit.reporting.explore.Explorer` in this process (no browser: a redraw is the Python side, scoring and building
the table and charts) on the sample programme and, with `--store`, on a large store such as the one
`benchmarks/score.py --participants 20000 --submissions 200000 --keep DIR` leaves in `DIR/bench.db`
(200 cohorts). Per store it prints the one-off load, then the median redraw time of: a new choice of cohorts
(none of them scored before), a new as-of date, a breakdown by department, a new as-of date with it, a choice seen before (cached), and a new drill-down cohort.
The baseline, measured in the same run, is `figures.programme_figures` scoring the same cohorts straight from
the whole store's frames (no split, no cache): the ratio shows what the per-cohort split and the cache buy.

    python benchmarks/explore.py [--store DIR/bench.db] [--compare 4] [--repeat 5] [--as-of 2026-11-15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(url: str, as_of: date, compare: int, repeat: int) -> dict[str, float]:
    """Seconds for the load and the median of each kind of redraw on one store."""
    from mentorkit.analysis import figure_table as figures
    from mentorkit.reporting.explore import Explorer

    start = time.perf_counter()
    explorer = Explorer(url, as_of)
    load = time.perf_counter() - start
    cohorts = list(explorer.cohorts.options)
    groups = [tuple(cohorts[(i * compare + j) % len(cohorts)] for j in range(compare)) for i in range(1, repeat + 1)]
    fresh, cached, drill, base = [], [], [], []
    for group in groups:
        group = tuple(dict.fromkeys(group))  # a small store repeats cohorts: each once
        explorer.cohorts.value = ()
        explorer._contexts.clear()  # a choice never scored before (the sample has only 4 cohorts to go round)
        explorer._figures.clear()
        fresh.append(timed(lambda g=group: setattr(explorer.cohorts, "value", g)))
        explorer.cohorts.value = ()
        cached.append(timed(lambda g=group: setattr(explorer.cohorts, "value", g)))
        base.append(timed(lambda g=group: figures.programme_figures(explorer.data, list(g), explorer.as_of.value)))
    for _ in range(repeat):
        options = [c for c in explorer.cohort.options if c != explorer.cohort.value]
        if not options:
            break
        drill.append(timed(lambda o=options[0]: setattr(explorer.cohort, "value", o)))
    # each date new to the caches: half of them plain, half with the breakdown on
    dates = [d for _, d in explorer.as_of.options if d != explorer.as_of.value][::-1]
    half = max(1, min(repeat, len(dates) // 2))
    moved = [timed(lambda d=d: setattr(explorer.as_of, "value", d)) for d in dates[:half]]
    attributes = [a for _, a in explorer.attribute.options if a]
    broken = timed(lambda: setattr(explorer.attribute, "value", attributes[0])) if attributes else None
    moved_broken = [timed(lambda d=d: setattr(explorer.as_of, "value", d)) for d in dates[half : 2 * half]]
    out = {
        "cohorts": len(cohorts),
        "load": load,
        "fresh": statistics.median(fresh),
        "cached": statistics.median(cached),
        "baseline": statistics.median(base),
    }
    if broken is not None:
        out["breakdown"] = broken
    if drill:
        out["drill"] = statistics.median(drill)
    if moved:
        out["as_of"] = statistics.median(moved)
    if moved_broken:
        out["as_of_breakdown"] = statistics.median(moved_broken)
    return out


def sample_store(folder: Path) -> str:
    url = f"sqlite:///{folder / 'sample.db'}"
    exe = Path(sys.executable).parent / "mentorkit"
    subprocess.run([str(exe), "demo", "--db", url], check=True, capture_output=True)
    return url


def report(name: str, r: dict[str, float], target: float, compare: int) -> None:
    print(
        f"{name}: {r['cohorts']:.0f} cohorts, comparing {compare}; load (read once, split, first draw) {r['load']:.2f} s"
    )
    print(
        f"  redraw, new cohorts (scored now) {r['fresh']:.3f} s (target ≤ {target:g} s: "
        f"{'met' if r['fresh'] <= target else 'MISSED'}); the same choice again (cached) {r['cached']:.3f} s"
    )
    if "breakdown" in r:
        print(f"  redraw, break the chosen cohorts down by department (segments.segments) {r['breakdown']:.3f} s")
    if "as_of" in r:
        print(f"  redraw, new as-of date (every shown cohort scored anew) {r['as_of']:.3f} s")
    if "as_of_breakdown" in r:
        print(f"  redraw, new as-of date with the breakdown on {r['as_of_breakdown']:.3f} s")
    if "drill" in r:
        print(f"  drill-down to another cohort {r['drill']:.3f} s")
    print(
        f"  baseline: figures.programme_figures on the whole store's frames {r['baseline']:.3f} s; "
        f"new-cohorts redraw / baseline {r['fresh'] / r['baseline']:.2f}x"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="a large store (e.g. DIR/bench.db of benchmarks/score.py --keep DIR)")
    parser.add_argument("--compare", type=int, default=4, help="cohorts compared at once (default 4)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--as-of", default="2026-11-15")
    args = parser.parse_args()
    as_of = date.fromisoformat(args.as_of)
    with tempfile.TemporaryDirectory(prefix="mk-explore-bench-") as tmp:
        report("sample", measure(sample_store(Path(tmp)), as_of, args.compare, args.repeat), 0.5, args.compare)
    if args.store:
        path = Path(args.store)
        path = path / "bench.db" if path.is_dir() else path
        report(path.name, measure(f"sqlite:///{path}", as_of, args.compare, args.repeat), 2.0, args.compare)
    print("(timings on a shared machine: compare within one run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
