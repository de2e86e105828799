"""Benchmark: N participants (default 20) at once, each opening a personal link in Chromium and submitting.

Starts `mentorkit forms` on the sample programme in a temporary workspace, opens one warm-up page,
times one participant alone, then N participants at once (each in its own browser context): time
from opening the link to an interactive form and to the receipt on the page (p50, p95), the peak
RSS of the server's whole process tree during the run and again `--settle` seconds (120) after
every page closed, and checks that the store gained exactly one submission per participant.
`--engine voila` measures the same on Voilà (a kernel per page view), `--engine both` the two one after
the other with the ratios.

    python benchmarks/forms.py [-n 20] [--settle 120] [--engine solara|voila|both] [--rounds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TARGETS = {"single": 1.5, "p95": 15.0, "settled_mb": 600.0}


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += p.memory_info().rss
    return total


class Peak(threading.Thread):
    """Samples the process tree's RSS every 0.25 s; ``peak`` is the highest seen."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, tree_rss(self.pid))
            time.sleep(0.25)


def tree_cpu(root: psutil.Process, name: str | None = None) -> float:
    """CPU seconds (user + system) used so far by a process tree (only processes named ``name`` if given)."""
    total = 0.0
    with contextlib.suppress(psutil.NoSuchProcess):
        for p in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                if name is None or name in p.name():
                    t = p.cpu_times()
                    total += t.user + t.system + t.children_user + t.children_system
    return total


def count(db: str) -> int:
    engine = sa.create_engine(db)
    with engine.connect() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM submissions WHERE source = 'form'")).scalar_one()
    engine.dispose()
    return int(n)


def people(db: str) -> list[tuple[str, str]]:
    """(participant id, readiness form) for every mentor and mentee of the sample."""
    engine = sa.create_engine(db)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT participant_id, role FROM participants WHERE role IN ('mentor','mentee') ORDER BY 1")
        ).all()
    engine.dispose()
    return [(pid, f"{role}_readiness") for pid, role in rows]


