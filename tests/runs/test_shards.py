"""`--shard I/N`: a stable round-robin share of the cohorts; shards plus --index equal one run."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mentorkit.errors import UsageError
from mentorkit.runs import shards
from tests.conftest import ROOT, SAMPLE_AS_OF, run_cli

SAMPLE_COHORTS = ["2026-fall-ops", "2026-pilot-legal", "2026-spring-eng", "2026-spring-sales"]


def test_parse_shard():
    assert shards.parse_shard("2/3") == shards.Shard(2, 3)
    assert shards.parse_shard(" 1 / 1 ") == shards.Shard(1, 1)
    assert str(shards.parse_shard("3/3")) == "3/3"
    assert shards.parse_shard(None) is None
    for bad in ("0/3", "4/3", "1/0", "-1/3", "3", "1/3/4", "a/b", "1.5/3", ""):
        with pytest.raises(UsageError, match="I/N with 1 ≤ I ≤ N"):
            shards.parse_shard(bad)
    with pytest.raises(UsageError, match="with --all"):
        shards.parse_shard("1/2", with_all=False)


def test_select_is_sorted_round_robin_and_covers_every_cohort_once():
    cohorts = ["d", "b", "e", "a", "c"]  # any order in: sorted a b c d e, then dealt 1 2 1 2 1
    assert shards.select(cohorts, shards.Shard(1, 2)) == ["a", "c", "e"]
    assert shards.select(cohorts, shards.Shard(2, 2)) == ["b", "d"]
    assert shards.select(cohorts, None) == cohorts
    # the sample's four cohorts in three shards: 2026-fall-ops and 2026-spring-sales share shard 1
    parts = [shards.select(SAMPLE_COHORTS, shards.Shard(i, 3)) for i in (1, 2, 3)]
    assert parts == [["2026-fall-ops", "2026-spring-sales"], ["2026-pilot-legal"], ["2026-spring-eng"]]
    assert shards.select(SAMPLE_COHORTS, shards.Shard(5, 5)) == []  # more shards than cohorts


@pytest.mark.slow
def test_bad_shards_are_one_line_usage_errors(sample_db, tmp_path):
    out = tmp_path / "out"
    for args in (
        ["--all", "--shard", "0/3"],
        ["--all", "--shard", "4/3"],
        ["--all", "--shard", "two/3"],
        ["--cohort", "2026-spring-eng", "--shard", "1/2"],
        ["--index", "--shard", "1/2"],
        ["--all", "--shard", "1/2", "--since", str(tmp_path)],
    ):
        result = run_cli("report", *args, "--db", sample_db, "--out", str(out))
        assert result.returncode == 2, args
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("mentorkit: error: "), result.stderr
    assert not out.exists()
    # a shard with no cohort left is no error: nothing to do
    empty = run_cli("report", "--all", "--shard", "5/5", "--db", sample_db, "--out", str(out))
    assert empty.returncode == 0 and "0 reports" in empty.stdout and not out.exists()


def readme_script() -> str:
    """The shard example of the README, exactly as printed there."""
    text = (ROOT / "README.md").read_text("utf-8")
    found = re.search(r"<!-- tests/runs/test_shards.py runs the next block as it is -->\n```bash\n(.*?)```", text, re.S)
    assert found, "the README's shard example is missing"
    return found.group(1)


def files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def index_rows(folder: Path) -> list[str]:
    return re.findall(r"<tr><td><strong>.*?</tr>", (folder / "index.html").read_text("utf-8"))


def manifest_entries(folder: Path) -> dict:
    """The manifest without what differs from run to run by nature: times and timings (wall and CPU)."""
    m = json.loads((folder / "manifest.json").read_text())
    for key in ("generated_at",):
        m.pop(key)
    for cohort in m["cohorts"].values():
        cohort.pop("generated_at")
    if "programme" in m:  # the programme report: written by --index after shards, by the single run itself
        m["programme"] = {k: v for k, v in m["programme"].items() if k not in ("seconds", "cpu_seconds")}
    m["reports"] = sorted(
        ({k: v for k, v in r.items() if k not in ("seconds", "cpu_seconds")} for r in m["reports"]), key=str
    )
    return m


@pytest.mark.kernel
def test_three_shard_processes_and_index_give_the_same_folder_as_one_run(sample_db, tmp_path):
    # the README's script, run by bash: three `mentorkit report --shard I/3` processes at once
    # writing into one folder, then `mentorkit report --index`
    work = tmp_path / "sharded"
    work.mkdir()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "MENTORKIT_DB": sample_db,
        "MENTORKIT_HOME": str(work),
    }
    script = readme_script()
    done = subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    sharded = work / "reports" / SAMPLE_AS_OF
    # each shard said which share it rendered: 2 + 1 + 1 cohorts, 2 reports each
    counts = sorted(int(n) for n in re.findall(r"^(\d+) reports in", done.stdout, re.M))
    assert counts == [2, 2, 4]
    assert done.stdout.count("a shard writes no digest") == 3
    assert "changes: no earlier run to compare with; 0 reports failed" in done.stdout  # from --index
    # the same run in one process
    single = tmp_path / "single" / SAMPLE_AS_OF
    one = run_cli("report", "--all", "--as-of", SAMPLE_AS_OF, "--jobs", "1", "--db", sample_db, "--out", str(single))
    assert one.returncode == 0, one.stderr
    assert files(sharded) == files(single)
    assert {"index.html", "manifest.json", "changes.md", "changes.html", "2026-spring-eng/meta.json"} <= files(single)
    assert len([f for f in files(single) if f.endswith(".html") and "/" in f and not f.startswith("assets")]) == 8
    assert manifest_entries(sharded) == manifest_entries(single)
    # 8 cohort reports and the programme report
    assert manifest_entries(single)["ok"] == 8 + 1 and sorted(manifest_entries(single)["cohorts"]) == SAMPLE_COHORTS
    assert index_rows(sharded) == index_rows(single) and len(index_rows(single)) == 4
    assert (sharded / "changes.md").read_text("utf-8") == (single / "changes.md").read_text("utf-8")
    assert (sharded / "changes.html").read_text("utf-8") == (single / "changes.html").read_text("utf-8")
    for cohort in SAMPLE_COHORTS:  # the figures and snapshots the index and digest are built from
        a, b = (json.loads((f / cohort / "meta.json").read_text()) for f in (sharded, single))
        assert (a["figures"], a["snapshot"], a["parameters"]) == (b["figures"], b["snapshot"], b["parameters"])
