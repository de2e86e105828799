"""Shards: a stable share of the cohorts for each of N scheduler tasks (``--shard I/N``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from mentorkit.errors import UsageError

_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str | None, with_all: bool = True) -> Shard | None:
    """``I/N`` with 1 ≤ I ≤ N (None when not given), only with ``--all``; anything else is a usage error."""
    if text is None:
        return None
    if not with_all:
        raise UsageError("--shard goes with --all (a shard is a share of every cohort in the store)")
    found = _SHARD.fullmatch(text)
    if found is not None:
        index, count = int(found.group(1)), int(found.group(2))
        if 1 <= index <= count:
            return Shard(index, count)
    raise UsageError(f"--shard wants I/N with 1 ≤ I ≤ N, for example 2/3 (got {text!r})")


def select(cohorts: Iterable[str], shard: Shard | None) -> list[str]:
    """This shard's cohorts: all of them sorted by id, dealt round-robin (every cohort to exactly one shard)."""
    if shard is None:
        return list(cohorts)
    return sorted(cohorts)[shard.index - 1 :: shard.count]
