"""The programme report notebook on a real kernel through papermill: hand-checked figures in its output."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT, SAMPLE_AS_OF

pytestmark = pytest.mark.kernel
NOTEBOOK = ROOT / "notebooks" / "reports" / "programme.ipynb"


def run_notebook(tmp_path, **parameters: object) -> str:
    """Execute the notebook with papermill; every output's HTML and text, joined."""
    import papermill

    out = tmp_path / "programme.ipynb"
    nb = papermill.execute_notebook(
        str(NOTEBOOK), str(out), parameters=parameters, kernel_name="python3", progress_bar=False
    )
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            texts.append(data.get("text/html", "") or data.get("text/plain", "") or output.get("text", ""))
    return "\n".join(texts)


def test_the_programme_report_runs_on_the_sample_with_hand_checked_figures(sample_db, tmp_path):
    html = run_notebook(tmp_path, as_of=SAMPLE_AS_OF, db_url=sample_db)
    assert "Programme: 4 cohorts side by side" in html
    # 16 mentors, 25 mentees, 25 matched pairs: 6+3+5+2, 12+6+5+2, 12+6+5+2 (test_sample.py)
    assert "16 mentors · 25 mentees · 25 matched pairs" in html
    # Wilson intervals worked in test_programmekit.py: eng mentors 3 of 6 ready, mentees 5 of 9, sales mentees 3 of 5
    assert "50 (19–81)" in html and "56 (27–81)" in html and "60 (23–88)" in html
    # ops mentors' mean over their 4 complete checklists (78.8) is hidden though 5 mentors answered
    assert "78.8" not in html and "40.1" not in html
    assert "Next step:" in html and "fewer than 5 people&#x27;s answers are behind them" in html
    # five comparisons, five trends and the two readiness–outcome charts, each with error bars
    assert html.count("Plotly.newPlot") == 12
    assert html.count('"error_y"') >= 12
    assert "at each month end" in html and "<h3>By department</h3>" in html
    # readiness and outcomes: 2 of 11 goals of ready mentees' pairs achieved (worked in test_programmekit.py)
    assert "18 (5–48)" in html and "This is an association, not cause" in html


def test_the_programme_report_compares_only_the_cohorts_asked_for(sample_db, tmp_path):
    html = run_notebook(
        tmp_path,
        as_of=SAMPLE_AS_OF,
        db_url=sample_db,
        min_group_size=3,
        cohorts=["2026-spring-sales", "2026-spring-eng"],
    )
    assert "Programme: 2 cohorts side by side" in html and "2026-fall-ops" not in html
    assert "fewer than 3 people&#x27;s answers behind it" in html