def start(engine: str, db: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    if engine == "solara":
        cmd = [str(BIN / "mentorkit"), "forms", "--no-browser", "--port", str(port), "--db", db]
    else:
        cmd = [sys.executable, "-m", "voila", str(ROOT / "notebooks" / "collect" / "index.ipynb")]
        cmd += [f"--port={port}", "--Voila.ip=127.0.0.1", "--no-browser", "--strip_sources=True"]
        cmd += ["--show_tracebacks=False", "--theme=light"]
    proc = subprocess.Popen(cmd, env={**env, "MENTORKIT_DB": db}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30)
            return proc
        except urllib.error.HTTPError:
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    sys.exit("benchmark: the forms server did not start")


async def participant(browser, url: str) -> tuple[float, float]:
    """Open the link, answer Yes to every question, send; seconds to the form and to the receipt."""
    context = await browser.new_context()
    page = await context.new_page()
    t0 = time.perf_counter()
    await page.goto(url, timeout=180_000)
    await page.wait_for_selector(".mk-item input", state="visible", timeout=180_000)
    interactive = time.perf_counter() - t0
    for label in await page.locator(".mk-item .widget-radio-box label").filter(has_text="Yes").all():
        await label.click(timeout=60_000)
    await page.click(".mk-submit", timeout=60_000)
    await page.wait_for_selector(".mk-receipt", timeout=180_000)
    receipt = time.perf_counter() - t0
    await page.close(run_before_unload=True)
    await context.close()
    return interactive, receipt


def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of the values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


async def run(n: int, settle: int, engine: str, rounds: int = 1) -> dict[str, float]:
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory(prefix="mk-bench-forms-") as tmp:
        env = {**os.environ, "MENTORKIT_HOME": tmp}
        os.environ["MENTORKIT_HOME"] = tmp  # the links' secret lives in this workspace
        db = f"sqlite:///{Path(tmp) / 'mentorkit.db'}"
        subprocess.run([str(BIN / "mentorkit"), "demo", "--db", db], check=True, env=env, capture_output=True)
        from mentorkit.forms import links

        port = 18800 + os.getpid() % 1000
        proc = start(engine, db, port, env)
        base = f"http://127.0.0.1:{port}/"
        who = people(db)
        if len(who) < n + 1:
            sys.exit(f"benchmark: the sample has {len(who)} people; at most -n {len(who) - 1}")
        expires = datetime.now(UTC) + timedelta(days=1)
        urls = [links.personal_link(base, form, links.make_token(pid, form, expires)) for pid, form in who[: n + 1]]
        before = count(db)
        started_mb = tree_rss(proc.pid) / 2**20
        try:
            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                warm = await browser.new_page()  # the first page view pays the imports; a warm server is the case
                await warm.goto(base, timeout=180_000)
                await warm.wait_for_timeout(3000)
                await warm.close(run_before_unload=True)
                single, _ = await participant(browser, urls[0])

                peak = Peak(proc.pid)
                peak.start()
                me, server = psutil.Process(), psutil.Process(proc.pid)
                cpu0 = tree_cpu(server), tree_cpu(me, "chrom")
                t0 = time.perf_counter()
                results, after_round, failed = [], [], 0
                for _ in range(rounds):  # a day of page views in miniature: memory must not climb round after round
                    done = await asyncio.gather(*(participant(browser, u) for u in urls[1:]), return_exceptions=True)
                    failed += sum(1 for r in done if isinstance(r, BaseException))
                    results += [r for r in done if not isinstance(r, BaseException)]
                    after_round.append(tree_rss(proc.pid) / 2**20)
                wall = time.perf_counter() - t0
                cpu = tree_cpu(server) - cpu0[0], tree_cpu(me, "chrom") - cpu0[1]
                await browser.close()
            peak.running = False
            peak.join()
            closed_mb = tree_rss(proc.pid) / 2**20
            time.sleep(settle)
            settled_mb = tree_rss(proc.pid) / 2**20
            added = count(db) - before
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    interactive = [r[0] for r in results] + [math.inf] * failed  # a page that never got there counts as infinite
    receipt = [r[1] for r in results] + [math.inf] * failed
    print(f"engine: {engine}; the machine is shared with other work, so timings are noisy")
    print(f"one participant on a warm server: {single:.2f} s to an interactive form (target <= {TARGETS['single']} s)")
    print(f"{n} at once{f', {rounds} rounds' if rounds > 1 else ''}, all done in {wall:.1f} s:")
    if failed:
        print(f"  {failed} participant(s) never got their form or receipt (3-minute timeouts)")
    print(f"  to an interactive form: p50 {statistics.median(interactive):.2f} s, p95 {pct(interactive, 0.95):.2f} s")
    print(
        f"  to the receipt:         p50 {statistics.median(receipt):.2f} s, p95 {pct(receipt, 0.95):.2f} s"
        f" (target p95 <= {TARGETS['p95']} s)"
    )
    print(
        f"  CPU used meanwhile: the server {cpu[0]:.1f} s ({cpu[0] / (n * rounds):.2f} s a participant), "
        f"Chromium {cpu[1]:.1f} s"
    )
    print(f"  server process tree RSS: {started_mb:.0f} MB at start, peak {peak.peak / 2**20:.0f} MB during the run,")
    print(
        f"    {closed_mb:.0f} MB when the pages had closed, {settled_mb:.0f} MB {settle} s later"
        f" (target <= {TARGETS['settled_mb']:.0f} MB)"
    )
    if rounds > 1:
        print("    after each round: " + ", ".join(f"{mb:.0f} MB" for mb in after_round))
    want = n * rounds + 1
    ok = added == want
    print(f"store: +{added} form submissions ({'as expected' if ok else f'expected {want}'}: one alone, {n} at once)")
    met = ok and single <= TARGETS["single"] and pct(receipt, 0.95) <= TARGETS["p95"]
    met = met and settled_mb <= TARGETS["settled_mb"]
    print("targets: " + ("all met" if met else "NOT all met"))
    return {
        "ok": float(ok),
        "single": single,
        "p95_receipt": pct(receipt, 0.95),
        "server_cpu": cpu[0] / (n * rounds),
        "settled_mb": settled_mb,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="participants at once (20)")
    parser.add_argument("--settle", type=int, default=120, help="seconds to wait after the pages close (120)")
    parser.add_argument("--engine", choices=["solara", "voila", "both"], default="solara")
    parser.add_argument("--rounds", type=int, default=1, help="repeat the N at once this many times (1)")
    args = parser.parse_args()
    engines = ["solara", "voila"] if args.engine == "both" else [args.engine]
    got = {}
    for engine in engines:
        got[engine] = asyncio.run(run(args.n, args.settle, engine, args.rounds))
        print()
    if len(got) == 2:  # the baseline measured in the same run
        s, v = got["solara"], got["voila"]
        print("Voilà against Solara's server, same run:")
        print(
            f"  server CPU a participant {v['server_cpu']:.2f} s / {s['server_cpu']:.2f} s = {v['server_cpu'] / s['server_cpu']:.1f}x"
        )
        print(
            f"  RSS after the pages closed {v['settled_mb']:.0f} / {s['settled_mb']:.0f} MB = {v['settled_mb'] / s['settled_mb']:.1f}x"
        )
        print(
            f"  p95 to the receipt {v['p95_receipt']:.1f} / {s['p95_receipt']:.1f} s = {v['p95_receipt'] / s['p95_receipt']:.2f}x"
        )
    return 0 if all(g["ok"] for g in got.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
