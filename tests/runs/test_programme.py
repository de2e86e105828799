"""`mentorkit report` writes the programme report, links it from the index, and prints PDFs with --pdf."""

from __future__ import annotations

import json
import shutil
import unicodedata
from pathlib import Path

import nbformat
import pytest

from mentorkit.runs import pdf
from tests.conftest import ROOT, SAMPLE_AS_OF, run_cli

pytestmark = pytest.mark.kernel
TWO = ["2026-spring-eng", "2026-spring-sales"]


def squeeze(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


@pytest.mark.browser
def test_report_with_pdf_writes_the_programme_report_and_a_pdf_beside_every_page(sample_db, tmp_path):
    if not Path(pdf.DEFAULT_CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (.ci/run installs it)")
    pytest.importorskip("playwright.sync_api")
    pypdf = pytest.importorskip("pypdf")
    out = tmp_path / "run"
    result = run_cli(
        "report",
        "--cohort",
        TWO[0],
        "--cohort",
        TWO[1],
        "--as-of",
        SAMPLE_AS_OF,
        "--db",
        sample_db,
        "--out",
        str(out),
        "--pdf",
    )
    assert result.returncode == 0, result.stderr
    programme = (out / "programme.html").read_text("utf-8")
    assert "Programme: 2 cohorts side by side" in programme and "2026-fall-ops" not in programme
    assert '<script src="assets/plotly.min.js"></script>' in programme and 'href="index.html"' in programme
    # eng mentees ready 5 of 9 → 56 (27–81); sales 3 of 5 → 60 (23–88) (worked in test_programmekit.py)
    assert "56 (27–81)" in programme and "60 (23–88)" in programme
    index = (out / "index.html").read_text("utf-8")
    assert 'href="programme.html"' in index
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["programme"]["status"] == "ok" and manifest["programme"]["html"] == "programme.html"
    pages = [out / c / f"{r}.pdf" for c in TWO for r in ("readiness", "goal_progress")]
    pages += [out / "programme.pdf", out / "index.pdf"]
    assert all(p.is_file() for p in pages), [p for p in pages if not p.is_file()]
    assert f"{len(pages)} PDFs beside the HTML reports" in result.stdout
    assert not list(out.rglob(".*.tmp"))
    text = [squeeze(page.extract_text()) for page in pypdf.PdfReader(out / "programme.pdf").pages]
    assert len(text) > 1
    lines = [
        squeeze(line)
        for page in pypdf.PdfReader(out / "programme.pdf").pages
        for line in page.extract_text().splitlines()
    ]
    for heading in ("Cohortssidebyside", "Trends", "Segments", "Readinessandoutcomes"):
        assert lines.count(heading) == 1, heading  # every section is printed once (they flow on, page after page)
    assert "56(27–81)" in "".join(text)


def test_without_chromium_the_html_is_written_and_one_line_says_why(sample_db, tmp_path):
    out = tmp_path / "run"
    missing = tmp_path / "no" / "chromium"
    result = run_cli(
        "report",
        "--cohort",
        "2026-pilot-legal",
        "--as-of",
        SAMPLE_AS_OF,
        "--db",
        sample_db,
        "--out",
        str(out),
        "--pdf",
        env={"MENTORKIT_CHROMIUM": str(missing)},
    )
    assert result.returncode == 0, result.stderr
    assert (out / "2026-pilot-legal" / "readiness.html").is_file() and (out / "programme.html").is_file()
    assert not list(out.rglob("*.pdf"))
    said = [line for line in result.stderr.splitlines() if "PDF" in line]
    assert len(said) == 1 and f"no PDFs: Chromium not found at {missing}" in said[0]
    assert "Traceback" not in result.stderr


def test_a_failing_programme_report_fails_the_run_and_the_cohort_reports_are_still_written(sample_db, tmp_path):
    folder = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks" / "reports", folder)
    nb = nbformat.read(folder / "programme.ipynb", as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell("raise RuntimeError('boom')"))
    nbformat.write(nb, folder / "programme.ipynb")
    out = tmp_path / "run"
    result = run_cli(
        "report",
        "--cohort",
        "2026-pilot-legal",
        "--as-of",
        SAMPLE_AS_OF,
        "--db",
        sample_db,
        "--out",
        str(out),
        "--notebooks",
        str(folder),
    )
    assert result.returncode == 1
    assert (out / "2026-pilot-legal" / "readiness.html").is_file()
    assert (out / "programme.ipynb").is_file() and not (out / "programme.html").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["programme"]["status"] == "failed" and "boom" in manifest["programme"]["error"]
    assert "programme.html" not in (out / "index.html").read_text("utf-8")
