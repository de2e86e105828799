"""Benchmark: `mentorkit report --all` against the naive loop, on the sample programme, in one run.

The naive loop runs, for every cohort and report, one after another, the `papermill` CLI and
then `jupyter nbconvert --to html --no-input` on the same notebooks. Prints both wall times and
the ratio.

    python benchmarks/reports.py [--as-of 2026-11-15] [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if not found:
        sys.exit(f"benchmark: {name} is not installed")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--as-of", default="2026-11-15")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mk-bench-") as tmp:
        work = Path(tmp)
        db = f"sqlite:///{work / 'mentorkit.db'}"
        env = {**os.environ, "MENTORKIT_HOME": str(work)}
        subprocess.run([tool("mentorkit"), "demo", "--db", db], check=True, env=env, capture_output=True)
        cohorts = ["2026-fall-ops", "2026-pilot-legal", "2026-spring-eng", "2026-spring-sales"]
        reports = ["readiness", "goal_progress"]

        start = time.perf_counter()
        done = subprocess.run(
            [
                tool("mentorkit"),
                "report",
                "--all",
                "--as-of",
                args.as_of,
                "--db",
                db,
                "--out",
                str(work / "fast"),
                "--jobs",
                str(args.jobs),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        fast = time.perf_counter() - start
        if done.returncode != 0:
            print(done.stdout, done.stderr, file=sys.stderr)
            return 1

        start = time.perf_counter()
        for cohort in cohorts:
            for report in reports:
                out = work / "naive" / cohort / f"{report}.ipynb"
                out.parent.mkdir(parents=True, exist_ok=True)
                subprocess.run(
                    [
                        tool("papermill"),
                        str(ROOT / "notebooks" / "reports" / f"{report}.ipynb"),
                        str(out),
                        "-p",
                        "cohort_id",
                        cohort,
                        "-p",
                        "as_of",
                        args.as_of,
                        "-p",
                        "db_url",
                        db,
                        "--log-level",
                        "ERROR",
                        "--no-progress-bar",
                    ],
                    check=True,
                    env=env,
                    capture_output=True,
                )
                subprocess.run(
                    [tool("jupyter"), "nbconvert", "--to", "html", "--no-input", str(out)],
                    check=True,
                    env=env,
                    capture_output=True,
                )
        naive = time.perf_counter() - start

    n = len(cohorts) * len(reports)
    print(f"reports: {n} ({len(cohorts)} cohorts × {len(reports)}), {os.cpu_count()} CPUs, --jobs {args.jobs}")
    print(f"naive loop (papermill CLI + nbconvert CLI per report): {naive:7.1f} s  ({naive / n:.2f} s/report)")
    print(f"mentorkit report --all:                                 {fast:7.1f} s  ({fast / n:.2f} s/report)")
    print(f"speed-up: {naive / fast:.1f}x (target ≥ 10x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
