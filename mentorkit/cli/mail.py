"""The mail commands: ``send invitations|reminders|digest`` (SMTP, logged in the store) and ``optout``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mentorkit import workspace
from mentorkit.cli.common import engine
from mentorkit.errors import UsageError
from mentorkit.formats import plural

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from mentorkit.mail.letters import Letter
    from mentorkit.mail.run import Summary


def cmd_send(args: argparse.Namespace) -> int:
    from mentorkit.mail import compose, run, smtp

    found = workspace.current()
    mail = found.mail
    who = compose.sender(args.sender or mail.get("from"), args.reply_to or mail.get("reply_to"))
    options = run.Options(
        found.root,
        who,
        dry_run=Path(args.dry_run) if args.dry_run else None,
        limit=args.limit,
        rate=args.rate,
        resend=args.resend,
        reminder_interval_days=found.settings.reminder_interval_days,
    )
    factory = None
    if options.dry_run is None:
        url = args.smtp or mail.get("smtp")  # flag > MENTORKIT_SMTP > [mail] smtp
        if not url:
            raise UsageError(
                "send needs an SMTP server: --smtp URL, MENTORKIT_SMTP, or smtp under [mail] in mentorkit.toml"
            )
        factory = smtp.postman_factory(url, args.insecure, found.root, mail.get("password_file"))
        if args.insecure:
            print(
                "mentorkit: warning: --insecure: the SMTP server's certificate is not verified; "
                "whoever sits between here and the server can read the messages and the password",
                file=sys.stderr,
            )
    store_engine = engine(args)
    letters = _letters(args, store_engine, found)
    summary = run.send(store_engine, letters, options, factory, say=lambda line: print(line, file=sys.stderr))
    for line in _report(summary, args):
        print(line)
    return summary.exit_code()


def _letters(args: argparse.Namespace, store_engine: Engine, found: workspace.Workspace) -> list[Letter]:
    from mentorkit.analysis import score
    from mentorkit.mail import letters

    days = found.settings.link_expiry_days if getattr(args, "expires_days", None) is None else args.expires_days
    if args.send_command == "digest":
        return letters.digest_letters(Path(args.run), args.to, args.reports_url, found.settings)
    base_url = args.base_url or found.forms_base_url  # flag > MENTORKIT_FORMS_BASE_URL > [forms] base_url
    if not base_url:
        raise UsageError(f"send {args.send_command} needs --base-url URL (or base_url under [forms] in mentorkit.toml)")
    if args.send_command == "invitations":
        return letters.invitation_letters(store_engine, args.cohort, args.form, base_url, days, found.settings)
    as_of = score.parse_as_of(args.as_of)
    return letters.reminder_letters(store_engine, args.cohort, as_of, base_url, days, found.settings)


def _report(summary: Summary, args: argparse.Namespace) -> list[str]:
    lines = []
    if summary.opted_out or summary.no_address:
        lines.append(f"not mailed: {summary.opted_out} opted out, {summary.no_address} without a usable e-mail address")
    if summary.stopped:
        lines.append(
            f"{summary.stopped}: {plural(summary.left, 'message')} not sent yet; run the command again to send them"
        )
    elif summary.left:
        lines.append(f"--limit {args.limit}: {plural(summary.left, 'more message')} to send; run the command again")
    if args.dry_run:
        lines.append(
            f"dry run, nothing sent: {plural(summary.written, 'message')} written to {args.dry_run}; "
            f"skipped {summary.skipped} (already sent)"
        )
    else:
        lines.append(summary.line())
    return lines


def cmd_optout(args: argparse.Namespace) -> int:
    from mentorkit import store

    store_engine = engine(args)
    pid = store.sent.person_of(store_engine, args.email)
    if pid is None:
        raise UsageError("no participant has that e-mail address (nothing was changed)")
    changed = store.sent.set_opt_out(store_engine, pid, not args.undo)
    if args.undo:
        print(
            f"{pid} is mailed again by mentorkit send" if changed else f"{pid} was not opted out (nothing was changed)"
        )
    else:
        print(f"{pid} is opted out: mentorkit send mails them nothing" if changed else f"{pid} was opted out already")
    return 0
