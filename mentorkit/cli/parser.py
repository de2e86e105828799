"""The ``mentorkit`` command's argument parser: one small function per command adds its subcommand."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import TYPE_CHECKING

from mentorkit import __version__
from mentorkit.instruments import instruments
from mentorkit.settings import DEFAULT

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


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
        help="SQLAlchemy database URL (env MENTORKIT_DB; then [store] url of mentorkit.toml; default: SQLite "
        "data/mentorkit.db in the workspace)",
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    db = _db_parent()
    parser = argparse.ArgumentParser(
        prog="mentorkit", description="Collect, import, score and report on mentoring programmes (Zachary's model)."
    )
    parser.add_argument("--version", action="version", version=f"mentorkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in (
        _add_init,
        _add_demo,
        _add_import,
        _add_cohorts,
        _add_score,
        _add_report,
        _add_db,
        _add_forget,
        _add_forms,
        _add_invite,
        _add_status,
        _add_export,
        _add_send,
        _add_optout,
    ):
        add(sub, db)
    return parser


def _add_init(sub: Subparsers, db: argparse.ArgumentParser) -> None:
    """``init [DIR]``: a programme's workspace."""
    ini = sub.add_parser(
        "init",
        help="create a programme's workspace (mentorkit.toml, notebooks, data)",
    )
    ini.add_argument("dir", metavar="DIR", nargs="?", default=".", help="the workspace folder (default: this one)")


def _add_demo(sub: Subparsers, db: argparse.ArgumentParser) -> None:
    """``demo``: load the bundled sample programme."""
    sub.add_parser("demo", parents=[db], help="load the bundled sample programme (idempotent)")


def _add_import(sub: Subparsers, db: argparse.ArgumentParser) -> None:
    """``import FILE --instrument KIND``: a roster or answers."""
    kinds = ("roster", *instruments())
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
    imp.add_argument(
        "--date-order",
        choices=("DMY", "MDY"),
        default=None,
        help="how to read dates written day and month in the project's templates, such as 03/04/2026 "
        "(matched_on, start_date, target_date, submitted_at, reported_at): DMY is 3 April, MDY is 4 March. "
        "Without it each column is read in the one order its dates allow (15/11/2026: day first) and a "
        "date that fits both is quarantined, naming this option",
    )
    imp.add_argument(
        "--dictionary",
        metavar="FILE",
        default=None,
        help="a REDCap export's data dictionary (the CSV REDCap downloads): columns matched by their field "
        "label, coded choices read as their labels",
    )


def _add_cohorts(sub: Subparsers, db: argparse.ArgumentParser) -> None:
    """``cohorts``: what the store holds per cohort."""
    co = sub.add_parser(
        "cohorts",
        parents=[db],
        help="cohorts with people, pairs, latest submission, suggested as-of",
    )
    co.add_argument("--json", action="store_true", help="machine-readable output")


def _add_score(sub: Subparsers, db: argparse.ArgumentParser) -> None:
    """``score --cohort ID``: a cohort's figures."""
    sc = sub.add_parser("score", parents=[db], help="a cohort's figures as of a date")
    sc.add_argument("--cohort", required=True, metavar="ID", help="the cohort's id (`mentorkit cohorts` lists them)")
    sc.add_argument("--as-of", metavar="DATE", default=None, help="ISO date (default: today, UTC)")
    sc.add_argument("--json", action="store_true", help="machine-readable output")


def _add_report(sub: Subparsers, db: argparse.ArgumentParser) -> None:
    """``report``: the per-cohort HTML reports."""
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


def _add_db(sub: Subparsers, db: argparse.ArgumentParser) -> None:
    """``db upgrade|status|check``: the store's schema and values."""
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


def _add_forget(sub: Subparsers, db: argparse.ArgumentParser) -> None:
    """``forget --email``: erase a person's personal data."""
    fg = sub.add_parser("forget", parents=[db], help="erase a person's personal data (right to erasure)")
    fg.add_argument("--email", required=True, help="the person's e-mail address")


def _add_forms(sub: Subparsers, db: argparse.ArgumentParser) -> None:
    """``forms``: serve the collection forms."""
    fm = sub.add_parser("forms", parents=[db], help="serve the collection forms to participants (Solara's server)")
    fm.add_argument("--host", default="127.0.0.1", metavar="ADDR", help="address to listen on (default 127.0.0.1)")
    fm.add_argument("--port", type=int, default=8866, metavar="N", help="port to listen on (default 8866)")
    fm.add_argument(
        "--base-url",
        default=None,
        metavar="PATH",
        help="URL path behind a reverse proxy, e.g. /mentoring/ (default: the path of [forms] base_url, else /)",
    )
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


