"""The project's files agree with each other: pyproject, environment.yml, README, CI."""

from __future__ import annotations

import re
import tomllib

import yaml

from tests.conftest import ROOT


def _name(requirement: str) -> str:
    return re.split(r"[<>=!\[ ;]", requirement.strip(), maxsplit=1)[0].lower()


def test_environment_yml_is_in_step_with_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r): r for r in project["dependencies"]}
    for extra in ("test", "bench", "postgres"):
        wanted |= {_name(r): r for r in project["optional-dependencies"][extra]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    have = {_name(d): d for d in conda}
    missing = sorted(set(wanted) - set(have))
    assert not missing, f"in pyproject.toml but not environment.yml: {missing}"
    for name, req in wanted.items():  # same lower bounds
        low = re.search(r">=\s*([\d.]+)", req)
        if low:
            assert f">={low.group(1)}" in have[name].replace(" ", ""), (name, req, have[name])
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert any(line.startswith("-e .") for line in pip)


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


def test_the_readme_module_table_names_every_module():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("| module | job |")
    table = readme[start : readme.index("\n\n", start)]
    package = ROOT / "mentorkit"
    names = {p.name for p in package.glob("*.py") if p.name != "__init__.py"}
    names |= {f"{p.name}/" for p in package.iterdir() if p.is_dir() and not p.name.startswith("__")}
    missing = sorted(n for n in names if f"`{n}`" not in table and f"`mentorkit/{n}`" not in table)
    assert not missing, f"modules missing from the README's module table: {missing}"
