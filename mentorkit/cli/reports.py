"""``mentorkit report``: the per-cohort HTML reports rendered with papermill, with progress on standard error."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mentorkit.errors import UsageError
from mentorkit.formats import plural

if TYPE_CHECKING:
    from mentorkit.runs.options import Outcome


def cmd_report(args: argparse.Namespace) -> int:
    """``mentorkit report``: exit 0 when all succeeded, 1 when any failed, 2 on bad usage."""
    from mentorkit import store, workspace
    from mentorkit.analysis import score
    from mentorkit.runs import batch as report
    from mentorkit.runs import digest as changes
    from mentorkit.runs import folder, options, shards
    from mentorkit.runs import programme as programmerun

    as_of = score.parse_as_of(args.as_of)
    out = Path(args.out) if args.out else folder.default_out(as_of)
    shard = shards.parse_shard(args.shard, with_all=args.all)
    since = changes.check_since(args.since, out, sharded=shard is not None)
    if args.index:
        notebooks = Path(args.notebooks) if args.notebooks else None
        ran = programmerun.run_for_folder(out, args.db or store.default_url(), notebooks, args.timeout)
        if ran is not None:
            print(report.progress_line(ran), file=sys.stderr)
        digest = report.finish(out, since)
        _, removed = programmerun.pdfs_after_run(out, [ran] if ran is not None else [], printing=False)
        print(f"rebuilt {out / folder.INDEX} and {out / folder.MANIFEST}")
        if note := programmerun.stale_note(removed, []):
            print(note)
        print(changes.after_run(out, digest))
        return 1 if ran is not None and ran.status != "ok" else 0
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    folder.check_out(out)
    in_force = workspace.settings()  # mentorkit.toml and the environment over the defaults
    run_options = options.RunOptions(
        as_of=as_of,
        out=out,
        db_url=args.db or store.default_url(),
        jobs=args.jobs or os.cpu_count() or 1,
        identify=args.identify,
        timeout=args.timeout,
        notebooks=Path(args.notebooks) if args.notebooks else None,  # None: the workspace's, else the packaged
        min_group_size=in_force.min_group_size,
        settings=in_force,
        shard=shard,
        since=since,
        pdf=args.pdf,
    )
    start = time.perf_counter()
    with _ReportProgress(bar=sys.stderr.isatty()) as progress:
        result = report.run(
            run_options, None if args.all else args.cohort, on_done=progress.done, on_start=progress.start
        )
    failed = result.failed
    print(
        f"{len(result.outcomes)} reports in {time.perf_counter() - start:.1f} s: "
        f"{len(result.outcomes) - len(failed)} ok, {len(failed)} failed → {out / folder.INDEX}"
    )
    print(changes.after_run(out, result.digest))
    if result.pdfs:
        print(f"{plural(len(result.pdfs), 'PDF')} beside the HTML reports")
    if note := programmerun.stale_note(result.stale_pdfs, result.pdfs):
        print(note)
    return 1 if failed else 0


class _ReportProgress(logging.Handler):
    """``mentorkit report``'s progress on standard error: a bar on a terminal, else one plain line per report.

    Also shows the report runner's warnings (``mentorkit`` logger) without breaking the bar.
    """

    def __init__(self, bar: bool) -> None:
        super().__init__(logging.WARNING)
        self.show_bar = bar
        self.bar: Any = None  # a tqdm bar once the run says how many reports it renders

    def __enter__(self) -> _ReportProgress:
        logging.getLogger("mentorkit").addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger("mentorkit").removeHandler(self)
        if self.bar is not None:
            self.bar.close()

    def start(self, total: int) -> None:
        if self.show_bar:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="report", desc="reports", file=sys.stderr)

    def done(self, outcome: Outcome) -> None:
        from mentorkit.runs.batch import progress_line

        if self.bar is None:
            print(progress_line(outcome), file=sys.stderr, flush=True)
            return
        self.bar.update(1)
        if outcome.status != "ok":
            self.bar.write(f"{outcome.cohort}/{outcome.report}: failed: {outcome.error}", file=sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format(record)
        if self.bar is not None:
            self.bar.write(text, file=sys.stderr)
        else:
            print(text, file=sys.stderr, flush=True)
