"""The warm-kernel pool: report notebooks executed on kernels kept for a whole batch, exported to HTML.

Imports (papermill, nbclient, nbconvert) and kernel start-ups are paid once per batch: each
worker keeps one kernel and resets its namespace between reports. Every file appears atomically;
one report's failure never stops the others. Only this module and ``programme`` start kernels.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import json
import subprocess
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mentorkit import __version__, outputs, store, workspace
from mentorkit._imports import skip_iri_grammar
from mentorkit.errors import ReportError
from mentorkit.formats import one_line, plural
from mentorkit.runs.options import Job, Outcome, RunOptions
from mentorkit.runs.templating import TEMPLATES

if TYPE_CHECKING:  # imported when a run starts (the kernels boot meanwhile); typed here
    from jupyter_client.asynchronous.client import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager
    from nbconvert import HTMLExporter
    from nbformat import NotebookNode

PARAMETERS = ("cohort_id", "as_of", "db_url", "min_group_size", "identify")  # a cohort report's parameters cell
META_MIME = "application/vnd.mentorkit.meta+json"  # the output reporting.cohort.report_meta displays
# A kernel starts clean (BEGIN runs at its start-up); each report ends with END, which records what
# meta.json needs and then empties the namespace for the next report. Only a report that stopped
# early (its END never ran) has BEGIN run before the next one. Both cells are removed from the
# notebook again. (Charts go without JupyterLab's JSON copy: the page draws the HTML div.)
BEGIN_CELL = "__import__('mentorkit.reporting.cohort').reporting.cohort.begin_report(lab_json=False)"
END_CELL = f"__import__('mentorkit.reporting.cohort').reporting.cohort.report_meta()\n{BEGIN_CELL}"
PLOTLY_MIME = "application/vnd.plotly.v1+json"  # JupyterLab's copy of a chart; the HTML page uses text/html


def html_exporter(cls: type[HTMLExporter]) -> HTMLExporter:
    """An HTML exporter of class ``cls`` with the report template: no code, no prompts."""
    return cls(
        template_name="mentorkit_report",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


@functools.cache
def report_exporter() -> type[HTMLExporter]:
    """nbconvert's HTMLExporter without its BeautifulSoup round trip and its second validation (imported once)."""
    from nbconvert import HTMLExporter
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

    return ReportExporter


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
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        self._nbformat = nbformat
        self._client = NotebookClient
        self._parameterize = parameterize_notebook
        self._load = load_notebook_node
        self._exporter_cls = report_exporter()

    def exporter(self) -> HTMLExporter:
        """The HTML exporter of one worker (the report template, no code, no prompts)."""
        return html_exporter(self._exporter_cls)

    def check_parameters(self, notebook: Path) -> None:
        """papermill only warns about unknown parameter names: refuse them here."""
        from papermill.inspection import inspect_notebook

        found = set(inspect_notebook(str(notebook)))
        missing = [p for p in PARAMETERS if p not in found]
        if missing:
            raise ReportError(
                f"{notebook.name} has no {plural(len(missing), 'parameter', number=False)} {', '.join(missing)} "
                "in its 'parameters' cell"
            )

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
            "settings": workspace.overrides(opts.settings_in_force()),  # the settings in force, beyond the defaults
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
            title = f"{job.report.replace('_', ' ').capitalize()}: {job.cohort}"  # the page's <title>, escaped there
            resources = {"mentorkit_assets": "../assets", "metadata": {"name": title}}
            body, _ = exporter.from_notebook_node(for_html(nb), resources=resources)
        except Exception as exc:  # a broken template or output: the report fails, the run goes on
            outcome.status, outcome.error = "failed", f"HTML export: {one_line(str(exc))}"
            return time.thread_time() - cpu
        html_path = folder / f"{job.report}.html"
        outputs.write_text_atomic(html_path, body)
        outcome.html = f"{job.cohort}/{html_path.name}"
        return time.thread_time() - cpu


def for_html(nb: NotebookNode) -> NotebookNode:
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
