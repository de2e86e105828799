"""Benchmark: `mentorkit report --all` at programme scale, and against the naive loop on the sample.

Programme scale (the default): generates a programme of N cohorts of 100 people in which every
instrument has answers (readiness from both roles, check-ins from both sides of each pair,
mentoring agreements, goal updates) with realistic mess: unanswered items, incomplete and
repeated checklists, answers after the as-of date, unmatched mentees, mentors with several
mentees, one-sided check-ins, goals agreed by one side only, dropped and never-updated goals,
comments with markup, import flags and a few tiny cohorts whose figures are suppressed. Then it
runs `mentorkit report --all` and prints, per run: per-report p50/p95 wall time (each kernel's
time per report, from the manifest) and CPU time (the kernel's plus the runner's export), the
total time, the runner's and the largest kernel's peak RSS, and how the time scales with
`--jobs`. `--baseline REF` also runs the code of a git ref on the first store in the same
session (the machine is shared: compare within one run) and checks that both runs' pages show
the same figures and text (benchmarks/compare_reports.py).

    python benchmarks/reports.py [--cohorts 200 1000] [--jobs 1 2 4] [--keep DIR] [--baseline main]
    python benchmarks/reports.py --store DIR/bench.db --jobs 2 --baseline main   # e.g. benchmarks/score.py's store

The naive-loop comparison on the sample programme (`papermill` CLI then `jupyter nbconvert
--no-input` per report, against `mentorkit report --all`):

    python benchmarks/reports.py --naive [--as-of 2026-11-15] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
AS_OF = date(2026, 11, 15)
COHORT_SIZE = 100
MENTORS = 30
COMMENTS = [
    "Great conversations about moving into architecture.",
    "We keep rescheduling — hard to find time.",
    "<b>bold</b> claims & 'quotes' \"everywhere\"",
    "Très utile, merci ! 👍",
    "",
]


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if not found:
        sys.exit(f"benchmark: {name} is not installed")
    return found


# --- the programme ------------------------------------------------------------------------------


def generate(db_url: str, n_cohorts: int, per_cohort: int, seed: int = 14) -> dict[str, int]:
    """A programme of ``n_cohorts`` cohorts with about ``per_cohort`` submissions each, every instrument answered."""
    import numpy as np

    from mentorkit import store

    rng = np.random.default_rng(seed)
    engine = store.connect(db_url)
    now = store.now()
    start = datetime(2026, 3, 1)
    people, pairs, goals, subs, answers = [], [], [], [], []
    sub_cols = [c.name for c in store.submissions.columns]
    extra = {"channel": "import"}  # columns other versions of the store add, with their import value

    def submit(instrument, cohort, pid, pair_id, goal_id, when, flags, items) -> None:  # type: ignore[no-untyped-def]
        sid = len(subs) + 1
        row = {
            "submission_id": sid,
            "instrument": instrument,
            "cohort_id": cohort,
            "participant_id": pid,
            "pair_id": pair_id,
            "goal_id": goal_id,
            "submitted_at": when.strftime("%Y-%m-%d %H:%M:%S.%f"),
            "source": "bench",
            "dedupe_key": f"b:{sid}",
            "import_id": None,
            "received_at": now.strftime("%Y-%m-%d %H:%M:%S.%f"),
            "raw": None,
            "flags": flags,
        }
        subs.append(tuple(row.get(c, extra.get(c)) for c in sub_cols))
        for item, num, text in items:
            answers.append((sid, item, num, text))

    def when(lo: datetime = start, days: int = 265) -> datetime:
        return lo + timedelta(seconds=int(rng.integers(0, days * 86400)))

    pair_id = 0
    for c in range(n_cohorts):
        cohort = f"c{c:04d}"
        size = 8 if c % 50 == 7 else COHORT_SIZE  # a few tiny cohorts: their scores are suppressed
        n_mentors = max(2, size * MENTORS // COHORT_SIZE)
        mentors = [f"{cohort}-m{i:02d}" for i in range(n_mentors)]
        mentees = [f"{cohort}-e{i:02d}" for i in range(size - n_mentors)]
        matched = {}
        for i, e in enumerate(mentees):
            if rng.random() < 0.08:  # unmatched
                continue
            m = mentors[int(rng.integers(0, n_mentors))] if i >= n_mentors else mentors[i]
            matched[e] = (m, (start + timedelta(days=int(rng.integers(0, 250)))).date())
        dept = ["Engineering", "Sales", "Operations", "Legal"]
        for pid in mentors + mentees:
            m, on = matched.get(pid, (None, None))
            role = "mentor" if pid in mentors else "mentee"
            people.append(
                (pid, cohort, role, f"Person {pid}", f"{pid}@example.org", m, on, dept[int(rng.integers(0, 4))])
            )
        cohort_pairs = []
        for e, (m, on) in matched.items():
            pair_id += 1
            pairs.append((pair_id, cohort, m, e, on))
            cohort_pairs.append((pair_id, m, e, on))
        budget = per_cohort * size // COHORT_SIZE
        # readiness: ~55 %, people answer 1–3 times; some blanks, some incomplete, some after as-of
        for _ in range(int(budget * 0.55)):
            pid = (mentors + mentees)[int(rng.integers(0, size))]
            role = "mentor" if pid in mentors else "mentee"
            n_items = 11 if role == "mentor" else 6
            vals = rng.choice([1.0, 0.0], p=[0.8, 0.2], size=n_items)
            blanks = rng.random(n_items) < (0.4 if rng.random() < 0.08 else 0.03)
            prefix = "mr" if role == "mentor" else "me"
            items = [
                (f"{prefix}{j + 1:02d}", float(v), None)
                for j, (v, b) in enumerate(zip(vals, blanks, strict=True))
                if not b
            ]
            flags = "partial" if blanks.sum() > n_items * 0.2 else ("speeder" if rng.random() < 0.02 else None)
            submit(f"{role}_readiness", cohort, pid, None, None, when(days=270), flags, items)
        # check-ins: ~30 %, from either side (often only one), elements sometimes missing
        elements = ["reciprocity", "learning", "relationship", "partnership", "collaboration", "goals", "development"]
        for _ in range(int(budget * 0.30) if cohort_pairs else 0):
            pid_, m, e, on = cohort_pairs[int(rng.integers(0, len(cohort_pairs)))]
            side = m if rng.random() < 0.45 else e
            base = int(rng.integers(2, 6))
            straight = rng.random() < 0.05
            items = []
            for el in elements:
                if not straight and rng.random() < 0.04:
                    continue
                v = base if straight else int(np.clip(base + rng.integers(-1, 2), 1, 5))
                items.append((f"rc_{el}", float(v), None))
            comment = COMMENTS[int(rng.integers(0, len(COMMENTS)))]
            if comment and rng.random() < 0.3:
                items.append(("comment", None, comment))
            submit(
                "checkin", cohort, side, pid_, None, when(datetime.combine(on, datetime.min.time()), 240),
                "straight_lining" if straight else None, items,
            )  # fmt: skip
        # agreements: ~1.5 goals per pair, some agreed by one side only; then updates (~11 %)
        cohort_goals = []
        for pid_, m, e, on in cohort_pairs:
            for g in range(int(rng.integers(0, 3))):
                gid = f"G-{pid_}-{g}"
                s = datetime.combine(on, datetime.min.time()) + timedelta(days=int(rng.integers(0, 30)))
                t = s + timedelta(days=int(rng.integers(60, 240)))
                goals.append((gid, pid_, cohort))
                cohort_goals.append((gid, pid_, m, e))
                items = [
                    ("title", None, f"Goal {g + 1} of pair {pid_}: lead a <review> & present"),
                    ("success_criteria", None, "confirmed by both at a check-in"),
                    ("start_date", None, s.strftime("%Y-%m-%d")),
                    ("target_date", None, t.strftime("%Y-%m-%d")),
                    ("agreed_by_mentor", 1.0, None),
                    ("agreed_by_mentee", 1.0 if rng.random() < 0.85 else 0.0, None),
                ]
                submit("goals", cohort, m, pid_, gid, s, None, items)
        for _ in range(int(budget * 0.11) if cohort_goals else 0):
            gid, pid_, m, e = cohort_goals[int(rng.integers(0, len(cohort_goals)))]
            status = rng.choice(["in_progress", "not_started", "achieved", "dropped"], p=[0.7, 0.1, 0.15, 0.05])
            pct = 100.0 if status == "achieved" else float(rng.integers(0, 100))
            items = [("progress_pct", pct, None), ("status", None, str(status))]
            if rng.random() < 0.2:
                items.append(("note", None, "moved the deadline — <again>"))
            submit("goal_updates", cohort, e if rng.random() < 0.7 else m, pid_, gid, when(days=270), None, items)
    with engine.begin() as conn:
        conn.execute(store.cohorts.insert(), [{"cohort_id": f"c{i:04d}", "created_at": now} for i in range(n_cohorts)])
        conn.execute(
            store.participants.insert(),
            [
                dict(
                    zip(
                        [
                            "participant_id",
                            "cohort_id",
                            "role",
                            "name",
                            "email",
                            "mentor_id",
                            "matched_on",
                            "department",
                        ],
                        p,
                        strict=True,
                    ),
                    attributes=None,
                    updated_at=now,
                )
                for p in people
            ],
        )
        store.version_unversioned(conn)
        conn.execute(
            store.pairs.insert(),
            [
                dict(zip(["pair_id", "cohort_id", "mentor_id", "mentee_id", "matched_on"], p, strict=True))
                for p in pairs
            ],
        )
        conn.execute(
            store.goals.insert(), [dict(zip(["goal_id", "pair_id", "cohort_id"], g, strict=True)) for g in goals]
        )
        marks = ", ".join("?" * len(sub_cols))
        # column names from the table definition, values as parameters
        conn.exec_driver_sql(f"INSERT INTO submissions ({', '.join(sub_cols)}) VALUES ({marks})", subs)  # noqa: S608
        conn.exec_driver_sql(
            "INSERT INTO answers (submission_id, item_id, value_num, value_text) VALUES (?, ?, ?, ?)", answers
        )
        conn.exec_driver_sql("ANALYZE")
    return {"people": len(people), "pairs": len(pairs), "goals": len(goals), "submissions": len(subs)}


# --- one run ------------------------------------------------------------------------------------


class TreeSampler:
    """Peak RSS of a process (the runner) and of its largest child (a kernel), sampled every 50 ms."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.proc = psutil.Process(pid)
        self.parent = self.child = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import psutil

        while not self._stop.wait(0.05):
            try:
                self.parent = max(self.parent, self.proc.memory_info().rss)
                for child in self.proc.children(recursive=True):
                    self.child = max(self.child, child.memory_info().rss)
            except psutil.Error:
                continue

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run_report(
    db: str, out: Path, jobs: int, env: dict[str, str], command: list[str], cwd: Path = ROOT
) -> dict[str, float]:
    """One `report --all` run: wall and CPU time, peak RSS, per-report percentiles from the manifest."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    args = [*command, "report", "--all", "--as-of", AS_OF.isoformat(), "--db", db, "--out", str(out)]
    proc = subprocess.Popen(
        [*args, "--jobs", str(jobs)], env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    sampler = TreeSampler(proc.pid)
    stdout, stderr = proc.communicate()
    sampler.stop()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"benchmark: report failed ({proc.returncode}):\n{stdout.decode()[-2000:]}\n{stderr.decode()[-2000:]}")
    manifest = json.loads((out / "manifest.json").read_text())
    seconds = sorted(r["seconds"] for r in manifest["reports"])
    cpu = sorted(r["cpu_seconds"] for r in manifest["reports"] if r.get("cpu_seconds") is not None)
    return {
        "reports": len(seconds),
        "wall": wall,
        "cpu": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        "p50": pct(seconds, 50),
        "p95": pct(seconds, 95),
        "cpu_p50": pct(cpu, 50) if cpu else float("nan"),
        "cpu_p95": pct(cpu, 95) if cpu else float("nan"),
        "parent_mb": sampler.parent / 2**20,
        "kernel_mb": sampler.child / 2**20,
    }


def pct(values: list[float], p: int) -> float:
    """The p-th percentile (nearest rank) of sorted values."""
    return values[min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))]


def show(label: str, r: dict[str, float]) -> None:
    print(
        f"  {label:<28} {r['reports']:5.0f} reports in {r['wall']:7.1f} s ({r['wall'] / r['reports']:.3f} s wall a report); "
        f"per report per kernel p50 {r['p50']:.2f} s, p95 {r['p95']:.2f} s; CPU a report p50 {r['cpu_p50']:.3f} s, "
        f"p95 {r['cpu_p95']:.3f} s, whole run {r['cpu'] / r['reports']:.3f} s; peak RSS runner {r['parent_mb']:.0f} MB, "
        f"largest kernel {r['kernel_mb']:.0f} MB",
        flush=True,
    )


def baseline_code(ref: str, where: Path) -> list[str]:
    """The mentorkit of a git ref, unpacked to run beside the installed one (python -m mentorkit.cli)."""
    where.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive, check=True)
    return [sys.executable, "-m", "mentorkit.cli"]


def programme(args: argparse.Namespace) -> int:
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="mk-reports-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MENTORKIT_HOME": str(folder)}
    mine = [sys.executable, "-m", "mentorkit.cli"]
    print(f"{os.cpu_count()} CPUs; the machine may be shared: compare figures within one run", flush=True)
    stores = [(n, folder / f"programme-{n}.db") for n in args.cohorts]
    if args.store:  # a store made elsewhere, e.g. by benchmarks/score.py --keep DIR (readiness only)
        path = Path(args.store)
        with sqlite3.connect(path) as conn:
            stores = [(conn.execute("SELECT count(*) FROM cohorts").fetchone()[0], path)]
        args.cohorts = [stores[0][0]]
    for n, db_path in stores:
        db = f"sqlite:///{db_path}"
        if not db_path.exists():
            t = time.perf_counter()
            made = generate(db, n, args.per_cohort)
            print(
                f"generated {n} cohorts: {made['people']:,} people, {made['pairs']:,} pairs, {made['goals']:,} goals, "
                f"{made['submissions']:,} submissions in {time.perf_counter() - t:.0f} s",
                flush=True,
            )
        print(f"{n} cohorts ({db_path.stat().st_size / 1e6:.0f} MB store):", flush=True)
        jobs_list = args.jobs if n == args.cohorts[0] else [args.jobs_large]
        results = {}
        for jobs in jobs_list:
            out = folder / f"out-{n}-j{jobs}"
            shutil.rmtree(out, ignore_errors=True)
            results[jobs] = run_report(db, out, jobs, env, mine)
            show(f"--jobs {jobs}", results[jobs])
        if len(results) > 1:
            one = results[min(results)]
            print(
                "  scaling: "
                + ", ".join(
                    f"--jobs {j}: {one['wall'] / r['wall']:.2f}x the speed of --jobs {min(results)}"
                    for j, r in results.items()
                )
            )
        if args.baseline and n == args.cohorts[0]:  # the old runner's memory grows with the store
            jobs = args.jobs_large if args.jobs_large in jobs_list else jobs_list[0]
            code = folder / "baseline-src"
            command = baseline_code(args.baseline, code)
            out = folder / f"out-{n}-baseline"
            shutil.rmtree(out, ignore_errors=True)
            base = run_report(db, out, jobs, {**env, "PYTHONPATH": str(code)}, command, cwd=code)
            show(f"baseline {args.baseline} --jobs {jobs}", {**base, "cpu_p50": float("nan"), "cpu_p95": float("nan")})
            now = results[jobs]
            print(
                f"  against {args.baseline}: p50 per report per kernel {base['p50']:.2f} → {now['p50']:.2f} s "
                f"({base['p50'] / now['p50']:.1f}x); whole-run CPU a report {base['cpu'] / base['reports']:.3f} → "
                f"{now['cpu'] / now['reports']:.3f} s; runner peak {base['parent_mb']:.0f} → {now['parent_mb']:.0f} MB"
            )
            check = subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "benchmarks" / "compare_reports.py"),
                    str(out),
                    str(folder / f"out-{n}-j{jobs}"),
                ],
                capture_output=True,
                text=True,
            )
            print("  " + (check.stdout.strip().splitlines() or ["compare: no output"])[-1])
    print("targets: p50 per report per kernel ≤ 0.2 s at 200 cohorts; runner peak RSS ≤ 250 MB at 1,000 cohorts")
    return 0


# --- the naive loop on the sample ---------------------------------------------------------------


def naive(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="mk-bench-") as tmp:
        work = Path(tmp)
        db = f"sqlite:///{work / 'mentorkit.db'}"
        env = {**os.environ, "MENTORKIT_HOME": str(work)}
        subprocess.run([tool("mentorkit"), "demo", "--db", db], check=True, env=env, capture_output=True)
        cohorts = ["2026-fall-ops", "2026-pilot-legal", "2026-spring-eng", "2026-spring-sales"]
        reports = ["readiness", "goal_progress"]
        jobs = args.jobs[0] if args.jobs else (os.cpu_count() or 1)

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
                str(jobs),
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
                notebook = ROOT / "notebooks" / "reports" / f"{report}.ipynb"
                subprocess.run(
                    [
                        tool("papermill"),
                        str(notebook),
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
        slow = time.perf_counter() - start

    n = len(cohorts) * len(reports)
    print(f"reports: {n} ({len(cohorts)} cohorts × {len(reports)}), {os.cpu_count()} CPUs, --jobs {jobs}")
    print(f"naive loop (papermill CLI + nbconvert CLI per report): {slow:7.1f} s  ({slow / n:.2f} s/report)")
    print(f"mentorkit report --all:                                 {fast:7.1f} s  ({fast / n:.2f} s/report)")
    print(f"speed-up: {slow / fast:.1f}x (target ≥ 10x)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cohorts", type=int, nargs="+", default=[200, 1000], help="programme sizes (default 200 1000)"
    )
    parser.add_argument("--per-cohort", type=int, default=1000, help="submissions per 100-person cohort (default 1000)")
    parser.add_argument("--jobs", type=int, nargs="+", help="--jobs to compare at the first size (default 1 2 4)")
    parser.add_argument("--jobs-large", type=int, default=2, help="--jobs for the other sizes (default 2)")
    parser.add_argument("--store", metavar="FILE", help="run on this SQLite store instead of generating one")
    parser.add_argument("--keep", metavar="DIR", help="keep (or reuse) the generated stores and reports in DIR")
    parser.add_argument("--baseline", metavar="REF", help="also run the code of this git ref (e.g. main) on each store")
    parser.add_argument("--naive", action="store_true", help="the naive-loop comparison on the sample programme")
    parser.add_argument("--as-of", default="2026-11-15", help="as-of date of the naive comparison")
    args = parser.parse_args()
    if not args.naive:
        args.jobs = args.jobs or [1, 2, 4]
    return naive(args) if args.naive else programme(args)


if __name__ == "__main__":
    sys.exit(main())
