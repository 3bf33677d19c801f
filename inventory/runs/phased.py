"""Time-phased policies of seasonal and promoted SKU-locations (pure numpy).

Seed 004 asks for "policy outputs per SKU-location-period". For a row whose forward forecast
is promoted (a promotion in the horizon) or seasonal (the interval mean
f_t = ``forward_mean(forecast, L + R, start=t)`` moves more than :data:`PHASE_VARIATION`
from the level now, f_0), every horizon period t gets its own safety stock, reorder point
and order-up-to level: the run's model at demand f_t with the same σ and target (Silver,
Pyke & Thomas, 4th ed., §4.7: with a time-varying forecast, the reorder point of a period
covers the forecast of the lead time that starts then). The rows × periods are stacked and
computed in one call of the model.

Pre-build: an order placed now arrives in period ceil(L), so it must also cover that
period's levels; where they are higher than today's, the order now is computed against
them (:func:`pre_built`), with the engine's rounding.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
from numpy.typing import NDArray

from inventory.engine import PolicyInputs, PolicyResult
from inventory.engine.forecast_demand import forward_mean
from inventory.engine.policies import order_now
from inventory.runs.forecast_level import ForecastLevel

PHASE_VARIATION = 0.10
"""A row is seasonal when some f_t lies more than this share away from f_0."""

Model = Callable[[NDArray, NDArray], PolicyResult]
"""(rows, their demand level per period: NaN = the history's) → the run's policies of those
rows at that level, with their σ and target (runs.pipeline: every demand model has one)."""


@dataclass(frozen=True)
class Phased:
    """The time-phased rows (indices into the planned rows), per row × period the forecast,
    the promotion flag and the interval level f_t, and the model's policies of the stacked
    rows × periods (row-major)."""

    rows: NDArray[np.int64]
    forecast: NDArray[np.float64]
    promotion: NDArray[np.bool_]
    level: NDArray[np.float64]
    result: PolicyResult

    @property
    def periods(self) -> int:
        return self.forecast.shape[1]

    def grid(self, name: str) -> NDArray[np.float64]:
        """rows × periods of one of the result's fields."""
        return getattr(self.result, name).reshape(len(self.rows), self.periods)


def interval_levels(forward: NDArray, interval: NDArray) -> NDArray[np.float64]:
    """rows × horizon: f_t, the forecast's mean per period over [t, t + ``interval``)."""
    rows, horizon = forward.shape
    start = np.tile(np.arange(horizon, dtype=np.float64), rows)
    stacked = np.repeat(forward, horizon, axis=0)
    return forward_mean(stacked, np.repeat(interval, horizon), start).reshape(rows, horizon)


def phased_policies(level: ForecastLevel, x: PolicyInputs, model: Model) -> Phased | None:
    """The :class:`Phased` policies of the seasonal and promoted rows of ``x`` (None when
    there are none)."""
    known = np.flatnonzero(level.known)
    if not len(known):
        return None
    interval = (x.lead_time_mean + x.review_period)[known]
    f_t = interval_levels(level.forward[known], interval)
    with np.errstate(invalid="ignore", divide="ignore"):
        seasonal = (np.abs(f_t / level.mean[known, None] - 1.0) > PHASE_VARIATION).any(axis=1)
    chosen = seasonal | level.promotion[known].any(axis=1)
    if not chosen.any():
        return None
    rows, f_t = known[chosen], f_t[chosen]
    stacked = np.repeat(rows, f_t.shape[1])
    result = model(stacked, f_t.ravel())
    forecast = level.forward[rows]
    forecast = np.nan_to_num(np.where(np.isnan(forecast), f_t, forecast), nan=0.0)
    return Phased(rows, forecast, level.promotion[rows], f_t, result)


def pre_built(
    result: PolicyResult, phased: Phased, x: PolicyInputs, demand_mean: NDArray
) -> PolicyResult:
    """``result`` with the order now of each phased row raised to cover the levels of the
    period its receipt arrives in, t = ceil(L) (within the horizon), where those are higher;
    ``x`` and ``demand_mean`` (units per period) as the result was computed from."""
    rows = phased.rows
    arrival = np.clip(np.ceil(np.nan_to_num(x.lead_time_mean[rows])), 0, phased.periods - 1)
    at = (np.arange(len(rows)), arrival.astype(np.int64))
    rop_now, top_now = result.reorder_point[rows], result.order_up_to[rows]
    rop, top = phased.grid("reorder_point")[at], phased.grid("order_up_to")[at]
    lifted = (rop > rop_now) | (top > top_now)
    if not lifted.any():
        return result
    order = order_now(
        replace(x.take(rows), demand_mean=demand_mean[rows]),
        np.fmax(rop, rop_now),
        result.order_quantity[rows],
        np.fmax(top, top_now),
    )
    changed = {}
    for name in ("recommended_qty", "periods_until_order"):
        values = getattr(result, name).copy()
        values[rows[lifted]] = order[name][lifted]
        changed[name] = values
    return replace(result, **changed)


def period_columns(phased: Phased | None, as_of: date, period_days: int) -> dict[str, NDArray]:
    """The RecommendationPeriod columns of ``phased``: ``row`` (index into the planned rows),
    ``period_start``, ``forecast``, ``is_promotion``, ``safety_stock``, ``reorder_point``,
    ``order_up_to``; empty columns without phased rows."""
    if phased is None:
        empty = np.zeros(0)
        return {
            "row": empty.astype(np.int64),
            "period_start": np.zeros(0, "datetime64[D]"),
            "forecast": empty,
            "is_promotion": empty.astype(bool),
            **dict.fromkeys(("safety_stock", "reorder_point", "order_up_to"), empty),
        }
    count = phased.periods
    starts = np.datetime64(as_of, "D") + np.arange(count) * period_days
    return {
        "row": np.repeat(phased.rows, count),
        "period_start": np.tile(starts, len(phased.rows)),
        "forecast": phased.forecast.ravel(),
        "is_promotion": phased.promotion.ravel(),
        "safety_stock": phased.result.safety_stock,
        "reorder_point": phased.result.reorder_point,
        "order_up_to": phased.result.order_up_to,
    }