def _add_invite(sub: Subparsers, db: argparse.ArgumentParser) -> None:
    """``invite``: personal links for mail merge."""
    forms = tuple(instruments())
    inv = sub.add_parser("invite", parents=[db], help="personal links for a form, as CSV for mail merge")
    inv.add_argument("--cohort", metavar="ID", help="the cohort whose participants get links")
    inv.add_argument("--form", choices=forms, help="the form the links open: %(choices)s")
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


def _add_status(sub: Subparsers, db: argparse.ArgumentParser) -> None:
    """``status --cohort ID``: who still has to answer what."""
    st = sub.add_parser("status", parents=[db], help="who still has to answer what (personal data)")
    st.add_argument("--cohort", required=True, metavar="ID", help="the cohort's id (`mentorkit cohorts` lists them)")
    st.add_argument("--as-of", metavar="DATE", default=None, help="ISO date (default: today, UTC)")
    st.add_argument("--base-url", metavar="URL", default=None, help="add each due item's personal link")
    st.add_argument("--out", metavar="FILE", default=None, help="CSV file (default: a list on standard output)")


def _add_export(sub: Subparsers, db: argparse.ArgumentParser) -> None:
    """``export --out DIR``: the BI tables."""
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


def _mail_parent() -> argparse.ArgumentParser:
    """What every ``send`` subcommand takes: the server, the sender, a dry run, the pace."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--smtp",
        metavar="URL",
        default=None,
        help="smtp://[user@]host[:port] (STARTTLS when offered; ?starttls=no) or smtps://; ?cafile=FILE trusts "
        "that CA (env MENTORKIT_SMTP, then [mail] smtp); the password only from MENTORKIT_SMTP_PASSWORD or a "
        "file of mode 0600 (MENTORKIT_SMTP_PASSWORD_FILE, [mail] password_file, data/smtp-password)",
    )
    parent.add_argument("--from", dest="sender", metavar="ADDR", default=None, help="the sender (default [mail] from)")
    parent.add_argument(
        "--reply-to",
        metavar="ADDR",
        default=None,
        help="replies and unsubscribe requests (default [mail] reply_to, else --from)",
    )
    parent.add_argument(
        "--dry-run", metavar="DIR", default=None, help="write every message as a .eml file in DIR; send nothing"
    )
    parent.add_argument("--limit", type=int, default=None, metavar="N", help="at most N messages this run")
    parent.add_argument("--rate", type=float, default=None, metavar="N", help="at most N messages a minute")
    parent.add_argument("--resend", action="store_true", help="send again what the sent log says was sent")
    parent.add_argument(
        "--insecure", action="store_true", help="do not verify the server's certificate (with a warning)"
    )
    return parent


def _add_send(sub: Subparsers, db: argparse.ArgumentParser) -> None:
    """``send invitations|reminders|digest``: e-mail over SMTP, logged in the store."""
    mail = _mail_parent()
    sp = sub.add_parser("send", help="e-mail invitations, reminders or a run's digest (SMTP)")
    what = sp.add_subparsers(dest="send_command", metavar="WHAT", required=True)
    inv = what.add_parser("invitations", parents=[db, mail], help="one message per person the form applies to")
    inv.add_argument("--cohort", required=True, metavar="ID", help="the cohort whose participants are invited")
    inv.add_argument("--form", required=True, choices=tuple(instruments()), help="the form the invitation links to")
    rem = what.add_parser("reminders", parents=[db, mail], help="one message per due person, with all they owe")
    rem.add_argument("--cohort", required=True, metavar="ID", help="the cohort whose due participants are reminded")
    rem.add_argument("--as-of", metavar="DATE", default=None, help="ISO date (default: today, UTC)")
    for p in (inv, rem):
        p.add_argument(
            "--base-url", metavar="URL", default=None, help="the forms' public address (default [forms] base_url)"
        )
        p.add_argument(
            "--expires-days",
            type=int,
            default=None,
            metavar="N",
            help=f"days the links stay valid (default {DEFAULT.link_expiry_days})",
        )
    dig = what.add_parser("digest", parents=[db, mail], help="a report run's changes digest to programme leads")
    dig.add_argument("--run", required=True, metavar="DIR", help="the report run (its changes.md and changes.html)")
    dig.add_argument("--to", required=True, nargs="+", metavar="ADDR", help="the programme leads' addresses")
    dig.add_argument(
        "--reports-url", metavar="URL", default=None, help="where the run is published: links become absolute"
    )


def _add_optout(sub: Subparsers, db: argparse.ArgumentParser) -> None:
    """``optout --email X [--undo]``: a person not to be mailed."""
    op = sub.add_parser("optout", parents=[db], help="stop all e-mail to a person (--undo: mail them again)")
    op.add_argument("--email", required=True, help="the person's e-mail address")
    op.add_argument("--undo", action="store_true", help="mail them again")
