"""Golden cases for history cleaning (inventory/engine/history.py), computed by hand.

Outlier capping is winsorizing at μ + kσ (Silver, Pyke & Peterson, 3rd ed., §4.8); forecast
error is the RMSE of paired periods (same, §4.7); the ABC cut-offs are the Pareto rule of
``inventory.engine.demand.abc_xyz`` (same, §3.6) turned into two value thresholds.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.engine.demand import abc_xyz
from inventory.engine.history import (
    DEFAULT_OUTLIER_SIGMAS,
    MIN_FORECAST_PAIRS,
    abc_cutoffs,
    abc_xyz_by_cutoffs,
    cap_outliers,
    forecast_error_sd,
)

NAN = np.nan
# 103 periods of 10 and one spike of 114: mean = (1,030 + 114) / 104 = 11;
# Σ(x − 11)² = 103·1² + 103² = 10,712; sample variance = 10,712 / 103 = 104;
# bound = 11 + 3·√104 = 11 + 30.594 = 41.594 < 114, so the spike is capped there.
SPIKE_ROW = [10.0] * 103 + [114.0]
SPIKE_BOUND = 11 + 3 * math.sqrt(104)


def test_defaults():
    assert DEFAULT_OUTLIER_SIGMAS == 3.0
    assert MIN_FORECAST_PAIRS == 8


def test_a_spike_in_ten_periods_is_not_capped_because_it_inflates_the_sd():
    # [10]*9 + [100]: mean = 190/10 = 19; Σ(x − 19)² = 9·(−9)² + 81² = 729 + 6,561 = 7,290;
    # sd = √(7,290/9) = √810 = 28.46; bound = 19 + 3·28.46 = 104.38 > 100: left alone.
    # (With n periods a single point is at most (n − 1)/√n sd above the mean: 2.85 for n = 10.)
    row = [10.0] * 9 + [100.0]
    capped, count = cap_outliers([row])
    assert capped.tolist() == [row]
    assert count.tolist() == [0]
    # With k = 2.8 the bound is 19 + 2.8·28.46 = 98.69 < 100: capped to it.
    capped, count = cap_outliers([row], sigmas=2.8)
    assert capped[0, -1] == pytest.approx(19 + 2.8 * math.sqrt(810), rel=1e-12)
    assert capped[0, :-1].tolist() == [10.0] * 9
    assert count.tolist() == [1]


def test_one_spike_in_104_periods_is_capped_at_mean_plus_three_sd():
    capped, count = cap_outliers(np.array([SPIKE_ROW]))
    assert capped.shape == (1, 104)
    assert capped[0, -1] == pytest.approx(SPIKE_BOUND, rel=1e-12)
    assert capped[0, -1] == pytest.approx(41.5941, abs=1e-4)
    assert capped[0, :-1].tolist() == [10.0] * 103  # one pass: the rest is untouched
    assert count.dtype.kind == "i"
    assert count.tolist() == [1]


def test_only_high_values_are_capped():
    # [100]*103 + [0]: mean = 10,300/104 = 99.04; sd = √(9,903.8/103) = 9.806;
    # μ − 3σ = 69.6 > 0, yet the zero stays: demand is bounded below by zero.
    row = [100.0] * 103 + [0.0]
    capped, count = cap_outliers([row])
    assert capped[0].tolist() == row
    assert count.tolist() == [0]


def test_rows_with_fewer_than_three_observations_are_untouched():
    # Two observations [1, 1000] with k = 0.5: mean 500.5, sd = √(2·499.5²) = 706.4, the
    # bound would be 853.7 < 1000, yet a row of two is left alone.
    # Three observations [1, 1, 1000]: mean 334, sd = √(665,334/2) = 576.77,
    # bound = 334 + 0.5·576.77 = 622.39 < 1000: capped.
    history = [[1.0, 1000.0, NAN, NAN], [1.0, 1.0, 1000.0, NAN], [NAN] * 4]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an all-missing row must not warn either
        capped, count = cap_outliers(history, sigmas=0.5)
    assert capped[0, :2].tolist() == [1.0, 1000.0]
    assert capped[1, 2] == pytest.approx(334 + 0.5 * math.sqrt(332_667), rel=1e-12)
    assert capped[1, 2] == pytest.approx(622.386, abs=1e-3)
    assert np.isnan(capped[0, 2:]).all() and np.isnan(capped[1, 3]) and np.isnan(capped[2]).all()
    assert count.tolist() == [0, 1, 0]


def test_missing_periods_are_ignored_and_stay_missing():
    # The spike row with two missing periods inserted: same mean, sd and bound as without.
    row = [*SPIKE_ROW[:50], NAN, *SPIKE_ROW[50:], NAN]
    capped, count = cap_outliers([row, SPIKE_ROW + [NAN, NAN]])
    for r in capped:
        assert np.nanmax(r) == pytest.approx(SPIKE_BOUND, rel=1e-12)
        assert np.isnan(r).sum() == 2
    assert np.isnan(capped[0, 50]) and np.isnan(capped[0, -1])
    assert count.tolist() == [1, 1]


def test_rows_are_capped_independently():
    # The spike row next to the ten-period row (padded with missing periods): each keeps its
    # own bound; a 1-D input is one row.
    short = [10.0] * 9 + [100.0] + [NAN] * 94
    capped, count = cap_outliers([SPIKE_ROW, short])
    assert capped[0, -1] == pytest.approx(SPIKE_BOUND)
    assert capped[1, 9] == 100.0
    assert count.tolist() == [1, 0]
    one, one_count = cap_outliers(SPIKE_ROW)
    assert one.shape == (1, 104) and one_count.tolist() == [1]


def test_forecast_error_is_the_rmse_of_paired_periods():
    actual = np.full((3, 8), 100.0)
    # Errors ±1, ±2, ±3, ±4: Σe² = 2·(1 + 4 + 9 + 16) = 60; RMSE = √(60/8) = √7.5 = 2.7386.
    mixed = actual[0] - [1, -1, 2, -2, 3, -3, 4, -4]
    # A constant bias of 3: RMSE = 3 (a bias is an error; the sample sd would be 0).
    biased = actual[1] + 3
    exact = actual[2]
    sd, pairs = forecast_error_sd(actual, [mixed, biased, exact])
    assert sd == pytest.approx([math.sqrt(7.5), 3.0, 0.0], rel=1e-12)
    assert sd[0] == pytest.approx(2.7386, abs=1e-4)
    assert pairs.tolist() == [8, 8, 8]


def test_forecast_error_needs_min_pairs_paired_periods():
    # Ten periods, errors of 2 everywhere; a missing actual and a missing forecast in
    # different periods leave 8 pairs (RMSE 2); one more missing forecast leaves 7 (NaN).
    actual = np.full((2, 10), 50.0)
    actual[:, 0] = NAN
    forecast = np.full((2, 10), 52.0)
    forecast[:, 5] = NAN
    forecast[1, 9] = NAN
    sd, pairs = forecast_error_sd(actual, forecast)
    assert pairs.tolist() == [8, 7]
    assert sd[0] == pytest.approx(2.0)
    assert np.isnan(sd[1])
    # min_pairs is a parameter: with 7 allowed, the second row gets its RMSE too.
    sd, pairs = forecast_error_sd(actual, forecast, min_pairs=7)
    assert sd == pytest.approx([2.0, 2.0])
    # No pair at all: NaN, 0 pairs, no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sd, pairs = forecast_error_sd([[NAN, 1.0]], [[1.0, NAN]], min_pairs=0)
    assert np.isnan(sd[0]) and pairs.tolist() == [0]


def test_abc_cutoffs_by_hand():
    # 50, 30, 10, 5, 5 (total 100): share before each = 0, .50, .80, .90, .95.
    # A while before < .80: 50, 30 → lowest A value 30.
    # B while before < .95: 50, 30, 10, 5 → lowest B value 5 (and the tied 5 joins B).
    assert abc_cutoffs([50, 30, 10, 5, 5]) == (30.0, 5.0)
    # Order does not matter; negative, NaN and infinite values are left out of the total.
    assert abc_cutoffs([5, 10, -7, 50, NAN, 5, np.inf, 30]) == (30.0, 5.0)
    # Other shares: A below .5 → 50 only; B below .85 → 50, 30, 10.
    assert abc_cutoffs([50, 30, 10, 5, 5], a_share=0.5, b_share=0.85) == (50.0, 10.0)


def test_abc_cutoffs_ties_join_the_higher_class():
    # 40, 20, 20, 20 (total 100): before = 0, .40, .60, .80. Per row (abc_xyz) the last 20
    # crosses into B, but the cut-off is 20, so by cut-offs every tied 20 is A.
    values = [40.0, 20.0, 20.0, 20.0]
    cutoffs = abc_cutoffs(values)
    assert cutoffs == (20.0, 20.0)
    cv = [0.1] * 4
    assert abc_xyz_by_cutoffs(values, cv, cutoffs).tolist() == ["AX"] * 4
    assert abc_xyz(values, cv).tolist() == ["AX", "AX", "AX", "BX"]


def test_abc_cutoffs_when_a_class_is_empty():
    assert abc_cutoffs([]) == (np.inf, np.inf)
    assert abc_cutoffs([0.0, 0.0]) == (np.inf, np.inf)  # total 0: nothing to rank
    assert abc_cutoffs([NAN, -1.0]) == (np.inf, np.inf)
    # a_share = 0: no row has a share before it below 0, so class A is empty.
    assert abc_cutoffs([50, 30, 20], a_share=0.0) == (np.inf, 20.0)
    # A single positive row is A (share before it: 0).
    assert abc_cutoffs([0.0, 7.0]) == (7.0, 7.0)


def test_abc_xyz_by_cutoffs_by_hand():
    # Cut-offs (30, 5): 50, 30 are A; 10, 5 are B; 4 is C.
    # cv: X below 0.5, Y below 1.0, else Z; a missing value or cv, or a negative value: ''.
    values = [50, 30, 10, 5, 4, NAN, 20, -1]
    cv = [0.2, 0.5, 0.99, 1.0, 3.0, 0.1, NAN, 0.1]
    classes = abc_xyz_by_cutoffs(values, cv, (30.0, 5.0))
    assert classes.tolist() == ["AX", "AY", "BY", "BZ", "CZ", "", "", ""]
    # Custom XYZ limits: X below 0.25, Y below 0.6.
    classes = abc_xyz_by_cutoffs([50, 50, 50], [0.2, 0.5, 0.6], (30.0, 5.0), x_cv=0.25, y_cv=0.6)
    assert classes.tolist() == ["AX", "AY", "AZ"]
    # With no class A or B (inf cut-offs), everything valid is C.
    assert abc_xyz_by_cutoffs([50, 1], [0.1, 0.1], (np.inf, np.inf)).tolist() == ["CX", "CX"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False),
            st.floats(min_value=0.0, max_value=3.0, allow_nan=False, allow_infinity=False),
        ),
        min_size=1,
        max_size=40,
        unique_by=lambda pair: pair[0],
    )
)
def test_classes_by_cutoffs_equal_abc_xyz_for_distinct_positive_values(rows):
    values = np.array([value for value, _ in rows])
    cv = np.array([c for _, c in rows])
    by_cutoffs = abc_xyz_by_cutoffs(values, cv, abc_cutoffs(values))
    assert by_cutoffs.tolist() == abc_xyz(values, cv).tolist()
