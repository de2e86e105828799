"""`mentorkit report`: real kernels, real files; structure, figures, privacy, escaping, failures."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from tests.conftest import ROOT, SAMPLE_AS_OF, run_cli, write_csv
from tests.formserver import ARGS as CHROMIUM_ARGS

pytestmark = pytest.mark.kernel
COHORTS = ["2026-fall-ops", "2026-pilot-legal", "2026-spring-eng", "2026-spring-sales"]


@pytest.fixture
def sample_run(sample_reports):
    """The session's shared run of the sample (read only)."""
    return sample_reports


def test_output_structure_and_manifest(sample_run):
    out, result = sample_run
    assert (out / "index.html").is_file() and (out / "assets" / "plotly.min.js").is_file()
    for cohort in COHORTS:
        for report in ("readiness", "goal_progress"):
            assert (out / cohort / f"{report}.ipynb").is_file()
            html = (out / cohort / f"{report}.html").read_text("utf-8")
            assert html.rstrip().endswith("</html>")
            assert len(html.encode()) <= 500_000
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["as_of"] == SAMPLE_AS_OF and manifest["parameters"]["min_group_size"] == 5
    assert len(manifest["data_fingerprint"]) == 16 and manifest["mentorkit_version"]
    assert sorted((r["cohort"], r["report"]) for r in manifest["reports"]) == sorted(
        (c, r) for c in COHORTS for r in ("readiness", "goal_progress")
    )
    assert all(r["status"] == "ok" and r["seconds"] > 0 and r["error"] is None for r in manifest["reports"])
    # 8 cohort reports and the programme report
    assert (manifest["ok"], manifest["failed"]) == (9, 0) and manifest["programme"]["status"] == "ok"
    assert "9 reports in" in result.stdout and "9 ok, 0 failed" in result.stdout
    assert 'href="programme.html"' in (out / "index.html").read_text("utf-8")
    # the run wrote the changes digest, and its index links it
    assert (out / "changes.html").is_file()
    assert '<a href="changes.html">' in (out / "index.html").read_text("utf-8")
    # not a terminal: one plain line per report for cron logs
    assert sum(" ok " in line for line in result.stderr.splitlines()) == 9
    assert "programme ok " in result.stderr


def test_reports_are_offline_and_share_plotly(sample_run):
    out, _ = sample_run
    html = (out / "2026-spring-eng" / "readiness.html").read_text("utf-8")
    assert '<script src="../assets/plotly.min.js"></script>' in html
    assert "require.min.js" not in html and "MathJax" not in html and "cdn." not in html
    assert '<script src="http' not in html and '<link rel="stylesheet" href="http' not in html
    assert html.count("Plotly.newPlot") >= 4  # the charts are in the file, drawn by the shared plotly.js
    assert "import mentorkit" not in html  # no code


def test_html_shows_the_figures_score_gives(sample_run):
    out, _ = sample_run
    readiness = (out / "2026-spring-eng" / "readiness.html").read_text("utf-8")
    # hand-worked in test_sample.py: mentor mean 72.054, mentee mean 77.037, response rate 10/12
    assert kpis(readiness)[:4] == ["100 %", "72.1", "83 %", "77.0"]
    assert "Next step:" in readiness
    goals = (out / "2026-spring-eng" / "goal_progress.html").read_text("utf-8")
    # goals 8, mutual 6, achieved 1, overdue 1, stale 2, health index 74.464, 4 pairs need a check-in
    assert kpis(goals) == ["8", "6", "1", "1", "2", "74.5", "4"]
    assert "G-ENG-02" in goals and "Publish an internal tech talk" in goals  # the overdue goal is listed
    index = (out / "index.html").read_text("utf-8")
    assert all(f"{c}/readiness.html" in index for c in COHORTS)


def kpis(html: str) -> list[str]:
    return re.findall(r"""mk-kpi-v['"]>([^<]*)<""", html)  # the page keeps the outputs' own quotes


