"""Exponential smoothing over all rows at once (pure numpy): simple (SES), Holt's damped
additive trend and Holt-Winters additive seasonal with a damped trend.

One recursion serves all three, in the error-correction form of the additive ETS models
(Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed. (FPP3), §8.1–8.3,
§8.5): with ŷ_t = ℓ_{t−1} + φ b_{t−1} + s_{t−m} and e_t = y_t − ŷ_t,

    ℓ_t = ℓ_{t−1} + φ b_{t−1} + α e_t,   b_t = φ b_{t−1} + α β* e_t,   s_t = s_{t−m} + γ e_t,

equal to the component form ℓ_t = α(y_t − s_{t−m}) + (1 − α)(ℓ_{t−1} + φ b_{t−1}),
b_t = β*(ℓ_t − ℓ_{t−1}) + (1 − β*) φ b_{t−1}, s_t = γ(y_t − ℓ_{t−1} − φ b_{t−1}) + (1 − γ) s_{t−m}
(statsmodels' ExponentialSmoothing uses the same).
Forecast: ℓ_n + (φ + … + φ^h) b_n + s_{n+h−m(k+1)}.

Initial states: FPP3 ch. 8 estimates them with the parameters; we use the heuristic starting
values of Hyndman, Koehler, Ord & Snyder (2008), *Forecasting with Exponential Smoothing*,
§2.6.1, which R's ``ets`` starts its optimisation from: SES ℓ_0 = mean of the first
min(10, n) periods; Holt ℓ_0, b_0 = intercept and slope of a least-squares line through them.
Holt-Winters: ℓ_0 = mean of the first season, s = its deviations from that mean, b_0 = 0
(the first season is then fitted exactly and its zero errors are left out of σ).

Parameters: per row, the grid point with the least in-sample one-step SSE (the grid is an
extra array axis). Prediction-error variance per step h: σ² c_h² with c_h² of ETS(A,Ad,A),
FPP3 Table 8.8 (β = α β*; SES: c_h² = 1 + (h − 1) α²).
"""

import numpy as np
from numpy.typing import NDArray

from demand.forecasting.fit import Fit, best, grid, sigma, steps, take

START_PERIODS = 10
SES_GRID = grid((0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9))
HOLT_GRID = grid((0.1, 0.2, 0.4, 0.7), (0.01, 0.05, 0.15), (0.9, 0.98))
"""α, β*, φ."""
HW_GRID = grid((0.1, 0.3, 0.6), (0.01, 0.1), (0.98,), (0.05, 0.2))
"""α, β*, φ, γ."""


def variance_factor(h: NDArray, alpha, beta, phi, gamma, m: int) -> NDArray:
    """c_h² of ETS(A,Ad,A) (FPP3 Table 8.8) with the ETS trend constant ``beta`` = α β*;
    ``beta`` = 0 drops the trend terms, ``gamma`` = 0 the seasonal ones."""
    k = np.floor((h - 1) / m)
    phi = np.where(phi < 1, phi, 0.5)  # no trend (β = 0): any φ < 1 zeroes its terms
    q = 1 - phi
    trend = beta * phi * h / q**2 * (2 * alpha * q + beta * phi) - beta * phi * (1 - phi**h) / (
        q**2 * (1 - phi**2)
    ) * (2 * alpha * (1 - phi**2) + beta * phi * (1 + 2 * phi - phi**h))
    seasonal = gamma * k * (2 * alpha + gamma) + 2 * beta * gamma * phi / (q * (1 - phi**m)) * (
        k * (1 - phi**m) - phi**m * (1 - phi ** (m * k))
    )
    return 1 + alpha**2 * (h - 1) + trend + seasonal


def _start_line(y: NDArray, n: NDArray) -> tuple[NDArray, NDArray]:
    """Intercept (at t = 0) and slope of least squares through the first min(10, n) periods
    at t = 1, 2, …; slope 0 with a single period."""
    k = min(START_PERIODS, y.shape[1])
    w = (np.arange(k) < np.minimum(n, START_PERIODS)[:, None]).astype(np.float64)
    t = np.arange(1, k + 1, dtype=np.float64)[None, :]
    v = np.where(w > 0, y[:, :k], 0.0)
    count = w.sum(axis=1)
    t_mean = (w * t).sum(axis=1) / count
    v_mean = v.sum(axis=1) / count
    sxx = (w * (t - t_mean[:, None]) ** 2).sum(axis=1)
    sxy = (w * (t - t_mean[:, None]) * (v - v_mean[:, None])).sum(axis=1)
    slope = np.where(sxx > 0, sxy / np.where(sxx > 0, sxx, 1.0), 0.0)
    return v_mean - slope * t_mean, slope


