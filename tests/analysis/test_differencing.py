"""The differencing rule as a pure function, worked by hand."""

from __future__ import annotations

from mentorkit.analysis import differencing


def people(*ids: int) -> frozenset[str]:
    return frozenset(f"p{i}" for i in ids)


def test_a_set_one_person_away_from_a_kept_one_is_hidden():
    # k = 5. In keeping order: {1..6}, then {1..5} (1 away: hidden), then {1..6} again (0 away: kept),
    # then {1} (5 away from {1..6}: kept), then {1, 2} (1 away from {1}: hidden)
    sets = [people(1, 2, 3, 4, 5, 6), people(1, 2, 3, 4, 5), people(1, 2, 3, 4, 5, 6), people(1), people(1, 2)]
    assert list(differencing.hide(sets, ["g"] * 5, 5)) == [False, True, False, False, True]


def test_the_difference_counts_both_ways_and_groups_are_apart():
    # {1..5} and {2..6}: 2 people differ (1 and 6) → hidden; in another group nothing is compared
    sets = [people(1, 2, 3, 4, 5), people(2, 3, 4, 5, 6), people(2, 3, 4, 5, 6)]
    assert list(differencing.hide(sets, ["a", "a", "b"], 5)) == [False, True, False]


def test_figures_without_a_set_and_hidden_ones_constrain_nothing():
    # None takes no part; the hidden {1..5} does not hide {1..4} (which is 2 away from the kept {1..6}: hidden
    # by that one), and {7..11} is 11 away from {1..6}: kept
    sets = [None, people(1, 2, 3, 4, 5, 6), people(1, 2, 3, 4, 5), people(1, 2, 3, 4), people(7, 8, 9, 10, 11)]
    assert list(differencing.hide(sets, ["g"] * 5, 5)) == [False, False, True, True, False]
