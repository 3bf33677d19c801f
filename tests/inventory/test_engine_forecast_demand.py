"""The forward forecast's demand per period over the protection interval (hand-computed)."""

import numpy as np
import pytest

from inventory.engine.forecast_demand import forward_mean, interval_weights


def test_whole_periods_average_the_forecast():
    assert forward_mean([[10, 20, 30, 40]], 2)[0] == pytest.approx(15.0)


def test_a_fraction_of_the_last_period_counts_by_its_share():
    # 2.5 periods: (10 + 20 + 0.5 * 30) / 2.5 = 18
    assert forward_mean([[10, 20, 30, 40]], 2.5)[0] == pytest.approx(18.0)


def test_beyond_the_horizon_the_last_period_repeats():
    # 6 periods over a 4-period forecast: (10 + 20 + 30 + 3 * 40) / 6 = 30
    assert forward_mean([[10, 20, 30, 40]], 6)[0] == pytest.approx(30.0)


def test_an_interval_can_start_later():
    # periods [1, 3): (20 + 30) / 2
    assert forward_mean([[10, 20, 30, 40]], 2, start=1)[0] == pytest.approx(25.0)
    weights = interval_weights([2.0], 4, start=[3.0])
    assert weights.tolist() == [[0.0, 0.0, 0.0, 2.0]]


def test_no_forecast_or_no_interval_gives_nan():
    mean = forward_mean([[np.nan, np.nan], [5, 5], [5, 5]], [1.0, 0.0, np.nan])
    assert np.isnan(mean).all()
