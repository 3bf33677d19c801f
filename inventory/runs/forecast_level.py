"""The demand level a run plans for, from the batch's forward forecast (pure numpy).

Each row's level is f = the forecast's mean per period over its protection interval L + R
(engine ``forward_mean``; Silver, Pyke & Thomas, 4th ed., §4.7): the approved consensus of a
period where there is one, else its statistical baseline. A row without a forward forecast
keeps its history's level. How the level enters each demand model is :func:`at_level`.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from inventory.engine import PolicyInputs
from inventory.engine.demand import demand_statistics
from inventory.engine.forecast_demand import forward_mean, interval_weights
from inventory.engine.from_history import EMPIRICAL_MIN_PERIODS, clean_history

CONSENSUS, STATISTICAL, HISTORY = "consensus", "statistical", "history"


@dataclass(frozen=True)
class ForecastLevel:
    """Per planned row: the forward forecast (rows × horizon, NaN = none; 0 columns without
    forecasts), whether a promotion covers each period, the level f (units per period over
    L + R, NaN where the row has no forecast) and where it came from ('consensus' if any
    period of the interval used the consensus, else 'statistical', else 'history')."""

    forward: NDArray[np.float64]
    promotion: NDArray[np.bool_]
    mean: NDArray[np.float64]
    source: NDArray[np.str_]

    @property
    def known(self) -> NDArray[np.bool_]:
        """Rows planned at their forecast's level."""
        return ~np.isnan(self.mean)


def forecast_level(
    forward: NDArray | None,
    forward_source: NDArray | None,
    promotion: NDArray | None,
    x: PolicyInputs,
) -> ForecastLevel:
    """The :class:`ForecastLevel` of ``x``'s rows from their forward forecast, its source per
    period and promotion flags (rows × horizon, aligned with ``x``; None: no forecasts)."""
    n = len(x)
    if forward is None or forward.shape[1] == 0:
        empty = np.zeros((n, 0))
        return ForecastLevel(empty, empty.astype(bool), np.full(n, np.nan), np.full(n, HISTORY))
    interval = x.lead_time_mean + x.review_period
    mean = forward_mean(forward, interval)
    safe = np.where(np.isfinite(interval) & (interval > 0), interval, 1.0)
    used = (interval_weights(safe, forward.shape[1]) > 0) & ~np.isnan(forward)
    consensus = (used & (forward_source == CONSENSUS)).any(axis=1)
    source = np.where(np.isnan(mean), HISTORY, np.where(consensus, CONSENSUS, STATISTICAL))
    return ForecastLevel(forward, promotion, mean, source)


def at_level(history: NDArray, level: NDArray) -> tuple[NDArray, NDArray]:
    """(history, demand mean) that put each row at ``level`` (NaN: the history's own).

    A row with a level and at least ``EMPIRICAL_MIN_PERIODS`` periods of positive mean m
    keeps its empirical shape at the forecast's level: its history times f / m (the engine
    then finds mean f, and the distribution its pattern calls for). Any other row with a
    level keeps its history and gets f as the caller's mean (the engine keeps 'auto' for
    it: the history's shape would not match). Rows without a level are left alone."""
    stats = demand_statistics(clean_history(history)[0])
    known = ~np.isnan(level)
    scaled = known & (stats.mean > 0) & (stats.periods >= EMPIRICAL_MIN_PERIODS)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(scaled, level / stats.mean, 1.0)
    mean = np.where(known & ~scaled, level, np.nan)
    return history * factor[:, None], mean
