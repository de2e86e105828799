"""A report folder's records read back, and its index and manifest rebuilt from them (no kernels)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pytest

from mentorkit.errors import UsageError
from mentorkit.runs import folder
from mentorkit.runs import index as runindex
from mentorkit.runs.options import Outcome, RunOptions


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def cohort_record(cohort: str, fingerprint: str, statuses: tuple[str, str]) -> dict[str, object]:
    """A cohort's meta.json as a run writes it: two reports, headline figures, the run's parameters."""
    return {
        "cohort": cohort,
        "as_of": "2026-11-15",
        "generated_at": "2026-11-15T08:00:00Z",
        "data_fingerprint": fingerprint,
        "parameters": {"min_group_size": 5, "db": "sqlite:///x.db"},
        "figures": {
            "enrolled": {"mentor": 2, "mentee": 2},
            "mentor_readiness": {"mean_score": None, "response_rate": 1.0},
            "mentee_readiness": {"mean_score": None, "response_rate": 0.5},
            "relationship": {"health_index": None, "needs_checkin": None, "pairs": 2},
            "goals": {"achieved": 0, "at_risk": 0, "overdue": 0},
        },
        "reports": {
            "readiness": {"cohort": cohort, "report": "readiness", "status": statuses[0], "html": None, "error": None},
            "goal_progress": {
                "cohort": cohort,
                "report": "goal_progress",
                "status": statuses[1],
                "html": None,
                "error": None,
            },
        },
    }


def test_read_metas_reads_each_cohort_in_order_and_skips_what_is_no_cohort_record(tmp_path):
    write(tmp_path / "b-cohort" / "meta.json", json.dumps({"cohort": "b-cohort"}))
    write(tmp_path / "a_cohort" / "meta.json", json.dumps({"cohort": "a_cohort"}))
    write(tmp_path / "broken" / "meta.json", "{not json")  # a half-written file from elsewhere
    write(tmp_path / "not.a.cohort" / "meta.json", json.dumps({"cohort": "not.a.cohort"}))  # no safe id
    write(tmp_path / "assets" / "report.css", "body {}")
    assert [m["cohort"] for m in folder.read_metas(tmp_path)] == ["a_cohort", "b-cohort"]
    assert folder.read_metas(tmp_path / "missing") == []


def test_read_programme_is_none_unless_programme_json_holds_an_object(tmp_path):
    assert folder.read_programme(tmp_path) is None
    write(tmp_path / "programme.json", "[1, 2]")
    assert folder.read_programme(tmp_path) is None
    write(tmp_path / "programme.json", '{"status": "ok"}')
    assert folder.read_programme(tmp_path) == {"status": "ok"}


def test_check_out_takes_a_new_empty_or_earlier_run_folder_only(tmp_path):
    folder.check_out(tmp_path / "new")  # not there yet
    (tmp_path / "empty").mkdir()
    folder.check_out(tmp_path / "empty")
    write(tmp_path / "shard" / "assets" / "report.css", "")  # a shard still running
    folder.check_out(tmp_path / "shard")
    write(tmp_path / "starting" / "assets" / ".plotly.min.js.k2x9.tmp", "")  # a shard writing its first file
    folder.check_out(tmp_path / "starting")
    write(tmp_path / "photos" / "cat.jpg", "")
    with pytest.raises(UsageError, match="holds other files"):
        folder.check_out(tmp_path / "photos")
    write(tmp_path / "site" / "assets" / "logo.png", "")  # someone's own assets folder is not a run's
    with pytest.raises(UsageError, match="holds other files"):
        folder.check_out(tmp_path / "site")
    write(tmp_path / "file", "")
    with pytest.raises(UsageError, match="is a file"):
        folder.check_out(tmp_path / "file")


def test_clear_temp_files_removes_only_temporary_names(tmp_path):
    write(tmp_path / ".readiness.html.1234.tmp", "half")
    write(tmp_path / "readiness.html", "whole")
    folder.clear_temp_files(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["readiness.html"]


def test_rebuild_index_counts_every_cohort_and_the_programme_report(tmp_path):
    write(tmp_path / "eng" / "meta.json", json.dumps(cohort_record("eng", "1111", ("ok", "ok"))))
    write(tmp_path / "ops" / "meta.json", json.dumps(cohort_record("ops", "2222", ("ok", "failed"))))
    write(tmp_path / "programme.json", json.dumps({"report": "programme", "status": "failed", "error": "boom"}))
    write(tmp_path / "programme.html", "<html></html>")  # an older page: not linked, the report failed
    index_path, manifest_path = runindex.rebuild_index(tmp_path)
    assert (index_path, manifest_path) == (tmp_path / "index.html", tmp_path / "manifest.json")
    manifest = json.loads(manifest_path.read_text("utf-8"))
    # four cohort reports, one failed; the failed programme report makes it 3 ok, 2 failed
    assert (manifest["ok"], manifest["failed"]) == (3, 2)
    assert sorted(manifest["cohorts"]) == ["eng", "ops"]
    assert manifest["cohorts"]["ops"]["data_fingerprint"] == "2222"
    assert manifest["data_fingerprint"] == hashlib.sha256(b"11112222").hexdigest()[:16]
    assert manifest["programme"]["error"] == "boom"
    assert [r["report"] for r in manifest["reports"]] == ["readiness", "goal_progress"] * 2
    page = index_path.read_text("utf-8")
    assert "programme.html" not in page and "changes.html" not in page
    assert page.count("<tr><td><strong>") == 2


def test_rebuild_index_links_the_programme_page_when_it_succeeded(tmp_path):
    write(tmp_path / "eng" / "meta.json", json.dumps(cohort_record("eng", "1111", ("ok", "ok"))))
    write(tmp_path / "programme.json", json.dumps({"report": "programme", "status": "ok"}))
    write(tmp_path / "programme.html", "<html></html>")
    index_path, manifest_path = runindex.rebuild_index(tmp_path, changes_page=True)
    page = index_path.read_text("utf-8")
    assert '<a href="programme.html">Programme report</a>' in page
    assert '<a href="changes.html">' in page
    assert json.loads(manifest_path.read_text("utf-8"))["ok"] == 3
    with pytest.raises(UsageError, match="no report folder"):
        runindex.rebuild_index(tmp_path / "missing")


def test_failed_meta_lists_a_cohort_with_no_report_as_one_failed_report(tmp_path):
    options = RunOptions(as_of=date(2026, 11, 15), out=tmp_path, db_url="sqlite:///x.db", jobs=1)
    meta = runindex.failed_meta("eng", options, [], "StoreError: gone")
    assert meta["error"] == "StoreError: gone" and meta["figures"] is None and meta["snapshot"] is None
    assert list(meta["reports"]) == ["readiness"]
    assert meta["reports"]["readiness"]["status"] == "failed"
    assert meta["parameters"] == {
        "as_of": "2026-11-15",
        "db": "sqlite:///x.db",
        "min_group_size": 5,
        "settings": {},  # nothing differs from the defaults
        "identify": False,
        "jobs": 1,
        "timeout": 300,
    }
    # the reports are listed readiness first, whatever order they finished in
    done = [Outcome("eng", "goal_progress", "ok"), Outcome("eng", "readiness", "ok")]
    assert list(runindex.failed_meta("eng", options, done, "x")["reports"]) == ["readiness", "goal_progress"]


def test_public_parameters_never_show_the_password(tmp_path):
    options = RunOptions(as_of=date(2026, 11, 15), out=tmp_path, db_url="postgresql+psycopg://mk:s3cret@db/mk")
    assert runindex.public_parameters(options)["db"] == "postgresql+psycopg://mk:***@db/mk"


def test_a_rewritten_page_loses_the_pdf_of_its_earlier_version_and_nothing_else(tmp_path):
    out = tmp_path / "run"
    for name in ("a/readiness", "a/goal_progress", "b/readiness", "programme", "index"):
        (out / f"{name}.html").parent.mkdir(parents=True, exist_ok=True)
        (out / f"{name}.html").write_text("<html></html>")
        (out / f"{name}.pdf").write_bytes(b"%PDF-1.4 earlier run")
    (out / "notes.pdf").write_bytes(b"%PDF someone's own")  # not a page of a run
    (out / "a" / "notes.pdf").write_bytes(b"%PDF someone's own")
    # this run rewrote cohort a's readiness report (goal progress failed: its old PDF is stale too) and the index
    pages = [*folder.report_pages(out, "a", ("readiness", "goal_progress")), out / "index.html", out / "notes.html"]
    removed = folder.drop_stale_pdfs(out, pages)
    assert sorted(p.relative_to(out).as_posix() for p in removed) == [
        "a/goal_progress.pdf",
        "a/readiness.pdf",
        "index.pdf",
    ]
    left = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.pdf"))
    # cohort b (another shard's) and the programme report were not rewritten; notes.pdf is no page's PDF
    assert left == ["a/notes.pdf", "b/readiness.pdf", "notes.pdf", "programme.pdf"]
    assert folder.report_pages(out, "../x", ("readiness",)) == []  # no path from an unsafe cohort id
    assert folder.drop_stale_pdfs(out, [tmp_path / "elsewhere" / "index.html"]) == []
