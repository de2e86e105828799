"""The files mentorkit ships beside its code: the report, explore and collect notebooks, and the sample programme.

In a checkout they are the repository's own ``notebooks/`` and ``data/sample/``. The wheel carries the same
files under ``mentorkit/_bundled/`` (pyproject.toml maps them there at build time), so every command finds
them wherever mentorkit is installed.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
INSTALLED = PACKAGE / "_bundled"  # in a wheel
CHECKOUT = PACKAGE.parent  # in a source checkout (an editable install)


def root() -> Path:
    """The folder holding ``notebooks/`` and ``data/sample/``: the wheel's copy, else the checkout."""
    return INSTALLED if INSTALLED.is_dir() else CHECKOUT


def notebooks() -> Path:
    """The shipped notebooks: ``explore.ipynb``, ``collect/`` and ``reports/``."""
    return root() / "notebooks"


def report_notebooks() -> Path:
    """The shipped report notebooks (readiness, goal progress, programme)."""
    return notebooks() / "reports"


def sample() -> Path:
    """The sample programme's CSV files."""
    return root() / "data" / "sample"
