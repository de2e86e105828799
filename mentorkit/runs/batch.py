"""Batch report runs: parameterised notebooks executed on a pool of warm kernels, exported to HTML.

Imports (papermill, nbclient, nbconvert) and kernel start-ups are paid once per batch: each
worker keeps one kernel and resets its namespace between reports. Every file appears atomically;
one report's failure never stops the others. Only this module starts kernels.

``run`` takes keyword options (``RunOptions``) and reports progress to an ``on_done`` callback
and the ``mentorkit.runs.batch`` logger; it never prints. The command line lives in ``cli``.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import hashlib
import json
import logging
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from mentorkit import __version__, outputs, store
from mentorkit._imports import skip_iri_grammar
from mentorkit.analysis import score
from mentorkit.errors import ReportError, UsageError
from mentorkit.formats import fmt, one_line
from mentorkit.intake import clean
from mentorkit.reporting import STYLESHEET
from mentorkit.runs import digest as changes
from mentorkit.runs import programme as programmerun
from mentorkit.runs import shards
from mentorkit.settings import DEFAULT, Settings

if TYPE_CHECKING:  # imported when a run starts (the kernels boot meanwhile); typed here
    import jinja2
    from jupyter_client.asynchronous.client import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager
    from markupsafe import Markup
    from nbconvert import HTMLExporter
    from nbformat import NotebookNode
    from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)  # mentorkit.runs.batch: each report done (INFO), a cohort's meta.json lost (WARNING)

REPORTS = ("readiness", "goal_progress")
REPORT_TITLES = {"readiness": "Readiness", "goal_progress": "Goal progress"}
PARAMETERS = ("cohort_id", "as_of", "db_url", "min_group_size", "identify")
TEMPLATES = Path(__file__).resolve().parent / "templates"
INDEX_TEMPLATE = "run_index.html.j2"  # the run's landing page, in TEMPLATES
INDEX, MANIFEST = "index.html", "manifest.json"
META = "meta.json"
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
    shard: shards.Shard | None = None  # None: every chosen cohort, and the run writes the changes digest
    since: Path | None = None  # the earlier run the digest compares with (None: the newest one beside ``out``)
    pdf: bool = False  # also print every report and the index to PDF (mentorkit.runs.pdf)


# --- the kernel pool ---------------------------------------------------------------------------

META_MIME = "application/vnd.mentorkit.meta+json"  # the output reportkit.report_meta displays
# A kernel starts clean (BEGIN runs at its start-up); each report ends with END, which records what
# meta.json needs and then empties the namespace for the next report. Only a report that stopped
# early (its END never ran) has BEGIN run before the next one. Both cells are removed from the
# notebook again. (Charts go without JupyterLab's JSON copy: the page draws the HTML div.)
BEGIN_CELL = "__import__('mentorkit.reporting.cohort').reporting.cohort.begin_report(lab_json=False)"
END_CELL = f"__import__('mentorkit.reporting.cohort').reporting.cohort.report_meta()\n{BEGIN_CELL}"
PLOTLY_MIME = "application/vnd.plotly.v1+json"  # JupyterLab's copy of a chart; the HTML page uses text/html


def failure(exc: BaseException, timeout: int) -> tuple[str, bool]:
    """A failed report's error text, and whether its kernel may run the next report.

    A cell's own error leaves the kernel usable; a timeout, a dead kernel or a transport failure
    does not (the worker starts a fresh kernel).
    """
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    if isinstance(exc, CellTimeoutError):
        return f"a cell ran longer than {timeout} s", False
    if isinstance(exc, DeadKernelError):
        return "the kernel died", False
    if isinstance(exc, CellExecutionError):
        return one_line(str(exc)), True
    return f"{type(exc).__name__}: {one_line(str(exc))}", False


class JobQueue:
    """Jobs grouped by cohort, so a kernel runs a cohort's reports back to back.

    The second report of a cohort then reuses the data the first one loaded and scored. A kernel
    that finishes its cohort takes the next cohort nobody has started; when none is left it helps
    with the reports still waiting (one cohort on two kernels still runs in parallel).
    """

    def __init__(self, jobs: list[Job]) -> None:
        self._pending: dict[str, deque[Job]] = {}
        for job in jobs:
            self._pending.setdefault(job.cohort, deque()).append(job)
        self._unstarted = deque(self._pending)

    def next(self, current: str | None) -> Job | None:
        """The next job for a kernel whose last job was of cohort ``current``."""
        if current is not None and current in self._pending:
            return self._pop(current)
        while self._unstarted:
            cohort = self._unstarted.popleft()
            if cohort in self._pending:
                return self._pop(cohort)
        if not self._pending:
            return None
        return self._pop(max(self._pending, key=lambda c: len(self._pending[c])))

    def _pop(self, cohort: str) -> Job:
        waiting = self._pending[cohort]
        job = waiting.popleft()
        if not waiting:
            del self._pending[cohort]
        return job


class Runner:
    """Executes jobs on ``n`` kernels kept warm for the whole batch.

    ``on_done`` hears of every report; ``on_cohort`` of every cohort whose reports are all done,
    with the facts a kernel recorded about it (None when no report could record them).
    """

    def __init__(
        self,
        options: RunOptions,
        on_done: Callable[[Outcome], None],
        on_cohort: Callable[[str, list[Outcome], dict[str, object] | None], None] | None = None,
    ) -> None:
        self.options = options
        self.on_done = on_done
        self.on_cohort = on_cohort
        self._notebooks: dict[Path, NotebookNode] = {}
        self._outcomes: dict[str, list[Outcome]] = {}
        self._facts: dict[str, dict[str, object]] = {}
        self._left: dict[str, int] = {}

    def _import_tools(self) -> None:
        """The notebook tools, imported once per batch (while the kernels boot)."""
        skip_iri_grammar()
        import nbformat
        from nbclient import NotebookClient
        from nbconvert import HTMLExporter
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        self._nbformat = nbformat
        self._client = NotebookClient
        self._parameterize = parameterize_notebook
        self._load = load_notebook_node

        from nbconvert.exporters.templateexporter import TemplateExporter
        from nbconvert.filters.highlight import Highlight2HTML
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

        class ReportExporter(HTMLExporter):
            def _validate_preprocessor(self, nbc: NotebookNode, preprocessor: object) -> None:
                """Skipped: nbclient validated every output as it arrived; nothing here changes them."""

            def from_notebook_node(  # type: ignore[override]  # as HTMLExporter's
                self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
            ) -> tuple[str, dict[str, Any]]:
                """HTMLExporter's page without its BeautifulSoup round trip (four fifths of the export's CPU).

                The soup only makes the outputs inside ``.jp-Notebook`` focusable (the report template
                has no such element) and gives images an alt text (a page with images still gets it).
                """
                resources = self._init_resources(resources)
                lang = nb.metadata.get("language_info", {})
                lexer = lang.get("pygments_lexer", lang.get("name", None))
                self.register_filter(
                    "highlight_code",
                    self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)),
                )
                self.register_filter(
                    "filter_data_type",
                    WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources),
                )
                html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
                if "<img" in html:
                    return super().from_notebook_node(nb, resources, **kw)
                return html, resources

        self._exporter_cls: type[HTMLExporter] = ReportExporter

    def exporter(self) -> HTMLExporter:
        """The HTML exporter of one worker (the report template, no code, no prompts)."""
        return self._exporter_cls(
            template_name="mentorkit_report",
            extra_template_basedirs=[str(TEMPLATES)],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
        )

    def check_parameters(self, notebook: Path) -> None:
        """papermill only warns about unknown parameter names: refuse them here."""
        from papermill.inspection import inspect_notebook

        found = set(inspect_notebook(str(notebook)))
        missing = [p for p in PARAMETERS if p not in found]
        if missing:
            raise ReportError(f"{notebook.name} has no parameter(s) {', '.join(missing)} in its 'parameters' cell")

    def run(self, jobs: list[Job]) -> None:
        """Execute every job; returns when all are done (each one reported to ``on_done``)."""
        for job in jobs:
            self._left[job.cohort] = self._left.get(job.cohort, 0) + 1
        asyncio.run(self._run_all(jobs))

    async def _start_kernel(self) -> AsyncKernelManager:
        from jupyter_client.manager import AsyncKernelManager

        km = AsyncKernelManager(kernel_name="python3")
        # the kernel imports the report code while it boots; its own stderr is noise here
        # (cell errors reach us through the protocol)
        await km.start_kernel(
            extra_arguments=[
                "--HistoryManager.enabled=False",
                "--InteractiveShell.cache_size=0",  # no Out[] cache: a report's outputs go with it
                f"--IPKernelApp.exec_lines={BEGIN_CELL}",
            ],
            stderr=subprocess.DEVNULL,
            env=store.kernel_env(self.options.db_url),
        )
        return km

    async def _run_all(self, jobs: list[Job]) -> None:
        n = max(1, min(self.options.jobs, len(jobs)))
        kernels = await asyncio.gather(*(self._start_kernel() for _ in range(n)))
        self._import_tools()  # overlaps with the kernels' start-up
        for nb in {j.notebook for j in jobs}:
            self.check_parameters(nb)
            self._notebooks[nb] = self._load(str(nb))  # papermill's loader adds the metadata it needs
        queue = JobQueue(jobs)
        await asyncio.gather(*(self._worker(queue, km) for km in kernels))

    async def _worker(self, queue: JobQueue, km: AsyncKernelManager | None) -> None:
        exporter = self.exporter()
        kc: AsyncKernelClient | None = None
        last: str | None = None
        clean = True  # the kernel's namespace is empty (a new kernel, or the last report's END ran)
        language: dict[str, object] = {}
        try:
            while (job := queue.next(last)) is not None:
                last = job.cohort
                if km is None:
                    km = await self._start_kernel()
                if kc is None:  # one client per kernel, kept across reports
                    kc = km.client()
                    kc.start_channels()
                    await kc.wait_for_ready(timeout=120)
                    reply = await kc.kernel_info(reply=True, timeout=60)  # once per kernel, not per report
                    language = reply["content"]["language_info"]
                    clean = True
                try:
                    outcome, healthy, clean = await self._execute(km, kc, job, exporter, language, clean)
                except Exception as exc:  # never let one report stop the batch
                    outcome = Outcome(
                        job.cohort, job.report, "failed", error=f"{type(exc).__name__}: {one_line(str(exc))}"
                    )
                    healthy = False
                if not healthy:
                    kc.stop_channels()
                    kc = None
                    await _shutdown(km)
                    km = None
                self.on_done(outcome)
                await self._cohort_step(outcome)
        finally:
            if kc is not None:
                kc.stop_channels()
            if km is not None:
                await _shutdown(km)

    async def _cohort_step(self, outcome: Outcome) -> None:
        """Count a cohort's reports; after its last one, hand over its outcomes and facts."""
        cohort = outcome.cohort
        self._outcomes.setdefault(cohort, []).append(outcome)
        self._left[cohort] -= 1
        if self._left[cohort] == 0 and self.on_cohort is not None:
            reports = self._outcomes.pop(cohort)
            facts = self._facts.pop(cohort, None)
            await asyncio.to_thread(self.on_cohort, cohort, reports, facts)

    def _parameters(self, job: Job) -> dict[str, object]:
        opts = self.options
        return {
            "cohort_id": job.cohort,
            "as_of": opts.as_of.isoformat(),
            "db_url": store.split_password(opts.db_url)[0],  # the password reaches the kernel in its environment
            "min_group_size": opts.min_group_size,
            "identify": opts.identify,
        }

    async def _execute(
        self,
        km: AsyncKernelManager,
        kc: AsyncKernelClient,
        job: Job,
        exporter: HTMLExporter,
        language: dict[str, object],
        clean: bool,
    ) -> tuple[Outcome, bool, bool]:
        """Run one report on a warm kernel; its outcome, whether the kernel is usable, and whether it is clean."""
        opts = self.options
        start = time.perf_counter()
        outcome = Outcome(job.cohort, job.report)
        folder = opts.out / job.cohort
        folder.mkdir(parents=True, exist_ok=True)
        nb = copy.deepcopy(self._notebooks[job.notebook])
        params = self._parameters(job)
        nb = self._parameterize(nb, params)
        nb.metadata["mentorkit"] = {"version": __version__, "parameters": params}
        nb.metadata["language_info"] = language
        if not clean:
            nb.cells.insert(0, self._nbformat.v4.new_code_cell(BEGIN_CELL))
        nb.cells.append(self._nbformat.v4.new_code_cell(END_CELL))
        client = self._client(
            nb,
            km=km,
            timeout=opts.timeout,
            startup_timeout=60,
            allow_errors=False,
            resources={"metadata": {"path": str(folder)}},
        )
        client.kc = kc
        healthy = True
        try:
            # nbclient's execute() without its per-notebook kernel_info request and signal handlers:
            # the worker owns the kernel and asked for its language once
            client.reset_execution_trackers()
            for index, cell in enumerate(nb.cells):
                await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
            client.set_widgets_metadata()
            outcome.status = "ok"
        except Exception as exc:  # a cell's error, a timeout, a dead kernel, start-up and transport failures
            outcome.status = "failed"
            outcome.error, healthy = failure(exc, opts.timeout)
        finally:
            if not clean:
                nb.cells.pop(0)
            end = nb.cells.pop()
        ran = outcome.status == "ok"  # every cell ran, END too: the namespace is empty again
        kernel_cpu = self._take_meta(job, params, end, outcome)
        # writing and exporting run in a thread so the other kernels keep getting work
        cpu = await asyncio.to_thread(self._write_outputs, nb, folder, job, outcome, exporter)
        if kernel_cpu is not None:
            outcome.cpu_seconds = round(kernel_cpu + cpu, 3)
        outcome.seconds = round(time.perf_counter() - start, 3)
        return outcome, healthy, ran

    def _take_meta(self, job: Job, params: dict[str, object], cell: NotebookNode, outcome: Outcome) -> float | None:
        """The kernel's CPU time for the report, and the cohort's facts when the report scored it."""
        if outcome.status != "ok":
            return None
        payload = next((o["data"][META_MIME] for o in cell.get("outputs", []) if META_MIME in o.get("data", {})), None)
        if payload is None:
            return None
        facts = payload.get("facts")
        same = (
            payload.get("cohort") == job.cohort
            and payload.get("as_of") == params["as_of"]
            and payload.get("min_group_size") == params["min_group_size"]
            and payload.get("identify") == params["identify"]
        )
        if facts is not None and same:
            self._facts.setdefault(job.cohort, dict(facts))
        return float(payload["cpu_seconds"])

    def _write_outputs(
        self, nb: NotebookNode, folder: Path, job: Job, outcome: Outcome, exporter: HTMLExporter
    ) -> float:
        """The executed notebook (always, for debugging) and, when it ran, its HTML; the CPU seconds spent."""
        cpu = time.thread_time()
        ipynb = folder / f"{job.report}.ipynb"
        # the executed outputs need no re-validation, and the C encoder (no indent) is ~10x faster
        text = json.dumps(nb, sort_keys=True, ensure_ascii=False)
        outputs.write_text_atomic(ipynb, text)
        outcome.ipynb = f"{job.cohort}/{ipynb.name}"
        if outcome.status != "ok":
            return time.thread_time() - cpu
        try:
            body, _ = exporter.from_notebook_node(_for_html(nb), resources={"mentorkit_assets": "../assets"})
        except Exception as exc:  # a broken template or output: the report fails, the run goes on
            outcome.status, outcome.error = "failed", f"HTML export: {one_line(str(exc))}"
            return time.thread_time() - cpu
        html_path = folder / f"{job.report}.html"
        outputs.write_text_atomic(html_path, body)
        outcome.html = f"{job.cohort}/{html_path.name}"
        return time.thread_time() - cpu


