"""The forecast-error σ per period that the engine receives as ``demand_sd``.

Signature (pure numpy; no Django)::

    lead_time_error_sd(
        actual,              # rows × periods, NaN = no demand row
        forecasts_by_lag,    # {lag k: rows × periods}: the forecast of each period made k
                             # periods before it (demand.selectors.forecasts_latest_before_period)
        lead_time_periods,   # per row, in periods (float)
        min_pairs=8,         # fewest (actual, forecast) periods for an RMSE
    ) -> LeadTimeErrorSd     # .sd (units per period, NaN: too few pairs), .lag (0: none), .pairs

The σ that fits the protection interval is that of the forecasts made as far ahead as the
lead time: a replenishment decision rests on forecasts of the periods a lead time away, so
their error, not the one-step error, is what safety stock must cover (Silver, Pyke & Thomas,
*Inventory and Production Management in Supply Chains*, 4th ed., §4.7: estimate σ from the
errors of forecasts made one lead time ahead). Per row, with L = round(lead time) (half up,
at least 1): the RMSE of the lag-L forecasts where ``forecasts_by_lag`` holds lag L and it
has at least ``min_pairs`` periods with both an actual and a forecast; else the RMSE of the
lag-1 forecasts on the same condition; else NaN (the caller keeps the history's sd). The
RMSE is :func:`inventory.engine.history.forecast_error_sd`'s. It stays a per-period σ: the
engine scales it over L + R periods as it does any ``demand_sd``.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from inventory.engine.history import MIN_FORECAST_PAIRS, forecast_error_sd


@dataclass(frozen=True)
class LeadTimeErrorSd:
    """Per row: σ of forecast error per period (units; NaN where no lag has enough pairs),
    the lag it came from (0: none) and the number of periods behind it."""

    sd: NDArray[np.float64]
    lag: NDArray[np.int64]
    pairs: NDArray[np.int64]


def lead_time_lag(lead_time_periods: ArrayLike) -> NDArray[np.int64]:
    """The lag matching each lead time: round half up, at least 1 period."""
    lead = np.nan_to_num(np.asarray(lead_time_periods, dtype=np.float64), nan=1.0)
    return np.maximum(np.floor(lead + 0.5), 1).astype(np.int64)


def lead_time_error_sd(
    actual: ArrayLike,
    forecasts_by_lag: Mapping[int, ArrayLike],
    lead_time_periods: ArrayLike,
    min_pairs: int = MIN_FORECAST_PAIRS,
) -> LeadTimeErrorSd:
    """σ of forecast error per period over the lead-time horizon: the lag-L RMSE, else the
    lag-1 RMSE (module docstring). ``forecasts_by_lag`` must hold lag 1."""
    a = np.atleast_2d(np.asarray(actual, dtype=np.float64))
    wanted = lead_time_lag(lead_time_periods) * np.ones(len(a), np.int64)
    sd, pairs = forecast_error_sd(a, forecasts_by_lag[1], min_pairs)
    lag = np.where(np.isnan(sd), 0, 1)
    for k in np.unique(wanted[wanted > 1]).tolist():
        if k not in forecasts_by_lag:
            continue
        rows = np.flatnonzero(wanted == k)
        k_sd, k_pairs = forecast_error_sd(
            a[rows], np.atleast_2d(forecasts_by_lag[k])[rows], min_pairs
        )
        known = ~np.isnan(k_sd)
        sd[rows[known]], pairs[rows[known]], lag[rows[known]] = k_sd[known], k_pairs[known], k
    return LeadTimeErrorSd(sd=sd, lag=lag.astype(np.int64), pairs=pairs.astype(np.int64))
