"""The project's files agree with each other: pyproject, environment.yml, README, CI."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT


def _name(requirement: str) -> str:
    return re.split(r"[<>=!\[ ;]", requirement.strip(), maxsplit=1)[0].lower()


def test_environment_yml_is_in_step_with_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r): r for r in project["dependencies"]}
    extras = project["optional-dependencies"]
    assert {"forms", "voila", "postgres", "pdf", "test", "bench", "dev"} <= set(extras)
    for requirements in extras.values():  # every extra: the conda environment is the developer's, with all of them
        wanted |= {_name(r): r for r in requirements if _name(r) != "mentorkit"}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert any(line.startswith("-e .") for line in pip)
    # what conda-forge does not carry comes from PyPI in the pip section
    have = {_name(d): d for d in [*conda, *(line for line in pip if not line.startswith("-"))]}
    missing = sorted(set(wanted) - set(have))
    assert not missing, f"in pyproject.toml but not environment.yml: {missing}"
    extra = sorted(set(have) - set(wanted) - {"python", "pip"})
    assert not extra, f"in environment.yml but not pyproject.toml: {extra}"
    for name, req in wanted.items():  # same lower bounds, same exact pins
        low = re.search(r">=\s*([\d.]+)", req)
        if low:
            assert f">={low.group(1)}" in have[name].replace(" ", ""), (name, req, have[name])
        pin = re.search(r"==\s*([\d.]+)", req)
        if pin:
            exact = rf"(?<![<>!=])==?{re.escape(pin.group(1))}$"
            assert re.search(exact, have[name].replace(" ", "")), (name, req, have[name])


def test_readme_quick_start_has_exactly_two_commands():
    text = (ROOT / "README.md").read_text()
    block = re.search(r"## Quick start.*?```bash\n(.*?)```", text, re.S).group(1)
    commands = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert len(commands) == 2
    assert "mentorkit report --all" in commands[0] and "pytest" in commands[1]
    assert commands[1].strip() in (ROOT / ".ci" / "run").read_text()


def test_generated_files_are_ignored_and_folders_exist():
    ignored = (ROOT / ".gitignore").read_text()
    assert "/data/*.db" in ignored and "/reports/*" in ignored
    for folder in ("notebooks", "mentorkit", "data", "reports", "tests", "benchmarks"):
        assert (ROOT / folder).is_dir()


def _stage_map() -> dict[str, str]:
    """The README's map of the stages: folder → its row's list of modules."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("| stage | folder | modules |")
    rows = readme[start : readme.index("\n\n", start)].splitlines()[2:]
    return {row.split(" | ")[1].strip("` "): row.split(" | ")[2] for row in rows}


def test_the_readme_map_names_every_stage_and_module():
    stages = _stage_map()
    package = ROOT / "mentorkit"
    folders = {f"mentorkit/{p.name}/" for p in package.iterdir() if p.is_dir() and any(p.glob("*.py"))}
    assert set(stages) == folders | {"mentorkit/"}
    for folder, row in stages.items():
        where = ROOT / folder
        names = {p.stem for p in where.glob("*.py") if p.stem not in ("__init__", "__main__")}
        names |= {
            f"{p.name}/" for p in where.iterdir() if p.is_dir() and folder != "mentorkit/" and p.name != "__pycache__"
        }
        missing = sorted(n for n in names if f"`{n}`" not in row and f"`{n} " not in row)
        assert not missing, f"{folder}: not in the README's map: {missing}"


def test_each_stage_says_its_job():
    for folder in _stage_map():
        if folder != "mentorkit/":
            doc = ast.get_docstring(ast.parse((ROOT / folder / "__init__.py").read_text(encoding="utf-8")))
            assert doc and len(doc.split()) >= 8, folder


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` over the package found at ``root`` (its pyproject's contracts), without a cache."""
    exe = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(exe), "--no-cache"], cwd=root, capture_output=True, text=True, env=env, check=False)


def test_the_stage_contracts_hold():
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    assert len(contracts) >= 6
    out = _lint_imports(ROOT)
    assert out.returncode == 0, out.stdout[-3000:]
    assert f"Contracts: {len(contracts)} kept, 0 broken." in out.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # analysis is pure: the store (and SQLAlchemy with it) is out of its reach
        ("analysis/stats.py", "import mentorkit.store", "mentorkit.analysis.stats -> mentorkit.store"),
        ("analysis/stats.py", "import sqlalchemy", "mentorkit.analysis.stats -> sqlalchemy"),
        # the kernel side never reaches the batch runner
        ("reporting/charts.py", "import mentorkit.runs.pdf", "mentorkit.reporting.charts -> mentorkit.runs.pdf"),
        # the forms' rules load no database layer; the forms read no file themselves
        ("forms/rules.py", "import mentorkit.intake.ingest", "mentorkit.forms.rules -> mentorkit.intake.ingest"),
        ("forms/who.py", "from mentorkit.intake import files", "mentorkit.forms.who -> mentorkit.intake.files"),
        # a lower stage never imports a higher one
        ("store/read.py", "import mentorkit.intake.clean", "mentorkit.store.read -> mentorkit.intake.clean"),
        ("settings.py", "import mentorkit.export", "mentorkit.settings -> mentorkit.export"),
        # the mail stage sits on the forms and the runs: they never import it
        ("forms/outreach.py", "import mentorkit.mail.run", "mentorkit.forms.outreach -> mentorkit.mail.run"),
    ],
)
@pytest.mark.slow
def test_an_import_across_a_boundary_breaks_a_contract(tmp_path, module, line, broken):
    shutil.copytree(ROOT / "mentorkit", tmp_path / "mentorkit", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with (tmp_path / "mentorkit" / module).open("a", encoding="utf-8") as fh:
        fh.write(f"\n{line}  # noqa\n")
    out = _lint_imports(tmp_path)
    assert out.returncode == 1
    assert broken in out.stdout


def test_every_unit_is_within_its_size():
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_sizes.py")], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stdout
    assert out.stdout.strip() == "sizes: every unit within its limit"


def test_the_size_check_names_what_is_over(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    body = "".join(f"    x{i} = {i}\n" for i in range(79))  # 79 lines of body + the def line: 80, at the limit
    (pkg / "ok.py").write_text(f"def fits():\n{body}")
    (pkg / "long.py").write_text(f"@staticmethod\ndef too_long():\n{body}    return x0\n")  # 1 + 1 + 79 + 1 = 82
    (pkg / "big.py").write_text("x = 1\n" * 601)
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_sizes.py"), str(pkg)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 1
    assert out.stdout.splitlines() == [
        "pkg/big.py: module of 601 lines (limit 600)",
        "pkg/long.py:1: function too_long of 82 lines (limit 80)",
        "sizes: 2 over the limits",
    ]
