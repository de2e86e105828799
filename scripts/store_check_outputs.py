"""Refresh the stored outputs nbval checks: run each notebook on the sample programme, keep the
outputs of cells marked ``# NBVAL_CHECK_OUTPUT`` and clear every other output.

    python scripts/store_check_outputs.py

Run it after changing a checked cell or the sample programme, then review the diff.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DAY = "2026-11-15"
NOTEBOOKS = [
    ROOT / "notebooks" / "explore.ipynb",
    *sorted((ROOT / "notebooks" / "reports").glob("*.ipynb")),
    *sorted((ROOT / "notebooks" / "collect").glob("*.ipynb")),
]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'sample.db'}"
        subprocess.run([sys.executable, "-m", "mentorkit.cli", "demo", "--db", db], check=True, capture_output=True)
        os.environ["MENTORKIT_DB"] = db
        os.environ["MENTORKIT_AS_OF"] = SAMPLE_DAY  # as nbval runs them (conftest.py): the sample's date
        for path in NOTEBOOKS:
            nb = nbformat.read(path, as_version=4)
            NotebookClient(nb, timeout=300, kernel_name="python3").execute()
            for cell in nb.cells:
                if cell.cell_type != "code":
                    continue
                if "# NBVAL_CHECK_OUTPUT" not in cell.source:
                    cell.outputs = []
                    cell.execution_count = None
                cell.metadata.pop("execution", None)
            nbformat.write(nb, path)
            print(f"refreshed {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
