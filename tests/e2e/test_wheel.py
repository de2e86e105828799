"""mentorkit as users install it: the wheel, in a fresh venv outside the checkout, used from an empty folder.

The wheel is built from this checkout with ``python -m build`` and installed with its forms extra. The
commands then run with only the venv's ``bin/`` on PATH (so no npm, and nothing of the checkout's), in a
workspace made by ``mentorkit init``.

Hand-worked figures (data/sample/):
- 2026-fall-ops mentees: four checklists (E-OPS-01 6 of 6 yes, E-OPS-02 5, E-OPS-03 6, and Jamal
  Kowalski's by e-mail 4), so the mean is (6 + 5 + 6 + 4) / 24 × 100 = 87.5, three ready and one
  developing. k = 5 hides them (four people); k = 3 shows them.
- 2026-fall-ops mentors: (100 + 1000/11 + 80 + 400/9) / 4, as in tests/e2e/test_sample.py.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
import venv
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.formserver import ARGS, CHROMIUM, free_port, status_of

pytestmark = [pytest.mark.wheel, pytest.mark.slow, pytest.mark.kernel]

CHECKOUT = Path(__file__).resolve().parents[2]
OPS_MENTEE_MEAN = (6 + 5 + 6 + 4) / 24 * 100
OPS_MENTOR_MEAN = (100 + 1000 / 11 + 80 + 400 / 9) / 4


class Installed:
    """A fresh venv holding the wheel, and how to run its ``mentorkit`` with nothing else on PATH."""

    def __init__(self, root: Path, wheel: Path, seconds: float) -> None:
        self.root, self.wheel, self.install_seconds = root, wheel, seconds
        self.bin = root / "venv" / "bin"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("MENTORKIT_", "VIRTUAL_ENV", "PYTHON"))}
        self.env["PATH"] = str(self.bin)  # no npm, no checkout venv
        self.env["HOME"] = str(root / "home")

    def run(self, *args: str, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / "mentorkit"), *args], cwd=cwd, env=self.env, capture_output=True, text=True,
            timeout=timeout, check=False,
        )  # fmt: skip


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    root = tmp_path_factory.mktemp("installed")
    dist = root / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(CHECKOUT)],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    (wheel,) = dist.glob("mentorkit-*.whl")
    venv.create(root / "venv", with_pip=True)
    start = time.perf_counter()
    pip = subprocess.run(
        [str(root / "venv" / "bin" / "python"), "-m", "pip", "install", "-q", f"{wheel}[forms]"],
        capture_output=True, text=True, check=False, timeout=1800, cwd=root,
    )  # fmt: skip
    assert pip.returncode == 0, pip.stderr[-3000:]
    (root / "home").mkdir()
    return Installed(root, wheel, time.perf_counter() - start)


def test_the_wheel_carries_what_the_commands_need(installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for shipped in (
        "mentorkit/_bundled/notebooks/reports/readiness.ipynb",
        "mentorkit/_bundled/notebooks/reports/goal_progress.ipynb",
        "mentorkit/_bundled/notebooks/reports/programme.ipynb",
        "mentorkit/_bundled/notebooks/explore.ipynb",
        "mentorkit/_bundled/notebooks/collect/checkin.ipynb",
        "mentorkit/_bundled/data/sample/roster.csv",
        "mentorkit/instruments.yaml",
        "mentorkit/store/migrations/env.py",
        "mentorkit/runs/templates/run_index.html.j2",
        "mentorkit/reporting/assets/report.css",
    ):
        assert shipped in names, shipped
    assert not [n for n in names if "__pycache__" in n or ".ipynb_checkpoints" in n]
    site = next((installed.root / "venv" / "lib").glob("python3*/site-packages"))
    assert not (site / "notebooks").exists() and not (site / "data").exists()  # all under mentorkit/


def test_from_an_empty_folder_init_demo_report_score_and_export(installed, tmp_path):
    assert shutil.which("npm", path=installed.env["PATH"]) is None
    assert installed.run("init", "ws", cwd=tmp_path).returncode == 0
    ws = tmp_path / "ws"
    demo = installed.run("demo", cwd=ws)
    assert demo.returncode == 0, demo.stderr
    assert f"sqlite:///{ws.resolve() / 'data' / 'mentorkit.db'}" in demo.stdout

    started = time.perf_counter()
    report = installed.run("report", "--all", "--as-of", "2026-11-15", cwd=ws)
    assert report.returncode == 0, report.stderr[-3000:]
    print(f"\ninstall {installed.install_seconds:.0f} s; report --all {time.perf_counter() - started:.0f} s")
    out = ws / "reports" / "2026-11-15"
    cohorts = ("2026-fall-ops", "2026-pilot-legal", "2026-spring-eng", "2026-spring-sales")
    for cohort in cohorts:
        for name in ("readiness", "goal_progress"):
            assert (out / cohort / f"{name}.html").is_file(), (cohort, name)
    assert (out / "programme.html").is_file() and (out / "index.html").is_file()

    hidden = json.loads(
        installed.run("score", "--cohort", "2026-fall-ops", "--as-of", "2026-11-15", "--json", cwd=ws).stdout
    )
    assert hidden["mentee_readiness"]["mean_score"] is None  # four people: k = 5 hides them
    # five mentors answered, four completely: four people behind the mean, hidden too
    assert hidden["mentor_readiness"]["mean_score"] is None and hidden["mentor_readiness"]["respondents"] == 5

    exported = installed.run("export", "--out", "export", "--as-of", "2026-11-15", cwd=ws)
    assert exported.returncode == 0, exported.stderr
    with (ws / "export" / "cohort_figures.csv").open(encoding="utf-8") as fh:
        rows = {(r["cohort_id"], r["figure"]): r for r in csv.DictReader(fh)}
    assert rows["2026-fall-ops", "mentor_readiness.mean_score"]["value"] == ""
    assert rows["2026-fall-ops", "mentor_readiness.mean_score"]["n"] == "4"
    assert rows["2026-fall-ops", "mentee_readiness.mean_score"]["value"] == ""

    config = ws / "mentorkit.toml"
    config.write_text(config.read_text().replace("# min_group_size = 5", "min_group_size = 3"))
    shown = json.loads(
        installed.run(
            "score", "--cohort", "2026-fall-ops", "--as-of", "2026-11-15", "--json", cwd=ws / "notebooks"
        ).stdout
    )
    mentees = shown["mentee_readiness"]
    assert mentees["mean_score"] == pytest.approx(OPS_MENTEE_MEAN, rel=1e-12)
    assert (mentees["ready"], mentees["developing"], mentees["not_yet"]) == (3, 1, 0)
    assert shown["mentor_readiness"]["mean_score"] == pytest.approx(OPS_MENTOR_MEAN, rel=1e-12)  # 4 ≥ k = 3


@pytest.mark.browser
def test_invite_then_forms_a_personal_link_answered_in_chromium(installed, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    assert installed.run("init", "ws", cwd=tmp_path).returncode == 0
    ws = tmp_path / "ws"
    assert installed.run("demo", cwd=ws).returncode == 0
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    invited = installed.run(
        "invite",
        "--cohort",
        "2026-pilot-legal",
        "--form",
        "mentor_readiness",
        "--base-url",
        base,
        "--out",
        "links.csv",
        cwd=ws,
    )
    assert invited.returncode == 0, invited.stderr
    with (ws / "links.csv").open(encoding="utf-8") as fh:
        link = {r["participant_id"]: r["link"] for r in csv.DictReader(fh)}["M-LEG-02"]
    server = subprocess.Popen(
        [str(installed.bin / "mentorkit"), "forms", "--port", str(port), "--no-browser"],
        cwd=ws, env=installed.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        _wait_for(base, server)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            page = browser.new_page()
            blocked: list[str] = []
            page.route(
                "**/*",
                lambda r: (
                    r.continue_() if r.request.url.startswith(base) else (blocked.append(r.request.url), r.abort())
                ),
            )
            page.goto(link, timeout=60_000)
            page.wait_for_selector(".mk-hello", timeout=60_000)
            assert "Marco Rossi" in page.inner_text(".mk-hello")
            for i in range(1, 12):
                page.locator(f".mk-item-mr{i:02d}").get_by_text("Yes", exact=True).click()
            page.click(".mk-submit")
            page.wait_for_selector(".mk-receipt", timeout=30_000)
            browser.close()
        assert blocked == []  # every asset came from the installed package, none from the internet
    finally:
        if server.poll() is None:  # still serving (a server that never started has been reported above)
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
    engine = sa.create_engine(f"sqlite:///{ws / 'data' / 'mentorkit.db'}")
    with engine.connect() as conn:
        stored = conn.execute(
            sa.text("SELECT instrument, participant_id, channel FROM submissions WHERE source = 'form'")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in stored] == [("mentor_readiness", "M-LEG-02", "link")]


def _wait_for(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            status_of(url)
            return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                out = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail("mentorkit forms did not start: " + out[-3000:])
            time.sleep(0.25)
