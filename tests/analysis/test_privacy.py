"""The minimum group size holds in every output path; suppressed figures cannot be recovered."""

from __future__ import annotations

import html
import json
import re

import pytest

from mentorkit import store
from mentorkit.analysis import score
from mentorkit.reporting import cohort as reportkit
from mentorkit.reporting.explore import Explorer
from tests.conftest import SAMPLE_AS_OF, SAMPLE_DAY, run_cli

# 2026-pilot-legal has 2 mentors and 2 mentees. Worked by hand, its hidden figures would be:
# mentor mean (10/11 + 7/11) / 2 × 100 = 77.27; mentee mean (100 + 50) / 2 = 75.0;
# pair health: one pair both all 5 → 100.
# every way a page could print them: whole, to one or two decimals, or as a share of 1
RENDERINGS = {"77", "77.3", "77.27", "0.77", "0.773", "75", "75.0", "0.75", "100", "100.0"}
# the numbers of those spellings a page prints on purpose: the ready band's threshold, the response
# rates (2 of 2 mentors, 2 of 2 mentees) and the formulas of the score and of pair health
PRINTED_ON_PURPOSE = re.compile(r"≥ 75\b|\b100 %|\b100 ×|× 100\b")
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w]|\.\d)")


@pytest.mark.slow
def test_score_json_hides_small_groups(sample_db):
    got = json.loads(
        run_cli("score", "--cohort", "2026-pilot-legal", "--as-of", SAMPLE_AS_OF, "--json", "--db", sample_db).stdout
    )
    for block in ("mentor_readiness", "mentee_readiness"):
        assert got[block]["suppressed"] is True
        assert all(got[block][k] is None for k in ("mean_score", "ready", "developing", "not_yet"))
    assert got["mentee_readiness"]["capacity_risk"] is None
    assert got["relationship"]["health_index"] is None and got["relationship"]["on_track"] is None


@pytest.mark.slow
def test_suppressed_bands_cannot_be_derived_by_subtraction(sample_db):
    """Visible counts never pin down a hidden one: bands and pair statuses are hidden together."""
    data = store.load(store.connect(sample_db))
    for cohort in data.participants["cohort_id"].unique():
        d = score.score_cohort(data, cohort, score.parse_as_of(SAMPLE_AS_OF)).to_dict()
        for block in ("mentor_readiness", "mentee_readiness"):
            hidden = [k for k in ("ready", "developing", "not_yet") if d[block][k] is None]
            assert hidden in ([], ["ready", "developing", "not_yet"])
        rel = d["relationship"]
        hidden = [k for k in ("on_track", "needs_checkin") if rel[k] is None]
        assert hidden in ([], ["on_track", "needs_checkin"])


@pytest.mark.kernel
def test_reports_and_index_hide_small_groups(sample_db, tmp_path):
    out = tmp_path / "out"
    assert (
        run_cli(
            "report", "--cohort", "2026-pilot-legal", "--as-of", SAMPLE_AS_OF, "--db", sample_db, "--out", str(out)
        ).returncode
        == 0
    )
    for page in (
        out / "2026-pilot-legal" / "readiness.html",
        out / "2026-pilot-legal" / "goal_progress.html",
        out / "index.html",
    ):
        text = re.sub(r"<(script|style)\b.*?</\1>", " ", page.read_text("utf-8"), flags=re.S)  # chart code
        shown = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())  # the page as a reader sees it
        printed = set(NUMBER.findall(PRINTED_ON_PURPOSE.sub(" ", shown)))
        assert not printed & RENDERINGS, (page.name, sorted(printed & RENDERINGS))
    kpis = re.findall(r"""mk-kpi-v['"]>(.*?)</div>""", (out / "2026-pilot-legal" / "readiness.html").read_text("utf-8"))
    assert kpis[0] == "100 %" and "hidden" in kpis[1].lower()  # the response rate is a count and stays


@pytest.mark.slow
def test_explore_hides_small_groups(sample_db):
    explorer = Explorer(sample_db, SAMPLE_AS_OF)
    explorer.cohort.value = "2026-pilot-legal"
    assert "hidden for confidentiality" in explorer.headline.value
    assert all(
        isinstance(f, type(reportkit.note(""))) for k, f in explorer.figures.items() if k in ("items", "bands", "pairs")
    )


def test_comments_need_ten_people(sample_db):
    data = store.load(store.connect(sample_db))
    small = reportkit.context(data, "2026-spring-sales", SAMPLE_DAY)
    assert "Comments are shown only when at least 10 people" in reportkit.comments(small).data
    big = reportkit.context(data, "2026-spring-eng", SAMPLE_DAY)  # 16 people checked in
    assert "<ul class='mk-comments'>" in reportkit.comments(big).data
