"""A report folder: the names of the files a run writes there, and reading back the records it left.

Each cohort has ``<cohort>/meta.json``; the programme report has ``programme.{ipynb,html,json}``;
the run's ``index.html`` and ``manifest.json`` are rebuilt from those records. A folder may hold
cohorts written by several machines (shards): everything is read back from the files. With ``--pdf``
a page's PDF is ``<page>.pdf`` beside it; when a later run rewrites the page, that PDF is the earlier
page's and is removed (``drop_stale_pdfs``), so every PDF in a folder belongs to the page beside it.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from mentorkit import store
from mentorkit.errors import UsageError
from mentorkit.intake import clean

INDEX, MANIFEST = "index.html", "manifest.json"
META = "meta.json"  # in each cohort's folder
PROGRAMME_NOTEBOOK = "programme.ipynb"  # the programme report's executed notebook, its page and its outcome
PROGRAMME_HTML = "programme.html"
PROGRAMME_META = "programme.json"

JsonObject = dict[str, Any]  # a record as read back from a JSON file (its values are whatever JSON holds)


def default_out(as_of: date) -> Path:
    """reports/<as-of>/ in the workspace."""
    return store.workspace() / "reports" / as_of.isoformat()


def check_out(out: Path) -> None:
    """Refuse an ``--out`` that is not a report folder: a file, or a folder holding other things.

    A report folder is new, empty, or one an earlier run wrote: it has ``manifest.json``, or the
    ``assets/`` every run writes first, holding only a run's assets or their temporary files (a
    shard still running, perhaps still writing them). Nothing else is written into.
    """
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file; --out names the reports' folder")
    earlier = (out / MANIFEST).is_file() or _run_assets(out / "assets")
    if out.is_dir() and not earlier and any(out.iterdir()):
        raise UsageError(f"{out} holds other files (not an earlier report run); choose a new or empty folder")


ASSETS = ("plotly.min.js", "report.css")  # what every run writes into OUT/assets/ before anything else


def _run_assets(folder: Path) -> bool:
    """True when ``folder`` is a run's ``assets/``: a folder of its assets (or their temporary files) and nothing else."""
    if not folder.is_dir():
        return False
    names = [p.name for p in folder.iterdir()]
    return bool(names) and all(
        n in ASSETS or any(n.startswith(f".{a}.") and n.endswith(".tmp") for a in ASSETS) for n in names
    )


def clear_temp_files(folder: Path) -> None:
    """Remove temporary files a killed run left behind (never at a final name)."""
    if folder.is_dir():
        for tmp in folder.glob(".*.tmp"):
            tmp.unlink(missing_ok=True)


def read_metas(out: Path) -> list[JsonObject]:
    """Every cohort's meta.json under a report folder (reports may come from several machines)."""
    metas = []
    for path in sorted(out.glob(f"*/{META}")):
        if not clean.is_safe_id(path.parent.name):
            continue
        try:
            metas.append(json.loads(path.read_text("utf-8")))
        except (OSError, ValueError):
            continue
    return metas


def read_programme(out: Path) -> JsonObject | None:
    """The programme report's recorded outcome in a report folder (None when there is none)."""
    try:
        found = json.loads((out / PROGRAMME_META).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def pdf_of(page: Path) -> Path:
    """Where a page's PDF is printed: ``<page>.pdf`` beside its HTML."""
    return page.with_suffix(".pdf")


def report_pages(out: Path, cohort: str, reports: tuple[str, ...]) -> list[Path]:
    """A cohort's report pages in a run folder (``<cohort>/<report>.html``), written or not."""
    if not clean.is_safe_id(cohort):
        return []
    return [out / cohort / f"{name}.html" for name in reports]


def drop_stale_pdfs(out: Path, pages: list[Path]) -> list[Path]:
    """Remove the PDF beside each page a run has just rewritten (or failed to write): it shows the earlier page.

    Only a run's own names in a run's own folder: ``<report>.pdf`` in a cohort's folder, ``programme.pdf`` and
    ``index.pdf``, each beside a page of the run. Another cohort's PDFs (a shard's, say) are left alone.
    """
    own = {PROGRAMME_HTML, INDEX}
    removed = []
    for page in pages:
        inside = page.parent == out or (page.parent.parent == out and clean.is_safe_id(page.parent.name))
        if not inside or (page.parent == out and page.name not in own):
            continue
        target = pdf_of(page)
        if target.is_file() and not target.is_symlink():
            target.unlink()
            removed.append(target)
    return removed
