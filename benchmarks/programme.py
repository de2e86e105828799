"""Benchmark: the programme report alone on a store (``programmerun.run_programme`` in this process).

Prints the wall time, the kernel's peak RSS (sampled every 50 ms, as ``benchmarks/reports.py`` does), this
process's peak RSS (execution and HTML export) and the size of ``programme.html`` (and of the full
per-cohort CSV when the report wrote one).

    python benchmarks/programme.py --db PATH [--as-of 2026-11-15] [--out DIR]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mentorkit.runs import programme as programmerun
from mentorkit.runs.folder import PROGRAMME_HTML
from mentorkit.runs.options import RunOptions
from reports import TreeSampler


def main(argv: list[str] | None = None) -> int:
    """Run the programme report once and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="an SQLite store (path)")
    parser.add_argument("--as-of", default="2026-11-15")
    parser.add_argument("--out", help="the report folder (default: a temporary one)")
    args = parser.parse_args(argv)
    out = Path(args.out or tempfile.mkdtemp(prefix="programme-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    import os

    options = RunOptions(as_of=date.fromisoformat(args.as_of), out=out, db_url=f"sqlite:///{Path(args.db).resolve()}")
    sampler = TreeSampler(os.getpid())
    start = time.perf_counter()
    outcome = programmerun.run_programme(options, None)
    wall = time.perf_counter() - start
    sampler.stop()
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    html = out / PROGRAMME_HTML
    csv = out / programmerun.FULL_TABLE
    print(f"programme report: {outcome.status} {outcome.error or ''}".rstrip())
    print(
        f"wall {wall:.1f} s; kernel peak RSS {sampler.child / 2**20:.0f} MB; this process peak RSS {self_peak:.0f} MB"
    )
    print(f"programme.html {html.stat().st_size / 2**20:.2f} MB" if html.is_file() else "programme.html: none")
    print(f"{csv.name} {csv.stat().st_size / 2**10:.0f} KiB" if csv.is_file() else f"{csv.name}: none")
    print(f"folder: {out}")
    return 0 if outcome.status == "ok" else 1


if __name__ == "__main__":
    raise SystemExit(main())
