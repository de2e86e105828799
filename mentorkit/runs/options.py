"""A report run's vocabulary: its options, its jobs and each report's outcome.

What every part of ``mentorkit report`` passes to the others: ``RunOptions`` (the run's
parameters), ``Job`` (one report of one cohort), ``Outcome`` (what happened to it) and the
cohort reports a run renders (``REPORTS``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Literal

from mentorkit import bundled, workspace
from mentorkit.runs.shards import Shard
from mentorkit.settings import DEFAULT, Settings

REPORTS = ("readiness", "goal_progress")
REPORT_TITLES = {"readiness": "Readiness", "goal_progress": "Goal progress"}
Status = Literal["pending", "ok", "failed"]


def notebooks_dir() -> Path:
    """The packaged report notebooks (``notebooks/reports`` of the checkout, or the wheel's copy)."""
    return bundled.report_notebooks()


def workspace_notebooks() -> Path:
    """The workspace's own report notebooks (``notebooks/reports`` beside its ``mentorkit.toml``)."""
    return workspace.current().root / "notebooks" / "reports"


def find_notebook(name: str, folder: Path | None = None) -> Path:
    """A report notebook: from ``folder`` when given (``--notebooks``), else the workspace's, else the packaged one."""
    if folder is not None:
        return Path(folder) / name
    own = workspace_notebooks() / name
    return own if own.is_file() else notebooks_dir() / name


@dataclass(frozen=True)
class Job:
    """One report of one cohort."""

    cohort: str
    report: str
    notebook: Path


@dataclass
class Outcome:
    """What happened to one report."""

    cohort: str
    report: str
    status: Status = "pending"
    seconds: float = 0.0
    ipynb: str | None = None
    html: str | None = None
    error: str | None = None
    cpu_seconds: float | None = None  # the kernel's CPU time plus the writing and HTML export's


@dataclass(frozen=True)
class RunOptions:
    """A report run's parameters."""

    as_of: date
    out: Path
    db_url: str
    jobs: int = 2
    identify: bool = False
    min_group_size: int = DEFAULT.min_group_size
    timeout: int = 300
    notebooks: Path | None = None  # --notebooks; None: each report's from the workspace, else the packaged one
    shard: Shard | None = None  # None: every chosen cohort, and the run writes the changes digest
    since: Path | None = None  # the earlier run the digest compares with (None: the newest one beside ``out``)
    pdf: bool = False  # also print every report and the index to PDF (mentorkit.runs.pdf)
    settings: Settings = DEFAULT  # the settings in force (mentorkit.toml, the environment); k is min_group_size

    def notebook(self, name: str) -> Path:
        """Where this run reads a report notebook from (see :func:`find_notebook`)."""
        return find_notebook(name, self.notebooks)

    def settings_in_force(self) -> Settings:
        """The run's settings with its minimum group size (the comment threshold never drops below it)."""
        k = self.min_group_size
        if k == self.settings.min_group_size:
            return self.settings
        return replace(self.settings, min_group_size=k, min_comment_group=max(self.settings.min_comment_group, k))
