"""Intervals against hand-worked values (the working is in each comment)."""

from __future__ import annotations

import math

import pytest

from mentorkit.analysis import stats


def test_wilson_of_8_out_of_10():
    # p = 0.8, z² = 3.841459, n = 10
    # centre = (0.8 + 3.841459/20) / (1 + 0.3841459) = 0.9920730 / 1.3841459 = 0.716743
    # half = 1.959964/1.3841459 × sqrt(0.016 + 3.841459/400) = 1.416008 × sqrt(0.025603648) = 0.226578
    low, high = stats.wilson(8, 10)
    assert low == pytest.approx(0.490165, abs=1e-5)
    assert high == pytest.approx(0.943321, abs=1e-5)


def test_wilson_at_the_edges_stays_inside_0_and_1():
    # 0 of 5: centre = (0 + 3.841459/10)/(1 + 0.7682918) = 0.217241,
    # half = 1.959964/1.7682918 × sqrt(3.841459/100) = 0.217241 → (0, 0.434482)
    low, high = stats.wilson(0, 5)
    assert low == pytest.approx(0.0, abs=1e-12)
    assert high == pytest.approx(0.434482, abs=1e-5)
    low, high = stats.wilson(5, 5)
    assert high == pytest.approx(1.0, abs=1e-12)
    assert low == pytest.approx(1 - 0.434482, abs=1e-5)


def test_wilson_of_nobody_is_none_and_impossible_counts_raise():
    assert stats.wilson(0, 0) is None
    with pytest.raises(ValueError):
        stats.wilson(6, 5)


def test_t_interval_of_four_scores():
    # 60, 70, 80, 90: mean 75, sd = sqrt(((-15)² + (-5)² + 5² + 15²)/3) = sqrt(500/3) = 12.909944
    # t(0.975, 3) = 3.182446; half = 3.182446 × 12.909944 / 2 = 20.542567
    low, high = stats.t_interval([60, 70, 80, 90])
    assert low == pytest.approx(75 - 20.542567, abs=1e-4)
    assert high == pytest.approx(75 + 20.542567, abs=1e-4)


def test_t_interval_is_clipped_to_the_scale_and_ignores_missing_values():
    # 100, 100, 90, NaN: mean 96.6667, sd = sqrt((3.3333² × 2 + 6.6667²)/2) = 5.773503
    # t(0.975, 2) = 4.302653; half = 4.302653 × 5.773503 / sqrt(3) = 14.342177 → high 111.0 clipped to 100
    low, high = stats.t_interval([100, 100, 90, math.nan])
    assert low == pytest.approx(96.666667 - 14.342177, abs=1e-4)
    assert high == 100.0


def test_t_interval_needs_two_values():
    assert stats.t_interval([80]) is None
    assert stats.t_interval([80, math.nan]) is None
