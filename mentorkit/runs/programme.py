"""What ``mentorkit report`` does after the cohorts' reports: the programme report, then PDFs.

The programme report (``notebooks/reports/programme.ipynb``) runs once per run on its own kernel
into ``OUT/programme.{ipynb,html}``; ``OUT/programme.json`` records its outcome for the manifest.
With ``--pdf`` every HTML report of the run and the index are printed by one Chromium
(``mentorkit.runs.pdf``). Files appear atomically; a failure is reported, never raised.
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import os
import subprocess
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, replace
from pathlib import Path

from mentorkit import __version__, outputs, store, workspace
from mentorkit.analysis.score import parse_as_of
from mentorkit.formats import one_line, plural
from mentorkit.reporting.programme import FULL_TABLE
from mentorkit.runs import pdf
from mentorkit.runs.folder import (
    INDEX,
    PROGRAMME_HTML,
    PROGRAMME_META,
    PROGRAMME_NOTEBOOK,
    drop_stale_pdfs,
    read_metas,
    report_pages,
)
from mentorkit.runs.kernels import for_html, html_exporter
from mentorkit.runs.options import Outcome, RunOptions
from mentorkit.settings import DEFAULT

log = logging.getLogger("mentorkit.runs.batch")
PARAMETERS = ("as_of", "db_url", "min_group_size", "cohorts", "out")


def run_programme_apart(options: RunOptions, cohorts: list[str] | None) -> Outcome | None:
    """``run_programme`` in a child process of its own, so the runner's memory does not grow with the programme.

    The programme notebook's outputs (every cohort's trends and segments) grow with the store; executing and
    exporting them here would raise the runner's peak RSS from about 210 to 410 MB at 1,000 cohorts.
    """
    try:
        public, password = store.split_password(options.db_url)
        with ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_take_password,
            initargs=(password,),
        ) as pool:
            return pool.submit(run_programme, replace(options, db_url=public), cohorts).result()
    except Exception as exc:  # the child itself died (memory, a signal): the cohorts' reports stand
        outcome = Outcome("", "programme")
        outcome.status, outcome.error = "failed", f"{type(exc).__name__}: {one_line(str(exc))}"
        return outcome


def _take_password(password: str | None) -> None:
    """The child's environment holds the database password (its kernel inherits it), never its options."""
    if password is not None:
        os.environ[store.PASSWORD_ENV] = password


def run_programme(options: RunOptions, cohorts: list[str] | None) -> Outcome | None:
    """Execute the programme notebook for these cohorts (all when None) into ``options.out``; its Outcome.

    None when the run's notebook folder has no programme notebook (a folder of your own notebooks).
    """
    source = options.notebook(PROGRAMME_NOTEBOOK)
    if not source.is_file():
        log.info("programme report skipped: no %s in %s", PROGRAMME_NOTEBOOK, source.parent)
        return None
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    out = Path(options.out)
    start = time.perf_counter()
    outcome = Outcome("", "programme")
    params: dict[str, object] = {
        "as_of": options.as_of.isoformat(),
        "db_url": store.split_password(options.db_url)[0],  # the password reaches the kernel in its environment
        "min_group_size": options.min_group_size,
        "settings": workspace.overrides(options.settings_in_force()),  # the settings in force, beyond the defaults
        "cohorts": None if cohorts is None else list(cohorts),
        "out": str(out.resolve()),  # where a ranked report writes its full per-cohort table
    }
    (out / FULL_TABLE).unlink(missing_ok=True)  # an earlier run's table would pass for this run's
    nb = parameterize_notebook(load_notebook_node(str(source)), params)
    nb.metadata["mentorkit"] = {"version": __version__, "parameters": params}
    km = KernelManager(kernel_name="python3")
    try:
        # the kernel's own stderr is noise here (cell errors reach us through the protocol), as in kernels.Runner
        km.start_kernel(
            extra_arguments=["--HistoryManager.enabled=False"],
            stderr=subprocess.DEVNULL,
            env=store.kernel_env(options.db_url),
        )
        client = NotebookClient(
            nb, km=km, timeout=options.timeout, startup_timeout=60, resources={"metadata": {"path": str(out)}}
        )
        client.execute()
        outcome.status = "ok"
    except Exception as exc:  # a cell's error, a timeout, a kernel that died or would not start
        outcome.status, outcome.error = "failed", f"{type(exc).__name__}: {one_line(str(exc))}"
    finally:
        with contextlib.suppress(Exception):  # a kernel that is already gone is fine
            km.shutdown_kernel(now=True)
    outputs.write_text_atomic(out / PROGRAMME_NOTEBOOK, json.dumps(nb, sort_keys=True, ensure_ascii=False))
    outcome.ipynb = PROGRAMME_NOTEBOOK
    if outcome.status == "ok":
        try:
            body, _ = html_exporter(HTMLExporter).from_notebook_node(
                for_html(nbformat.from_dict(nb)),
                resources={
                    "mentorkit_assets": "assets",
                    "mentorkit_index": INDEX,
                    "metadata": {"name": "Programme report"},
                },
            )
            outputs.write_text_atomic(out / PROGRAMME_HTML, body)
            outcome.html = PROGRAMME_HTML
        except Exception as exc:  # a broken template or output
            outcome.status, outcome.error = "failed", f"HTML export: {one_line(str(exc))}"
    if outcome.status != "ok":
        (out / PROGRAMME_HTML).unlink(missing_ok=True)  # an older run's page would pass for this run's
    outcome.seconds = round(time.perf_counter() - start, 3)
    outputs.write_text_atomic(out / PROGRAMME_META, json.dumps(asdict(outcome), indent=2))
    return outcome