def _for_html(nb: NotebookNode) -> NotebookNode:
    """A shallow copy of the notebook without JupyterLab's chart JSON, which the HTML page never uses.

    nbconvert deep-copies and validates the notebook several times; the charts' JSON (with its
    template) was most of what it copied.
    """
    from nbformat import NotebookNode

    cells = []
    for cell in nb.cells:
        if cell.get("cell_type") == "code" and any(PLOTLY_MIME in o.get("data", {}) for o in cell.outputs):
            outputs = [
                NotebookNode({**o, "data": NotebookNode({k: v for k, v in o["data"].items() if k != PLOTLY_MIME})})
                if PLOTLY_MIME in o.get("data", {})
                else o
                for o in cell.outputs
            ]
            cell = NotebookNode({**cell, "outputs": outputs})
        cells.append(cell)
    return NotebookNode({**nb, "cells": cells})


async def _shutdown(km: AsyncKernelManager) -> None:
    with contextlib.suppress(Exception):  # a kernel that is already gone is fine
        await km.shutdown_kernel(now=True)


# --- the run -----------------------------------------------------------------------------------


def default_out(as_of: date) -> Path:
    """reports/<as-of>/ in the workspace."""
    return store.workspace() / "reports" / as_of.isoformat()


def check_out(out: Path) -> None:
    """Refuse an ``--out`` that is not a report folder: a file, or a folder holding other things.

    A report folder is new, empty, or one an earlier run wrote: it has ``manifest.json``, or the
    ``assets/report.css`` every run writes first (a shard still running). Nothing else is written into.
    """
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file; --out names the reports' folder")
    earlier = (out / MANIFEST).is_file() or (out / "assets" / "report.css").is_file()
    if out.is_dir() and not earlier and any(out.iterdir()):
        raise UsageError(f"{out} holds other files (not an earlier report run); choose a new or empty folder")


