"""Portfolio service levels over a population too large for one array: one multiplier for all
batches, found in two passes (a run over a million SKU-locations plans in batches).

1. Each batch computes its rows' curves (``service_levels.portfolio_curves``) and
   summarizes its steps (:func:`summarize_steps`): for every efficiency threshold of a fixed
   grid (``THRESHOLDS``), the units short a period its steps at or above that efficiency
   remove and the stock value they add — a few kilobytes, whatever the batch's size.
2. The summaries add up (:meth:`StepSummary.__add__`); :func:`threshold_for` finds the one
   threshold (the Lagrange multiplier's inverse) at which the whole population reaches the
   aggregate fill, or stays within the budget.
3. Each batch takes its steps at or above that threshold (:func:`chosen_at`) and finalizes
   its rows (``service_levels.finalize``).

Taking every step at or above one threshold is the Lagrangian solution of the whole
population (ironed efficiencies make each row's steps a prefix), the same as the one sort of
``optimize_service_levels`` up to the grid: neighbouring thresholds differ by 1.2 %. For an
aggregate fill the threshold is interpolated between the
two around it, so the steps in between are shared out and the fill lands close to the asked
one (a budget stays at a point of the grid, at or just below).
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from inventory.engine.service_levels import PortfolioCurves, ironed_steps

THRESHOLDS = np.logspace(-15.0, 5.0, 4001)
"""Efficiencies (units short a period removed per unit of stock value) at which steps are
summarized: 200 a decade."""
_LOG_THRESHOLDS = np.log(THRESHOLDS)


@dataclass(frozen=True)
class StepSummary:
    """What a batch's steps add up to at each of ``THRESHOLDS``, with where it starts."""

    gain: NDArray[np.float64]  # units short a period removed by steps at or above it
    cost: NDArray[np.float64]  # stock value those steps add
    start_short: float  # units short a period with every row at its lower bound
    start_value: float  # stock value with every row at its lower bound
    demand: float  # units demanded a period

    def __add__(self, other: "StepSummary") -> "StepSummary":
        return StepSummary(
            self.gain + other.gain,
            self.cost + other.cost,
            self.start_short + other.start_short,
            self.start_value + other.start_value,
            self.demand + other.demand,
        )

    def totals(self, threshold: float) -> tuple[float, float]:
        """(aggregate fill, stock value) taking every step at or above ``threshold``: exact
        at a point of ``THRESHOLDS``, interpolated in its logarithm between two."""
        gain, cost = (_interpolated(values, threshold) for values in (self.gain, self.cost))
        short = self.start_short - gain
        fill = 1.0 - short / self.demand if self.demand > 0 else 1.0
        return fill, self.start_value + cost

    def as_json(self) -> dict:
        """Stored form (lists of floats)."""
        return {
            "gain": self.gain.tolist(),
            "cost": self.cost.tolist(),
            "start_short": self.start_short,
            "start_value": self.start_value,
            "demand": self.demand,
        }

    @classmethod
    def from_json(cls, data: dict) -> "StepSummary":
        return cls(
            np.asarray(data["gain"], dtype=np.float64),
            np.asarray(data["cost"], dtype=np.float64),
            float(data["start_short"]),
            float(data["start_value"]),
            float(data["demand"]),
        )


def summarize_steps(curves: PortfolioCurves) -> StepSummary:
    """The batch's steps summed above every threshold."""
    gain, cost, efficiency = (values.ravel() for values in ironed_steps(curves))
    order = np.argsort(efficiency)
    ranked = efficiency[order]
    above = np.searchsorted(ranked, THRESHOLDS, side="left")  # first step at or above
    gains = np.concatenate([np.cumsum(gain[order][::-1])[::-1], [0.0]])
    costs = np.concatenate([np.cumsum(cost[order][::-1])[::-1], [0.0]])
    return StepSummary(
        gain=gains[above],
        cost=costs[above],
        start_short=float(curves.short[:, 0].sum()),
        start_value=float(curves.value[:, 0].sum()),
        demand=float(curves.demand.sum()),
    )


def threshold_for(
    summary: StepSummary, *, aggregate_fill: float | None = None, budget: float | None = None
) -> float:
    """The efficiency to take steps at. For ``aggregate_fill``: between the highest point of
    ``THRESHOLDS`` reaching it and the next, interpolated in its logarithm so the gain of the
    steps in between is shared out (the lowest point, taking every step, when none reaches
    it). For ``budget``: the lowest point within it (the highest when none is), never over."""
    if (aggregate_fill is None) == (budget is None):
        raise ValueError("Give either aggregate_fill or budget.")
    if budget is not None:
        within = np.flatnonzero(summary.cost <= budget - summary.start_value + 1e-9)
        return float(THRESHOLDS[within[0] if within.size else -1])
    needed = summary.start_short - (1.0 - aggregate_fill) * summary.demand
    reaching = np.flatnonzero(summary.gain >= needed - 1e-9)
    if not reaching.size:
        return float(THRESHOLDS[0])
    k = int(reaching[-1])
    if k == THRESHOLDS.size - 1 or summary.gain[k] == summary.gain[k + 1]:
        return float(THRESHOLDS[k])
    share = (summary.gain[k] - needed) / (summary.gain[k] - summary.gain[k + 1])
    return float(np.exp(_LOG_THRESHOLDS[k] + share * (_LOG_THRESHOLDS[k + 1] - _LOG_THRESHOLDS[k])))


def chosen_at(curves: PortfolioCurves, threshold: float) -> NDArray[np.int64]:
    """Each row's level index taking its steps at or above ``threshold``."""
    return (ironed_steps(curves)[2] >= threshold).sum(axis=1)


def _interpolated(values: NDArray, threshold: float) -> float:
    """A summary array (one value per point of ``THRESHOLDS``) at ``threshold``."""
    return float(np.interp(np.log(threshold), _LOG_THRESHOLDS, values))
