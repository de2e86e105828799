"""What the commands share: the store they open, a CSV to a file or standard output, progress on a terminal."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mentorkit.errors import MentorkitError

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine


def shown_store(args: argparse.Namespace) -> str:
    """The store a command uses, for a message (without its password)."""
    from mentorkit import store

    try:
        return store.normalize_url(getattr(args, "db", None) or store.default_url()).render_as_string(
            hide_password=True
        )
    except MentorkitError:
        return "(not a database URL)"


def engine(args: argparse.Namespace) -> Engine:
    """The store of ``--db`` (else the environment's or the workspace's), connected."""
    from mentorkit import store

    return store.connect(args.db)


def write_table(frame: pd.DataFrame, out: str | None, what: str, earlier: Sequence[Sequence[object]] = ()) -> None:
    """A CSV guarded against formula injection: to a file atomically (only new or an earlier ``what``), or to stdout."""
    from mentorkit import outputs

    if out is None:
        outputs.write_csv_to(sys.stdout, frame)
    else:
        outputs.write_csv(Path(out), frame, what, earlier)


def terminal_progress() -> Callable[[str], None] | None:
    """Each stage with the seconds since now, on standard error when it is a terminal (pipes and scripts: None)."""
    if not sys.stderr.isatty():
        return None
    started = time.perf_counter()

    def stage(text: str) -> None:
        print(f"{time.perf_counter() - started:6.1f} s  {text}", file=sys.stderr, flush=True)

    return stage
