"""Error metrics on a hand-computed fixture (Hyndman & Koehler 2006 definitions)."""

import numpy as np
import pytest

from demand.forecasting.metrics import bias, mape, mase, naive_mae, rmse, wape

NAN = np.nan
# Row 0: known pairs (2, 3), (4, 3), (0, 1): errors +1, −1, +1; Σa = 6.
# Row 1: actuals all zero: ratios to Σa undefined; errors +1, +2.
# Row 2: nothing known.
ACTUAL = np.array([[2, 4, NAN, 0, 5], [0, 0, 0, NAN, NAN], [NAN] * 5])
FORECAST = np.array([[3, 3, 1, 1, NAN], [1, 2, NAN, 1, 1], [1] * 5])
INSAMPLE = np.array([[1, 3, 2, NAN, 6], [1, 1, 1, 1, 1], [NAN] * 5])


def test_bias_wape_mape_rmse():
    np.testing.assert_allclose(bias(ACTUAL, FORECAST), [1 / 6, NAN, NAN])
    np.testing.assert_allclose(wape(ACTUAL, FORECAST), [3 / 6, NAN, NAN])
    # Row 0: periods with a > 0: |1|/2 and |−1|/4.
    np.testing.assert_allclose(mape(ACTUAL, FORECAST), [(0.5 + 0.25) / 2, NAN, NAN])
    np.testing.assert_allclose(rmse(ACTUAL, FORECAST), [1.0, np.sqrt((1 + 4) / 2), NAN])


def test_mase_naive_and_seasonal_naive_scale():
    # Season 1: in-sample pairs (1, 3), (3, 2) → scale 1.5; row 1 is flat → scale 0 → NaN.
    np.testing.assert_allclose(naive_mae(INSAMPLE), [1.5, 0.0, NAN])
    np.testing.assert_allclose(mase(ACTUAL, FORECAST, INSAMPLE), [1 / 1.5, NAN, NAN])
    # Season 2: pairs (1, 2), (2, 6) → scale 2.5.
    assert mase(ACTUAL[:1], FORECAST[:1], INSAMPLE[:1], season=2)[0] == pytest.approx(0.4)
    # Too short for the season: undefined.
    assert np.isnan(mase(ACTUAL[:1], FORECAST[:1], INSAMPLE[:1], season=5)[0])


def test_one_row_vectors_are_accepted():
    assert wape([2, 4], [3, 3])[0] == pytest.approx(2 / 6)
