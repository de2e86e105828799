"""Reliability coefficients (KR-20, Cronbach's alpha) and their readings, each with a hand-worked example."""

from __future__ import annotations

import pandas as pd
import pytest

from mentorkit.analysis import quality
from mentorkit.settings import Settings


def test_kr20_hand_worked():
    # 4 people × 3 items: totals 3, 2, 1, 0 → var (ddof 0) = 1.25; p = .75, .5, .25 → Σpq = .625
    # KR-20 = 3/2 × (1 − .625/1.25) = 0.75
    items = pd.DataFrame({"a": [1, 1, 1, 0], "b": [1, 1, 0, 0], "c": [1, 0, 0, 0]})
    assert quality.kr20(items) == pytest.approx(0.75)


def test_cronbach_alpha_hand_worked():
    # items x, y: (1,2), (2,2), (3,4) → var x = 1, var y = 4/3, totals 3, 4, 7 → var 13/3
    # alpha = 2 × (1 − (1 + 4/3) / (13/3)) = 2 × (1 − 7/13) = 12/13
    items = pd.DataFrame({"x": [1, 2, 3], "y": [2, 2, 4]})
    assert quality.cronbach_alpha(items) == pytest.approx(12 / 13)


def test_reliability_needs_ten_responses():
    items = pd.DataFrame({"a": [1, 0] * 4 + [1], "b": [1, 0] * 4 + [0]})
    assert quality.reliability(items, "kr20")["value"] is None
    items10 = pd.DataFrame({"a": [1, 0] * 5, "b": [1, 0] * 4 + [0, 1]})
    assert quality.reliability(items10, "kr20")["value"] is not None


def test_reliability_readings():
    # the hand-worked alpha of 12/13 = 0.92 from 3 rows; then an item without variation in one of two columns
    items = pd.DataFrame({"x": [1, 2, 3], "y": [2, 2, 4]})
    few = Settings(reliability_min_n=3)
    assert quality.reliability(items, "alpha", few)["reading"] == "acceptable"  # 0.92 ≥ 0.70
    assert (
        quality.reliability(items, "alpha", Settings(reliability_min_n=3, reliability_reference=0.95))["reading"]
        == "below"
    )
    flat = pd.DataFrame({"x": [1, 1, 1], "y": [2, 2, 2]})  # totals all 3: no variance
    assert quality.reliability(flat, "alpha", few) == {
        "method": "alpha",
        "n": 3,
        "value": None,
        "reference": 0.7,
        "reading": "not_computable",
    }
