"""The ``mentorkit`` command: a thin shell over the package's functions."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mentorkit import __version__
from mentorkit.errors import MentorkitError, UsageError, environment_problem
from mentorkit.formats import first_line, fmt_text
from mentorkit.instruments import instruments
from mentorkit.settings import DEFAULT

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine

    from mentorkit.runs.options import Outcome

SAMPLE_ORDER = ("roster", *instruments())  # the roster first, then the instruments of instruments.yaml


class _SourceChoices:
    """``--source``'s choices: ``auto`` and the io source registry, read only when argparse looks (help stays light)."""

    def _names(self) -> list[str]:
        from mentorkit.intake import files
        from mentorkit.intake import survey_tools as exports  # noqa: F401  (registers the survey-tool sources)

        return ["auto", *files.SOURCES]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def __len__(self) -> int:
        return len(self._names())


def _db_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="SQLAlchemy database URL (env MENTORKIT_DB; default: SQLite data/mentorkit.db in the workspace)",
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    kinds = ("roster", *instruments())

    db = _db_parent()
    parser = argparse.ArgumentParser(
        prog="mentorkit", description="Collect, import, score and report on mentoring programmes (Zachary's model)."
    )
    parser.add_argument("--version", action="version", version=f"mentorkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    sub.add_parser("demo", parents=[db], help="load the bundled sample programme (idempotent)")

    imp = sub.add_parser("import", parents=[db], help="import a roster or answers (CSV or XLSX)")
    imp.add_argument("file", metavar="FILE", help="CSV or XLSX file")
    imp.add_argument("--instrument", required=True, choices=kinds, help="what the file holds")
    imp.add_argument(
        "--source",
        default="auto",
        choices=_SourceChoices(),
        metavar="SOURCE",  # argparse would read the choices to build a metavar when the parser is built
        help="file format: %(choices)s (default: auto, detected)",
    )
    imp.add_argument(
        "--map", metavar="FILE", default=None, help="YAML or CSV mapping other question wordings to item ids"
    )
    imp.add_argument(
        "--timezone",
        metavar="TZ",
        default=None,
        help="time zone of times without one, in exports and the templates (submitted_at, reported_at): "
        "Europe/Berlin, UTC, +01:00; it wins over the zone a Qualtrics export names; times with their own "
        f"offset keep it (default: the file's zone, else UTC). Dates outside {DEFAULT.earliest_year}–"
        f"{DEFAULT.latest_year} are quarantined",
    )

    sc = sub.add_parser("score", parents=[db], help="a cohort's figures as of a date")
    sc.add_argument("--cohort", required=True, metavar="ID")
    sc.add_argument("--as-of", metavar="DATE", default=None, help="ISO date (default: today, UTC)")
    sc.add_argument("--json", action="store_true", help="machine-readable output")

    rep = sub.add_parser("report", parents=[db], help="render per-cohort HTML reports with papermill")
    who = rep.add_mutually_exclusive_group(required=True)
    who.add_argument("--cohort", action="append", metavar="ID", help="a cohort (repeatable)")
    who.add_argument("--all", action="store_true", help="every cohort in the store")
    who.add_argument(
        "--index",
        action="store_true",
        help="only rebuild index.html, manifest.json and the changes digest from the reports in --out",
    )
    rep.add_argument("--as-of", metavar="DATE", default=None, help="ISO date (default: today, UTC)")
    rep.add_argument("--jobs", type=int, default=None, metavar="N", help="parallel kernels (default: CPU count)")
    rep.add_argument("--out", metavar="DIR", default=None, help="output folder (default reports/<as-of>/)")
    rep.add_argument("--identify", action="store_true", help="name people instead of pseudonymous ids")
    rep.add_argument(
        "--timeout", type=int, default=300, metavar="S", help="seconds one notebook cell may run (default 300)"
    )
    rep.add_argument(
        "--notebooks",
        metavar="DIR",
        default=None,
        help="folder with readiness.ipynb and goal_progress.ipynb (default: the bundled ones)",
    )
    rep.add_argument(
        "--shard",
        metavar="I/N",
        default=None,
        help="with --all: only shard I of N (cohorts sorted by id, dealt round-robin); join the shards with --index",
    )
    rep.add_argument(
        "--pdf",
        action="store_true",
        help="also print every report and the index to PDF beside its HTML (Chromium: /usr/bin/chromium or "
        "$MENTORKIT_CHROMIUM)",
    )
    rep.add_argument(
        "--since",
        metavar="DIR",
        default=None,
        help="the earlier run that OUT/changes.{md,html} compares with "
        "(default: the newest earlier reports/<as-of>/ folder beside OUT)",
    )

    dbp = sub.add_parser("db", help="database maintenance: upgrade, status, check")
    dbsub = dbp.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    dbsub.add_parser("upgrade", parents=[db], help="bring the store's schema up to date (Alembic)")
    dbsub.add_parser("status", parents=[db], help="show the store's schema revision")
    dbsub.add_parser(
        "check",
        parents=[db],
        help=f"find stored dates that cannot be read back (or lie outside {DEFAULT.earliest_year}–"
        f"{DEFAULT.latest_year}) and set them aside, so reads skip their rows; nothing is deleted or changed "
        "(exit 0: clean, 1: values set aside)",
    )

    fg = sub.add_parser("forget", parents=[db], help="erase a person's personal data (right to erasure)")
    fg.add_argument("--email", required=True, help="the person's e-mail address")

    fm = sub.add_parser("forms", parents=[db], help="serve the collection forms to participants (Solara's server)")
    fm.add_argument("--host", default="127.0.0.1", metavar="ADDR", help="address to listen on (default 127.0.0.1)")
    fm.add_argument("--port", type=int, default=8866, metavar="N")
    fm.add_argument("--base-url", default="/", metavar="PATH", help="URL path behind a reverse proxy, e.g. /mentoring/")
    fm.add_argument(
        "--capacity",
        type=int,
        default=60,
        metavar="N",
        help="open forms (sessions with a valid link) before the busy page (60)",
    )
    fm.add_argument(
        "--session-timeout", type=int, default=600, metavar="S", help="free a form its page left silently (600 s)"
    )
    fm.add_argument("--tls-cert", metavar="FILE", help="serve HTTPS with this certificate (PEM)")
    fm.add_argument("--tls-key", metavar="FILE", help="the certificate's private key (PEM)")
    fm.add_argument("--no-browser", action="store_true", help="do not open a browser")
    fm.add_argument(
        "--allow-email-login",
        action="store_true",
        help="let participants identify by typing their e-mail (a workshop on a trusted network; off by default)",
    )

    forms = tuple(instruments())
    inv = sub.add_parser("invite", parents=[db], help="personal links for a form, as CSV for mail merge")
    inv.add_argument("--cohort", metavar="ID")
    inv.add_argument("--form", choices=forms)
    inv.add_argument("--base-url", metavar="URL", help="the forms' public address, e.g. https://host/mentoring/")
    inv.add_argument(
        "--expires-days",
        type=int,
        default=None,
        metavar="N",
        help=f"days the links stay valid (default {DEFAULT.link_expiry_days})",
    )
    inv.add_argument("--rotate", action="store_true", help="void every link made so far (new secret)")
    inv.add_argument("--out", metavar="FILE", default=None, help="CSV file (default: standard output)")

    st = sub.add_parser("status", parents=[db], help="who still has to answer what (personal data)")
    st.add_argument("--cohort", required=True, metavar="ID")
    st.add_argument("--as-of", metavar="DATE", default=None, help="ISO date (default: today, UTC)")
    st.add_argument("--base-url", metavar="URL", default=None, help="add each due item's personal link")
    st.add_argument("--out", metavar="FILE", default=None, help="CSV file (default: a list on standard output)")

    ex = sub.add_parser("export", parents=[db], help="tidy tables for BI tools, with a Frictionless datapackage.json")
    ex.add_argument("--out", metavar="DIR", default=None, help="the export folder (required; replaced as a whole)")
    ex.add_argument("--as-of", metavar="DATE", default=None, help="ISO date (default: today, UTC)")
    ex.add_argument("--format", default="csv", metavar="FORMAT", help="csv (default) or parquet")
    ex.add_argument(
        "--level",
        default="aggregate",
        metavar="LEVEL",
        help="aggregate (default: figures, suppressed as in the reports) or responses "
        "(adds pseudonymous participants, answers, pairs, goals and goal updates)",
    )
    ex.add_argument(
        "--segment-by",
        action="append",
        default=[],
        metavar="COLUMN",
        help="a roster column to break segment_figures down by, besides department (repeatable; a column "
        "identifying people is left out)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; user errors print one line and exit non-zero."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(COMMANDS[args.command](args) or 0)
    except MentorkitError as exc:
        print(f"mentorkit: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("mentorkit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except (MemoryError, RecursionError, Exception) as exc:  # a bug: still one line, never a traceback
        if os.environ.get("MENTORKIT_DEBUG"):
            raise
        problem = environment_problem(exc, _shown_store(args), DEFAULT.store_busy_seconds)
        if problem is not None:  # a full disk, a locked store, a folder: the user's to fix, not a bug
            print(f"mentorkit: error: {problem.message}", file=sys.stderr)
            return problem.exit_code
        where = f"{Path(args.file).name}: " if args.command == "import" else ""
        detail = first_line(str(exc), 200)
        print(
            f"mentorkit: error: {where}internal error ({type(exc).__name__}{': ' + detail if detail else ''}); "
            "nothing was written. Please report it (MENTORKIT_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return 1


def _shown_store(args: argparse.Namespace) -> str:
    """The store a command uses, for a message (without its password)."""
    from mentorkit import store

    try:
        return store.normalize_url(getattr(args, "db", None) or store.default_url()).render_as_string(
            hide_password=True
        )
    except MentorkitError:
        return "(not a database URL)"


def _engine(args: argparse.Namespace) -> Engine:
    from mentorkit import store

    return store.connect(args.db)


def cmd_demo(args: argparse.Namespace) -> int:
    from mentorkit import store
    from mentorkit.intake import ingest

    checkout = Path(__file__).resolve().parent.parent / "data" / "sample"
    folder = checkout if checkout.is_dir() else store.workspace() / "data" / "sample"
    if not folder.is_dir():
        raise UsageError(f"the sample programme is not in {folder}; run from a mentorkit checkout")
    engine = _engine(args)
    for kind in SAMPLE_ORDER:
        path = folder / f"{kind}.csv"
        result = ingest.import_file(engine, path, kind)
        print(f"{path.name:22} {result.summary()}")
    print(f"sample programme loaded into {engine.url.render_as_string(hide_password=True)}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from mentorkit.intake import ingest

    started = time.perf_counter()

    def stage(text: str) -> None:  # on a terminal only: pipes and scripts get the summary alone
        print(f"{time.perf_counter() - started:6.1f} s  {text}", file=sys.stderr, flush=True)

    result = ingest.import_file(
        _engine(args),
        args.file,
        args.instrument,
        source=args.source,
        mapping=args.map,
        timezone=args.timezone,
        progress=stage if sys.stderr.isatty() else None,
    )
    print(result.summary())
    if result.flags:
        print("flags: " + ", ".join(f"{k} {v}" for k, v in result.flags.items()))
    if result.quarantine_file:
        print(f"quarantined rows and reasons: {result.quarantine_file}")
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from mentorkit import store
    from mentorkit.analysis import score
    from mentorkit.intake import clean

    if not clean.is_safe_id(args.cohort):
        raise UsageError(f"not a cohort id: {args.cohort!r}")
    as_of = score.parse_as_of(args.as_of)
    engine = _engine(args)
    data = store.load(engine, [args.cohort], as_of)
    result = score.score_cohort(data, args.cohort, as_of)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(format_score(result.to_dict()))
    return 0


def format_score(d: dict[str, Any], k: int = DEFAULT.min_group_size) -> str:
    """A cohort's figures as a readable table (``k``: the minimum group size the figures were scored with)."""

    def fig(v: object, pct: bool = False) -> str:
        return fmt_text(v, "pct" if pct else "num")

    lines = [
        f"cohort {d['cohort']} as of {d['as_of']}: {d['enrolled']['mentor']} mentors, {d['enrolled']['mentee']} mentees"
    ]
    for key, title in (("mentor_readiness", "Mentor readiness"), ("mentee_readiness", "Mentee readiness")):
        r = d[key]
        lines.append(f"\n{title}")
        lines.append(f"  respondents      {r['respondents']} ({fig(r['response_rate'], pct=True)} response rate)")
        lines.append(f"  mean score       {fig(r['mean_score'])}")
        lines.append(
            f"  ready / developing / not yet   {fig(r['ready'])} / {fig(r['developing'])} / {fig(r['not_yet'])}"
        )
        lines.append(f"  incomplete       {r['incomplete']}")
        if "capacity_risk" in r:
            lines.append(f"  capacity risk    {fig(r['capacity_risk'])}")
    rel = d["relationship"]
    lines.append("\nRelationships")
    lines.append(f"  pairs            {rel['pairs']}")
    lines.append(f"  health index     {fig(rel['health_index'])}")
    lines.append(
        f"  on track / needs check-in / too early   {fig(rel['on_track'])} / "
        f"{fig(rel['needs_checkin'])} / {rel['too_early']}"
    )
    lines.append(f"  perception gaps  {fig(rel['perception_gaps'])}")
    g = d["goals"]
    lines.append("\nGoals")
    lines.append(f"  total {g['total']} (mutually agreed {g['mutually_agreed']})")
    lines.append(
        f"  achieved {g['achieved']}, on track {g['on_track']}, at risk {g['at_risk']}, "
        f"overdue {g['overdue']}, dropped {g['dropped']}; stale {g['stale']}"
    )
    if any(d[k].get("suppressed") for k in ("mentor_readiness", "mentee_readiness", "relationship")):
        lines.append(f"\n'suppressed': fewer than {k} responses — hidden for confidentiality")
    return "\n".join(lines)


def cmd_report(args: argparse.Namespace) -> int:
    """``mentorkit report``: exit 0 when all succeeded, 1 when any failed, 2 on bad usage."""
    from mentorkit import store
    from mentorkit.analysis import score
    from mentorkit.runs import batch as report
    from mentorkit.runs import digest as changes
    from mentorkit.runs import folder, options, shards

    as_of = score.parse_as_of(args.as_of)
    out = Path(args.out) if args.out else folder.default_out(as_of)
    shard = shards.parse_shard(args.shard, with_all=args.all)
    since = changes.check_since(args.since, out, sharded=shard is not None)
    if args.index:
        from mentorkit.runs import programme as programmerun

        notebooks = Path(args.notebooks) if args.notebooks else options.notebooks_dir()
        ran = programmerun.run_for_folder(out, args.db or store.default_url(), notebooks, args.timeout)
        if ran is not None:
            print(report.progress_line(ran), file=sys.stderr)
        digest = report.finish(out, since)
        print(f"rebuilt {out / folder.INDEX} and {out / folder.MANIFEST}")
        print(changes.after_run(out, digest))
        return 1 if ran is not None and ran.status != "ok" else 0
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    folder.check_out(out)
    run_options = options.RunOptions(
        as_of=as_of,
        out=out,
        db_url=args.db or store.default_url(),
        jobs=args.jobs or os.cpu_count() or 1,
        identify=args.identify,
        timeout=args.timeout,
        notebooks=Path(args.notebooks) if args.notebooks else options.notebooks_dir(),
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
        print(f"{len(result.pdfs)} PDF(s) beside the HTML reports")
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


def cmd_forms(args: argparse.Namespace) -> int:
    from mentorkit.forms import server as serve

    return serve.serve(
        port=args.port,
        db=args.db,
        open_browser=not args.no_browser,
        host=args.host,
        base_url=args.base_url,
        allow_email_login=args.allow_email_login,
        capacity=args.capacity,
        session_timeout=args.session_timeout,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
    )


def _write_table(frame: pd.DataFrame, out: str | None, what: str) -> None:
    """A CSV guarded against formula injection: to a file atomically (only new or an earlier ``what``), or to stdout."""
    from mentorkit import outputs

    if out is None:
        outputs.write_csv_to(sys.stdout, frame)
    else:
        outputs.write_csv(Path(out), frame, what)


def cmd_invite(args: argparse.Namespace) -> int:
    from mentorkit import outputs
    from mentorkit.forms import links, outreach

    wanted = (args.cohort, args.form, args.base_url)
    if not all(wanted) and (any(wanted) or not args.rotate):
        raise UsageError("invite needs --cohort, --form and --base-url (or --rotate alone)")
    if args.out:
        outputs.check_output_file(args.out, outreach.INVITE_COLUMNS, "invite")
    days = DEFAULT.link_expiry_days if args.expires_days is None else args.expires_days
    if any(wanted):  # every argument is checked before --rotate voids anything
        outreach.check_invitations(_engine(args), args.cohort, args.form, args.base_url, expires_days=days)
    if args.rotate:
        links.rotate()
        print("every earlier personal link is void now", file=sys.stderr)
        if not any(wanted):
            return 0
    table = outreach.invitations(_engine(args), args.cohort, args.form, args.base_url, expires_days=days)
    _write_table(table, args.out, "invite")
    if args.out:
        print(f"{len(table)} personal links for {args.form} written to {args.out}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from mentorkit import outputs
    from mentorkit.analysis import due, score
    from mentorkit.forms import outreach

    as_of = score.parse_as_of(args.as_of)
    if args.out:
        outputs.check_output_file(args.out, outreach.STATUS_COLUMNS, "status")
    table = outreach.status(_engine(args), args.cohort, as_of, base_url=args.base_url)
    if args.out:
        _write_table(table, args.out, "status")
        print(due.summary_line(args.cohort, as_of, table))
    else:
        print(outreach.format_status(table, args.cohort, as_of))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from mentorkit import export as bi
    from mentorkit.analysis import score

    if not args.out:
        raise UsageError("export needs --out DIR")
    bi.check_request(args.out, args.format, args.level)  # before the store is touched: bad usage writes nothing
    as_of = score.parse_as_of(args.as_of)
    started = time.perf_counter()

    def stage(text: str) -> None:  # on a terminal only
        print(f"{time.perf_counter() - started:6.1f} s  {text}", file=sys.stderr, flush=True)

    progress = stage if sys.stderr.isatty() else None
    settings = dataclasses.replace(DEFAULT, segment_attributes=tuple(args.segment_by))
    result = bi.export(_engine(args), args.out, as_of, args.format, args.level, settings, progress)
    print(result.summary())
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from mentorkit import store

    shown = store.normalize_url(args.db or store.default_url()).render_as_string(hide_password=True)
    if args.db_command == "status":
        found = store.current_revision(args.db)
        state = (
            "empty"
            if found is None
            else (
                "up to date"
                if found == store.SCHEMA_REVISION
                else f"needs `mentorkit db upgrade` to {store.SCHEMA_REVISION}"
            )
        )
        print(f"{shown}: schema {found or '-'} ({state})")
        return 0
    if args.db_command == "check":
        result = store.check_values(_engine(args))
        for value in result.found:
            print(value.line())
        print(f"{shown}: {result.summary()}")
        return 1 if result.found else 0
    before, after = store.upgrade_schema(args.db)
    print(
        f"{shown}: schema {before or 'empty'} → {after}"
        if before != after
        else f"{shown}: schema {after}, already up to date"
    )
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from mentorkit import store

    done = store.forget(_engine(args), args.email)
    if done is None:
        raise UsageError("no participant has that e-mail address (nothing was changed)")
    print(
        f"erased the personal data of {done['participant_id']}: {', '.join(done['fields'])} "
        f"({done['roster_versions']} roster version(s)); "
        f"{done['raw_rows']} raw submission row(s); {done['free_text_answers']} free-text answer(s). "
        f"Scored answers stay under the pseudonymous id. Audit reference {done['reference']}."
    )
    return 0


COMMANDS = {
    "demo": cmd_demo,
    "db": cmd_db,
    "forget": cmd_forget,
    "import": cmd_import,
    "score": cmd_score,
    "report": cmd_report,
    "forms": cmd_forms,
    "invite": cmd_invite,
    "status": cmd_status,
    "export": cmd_export,
}


if __name__ == "__main__":
    sys.exit(main())