def test_small_cohort_shows_no_scores(sample_run):
    out, _ = sample_run
    html = (out / "2026-pilot-legal" / "readiness.html").read_text("utf-8")
    assert html.count("fewer than 5 people&#x27;s answers behind it — hidden for confidentiality") >= 3
    assert "Distribution of readiness scores" not in html and "Readiness bands" not in html
    goals = (out / "2026-pilot-legal" / "goal_progress.html").read_text("utf-8")
    assert "Pairs by status" not in goals and "pair health index" in goals
    # 2026-fall-ops: 5 mentors answered, one of them 8 of 11 questions, so the score (4 complete) is hidden,
    # but the 8 items all 5 answered keep their yes rates; the 3 the incomplete one left blank (4 people) do not
    ops = (out / "2026-fall-ops" / "readiness.html").read_text("utf-8")
    assert "Mentor checklist: share answering yes" in ops
    assert "Mentee items: fewer than 5 people&#x27;s answers behind it" in ops  # 4 mentees answered at all
    # each page is named for what it is, not nbconvert's "Notebook"
    assert "<title>Readiness: 2026-pilot-legal</title>" in html
    assert "<title>Goal progress: 2026-pilot-legal</title>" in goals
    assert "<title>Programme report</title>" in (out / "programme.html").read_text("utf-8")


