"""Batch report runs: parameterised notebooks executed on a pool of warm kernels, exported to HTML.

Imports (papermill, nbclient, nbconvert) and kernel start-ups are paid once per batch: each
worker keeps one kernel and resets its namespace between reports. Every file appears atomically;
one report's failure never stops the others. Only this module starts kernels.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from . import __version__, changes, clean, score, shards, store
from . import io as mkio
from ._imports import skip_iri_grammar
from .errors import ReportError, UsageError

REPORTS = ("readiness", "goal_progress")
REPORT_TITLES = {"readiness": "Readiness", "goal_progress": "Goal progress"}
PARAMETERS = ("cohort_id", "as_of", "db_url", "min_group_size", "identify")
TEMPLATES = Path(__file__).resolve().parent / "templates"
META = "meta.json"


def notebooks_dir() -> Path:
    """The bundled report notebooks (notebooks/reports of the checkout)."""
    return Path(__file__).resolve().parent.parent / "notebooks" / "reports"


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
    status: str = "pending"  # ok or failed
    seconds: float = 0.0
    ipynb: str | None = None
    html: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class RunOptions:
    """A report run's parameters."""

    as_of: date
    out: Path
    db_url: str
    jobs: int = 2
    identify: bool = False
    min_group_size: int = 5
    timeout: int = 300
    notebooks: Path = field(default_factory=notebooks_dir)
    shard: shards.Shard | None = None


# --- the kernel pool ---------------------------------------------------------------------------


def _one_line(text: str, limit: int = 300) -> str:
    import re

    plain = re.sub(r"\x1b\[[0-9;]*m", "", text).strip().splitlines()
    line = plain[-1] if plain else ""
    return line[:limit]


