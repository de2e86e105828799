"""A report run's vocabulary: its options, its jobs and each report's outcome.

What every part of ``mentorkit report`` passes to the others: ``RunOptions`` (the run's
parameters), ``Job`` (one report of one cohort), ``Outcome`` (what happened to it) and the
cohort reports a run renders (``REPORTS``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from mentorkit.runs.shards import Shard
from mentorkit.settings import DEFAULT

REPORTS = ("readiness", "goal_progress")
REPORT_TITLES = {"readiness": "Readiness", "goal_progress": "Goal progress"}
Status = Literal["pending", "ok", "failed"]


def notebooks_dir() -> Path:
    """The bundled report notebooks (notebooks/reports of the checkout)."""
    return Path(__file__).resolve().parents[2] / "notebooks" / "reports"


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
    notebooks: Path = field(default_factory=notebooks_dir)
    shard: Shard | None = None  # None: every chosen cohort, and the run writes the changes digest
    since: Path | None = None  # the earlier run the digest compares with (None: the newest one beside ``out``)
    pdf: bool = False  # also print every report and the index to PDF (mentorkit.runs.pdf)
