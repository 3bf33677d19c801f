"""Demand over the protection interval from a forward forecast (pure numpy).

A row's forecast is a vector of the coming periods' demand (units per period, period 0 first).
The engine plans for the lead time + review period L + R: the demand per period it uses is the
forecast's mean over the first L + R periods, the last period counted by its fraction
(Silver, Pyke & Thomas, *Inventory and Production Management in Supply Chains*, 4th ed.,
§4.7: with a time-varying forecast, the reorder point covers the forecast of the lead time).
Beyond the forecast's horizon, its last period repeats.
"""

import numpy as np
from numpy.typing import ArrayLike, NDArray


def interval_weights(periods: ArrayLike, horizon: int, start: ArrayLike = 0) -> NDArray:
    """rows × horizon weights of the periods [start, start + periods): 1 for whole periods,
    the fraction for the last one, 0 elsewhere; the horizon's last column takes what lies
    beyond it."""
    periods = np.atleast_1d(np.asarray(periods, dtype=np.float64))
    start = np.broadcast_to(np.asarray(start, dtype=np.float64), periods.shape)
    j = np.arange(horizon, dtype=np.float64)
    end = start[:, None] + periods[:, None]
    weights = np.clip(np.minimum(j + 1, end) - np.maximum(j, start[:, None]), 0.0, 1.0)
    weights[:, -1] += np.maximum(end[:, 0] - horizon, 0.0) - np.maximum(start - horizon, 0.0)
    return weights


def forward_mean(forecast: ArrayLike, periods: ArrayLike, start: ArrayLike = 0) -> NDArray:
    """Mean demand per period of each row's ``forecast`` (rows × horizon, NaN = none) over
    [start, start + periods); NaN where the row has no forecast or ``periods`` is not
    positive."""
    f = np.atleast_2d(np.asarray(forecast, dtype=np.float64))
    periods = np.broadcast_to(np.asarray(periods, dtype=np.float64), (len(f),))
    valid = np.isfinite(periods) & (periods > 0)
    safe = np.where(valid, periods, 1.0)
    weights = interval_weights(safe, f.shape[1], start)
    known = ~np.isnan(f)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (np.where(known, f, 0.0) * weights).sum(axis=1) / (weights * known).sum(axis=1)
    return np.where(valid & known.any(axis=1), mean, np.nan)