class Runner:
    """Executes jobs on ``n`` kernels kept warm for the whole batch."""

    def __init__(self, options: RunOptions, on_done: Callable[[Outcome], None]) -> None:
        self.options = options
        self.on_done = on_done

    def _import_tools(self) -> None:
        """The notebook tools, imported once per batch (while the kernels boot)."""
        skip_iri_grammar()
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
        from nbconvert import HTMLExporter
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        self._nbformat = nbformat
        self._client = NotebookClient
        self._errors = (CellExecutionError, CellTimeoutError, DeadKernelError)
        self._parameterize = parameterize_notebook
        self._load = load_notebook_node
        self._exporter_cls = HTMLExporter

    def exporter(self):  # type: ignore[no-untyped-def]
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
        asyncio.run(self._run_all(jobs))

    async def _start_kernel(self):  # type: ignore[no-untyped-def]
        from jupyter_client.manager import AsyncKernelManager

        km = AsyncKernelManager(kernel_name="python3")
        # the kernel imports the report code while it boots; its own stderr is noise here
        # (cell errors reach us through the protocol)
        await km.start_kernel(
            extra_arguments=["--HistoryManager.enabled=False", "--IPKernelApp.exec_lines=import mentorkit.reportkit"],
            stderr=subprocess.DEVNULL,
        )
        return km

    async def _run_all(self, jobs: list[Job]) -> None:
        n = max(1, min(self.options.jobs, len(jobs)))
        kernels = await asyncio.gather(*(self._start_kernel() for _ in range(n)))
        self._import_tools()  # overlaps with the kernels' start-up
        for nb in {j.notebook for j in jobs}:
            self.check_parameters(nb)
        queue: asyncio.Queue[Job] = asyncio.Queue()
        for job in jobs:
            queue.put_nowait(job)
        await asyncio.gather(*(self._worker(queue, km) for km in kernels))

    async def _worker(self, queue: asyncio.Queue[Job], km) -> None:  # type: ignore[no-untyped-def]
        exporter = self.exporter()
        kc = None
        try:
            while not queue.empty():
                job = queue.get_nowait()
                if km is None:
                    km = await self._start_kernel()
                if kc is None:  # one client per kernel, kept across reports
                    kc = km.client()
                    kc.start_channels()
                    await kc.wait_for_ready(timeout=120)
                try:
                    outcome, healthy = await self._execute(km, kc, job, exporter)
                except Exception as exc:  # never let one report stop the batch
                    outcome = Outcome(
                        job.cohort, job.report, "failed", error=f"{type(exc).__name__}: {_one_line(str(exc))}"
                    )
                    healthy = False
                if not healthy:
                    kc.stop_channels()
                    kc = None
                    await _shutdown(km)
                    km = None
                self.on_done(outcome)
        finally:
            if kc is not None:
                kc.stop_channels()
            if km is not None:
                await _shutdown(km)

    async def _execute(self, km, kc, job: Job, exporter) -> tuple[Outcome, bool]:  # type: ignore[no-untyped-def]
        opts = self.options
        start = time.perf_counter()
        outcome = Outcome(job.cohort, job.report)
        folder = opts.out / job.cohort
        folder.mkdir(parents=True, exist_ok=True)
        nb = self._load(str(job.notebook))  # papermill's loader adds the metadata it needs
        params = {
            "cohort_id": job.cohort,
            "as_of": opts.as_of.isoformat(),
            "db_url": opts.db_url,
            "min_group_size": opts.min_group_size,
            "identify": opts.identify,
        }
        nb = self._parameterize(nb, params)
        nb.metadata["mentorkit"] = {"version": __version__, "parameters": params}
        # the kernel is reused across reports: start each one from an empty namespace
        nb.cells.insert(0, self._nbformat.v4.new_code_cell("%reset -f"))
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
            await client.async_execute()
            outcome.status = "ok"
        except self._errors as exc:
            outcome.status = "failed"
            name = type(exc).__name__
            if name == "CellTimeoutError":
                outcome.error = f"a cell ran longer than {opts.timeout} s"
                healthy = False
            elif name == "DeadKernelError":
                outcome.error = "the kernel died"
                healthy = False
            else:
                outcome.error = _one_line(str(exc))
        except Exception as exc:  # kernel start-up and transport failures
            outcome.status = "failed"
            outcome.error = f"{type(exc).__name__}: {_one_line(str(exc))}"
            healthy = False
        finally:
            nb.cells.pop(0)
        # writing and exporting run in a thread so the other kernels keep getting work
        await asyncio.to_thread(self._write_outputs, nb, folder, job, outcome, exporter)
        outcome.seconds = round(time.perf_counter() - start, 3)
        return outcome, healthy

    def _write_outputs(self, nb, folder: Path, job: Job, outcome: Outcome, exporter) -> None:  # type: ignore[no-untyped-def]
        """The executed notebook (always, for debugging) and, when it ran, its HTML."""
        ipynb = folder / f"{job.report}.ipynb"
        text = self._nbformat.v4.nbjson.writes(nb)  # the executed outputs need no re-validation
        mkio.write_text_atomic(ipynb, text)
        outcome.ipynb = f"{job.cohort}/{ipynb.name}"
        if outcome.status != "ok":
            return
        try:
            body, _ = exporter.from_notebook_node(nb, resources={"mentorkit_assets": "../assets"})
        except Exception as exc:  # a broken template or output: the report fails, the run goes on
            outcome.status, outcome.error = "failed", f"HTML export: {_one_line(str(exc))}"
            return
        html_path = folder / f"{job.report}.html"
        mkio.write_text_atomic(html_path, body)
        outcome.html = f"{job.cohort}/{html_path.name}"


async def _shutdown(km) -> None:  # type: ignore[no-untyped-def]
    with contextlib.suppress(Exception):  # a kernel that is already gone is fine
        await km.shutdown_kernel(now=True)


# --- the run -----------------------------------------------------------------------------------


def default_out(as_of: date) -> Path:
    """reports/<as-of>/ in the workspace."""
    return store.workspace() / "reports" / as_of.isoformat()