def test_notebooks_are_parameterised(sample_run):
    out, _ = sample_run
    nb = nbformat.read(out / "2026-spring-sales" / "goal_progress.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'cohort_id = "2026-spring-sales"' in injected[0].source


HOSTILE_ROSTER = ["cohort_id", "participant_id", "role", "name", "email", "mentor_id", "matched_on"]


def hostile_programme(tmp_path: Path) -> str:
    db = f"sqlite:///{tmp_path / 'hostile.db'}"
    rows = [["h1", f"m{i}", "mentor", f"Mentor {i}", f"m{i}@x.org", "", ""] for i in range(1, 6)]
    rows += [
        [
            "h1",
            f"e{i}",
            "mentee",
            f"Eve {i} <img src=x onerror=alert(3)>",
            f"e{i}@x.org",
            f"m{(i + 1) // 2}",
            "2026-05-01",
        ]
        for i in range(1, 11)
    ]
    assert (
        run_cli(
            "import", str(write_csv(tmp_path / "r.csv", HOSTILE_ROSTER, rows)), "--instrument", "roster", "--db", db
        ).returncode
        == 0
    )
    head = [
        "participant_id",
        "submitted_at",
        "about",
        "rc_reciprocity",
        "rc_learning",
        "rc_relationship",
        "rc_partnership",
        "rc_collaboration",
        "rc_goals",
        "rc_development",
        "comment",
    ]
    checkins = [
        [f"e{i}", "2026-11-01", "", 4, 4, 4, 4, 4, 4, 4, "<script>alert(1)</script> & more"] for i in range(1, 11)
    ]
    checkins += [[f"m{i}", "2026-11-01", f"e{2 * i}", 2, 2, 2, 2, 2, 2, 2, ""] for i in range(1, 6)]
    assert (
        run_cli(
            "import", str(write_csv(tmp_path / "c.csv", head, checkins)), "--instrument", "checkin", "--db", db
        ).returncode
        == 0
    )
    goals = [["g1", "m1", "e1", "</script><script>alert(2)</script>", "", "2026-06-01", "2026-10-01", "yes", "yes"]]
    assert (
        run_cli(
            "import",
            str(
                write_csv(
                    tmp_path / "g.csv",
                    [
                        "goal_id",
                        "mentor_id",
                        "mentee_id",
                        "title",
                        "success_criteria",
                        "start_date",
                        "target_date",
                        "agreed_by_mentor",
                        "agreed_by_mentee",
                    ],
                    goals,
                )
            ),
            "--instrument",
            "goals",
            "--db",
            db,
        ).returncode
        == 0
    )
    return db


def test_hostile_text_is_escaped(tmp_path):
    db = hostile_programme(tmp_path)
    out = tmp_path / "out"
    result = run_cli("report", "--cohort", "h1", "--as-of", SAMPLE_AS_OF, "--db", db, "--out", str(out), "--identify")
    assert result.returncode == 0, result.stderr
    goals = (out / "h1" / "goal_progress.html").read_text("utf-8")
    assert "<script>alert(1)</script>" not in goals and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in goals
    assert "<script>alert(2)" not in goals  # the goal title, in the overdue table and in the chart's JSON
    assert "&lt;/script&gt;&lt;script&gt;alert(2)" in goals
    assert "<img src=x onerror=alert(3)>" not in goals and "Eve 1 &lt;img src=x onerror=alert(3)&gt;" in goals


def broken_notebooks(tmp_path: Path) -> Path:
    folder = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks" / "reports", folder)
    nb = nbformat.read(folder / "goal_progress.ipynb", as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell("raise RuntimeError('boom')"))
    nbformat.write(nb, folder / "goal_progress.ipynb")
    return folder


def test_one_failing_report_gives_exit_1_and_the_others_are_written(sample_db, tmp_path):
    out = tmp_path / "out"
    result = run_cli(
        "report",
        "--cohort",
        "2026-spring-eng",
        "--cohort",
        "2026-fall-ops",
        "--as-of",
        SAMPLE_AS_OF,
        "--db",
        sample_db,
        "--out",
        str(out),
        "--notebooks",
        str(broken_notebooks(tmp_path)),
    )
    assert result.returncode == 1
    for cohort in ("2026-spring-eng", "2026-fall-ops"):
        assert (out / cohort / "readiness.html").is_file()
        assert (out / cohort / "goal_progress.ipynb").is_file()  # kept for debugging
        assert not (out / cohort / "goal_progress.html").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    failed = [r for r in manifest["reports"] if r["status"] == "failed"]
    assert len(failed) == 2 and all("RuntimeError: boom" in r["error"] for r in failed)
    assert "Goal progress failed" in (out / "index.html").read_text("utf-8")


def test_usage_errors_write_nothing(sample_db, tmp_path):
    out = tmp_path / "out"
    for cohort in ("nope", "../../etc", "a/b"):
        result = run_cli("report", "--cohort", cohort, "--db", sample_db, "--out", str(out))
        assert result.returncode == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not out.exists()


def test_killed_run_leaves_no_partial_html_and_the_next_run_completes(sample_db, tmp_path):
    out = tmp_path / "out"
    exe = str(Path(sys.executable).parent / "mentorkit")
    proc = subprocess.Popen(
        [exe, "report", "--all", "--as-of", SAMPLE_AS_OF, "--db", sample_db, "--out", str(out), "--jobs", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(out.glob("*/*.html")):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole group: the CLI and its kernels
    proc.wait()
    written = list(out.glob("*/*.html"))
    assert len(written) < 8  # it really was killed midway
    for path in written:
        assert path.read_text("utf-8").rstrip().endswith("</html>")
    again = run_cli("report", "--all", "--as-of", SAMPLE_AS_OF, "--db", sample_db, "--out", str(out))
    assert again.returncode == 0
    assert len(list(out.glob("*/*.html"))) == 8 and not list(out.glob("*/.*.tmp"))


def test_index_is_rebuilt_from_a_shared_folder(sample_db, tmp_path):
    out = tmp_path / "shared"
    # two "machines" render one cohort each into the same folder, then the index is rebuilt
    for cohort in ("2026-pilot-legal", "2026-fall-ops"):
        assert (
            run_cli(
                "report",
                "--cohort",
                cohort,
                "--as-of",
                SAMPLE_AS_OF,
                "--db",
                sample_db,
                "--out",
                str(out),
                "--jobs",
                "1",
            ).returncode
            == 0
        )
    (out / "index.html").unlink()
    (out / "manifest.json").unlink()
    result = run_cli("report", "--index", "--out", str(out))
    assert result.returncode == 0
    manifest = json.loads((out / "manifest.json").read_text())
    # 4 cohort reports and the programme report the last run wrote (the index step has no store to rebuild it from)
    assert sorted(manifest["cohorts"]) == ["2026-fall-ops", "2026-pilot-legal"] and manifest["ok"] == 4 + 1
    assert "programme report not rebuilt" in result.stderr
    index = (out / "index.html").read_text("utf-8")
    assert "2026-fall-ops/goal_progress.html" in index and "2026-pilot-legal/readiness.html" in index


@pytest.mark.browser
def test_charts_draw_offline_in_chromium(sample_run):
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian chromium is not installed (.ci/run installs it)")
    playwright = pytest.importorskip("playwright.sync_api")
    out, _ = sample_run
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
        page.route("http*://**", lambda route: route.abort())  # offline: nothing from the network
        page.goto((out / "2026-spring-eng" / "readiness.html").as_uri())
        page.wait_for_selector(".plotly-graph-div .main-svg", timeout=20_000)
        drawn = page.eval_on_selector_all(".plotly-graph-div .main-svg", "els => els.length")
        width = page.evaluate("document.documentElement.scrollWidth")
        browser.close()
    assert drawn >= 4
    assert width <= 400  # no horizontal scrolling at phone width


def test_meta_json_figures_come_from_the_kernels_and_match_the_hand_worked_sample(sample_run):
    from tests.e2e.test_sample import ENG

    out, _ = sample_run
    meta = json.loads((out / "2026-spring-eng" / "meta.json").read_text())
    # the kernel that ran the cohort's first report recorded them (the runner loads no cohort)
    assert _same(meta["figures"], ENG)
    assert list(meta) == [
        "cohort",
        "as_of",
        "generated_at",
        "mentorkit_version",
        "data_fingerprint",
        "parameters",
        "figures",
        "reports",
        "snapshot",  # the changes digest's view of the cohort, recorded by the same kernel
    ]
    assert _same(meta["snapshot"]["health_index"], ENG["relationship"]["health_index"])
    assert list(meta["reports"]) == ["readiness", "goal_progress"]
    for report in meta["reports"].values():
        assert 0 < report["cpu_seconds"] < 60  # the kernel's CPU plus the runner's writing and export


def _same(got: object, want: object) -> bool:
    """Nested equality with floats compared to 1e-9."""
    if isinstance(want, dict):
        return isinstance(got, dict) and got.keys() == want.keys() and all(_same(got[k], want[k]) for k in want)
    if isinstance(want, float):
        return isinstance(got, int | float) and abs(got - want) < 1e-9
    return got == want


def test_a_report_that_stops_early_leaves_nothing_for_the_next_one_on_its_kernel(sample_db, tmp_path):
    # one kernel runs readiness then goal progress for each cohort: readiness defines `leftover`
    # and stops with an error (its END cell, which empties the namespace, never runs); goal
    # progress fails if it can still see `leftover`, or if a clean report left its own `mark`
    folder = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks" / "reports", folder)
    nb = nbformat.read(folder / "readiness.ipynb", as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell("leftover = 1\nraise RuntimeError('stop')"))
    nbformat.write(nb, folder / "readiness.ipynb")
    nb = nbformat.read(folder / "goal_progress.ipynb", as_version=4)
    check = "assert 'leftover' not in dir() and 'mark' not in dir(), sorted(dir())\nmark = 1"
    nb.cells.insert(3, nbformat.v4.new_code_cell(check))
    nbformat.write(nb, folder / "goal_progress.ipynb")
    out = tmp_path / "out"
    args = ["--as-of", SAMPLE_AS_OF, "--db", sample_db, "--out", str(out), "--jobs", "1", "--notebooks", str(folder)]
    result = run_cli("report", "--cohort", "2026-spring-eng", "--cohort", "2026-fall-ops", *args)
    assert result.returncode == 1
    status = {
        (r["cohort"], r["report"]): r["status"] for r in json.loads((out / "manifest.json").read_text())["reports"]
    }
    # the second cohort's readiness runs after a clean goal-progress report: `mark` must be gone too
    assert status == {
        ("2026-fall-ops", "readiness"): "failed",
        ("2026-fall-ops", "goal_progress"): "ok",
        ("2026-spring-eng", "readiness"): "failed",
        ("2026-spring-eng", "goal_progress"): "ok",
    }
    executed = nbformat.read(out / "2026-fall-ops" / "goal_progress.ipynb", as_version=4)
    assert executed.metadata["language_info"]["name"] == "python"  # asked once per kernel, kept on every report
    sources = [c.source for c in executed.cells]
    assert not any("begin_report" in s or "report_meta" in s for s in sources)  # the runner's cells are removed


def test_when_no_report_can_score_a_cohort_the_runner_scores_that_one_cohort(sample_db, tmp_path):
    from tests.e2e.test_sample import ENG

    folder = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks" / "reports", folder)
    for name in ("readiness", "goal_progress"):  # both fail before opening the cohort
        nb = nbformat.read(folder / f"{name}.ipynb", as_version=4)
        nb.cells.insert(1, nbformat.v4.new_code_cell("raise RuntimeError('early')"))
        nbformat.write(nb, folder / f"{name}.ipynb")
    out = tmp_path / "out"
    args = ["--as-of", SAMPLE_AS_OF, "--db", sample_db, "--out", str(out), "--jobs", "1", "--notebooks", str(folder)]
    result = run_cli("report", "--cohort", "2026-spring-eng", *args)
    assert result.returncode == 1
    meta = json.loads((out / "2026-spring-eng" / "meta.json").read_text())
    assert _same(meta["figures"], ENG)
    assert all(r["status"] == "failed" and r["cpu_seconds"] is None for r in meta["reports"].values())
    assert "Readiness failed" in (out / "index.html").read_text("utf-8")


def _unreadable_goal(db_url: str, cohort: str) -> None:
    """A goal agreement as an older mentorkit stored it: its start date written '999-06-01'."""
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        pair, mentee = conn.execute(
            sa.text("SELECT pair_id, mentee_id FROM pairs WHERE cohort_id = :c ORDER BY pair_id LIMIT 1"), {"c": cohort}
        ).one()
        conn.execute(
            sa.text("INSERT INTO goals (goal_id, pair_id, cohort_id) VALUES ('G-OLD', :p, :c)"),
            {"p": pair, "c": cohort},
        )
        conn.execute(
            sa.text(
                "INSERT INTO submissions (instrument, cohort_id, participant_id, pair_id, goal_id, submitted_at,"
                " source, dedupe_key, received_at, channel) VALUES ('goals', :c, :m, :p, 'G-OLD',"
                " '2026-06-02 00:00:00.000000', 'mentorkit', 'c:old', '2026-06-02 00:00:00.000000', 'import')"
            ),
            {"c": cohort, "m": mentee, "p": pair},
        )
        sid = conn.execute(sa.text("SELECT max(submission_id) FROM submissions")).scalar_one()
        for item, text in (("title", "Old goal"), ("start_date", "999-06-01"), ("target_date", "2026-12-01")):
            conn.execute(
                sa.text("INSERT INTO answers (submission_id, item_id, value_text) VALUES (:s, :i, :t)"),
                {"s": sid, "i": item, "t": text},
            )
    engine.dispose()


def test_a_cohort_whose_data_cannot_be_read_is_listed_as_failed_until_db_check(sample_copy, tmp_path):
    legal, sales = "2026-pilot-legal", "2026-spring-sales"
    _unreadable_goal(sample_copy, legal)
    out = tmp_path / "run"
    args = ["report", "--cohort", legal, "--cohort", sales, "--as-of", SAMPLE_AS_OF, "--db", sample_copy]
    result = run_cli(*args, "--out", str(out))
    assert result.returncode == 1, result.stderr  # a report failed
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    # legal's two reports and the programme report (it reads both cohorts) failed; sales' two did not
    assert sorted(manifest["cohorts"]) == [legal, sales]
    assert (manifest["ok"], manifest["failed"]) == (2, 3)
    assert {r["cohort"] for r in manifest["reports"] if r["status"] == "failed"} == {legal}
    index = (out / "index.html").read_text("utf-8")
    row = next(r for r in re.findall(r"<tr><td><strong>.*?</tr>", index, flags=re.S) if legal in r)
    assert "No figures" in row and "mentorkit db check" in row and row.count("failed</span>") == 2
    assert "changes: no earlier run to compare with; 3 reports failed" in result.stdout
    md = (out / "changes.md").read_text("utf-8")
    assert "## Reports that failed (3)" in md and f"[{legal}]" in md and "[programme](programme.ipynb)" in md
    # once `db check` has set the value aside, the same run succeeds
    assert run_cli("db", "check", "--db", sample_copy).returncode == 1
    again = run_cli(*args, "--out", str(tmp_path / "again"))
    assert again.returncode == 0, again.stdout + again.stderr
    assert json.loads((tmp_path / "again" / "manifest.json").read_text("utf-8"))["failed"] == 0