def run_for_folder(out: Path, db_url: str, notebooks: Path | None, timeout: int) -> Outcome | None:
    """``report --index``: the programme report over the cohorts found in ``out`` (after shards), their as-of.

    None, with one line logged, when the folder has no cohort or the store cannot be reached (the
    previous programme report, if any, stays).
    """
    metas = read_metas(out)
    if not metas:
        return None
    try:
        store.connect(db_url, create=False).dispose()
    except Exception as exc:  # StoreError: a store that is not there or not a mentorkit store
        log.warning("programme report not rebuilt: %s", one_line(getattr(exc, "message", str(exc))))
        return None
    last = metas[-1]
    recorded = last.get("parameters", {})
    options = RunOptions(
        as_of=parse_as_of(last["as_of"]),
        out=out,
        db_url=db_url,
        min_group_size=int(recorded.get("min_group_size", DEFAULT.min_group_size)),
        timeout=timeout,
        notebooks=notebooks,
        settings=workspace.from_overrides(recorded.get("settings")),  # the settings the shards ran with
    )
    return run_programme_apart(options, sorted(m["cohort"] for m in metas))


def run_htmls(out: Path, outcomes: list[Outcome]) -> list[Path]:
    """Every HTML page of a run to print: each report that succeeded, the programme report, the index."""
    pages = [out / o.html for o in outcomes if o.status == "ok" and o.html]
    index = out / INDEX
    return [p for p in dict.fromkeys([*pages, index]) if p.is_file()]


def rewritten_pages(out: Path, outcomes: list[Outcome]) -> list[Path]:
    """The pages a run has just written or tried to write: each report's, the programme report's, and the index."""
    pages: list[Path] = []
    for o in outcomes:
        pages += report_pages(out, o.cohort, (o.report,)) if o.cohort else [out / PROGRAMME_HTML]
    return [*pages, out / INDEX]


def pdfs_after_run(
    out: Path, outcomes: list[Outcome], printing: bool, executable: str | None = None
) -> tuple[list[Path], list[Path]]:
    """The earlier run's PDFs of the pages this run rewrote removed; then, with ``--pdf``, the run's own printed.

    Returns (printed, removed): a PDF removed and printed again is in both.
    """
    dropped = drop_stale_pdfs(out, rewritten_pages(out, outcomes))
    return (print_pdfs(out, outcomes, executable) if printing else []), dropped


def stale_note(removed: list[Path], printed: list[Path]) -> str | None:
    """The line that says a run removed PDFs of the earlier run's pages (None when each was printed again)."""
    gone = [p for p in removed if p not in set(printed)]
    if not gone:
        return None
    return f"removed {plural(len(gone), 'PDF')} of the earlier run: the pages they showed were written again"


def print_pdfs(out: Path, outcomes: list[Outcome], executable: str | None = None) -> list[Path]:
    """``--pdf``: print the run's pages beside their HTML; one warning line when Chromium is missing."""
    try:
        written, failed = pdf.print_reports(run_htmls(out, outcomes), executable)
    except pdf.PdfUnavailable as exc:
        log.warning("%s; the HTML reports are written", exc.message)
        return []
    for html, error in failed:
        log.warning("%s: no PDF: %s", html.relative_to(out), error)
    log.info("%s written", plural(len(written), "PDF"))
    return written
