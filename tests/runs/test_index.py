"""The report runner's pieces without kernels: the index page, error classification, progress lines."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from mentorkit.runs import batch, kernels
from mentorkit.runs import digest as changes
from mentorkit.runs import index as runindex
from mentorkit.runs.options import Outcome


def figures(mentor_mean: float | None, health: float | None) -> dict[str, object]:
    """score's figures for a cohort of 6 mentors and 12 mentees (the shape ``ScoreResult.to_dict`` gives)."""
    return {
        "enrolled": {"mentor": 6, "mentee": 12},
        "mentor_readiness": {"mean_score": mentor_mean, "response_rate": 1.0},
        "mentee_readiness": {"mean_score": 77.037, "response_rate": 10 / 12},
        "relationship": {"health_index": health, "needs_checkin": None if health is None else 4, "pairs": 12},
        "goals": {"achieved": 1, "at_risk": 2, "overdue": 1},
    }


def meta(cohort: str, figs: dict[str, object], reports: dict[str, object], k: int = 5) -> dict[str, object]:
    return {
        "cohort": cohort,
        "as_of": "2026-11-15",
        "parameters": {"min_group_size": k},
        "figures": figs,
        "reports": reports,
    }


OK = {
    "readiness": {"status": "ok", "html": "eng/readiness.html", "error": None},
    "goal_progress": {"status": "ok", "html": "eng/goal_progress.html", "error": None},
}


def rows(page: str) -> list[str]:
    return re.findall(r"<tr><td><strong>.*?</tr>", page)


def test_index_row_shows_whole_figures_and_links_each_report():
    page = runindex.index_html([meta("eng", figures(72.054, 74.464), OK)])
    # means and health rounded to whole numbers (72.054 → 72, 77.037 → 77, 74.464 → 74);
    # response rates as percentages (6/6 → 100 %, 10/12 = 83.3 % → 83 %); 4 of 12 pairs need a check-in
    assert rows(page) == [
        "<tr><td><strong>eng</strong><br><small>as of 2026-11-15</small></td><td>6 / 12</td><td>72 / 77</td>"
        "<td>100 % / 83 %</td><td>74</td><td>4 of 12</td><td>1 achieved, 2 at risk, 1 overdue</td>"
        '<td><a href="eng/readiness.html">Readiness</a><br><a href="eng/goal_progress.html">Goal progress</a></td></tr>'
    ]
    assert "1 cohort · mentorkit" in page and page.endswith("</html>\n")


def test_index_hides_suppressed_figures_naming_the_run_group_size():
    page = runindex.index_html([meta("legal", figures(None, None), OK, k=7)])
    assert page.count('<span class="mk-hidden">hidden (&lt; 7)</span>') == 3  # mentor mean, health, pairs needing
    assert "None" not in page


def test_index_escapes_everything_user_written():
    failed = {
        "readiness": {"status": "failed", "html": None, "error": "RuntimeError: <script>alert(1)</script> & 'x'"},
        "goal_progress": None,
    }
    page = runindex.index_html([meta("<b>eng</b>", figures(72.0, 74.0), failed)])
    assert "<script>" not in page and "<b>eng" not in page
    assert "<strong>&lt;b&gt;eng&lt;/b&gt;</strong>" in page
    assert '<span class="mk-failed">Readiness failed</span> <small>RuntimeError: &lt;script&gt;alert(1)' in page
    assert "&amp; &#39;x&#39;</small>" in page
    assert "Goal progress: not run" in page


def test_index_links_the_changes_digest_only_when_the_run_wrote_one():
    with_digest = runindex.index_html([meta("eng", figures(72.0, 74.0), OK)], changes_page=True)
    without = runindex.index_html([meta("eng", figures(72.0, 74.0), OK)])
    assert '<a href="changes.html">What changed since the earlier run</a>' in with_digest
    assert "changes.html" not in without
    assert rows(with_digest) == rows(without)  # the link is outside the table


def test_an_empty_folder_says_so():
    assert '<tr><td colspan="8">No reports in this folder yet.</td></tr>' in runindex.index_html([])


def test_failures_are_classified_by_exception_class():
    # a cell's own error keeps the kernel; its traceback's last line is the message
    cell = CellExecutionError("Traceback …\n\x1b[0;31mRuntimeError\x1b[0m: boom\n", "RuntimeError", "boom")
    assert kernels.failure(cell, 300) == ("RuntimeError: boom", True)
    assert kernels.failure(CellTimeoutError("Cell execution timed out"), 300) == ("a cell ran longer than 300 s", False)
    assert kernels.failure(DeadKernelError("Kernel died"), 300) == ("the kernel died", False)
    # anything else (start-up, transport) names its class and drops the kernel
    assert kernels.failure(ConnectionResetError("reset by peer"), 300) == ("ConnectionResetError: reset by peer", False)

    class CellTimeoutErrorLookalike(Exception):  # the class name alone decides nothing
        pass

    assert kernels.failure(CellTimeoutErrorLookalike("x"), 300) == ("CellTimeoutErrorLookalike: x", False)


def test_progress_lines_and_the_digest_summary_line():
    ok = Outcome("eng", "readiness", "ok", seconds=1.234)
    bad = Outcome("eng", "goal_progress", "failed", seconds=0.5, error="RuntimeError: boom")
    assert batch.progress_line(ok) == "eng/readiness ok 1.2s"
    assert batch.progress_line(bad) == "eng/goal_progress failed 0.5s: RuntimeError: boom"
    out = Path("reports/2026-11-15")
    assert changes.after_run(out, None).startswith("changes: a shard writes no digest; `mentorkit report --index --out")


def test_the_runner_warnings_reach_standard_error_while_the_command_runs(capsys):
    from mentorkit import cli

    with cli._ReportProgress(bar=False) as progress:
        logging.getLogger("mentorkit.runs.batch").warning("%s: %s not written: %s", "eng", "meta.json", "disk full")
        logging.getLogger("mentorkit.runs.batch").info("eng/readiness ok 1.0s")  # INFO: the callback shows progress
        progress.done(Outcome("eng", "readiness", "ok", seconds=1.0))
    assert capsys.readouterr().err == "eng: meta.json not written: disk full\neng/readiness ok 1.0s\n"
    assert progress not in logging.getLogger("mentorkit").handlers
