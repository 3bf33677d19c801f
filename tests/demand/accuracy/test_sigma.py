"""The forecast-error σ over the lead-time horizon (demand.accuracy.sigma), hand-computed."""

import math
import subprocess
import sys

import numpy as np

from demand.accuracy.sigma import lead_time_error_sd, lead_time_lag

NAN = math.nan
ACTUAL = [10.0, 12.0, 8.0, 10.0]


def test_lead_times_round_half_up_to_at_least_one_period():
    assert lead_time_lag([0.2, 1.5, 2.4, 2.5, NAN]).tolist() == [1, 2, 2, 3, 1]


def test_the_lag_of_the_lead_time_else_lag_one_else_none():
    actual = [ACTUAL] * 4
    lag1 = [
        [9.0, 13.0, 7.0, 11.0],  # errors ±1: RMSE 1
        [8.0, 14.0, 6.0, 12.0],  # errors ±2: RMSE 2
        [7.0, 15.0, 5.0, 13.0],  # errors ±3: RMSE 3
        [9.0, NAN, NAN, 11.0],  # two pairs only
    ]
    lag2 = [
        [13.0, 8.0, 12.0, 6.0],  # errors -3, 4, -4, 4: RMSE √(57/4)
        [12.0, 12.0, 8.0, 10.0],
        [NAN, NAN, 10.0, 10.0],  # two pairs only: lag 1 instead
        [NAN, NAN, NAN, NAN],
    ]
    lead = [2.4, 3.0, 1.6, 2.0]  # lags 2, 3 (none stored: lag 1), 2, 2

    result = lead_time_error_sd(actual, {1: lag1, 2: lag2}, lead, min_pairs=3)

    assert result.sd[0] == math.sqrt(57 / 4)
    assert result.sd[1:3].tolist() == [2.0, 3.0]
    assert math.isnan(result.sd[3])
    assert result.lag.tolist() == [2, 1, 1, 0]
    assert result.pairs.tolist() == [4, 4, 4, 2]


def test_short_lead_times_take_lag_one():
    result = lead_time_error_sd([ACTUAL], {1: [[11.0, 11.0, 9.0, 9.0]]}, [0.3], min_pairs=2)
    assert result.sd.tolist() == [math.sqrt((1 + 1 + 1 + 1) / 4)]
    assert result.lag.tolist() == [1]


def test_a_scalar_lead_time_applies_to_every_row():
    actual = np.array([ACTUAL, ACTUAL])
    result = lead_time_error_sd(actual, {1: actual + 1, 2: actual + 2}, 2, min_pairs=1)
    assert result.sd.tolist() == [2.0, 2.0]
    assert result.lag.tolist() == [2, 2]


def test_the_module_is_pure():
    code = "import sys, demand.accuracy.sigma; print('django' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
