"""forecast_portfolio: holdout selection, intervals, promotion cleaning, new items, empty rows,
row independence, and no Django."""

import subprocess
import sys

import numpy as np
import pytest

from demand.forecasting import forecast_portfolio
from demand.forecasting.intermittent import croston, tsb
from demand.forecasting.prepare import clean_promotions

NAN = np.nan


def _noise(rows, periods, seed=3):
    return np.random.default_rng(seed).normal(0, 1, (rows, periods))


def test_a_trend_picks_holt_and_a_season_holt_winters():
    t = np.arange(60, dtype=np.float64)
    trend = 20 + 1.5 * t + _noise(1, 60)[0]
    seasonal = 50 + 15 * np.sin(2 * np.pi * t / 12) + _noise(1, 60, 4)[0]
    result = forecast_portfolio(np.vstack([trend, seasonal]), horizon=12, season_length=12)
    assert list(result.demand_class) == ["smooth", "smooth"]
    assert list(result.method) == ["holt", "holt_winters"]
    # Holt carries the trend on: its forecast climbs from past the last value.
    assert result.forecast[0, 0] > trend[-3:].mean() and np.all(np.diff(result.forecast[0]) > 0)
    # Holt-Winters repeats the season: the forecast peaks where sin(2πt/12) does (t ≡ 3).
    assert (60 + int(np.argmax(result.forecast[1]))) % 12 == 3
    assert 0 < result.holdout_mase[0] < 1 and not np.isnan(result.beta[0])


def test_intermittent_winner_has_the_least_holdout_mae():
    rng = np.random.default_rng(5)
    y = np.where(rng.random((1, 80)) < 0.3, rng.integers(1, 6, (1, 80)), 0).astype(float)
    y[0, 0] = 3
    result = forecast_portfolio(y, horizon=4, holdout=13)
    assert result.demand_class[0] in ("intermittent", "lumpy")
    fit_n, actual = np.array([67]), y[:, 67:]
    plain, sba = croston(y[:, :67], fit_n, 13)
    mae = {
        name: np.abs(np.maximum(fit.forecast, 0) - actual).mean()
        for name, fit in [("croston", plain), ("sba", sba), ("tsb", tsb(y[:, :67], fit_n, 13))]
    }
    assert result.method[0] == min(mae, key=mae.get)


def test_intervals_widen_with_the_step_and_stay_non_negative():
    y = 30 + 5 * _noise(20, 80)
    result = forecast_portfolio(y, horizon=10, interval=0.9)
    width = result.upper - result.lower
    assert np.all(np.diff(width, axis=1) >= -1e-12) and np.all(width[:, -1] > width[:, 0])
    assert np.all(result.lower >= 0) and np.all(result.lower <= result.forecast)
    # One step ahead: forecast ± 1.645 σ (the 90 % normal quantile).
    np.testing.assert_allclose(
        result.upper[:, 0] - result.forecast[:, 0], 1.6448536 * result.sigma, rtol=1e-6
    )


def test_promoted_periods_are_cleaned_before_fitting():
    values = np.array([[10.0, 12, 100, 11]])
    promoted = np.array([[False, False, True, False]])
    # The level of SES (α = 0.2) over the other periods: 10, then 10 + 0.2 (12 − 10) = 10.4.
    np.testing.assert_allclose(clean_promotions(values, promoted), [[10, 12, 10.4, 11]])
    history = np.full((1, 40), 10.0) + _noise(1, 40)[0] * 0.1
    history[0, 30] = 100
    promotion = np.zeros((1, 40), dtype=bool)
    promotion[0, 30] = True
    plain = forecast_portfolio(history, horizon=3, holdout=5)
    cleaned = forecast_portfolio(history, horizon=3, holdout=5, promotion=promotion)
    assert cleaned.forecast[0, 0] == pytest.approx(10, abs=0.3)
    assert plain.sigma[0] > 5 * cleaned.sigma[0]


def test_new_items_take_their_groups_profile_scaled_by_their_own_mean():
    t = np.arange(40, dtype=np.float64)
    established = np.vstack([20 + 1.0 * t, 40 + 2.0 * t]) + _noise(2, 40) * 0.01
    new = np.full((2, 40), NAN)
    new[0, -4:] = [4, 0, 2, 2]  # own mean 2 per period since its first record
    new[1, -2:] = [6, 0]  # own mean 3; its group has no established row
    result = forecast_portfolio(
        np.vstack([established, new]), horizon=5, holdout=5, group=[1, 1, 1, 2]
    )
    assert list(result.demand_class) == ["smooth", "smooth", "new", "new"]
    assert list(result.method[2:]) == ["category_profile"] * 2
    shape = (result.forecast[:2] / result.forecast[:2].mean(axis=1, keepdims=True)).mean(axis=0)
    np.testing.assert_allclose(result.forecast[2], 2 * shape)
    np.testing.assert_allclose(result.forecast[3], [3.0] * 5)
    np.testing.assert_allclose(result.level[2:], [2, 3])
    assert np.all(np.diff(result.forecast[2]) > 0)  # the group's rising profile


def test_empty_rows_forecast_zero():
    history = np.vstack([np.zeros(30), np.full(30, NAN), 5 + _noise(1, 30)[0]])
    result = forecast_portfolio(history, horizon=4)
    assert list(result.demand_class[:2]) == ["no_demand", "no_demand"]
    assert list(result.method[:2]) == ["zero", "zero"]
    assert not result.forecast[:2].any() and not result.upper[:2].any()
    assert list(result.periods) == [30, 0, 30]  # periods since the first record


def test_one_row_at_a_time_agrees_with_all_rows():
    rng = np.random.default_rng(9)
    smooth = 20 + 3 * _noise(4, 120)
    sparse = np.where(rng.random((4, 120)) < 0.3, rng.integers(1, 9, (4, 120)), 0.0)
    history = np.vstack([smooth, sparse])
    history[1, :50] = NAN  # starts later
    history[5, :100] = NAN
    history[5, 100] = 2
    together = forecast_portfolio(history, horizon=8, season_length=52)
    for row in range(len(history)):
        alone = forecast_portfolio(history[row : row + 1], horizon=8, season_length=52)
        assert alone.method[0] == together.method[row]
        np.testing.assert_allclose(alone.forecast[0], together.forecast[row])
        np.testing.assert_allclose(alone.upper[0], together.upper[row])
        np.testing.assert_allclose(alone.holdout_mase[0], together.holdout_mase[row])


def test_the_engine_imports_no_django():
    code = "import sys, demand.forecasting; print('django' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_rows_too_short_for_a_holdout_take_ses_or_sba():
    history = np.array([[5.0, 6, 5, 4, 6, 5, 5, 6, 4, 5], [3.0, 0, 0, 3, 0, 0, 3, 0, 0, 3]])
    result = forecast_portfolio(history, horizon=2, holdout=13)
    assert list(result.demand_class) == ["smooth", "intermittent"]
    assert list(result.method) == ["ses", "sba"]
    assert np.isnan(result.holdout_mase).all()