def _smooth(y, n, horizon, params, level0, trend0=None, season0=None) -> Fit:
    """The recursion over the grid ``params`` = (α, β*, φ, γ) for left-packed ``y`` (0 past
    each row's ``n``), the best grid point per row, its forecast and error sd."""
    alpha, beta_star, phi, gamma = (p[None, :] for p in params)
    beta = alpha * beta_star
    rows, width = len(y), alpha.shape[1]
    level = np.repeat(level0[:, None], width, axis=1)
    trend = None if trend0 is None else np.repeat(trend0[:, None], width, axis=1)
    season = None if season0 is None else np.repeat(season0[:, None, :], width, axis=1)
    m = 1 if season0 is None else season0.shape[1]
    skip = 0 if season0 is None else m
    sse = np.zeros((rows, width))
    for t in range(int(n.max(initial=0))):
        active = (t < n)[:, None]
        pred = level if trend is None else level + phi * trend
        if season is not None:
            pred = pred + season[:, :, t % m]
        err = np.where(active, y[:, t, None] - pred, 0.0)
        if t >= skip:
            sse += err * err
        if trend is None:
            level = level + alpha * err
        else:
            level = level + np.where(active, phi * trend, 0.0) + alpha * err
            trend = np.where(active, phi, 1.0) * trend + beta * err
        if season is not None:
            season[:, :, t % m] += gamma * err
    column = best(sse)
    a, bs, ph, g = (np.broadcast_to(p, (rows, width))[np.arange(rows), column] for p in params)
    h = steps(horizon)
    forecast = np.repeat(take(level, column)[:, None], horizon, axis=1)
    if trend is not None:
        damped = np.cumsum(ph[:, None] ** h, axis=1)
        forecast = forecast + damped * take(trend, column)[:, None]
    if season is not None:
        slots = (n[:, None] + h.astype(np.int64) - 1) % m
        forecast = forecast + np.take_along_axis(take(season, column), slots, axis=1)
    sd = sigma(take(sse, column), n - skip)
    factor = variance_factor(h, a[:, None], (a * bs)[:, None], ph[:, None], g[:, None], m)
    unused = np.full(rows, np.nan)
    return Fit(
        alpha=a,
        beta=unused if trend is None else bs,
        gamma=unused if season is None else g,
        level=take(level, column),
        sigma=sd,
        forecast=forecast,
        sd=sd[:, None] * np.sqrt(factor),
    )


def _zeros(size: int) -> NDArray:
    return np.zeros(size)


def ses(y: NDArray, n: NDArray, horizon: int, alphas: NDArray = SES_GRID[0]) -> Fit:
    """Simple exponential smoothing (ETS(A,N,N)) of left-packed ``y`` over ``n`` periods."""
    k = np.minimum(n, START_PERIODS)
    first = np.where(np.arange(y.shape[1]) < k[:, None], y, 0.0)
    level0 = first.sum(axis=1) / np.maximum(k, 1)
    params = (alphas, _zeros(len(alphas)), _zeros(len(alphas)), _zeros(len(alphas)))
    return _smooth(y, n, horizon, params, level0)


def holt(y: NDArray, n: NDArray, horizon: int, params: tuple = HOLT_GRID) -> Fit:
    """Holt's damped additive trend (ETS(A,Ad,N)); ``params`` = (α, β*, φ) grid."""
    level0, trend0 = _start_line(y, n)
    return _smooth(y, n, horizon, (*params, _zeros(len(params[0]))), level0, trend0)


def holt_winters(y: NDArray, n: NDArray, horizon: int, m: int, params: tuple = HW_GRID) -> Fit:
    """Holt-Winters additive seasonal with a damped trend (ETS(A,Ad,A)), season length ``m``;
    ``params`` = (α, β*, φ, γ) grid. Every row needs n > m."""
    level0 = y[:, :m].mean(axis=1)
    season0 = y[:, :m] - level0[:, None]
    return _smooth(y, n, horizon, params, level0, _zeros(len(y)), season0)