def write_assets(out: Path) -> None:
    """plotly.js and the stylesheet, once per run, shared by every report of the folder."""
    import plotly.offline

    assets = out / "assets"
    js = assets / "plotly.min.js"
    source = plotly.offline.get_plotlyjs()
    if not js.exists() or js.stat().st_size != len(source.encode("utf-8")):
        mkio.write_text_atomic(js, source)
    css = (TEMPLATES / "assets" / "report.css").read_text(encoding="utf-8")
    mkio.write_text_atomic(assets / "report.css", css)


def resolve_cohorts(engine, requested: list[str] | None) -> list[str]:  # type: ignore[no-untyped-def]
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


def run(options: RunOptions, cohorts: list[str] | None, progress: bool | None = None) -> list[Outcome]:
    """Render every report of these cohorts (all when None) into ``options.out``."""
    engine = store.connect(options.db_url, create=False)
    chosen = shards.select(resolve_cohorts(engine, cohorts), options.shard)
    if not chosen:  # a shard with no cohort (more shards than cohorts) has nothing to do
        return []
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
    show = sys.stderr.isatty() if progress is None else progress
    bar = None
    if show:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), unit="report", desc="reports", file=sys.stderr)

    def done(outcome: Outcome) -> None:
        outcomes.append(outcome)
        if bar is not None:
            bar.update(1)
            if outcome.status != "ok":
                bar.write(f"{outcome.cohort}/{outcome.report}: failed: {outcome.error}", file=sys.stderr)
        else:
            tail = "" if outcome.status == "ok" else f": {outcome.error}"
            print(
                f"{outcome.cohort}/{outcome.report} {outcome.status} {outcome.seconds:.1f}s{tail}",
                file=sys.stderr,
                flush=True,
            )

    runner = Runner(options, done)
    try:
        runner.run(jobs)
    finally:
        if bar is not None:
            bar.close()
    data = store.load(engine, chosen)
    with engine.connect() as conn:
        fingerprints = {c: store.fingerprint(conn, [c]) for c in chosen}
    settings = score.Settings(min_group_size=options.min_group_size)
    for cohort in chosen:
        detail = score.cohort_detail(data, cohort, options.as_of, settings)
        figures = detail.score.to_dict()
        meta = {
            "cohort": cohort,
            "as_of": options.as_of.isoformat(),
            "generated_at": store.now().isoformat() + "Z",
            "mentorkit_version": __version__,
            "data_fingerprint": fingerprints[cohort],
            "parameters": _public_parameters(options),
            "figures": figures,
            "reports": {o.report: asdict(o) for o in outcomes if o.cohort == cohort},
            "snapshot": changes.cohort_snapshot(detail, data, settings, options.identify),
        }
        mkio.write_text_atomic(out / cohort / META, json.dumps(meta, indent=2))
    rebuild_index(out)
    return outcomes


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


def read_metas(out: Path) -> list[dict]:  # type: ignore[type-arg]
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


def rebuild_index(out: Path) -> tuple[Path, Path]:
    """Write index.html and manifest.json from the cohorts found in ``out``."""
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
    manifest_path = out / "manifest.json"
    index_path = out / "index.html"
    mkio.write_text_atomic(manifest_path, json.dumps(manifest, indent=2))
    mkio.write_text_atomic(index_path, index_html(metas))
    return index_path, manifest_path


