"""The store's commands: ``demo``, ``import``, ``db`` and ``forget``."""

from __future__ import annotations

import argparse
from pathlib import Path

from mentorkit.cli.common import engine, terminal_progress
from mentorkit.errors import UsageError
from mentorkit.formats import plural
from mentorkit.instruments import instruments

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
        progress=terminal_progress(),  # on a terminal only: pipes and scripts get the summary alone
    )
    print(result.summary())
    if result.flags:
        print("flags: " + ", ".join(f"{k} {v}" for k, v in result.flags.items()))
    if result.quarantine_file:
        print(f"quarantined rows and reasons: {result.quarantine_file}")
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
        f"{plural(done['raw_rows'], 'raw submission row')}; {plural(done['free_text_answers'], 'free-text answer')}. "
        f"Scored answers stay under the pseudonymous id. Audit reference {done['reference']}."
    )
    return 0
