"""Statistical forecasts of a demand chunk: seasonal simple exponential smoothing.

The level is smoothed on deseasonalised demand (``y / season``) with ``alpha`` = 0.2 and the
forecast of week t is ``level(t-1) * season(t)`` (Hyndman & Athanasopoulos, *Forecasting:
Principles and Practice*, 3rd ed., section 8.1). Promotions are unknown to the model, so
promotion weeks are under-forecast, as in practice. Quantities in units per week.
"""

from dataclasses import dataclass

import numpy as np

from inventory.demo.demand import DemandChunk
from inventory.demo.spec import FORECAST_HORIZON_WEEKS, LAG_FORECAST_WEEKS

ALPHA = 0.2
INITIAL_WEEKS = 13
"""The level starts at the mean of the first this-many weeks of each series."""


@dataclass(frozen=True)
class Forecasts:
    """Forecast rows of a chunk: positions into the chunk's SKU-locations and week indices."""

    sku_location: np.ndarray  # row of the chunk
    week: np.ndarray  # week index forecast (history weeks for lag-1, >= weeks for future)
    as_of_week: np.ndarray  # week index whose Monday is the as-of date
    quantity: np.ndarray


def _initial_level(deseasonalised: np.ndarray, present: np.ndarray) -> np.ndarray:
    rank = np.cumsum(present, axis=1)
    first = present & (rank <= INITIAL_WEEKS)
    return (deseasonalised * first).sum(axis=1) / np.maximum(first.sum(axis=1), 1)


def _levels_before(chunk: DemandChunk) -> tuple[np.ndarray, np.ndarray]:
    """Level before each history week (rows x weeks) and the level after the last week."""
    weeks = chunk.quantity.shape[1]
    deseasonalised = chunk.quantity / chunk.season[:, :weeks]
    level = _initial_level(deseasonalised, chunk.present)
    before = np.empty_like(deseasonalised)
    for week in range(weeks):  # loop over weeks, vectorized over SKU-locations
        before[:, week] = level
        step = ALPHA * (deseasonalised[:, week] - level)
        level = np.where(chunk.present[:, week], level + step, level)
    return before, level


def forecasts_of(chunk: DemandChunk) -> Forecasts:
    """Lag-1 forecasts of the last history weeks and the future horizon as of the end date.

    Lag-1 forecasts exist where the week and the week before both have history; future
    forecasts exist for SKU-locations with any history.
    """
    weeks = chunk.quantity.shape[1]
    before, final = _levels_before(chunk)
    lag_weeks = np.arange(max(1, weeks - LAG_FORECAST_WEEKS), weeks)
    lag_ok = chunk.present[:, lag_weeks] & chunk.present[:, lag_weeks - 1]
    lag_rows, lag_cols = np.nonzero(lag_ok)
    lag_week = lag_weeks[lag_cols]
    lag_qty = before[lag_rows, lag_week] * chunk.season[lag_rows, lag_week]
    future_rows = np.repeat(np.flatnonzero(chunk.present.any(axis=1)), FORECAST_HORIZON_WEEKS)
    future_week = np.tile(
        weeks + np.arange(FORECAST_HORIZON_WEEKS), len(future_rows) // FORECAST_HORIZON_WEEKS
    )
    future_qty = final[future_rows] * chunk.season[future_rows, future_week]
    rows = np.concatenate([lag_rows, future_rows])
    week = np.concatenate([lag_week, future_week])
    order = np.lexsort((week, rows))  # natural-key order helps the index build
    return Forecasts(
        sku_location=rows[order],
        week=week[order],
        as_of_week=np.concatenate([lag_week - 1, np.full(len(future_rows), weeks)])[order],
        quantity=np.round(np.maximum(np.concatenate([lag_qty, future_qty]), 0), 2)[order],
    )
