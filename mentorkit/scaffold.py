"""``mentorkit init [DIR]``: a programme's workspace, with its settings file, notebooks, data and reports folders.

The workspace gets ``mentorkit.toml`` (every key commented out: the defaults are in force until one is
set), ``notebooks/`` (explore, the collect notebooks and editable copies of the report notebooks, which
``mentorkit report`` then uses), empty ``data/`` and ``reports/``, a short ``README.md`` and a
``.gitignore`` that keeps the store, the secrets, quarantine files and reports out of git. Nothing that
is already there is replaced: one existing file refuses the whole ``init``, before anything is written.
"""

from __future__ import annotations

import dataclasses
import functools
import shutil
from pathlib import Path

from mentorkit import bundled, outputs
from mentorkit.errors import OutputError, UsageError
from mentorkit.settings import DEFAULT, Settings
from mentorkit.workspace import CONFIG_NAME

FOLDERS = ("data", "reports", "notebooks", "notebooks/collect", "notebooks/reports")

GITIGNORE = """\
# mentorkit: what stays out of git (answers, secrets and what is made from them)
/data/*.db
/data/*.db-*
/data/link-secret
/data/export-secret
/data/smtp-password
/data/quarantine/
/reports/
/exports/
.ipynb_checkpoints/
"""

README = """\
# {name}

A mentorkit workspace: this folder's `mentorkit.toml` holds the programme's settings, and every
`mentorkit` command run here (or in a folder below) uses them.

- `mentorkit import roster.csv --instrument roster`, then the answers (`--instrument mentor_readiness`, …);
  or `mentorkit demo` for the sample programme.
- `mentorkit cohorts` lists the cohorts and the as-of date to report on; `mentorkit score --cohort ID`;
  `mentorkit report --all --as-of DATE` writes `reports/<as-of>/`.
- `notebooks/explore.ipynb` explores the cohorts in JupyterLab; `notebooks/collect/` holds the forms.
- `notebooks/reports/` holds this workspace's report notebooks: edit them, and `mentorkit report`
  uses them instead of the packaged ones (delete one to go back to the packaged notebook).
- The store is `data/mentorkit.db` unless `[store] url` or `MENTORKIT_DB` says otherwise. The store,
  the link secret, quarantine files and reports stay out of git (`.gitignore`).

Settings: flag > environment > `mentorkit.toml` > default.
"""


def config_text() -> str:
    """``mentorkit.toml`` with every key commented out at its default."""
    lines = [
        "# mentorkit: this programme's settings. A command's flag wins over the environment, the",
        "# environment over this file, this file over the defaults below (uncomment a line to set it).",
        "",
        "[store]",
        '# url = "sqlite:///data/mentorkit.db"  # any SQLAlchemy URL; a relative SQLite path is this folder\'s',
        "",
        "[settings]",
    ]
    for f in dataclasses.fields(Settings):
        lines.append(f"# {f.name} = {_toml_value(getattr(DEFAULT, f.name))}")
    lines += ["", "[forms]", '# base_url = "https://forms.example.org/mentoring/"  # invite, status and send links']
    lines += [
        "",
        "[mail]  # mentorkit send; the password comes from MENTORKIT_SMTP_PASSWORD or password_file, never from here",
        '# smtp = "smtp://mentoring@mail.example.org:587"  # smtp:// (STARTTLS when offered) or smtps://',
        '# from = "Mentoring programme <mentoring@example.org>"',
        '# reply_to = "mentoring@example.org"  # replies and List-Unsubscribe',
        '# password_file = "data/smtp-password"  # mode 0600',
        "",
    ]
    return "\n".join(lines)


def _toml_value(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value)


def plan(folder: Path) -> dict[Path, str | Path]:
    """Every file ``init`` writes, and its text or the shipped file it copies."""
    shipped = bundled.notebooks()
    files: dict[Path, str | Path] = {
        folder / CONFIG_NAME: config_text(),
        folder / "README.md": README.format(name=folder.resolve().name or "mentorkit workspace"),
        folder / ".gitignore": GITIGNORE,
        folder / "notebooks" / "explore.ipynb": shipped / "explore.ipynb",
    }
    for sub in ("collect", "reports"):
        for nb in sorted((shipped / sub).glob("*.ipynb")):
            files[folder / "notebooks" / sub / nb.name] = nb
    return files


def _copy(source: Path, tmp: Path) -> None:
    shutil.copyfile(source, tmp)


def init(folder: str | Path) -> list[Path]:
    """Create a workspace in ``folder`` (made when missing); the files written. Refuses to replace anything."""
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} is a file, not a folder for a workspace")
    files = plan(target)
    there = [p for p in files if p.exists() or p.is_symlink()]
    there += [target / d for d in FOLDERS if (target / d).exists() and not (target / d).is_dir()]
    if there:
        shown = ", ".join(str(p.relative_to(target)) for p in there[:5]) + (" …" if len(there) > 5 else "")
        raise UsageError(f"{target} already has {shown}; nothing was written (init never replaces a file)")
    written: list[Path] = []
    try:
        for d in FOLDERS:
            (target / d).mkdir(parents=True, exist_ok=True)
        for path, source in files.items():
            if isinstance(source, Path):
                outputs.write_atomic(path, functools.partial(_copy, source))
            else:
                outputs.write_text_atomic(path, source)
            written.append(path)
    except (OSError, OutputError) as exc:
        for path in written:  # ours: no half-made workspace is left behind
            path.unlink(missing_ok=True)
        if isinstance(exc, OutputError):
            raise
        raise OutputError(outputs.cannot_write(target, exc)) from None
    return written
