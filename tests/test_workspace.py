"""The workspace: found as git finds a repository, its mentorkit.toml applied under flags and the environment.

Hand-worked figures: the legal pilot's two mentors answered 10 and 7 of the 11 checklist questions yes
(data/sample/mentor_readiness.csv: M-LEG-01 says no only to mr11; M-LEG-02 no to mr08–mr11), so their
mean score is (10 + 7) / 22 × 100 = 77.2727…, one ready (90.9) and one developing (63.6). With k = 5 the
two of them are hidden; with k = 2 they are shown.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from mentorkit import bundled, scaffold, store, workspace
from mentorkit.errors import UsageError
from mentorkit.runs import options
from mentorkit.settings import DEFAULT
from tests.conftest import SAMPLE_AS_OF, run_cli

CHECKOUT = Path(__file__).resolve().parent.parent
LEGAL_MEAN = (10 + 7) / 22 * 100


def _toml(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mentorkit.toml").write_text(text, encoding="utf-8")
    return folder


# --- finding the workspace --------------------------------------------------------------------


def test_the_nearest_folder_upwards_with_a_mentorkit_toml_wins(tmp_path, monkeypatch):
    outer = _toml(tmp_path / "outer", "")
    inner = _toml(outer / "programme", "")
    deep = inner / "notebooks" / "reports"
    deep.mkdir(parents=True)
    monkeypatch.setenv("MENTORKIT_HOME", str(tmp_path / "elsewhere"))
    assert workspace.find_root(deep) == inner.resolve()
    assert workspace.find_root(outer / "notebooks") == outer.resolve()


def test_without_a_mentorkit_toml_mentorkit_home_then_the_current_folder(tmp_path, monkeypatch):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.setenv("MENTORKIT_HOME", str(tmp_path / "home"))
    assert workspace.find_root(here) == (tmp_path / "home").resolve()
    monkeypatch.delenv("MENTORKIT_HOME")
    assert workspace.find_root(here) == here.resolve()


def test_the_checkout_is_a_workspace_from_any_folder_in_it(monkeypatch):
    monkeypatch.delenv("MENTORKIT_HOME", raising=False)
    assert workspace.find_root(CHECKOUT / "notebooks" / "reports") == CHECKOUT
    assert tomllib.loads((CHECKOUT / "mentorkit.toml").read_text()) == {
        "store": {},
        "settings": {},
        "forms": {},
        "mail": {},
    }


def test_the_store_is_in_the_workspace_found(tmp_path, monkeypatch):
    root = _toml(tmp_path / "ws", "")
    (root / "notebooks").mkdir()
    monkeypatch.chdir(root / "notebooks")  # a notebook's kernel starts in its own folder
    assert store.default_url() == f"sqlite:///{root.resolve() / 'data' / 'mentorkit.db'}"


# --- mentorkit.toml and the precedence --------------------------------------------------------


def test_store_url_precedence_flag_then_environment_then_file_then_default(tmp_path):
    root = _toml(tmp_path / "ws", '[store]\nurl = "sqlite:///data/from-file.db"\n')
    assert run_cli("demo", cwd=root).returncode == 0
    assert (root / "data" / "from-file.db").is_file()  # relative to the workspace
    env = {"MENTORKIT_DB": f"sqlite:///{tmp_path / 'from-env.db'}"}
    assert run_cli("demo", env=env, cwd=root).returncode == 0
    assert (tmp_path / "from-env.db").is_file()
    flag = f"sqlite:///{tmp_path / 'from-flag.db'}"
    assert run_cli("demo", "--db", flag, env=env, cwd=root).returncode == 0
    assert (tmp_path / "from-flag.db").is_file()
    assert not (root / "data" / "mentorkit.db").exists()  # the default was never used


@pytest.mark.slow
def test_a_smaller_k_in_mentorkit_toml_shows_what_k_5_hides(tmp_path, sample_db):
    root = _toml(tmp_path / "ws", "")
    args = ("score", "--cohort", "2026-pilot-legal", "--as-of", SAMPLE_AS_OF, "--json", "--db", sample_db)
    hidden = json.loads(run_cli(*args, cwd=root).stdout)["mentor_readiness"]
    assert hidden["mean_score"] is None and hidden["suppressed"] is True
    _toml(root, "[settings]\nmin_group_size = 2\n")
    (root / "notebooks").mkdir()
    shown = json.loads(run_cli(*args, cwd=root / "notebooks").stdout)["mentor_readiness"]  # from a folder below
    assert shown["mean_score"] == pytest.approx(LEGAL_MEAN, rel=1e-12)
    assert (shown["ready"], shown["developing"], shown["not_yet"], shown["suppressed"]) == (1, 1, 0, False)
    # the environment wins over the file
    env = {"MENTORKIT_MIN_GROUP_SIZE": "5"}
    assert json.loads(run_cli(*args, env=env, cwd=root).stdout)["mentor_readiness"]["mean_score"] is None


def test_settings_come_from_the_file_under_the_environment(tmp_path, monkeypatch):
    root = _toml(tmp_path / "ws", '[settings]\nmin_group_size = 7\nsegment_attributes = ["site"]\nweak_item = 0.5\n')
    found = workspace.load(root)
    assert found.settings.min_group_size == 7
    assert found.settings.min_comment_group == 10  # never below k, and 10 is already more
    assert found.settings.segment_attributes == ("site",)
    assert found.settings.weak_item == 0.5
    assert found.origins == {
        "min_group_size": "mentorkit.toml",
        "segment_attributes": "mentorkit.toml",
        "weak_item": "mentorkit.toml",
    }
    monkeypatch.setenv("MENTORKIT_MIN_GROUP_SIZE", "12")
    again = workspace.load(root)
    assert (again.settings.min_group_size, again.settings.min_comment_group) == (12, 12)
    assert again.origins["min_group_size"] == "MENTORKIT_MIN_GROUP_SIZE"
    assert again.settings.band_ready == DEFAULT.band_ready  # what no one set stays the default


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[setings]\nmin_group_size = 3\n", "unknown section [setings]; allowed: [store], [settings], [forms], [mail]"),
        ("[settings]\nk = 3\n", "[settings] has no key 'k'; allowed: min_group_size, "),
        (
            '[settings]\nmin_group_size = "seven"\n',
            "[settings] min_group_size: 'seven' is not allowed; min_group_size must be a whole number from 2 up",
        ),
        ("[settings]\nmin_group_size = 1\n", "min_group_size must be a whole number from 2 up"),
        ("[settings]\nmin_group_size = 3.5\n", "3.5 is not allowed"),
        ("[settings]\nmin_group_size = true\n", "True is not allowed"),
        ("[settings]\nweak_item = 60\n", "weak_item must be a number from 0 to 1"),
        (
            "[settings]\nmin_comment_group = 3\nmin_group_size = 4\n",
            "min_comment_group (3) must be at least min_group_size (4)",
        ),
        ('[store]\nurl = ""\n', "[store] url: must be non-empty text"),
        ("[forms]\nbase_url = 3\n", "[forms] base_url: must be non-empty text"),
        ("settings = 3\n", "settings must be a section"),
        ("[settings\n", "not valid TOML"),
    ],
)
def test_a_bad_mentorkit_toml_is_one_line_naming_the_file_and_key_and_nothing_is_written(tmp_path, text, says):
    root = _toml(tmp_path / "ws", text)
    result = run_cli("demo", cwd=root)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("mentorkit: error: ")
    assert str(root / "mentorkit.toml") in result.stderr
    assert says in result.stderr
    assert not (root / "data").exists()  # refused before the store was touched


def test_a_bad_environment_value_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("MENTORKIT_MIN_GROUP_SIZE", "five")
    with pytest.raises(UsageError, match=r"MENTORKIT_MIN_GROUP_SIZE: 'five' is not a whole number"):
        workspace.load(tmp_path)


def test_a_report_kernel_gets_exactly_the_settings_that_differ_from_the_defaults():
    chosen = workspace.build_settings({"min_group_size": 3, "segment_attributes": ("site",)}, "test")
    values = workspace.overrides(chosen)
    assert values == {"min_group_size": 3, "segment_attributes": ["site"]}  # min_comment_group stays 10
    assert workspace.from_overrides(json.loads(json.dumps(values))) == chosen
    assert workspace.from_overrides({}) == DEFAULT
    with pytest.raises(UsageError, match="no setting 'k'"):
        workspace.from_overrides({"k": 3})


# --- mentorkit init ---------------------------------------------------------------------------


def test_init_creates_a_workspace_that_commands_find(tmp_path):
    result = run_cli("init", "ws", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    root = tmp_path / "ws"
    shipped = bundled.notebooks()
    expected = {"mentorkit.toml", "README.md", ".gitignore", "notebooks/explore.ipynb"}
    expected |= {f"notebooks/{p.relative_to(shipped)}" for p in shipped.glob("*/*.ipynb")}
    assert {"notebooks/reports/readiness.ipynb", "notebooks/collect/checkin.ipynb"} <= expected
    got = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    assert got == expected
    assert (root / "data").is_dir() and (root / "reports").is_dir()
    assert (root / "notebooks/reports/readiness.ipynb").read_bytes() == (
        shipped / "reports/readiness.ipynb"
    ).read_bytes()
    assert tomllib.loads((root / "mentorkit.toml").read_text()) == {
        "store": {},
        "settings": {},
        "forms": {},
        "mail": {},
    }
    assert workspace.load(root).settings == DEFAULT  # every key is commented out at its default
    # a command in a folder below uses the workspace's store
    assert run_cli("demo", cwd=root / "notebooks").returncode == 0
    assert (root / "data" / "mentorkit.db").is_file()


def test_init_refuses_to_replace_anything_and_writes_nothing(tmp_path):
    root = tmp_path / "ws"
    (root / "notebooks" / "reports").mkdir(parents=True)
    mine = root / "notebooks" / "reports" / "programme.ipynb"
    mine.write_text("my own notebook")
    result = run_cli("init", str(root), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "notebooks/reports/programme.ipynb" in result.stderr
    assert mine.read_text() == "my own notebook"
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*")) == [
        "notebooks",
        "notebooks/reports",
        str(mine.relative_to(root)),
    ]
    (tmp_path / "afile").write_text("x")
    assert "is a file" in run_cli("init", str(tmp_path / "afile"), cwd=tmp_path).stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_workspace_gitignore_keeps_answers_secrets_and_reports_out(tmp_path):
    scaffold.init(tmp_path)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    kept_out = [
        "data/mentorkit.db",
        "data/mentorkit.db-wal",
        "data/link-secret",
        "data/export-secret",
        "data/quarantine/roster-x.csv",
        "reports/2026-11-15/index.html",
        "exports/explore-2026-11-15.csv",
    ]
    kept_in = ["mentorkit.toml", "notebooks/reports/readiness.ipynb", "README.md", ".gitignore"]
    ignored = subprocess.run(
        ["git", "-C", str(tmp_path), "check-ignore", "--no-index", *kept_out, *kept_in],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert ignored == kept_out


# --- the report notebooks: the workspace's own, else the packaged ones --------------------------


def test_report_uses_the_workspace_notebook_when_there_and_the_packaged_one_otherwise(tmp_path, monkeypatch):
    root = _toml(tmp_path / "ws", "")
    monkeypatch.chdir(root)
    assert options.find_notebook("readiness.ipynb") == bundled.report_notebooks() / "readiness.ipynb"
    own = root / "notebooks" / "reports" / "readiness.ipynb"
    own.parent.mkdir(parents=True)
    shutil.copyfile(bundled.report_notebooks() / "readiness.ipynb", own)
    assert options.find_notebook("readiness.ipynb") == own.resolve()
    assert options.find_notebook("programme.ipynb") == bundled.report_notebooks() / "programme.ipynb"
    assert options.find_notebook("readiness.ipynb", tmp_path / "mine") == tmp_path / "mine" / "readiness.ipynb"


@pytest.mark.kernel
def test_a_report_says_the_k_of_the_workspace_and_shows_what_it_allows(tmp_path, sample_db):
    root = _toml(tmp_path / "ws", "[settings]\nmin_group_size = 2\n")
    own = root / "notebooks" / "reports"
    own.mkdir(parents=True)
    for name in ("readiness.ipynb", "goal_progress.ipynb"):
        text = (bundled.report_notebooks() / name).read_text(encoding="utf-8")
        (own / name).write_text(text.replace('\\"Readiness\\"', '\\"Readiness (workspace copy)\\"'), encoding="utf-8")
    result = run_cli("report", "--cohort", "2026-pilot-legal", "--as-of", SAMPLE_AS_OF, "--db", sample_db, cwd=root)
    assert result.returncode == 0, result.stderr
    folder = root / "reports" / SAMPLE_AS_OF
    html = (folder / "2026-pilot-legal" / "readiness.html").read_text(encoding="utf-8")
    assert "Readiness (workspace copy)" in html  # the workspace's notebook ran
    assert f"{LEGAL_MEAN:.1f}" in html  # 77.3: shown with k = 2
    meta = json.loads((folder / "2026-pilot-legal" / "meta.json").read_text())
    assert meta["parameters"]["min_group_size"] == 2
    assert meta["parameters"]["settings"] == {"min_group_size": 2}
    executed = json.loads((folder / "2026-pilot-legal" / "readiness.ipynb").read_text())
    assert executed["metadata"]["mentorkit"]["parameters"]["settings"] == {"min_group_size": 2}