def index_html(metas: list[dict]) -> str:  # type: ignore[type-arg]
    """The run's landing page: every cohort, its headline figures and links to its reports."""
    from html import escape

    def fig(value: object, pct: bool = False, k: int = 5) -> str:
        if value is None:
            return f"<span class='mk-hidden'>hidden (&lt; {k})</span>"
        if pct:
            return f"{100 * float(value):.0f} %"  # type: ignore[arg-type]
        return f"{value:.0f}" if isinstance(value, float) else escape(str(value))

    rows = []
    for m in metas:
        f = m["figures"]
        links = []
        for name in REPORTS:
            r = m["reports"].get(name)
            if r is None:
                links.append(f"{REPORT_TITLES[name]}: not run")
            elif r["status"] == "ok":
                links.append(f"<a href='{escape(r['html'])}'>{REPORT_TITLES[name]}</a>")
            else:
                links.append(
                    f"<span class='mk-failed'>{REPORT_TITLES[name]} failed</span>"
                    f" <small>{escape(r['error'] or '')}</small>"
                )
        k = int(m.get("parameters", {}).get("min_group_size", 5))
        mr, er, rel, g = f["mentor_readiness"], f["mentee_readiness"], f["relationship"], f["goals"]
        rows.append(
            f"<tr><td><strong>{escape(m['cohort'])}</strong><br><small>as of {escape(m['as_of'])}</small></td>"
            f"<td>{f['enrolled']['mentor']} / {f['enrolled']['mentee']}</td>"
            f"<td>{fig(mr['mean_score'], k=k)} / {fig(er['mean_score'], k=k)}</td>"
            f"<td>{fig(mr['response_rate'], True)} / {fig(er['response_rate'], True)}</td>"
            f"<td>{fig(rel['health_index'], k=k)}</td><td>{fig(rel['needs_checkin'], k=k)} of {rel['pairs']}</td>"
            f"<td>{g['achieved']} achieved, {g['at_risk']} at risk, {g['overdue']} overdue</td>"
            f"<td>{'<br>'.join(links)}</td></tr>"
        )
    body = "".join(rows) or "<tr><td colspan='8'>No reports in this folder yet.</td></tr>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mentoring programme reports</title><link rel="stylesheet" href="assets/report.css"></head>
<body class="mk-report"><main>
<h1>Mentoring programme reports</h1>
<p class="mk-note">{len(metas)} cohort(s) · mentorkit {escape(__version__)} · figures over too few respondents are hidden for confidentiality</p>
<div class="mk-scroll"><table class="mk-table">
<thead><tr><th>Cohort</th><th>Mentors / mentees</th><th>Readiness (mentor / mentee mean)</th>
<th>Response rate (mentor / mentee)</th><th>Pair health</th><th>Pairs needing a check-in</th><th>Goals</th><th>Reports</th></tr></thead>
<tbody>{body}</tbody></table></div>
<footer class="mk-footer">Generated {escape(store.now().isoformat())} UTC. manifest.json lists every report with its status and timing.</footer>
</main></body></html>
"""


# --- the command -------------------------------------------------------------------------------


def run_cli(args) -> int:  # type: ignore[no-untyped-def]
    """``mentorkit report``: exit 0 when all succeeded, 1 when any failed, 2 on bad usage."""
    as_of = score.parse_as_of(args.as_of)
    out = Path(args.out) if args.out else default_out(as_of)
    shard = shards.parse_shard(getattr(args, "shard", None), with_all=args.all)
    since = changes.check_since(getattr(args, "since", None), out, sharded=shard is not None)
    if args.index:
        index, manifest = rebuild_index(out)
        print(f"rebuilt {index} and {manifest}")
        print(changes.after_run(out, since, sharded=False))
        return 0
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    db_url = args.db or store.default_url()
    notebooks = Path(args.notebooks) if getattr(args, "notebooks", None) else notebooks_dir()
    options = RunOptions(
        as_of=as_of,
        out=out,
        db_url=db_url,
        jobs=args.jobs or os.cpu_count() or 1,
        identify=args.identify,
        timeout=args.timeout,
        notebooks=notebooks,
        shard=shard,
    )
    start = time.perf_counter()
    outcomes = run(options, None if args.all else args.cohort)
    failed = [o for o in outcomes if o.status != "ok"]
    print(
        f"{len(outcomes)} reports in {time.perf_counter() - start:.1f} s: {len(outcomes) - len(failed)} ok, "
        f"{len(failed)} failed → {out / 'index.html'}"
    )
    print(changes.after_run(out, since, sharded=shard is not None))
    return 1 if failed else 0
