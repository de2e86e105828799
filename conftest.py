"""Root pytest hooks: notebooks under nbval run against the sample programme in a temp store, marked kernel."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path

import pytest


def pytest_configure(config):  # type: ignore[no-untyped-def]
    """Load the sample into a throwaway store that every notebook kernel sees (MENTORKIT_DB)."""
    if not config.getoption("--nbval-lax", default=False) and not config.getoption("--nbval", default=False):
        return
    from mentorkit import cli, store

    folder = Path(tempfile.mkdtemp(prefix="mentorkit-nbval-"))
    url = f"sqlite:///{folder / 'sample.db'}"
    os.environ["MENTORKIT_HOME"] = str(folder)
    with contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["demo", "--db", url])
    store.dispose_all()
    if code != 0:
        raise RuntimeError("could not load the sample programme for the notebook tests")
    os.environ["MENTORKIT_DB"] = url
    os.environ["MENTORKIT_AS_OF"] = "2026-11-15"  # the sample's date: the notebooks' as_of = None reads it


@pytest.hookimpl(tryfirst=True)  # before -m selects: `-m "not kernel"` leaves the notebooks out
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Notebook cells (nbval items) run in a real kernel: they carry the ``kernel`` marker too."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.kernel)
