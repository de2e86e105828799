"""Two processes making one workspace secret at once (test_keys.py); imports nothing heavy, for a quick spawn."""

from __future__ import annotations

from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

from mentorkit import keys
from mentorkit.errors import MentorkitError


def race(folder: str, rounds: int, start: Barrier, out: Queue) -> None:
    """Each round, wait for the other process, then make-or-read the round's secret; put what was read."""
    for i in range(rounds):
        start.wait()
        try:
            out.put((i, keys.ensure_secret(Path(folder) / f"secret-{i}", "test secret", "remove it")))
        except MentorkitError as exc:
            out.put((i, str(exc)))
