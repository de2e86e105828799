"""Batch report runs: the cohorts' reports of one ``mentorkit report``, then its digest, index and PDFs.

``run`` chooses the jobs (the cohorts of the store or of a shard, each with every report in
``REPORTS``), has the warm-kernel pool (``kernels.Runner``) execute them, writes each cohort's
meta.json as soon as its reports are done, runs the programme report, and ends with ``finish``
(the changes digest, then the index). It takes keyword options (``RunOptions``) and reports
progress to an ``on_done`` callback and the ``mentorkit.runs.batch`` logger; it never prints.
The command line lives in ``cli``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mentorkit import outputs, store, workspace
from mentorkit.analysis import score
from mentorkit.analysis.snapshot import cohort_facts
from mentorkit.errors import UsageError, unknown_cohort
from mentorkit.formats import one_line
from mentorkit.intake import clean
from mentorkit.reporting import STYLESHEET
from mentorkit.runs import digest as changes
from mentorkit.runs import programme as programmerun
from mentorkit.runs import shards
from mentorkit.runs.folder import META, PROGRAMME_NOTEBOOK, clear_temp_files, read_metas
from mentorkit.runs.index import cohort_meta, failed_meta, rebuild_index
from mentorkit.runs.kernels import Runner
from mentorkit.runs.options import REPORTS, Job, Outcome, RunOptions
from mentorkit.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)  # mentorkit.runs.batch: each report done (INFO), a cohort's meta.json lost (WARNING)


@dataclass(frozen=True)
class RunResult:
    """What a run did: each report's outcome, and the changes digest it wrote (None: a shard writes none)."""

    outcomes: list[Outcome]
    digest: changes.Digest | None
    pdfs: list[Path] = field(default_factory=list)  # with RunOptions.pdf: the PDFs written
    stale_pdfs: list[Path] = field(default_factory=list)  # the earlier run's PDFs of pages this run rewrote, removed

    @property
    def failed(self) -> list[Outcome]:
        """The reports that failed (their executed notebooks are kept)."""
        return [o for o in self.outcomes if o.status != "ok"]


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
            raise unknown_cohort(cohort, known)
    return list(dict.fromkeys(requested))


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
        if not options.notebook(f"{name}.ipynb").is_file():
            raise UsageError(f"no report notebook {name}.ipynb in {options.notebook(f'{name}.ipynb').parent}")
    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    write_assets(out)
    for cohort in chosen:
        clear_temp_files(out / cohort)
    jobs = [Job(c, r, options.notebook(f"{r}.ipynb")) for c in chosen for r in REPORTS]
    outcomes: list[Outcome] = []
    # the programme report compares the chosen cohorts; a shard sees only some of them, so it writes none
    programme = options.shard is None and options.notebook(PROGRAMME_NOTEBOOK).is_file()
    if on_start is not None:
        on_start(len(jobs) + programme)

    def done(outcome: Outcome) -> None:
        outcomes.append(outcome)
        log.info("%s", progress_line(outcome))
        if on_done is not None:
            on_done(outcome)

    Runner(options, done, CohortWriter(options)).run(jobs)
    if programme and (ran := programmerun.run_programme_apart(options, cohorts)) is not None:
        done(ran)  # None: its notebook went away meanwhile
    digest = finish(out, options.since, digest=options.shard is None, settings=options.settings_in_force())
    pdfs, removed = programmerun.pdfs_after_run(out, outcomes, printing=options.pdf)
    return RunResult(outcomes, digest, pdfs, removed)


class CohortWriter:
    """Writes a cohort's meta.json as soon as its reports are done, from what its kernel already scored.

    Called from the kernel pool's threads; when no kernel recorded a cohort's facts they are worked
    out here, one cohort at a time (the runner holds at most one cohort's data).
    """

    def __init__(self, options: RunOptions) -> None:
        self.options = options
        self._one_at_a_time = threading.Lock()

    def __call__(self, cohort: str, reports: list[Outcome], facts: dict[str, object] | None) -> None:
        options = self.options
        try:
            if facts is None:  # no report could record them (all failed, or a notebook of your own)
                with self._one_at_a_time:
                    facts = facts_in_parent(options, cohort)
            meta = cohort_meta(cohort, options, reports, facts)
        except Exception as exc:  # the other cohorts go on; this one is listed without figures, as failed
            log.warning("%s: no figures: %s", cohort, one_line(str(exc)))
            meta = failed_meta(cohort, options, reports, f"{type(exc).__name__}: {one_line(str(exc))}")
        try:
            outputs.write_text_atomic(options.out / cohort / META, json.dumps(meta, indent=2))
        except Exception as exc:  # the other cohorts go on; this one is missing from the index
            log.warning("%s: %s not written: %s", cohort, META, one_line(str(exc)))


def progress_line(outcome: Outcome) -> str:
    """One plain line per finished report: ``cohort/report ok 1.2s`` (a failure adds its error)."""
    tail = "" if outcome.status == "ok" else f": {outcome.error}"
    name = f"{outcome.cohort}/{outcome.report}" if outcome.cohort else outcome.report  # the programme report
    return f"{name} {outcome.status} {outcome.seconds:.1f}s{tail}"


def finish(
    out: Path, since: Path | None = None, digest: bool = True, settings: Settings | None = None
) -> changes.Digest | None:
    """After the reports: the changes digest (unless ``digest`` is False, as for a shard), then the index.

    The index links the digest when this call wrote one. ``since`` is the earlier run to compare
    with (None: the newest one beside ``out``). ``settings``: the run's (None: those its reports recorded).
    """
    if not out.is_dir():
        raise UsageError(f"no report folder at {out}")
    if settings is None:
        metas = read_metas(out)
        recorded = metas[-1].get("parameters", {}).get("settings") if metas else None
        settings = workspace.from_overrides(recorded)
    written = changes.write_digest(out, since, settings) if digest else None
    rebuild_index(out, changes_page=written is not None)
    return written


def facts_in_parent(options: RunOptions, cohort: str) -> dict[str, object]:
    """A cohort's facts when no kernel recorded them: load and score that one cohort here."""
    engine = store.connect(options.db_url, create=False)
    with engine.connect() as conn:
        fingerprint = store.fingerprint(conn, [cohort])
    data = store.load(engine, [cohort], options.as_of)
    settings = options.settings_in_force()
    detail = score.cohort_detail(data, cohort, options.as_of, settings)
    return cohort_facts(detail, data, settings, options.identify, fingerprint)
