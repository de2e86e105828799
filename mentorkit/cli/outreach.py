"""The participants' commands: ``forms`` (serve the collection forms), ``invite`` (personal links) and ``status``."""

from __future__ import annotations

import argparse
import sys

from mentorkit import workspace
from mentorkit.cli.common import engine, write_table
from mentorkit.errors import UsageError


def cmd_forms(args: argparse.Namespace) -> int:
    import importlib.util
    import urllib.parse

    if importlib.util.find_spec("solara") is None:
        raise UsageError("the forms server needs the forms extra: pip install 'mentorkit[forms]'")
    from mentorkit.forms import server as serve

    public = workspace.current().forms_base_url
    path = args.base_url or (urllib.parse.urlsplit(public).path if public else "") or "/"

    return serve.serve(
        port=args.port,
        db=args.db,
        open_browser=not args.no_browser,
        host=args.host,
        base_url=path,
        allow_email_login=args.allow_email_login,
        capacity=args.capacity,
        session_timeout=args.session_timeout,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
    )


def cmd_invite(args: argparse.Namespace) -> int:
    from mentorkit import outputs
    from mentorkit.forms import links, outreach

    args.base_url = args.base_url or workspace.current().forms_base_url  # flag > environment > mentorkit.toml
    wanted = (args.cohort, args.form, args.base_url)
    if not all(wanted) and (any(wanted) or not args.rotate):
        raise UsageError("invite needs --cohort, --form and --base-url (or --rotate alone)")
    if args.out:
        outputs.check_output_file(args.out, outreach.INVITE_COLUMNS, "invite")
    days = workspace.settings().link_expiry_days if args.expires_days is None else args.expires_days
    if any(wanted):  # every argument is checked before --rotate voids anything
        outreach.check_invitations(engine(args), args.cohort, args.form, args.base_url, expires_days=days)
    if args.rotate:
        links.rotate()
        print("every earlier personal link is void now", file=sys.stderr)
        if not any(wanted):
            return 0
    table = outreach.invitations(engine(args), args.cohort, args.form, args.base_url, expires_days=days)
    write_table(table, args.out, "invite")
    if args.out:
        print(f"{len(table)} personal links for {args.form} written to {args.out}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from mentorkit import outputs
    from mentorkit.analysis import due, score
    from mentorkit.forms import outreach

    as_of = score.parse_as_of(args.as_of)
    if args.out:
        outputs.check_output_file(args.out, outreach.STATUS_COLUMNS, "status", outreach.EARLIER_STATUS_COLUMNS)
    base_url = args.base_url or workspace.current().forms_base_url
    table = outreach.status(engine(args), args.cohort, as_of, base_url=base_url, settings=workspace.settings())
    if args.out:
        write_table(table, args.out, "status", outreach.EARLIER_STATUS_COLUMNS)
        print(due.summary_line(args.cohort, as_of, table))
    else:
        print(outreach.format_status(table, args.cohort, as_of))
    return 0