def write_assets(out: Path) -> None:
    """plotly.js and the stylesheet, once per run, shared by every report of the folder."""
    from importlib.resources import files

    assets = out / "assets"
    js = assets / "plotly.min.js"
    # what plotly.offline.get_plotlyjs() reads, without importing plotly into the runner
    source = files("plotly").joinpath("package_data", "plotly.min.js").read_text("utf-8")
    if not js.exists() or js.stat().st_size != len(source.encode("utf-8")):
        outputs.write_text_atomic(js, source)
    css = STYLESHEET.read_text(encoding="utf-8")
    outputs.write_text_atomic(assets / "report.css", css)


def resolve_cohorts(engine: Engine, requested: list[str] | None) -> list[str]:
    """The cohorts to report on; unsafe or unknown ids are usage errors."""
    with engine.connect() as conn:
        known = store.list_cohorts(conn)
    if requested is None:
        if not known:
            raise UsageError("the store has no cohorts yet; import a roster or run `mentorkit demo`")
        return known
    for cohort in requested:
        if not clean.is_safe_id(cohort):
            raise UsageError(f"not a cohort id: {cohort!r} (letters, digits, - and _)")
        if cohort not in known:
            raise UsageError(f"unknown cohort {cohort!r}")
    return list(dict.fromkeys(requested))


