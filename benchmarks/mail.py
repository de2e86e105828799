"""Benchmark: `mentorkit send invitations` to an N-person cohort (default 1,000) through a local SMTP server.

Makes a cohort of N/2 mentors and N/2 mentees in a temporary workspace, starts aiosmtpd on
loopback (STARTTLS on a self-signed certificate, AUTH, as in the tests), and runs the real
command in a subprocess: first `--dry-run` (composing only), then the real send, then a rerun
(the sent log skips everyone). Prints the wall time, messages a second and the command's peak
RSS for each, and checks the server received exactly one message per person.

    python benchmarks/mail.py [-n 1000]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.mailserver import PASSWORD, serving  # noqa: E402

EXE = Path(sys.executable).with_name("mentorkit")


def _roster(path: Path, n: int) -> None:
    mentors = n // 2
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["cohort_id", "participant_id", "role", "name", "email", "mentor_id", "matched_on", "department"])
        for i in range(mentors):
            w.writerow(["bench", f"M{i:04d}", "mentor", f"Mentor {i}", f"m{i}@example.org", "", "", "Ops"])
        for i in range(n - mentors):
            mentor = f"M{i % mentors:04d}"
            w.writerow(
                ["bench", f"E{i:04d}", "mentee", f"Mentee {i}", f"e{i}@example.org", mentor, "2026-09-01", "Ops"]
            )


def _timed(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """Seconds, peak RSS in MiB of the command (sampled every 20 ms), and its last line of output."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(EXE), *argv], env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    watched, peak = psutil.Process(proc.pid), 0
    while proc.poll() is None:
        with contextlib.suppress(psutil.Error):
            peak = max(peak, watched.memory_info().rss)
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:2])} failed ({proc.returncode}): {err.strip()}")
    return seconds, peak / 2**20, out.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="people in the cohort (default 1000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mentorkit-mail-bench-") as tmp:
        home = Path(tmp)
        env = {**os.environ, "MENTORKIT_HOME": str(home), "MENTORKIT_SMTP_PASSWORD": PASSWORD}
        _roster(home / "roster.csv", args.n)
        subprocess.run(
            [str(EXE), "import", str(home / "roster.csv"), "--instrument", "roster"],
            env=env,
            cwd=home,
            check=True,
            capture_output=True,
        )
        with serving(home / "smtp") as server:
            common = [
                "send",
                "invitations",
                "--cohort",
                "bench",
                "--form",
                "checkin",
                "--base-url",
                "https://forms.example.org/m/",
            ]
            common += ["--from", "Bench <bench@example.org>", "--smtp", server.url()]
            for label, extra in (("dry run", ["--dry-run", str(home / "box")]), ("send", []), ("rerun", [])):
                seconds, peak, last = _timed([*common, *extra], env, home)
                print(
                    f"{label:8s} {seconds:7.2f} s  {args.n / seconds:8.1f} messages/s  peak RSS {peak:6.1f} MiB  | {last}"
                )
            received = [r.rcpt_tos[0] for r in server.handler.received]
            assert len(received) == len(set(received)) == args.n, (len(received), len(set(received)))
            print(f"the server received {len(received)} messages, one per person")


if __name__ == "__main__":
    main()
