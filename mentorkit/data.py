"""The data scoring works on, as plain pandas frames (no database here)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class CohortData:
    """Everything scoring needs about some cohorts, read in one go."""

    participants: pd.DataFrame
    pairs: pd.DataFrame
    responses: dict[str, pd.DataFrame]
