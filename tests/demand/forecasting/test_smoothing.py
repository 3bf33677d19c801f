"""SES by hand; Holt (damped) and Holt-Winters (additive, damped) against statsmodels with the
same fixed parameters and initial states."""

import numpy as np
import pytest
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from demand.forecasting.smoothing import _start_line, holt, holt_winters, ses, variance_factor


def _one(*values):
    return tuple(np.array([v]) for v in values)


def test_ses_by_hand():
    y = np.array([[3.0, 5, 4, 6, 2, 4]])
    fit = ses(y, np.array([6]), horizon=3, alphas=np.array([0.5]))
    # ℓ0 = mean of the first min(10, 6) periods = 4; ℓ_t = ℓ_{t−1} + 0.5 e_t:
    # e = −1, 1.5, −0.25, 1.875, −3.0625, 0.46875 → ℓ = 3.5, 4.25, 4.125, 5.0625, 3.53125, 3.765625
    sse = 1 + 2.25 + 0.0625 + 3.515625 + 9.37890625 + 0.2197265625
    assert fit.level[0] == pytest.approx(3.765625)
    np.testing.assert_allclose(fit.forecast, [[3.765625] * 3])
    assert fit.sigma[0] == pytest.approx(np.sqrt(sse / 6))
    # σ_h = σ √(1 + (h − 1) α²)
    np.testing.assert_allclose(fit.sd[0], np.sqrt(sse / 6) * np.sqrt([1, 1.25, 1.5]))
    assert np.isnan(fit.beta[0]) and np.isnan(fit.gamma[0])


def test_ses_picks_the_alpha_with_the_least_sse():
    y = np.array([[3.0, 5, 4, 6, 2, 4], [1, 2, 3, 4, 5, 6]])
    fit = ses(y, np.array([6, 6]), horizon=1, alphas=np.array([0.1, 0.9]))
    # A noisy flat row wants little smoothing weight on the latest value; a ramp, a lot.
    np.testing.assert_array_equal(fit.alpha, [0.1, 0.9])


@pytest.fixture
def seasonal():
    rng = np.random.default_rng(1)
    t = np.arange(24)
    return 10 + 0.3 * t + np.tile([2, -1, 0.5, -1.5], 6) + rng.normal(0, 0.5, 24)


def test_holt_damped_matches_statsmodels(seasonal):
    y, n = seasonal[None, :], np.array([24])
    fit = holt(y, n, horizon=6, params=_one(0.3, 0.1, 0.95))
    level0, trend0 = _start_line(y, n)
    reference = ExponentialSmoothing(
        seasonal,
        trend="add",
        damped_trend=True,
        initialization_method="known",
        initial_level=level0[0],
        initial_trend=trend0[0],
    ).fit(smoothing_level=0.3, smoothing_trend=0.1, damping_trend=0.95, optimized=False)
    np.testing.assert_allclose(fit.forecast[0], reference.forecast(6), atol=1e-6)
    assert fit.sigma[0] ** 2 * 24 == pytest.approx(reference.sse, abs=1e-6)
    assert fit.level[0] == pytest.approx(reference.level[-1], abs=1e-6)


def test_holt_winters_matches_statsmodels(seasonal):
    m = 4
    fit = holt_winters(seasonal[None, :], np.array([24]), 7, m, params=_one(0.3, 0.1, 0.95, 0.2))
    level0 = seasonal[:m].mean()
    reference = ExponentialSmoothing(
        seasonal,
        trend="add",
        damped_trend=True,
        seasonal="add",
        seasonal_periods=m,
        initialization_method="known",
        initial_level=level0,
        initial_trend=0.0,
        initial_seasonal=seasonal[:m] - level0,
    ).fit(
        smoothing_level=0.3,
        smoothing_trend=0.1,
        smoothing_seasonal=0.2,
        damping_trend=0.95,
        optimized=False,
    )
    # statsmodels 0.15 reads the previous cycle's seasonal at h = m, 2m, … (statsmodels
    # issue #9538, fixed by PR #10230); FPP3's s_{n+h−m(k+1)} is what we use, so compare the
    # other steps.
    steps = [0, 1, 2, 4, 5, 6]
    np.testing.assert_allclose(fit.forecast[0, steps], reference.forecast(7)[steps], atol=1e-6)
    # The first season is fitted exactly by the initial states; σ counts the 20 others.
    assert fit.sigma[0] ** 2 * 20 == pytest.approx(reference.sse, abs=1e-6)
    assert fit.level[0] == pytest.approx(reference.level[-1], abs=1e-6)


def test_variance_factor_is_one_a_step_ahead_and_grows():
    h = np.arange(1, 30, dtype=np.float64)
    factor = variance_factor(h, 0.3, 0.03, 0.95, 0.2, 12)
    assert factor[0] == pytest.approx(1.0)
    assert np.all(np.diff(factor) > 0)
    # No trend, no season: SES, 1 + (h − 1) α².
    np.testing.assert_allclose(variance_factor(h, 0.3, 0.0, 1.0, 0.0, 1), 1 + (h - 1) * 0.09)