def _clear_temp_files(folder: Path) -> None:
    """Remove temporary files a killed run left behind (never at a final name)."""
    if folder.is_dir():
        for tmp in folder.glob(".*.tmp"):
            tmp.unlink(missing_ok=True)


@dataclass(frozen=True)
class RunResult:
    """What a run did: each report's outcome, and the changes digest it wrote (None: a shard writes none)."""

    outcomes: list[Outcome]
    digest: changes.Digest | None
    pdfs: list[Path] = field(default_factory=list)  # with RunOptions.pdf: the PDFs written

    @property
    def failed(self) -> list[Outcome]:
        """The reports that failed (their executed notebooks are kept)."""
        return [o for o in self.outcomes if o.status != "ok"]


def run(
    options: RunOptions,
    cohorts: list[str] | None = None,
    on_done: Callable[[Outcome], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> RunResult:
    """Render every report of these cohorts (all when None) into ``options.out``, then the digest and the index.

    ``on_start`` hears how many reports the run renders, ``on_done`` of each as it finishes (the
    command line's progress); each report is also logged to ``mentorkit.runs.batch`` at INFO.
    """
    engine = store.connect(options.db_url, create=False)
    chosen = shards.select(resolve_cohorts(engine, cohorts), options.shard)
    if not chosen:  # a shard with no cohort (more shards than cohorts) has nothing to do
        return RunResult([], None)
    for name in REPORTS:
        if not (options.notebooks / f"{name}.ipynb").is_file():
            raise UsageError(f"no report notebook {name}.ipynb in {options.notebooks}")
    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    write_assets(out)
    for cohort in chosen:
        _clear_temp_files(out / cohort)
    jobs = [Job(c, r, options.notebooks / f"{r}.ipynb") for c in chosen for r in REPORTS]
    outcomes: list[Outcome] = []
    # the programme report compares the chosen cohorts; a shard sees only some of them, so it writes none
    programme = options.shard is None and (options.notebooks / programmerun.NOTEBOOK).is_file()
    if on_start is not None:
        on_start(len(jobs) + programme)

    def done(outcome: Outcome) -> None:
        outcomes.append(outcome)
        log.info("%s", progress_line(outcome))
        if on_done is not None:
            on_done(outcome)

    one_at_a_time = threading.Lock()  # the runner holds at most one cohort's data

    def cohort_done(cohort: str, reports: list[Outcome], facts: dict[str, object] | None) -> None:
        # written as soon as the cohort's reports are done, from what its kernel already scored
        try:
            if facts is None:  # no report could record them (all failed, or a notebook of your own)
                with one_at_a_time:
                    facts = facts_in_parent(options, cohort)
            meta = cohort_meta(cohort, options, reports, facts)
        except Exception as exc:  # the other cohorts go on; this one is listed without figures, as failed
            log.warning("%s: no figures: %s", cohort, one_line(str(exc)))
            meta = failed_meta(cohort, options, reports, f"{type(exc).__name__}: {one_line(str(exc))}")
        try:
            outputs.write_text_atomic(out / cohort / META, json.dumps(meta, indent=2))
        except Exception as exc:  # the other cohorts go on; this one is missing from the index
            log.warning("%s: %s not written: %s", cohort, META, one_line(str(exc)))

    Runner(options, done, cohort_done).run(jobs)
    if programme:
        done(programmerun.run_programme_apart(options, cohorts))
    digest = finish(out, options.since, digest=options.shard is None)
    pdfs = programmerun.print_pdfs(out, outcomes) if options.pdf else []
    return RunResult(outcomes, digest, pdfs)


def progress_line(outcome: Outcome) -> str:
    """One plain line per finished report: ``cohort/report ok 1.2s`` (a failure adds its error)."""
    tail = "" if outcome.status == "ok" else f": {outcome.error}"
    name = f"{outcome.cohort}/{outcome.report}" if outcome.cohort else outcome.report  # the programme report
    return f"{name} {outcome.status} {outcome.seconds:.1f}s{tail}"


def finish(out: Path, since: Path | None = None, digest: bool = True) -> changes.Digest | None:
    """After the reports: the changes digest (unless ``digest`` is False, as for a shard), then the index.

    The index links the digest when this call wrote one. ``since`` is the earlier run to compare
    with (None: the newest one beside ``out``).
    """
    if not out.is_dir():
        raise UsageError(f"no report folder at {out}")
    written = changes.write_digest(out, since) if digest else None
    rebuild_index(out, changes_page=written is not None)
    return written


def cohort_facts(
    detail: score.CohortDetail, data: store.CohortData, settings: Settings, identify: bool, fingerprint: str
) -> dict[str, object]:
    """What meta.json records about a cohort's data, from the detail a report already scored.

    Runs in the report's kernel (``reportkit.report_meta``), so the runner never holds more than
    one cohort's data; ``data``, ``settings`` and ``identify`` feed the changes digest's snapshot.
    """
    return {
        "data_fingerprint": fingerprint,
        "figures": detail.score.to_dict(),
        "snapshot": changes.cohort_snapshot(detail, data, settings, identify),
    }


def facts_in_parent(options: RunOptions, cohort: str) -> dict[str, object]:
    """A cohort's facts when no kernel recorded them: load and score that one cohort here."""
    engine = store.connect(options.db_url, create=False)
    with engine.connect() as conn:
        fingerprint = store.fingerprint(conn, [cohort])
    data = store.load(engine, [cohort], options.as_of)
    k = options.min_group_size
    settings = Settings(min_group_size=k, min_comment_group=max(DEFAULT.min_comment_group, k))
    detail = score.cohort_detail(data, cohort, options.as_of, settings)
    return cohort_facts(detail, data, settings, options.identify, fingerprint)


def cohort_meta(
    cohort: str, options: RunOptions, reports: list[Outcome], facts: dict[str, object]
) -> dict[str, object]:
    """A cohort's meta.json: the run's parameters, its reports' outcomes and its facts."""
    ordered = sorted(reports, key=lambda o: REPORTS.index(o.report) if o.report in REPORTS else len(REPORTS))
    return {
        "cohort": cohort,
        "as_of": options.as_of.isoformat(),
        "generated_at": store.now().isoformat() + "Z",
        "mentorkit_version": __version__,
        "data_fingerprint": facts["data_fingerprint"],
        "parameters": _public_parameters(options),
        "figures": facts["figures"],
        "reports": {o.report: asdict(o) for o in ordered},
        **{k: v for k, v in facts.items() if k not in ("data_fingerprint", "figures")},
    }


def failed_meta(cohort: str, options: RunOptions, reports: list[Outcome], error: str) -> dict[str, object]:
    """A cohort's meta.json when its figures could not be worked out: no figures or snapshot, ``error`` says why.

    Its reports are listed as they ended; one that ended well keeps its page, but a cohort with no
    report at all (none ran) gets a failed one, so the manifest, the index and the digest count it.
    """
    listed = reports or [Outcome(cohort, REPORTS[0], "failed", error=error)]
    meta = cohort_meta(cohort, options, listed, {"data_fingerprint": "", "figures": None, "snapshot": None})
    return meta | {"error": error}


def _public_parameters(options: RunOptions) -> dict[str, object]:
    import sqlalchemy as sa

    return {
        "as_of": options.as_of.isoformat(),
        "db": sa.make_url(options.db_url).render_as_string(hide_password=True),
        "min_group_size": options.min_group_size,
        "identify": options.identify,
        "jobs": options.jobs,
        "timeout": options.timeout,
    }


# --- index and manifest ------------------------------------------------------------------------


def read_metas(out: Path) -> list[dict[str, Any]]:
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


def rebuild_index(out: Path, changes_page: bool = False) -> tuple[Path, Path]:
    """Write index.html and manifest.json from the cohorts found in ``out`` (the index links changes.html if asked)."""
    if not out.is_dir():
        raise UsageError(f"no report folder at {out}")
    metas = read_metas(out)
    reports = [r for m in metas for r in m["reports"].values()]
    combined = hashlib.sha256("".join(m["data_fingerprint"] for m in metas).encode()).hexdigest()[:16]
    manifest = {
        "mentorkit_version": __version__,
        "generated_at": store.now().isoformat() + "Z",
        "parameters": metas[-1]["parameters"] if metas else {},
        "data_fingerprint": combined,
        "cohorts": {
            m["cohort"]: {
                "as_of": m["as_of"],
                "data_fingerprint": m["data_fingerprint"],
                "generated_at": m["generated_at"],
                "parameters": m["parameters"],
            }
            for m in metas
        },
        "reports": reports,
        "ok": sum(r["status"] == "ok" for r in reports),
        "failed": sum(r["status"] != "ok" for r in reports),
    }
    programme = programmerun.read_outcome(out)
    if programme is not None:  # the programme report, when this folder has one
        manifest["programme"] = programme
        manifest["ok" if programme.get("status") == "ok" else "failed"] += 1
    manifest_path = out / MANIFEST
    index_path = out / INDEX
    outputs.write_text_atomic(manifest_path, json.dumps(manifest, indent=2))
    linked = programme is not None and programme.get("status") == "ok" and (out / programmerun.HTML).is_file()
    outputs.write_text_atomic(index_path, index_html(metas, changes_page, programme_page=linked))
    return index_path, manifest_path


def index_html(metas: list[dict[str, Any]], changes_page: bool = False, programme_page: bool = False) -> str:
    """The run's landing page: every cohort, its headline figures and links to its reports (and to changes.html)."""
    cohorts = []
    for m in metas:
        k = int(m.get("parameters", {}).get("min_group_size", DEFAULT.min_group_size))
        links = [(REPORT_TITLES[name], m["reports"].get(name)) for name in REPORTS]
        cohorts.append({"meta": m, "f": m["figures"], "k": k, "links": links})
    return _index_template().render(
        cohorts=cohorts,
        changes_page=changes_page,
        programme_page=programme_page,
        version=__version__,
        generated=store.now().isoformat(),
    )


@functools.cache
def _index_template() -> jinja2.Template:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # every value is escaped unless a filter says it is HTML already
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["fig"] = _index_figure
    return env.get_template(INDEX_TEMPLATE)


def _index_figure(value: object, k: int, kind: Literal["num", "pct"] = "num") -> Markup:
    """A figure on the index page: whole numbers, or the hidden marker naming the group size."""
    from markupsafe import Markup

    return Markup(fmt(value, kind, hidden=f"hidden (< {k})", digits=0))  # fmt escapes
