"""Row-wise forecast-error metrics (pure numpy), NaN-aware.

``actual`` and ``forecast`` are rows × periods; a pair counts only where both are known. Each
metric is NaN where it is undefined (no pair, or a zero denominator). Definitions follow
Hyndman & Koehler (2006), "Another look at measures of forecast accuracy", *International
Journal of Forecasting* 22(4); WAPE (sum of absolute errors over the sum of actuals) and bias
(signed errors over the sum of actuals, positive = over-forecast) are the planners' usual
scale-free totals.
"""

import numpy as np
from numpy.typing import ArrayLike, NDArray


def _pairs(actual: ArrayLike, forecast: ArrayLike) -> tuple[NDArray, NDArray, NDArray]:
    """(actual, error f − a, known) as rows × periods, 0 where the pair is not known."""
    a = np.atleast_2d(np.asarray(actual, dtype=np.float64))
    f = np.atleast_2d(np.asarray(forecast, dtype=np.float64))
    a, f = np.broadcast_arrays(a, f)
    known = ~(np.isnan(a) | np.isnan(f))
    return np.where(known, a, 0.0), np.where(known, f - a, 0.0), known


def _ratio(num: NDArray, den: NDArray) -> NDArray:
    """num / den per row, NaN where den is 0 or not finite."""
    ok = np.isfinite(den) & (den != 0)
    return np.where(ok, num / np.where(ok, den, 1.0), np.nan)


def bias(actual: ArrayLike, forecast: ArrayLike) -> NDArray:
    """Σ(f − a) / Σa per row (positive = over-forecast)."""
    a, e, _ = _pairs(actual, forecast)
    return _ratio(e.sum(axis=1), a.sum(axis=1))


def wape(actual: ArrayLike, forecast: ArrayLike) -> NDArray:
    """Σ|f − a| / Σa per row (weighted absolute percentage error)."""
    a, e, _ = _pairs(actual, forecast)
    return _ratio(np.abs(e).sum(axis=1), a.sum(axis=1))


def mape(actual: ArrayLike, forecast: ArrayLike) -> NDArray:
    """Mean of |f − a| / a over the periods with a > 0, per row."""
    a, e, known = _pairs(actual, forecast)
    positive = known & (a > 0)
    ape = np.where(positive, np.abs(e) / np.where(positive, a, 1.0), 0.0)
    return _ratio(ape.sum(axis=1), positive.sum(axis=1).astype(np.float64))


def rmse(actual: ArrayLike, forecast: ArrayLike) -> NDArray:
    """√(mean (f − a)²) per row."""
    _, e, known = _pairs(actual, forecast)
    return np.sqrt(_ratio((e**2).sum(axis=1), known.sum(axis=1).astype(np.float64)))


def naive_mae(insample: ArrayLike, season: int = 1) -> NDArray:
    """In-sample MAE of the seasonal-naive forecast y_t = y_{t−season} per row (the MASE
    scale), over the periods where both values are known; NaN with no such pair."""
    y = np.atleast_2d(np.asarray(insample, dtype=np.float64))
    if y.shape[1] <= season:
        return np.full(len(y), np.nan)
    _, e, known = _pairs(y[:, :-season], y[:, season:])
    return _ratio(np.abs(e).sum(axis=1), known.sum(axis=1).astype(np.float64))


def mase(actual: ArrayLike, forecast: ArrayLike, insample: ArrayLike, season: int = 1) -> NDArray:
    """Mean absolute scaled error: MAE of the forecast over the in-sample MAE of the
    (seasonal-)naive forecast (Hyndman & Koehler 2006, eq. 6); NaN where that scale is 0 or
    undefined."""
    _, e, known = _pairs(actual, forecast)
    mae = _ratio(np.abs(e).sum(axis=1), known.sum(axis=1).astype(np.float64))
    return _ratio(mae, naive_mae(insample, season))
