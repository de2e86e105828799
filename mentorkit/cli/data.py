"""The store's commands: ``demo``, ``import``, ``cohorts``, ``db`` and ``forget``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mentorkit.cli.common import engine, terminal_progress
from mentorkit.errors import UsageError
from mentorkit.formats import plural
from mentorkit.instruments import instruments

if TYPE_CHECKING:
    from datetime import date

    import pandas as pd

SAMPLE_ORDER = ("roster", *instruments())  # the roster first, then the instruments of instruments.yaml


def cmd_init(args: argparse.Namespace) -> int:
    from mentorkit import scaffold

    written = scaffold.init(args.dir)
    where = Path(args.dir)
    print(f"workspace created in {where.resolve()}: {len(written)} files (mentorkit.toml, notebooks/, data/, reports/)")
    print(f"next: cd {where} && mentorkit demo   (or mentorkit import FILE --instrument roster)")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from mentorkit import bundled
    from mentorkit.intake import ingest

    folder = bundled.sample()
    if not folder.is_dir():  # a broken install: the wheel always carries it
        raise UsageError(f"the sample programme is not in {folder}; reinstall mentorkit")
    connected = engine(args)
    for kind in SAMPLE_ORDER:
        path = folder / f"{kind}.csv"
        result = ingest.import_file(connected, path, kind)
        print(f"{path.name:22} {result.summary()}")
    print(f"sample programme loaded into {connected.url.render_as_string(hide_password=True)}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from mentorkit.intake import ingest

    result = ingest.import_file(
        engine(args),
        args.file,
        args.instrument,
        source=args.source,
        mapping=args.map,
        timezone=args.timezone,
        date_order=args.date_order,
        dictionary=args.dictionary,
        progress=terminal_progress(),  # on a terminal only: pipes and scripts get the summary alone
    )
    print(result.summary())
    if result.flags:
        print("flags: " + ", ".join(f"{k} {v}" for k, v in result.flags.items()))
    if result.quarantine_file:
        print(f"quarantined rows and reasons: {result.quarantine_file}")
    if result.nothing_accepted:  # a scheduled import notices: every row of the file was quarantined
        rows = "the 1 row" if result.read == 1 else f"all {result.read:,} rows"
        print(
            f"mentorkit: nothing was accepted: {rows} of {Path(args.file).name} "
            f"{'was' if result.read == 1 else 'were'} quarantined (the reasons are in the quarantine file)",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_cohorts(args: argparse.Namespace) -> int:
    from mentorkit import store

    with store.connect(args.db, create=False).connect() as conn:  # a listing never creates a store
        summary = store.cohort_summary(conn)
        suggested = store.suggested_as_of(conn)
    if args.json:
        print(json.dumps(cohorts_json(summary, suggested), indent=2))
    else:
        print(format_cohorts(summary, suggested))
    return 0


def _utc(value: object) -> str | None:
    """A stored UTC time as ISO 8601 with Z; None when missing."""
    import pandas as pd

    return None if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%SZ")  # type: ignore[arg-type]


def cohorts_json(summary: pd.DataFrame, suggested: date) -> dict[str, object]:
    """``mentorkit cohorts --json``: each cohort's counts and latest submission, the store's suggested as-of."""
    rows = [
        {
            "cohort": str(r.cohort_id),
            "mentors": int(r.mentors),
            "mentees": int(r.mentees),
            "pairs": int(r.pairs),
            "latest_submission": _utc(r.latest_submission),
        }
        for r in summary.itertuples(index=False)
    ]
    latest = summary["latest_submission"].max() if len(summary) else None
    return {"cohorts": rows, "latest_submission": _utc(latest), "suggested_as_of": suggested.isoformat()}


def format_cohorts(summary: pd.DataFrame, suggested: date) -> str:
    """``mentorkit cohorts``: a plain table, then the as-of date to give the reports."""
    if summary.empty:
        return "no cohorts yet: run `mentorkit demo` or import a roster (mentorkit import FILE --instrument roster)"
    heads = ("cohort", "mentors", "mentees", "pairs", "latest submission (UTC)")
    cells = [
        (str(r.cohort_id), str(r.mentors), str(r.mentees), str(r.pairs), (_utc(r.latest_submission) or "—")[:16])
        for r in summary.itertuples(index=False)
    ]
    cells = [(c, m, e, p, t.replace("T", " ")) for c, m, e, p, t in cells]
    width = [max(len(row[i]) for row in [heads, *cells]) for i in range(len(heads))]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(
            v.ljust(width[i]) if i in (0, len(row) - 1) else v.rjust(width[i]) for i, v in enumerate(row)
        ).rstrip()

    n = len(summary)
    day = suggested.isoformat()
    has_any = summary["latest_submission"].notna().any()
    why = "the day of the latest submission" if has_any else "today: nothing has been submitted yet"
    return "\n".join(
        [
            line(heads),
            *(line(row) for row in cells),
            f"{n} cohort{'' if n == 1 else 's'}; suggested as-of {day}, {why} (mentorkit report --all --as-of {day}; "
            "the explore notebook opens with it when the workspace has no report run)",
        ]
    )


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
        result = store.check_values(engine(args))
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

    done = store.forget(engine(args), args.email)
    if done is None:
        raise UsageError("no participant has that e-mail address (nothing was changed)")
    print(
        f"erased the personal data of {done['participant_id']}: {', '.join(done['fields'])} "
        f"({plural(done['roster_versions'], 'roster version')}); "
        f"{plural(done['raw_rows'], 'raw submission row')}; {plural(done['free_text_answers'], 'free-text answer')}; "
        f"{plural(done['sent_log_rows'], 'sent-log row')}. "
        f"Scored answers stay under the pseudonymous id. Audit reference {done['reference']}."
    )
    return 0
