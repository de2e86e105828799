"""The ``mentorkit`` command: a thin shell over the package's functions.

``parser`` builds the argument parser; the commands live by area: ``data`` (demo, import, cohorts, db, forget),
``figures`` (score, export), ``reports`` (report), ``outreach`` (forms, invite, status), ``mail`` (send,
optout), with what they share in ``common``. Each imports pandas, SQLAlchemy and the stages only when it runs, so help stays light.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from mentorkit.cli.common import shown_store
from mentorkit.cli.data import SAMPLE_ORDER, cmd_cohorts, cmd_db, cmd_demo, cmd_forget, cmd_import, cmd_init
from mentorkit.cli.figures import cmd_export, cmd_score, format_score
from mentorkit.cli.mail import cmd_optout, cmd_send
from mentorkit.cli.outreach import cmd_forms, cmd_invite, cmd_status
from mentorkit.cli.parser import build_parser
from mentorkit.cli.reports import _ReportProgress, cmd_report
from mentorkit.errors import MentorkitError, environment_problem
from mentorkit.formats import first_line
from mentorkit.settings import DEFAULT

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "init": cmd_init,
    "demo": cmd_demo,
    "db": cmd_db,
    "forget": cmd_forget,
    "import": cmd_import,
    "cohorts": cmd_cohorts,
    "score": cmd_score,
    "report": cmd_report,
    "forms": cmd_forms,
    "invite": cmd_invite,
    "status": cmd_status,
    "export": cmd_export,
    "send": cmd_send,
    "optout": cmd_optout,
}


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
        problem = environment_problem(exc, shown_store(args), DEFAULT.store_busy_seconds)
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


__all__ = ["COMMANDS", "SAMPLE_ORDER", "_ReportProgress", "build_parser", "format_score", "main"]
