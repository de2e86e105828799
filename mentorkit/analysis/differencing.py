"""The differencing rule (the brief's "No differencing"): no two figures shown of the same people may rest on
sets of people that differ by 1 to k − 1, or subtracting one from the other gives those few people's answers.

Pure: figures are given as the sets of people behind them, in the order of which to keep (newest and largest
first). A figure is hidden when its set differs from the set of a figure already kept in its group by at least
one and fewer than k people (counted both ways: the symmetric difference). Hidden figures constrain nothing,
since no one sees them; a figure without a set (a count of people, a goal figure, one already hidden) takes no
part.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

REASON = "differencing"  # the suppressed_reason of a figure this rule hides


def differs(a: frozenset[str], b: frozenset[str], k: int) -> bool:
    """True when the two sets differ by 1 to k − 1 people: one figure less the other would tell about them."""
    return 0 < len(a ^ b) < k


def hide(people: Sequence[frozenset[str] | None], groups: Sequence[Hashable], k: int) -> np.ndarray:
    """Which figures to hide (a boolean mask), given in keeping order with their sets and groups."""
    kept: dict[Hashable, list[frozenset[str]]] = {}
    out = np.zeros(len(people), dtype=bool)
    for i, (mine, group) in enumerate(zip(people, groups, strict=True)):
        if mine is None:
            continue
        others = kept.setdefault(group, [])
        if any(differs(mine, other, k) for other in others):
            out[i] = True
        elif mine not in others:
            others.append(mine)
    return out
