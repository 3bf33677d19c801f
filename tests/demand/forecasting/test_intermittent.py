"""Croston, SBA and TSB on a short series, by hand (α = 0.5; TSB β = 0.2)."""

import numpy as np
import pytest

from demand.forecasting.intermittent import croston, tsb

Y = np.array([[4.0, 0, 0, 2, 0, 6]])
N = np.array([6])
# Initial states, the in-sample means: size z0 = (4 + 2 + 6) / 3 = 4, interval p0 = ADI
# = 6 / 3 = 2, probability π0 = 3 / 6 = 0.5.


def test_croston_and_sba_by_hand():
    plain, sba = croston(Y, N, horizon=3, alphas=np.array([0.5]))
    # t0: demand 4, the first (its interval unknown): z = 4, p = 2. Forecast 2.
    # t1, t2: no demand. Forecast 2.
    # t3: demand 2 after 3 periods: z = 4 + 0.5 (2 − 4) = 3, p = 2 + 0.5 (3 − 2) = 2.5.
    # t4: forecast 3 / 2.5 = 1.2. t5: demand 6 after 2: z = 4.5, p = 2.25 → 2 per period.
    np.testing.assert_allclose(plain.forecast, [[2.0, 2.0, 2.0]])
    sse = 2**2 + 2**2 + 2**2 + 0**2 + 1.2**2 + 4.8**2
    assert plain.sigma[0] == pytest.approx(np.sqrt(sse / 6))
    # SBA: Croston's times 1 − α/2 = 0.75: forecasts 1.5, 1.5, 1.5, 1.5, 0.9, 0.9 in sample.
    np.testing.assert_allclose(sba.forecast, [[1.5, 1.5, 1.5]])
    sse_sba = 2.5**2 + 1.5**2 + 1.5**2 + 0.5**2 + 0.9**2 + 5.1**2
    assert sba.sigma[0] == pytest.approx(np.sqrt(sse_sba / 6))
    # Interval approximation: σ √(1 + (h − 1) α²).
    np.testing.assert_allclose(sba.sd[0], sba.sigma[0] * np.sqrt([1, 1.25, 1.5]))
    assert sba.alpha[0] == 0.5 and np.isnan(sba.beta[0])


def test_tsb_by_hand():
    fit = tsb(Y, N, horizon=2, params=(np.array([0.5]), np.array([0.2])))
    # π moves towards 1 in periods with demand and towards 0 in the others (β = 0.2); z moves
    # towards the size in periods with demand (α = 0.5). Forecast π z, before the update.
    pi, z, sse = 0.5, 4.0, 0.0
    for y, next_pi, next_z in [
        (4, 0.6, 4.0),
        (0, 0.48, 4.0),
        (0, 0.384, 4.0),
        (2, 0.5072, 3.0),
        (0, 0.40576, 3.0),
        (6, 0.524608, 4.5),
    ]:
        sse += (y - pi * z) ** 2
        pi, z = next_pi, next_z
    np.testing.assert_allclose(fit.forecast, [[0.524608 * 4.5] * 2])
    assert fit.sigma[0] == pytest.approx(np.sqrt(sse / 6))
    assert (fit.alpha[0], fit.beta[0]) == (0.5, 0.2)


def test_grid_choice_and_rows_past_their_end_are_ignored():
    # Row 1 is row 0 with trailing junk past its n: same fit.
    y = np.vstack([np.pad(Y[0], (0, 3)), np.r_[Y[0], 50, 50, 50]])
    plain, _ = croston(y, np.array([6, 6]), horizon=1)
    np.testing.assert_allclose(plain.forecast[0], plain.forecast[1])
    assert plain.alpha[0] == plain.alpha[1]
