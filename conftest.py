"""Collection rules for the whole suite (tests/ and the notebooks under nbval)."""

from __future__ import annotations

import pytest


@pytest.hookimpl(tryfirst=True)  # before -m selects: `-m "not kernel"` leaves the notebooks out
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Notebook cells (nbval items) run in a real kernel: they carry the ``kernel`` marker too."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.kernel)
