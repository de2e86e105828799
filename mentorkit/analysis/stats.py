"""95 % intervals for the figures that estimate something (the brief's "Programme analytics")."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from scipy import stats as _stats

Z95 = 1.959964  # the brief's z for a 95 % Wilson interval
CONFIDENCE = 0.95
SCALE = (0.0, 100.0)  # readiness scores and pair health live on 0–100


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval of ``successes`` out of ``n`` as fractions (None when n is 0)."""
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError(f"successes {successes} outside 0..{n}")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def t_interval(
    values: Iterable[float], confidence: float = CONFIDENCE, bounds: tuple[float, float] = SCALE
) -> tuple[float, float] | None:
    """Student-t interval of a mean (sample sd, n − 1), clipped to ``bounds``; None with fewer than two values."""
    data = np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype="float64")
    n = len(data)
    if n < 2:
        return None
    mean = float(data.mean())
    half = float(_stats.t.ppf(0.5 + confidence / 2, n - 1)) * float(data.std(ddof=1)) / math.sqrt(n)
    return max(bounds[0], mean - half), min(bounds[1], mean + half)
